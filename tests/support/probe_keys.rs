#![allow(dead_code)]
//! Access keys in a moto server that enforces authentication, for the credential probes:
//! one live, one deleted. moto checks no credentials for its first `SEED_CALLS` requests, then
//! authenticates every request (moto/core/authorization.py, `INITIAL_NO_AUTH_ACTION_COUNT`).

use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};

/// Seeding makes exactly these calls, each attempted once: CreateUser, CreateAccessKey ×2, DeleteAccessKey.
pub const SEED_CALLS: &str = "4";

pub struct Key {
    pub id: String,
    pub secret: String,
}

/// Returns (live key, deleted key) of user `probe-svc`.
pub async fn seed(endpoint: &str) -> (Key, Key) {
    let conf = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("seeding", "seeding", None, None, "test"))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build();
    let iam = aws_sdk_iam::Client::from_conf(conf);
    iam.create_user()
        .user_name("probe-svc")
        .send()
        .await
        .expect("CreateUser");
    let mut keys = Vec::new();
    for _ in 0..2 {
        let k = iam
            .create_access_key()
            .user_name("probe-svc")
            .send()
            .await
            .expect("CreateAccessKey")
            .access_key
            .expect("an access key");
        keys.push(Key {
            id: k.access_key_id,
            secret: k.secret_access_key,
        });
    }
    let deleted = keys.pop().unwrap();
    iam.delete_access_key()
        .user_name("probe-svc")
        .access_key_id(&deleted.id)
        .send()
        .await
        .expect("DeleteAccessKey");
    (keys.pop().unwrap(), deleted)
}
