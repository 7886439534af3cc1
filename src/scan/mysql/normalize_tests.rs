use super::*;
use crate::scan::Doc;
use crate::scan::mysql::rows::{QueryRows, build_catalog};
use serde_json::Value;

const MYSQL8_ROWS: &str = include_str!("../../../tests/fixtures/mysql/mysql8-rows.json");
const MARIADB_ROWS: &str = include_str!("../../../tests/fixtures/mysql/mariadb-rows.json");
const MYSQL8_CATALOG: &str = include_str!("../../../tests/fixtures/mysql/mysql8/catalog.json");
const MARIADB_CATALOG: &str = include_str!("../../../tests/fixtures/mysql/mariadb/catalog.json");

fn rows(text: &str) -> QueryRows {
    let v: BTreeMap<String, Vec<BTreeMap<String, Value>>> = serde_json::from_str(text).unwrap();
    v.into_iter()
        .map(|(k, rs)| {
            let rs = rs
                .into_iter()
                .map(|r| r.into_iter().map(|(c, v)| (c.to_lowercase(), v)).collect())
                .collect();
            (k, rs)
        })
        .collect()
}

fn scan(scope: &str, catalog: &str) -> (Inventory, Vec<String>, Vec<crate::finding::Finding>) {
    let rules = crate::scan::registry::embedded_rules().expect("embedded rules load");
    let policy = crate::policy::Policy::default();
    let ctx = MyContext {
        policy: &policy,
        rules: &rules,
        now: crate::time::parse_timestamp("2026-12-01T00:00:00Z").unwrap(),
    };
    let mut raw = crate::scan::RawScope::new(super::BOUNDARY, scope, crate::scan::Origin::File);
    raw.put(
        super::CATALOG,
        Doc::new(format!("mysql/{scope}/catalog.json"), catalog),
    );
    let (mut inv, errors) = normalize(&raw, &ctx);
    inv.sort();
    let findings = crate::checks::run(&inv, &rules, &Default::default());
    (inv, errors, findings)
}

fn path<'a>(inv: &'a Inventory, identity: &str, ent: &str, target: &str) -> &'a AccessPath {
    inv.access_paths
        .iter()
        .find(|p| p.identity.ends_with(identity) && p.entitlement == ent && p.target == target)
        .unwrap_or_else(|| {
            let all: Vec<_> = inv
                .access_paths
                .iter()
                .map(|p| (&p.identity, &p.entitlement, &p.target))
                .collect();
            panic!("no path {identity} {ent} {target}; have {all:#?}")
        })
}

fn finding<'a>(
    fs: &'a [crate::finding::Finding],
    rule: &str,
    identity: &str,
) -> &'a crate::finding::Finding {
    fs.iter()
        .find(|f| f.rule_id == rule && f.identity.ends_with(identity))
        .unwrap_or_else(|| {
            let all: Vec<_> = fs.iter().map(|f| (&f.rule_id, &f.identity)).collect();
            panic!("no {rule} finding for {identity}; have {all:#?}")
        })
}

/// The committed catalog fixtures are exactly what the collector builds from the rows.
#[test]
fn catalog_fixtures_match_the_rows() {
    for (rows_text, catalog_text, file) in [
        (MYSQL8_ROWS, MYSQL8_CATALOG, "mysql8"),
        (MARIADB_ROWS, MARIADB_CATALOG, "mariadb"),
    ] {
        let built = build_catalog(&rows(rows_text), vec![]);
        if std::env::var_os("JITGAP_BLESS").is_some() {
            let path = format!(
                "{}/tests/fixtures/mysql/{file}/catalog.json",
                env!("CARGO_MANIFEST_DIR")
            );
            std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(&built).unwrap() + "\n").unwrap();
            continue;
        }
        let saved: super::super::catalog::Catalog = serde_json::from_str(catalog_text).unwrap();
        assert_eq!(
            built, saved,
            "{file}: rerun with JITGAP_BLESS=1 after changing the rows"
        );
    }
}

