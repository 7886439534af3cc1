//! The MySQL/MariaDB scanner against a real MariaDB server (Debian's `mariadb-server`).
//!
//! The scanner reads as a dedicated account holding only
//! `GRANT SELECT ON mysql.*` and `GRANT PROCESS ON *.*` (see `reader_grants`).

mod support;

use chrono::Utc;
use jitgap::finding::Finding;
use jitgap::model::{Enforcement, Inventory, Privilege, Revocation, ScopeState, Severity};
use jitgap::scan::RawScope;
use jitgap::scan::mysql::{CATALOG, MyContext, MysqlLiveOptions, collect, normalize};
use mysql_async::prelude::Queryable;
use support::mariadb::Maria;

const READER: &str = "jitgap_reader";
const READER_PW: &str = "Reader-pw-4f1c";

/// The reader's minimal grants: catalog SELECTs and the process list of every account.
fn reader_grants(user: &str, password: &str) -> Vec<String> {
    vec![
        format!("CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'"),
        format!("GRANT SELECT ON mysql.* TO '{user}'@'127.0.0.1'"),
        format!("GRANT PROCESS ON *.* TO '{user}'@'127.0.0.1'"),
    ]
}

async fn seed(m: &Maria, statements: &[String]) {
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    m.exec(&refs).await;
}

async fn scan(url: &str) -> (RawScope, Inventory, Vec<Finding>) {
    let raw = collect(&MysqlLiveOptions { url: url.into() }).await;
    let rules = jitgap::scan::registry::embedded_rules().expect("embedded rules load");
    let policy = jitgap::policy::Policy::from_layers(&[&rules.policy]).unwrap();
    let ctx = MyContext {
        policy: &policy,
        rules: &rules,
        now: Utc::now(),
    };
    let (mut inv, _) = normalize(&raw, &ctx);
    inv.sort();
    let findings = jitgap::checks::run(&inv, &rules, &Default::default());
    (raw, inv, findings)
}

fn find<'a>(fs: &'a [Finding], rule: &str, identity: &str) -> &'a Finding {
    fs.iter()
        .find(|f| f.rule_id == rule && f.identity == identity)
        .unwrap_or_else(|| {
            let all: Vec<_> = fs.iter().map(|f| (&f.rule_id, &f.identity)).collect();
            panic!("no {rule} finding for {identity}; findings: {all:#?}")
        })
}

async fn connection_id(c: &mut mysql_async::Conn) -> u64 {
    c.query_first("SELECT CONNECTION_ID()")
        .await
        .expect("SELECT CONNECTION_ID()")
        .expect("a row")
}

async fn count_t(c: &mut mysql_async::Conn) -> Result<Option<u64>, mysql_async::Error> {
    c.query_first("SELECT COUNT(*) FROM app.t").await
}

/// One general-log entry: thread id, command, argument.
fn general_log_entries(log: &str) -> Vec<(u64, String, String)> {
    let re = regex::Regex::new(
        r"^(?:\d{6}\s+\d{1,2}:\d{2}:\d{2})?\s+(\d+)\s([A-Za-z][A-Za-z ]*?)\t(.*)$",
    )
    .unwrap();
    log.lines()
        .filter_map(|l| re.captures(l))
        .map(|c| (c[1].parse().unwrap(), c[2].to_string(), c[3].to_string()))
        .collect()
}

