//! Live Kubernetes scans through the real `kube` client against a fake API server
//! (tests/support/fake_kube.rs: the estate, two items a page, full Secrets with data): the
//! report equals the snapshot's, `collect` then `scan --from` gives it again, only allowed
//! GETs are sent, no token or Secret data reaches any output, and faults are named.

mod support;

use jitgap::scan::kubernetes::raw::operation_of;
use serde_json::Value;
use std::path::Path;
use support::cli::{files, jitgap, repo, scan_report};
use support::fake_kube::{FakeKube, Fault, kubeconfig};

const TOKEN: &str = "kube-token-5eed-000000000000000000000000000000000000";
const AS_OF: &str = "2026-12-01T12:00:00Z";
/// What the estate's Secrets and pods hold and must never reach an output.
const SEEDED: &[&str] = &["ZXlKaGJHY2lPaUpTVXpJMU5p", "hunter2-seeded-pod-env", TOKEN];

fn write_kubeconfig(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("kubeconfig.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// `jitgap ARGS --format json --out OUT`: exit code, report, stdout+stderr.
fn run(args: &[&std::ffi::OsStr], out: &Path) -> (i32, Value, String) {
    let o = jitgap(&repo())
        .env_remove("KUBECONFIG")
        .args(args)
        .args(["--format", "json", "--out"])
        .arg(out)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(out.join("jitgap-report.json")).unwrap_or_default();
    (
        o.status.code().unwrap_or(-1),
        serde_json::from_str(&text).unwrap_or(Value::Null),
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// The verdicts of a report, without where they were read.
fn verdicts(r: &Value) -> Vec<String> {
    let mut out: Vec<String> = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {} {} {} {} {}",
                p["identity"],
                p["entitlement"],
                p["target"],
                p["privilege"],
                p["enforcement"],
                p["credential_lifetime"]
            )
        })
        .chain(
            r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| format!("{} {} {}", f["rule_id"], f["identity"], f["message"])),
        )
        .collect();
    out.sort();
    out
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

#[test]
fn a_live_scan_gives_the_snapshot_report_with_reads_only() {
    let fake = FakeKube::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(dir.path(), &fake.kubeconfig(&["prod"], TOKEN));
    let out = dir.path().join("out");
    let (code, live, text) = run(
        &[
            os("scan"),
            os("--kubeconfig"),
            kc.as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
        &out,
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(live["scopes"][0]["scope"], "prod");
    assert_eq!(
        live["scopes"][0]["status"], "complete",
        "{:#}",
        live["scopes"]
    );
    let (_, snap, _) = scan_report(&repo().join("tests/fixtures/kubernetes/estate"));
    assert_eq!(verdicts(&live), verdicts(&snap));
    // Only reads, each allowed, each with the token; lists paged.
    let reqs = fake.requests();
    assert!(reqs.len() > 8, "paged: {}", reqs.len());
    for r in &reqs {
        let path = r.path.split('?').next().unwrap();
        assert_eq!(r.method, "GET", "{r:?}");
        assert!(operation_of("GET", path).is_some(), "{path}");
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    assert!(
        reqs.iter().any(|r| r.path.contains("&continue=off%2D2")),
        "continue was followed"
    );
    let secrets: Vec<_> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/secrets"))
        .collect();
    assert!(
        secrets.iter().all(|r| r
            .path
            .contains("fieldSelector=type%3Dkubernetes.io%2Fservice-account-token")),
        "{secrets:?}"
    );
    assert!(
        secrets.iter().all(|r| r
            .header("accept")
            .unwrap_or("")
            .contains("PartialObjectMetadataList")),
        "metadata only"
    );
    // collect, then scan the snapshot: the same verdicts; nothing secret in the snapshot.
    let snapdir = dir.path().join("snap");
    let o = jitgap(&repo())
        .env_remove("KUBECONFIG")
        .args(["collect", "--kubeconfig"])
        .arg(&kc)
        .arg("--out")
        .arg(&snapdir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut all = String::from_utf8_lossy(&o.stdout).to_string()
        + &String::from_utf8_lossy(&o.stderr)
        + &text;
    for f in files(&snapdir).into_iter().chain(files(&out)) {
        all.push_str(&std::fs::read_to_string(f).unwrap());
    }
    for s in SEEDED {
        assert!(!all.contains(s), "{s} reached an output or the snapshot");
    }
    assert!(snapdir.join("kubernetes/prod/secrets.json").is_file());
    let (code, again, text) = run(
        &[
            os("scan"),
            os("--from"),
            snapdir.as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
        &dir.path().join("out2"),
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(verdicts(&again), verdicts(&live));
}

#[test]
fn a_forbidden_list_makes_the_cluster_partial() {
    let fake = FakeKube::start(TOKEN);
    fake.fault("/api/v1/secrets", Fault::Forbidden);
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(dir.path(), &fake.kubeconfig(&["prod"], TOKEN));
    let (code, r, text) = run(
        &[
            os("scan"),
            os("--kubeconfig"),
            kc.as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
        &dir.path().join("o"),
    );
    assert_eq!(code, 3, "{text}");
    let scope = &r["scopes"][0];
    assert_eq!(scope["status"], "partial");
    let errors = scope["errors"].to_string();
    assert!(
        errors.contains("cannot list secrets") && errors.contains("list secrets (core)"),
        "{errors}"
    );
    assert!(
        errors.contains("system:serviceaccount:jitgap:scanner"),
        "the Status message: {errors}"
    );
    // Without Secrets, an account with no pod has unknown tokens; the rest is reported.
    assert!(
        r["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["credential_lifetime"] == "unknown")
    );
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "K8S001")
    );
}

#[test]
fn throttling_and_an_expired_continue_token_are_waited_out() {
    let fake = FakeKube::start(TOKEN);
    fake.fault("/api/v1/pods", Fault::ThrottleOnce);
    fake.fault("/api/v1/serviceaccounts", Fault::GoneOnce);
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(dir.path(), &fake.kubeconfig(&["prod"], TOKEN));
    let (code, r, text) = run(
        &[
            os("scan"),
            os("--kubeconfig"),
            kc.as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
        &dir.path().join("o"),
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(r["scopes"][0]["status"], "complete", "{:#}", r["scopes"]);
    let (_, snap, _) = scan_report(&repo().join("tests/fixtures/kubernetes/estate"));
    assert_eq!(
        verdicts(&r),
        verdicts(&snap),
        "every account read, none twice"
    );
    let pods = fake
        .requests()
        .iter()
        .filter(|r| {
            r.path.starts_with("/api/v1/pods?limit=500&") || r.path == "/api/v1/pods?limit=500"
        })
        .count();
    assert!(pods >= 2, "the throttled page was asked again");
}

#[test]
fn bad_bodies_and_looping_pages_are_named() {
    let fake = FakeKube::start(TOKEN);
    fake.fault("/apis/rbac.authorization.k8s.io/v1/roles", Fault::Malformed);
    fake.fault("/api/v1/pods", Fault::ContinueLoop);
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(dir.path(), &fake.kubeconfig(&["prod"], TOKEN));
    let (code, r, text) = run(
        &[os("scan"), os("--kubeconfig"), kc.as_os_str()],
        &dir.path().join("o"),
    );
    assert_eq!(code, 3, "{text}");
    let errors = r["scopes"][0]["errors"].to_string();
    assert!(
        errors.contains("GET /apis/rbac.authorization.k8s.io/v1/roles: line 1 column"),
        "{errors}"
    );
    assert!(
        errors.contains("GET /api/v1/pods: the API server repeated a continue token"),
        "{errors}"
    );
}

#[test]
fn refused_credentials_and_an_unreachable_cluster_fail_the_scope() {
    let fake = FakeKube::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(dir.path(), &fake.kubeconfig(&["prod"], "not-the-token"));
    let (code, r, text) = run(
        &[os("scan"), os("--kubeconfig"), kc.as_os_str()],
        &dir.path().join("o"),
    );
    assert_eq!(code, 3, "{text}");
    assert_eq!(r["scopes"][0]["status"], "failed");
    assert!(
        r["scopes"][0]["errors"]
            .to_string()
            .contains("refused the credentials (401)"),
        "{:#}",
        r["scopes"]
    );
    assert!(!text.contains("not-the-token") && !r.to_string().contains("not-the-token"));
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let kc = write_kubeconfig(
        dir.path(),
        &kubeconfig(
            &format!("http://127.0.0.1:{port}"),
            &["prod"],
            &format!("token: {TOKEN}"),
        ),
    );
    let o = jitgap(&repo())
        .env_remove("KUBECONFIG")
        .args(["scan", "--kubeconfig"])
        .arg(&kc)
        .args(["--format", "json", "--out"])
        .arg(dir.path().join("o2"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("o2/jitgap-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(r["scopes"][0]["status"], "failed");
    assert!(
        r["scopes"][0]["errors"]
            .to_string()
            .contains("cannot be read"),
        "{:#}",
        r["scopes"]
    );
    // A context the kubeconfig does not have: named, with the ones it has.
    let (code, r, text) = run(
        &[
            os("scan"),
            os("--kubeconfig"),
            kc.as_os_str(),
            os("--kube-context"),
            os("staging"),
        ],
        &dir.path().join("o3"),
    );
    assert_eq!(code, 3, "{text}");
    assert!(
        r["scopes"][0]["errors"]
            .to_string()
            .contains("no context `staging` (it has: prod)"),
        "{:#}",
        r["scopes"]
    );
}

#[test]
fn contexts_are_scopes_and_exec_plugins_give_the_token() {
    let fake = FakeKube::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let kc = write_kubeconfig(dir.path(), &fake.kubeconfig(&["prod", "dev"], TOKEN));
    let (code, r, text) = run(
        &[
            os("scan"),
            os("--kubeconfig"),
            kc.as_os_str(),
            os("--kube-context"),
            os("dev"),
            os("--as-of"),
            os(AS_OF),
        ],
        &dir.path().join("o"),
    );
    assert_eq!(code, 0, "{text}");
    let scopes: Vec<&str> = r["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, ["dev"]);
    let (code, r, text) = run(
        &[
            os("scan"),
            os("--kubeconfig"),
            kc.as_os_str(),
            os("--kube-context"),
            os("prod"),
            os("--kube-context"),
            os("dev"),
            os("--as-of"),
            os(AS_OF),
        ],
        &dir.path().join("o2"),
    );
    assert_eq!(code, 0, "{text}");
    let mut scopes: Vec<&str> = r["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    scopes.sort();
    assert_eq!(scopes, ["dev", "prod"]);
    // An exec plugin (as `aws eks get-token` is) prints the ExecCredential with the token.
    let plugin = dir.path().join("get-token.sh");
    std::fs::write(&plugin, format!("#!/bin/sh\necho '{{\"apiVersion\": \"client.authentication.k8s.io/v1\", \"kind\": \"ExecCredential\", \"status\": {{\"token\": \"{TOKEN}\"}}}}'\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let user = format!(
        "exec:\n  apiVersion: client.authentication.k8s.io/v1\n  command: {}\n  interactiveMode: Never",
        plugin.display()
    );
    let kc = write_kubeconfig(dir.path(), &kubeconfig(&fake.http.url, &["prod"], &user));
    let (code, r, text) = run(
        &[
            os("scan"),
            os("--kubeconfig"),
            kc.as_os_str(),
            os("--as-of"),
            os(AS_OF),
        ],
        &dir.path().join("o3"),
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(r["scopes"][0]["status"], "complete", "{:#}", r["scopes"]);
    assert!(!text.contains(TOKEN) && !r.to_string().contains(TOKEN));
}
