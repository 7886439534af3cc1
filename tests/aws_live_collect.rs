//! The live AWS IAM collector against a real moto server.

mod support;

use std::collections::BTreeSet;
use std::sync::Once;

use jitgap::scan::RawScope;
use jitgap::scan::aws::collect::{AwsLiveOptions, collect};
use jitgap::scan::aws::raw::{ACCESS_KEYS, AUTHORIZATION_DETAILS, CREDENTIAL_REPORT};
use serde_json::Value;
use support::moto::Moto;

/// Fake credentials for moto, through the environment the SDK's default chain reads.
fn fake_credentials() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (key, value) in [
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ] {
            // SAFETY: every test in this binary calls this first, and `Once` blocks them
            // all until it returns, so no other thread of ours reads the environment
            // while it changes; no runtime or server has been started yet.
            unsafe { std::env::set_var(key, value) };
        }
    });
}

fn run(endpoint: &str) -> RawScope {
    let opts = AwsLiveOptions {
        endpoint_url: Some(endpoint.to_string()),
        profile: None,
        ..Default::default()
    };
    tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(collect(&opts))
}

fn names(list: &Value, key: &str) -> BTreeSet<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|item| item[key].as_str().map(str::to_string))
        .collect()
}

/// A policy document as the API returns it: URL-encoded JSON, or plain JSON.
fn document(value: &Value) -> Value {
    let text = value
        .as_str()
        .expect("policy documents are kept as strings");
    let text = if text.starts_with('%') {
        percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .expect("utf-8")
            .into_owned()
    } else {
        text.to_string()
    };
    serde_json::from_str(&text).expect("policy document is JSON")
}

