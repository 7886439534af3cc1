//! `jitgap scan --aws-endpoint-url` against a real moto server: the verdicts design.md defines,
//! per identity, through the real aws-sdk-iam client; and only read operations sent.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use support::moto::Moto;

const ACCOUNT: &str = "123456789012";

fn scan(moto: &Moto, extra: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("jitgap")
        .unwrap()
        .args([
            "scan",
            "--aws-endpoint-url",
            &moto.endpoint,
            "--format",
            "json",
            "--progress",
            "never",
        ])
        .args(extra)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr:\n{stderr}\nmoto log:\n{}",
            moto.log()
        )
    });
    (out.status.code().unwrap_or(-1), v, stderr)
}

/// (privilege, enforcement, credential_lifetime) of the strongest path of a role or user.
fn verdict(report: &Value, kind: &str, name: &str) -> Vec<(String, String, String, String)> {
    let id = format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}");
    report["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["identity"].as_str().is_some_and(|i| {
                i.starts_with(&format!("arn:aws:iam::{ACCOUNT}:{kind}/"))
                    && i.ends_with(&format!("/{name}"))
            }) || p["identity"] == id
        })
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            (
                s("entitlement"),
                s("privilege"),
                s("enforcement"),
                s("credential_lifetime"),
            )
        })
        .collect()
}

fn has(
    paths: &[(String, String, String, String)],
    entitlement_part: &str,
    privilege: &str,
    enforcement: &str,
    lifetime: &str,
) -> bool {
    paths.iter().any(|(e, p, en, l)| {
        e.contains(entitlement_part) && p == privilege && en == enforcement && l == lifetime
    })
}

fn rules_for(report: &Value, name: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["identity"]
                .as_str()
                .is_some_and(|i| i.ends_with(&format!("/{name}")))
        })
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

/// Each seeded access key once: the credential report and the key listing describe the same
/// keys, and both are read (ci-deployer 1 key, etl-loader 2, old-batch 1 inactive).
fn assert_one_finding_per_key(report: &Value, what: &str) {
    let findings = |rule: &str, user: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == rule)
            .filter(|f| {
                f["identity"]
                    .as_str()
                    .is_some_and(|i| i.ends_with(&format!("/{user}")))
            })
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        findings("AWS003", "etl-loader"),
        ["user etl-loader has 2 active access keys"],
        "{what}"
    );
    assert_eq!(
        findings("AWS003", "ci-deployer"),
        Vec::<String>::new(),
        "{what}"
    );
    let inactive = findings("AWS004", "old-batch");
    assert_eq!(inactive.len(), 1, "{what}: {inactive:?}");
    for (user, count) in [("ci-deployer", 1), ("etl-loader", 2), ("old-batch", 1)] {
        let keys = report["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "access-key")
            .filter(|c| c["identity"] == format!("arn:aws:iam::{ACCOUNT}:user/{user}"))
            .count();
        assert_eq!(keys, count, "{what}: access keys of {user}");
    }
}

#[test]
fn live_scan_gives_the_designed_verdicts_and_only_reads() {
    let moto = Moto::start();
    moto.seed("estate");
    moto.start_recording();
    let (code, r, stderr) = scan(&moto, &[]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(r["scopes"][0]["scope"], ACCOUNT);
    assert_eq!(r["scopes"][0]["status"], "complete", "{}", r["scopes"]);

    let ci = verdict(&r, "user", "ci-deployer");
    assert!(
        has(
            &ci,
            "AdministratorAccess",
            "admin",
            "standing",
            "long-lived"
        ),
        "{ci:?}"
    );
    assert!(rules_for(&r, "ci-deployer").contains(&"GEN001".to_string()));
    assert!(rules_for(&r, "ci-deployer").contains(&"GEN005".to_string()));

    assert!(has(
        &verdict(&r, "user", "etl-loader"),
        "inline:",
        "write",
        "standing",
        "long-lived"
    ));
    assert!(
        rules_for(&r, "etl-loader").contains(&"AWS003".to_string()),
        "two active keys"
    );

    let old = verdict(&r, "user", "old-batch");
    assert!(
        has(&old, "ReadOnlyAccess", "read", "standing", "none"),
        "inactive key only: {old:?}"
    );
    assert!(rules_for(&r, "old-batch").contains(&"AWS004".to_string()));
    assert_one_finding_per_key(&r, "live scan");

    // OIDC with a tight sub: ephemeral credential, permanent permissions: standing, not JIT.
    let rel = verdict(&r, "role", "gha-release");
    assert!(
        has(&rel, "inline:", "write", "standing", "ephemeral"),
        "{rel:?}"
    );
    assert!(!rules_for(&r, "gha-release").contains(&"AWS005".to_string()));

    assert!(has(
        &verdict(&r, "role", "gha-wide"),
        "AdministratorAccess",
        "admin",
        "standing",
        "ephemeral"
    ));
    assert!(
        rules_for(&r, "gha-wide").contains(&"AWS005".to_string()),
        "OIDC without sub"
    );

    assert!(has(
        &verdict(&r, "role", "lambda-exec"),
        "inline:",
        "write",
        "standing",
        "ephemeral"
    ));

    assert!(has(
        &verdict(&r, "role", "vendor-audit"),
        "SecurityAudit",
        "read",
        "standing",
        "ephemeral"
    ));
    assert!(
        rules_for(&r, "vendor-audit").contains(&"AWS008".to_string()),
        "third-party trust with ExternalId"
    );
    let vendor = rules_for(&r, "vendor-noext");
    assert!(
        vendor.contains(&"AWS007".to_string()) && vendor.contains(&"GEN001".to_string()),
        "{vendor:?}"
    );
    let frameworks = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "AWS007")
        .unwrap()["frameworks"]
        .to_string();
    assert!(frameworks.contains("NHI3:2025"), "{frameworks}");

    assert!(has(
        &verdict(&r, "role", "jit-window"),
        "inline:",
        "write",
        "jit",
        "ephemeral"
    ));
    assert!(has(
        &verdict(&r, "role", "long-window"),
        "inline:",
        "write",
        "time-bound",
        "ephemeral"
    ));
    assert!(rules_for(&r, "long-window").contains(&"GEN003".to_string()));
    assert!(
        verdict(&r, "role", "expired-window").is_empty(),
        "a window that is over grants nothing now"
    );
    assert!(rules_for(&r, "expired-window").contains(&"AWS010".to_string()));

    assert!(has(
        &verdict(&r, "role", "revoked-sessions"),
        "PowerUserAccess",
        "write",
        "standing",
        "ephemeral"
    ));
    let revoked = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "AWS012")
        .expect("session revocation recorded");
    assert_eq!(revoked["revocation"], "effective");

    // Coverage counts every privileged path; jit-window is the one JIT path.
    assert_eq!(
        r["coverage"]["overall"]["jit"], 1,
        "{}",
        r["coverage"]["overall"]
    );

    let actions = moto.recorded_actions();
    assert!(!actions.is_empty());
    let allowed = jitgap::scan::Registry::builtin()
        .find_name("aws")
        .unwrap()
        .operations();
    for a in &actions {
        assert!(
            allowed.contains(&a.as_str()),
            "a non-read operation was sent: {a}"
        );
    }
}