#[tokio::test]
async fn standing_paths_lock_revocation_and_read_only_proof() {
    let m = Maria::start();
    m.drop_anonymous().await;
    let mut seed_sql = reader_grants(READER, READER_PW);
    seed_sql.extend(
        [
            "CREATE DATABASE app",
            "CREATE TABLE app.t (a INT)",
            "INSERT INTO app.t VALUES (1)",
            // (a) a service account with ALL PRIVILEGES ON *.*
            "CREATE USER 'svc_admin'@'127.0.0.1' IDENTIFIED BY 'Admin-pw-9d2e'",
            "GRANT ALL PRIVILEGES ON *.* TO 'svc_admin'@'127.0.0.1'",
            // (b) write on a schema through a default role
            "CREATE ROLE r_app_write",
            "GRANT SELECT, INSERT ON app.* TO r_app_write",
            "CREATE USER 'svc_etl'@'127.0.0.1' IDENTIFIED BY 'Etl-pw-77aa'",
            "GRANT r_app_write TO 'svc_etl'@'127.0.0.1'",
            "SET DEFAULT ROLE r_app_write FOR 'svc_etl'@'127.0.0.1'",
            // (c) an account that will be locked while its session runs
            "CREATE USER 'svc_batch'@'127.0.0.1' IDENTIFIED BY 'Batch-pw-31bd'",
            "GRANT SELECT ON app.* TO 'svc_batch'@'127.0.0.1'",
        ]
        .map(String::from),
    );
    seed(&m, &seed_sql).await;
    let scope = m.scope();
    let id = |who: &str| format!("mysql://{scope}/{who}@127.0.0.1");
    let url = m.url(READER, READER_PW);

    // (c) open the session first, as the account, and keep it open.
    let mut batch = m
        .login("svc_batch", "Batch-pw-31bd")
        .await
        .expect("svc_batch logs in");
    let batch_id = connection_id(&mut batch).await;
    assert_eq!(count_t(&mut batch).await.unwrap(), Some(1));
    m.exec(&["ALTER USER 'svc_batch'@'127.0.0.1' ACCOUNT LOCK"])
        .await;
    // The open session still works after the lock...
    assert_eq!(
        count_t(&mut batch)
            .await
            .expect("the open session still reads after ACCOUNT LOCK"),
        Some(1)
    );
    // ...while a new login is refused.
    let refused = m
        .login("svc_batch", "Batch-pw-31bd")
        .await
        .expect_err("a new login of a locked account fails")
        .to_string();
    assert!(refused.contains("account is locked"), "{refused}");

    let (raw, inv, findings) = scan(&url).await;
    assert!(raw.errors.is_empty(), "{:?}", raw.errors);
    assert_eq!(inv.scopes[0].status, ScopeState::Complete);
    assert_eq!(inv.scopes[0].scope, scope);

    // (a) standing admin path, GEN001.
    let admin = inv
        .access_paths
        .iter()
        .find(|p| p.identity == id("svc_admin") && p.target == "*.*")
        .expect("svc_admin has a global path");
    assert_eq!(admin.privilege, Privilege::Admin);
    assert_eq!(admin.enforcement, Enforcement::Standing);
    assert!(admin.basis.enforcement.reason.contains("no expiry"));
    let gen001 = find(&findings, "GEN001", &id("svc_admin"));
    assert_eq!(gen001.entitlement, "grant");

    // (b) standing write through the default role.
    let etl = inv
        .access_paths
        .iter()
        .find(|p| p.identity == id("svc_etl") && p.entitlement == "role:r_app_write")
        .expect("svc_etl reaches app.* through its role");
    assert_eq!(etl.target, "app.*");
    assert_eq!(etl.privilege, Privilege::Write);
    assert_eq!(etl.enforcement, Enforcement::Standing);
    assert!(etl.basis.enforcement.reason.contains("default role"));
    let gen002 = find(&findings, "GEN002", &id("svc_etl"));
    assert_eq!(gen002.entitlement, "role:r_app_write");

    // (c) the lock is not effective: the session is the evidence.
    assert!(
        !inv.access_paths
            .iter()
            .any(|p| p.identity == id("svc_batch"))
    );
    let lock = find(&findings, "MY001", &id("svc_batch"));
    assert_eq!(lock.revocation, Some(Revocation::NotEffective));
    assert_eq!(lock.severity, Severity::High);
    let session = lock
        .evidence
        .iter()
        .find(|e| e.pointer.starts_with("/processlist/"))
        .expect("the session is evidence");
    assert!(
        session.excerpt.contains(&format!("id={batch_id} ")),
        "{session:?}"
    );
    assert!(session.excerpt.contains("user=svc_batch"), "{session:?}");
    assert!(
        lock.message.contains(&format!("KILL {batch_id}")),
        "{}",
        lock.message
    );
    for (framework, reference) in [
        ("OWASP NHI Top 10", "NHI1:2025"),
        ("NIST SP 800-53", "AC-3(8)"),
    ] {
        assert!(
            lock.frameworks
                .iter()
                .any(|r| r.framework == framework && r.id == reference),
            "{reference} missing: {:?}",
            lock.frameworks
        );
    }
    let first_id = lock.id.clone();

    // End the session, rescan: the same finding, now effective.
    m.exec(&[format!("KILL {batch_id}").as_str()]).await;
    m.wait_gone(batch_id).await;
    assert!(
        count_t(&mut batch).await.is_err(),
        "the killed session is gone"
    );
    let (raw2, _, findings2) = scan(&url).await;
    assert!(raw2.errors.is_empty(), "{:?}", raw2.errors);
    let lock2 = find(&findings2, "MY001", &id("svc_batch"));
    assert_eq!(lock2.id, first_id, "the finding keeps its id across scans");
    assert_eq!(lock2.revocation, Some(Revocation::Effective));
    assert_eq!(lock2.severity, Severity::Info);

    // No secret in the catalog or the findings: neither passwords nor their hashes.
    let mut root = m.root().await;
    let hash: String = root
        .query_first("SELECT PASSWORD('Admin-pw-9d2e')")
        .await
        .unwrap()
        .unwrap();
    root.disconnect().await.ok();
    let catalog = raw.document(CATALOG).expect("a catalog").text.clone();
    let out = format!("{catalog}{}", serde_json::to_string(&findings).unwrap());
    for secret in [
        "Admin-pw-9d2e",
        "Etl-pw-77aa",
        "Batch-pw-31bd",
        READER_PW,
        &hash[1..],
    ] {
        assert!(
            !out.contains(secret),
            "{secret} leaked into the scan output"
        );
    }

    // (e) read-only proof: every statement of the scanner's connections.
    let entries = general_log_entries(&m.general_log());
    let reader_threads: Vec<u64> = entries
        .iter()
        .filter(|(_, cmd, arg)| cmd == "Connect" && arg.starts_with(&format!("{READER}@")))
        .map(|(t, ..)| *t)
        .collect();
    assert_eq!(
        reader_threads.len(),
        2,
        "one connection per scan (no socket reconnect)"
    );
    // No hash-bearing column, no statement text of other sessions.
    let forbidden = regex::Regex::new(
        r"(?i)authentication_string|user_attributes|show\s+create\s+user|\bpassword\b|\binfo\b",
    )
    .unwrap();
    let json_keys = regex::Regex::new(r"(?i)JSON_VALUE\(Priv, '\$\.[a-z_]+'\)").unwrap();
    let priv_column = regex::Regex::new(r"(?i)\bpriv\b").unwrap();
    let allowed = jitgap::scan::Registry::builtin()
        .find_name("mysql")
        .unwrap()
        .operations();
    let mut queries = 0;
    for (thread, cmd, arg) in entries.iter().filter(|(t, ..)| reader_threads.contains(t)) {
        match cmd.as_str() {
            // What mysql_async sends besides our statements: nothing but the handshake
            // (logged as Connect) and COM_QUIT.
            "Connect" | "Quit" => {}
            "Query" => {
                queries += 1;
                let first = arg
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_uppercase();
                assert!(
                    allowed.contains(&first.as_str()),
                    "thread {thread} sent a non-read statement: {arg}"
                );
                assert!(!forbidden.is_match(arg), "thread {thread}: {arg}");
                // global_priv: only the named JSON keys, never the whole Priv column.
                let stripped = json_keys.replace_all(arg, "");
                assert!(
                    !priv_column.is_match(&stripped),
                    "thread {thread} selects the Priv JSON: {arg}"
                );
            }
            other => panic!("thread {thread} sent a {other} command: {arg}"),
        }
    }
    assert!(
        queries >= 20,
        "expected the catalog queries in the log, saw {queries}"
    );
}

