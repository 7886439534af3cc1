//! TLS against a real PostgreSQL whose certificate comes from a CA the test makes: each
//! `sslmode` is recorded on the scope, a failed verification fails the scope (and the CLI
//! exits 3), and `prefer` against a plaintext-only server says it fell back.

use super::scan;
use crate::support::postgres::{Pg, SUPERUSER_PASSWORD};
use crate::support::tls::TestCa;
use jitgap::model::{Revocation, ScopeConnection, ScopeState, ScopeStatus};
use jitgap::revocation::{ProbeInput, ProbeKind, ProbeOptions, Secret, verify};

fn url(pg: &Pg, host: &str, params: &str) -> String {
    let sep = if params.is_empty() { "" } else { "?" };
    format!(
        "postgres://postgres:{SUPERUSER_PASSWORD}@{host}:{}/postgres{sep}{params}",
        pg.port
    )
}

/// `jitgap scan --postgres-url URL ARGS…`.
fn jitgap_scan(url: &str, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("jitgap")
        .unwrap()
        .args(["scan", "--postgres-url", url])
        .args(args)
        .env_remove("PGPASSWORD")
        .env_remove("PGSSLMODE")
        .env_remove("PGSSLROOTCERT")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
}

fn only_scope(inv: &jitgap::model::Inventory) -> &ScopeStatus {
    assert_eq!(inv.scopes.len(), 1, "{:?}", inv.scopes);
    &inv.scopes[0]
}

fn connection(tls: bool, verified: bool, mode: &str) -> Option<ScopeConnection> {
    Some(ScopeConnection {
        tls,
        verified,
        mode: mode.into(),
        note: None,
    })
}

async fn complete(url: String) -> Option<ScopeConnection> {
    let s = scan(url.clone()).await;
    let scope = only_scope(&s.inv);
    assert_eq!(
        scope.status,
        ScopeState::Complete,
        "{url}: {:?}",
        scope.errors
    );
    scope.connection.clone()
}