#[test]
fn mysql8_roles_run_from_role_to_grantee() {
    let (inv, errors, findings) = scan("10.0.0.20:3306", MYSQL8_CATALOG);
    assert!(errors.is_empty(), "{errors:?}");
    // Roles are not identities; the grantee holds the role's privileges.
    assert!(!inv.identities.iter().any(|i| i.name.starts_with("r_")));
    let w = path(&inv, "/svc_etl@%", "role:r_write@%", "app.*");
    assert_eq!(w.privilege, Privilege::Write);
    assert_eq!(w.enforcement, Enforcement::Standing);
    assert!(
        w.basis.enforcement.reason.contains("default role"),
        "{:?}",
        w.basis
    );
    assert!(w.evidence.iter().any(|e| e.pointer == "/role_grants/0"));
    // r_read is granted to r_write, so svc_etl reaches it transitively.
    let r = path(&inv, "/svc_etl@%", "role:r_read@%", "app.*");
    assert_eq!(r.privilege, Privilege::Read);
    assert!(
        r.basis
            .enforcement
            .reason
            .contains("through role:r_write@%")
    );
    // The reverse direction never appears: the role does not hold the account.
    assert!(
        !inv.access_paths
            .iter()
            .any(|p| p.entitlement.contains("svc_etl"))
    );
    finding(&findings, "GEN002", "/svc_etl@%");
    let gen001 = finding(&findings, "GEN001", "/svc_admin@10.0.%");
    assert_eq!(gen001.target, "*.*");
    let admin = path(&inv, "/svc_admin@10.0.%", "grant", "*.*");
    assert_eq!(admin.credential_lifetime, CredentialLifetime::LongLived);
    assert!(
        admin
            .basis
            .credential_lifetime
            .reason
            .contains("never expires")
    );
    finding(&findings, "GEN005", "/svc_admin@10.0.%");
    // auth_socket root: no password to steal, so no long-lived-credential finding.
    let root = path(&inv, "/root@localhost", "grant", "*.*");
    assert_eq!(root.credential_lifetime, CredentialLifetime::None);
    assert!(
        !findings
            .iter()
            .any(|f| f.rule_id == "GEN005" && f.identity.ends_with("/root@localhost"))
    );
    // Table privileges are summarised per schema.
    let t = path(&inv, "/svc_report@%", "grant", "reports.<tables>");
    assert_eq!(t.privilege, Privilege::Read);
}

#[test]
fn mysql8_sessions_judge_revocations() {
    let (inv, _, findings) = scan("10.0.0.20:3306", MYSQL8_CATALOG);
    // The locked account has no path for new logins...
    assert!(
        !inv.access_paths
            .iter()
            .any(|p| p.identity.ends_with("/svc_old@%"))
    );
    // ...but its session outlived the lock.
    let f = finding(&findings, "MY001", "/svc_old@%");
    assert_eq!(f.revocation, Some(Revocation::NotEffective));
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.entitlement, "account-lock");
    let s = f
        .evidence
        .iter()
        .find(|e| e.pointer == "/processlist/1")
        .unwrap();
    assert!(
        s.excerpt.contains("id=31") && s.excerpt.contains("command=Sleep"),
        "{s:?}"
    );
    assert!(f.frameworks.iter().any(|r| r.id == "NHI1:2025"));
    assert!(f.frameworks.iter().any(|r| r.id == "AC-3(8)"));
    // A user with a session but no account: dropped while connected.
    let d = finding(&findings, "MY003", "/svc_gone@10.0.3.18");
    assert_eq!(d.severity, Severity::Low);
    assert!(d.message.contains("KILL 44"), "{}", d.message);
    // svc_report's password lifetime (90 days from 2026-01-05) has run out, no session: effective.
    let e = finding(&findings, "MY002", "/svc_report@%");
    assert_eq!(e.revocation, Some(Revocation::Effective));
    assert_eq!(e.severity, Severity::Info);
    // Built-in locked accounts are not revocations.
    assert!(!findings.iter().any(|f| f.identity.contains("mysql.sys")));
    assert!(
        inv.sessions
            .iter()
            .any(|s| s.id == "31" && s.identity.ends_with("/svc_old@%"))
    );
}

#[test]
fn mysql8_effective_lock_keeps_the_finding_id() {
    let (_, _, before) = scan("10.0.0.20:3306", MYSQL8_CATALOG);
    let mut cat: Value = serde_json::from_str(MYSQL8_CATALOG).unwrap();
    let list = cat["processlist"].as_array_mut().unwrap();
    list.retain(|p| p["user"] != "svc_old");
    let (_, _, after) = scan("10.0.0.20:3306", &cat.to_string());
    let b = finding(&before, "MY001", "/svc_old@%");
    let a = finding(&after, "MY001", "/svc_old@%");
    assert_eq!(a.id, b.id);
    assert_eq!(a.revocation, Some(Revocation::Effective));
    assert_eq!(a.severity, Severity::Info);
    // Without PROCESS the same absence proves nothing.
    cat["can_see_all_processes"] = Value::Bool(false);
    let (_, _, blind) = scan("10.0.0.20:3306", &cat.to_string());
    assert!(!blind.iter().any(|f| f.rule_id == "MY001"));
    let u = finding(&blind, "MY004", "/svc_old@%");
    assert_eq!(u.revocation, Some(Revocation::Inconclusive));
}