#[tokio::test]
async fn dropped_account_sessions_linger() {
    let m = Maria::start();
    m.drop_anonymous().await;
    let mut seed_sql = reader_grants(READER, READER_PW);
    seed_sql.extend(
        [
            "CREATE DATABASE app",
            "CREATE TABLE app.t (a INT)",
            "CREATE USER 'svc_gone_g'@'127.0.0.1' IDENTIFIED BY 'Gone-pw-1'",
            "GRANT SELECT ON *.* TO 'svc_gone_g'@'127.0.0.1'",
            "CREATE USER 'svc_gone_s'@'127.0.0.1' IDENTIFIED BY 'Gone-pw-2'",
            "GRANT SELECT ON app.* TO 'svc_gone_s'@'127.0.0.1'",
        ]
        .map(String::from),
    );
    seed(&m, &seed_sql).await;
    let mut global = m.login("svc_gone_g", "Gone-pw-1").await.unwrap();
    let mut schema = m.login("svc_gone_s", "Gone-pw-2").await.unwrap();
    let (gid, sid) = (
        connection_id(&mut global).await,
        connection_id(&mut schema).await,
    );
    assert!(count_t(&mut global).await.is_ok() && count_t(&mut schema).await.is_ok());
    m.exec(&[
        "DROP USER 'svc_gone_g'@'127.0.0.1'",
        "DROP USER 'svc_gone_s'@'127.0.0.1'",
    ])
    .await;
    // Reproduced here: the schema-level grant stops at once, the global one stays with
    // the session until it ends.
    let denied = count_t(&mut schema)
        .await
        .expect_err("schema grant gone")
        .to_string();
    assert!(denied.contains("1142"), "{denied}");
    assert_eq!(
        count_t(&mut global)
            .await
            .expect("global SELECT still applies after DROP USER"),
        Some(0)
    );

    let (raw, _, findings) = scan(&m.url(READER, READER_PW)).await;
    assert!(raw.errors.is_empty(), "{:?}", raw.errors);
    let scope = m.scope();
    for (user, conn) in [("svc_gone_g", gid), ("svc_gone_s", sid)] {
        let f = find(
            &findings,
            "MY003",
            &format!("mysql://{scope}/{user}@127.0.0.1"),
        );
        assert_eq!(f.severity, Severity::Low);
        assert_eq!(f.revocation, Some(Revocation::Inconclusive));
        assert!(f.message.contains(&format!("KILL {conn}")), "{}", f.message);
        assert!(f.message.contains("global privileges"), "{}", f.message);
    }
    drop((global, schema));
}