#[test]
fn collect_writes_a_snapshot_that_scans_the_same() {
    let moto = Moto::start();
    moto.seed("estate");
    let t = tempfile::tempdir().unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    Command::cargo_bin("jitgap")
        .unwrap()
        .args(["collect", "--aws-endpoint-url", &moto.endpoint, "--out"])
        .arg(t.path())
        .envs(env)
        .assert()
        .code(0);
    for f in [
        "authorization-details.json",
        "credential-report.csv",
        "access-keys.json",
    ] {
        assert!(t.path().join("aws").join(ACCOUNT).join(f).is_file(), "{f}");
    }
    let (_, live, _) = scan(&moto, &[]);
    let out = Command::cargo_bin("jitgap")
        .unwrap()
        .args(["scan", "--from"])
        .arg(t.path())
        .args([
            "--format",
            "json",
            "--as-of",
            live["generated_at"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    let snap: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_one_finding_per_key(&live, "live scan");
    assert_one_finding_per_key(&snap, "scan --from the collected snapshot");
    let key = |v: &Value| {
        let mut paths: Vec<String> = v["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {} {}",
                    p["identity"],
                    p["entitlement"],
                    p["privilege"],
                    p["enforcement"],
                    p["credential_lifetime"]
                )
            })
            .collect();
        paths.sort();
        paths
    };
    assert_eq!(key(&live), key(&snap));
}

/// Seeded secrets never reach any output: stdout, stderr, or the files `collect` and `--out` write.
#[test]
fn secrets_never_reach_an_output() {
    let moto = Moto::start();
    moto.seed("estate");
    let secret = "jItGaPsEcReT0123456789abcdefghijklmnopqr"; // 40 chars, like an AWS secret key
    let t = tempfile::tempdir().unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIAJITGAPSEEDED0001"),
        ("AWS_SECRET_ACCESS_KEY", secret),
        (
            "AWS_SESSION_TOKEN",
            "jitgap-session-token-seeded-value-1234567890",
        ),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        // the standard variable instead of the flag: it must be honoured too
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
    ];
    let mut seen = String::new();
    for args in [
        vec!["collect", "--aws", "--out", "snap"],
        vec![
            "scan",
            "--aws",
            "--format",
            "table,json,sarif,markdown",
            "--out",
            "out",
        ],
        vec![
            "scan",
            "--aws-endpoint-url",
            "http://127.0.0.1:9",
            "--format",
            "json",
        ],
    ] {
        let out = Command::cargo_bin("jitgap")
            .unwrap()
            .current_dir(t.path())
            .args(&args)
            .envs(env)
            .output()
            .unwrap();
        seen += &String::from_utf8_lossy(&out.stdout);
        seen += &String::from_utf8_lossy(&out.stderr);
    }
    assert!(
        t.path()
            .join("snap/aws/123456789012/authorization-details.json")
            .is_file(),
        "AWS_ENDPOINT_URL was not honoured"
    );
    for entry in walk(t.path()) {
        seen += &std::fs::read_to_string(&entry).unwrap_or_default();
    }
    assert!(seen.len() > 10_000, "outputs were produced");
    for s in [secret, "jitgap-session-token-seeded-value-1234567890"] {
        assert!(!seen.contains(s), "a seeded secret reached an output");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}
