//! TLS against a real MariaDB whose certificate comes from a CA the test makes: each
//! `ssl-mode` is recorded on the scope, a failed verification fails the scope (and the CLI
//! exits 3), and `PREFERRED` against a server without TLS says it fell back.

use super::{READER, READER_PW, reader_grants, scan, seed};
use crate::support::mariadb::Maria;
use crate::support::tls::TestCa;
use jitgap::model::{Revocation, ScopeConnection, ScopeState, ScopeStatus};
use jitgap::revocation::{ProbeInput, ProbeKind, ProbeOptions, Secret, verify};

/// Reads over plaintext too; READER is created with REQUIRE SSL.
const PLAIN: &str = "jitgap_plain";
const PLAIN_PW: &str = "Plain-pw-2c9e";

fn url(m: &Maria, user: &str, password: &str, host: &str, params: &str) -> String {
    format!("mysql://{user}:{password}@{host}:{}/?{params}", m.port)
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
    let (_, inv, _) = scan(&url).await;
    let scope = only_scope(&inv);
    assert_eq!(
        scope.status,
        ScopeState::Complete,
        "{url}: {:?}",
        scope.errors
    );
    scope.connection.clone()
}

async fn failed(url: String, password: &str) -> String {
    let (_, inv, _) = scan(&url).await;
    let scope = only_scope(&inv);
    assert_eq!(scope.status, ScopeState::Failed, "{url}");
    assert_eq!(scope.connection, None);
    let e = scope.errors.join("\n");
    assert!(!e.contains(password), "the password leaked: {e}");
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_modes_against_a_server_with_a_test_ca() {
    let ca = TestCa::new();
    let m = Maria::start_with_tls(&ca);
    m.drop_anonymous().await;
    let mut sql = reader_grants(READER, READER_PW);
    // The server refuses READER without TLS: a complete scan as READER proves encryption.
    sql.push(format!("ALTER USER '{READER}'@'127.0.0.1' REQUIRE SSL"));
    sql.extend(reader_grants(PLAIN, PLAIN_PW));
    seed(&m, &sql).await;
    let root = ca.ca_pem.display().to_string();
    let wrong = ca.other_ca_pem().display().to_string();
    let reader = |host: &str, params: &str| url(&m, READER, READER_PW, host, params);

    assert_eq!(
        complete(url(&m, PLAIN, PLAIN_PW, "127.0.0.1", "ssl-mode=DISABLED")).await,
        connection(false, false, "DISABLED")
    );
    let e = failed(reader("127.0.0.1", "ssl-mode=disabled"), READER_PW).await;
    assert!(
        e.contains("access denied"),
        "REQUIRE SSL refuses plaintext: {e}"
    );

    assert_eq!(
        complete(reader(
            "127.0.0.1",
            &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={root}")
        ))
        .await,
        connection(true, true, "VERIFY_IDENTITY")
    );
    assert_eq!(
        complete(reader("127.0.0.1", "ssl-mode=required")).await,
        connection(true, false, "REQUIRED")
    );
    assert_eq!(
        complete(reader("127.0.0.1", "")).await,
        connection(true, false, "PREFERRED")
    );
    // `localhost` is not a name in the certificate: VERIFY_CA does not care, VERIFY_IDENTITY does.
    assert_eq!(
        complete(reader(
            "localhost",
            &format!("ssl-mode=verify_ca&ssl-ca={root}")
        ))
        .await,
        connection(true, true, "VERIFY_CA")
    );
    let e = failed(
        reader(
            "localhost",
            &format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={root}"),
        ),
        READER_PW,
    )
    .await;
    assert!(
        e.contains(&format!("TLS to mysql://{READER}@localhost:{}/", m.port))
            && e.contains("does not name the host"),
        "{e}"
    );

    let bad = reader("127.0.0.1", &format!("ssl-mode=VERIFY_CA&ssl-ca={wrong}"));
    let e = failed(bad.clone(), READER_PW).await;
    assert!(
        e.contains(&format!("TLS to mysql://{READER}@127.0.0.1:{}/", m.port))
            && e.contains("ssl-mode=VERIFY_CA")
            && e.contains(&format!("not signed by the CA in ssl-ca={wrong}")),
        "{e}"
    );
    let out = assert_cmd::Command::cargo_bin("jitgap")
        .unwrap()
        .args(["scan", "--mysql-url", &bad, "--format", "json"])
        .env_remove("MYSQL_PWD")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!stdout.contains(READER_PW) && !stderr.contains(READER_PW));
    let r: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(r["scopes"][0]["status"], "failed", "{stdout}");

    // The login probe connects the same way (READER needs TLS: a plaintext probe is refused).
    let probe = |params: &str| {
        let id = format!("mysql://{READER}@127.0.0.1:{}/?{params}", m.port);
        ProbeInput::new(ProbeKind::MysqlLogin, id, Secret::new(READER_PW)).unwrap()
    };
    let results = verify(
        vec![
            probe(&format!("ssl-mode=VERIFY_IDENTITY&ssl-ca={root}")),
            probe(&format!("ssl-mode=VERIFY_CA&ssl-ca={wrong}")),
        ],
        &ProbeOptions::default(),
    )
    .await;
    assert_eq!(results[0].verdict, Revocation::NotEffective, "{results:#?}");
    assert_eq!(results[1].verdict, Revocation::Inconclusive, "{results:#?}");
    assert!(
        results[1].reason.contains("not signed by the CA"),
        "{results:#?}"
    );

    let e = failed(reader("127.0.0.1", "ssl-mode=on"), READER_PW).await;
    assert!(e.contains("unknown ssl-mode `on`"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferred_falls_back_to_plaintext_only_when_the_server_has_no_tls() {
    let m = Maria::start();
    m.drop_anonymous().await;
    seed(&m, &reader_grants(READER, READER_PW)).await;
    let c = complete(url(&m, READER, READER_PW, "127.0.0.1", ""))
        .await
        .expect("a connection record");
    assert!(!c.tls && !c.verified && c.mode == "PREFERRED", "{c:?}");
    assert!(
        c.note
            .as_deref()
            .is_some_and(|n| n.contains("fell back to plaintext")),
        "{c:?}"
    );
    let e = failed(
        url(&m, READER, READER_PW, "127.0.0.1", "ssl-mode=REQUIRED"),
        READER_PW,
    )
    .await;
    assert!(
        e.contains("ssl-mode=REQUIRED") && e.contains("the server offers none"),
        "{e}"
    );
}