#[tokio::test]
async fn missing_grants_and_bad_connections_are_errors_naming_the_scope() {
    let m = Maria::start();
    m.drop_anonymous().await;
    seed(
        &m,
        &[
            "CREATE USER 'jitgap_noproc'@'127.0.0.1' IDENTIFIED BY 'Noproc-pw-1'",
            "GRANT SELECT ON mysql.* TO 'jitgap_noproc'@'127.0.0.1'",
            "CREATE USER 'jitgap_nosel'@'127.0.0.1' IDENTIFIED BY 'Nosel-pw-1'",
            "GRANT PROCESS ON *.* TO 'jitgap_nosel'@'127.0.0.1'",
            "CREATE USER 'svc_old'@'127.0.0.1' IDENTIFIED BY 'Old-pw-1'",
        ]
        .map(String::from),
    )
    .await;
    let scope = m.scope();
    let old = format!("mysql://{scope}/svc_old@127.0.0.1");
    let _session = m.login("svc_old", "Old-pw-1").await.unwrap();
    m.exec(&["ALTER USER 'svc_old'@'127.0.0.1' ACCOUNT LOCK"])
        .await;

    // (f) without PROCESS the open session is invisible: inconclusive, never effective.
    let (raw, inv, findings) = scan(&m.url("jitgap_noproc", "Noproc-pw-1")).await;
    let lacks = format!("mysql {scope}: the reader lacks PROCESS");
    assert!(
        raw.errors.iter().any(|e| e.starts_with(&lacks)),
        "{:?}",
        raw.errors
    );
    assert_eq!(inv.scopes[0].status, ScopeState::Partial);
    let f = find(&findings, "MY004", &old);
    assert_eq!(f.revocation, Some(Revocation::Inconclusive));
    assert_eq!(f.severity, Severity::Low);
    assert!(!findings.iter().any(|f| f.rule_id == "MY001"));

    // Without SELECT on mysql.*: the gap is named, what could be read is kept.
    let (raw, inv, findings) = scan(&m.url("jitgap_nosel", "Nosel-pw-1")).await;
    assert!(
        raw.errors.iter().any(
            |e| e.starts_with(&format!("mysql {scope}: cannot read user:"))
                && e.contains("SELECT on mysql.*")
        ),
        "{:?}",
        raw.errors
    );
    assert_eq!(inv.scopes[0].status, ScopeState::Partial);
    let catalog = raw
        .document(CATALOG)
        .expect("partial data is kept")
        .text
        .clone();
    assert!(catalog.contains("\"processlist\""));
    assert!(
        !findings
            .iter()
            .any(|f| f.revocation == Some(Revocation::Effective))
    );

    // (g) a wrong password: an error naming the scope, never the password; no panic.
    let (raw, inv, _) = scan(&m.url("jitgap_noproc", "Wrong-pw-0000")).await;
    assert!(raw.document(CATALOG).is_none());
    assert_eq!(raw.errors.len(), 1, "{:?}", raw.errors);
    assert!(
        raw.errors[0].starts_with(&format!("mysql {scope}: cannot connect: access denied")),
        "{:?}",
        raw.errors
    );
    assert!(!raw.errors[0].contains("Wrong-pw-0000"));
    assert_eq!(inv.scopes[0].status, ScopeState::Failed);

    // (g) nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (raw, inv, _) = scan(&format!(
        "mysql://jitgap_noproc:Secret-pw-1@127.0.0.1:{port}/"
    ))
    .await;
    assert!(
        raw.errors[0].starts_with(&format!("mysql 127.0.0.1:{port}: cannot connect")),
        "{:?}",
        raw.errors
    );
    assert!(!raw.errors[0].contains("Secret-pw-1"));
    assert_eq!(inv.scopes[0].status, ScopeState::Failed);
}

#[path = "tls/mysql.rs"]
mod tls_modes;