#[test]
fn mariadb_shape() {
    let (inv, errors, findings) = scan("127.0.0.1:3306", MARIADB_CATALOG);
    assert!(errors.is_empty(), "{errors:?}");
    // Default role, MariaDB roles have no host.
    let w = path(&inv, "/svc_etl@%", "role:r_write", "app.*");
    assert_eq!(w.privilege, Privilege::Write);
    assert!(w.basis.enforcement.reason.contains("default role"));
    // svc_never holds r_outer, which holds r_write; the app.* rows MariaDB repeats under
    // r_outer are reported once, under r_write.
    let nested = path(&inv, "/svc_never@%", "role:r_write", "app.*");
    assert!(
        nested
            .basis
            .enforcement
            .reason
            .contains("through role:r_outer")
    );
    assert!(nested.basis.enforcement.reason.contains("SET ROLE"));
    assert!(
        !inv.access_paths
            .iter()
            .any(|p| p.identity.ends_with("/svc_never@%")
                && p.entitlement == "role:r_outer"
                && p.target == "app.*")
    );
    let outer = path(&inv, "/svc_never@%", "role:r_outer", "*.*");
    assert_eq!(outer.privilege, Privilege::Read, "PROCESS is read");
    // 30-day password lifetime: long-lived; ed25519 is a password plugin.
    assert_eq!(w.credential_lifetime, CredentialLifetime::LongLived);
    assert_eq!(nested.credential_lifetime, CredentialLifetime::LongLived);
    // The reader lacks PROCESS: revocations are inconclusive, never effective.
    let locked = finding(&findings, "MY004", "/svc_locked@%");
    assert_eq!(locked.revocation, Some(Revocation::Inconclusive));
    assert_eq!(locked.entitlement, "account-lock");
    let exp = finding(&findings, "MY004", "/svc_exp@%");
    assert_eq!(exp.entitlement, "password-expiry");
    assert!(
        !findings
            .iter()
            .any(|f| f.revocation == Some(Revocation::Effective))
    );
    assert!(!findings.iter().any(|f| f.identity.contains("mariadb.sys")));
}

#[test]
fn unreadable_catalogs_fail_the_scope() {
    let (inv, errors, _) = scan("db:3306", "{not json");
    assert_eq!(inv.scopes[0].status, ScopeState::Failed);
    assert!(
        errors[0].contains("mysql/db:3306/catalog.json: line 1"),
        "{errors:?}"
    );
    let mut cat: Value = serde_json::from_str(MARIADB_CATALOG).unwrap();
    cat["errors"] = serde_json::json!(["mysql db:3306: cannot read processlist: denied"]);
    let (inv, errors, _) = scan("db:3306", &cat.to_string());
    assert_eq!(inv.scopes[0].status, ScopeState::Partial);
    assert_eq!(errors.len(), 1);
}

#[test]
fn each_check_stays_quiet_on_its_negative_case() {
    // MySQL 8 fixture: the reader holds PROCESS, so nothing is unverifiable.
    let (_, _, mysql8) = scan("10.0.0.20:3306", MYSQL8_CATALOG);
    assert!(!mysql8.iter().any(|f| f.rule_id == "MY004"));
    // An unlocked account with a session is no revocation finding.
    assert!(
        !mysql8
            .iter()
            .any(|f| f.rule_id.starts_with("MY") && f.identity.ends_with("/jitgap_reader@%"))
    );
    // MariaDB fixture: every session belongs to an existing account, nobody is locked-and-seen.
    let (_, _, maria) = scan("127.0.0.1:3306", MARIADB_CATALOG);
    for rule in ["MY001", "MY002", "MY003"] {
        assert!(!maria.iter().any(|f| f.rule_id == rule), "{rule} fired");
    }
}

#[test]
fn a_password_lifetime_past_the_calendar_never_expires() {
    // Found by tests/parser_props.rs: `password_lifetime` near i64::MAX panicked.
    let mut cat: serde_json::Value = serde_json::from_str(MYSQL8_CATALOG).unwrap();
    cat["default_password_lifetime"] = serde_json::json!(i64::MAX);
    for a in cat["accounts"].as_array_mut().unwrap() {
        a["password_lifetime"] = serde_json::json!(i64::MAX / 2);
    }
    let (inv, errors, _) = scan("db:3306", &cat.to_string());
    assert!(errors.is_empty(), "{errors:?}");
    assert!(!inv.credentials.is_empty());
    assert!(inv.credentials.iter().all(|c| c.expires_at.is_none()));
}

#[test]
fn a_long_excerpt_is_cut_on_a_character_boundary() {
    // "SELECT ON x" then two-byte characters: byte 240 falls inside one of them.
    let schema = format!("x{}", "é".repeat(150));
    let mut doc: Value = serde_json::from_str(MARIADB_CATALOG).unwrap();
    doc["schema_privileges"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "grantee_user": "svc_etl", "grantee_host": "%", "schema": schema,
            "privilege": "SELECT", "grantable": false
        }));
    let (inv, errors, _) = scan("127.0.0.1:3306", &doc.to_string());
    assert!(errors.is_empty(), "{errors:?}");
    let p = path(&inv, "/svc_etl@%", "grant", &format!("{schema}.*"));
    let excerpt: &str = &p.evidence[0].excerpt;
    assert!(excerpt.starts_with("SELECT ON xé"), "{excerpt}");
    assert!(excerpt.contains("… (1 privileges) ON x"), "{excerpt}");
}
