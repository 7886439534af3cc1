//! The PostgreSQL scanner against a real server: verdicts, a revocation that did not take
//! effect and then did, read-only statements only, errors that name the scope.

mod support;

use chrono::{Duration as ChronoDuration, Utc};
use jitgap::checks;
use jitgap::finding::Finding;
use jitgap::model::{Enforcement, Inventory, Privilege, Revocation, ScopeState, Severity};
use jitgap::policy::Policy;
use jitgap::scan::RawScope;
use jitgap::scan::postgres::{PgContext, PostgresLiveOptions, collect, normalize};
use std::time::Duration;
use support::postgres::{Pg, SUPERUSER_PASSWORD, eventually};

const READER_PW: &str = "reader-pw-Zq81x";
const LIMITED_PW: &str = "limited-pw-Pw55c";
const SERVICE_PW: &str = "service-pw-Jd02m";
const EXPIRING_PW: &str = "expiring-pw-Lk93v";

struct Scan {
    raw: RawScope,
    inv: Inventory,
    findings: Vec<Finding>,
}

async fn scan(url: String) -> Scan {
    let raw = collect(&PostgresLiveOptions { url }).await;
    let rules = jitgap::scan::registry::embedded_rules().expect("embedded rules");
    let policy = Policy::from_layers(&[&rules.policy]).unwrap();
    let ctx = PgContext::new(&policy, &rules, Utc::now());
    let (inv, _) = normalize(&raw, &ctx);
    let findings = checks::run(&inv, &rules, &Default::default());
    Scan { raw, inv, findings }
}

impl Scan {
    fn path(&self, role: &str, entitlement: &str) -> &jitgap::model::AccessPath {
        self.inv
            .access_paths
            .iter()
            .find(|p| p.identity.ends_with(&format!("/{role}")) && p.entitlement == entitlement)
            .unwrap_or_else(|| {
                panic!(
                    "no path {role} / {entitlement}; paths: {:#?}",
                    self.inv
                        .access_paths
                        .iter()
                        .map(|p| (&p.identity, &p.entitlement, p.privilege, p.enforcement))
                        .collect::<Vec<_>>()
                )
            })
    }

    fn finding(&self, rule: &str, role: &str) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.rule_id == rule && f.identity.ends_with(&format!("/{role}")))
    }

    /// Everything the scan produced, as text, to grep for secrets.
    fn all_text(&self) -> String {
        format!(
            "{}\n{:?}\n{}\n{}",
            self.raw
                .document("catalog.json")
                .map(|d| d.text.as_str())
                .unwrap_or(""),
            self.raw.errors,
            serde_json::to_string(&self.inv).unwrap(),
            serde_json::to_string(&self.findings).unwrap()
        )
    }
}

fn pg_time(t: chrono::DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f+00").to_string()
}