#[test]
fn collects_the_seeded_estate_with_read_only_calls() {
    fake_credentials();
    let moto = Moto::start();
    moto.seed("estate");
    moto.start_recording();

    let raw = run(&moto.endpoint);
    assert!(
        raw.errors.is_empty(),
        "errors: {:#?}\nmoto log:\n{}",
        raw.errors,
        moto.log()
    );
    assert_eq!(raw.scope.as_str(), "123456789012");

    // Authorization details.
    let doc = raw
        .document(AUTHORIZATION_DETAILS)
        .expect("authorization details");
    assert_eq!(
        doc.source,
        format!("aws:iam:GetAccountAuthorizationDetails @ {}", moto.endpoint)
    );
    let details: Value = serde_json::from_str(&doc.text).expect("GAAD is JSON");
    let users = names(&details["UserDetailList"], "UserName");
    for user in ["ci-deployer", "etl-loader", "old-batch"] {
        assert!(users.contains(user), "user {user} missing from {users:?}");
    }
    let roles = names(&details["RoleDetailList"], "RoleName");
    for role in [
        "gha-release",
        "gha-wide",
        "lambda-exec",
        "vendor-audit",
        "vendor-noext",
        "jit-window",
        "long-window",
        "expired-window",
        "revoked-sessions",
    ] {
        assert!(roles.contains(role), "role {role} missing from {roles:?}");
    }
    assert!(details["GroupDetailList"].is_array());

    let policies = names(&details["Policies"], "Arn");
    for used in [
        "AdministratorAccess",
        "ReadOnlyAccess",
        "SecurityAudit",
        "PowerUserAccess",
    ] {
        let arn = format!("arn:aws:iam::aws:policy/{used}");
        assert!(
            policies.contains(&arn),
            "{arn} missing from Policies {policies:?}"
        );
    }
    assert!(
        !policies.contains("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        "unattached AWS-managed policies must be dropped"
    );
    assert!(
        policies.len() < 20,
        "only used policies are kept: {policies:?}"
    );
    let admin = details["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["PolicyName"] == "AdministratorAccess")
        .unwrap();
    let versions = admin["PolicyVersionList"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "only the default version is kept");
    assert_eq!(versions[0]["IsDefaultVersion"], true);
    assert_eq!(
        document(&versions[0]["Document"])["Statement"][0]["Action"],
        "*"
    );

    let release = details["RoleDetailList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["RoleName"] == "gha-release")
        .unwrap();
    assert!(
        release["CreateDate"].as_str().unwrap().ends_with('Z'),
        "RFC 3339 dates"
    );
    let trust = document(&release["AssumeRolePolicyDocument"]);
    let condition = &trust["Statement"][0]["Condition"]["StringEquals"];
    assert_eq!(
        condition["token.actions.githubusercontent.com:sub"],
        "repo:acme/api:environment:prod"
    );
    assert_eq!(
        names(&release["AttachedManagedPolicies"], "PolicyName"),
        BTreeSet::from(["ReadOnlyAccess".into()])
    );
    let inline = &release["RolePolicyList"][0];
    assert_eq!(
        document(&inline["PolicyDocument"])["Statement"][0]["Action"],
        "s3:PutObject"
    );

    // Access keys.
    let keys_doc = raw.document(ACCESS_KEYS).expect("access keys");
    assert_eq!(
        keys_doc.source,
        format!(
            "aws:iam:ListAccessKeys+GetAccessKeyLastUsed @ {}",
            moto.endpoint
        )
    );
    let keys: Value = serde_json::from_str(&keys_doc.text).expect("access keys are JSON");
    let keys = keys["AccessKeyMetadata"]
        .as_array()
        .expect("AccessKeyMetadata");
    assert_eq!(keys.len(), 4, "{keys:#?}");
    let inactive: Vec<&Value> = keys.iter().filter(|k| k["Status"] == "Inactive").collect();
    assert_eq!(inactive.len(), 1, "{keys:#?}");
    assert_eq!(inactive[0]["UserName"], "old-batch");
    assert_eq!(
        keys.iter()
            .filter(|k| k["UserName"] == "etl-loader")
            .count(),
        2
    );
    for key in keys {
        assert!(
            key["AccessKeyId"].as_str().is_some_and(|id| !id.is_empty()),
            "{key}"
        );
        assert!(key["AccessKeyLastUsed"].is_object(), "{key}");
        assert!(key.get("SecretAccessKey").is_none(), "{key}");
    }

    // Both documents describe the same keys (moto's CreateDate has microseconds, the
    // report seconds): the scanner counts each key once.
    use jitgap::scan::Scanner;
    let rules = jitgap::scan::registry::embedded_rules().unwrap();
    let policy = jitgap::policy::Policy::from_layers(&[&rules.policy]).unwrap();
    let ctx = jitgap::scan::Context {
        policy: &policy,
        rules: &rules,
        now: chrono::Utc::now(),
    };
    let jitgap::scan::Normalized {
        inventory: inv,
        errors,
    } = jitgap::scan::aws::SCANNER.normalize(&raw, &ctx);
    assert!(errors.is_empty(), "{errors:?}");
    let signals = |kind: &str| -> Vec<&str> {
        inv.signals
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.message.as_str())
            .collect()
    };
    assert_eq!(
        signals("aws-two-active-access-keys"),
        ["user etl-loader has 2 active access keys"]
    );
    assert_eq!(signals("aws-inactive-access-key").len(), 1);
    let listed: BTreeSet<&str> = keys
        .iter()
        .filter_map(|k| k["AccessKeyId"].as_str())
        .collect();
    let counted: Vec<&str> = inv
        .credentials
        .iter()
        .filter(|c| c.kind == "access-key")
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(counted.len(), 4, "{counted:?}");
    assert_eq!(counted.iter().copied().collect::<BTreeSet<_>>(), listed);

    // Credential report.
    let report = raw.document(CREDENTIAL_REPORT).expect("credential report");
    assert_eq!(
        report.source,
        format!("aws:iam:GetCredentialReport @ {}", moto.endpoint)
    );
    assert!(report.text.starts_with("user,arn,"), "{}", report.text);
    assert!(
        report.text.lines().any(|l| l.starts_with("ci-deployer,")),
        "{}",
        report.text
    );

    // Only read-only calls reached the server.
    let actions = moto.recorded_actions();
    let allowed = jitgap::scan::Registry::builtin()
        .find_name("aws")
        .unwrap()
        .operations();
    let outside: Vec<&String> = actions
        .iter()
        .filter(|a| !allowed.contains(&a.as_str()))
        .collect();
    assert!(
        outside.is_empty(),
        "calls outside the allow-list: {outside:?}"
    );
    // Every IAM read of a one-account collection (the organization's calls are not needed).
    for expected in jitgap::scan::aws::raw::ALLOWED_OPERATIONS {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} not called: {actions:?}"
        );
    }
}

#[test]
fn unreachable_endpoint_is_reported_not_fatal() {
    fake_credentials();
    let endpoint = "http://127.0.0.1:1";
    let raw = run(endpoint);

    assert!(raw.document(AUTHORIZATION_DETAILS).is_none());
    assert!(raw.document(CREDENTIAL_REPORT).is_none());
    assert!(raw.document(ACCESS_KEYS).is_none());
    assert!(!raw.errors.is_empty());
    for error in &raw.errors {
        assert!(
            error.contains(endpoint),
            "error does not name the endpoint: {error}"
        );
    }
    assert!(
        raw.errors.iter().any(|e| e.starts_with(&format!(
            "GetAccountAuthorizationDetails failed at {endpoint}"
        ))),
        "{:#?}",
        raw.errors
    );
    assert!(
        raw.errors
            .iter()
            .any(|e| e.starts_with("GenerateCredentialReport failed at")),
        "{:#?}",
        raw.errors
    );
}