/// The scope failed; its one error.
async fn failed(url: String) -> String {
    let s = scan(url.clone()).await;
    let scope = only_scope(&s.inv);
    assert_eq!(scope.status, ScopeState::Failed, "{url}");
    assert_eq!(scope.connection, None);
    let e = scope.errors.join("\n");
    assert!(!e.contains(SUPERUSER_PASSWORD), "the password leaked: {e}");
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmodes_against_a_server_with_a_test_ca() {
    let ca = TestCa::new();
    let pg = Pg::start_with_tls(&ca);
    let root = ca.ca_pem.display().to_string();
    let wrong = ca.other_ca_pem().display().to_string();

    assert_eq!(
        complete(url(&pg, "127.0.0.1", "sslmode=disable")).await,
        connection(false, false, "disable")
    );
    // From here on the server refuses plaintext, so a complete scope proves encryption.
    pg.refuse_plaintext().await;
    assert!(
        failed(url(&pg, "127.0.0.1", "sslmode=disable"))
            .await
            .contains("no encryption"),
        "the server refuses a plaintext session"
    );
    assert_eq!(
        complete(url(
            &pg,
            "127.0.0.1",
            &format!("sslmode=verify-full&sslrootcert={root}")
        ))
        .await,
        connection(true, true, "verify-full")
    );
    assert_eq!(
        complete(url(&pg, "127.0.0.1", "sslmode=require")).await,
        connection(true, false, "require")
    );
    assert_eq!(
        complete(url(&pg, "127.0.0.1", "")).await,
        connection(true, false, "prefer"),
        "prefer encrypts when the server offers TLS, without verifying"
    );
    // The report shows it: JSON (as the schema says), the table and the Markdown.
    let out_dir = tempfile::tempdir().unwrap();
    let good = url(
        &pg,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={root}"),
    );
    let dir = out_dir.path().to_str().unwrap();
    let out = jitgap_scan(&good, &["--format", "json,table,markdown", "--out", dir]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |name: &str| std::fs::read_to_string(out_dir.path().join(name)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&read("jitgap-report.json")).unwrap();
    assert_eq!(
        json["scopes"][0]["connection"],
        serde_json::json!({"tls": true, "verified": true, "mode": "verify-full"})
    );
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let shown = "TLS, verified (verify-full)";
    assert!(
        read("jitgap-report.txt").contains(&format!("connection postgres/{}: {shown}", pg.scope())),
        "{}",
        read("jitgap-report.txt")
    );
    assert!(
        read("jitgap-report.md").contains(&format!("| complete | {shown} |")),
        "{}",
        read("jitgap-report.md")
    );

    // `localhost` is not a name in the certificate: verify-ca does not care, verify-full does.
    assert_eq!(
        complete(url(
            &pg,
            "localhost",
            &format!("sslmode=verify-ca&sslrootcert={root}")
        ))
        .await,
        connection(true, true, "verify-ca")
    );
    let e = failed(url(
        &pg,
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={root}"),
    ))
    .await;
    assert!(
        e.contains(&format!(
            "TLS to postgres://postgres@localhost:{}/postgres?sslmode=verify-full",
            pg.port
        )) && e.contains("does not name localhost"),
        "{e}"
    );

    // A CA that did not sign the server's certificate.
    let bad = url(
        &pg,
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={wrong}"),
    );
    let e = failed(bad.clone()).await;
    assert!(
        e.contains("TLS to postgres://postgres@127.0.0.1")
            && e.contains("sslmode=verify-ca")
            && e.contains(&format!("not signed by the CA in sslrootcert={wrong}")),
        "{e}"
    );
    let out = jitgap_scan(&bad, &["--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!stdout.contains(SUPERUSER_PASSWORD) && !stderr.contains(SUPERUSER_PASSWORD));
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(r["scopes"][0]["status"], "failed", "{stdout}");
    assert!(
        r["scopes"][0]["errors"][0]
            .as_str()
            .is_some_and(|e| e.contains("not signed by the CA")),
        "{stdout}"
    );

    // The login probe connects the same way: the password works over verified TLS; a wrong CA
    // says nothing about the password.
    let probe_url = |params: &str| {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?{params}",
            pg.port
        )
    };
    let probe = |id: String| {
        ProbeInput::new(
            ProbeKind::PostgresLogin,
            id,
            Secret::new(SUPERUSER_PASSWORD),
        )
        .unwrap()
    };
    let results = verify(
        vec![
            probe(probe_url(&format!(
                "sslmode=verify-full&sslrootcert={root}"
            ))),
            probe(probe_url(&format!("sslmode=verify-ca&sslrootcert={wrong}"))),
        ],
        &ProbeOptions::default(),
    )
    .await;
    assert_eq!(results[0].verdict, Revocation::NotEffective, "{results:#?}");
    assert_eq!(results[1].verdict, Revocation::Inconclusive, "{results:#?}");
    assert!(
        results[1]
            .reason
            .contains("TLS to postgres://postgres@127.0.0.1")
            && results[1].reason.contains("not signed by the CA"),
        "{results:#?}"
    );

    let e = failed(url(&pg, "127.0.0.1", "sslmode=verify_full")).await;
    assert!(e.contains("unknown sslmode `verify_full`"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefer_falls_back_to_plaintext_only_when_the_server_has_no_tls() {
    let pg = Pg::start();
    let c = complete(url(&pg, "127.0.0.1", ""))
        .await
        .expect("a connection record");
    assert!(!c.tls && !c.verified && c.mode == "prefer", "{c:?}");
    assert!(
        c.note
            .as_deref()
            .is_some_and(|n| n.contains("fell back to plaintext")),
        "{c:?}"
    );
    let e = failed(url(&pg, "127.0.0.1", "sslmode=require")).await;
    assert!(
        e.contains("sslmode=require") && e.contains("the server offers none"),
        "{e}"
    );
}