/// Every statement the server logged for application_name `jitgap`.
fn jitgap_statements(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| {
            // `%m [%p] %a %u ` then `LOG:  statement: …` or `LOG:  execute <name>: …`
            let (_, rest) = line.split_once("] ")?;
            let (app, rest) = rest.split_once(' ')?;
            if app != "jitgap" {
                return None;
            }
            if let Some((_, sql)) = rest.split_once("LOG:  statement: ") {
                return Some(sql.to_string());
            }
            let (_, exec) = rest.split_once("LOG:  execute ")?;
            exec.split_once(": ").map(|(_, sql)| sql.to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verdicts_revocation_and_read_only_statements() {
    let pg = Pg::start();
    let now = Utc::now();
    pg.exec(&format!(
        "CREATE ROLE jitgap_reader LOGIN PASSWORD '{READER_PW}';
         GRANT pg_read_all_stats TO jitgap_reader;
         CREATE SCHEMA app;
         CREATE TABLE app.orders (id int);
         CREATE ROLE svc_super LOGIN SUPERUSER PASSWORD '{SERVICE_PW}';
         CREATE ROLE grp_b NOLOGIN;
         CREATE ROLE grp_a NOLOGIN;
         GRANT grp_b TO grp_a;
         GRANT USAGE ON SCHEMA app TO grp_b;
         GRANT INSERT ON app.orders TO grp_b;
         CREATE ROLE svc_writer LOGIN PASSWORD '{SERVICE_PW}';
         GRANT grp_a TO svc_writer;
         CREATE ROLE svc_jit LOGIN PASSWORD '{SERVICE_PW}' VALID UNTIL '{}';
         GRANT USAGE ON SCHEMA app TO svc_jit;
         GRANT INSERT ON app.orders TO svc_jit;
         CREATE ROLE svc_admin60 LOGIN CREATEROLE PASSWORD '{SERVICE_PW}' VALID UNTIL '{}';
         CREATE ROLE svc_expiring LOGIN PASSWORD '{EXPIRING_PW}';
         GRANT USAGE ON SCHEMA app TO svc_expiring;
         GRANT SELECT ON app.orders TO svc_expiring;",
        pg_time(now + ChronoDuration::minutes(40)),
        pg_time(now + ChronoDuration::days(60)),
    ))
    .await;

    // (e) A session opened before VALID UNTIL, still alive after it. The role is valid when
    // the session opens; VALID UNTIL is then moved to a moment just ahead.
    pg.exec(&format!(
        "ALTER ROLE svc_expiring VALID UNTIL '{}'",
        pg_time(Utc::now() + ChronoDuration::minutes(5))
    ))
    .await;
    let session = pg
        .connect("svc_expiring", EXPIRING_PW)
        .await
        .expect("svc_expiring logs in before its VALID UNTIL");
    let until = Utc::now() + ChronoDuration::seconds(1);
    pg.exec(&format!(
        "ALTER ROLE svc_expiring VALID UNTIL '{}'",
        pg_time(until)
    ))
    .await;
    let row = session
        .query_one("SELECT pg_backend_pid(), backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()", &[])
        .await
        .unwrap();
    let pid: i32 = row.get(0);
    let started: String = row.get(1);
    let wait = (until - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(1500);
    tokio::time::sleep(wait).await;
    // The premise: the old session still works, a new password login is refused.
    session
        .query_one("SELECT count(*) FROM app.orders", &[])
        .await
        .expect("the session opened before VALID UNTIL still reads the table");
    let refused = pg
        .connect("svc_expiring", EXPIRING_PW)
        .await
        .expect_err("a new login after VALID UNTIL is refused");
    let db = refused.as_db_error().expect("a server error");
    assert!(
        db.message().contains("password authentication failed"),
        "{db:?}"
    );

    let s = scan(pg.url_for("jitgap_reader", READER_PW)).await;
    assert!(s.raw.errors.is_empty(), "{:#?}", s.raw.errors);
    assert_eq!(s.raw.scope, pg.scope());
    assert_eq!(s.inv.scopes[0].status, ScopeState::Complete);

    // (a) SUPERUSER without expiry: standing admin, GEN001.
    let a = s.path("svc_super", "attribute:SUPERUSER");
    assert_eq!(
        (a.privilege, a.enforcement),
        (Privilege::Admin, Enforcement::Standing)
    );
    assert!(s.finding("GEN001", "svc_super").is_some());

    // (b) Write through two levels of group membership: standing write.
    let b = s.path("svc_writer", "grants via group:grp_b");
    assert_eq!(
        (b.privilege, b.enforcement),
        (Privilege::Write, Enforcement::Standing)
    );
    assert!(
        b.basis
            .privilege
            .reason
            .contains("svc_writer → grp_a → grp_b"),
        "{}",
        b.basis.privilege.reason
    );
    assert!(s.finding("GEN002", "svc_writer").is_some());

    // (c) Expiring within the hour: jit.
    let c = s.path("svc_jit", "grants");
    assert_eq!(
        (c.privilege, c.enforcement),
        (Privilege::Write, Enforcement::Jit),
        "{}",
        c.basis.enforcement.reason
    );

    // (d) CREATEROLE valid for 60 days: time-bound admin, GEN003.
    let d = s.path("svc_admin60", "attribute:CREATEROLE");
    assert_eq!(
        (d.privilege, d.enforcement),
        (Privilege::Admin, Enforcement::TimeBound)
    );
    assert!(s.finding("GEN003", "svc_admin60").is_some());

    // (e) not-effective, with the session as evidence and the revocation references.
    let e = s
        .finding("PG001", "svc_expiring")
        .unwrap_or_else(|| panic!("no PG001 in {:#?}", s.findings));
    assert_eq!(e.revocation, Some(Revocation::NotEffective));
    assert_eq!(e.severity, Severity::High);
    let ev = &e.evidence[0];
    assert!(ev.pointer.starts_with("/stat_activity/"), "{ev:?}");
    assert!(ev.excerpt.contains(&format!("pid {pid}")), "{ev:?}");
    let started_at = jitgap::time::parse_timestamp(&started).unwrap();
    let shown = ev
        .excerpt
        .split("backend_start ")
        .nth(1)
        .and_then(|t| t.split(',').next())
        .and_then(jitgap::time::parse_timestamp);
    assert_eq!(shown, Some(started_at), "{ev:?}");
    assert!(e.frameworks.iter().any(|r| r.id == "NHI1:2025"));
    assert!(
        e.frameworks
            .iter()
            .any(|r| r.framework == "NIST SP 800-53" && r.id == "AC-3(8)")
    );
    let first_id = e.id.clone();

    // Ending the session turns the same finding effective.
    pg.exec(&format!("SELECT pg_terminate_backend({pid})"))
        .await;
    let reader = pg.connect("jitgap_reader", READER_PW).await.unwrap();
    let gone = eventually(Duration::from_secs(10), || async {
        reader
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                &[&pid],
            )
            .await
            .map(|r| r.get::<_, i64>(0) == 0)
            .unwrap_or(false)
    })
    .await;
    assert!(gone, "backend {pid} did not end");
    drop(reader);
    let again = scan(pg.url_for("jitgap_reader", READER_PW)).await;
    let e2 = again.finding("PG001", "svc_expiring").unwrap();
    assert_eq!(e2.id, first_id);
    assert_eq!(e2.revocation, Some(Revocation::Effective));
    assert_eq!(e2.severity, Severity::Info);

    // No secret anywhere in what the scans produced.
    for text in [s.all_text(), again.all_text()] {
        for secret in [READER_PW, SERVICE_PW, EXPIRING_PW, SUPERUSER_PASSWORD] {
            assert!(!text.contains(secret), "{secret} leaked");
        }
    }

    // (f) Read-only: every statement the server logged for jitgap is SELECT or SHOW.
    let log = pg.log();
    let statements = jitgap_statements(&log);
    assert!(
        statements.len() >= 2 * 9,
        "too few jitgap statements in the log:\n{log}"
    );
    let allowed = jitgap::scan::Registry::builtin()
        .find_name("postgres")
        .unwrap()
        .operations();
    for sql in &statements {
        assert!(
            allowed.iter().any(|p| sql.starts_with(&format!("{p} "))),
            "jitgap sent a statement that is not SELECT/SHOW: {sql}"
        );
    }
    // The log really does record other sessions' writes (the filter is not vacuous).
    assert!(log.contains("statement: CREATE ROLE jitgap_reader"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_name_the_scope_without_a_panic() {
    let pg = Pg::start();
    pg.exec(&format!(
        "CREATE ROLE jitgap_reader LOGIN PASSWORD '{READER_PW}'"
    ))
    .await;

    // (g) Wrong password.
    let wrong = "not-the-password-Qv7";
    let s = scan(pg.url_for("jitgap_reader", wrong)).await;
    assert!(s.raw.document("catalog.json").is_none());
    assert_eq!(s.raw.errors.len(), 1, "{:?}", s.raw.errors);
    let err = &s.raw.errors[0];
    assert!(err.starts_with(&pg.scope()), "{err}");
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!s.all_text().contains(wrong));
    assert_eq!(s.inv.scopes[0].status, ScopeState::Failed);
    assert_eq!(s.inv.scopes[0].scope, pg.scope());

    // (g) Nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = scan(format!(
        "postgres://jitgap_reader:{READER_PW}@127.0.0.1:{port}/postgres"
    ))
    .await;
    let scope = format!("127.0.0.1:{port}/postgres");
    assert_eq!(s.raw.scope, scope);
    assert!(
        s.raw.errors.len() == 1 && s.raw.errors[0].starts_with(&scope),
        "{:?}",
        s.raw.errors
    );
    assert!(!s.all_text().contains(READER_PW));
    assert_eq!(s.inv.scopes[0].status, ScopeState::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_without_read_all_stats_is_never_effective() {
    let pg = Pg::start();
    pg.exec(&format!(
        "CREATE ROLE limited_reader LOGIN PASSWORD '{LIMITED_PW}';
         CREATE ROLE svc_old LOGIN PASSWORD '{SERVICE_PW}' VALID UNTIL '2020-01-01 00:00:00+00';"
    ))
    .await;

    // (h)
    let s = scan(pg.url_for("limited_reader", LIMITED_PW)).await;
    assert!(s.raw.errors.is_empty(), "{:#?}", s.raw.errors);
    let catalog: serde_json::Value =
        serde_json::from_str(&s.raw.document("catalog.json").unwrap().text).unwrap();
    assert_eq!(catalog["can_read_all_stats"], false);
    // pg_hba_file_rules is superuser-only: noted, not an error.
    assert!(catalog["hba_rules"].is_null());
    assert!(
        catalog["hba_error"]
            .as_str()
            .unwrap()
            .contains("permission denied")
    );

    let f = s.finding("PG001", "svc_old").expect("PG001 for svc_old");
    assert_eq!(f.revocation, Some(Revocation::Inconclusive));
    assert!(s.finding("PG004", "svc_old").is_some());
    assert!(s.finding("PG006", "limited_reader").is_some());
    assert!(
        s.findings
            .iter()
            .all(|f| f.revocation != Some(Revocation::Effective)),
        "{:#?}",
        s.findings
    );
}

#[path = "tls/postgres.rs"]
mod tls_modes;
