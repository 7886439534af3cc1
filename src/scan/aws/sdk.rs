//! The one AWS SDK configuration of jitgap, for the live IAM collector and the STS access-key
//! probe alike: region, endpoint override, credentials, retries and timeouts, and the
//! read-only guard of each client (`guard.rs`).

use std::time::Duration;

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;

use super::guard::{IAM_READS, STS_CALLER_IDENTITY};

/// IAM is global; requests are signed for this region when none is configured.
pub(crate) const DEFAULT_REGION: &str = "us-east-1";

/// Where the credentials come from. No `Debug`: it may hold a secret.
pub(crate) enum Auth {
    /// The SDK's default chain (environment, profile, SSO, process, IMDS...), with this
    /// profile when named. The region: environment, then the profile, then [`DEFAULT_REGION`].
    Chain { profile: Option<String> },
    /// One access key, signed for [`DEFAULT_REGION`]; nothing is read from the environment
    /// for the credentials or the region.
    Key { id: String, secret: String },
}

/// Time limits of every call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub connect: Duration,
    /// One attempt.
    pub attempt: Duration,
    /// All attempts of one call, backoff included.
    pub operation: Duration,
}

pub(crate) struct Settings {
    pub auth: Auth,
    /// Endpoint override (e.g. a local moto server). `None` = the SDK default, which also
    /// honours `AWS_ENDPOINT_URL` and the service's `AWS_ENDPOINT_URL_<SERVICE>`.
    pub endpoint_url: Option<String>,
    /// Attempts per call (1 = no retry). Retries use the standard mode: exponential backoff
    /// with jitter, on throttling and transient errors only.
    pub attempts: u32,
    pub timeouts: Timeouts,
}

impl Settings {
    /// The live collector's: the default chain, 6 attempts, generous limits.
    pub(crate) fn collector(profile: Option<String>, endpoint_url: Option<String>) -> Settings {
        Settings {
            auth: Auth::Chain { profile },
            endpoint_url,
            attempts: 6,
            timeouts: Timeouts {
                connect: Duration::from_secs(5),
                attempt: Duration::from_secs(30),
                operation: Duration::from_secs(120),
            },
        }
    }
}

/// The shared configuration the service clients are built from.
pub(crate) async fn sdk_config(s: &Settings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(s.attempts.max(1))
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(20)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(s.timeouts.connect)
                .operation_attempt_timeout(s.timeouts.attempt)
                .operation_timeout(s.timeouts.operation)
                .build(),
        );
    match &s.auth {
        Auth::Chain { profile } => {
            // Environment, then the profile, then the IAM default; IMDS is not asked for a region.
            let profile_region = match profile {
                Some(name) => ProfileFileRegionProvider::builder()
                    .profile_name(name)
                    .build(),
                None => ProfileFileRegionProvider::new(),
            };
            let region = RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
                .or_else(profile_region)
                .or_else(Region::new(DEFAULT_REGION));
            loader = loader.region(region);
            if let Some(name) = profile {
                loader = loader.profile_name(name);
            }
        }
        Auth::Key { id, secret } => {
            loader = loader
                .region(Region::new(DEFAULT_REGION))
                .credentials_provider(Credentials::new(id, secret, None, None, "jitgap-verify"));
        }
    }
    if let Some(url) = &s.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// An IAM client that sends only the collector's read operations.
pub(crate) async fn iam_client(s: &Settings) -> aws_sdk_iam::Client {
    let conf = aws_sdk_iam::config::Builder::from(&sdk_config(s).await)
        .interceptor(IAM_READS)
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

/// An STS client that sends only `GetCallerIdentity`.
pub(crate) async fn sts_client(s: &Settings) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::config::Builder::from(&sdk_config(s).await)
        .interceptor(STS_CALLER_IDENTITY)
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

/// The organization listing's clients: Organizations (`ListAccounts` only) and STS
/// (`GetCallerIdentity` and `AssumeRole` only), from the collector's settings.
pub(crate) async fn organization_clients(
    s: &Settings,
) -> (aws_sdk_organizations::Client, aws_sdk_sts::Client) {
    let sdk = sdk_config(s).await;
    let orgs = aws_sdk_organizations::config::Builder::from(&sdk)
        .interceptor(super::guard::ORGANIZATIONS_READS)
        .build();
    let sts = aws_sdk_sts::config::Builder::from(&sdk)
        .interceptor(super::guard::STS_MEMBER_SESSIONS)
        .build();
    (
        aws_sdk_organizations::Client::from_conf(orgs),
        aws_sdk_sts::Client::from_conf(sts),
    )
}

/// A session's credentials. No `Debug`: they are secret.
pub(crate) struct SessionKeys {
    pub id: String,
    pub secret: String,
    pub token: String,
}

/// An IAM client signing with a session in a member account; everything else as `s`.
pub(crate) async fn iam_client_as(s: &Settings, keys: SessionKeys) -> aws_sdk_iam::Client {
    let conf = aws_sdk_iam::config::Builder::from(&sdk_config(s).await)
        .credentials_provider(Credentials::new(
            keys.id,
            keys.secret,
            Some(keys.token),
            None,
            "jitgap-member-session",
        ))
        .interceptor(IAM_READS)
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}
