//! Normalization from the catalog fixtures in `tests/fixtures/postgres/`.

use super::catalog::Role;
use super::expiry::{Expiry, expiry, vault_issued_at};
use super::raw::CATALOG;
use super::*;
use crate::finding::Finding;
use crate::model::*;
use crate::policy::Policy;
use crate::scan::Doc;
use crate::scan::{Origin, RawScope};
use chrono::{DateTime, Utc};
use serde_json::Value;

const PG15: &str = include_str!("../../../tests/fixtures/postgres/pg15.json");
const PG16: &str = include_str!("../../../tests/fixtures/postgres/pg16.json");
const NOW: &str = "2026-09-01T12:00:00Z";

fn now() -> DateTime<Utc> {
    crate::time::parse_timestamp(NOW).unwrap()
}

fn raw(scope: &str, text: &str) -> RawScope {
    let mut raw = RawScope::new(BOUNDARY, scope, Origin::File);
    raw.put(CATALOG, Doc::new("postgres/fixture/catalog.json", text));
    raw
}

struct Out {
    inv: Inventory,
    errors: Vec<String>,
    findings: Vec<Finding>,
}

/// Normalizes `raw`, reconciles `grants` (the scanner's residual access through the
/// registry, as a run does), and runs the checks.
fn run_with(raw: &RawScope, grants: &[crate::ledger::Grant]) -> Out {
    let rules = crate::scan::registry::embedded_rules().unwrap();
    let policy = Policy::from_layers(&[&rules.policy]).unwrap();
    let ctx = PgContext::new(&policy, &rules, now());
    let (mut inv, errors) = normalize(raw, &ctx);
    if !grants.is_empty() {
        let registry = crate::scan::Registry::builtin();
        crate::ledger::reconcile(&registry, &mut inv, grants, &[], &policy, now());
    }
    let findings = crate::checks::run(&inv, &rules, &Default::default());
    Out {
        inv,
        errors,
        findings,
    }
}

fn run(raw: &RawScope) -> Out {
    run_with(raw, &[])
}

/// A ledger grant for `role` that was revoked at `revoked`.
fn revoked_grant(role: &str, revoked: &str) -> crate::ledger::Grant {
    serde_json::from_value(serde_json::json!({
        "grant_id": format!("g-{role}"), "boundary": "postgres", "scope": "db.example:5432/app",
        "identity": role, "issued_at": "2026-09-01T10:00:00Z", "expires_at": "2026-09-01T18:00:00Z",
        "revoked_at": revoked, "source": "test"
    }))
    .unwrap()
}

impl Out {
    fn path(&self, role: &str, entitlement: &str) -> &AccessPath {
        self.inv
            .access_paths
            .iter()
            .find(|p| p.identity.ends_with(&format!("/{role}")) && p.entitlement == entitlement)
            .unwrap_or_else(|| {
                panic!(
                    "no path {role} {entitlement} in {:#?}",
                    self.inv
                        .access_paths
                        .iter()
                        .map(|p| (&p.identity, &p.entitlement))
                        .collect::<Vec<_>>()
                )
            })
    }

    fn paths_of(&self, role: &str) -> Vec<&AccessPath> {
        self.inv
            .access_paths
            .iter()
            .filter(|p| p.identity.ends_with(&format!("/{role}")))
            .collect()
    }

    fn signal(&self, kind: &str, role: &str) -> Option<&Signal> {
        self.inv
            .signals
            .iter()
            .find(|s| s.kind == kind && s.identity.ends_with(&format!("/{role}")))
    }

    fn finding(&self, rule: &str, role: &str) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.rule_id == rule && f.identity.ends_with(&format!("/{role}")))
    }
}

#[test]
fn pg15_privileges_through_attributes_groups_and_predefined_roles() {
    let out = run(&raw("db.example:5432/app", PG15));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.inv.scopes[0].status, ScopeState::Complete);

    let admin = out.path("svc_admin", "attribute:SUPERUSER");
    assert_eq!(
        (admin.privilege, admin.enforcement),
        (Privilege::Admin, Enforcement::Standing)
    );
    assert_eq!(admin.credential_lifetime, CredentialLifetime::LongLived);
    assert_eq!(admin.evidence[0].pointer, "/roles/6");
    assert!(out.finding("GEN001", "svc_admin").is_some());

    let w = out.path("svc_writer", "grants via group:grp_b");
    assert_eq!(
        (w.privilege, w.enforcement),
        (Privilege::Write, Enforcement::Standing)
    );
    assert!(
        w.basis
            .privilege
            .reason
            .contains("svc_writer → grp_a → grp_b"),
        "{}",
        w.basis.privilege.reason
    );
    let pointers: Vec<&str> = w.evidence.iter().map(|e| e.pointer.as_str()).collect();
    for p in ["/auth_members/0", "/auth_members/1", "/table_grants/0"] {
        assert!(pointers.contains(&p), "{pointers:?}");
    }
    assert!(out.finding("GEN002", "svc_writer").is_some());
    // A group reached through grp_a carries no grants of its own: no path for it.
    assert_eq!(out.paths_of("svc_writer").len(), 1);

    // On 15, a NOINHERIT member still reaches the group's grants with SET ROLE.
    let n = out.path("svc_noinherit", "grants via group:grp_b");
    assert!(n.basis.privilege.reason.contains("SET ROLE"));

    let batch = out.path("svc_batch", "role:pg_write_all_data");
    assert_eq!(batch.privilege, Privilege::Write);
    let reader = out.path("jitgap_reader", "role:pg_read_all_stats");
    assert_eq!(reader.privilege, Privilege::Read);

    // PUBLIC's default CONNECT/TEMP/USAGE are not worth a path; no login role got one.
    assert!(
        out.inv
            .access_paths
            .iter()
            .all(|p| p.entitlement != "grants via PUBLIC")
    );
    // Group roles are not identities.
    let ids: Vec<&str> = out.inv.identities.iter().map(|i| i.name.as_str()).collect();
    assert!(
        !ids.contains(&"grp_a") && !ids.contains(&"svc_nologin"),
        "{ids:?}"
    );
    assert!(
        out.inv
            .identities
            .iter()
            .all(|i| i.id.starts_with("postgres://db.example:5432/app/")
                && i.kind == "pg-login-role")
    );
}

#[test]
fn pg15_valid_until_makes_jit_and_time_bound() {
    let out = run(&raw("db.example:5432/app", PG15));
    let jit = out.path("svc_jit", "grants via group:grp_b");
    assert_eq!(jit.enforcement, Enforcement::Jit);
    assert_eq!(jit.credential_lifetime, CredentialLifetime::Ephemeral);
    assert!(
        jit.basis
            .enforcement
            .reason
            .contains("binds password authentication only"),
        "{}",
        jit.basis.enforcement.reason
    );
    assert!(out.finding("GEN002", "svc_jit").is_none());

    let tb = out.path("svc_timebound", "attribute:CREATEROLE");
    assert_eq!(
        (tb.privilege, tb.enforcement),
        (Privilege::Admin, Enforcement::TimeBound)
    );
    assert!(out.finding("GEN003", "svc_timebound").is_some());
}

#[test]
fn pg15_vault_dynamic_roles() {
    let out = run(&raw("db.example:5432/app", PG15));
    let live = "v-token-readonly-Xy7Qp2Lm9Rt4Vw6Zb8Nc-1788260400";
    let id = out.inv.identities.iter().find(|i| i.name == live).unwrap();
    assert_eq!(id.attributes["broker"], "vault");
    assert_eq!(id.attributes["issued_at"], "2026-09-01T11:00:00+00:00");
    let p = out.path(live, "grants");
    assert_eq!(
        p.enforcement,
        Enforcement::Jit,
        "{}",
        p.basis.enforcement.reason
    );
    assert_eq!(p.credential_lifetime, CredentialLifetime::Ephemeral);
    assert_eq!(
        p.window.unwrap().not_before,
        crate::time::parse_timestamp("2026-09-01T11:00:00Z")
    );

    let dead = "v-approle-etl-Ab1Cd2Ef3Gh4Ij5Kl6Mn-1785542400";
    assert!(out.paths_of(dead).is_empty());
    let s = out.signal("pg-vault-role-not-dropped", dead).unwrap();
    assert_eq!(s.revocation, Some(Revocation::NotEffective));
    assert!(out.finding("PG005", dead).is_some());
    assert!(out.signal("pg-expired-login-role", dead).is_none());
    let cred = out
        .inv
        .credentials
        .iter()
        .find(|c| c.identity.ends_with(dead))
        .unwrap();
    // Issued 2026-08-01, valid for 24 h: longer than max_ephemeral_ttl (12 h).
    assert_eq!(
        (cred.status.as_str(), cred.lifetime),
        ("expired", CredentialLifetime::LongLived)
    );
}

#[test]
fn pg15_revocation_verdicts_from_sessions() {
    let out = run(&raw("db.example:5432/app", PG15));
    // Expired with a live session: not-effective, the session as evidence.
    let f = out.finding("PG001", "svc_expired").unwrap();
    assert_eq!(f.revocation, Some(Revocation::NotEffective));
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.evidence[0].pointer, "/stat_activity/1");
    assert!(f.evidence[0].excerpt.contains("pid 200"));
    assert!(
        f.evidence[0]
            .excerpt
            .contains("2026-09-01T09:30:00.118+00:00")
    );
    assert!(f.frameworks.iter().any(|r| r.id == "NHI1:2025"));
    assert!(f.frameworks.iter().any(|r| r.id == "AC-3(8)"));
    assert!(out.paths_of("svc_expired").is_empty());
    assert!(out.finding("PG004", "svc_expired").is_some());

    // Expired, no session, every session visible: effective, same entitlement and target.
    let g = out.finding("PG001", "svc_gone").unwrap();
    assert_eq!(g.revocation, Some(Revocation::Effective));
    assert_eq!(g.severity, Severity::Info);
    assert_eq!(
        (g.entitlement.as_str(), g.target.as_str()),
        ("valid-until", "db.example:5432/app")
    );

    // NOLOGIN and dropped roles with sessions.
    let n = out.finding("PG002", "svc_nologin").unwrap();
    assert_eq!(n.revocation, Some(Revocation::NotEffective));
    let d = out.finding("PG002", "oid:16999").unwrap();
    assert_eq!(d.severity, Severity::Medium);
    assert!(d.evidence[0].excerpt.contains("pid 202"));
    // Background workers and the reader's own session are not judged.
    assert_eq!(
        out.findings.iter().filter(|f| f.rule_id == "PG002").count(),
        2
    );
    assert!(out.finding("PG006", "jitgap_reader").is_none());
    // Last use from the role's sessions.
    let w = out
        .inv
        .identities
        .iter()
        .find(|i| i.name == "svc_writer")
        .unwrap();
    assert_eq!(
        w.last_used,
        crate::time::parse_timestamp("2026-09-01T11:00:00Z")
    );
}

#[test]
fn pg15_non_password_hba_rule_bypasses_valid_until() {
    let out = run(&raw("db.example:5432/app", PG15));
    // Expired, but `trust` lets it in: not-effective, and PG001 does not claim effective.
    let s = out
        .signal("pg-valid-until-not-enforced", "svc_trusted")
        .unwrap();
    assert_eq!(s.revocation, Some(Revocation::NotEffective));
    assert!(
        s.message.contains("line 95") && s.message.contains("trust"),
        "{}",
        s.message
    );
    assert!(s.evidence.iter().any(|e| e.pointer == "/hba_rules/1"));
    assert!(out.finding("PG001", "svc_trusted").is_none());
    assert!(out.finding("PG003", "svc_trusted").is_some());
    let creds = out
        .inv
        .credentials
        .iter()
        .filter(|c| c.identity.ends_with("/svc_trusted"));
    assert_eq!(creds.count(), 1);
    // `peer` for postgres, but postgres has no VALID UNTIL: nothing to bypass.
    assert!(
        out.signal("pg-valid-until-not-enforced", "postgres")
            .is_none()
    );

    // With a future VALID UNTIL the role's paths are standing, not jit.
    let mut doc: Value = serde_json::from_str(PG15).unwrap();
    doc["roles"][14]["rolvaliduntil"] = "2026-09-01T13:00:00+00:00".into();
    doc["table_grants"][3]["grantee"] = "svc_trusted".into();
    doc["table_grants"][3]["privilege_type"] = "DELETE".into();
    let out = run(&raw("db.example:5432/app", &doc.to_string()));
    let p = out.path("svc_trusted", "grants");
    assert_eq!(p.enforcement, Enforcement::Standing);
    assert_eq!(
        p.basis.enforcement.rule,
        "pg.enforcement.valid-until-not-enforced"
    );
    let s = out
        .signal("pg-valid-until-not-enforced", "svc_trusted")
        .unwrap();
    assert_eq!(s.revocation, None);
    assert!(out.finding("GEN002", "svc_trusted").is_some());
}

#[test]
fn pg16_membership_options_and_blind_reader() {
    let out = run(&raw("db16.example:5432", PG16));
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // inherit_option true although svc_a is NOINHERIT: the grant decides on 16.
    let w = out.path("svc_a", "grants via group:grp_w");
    assert_eq!(w.privilege, Privilege::Write);
    assert!(
        w.basis
            .privilege
            .reason
            .contains("inherited through svc_a → grp_w")
    );
    // SET option on a superuser group: SET ROLE gives SUPERUSER.
    let s = out.path("svc_a", "attribute:SUPERUSER via group:grp_super");
    assert_eq!(
        (s.privilege, s.enforcement),
        (Privilege::Admin, Enforcement::Standing)
    );
    // Neither inherit nor set: the membership grants nothing.
    assert!(out.paths_of("svc_b").is_empty());
    // Without pg_read_all_stats an expired role is inconclusive, never effective.
    let f = out.finding("PG001", "svc_old").unwrap();
    assert_eq!(f.revocation, Some(Revocation::Inconclusive));
    assert!(f.message.contains("pg_read_all_stats"));
    assert!(out.finding("PG006", "limited_reader").is_some());
    // pg_hba.conf unreadable: said in the reason, not an error.
    let a = out.path("svc_a", "attribute:SUPERUSER via group:grp_super");
    assert_eq!(a.basis.enforcement.rule, "pg.enforcement.no-valid-until");
}

#[test]
fn a_revoked_role_with_an_older_session_is_a_zombie() {
    // svc_writer has a session (pid 204) that began before 11:30; the reconciler asks this
    // scanner what remains and names that session.
    let out = run_with(
        &raw("db.example:5432/app", PG15),
        &[revoked_grant("svc_writer", "2026-09-01T11:30:00Z")],
    );
    let z = out.finding("LED002", "svc_writer").unwrap();
    assert_eq!(z.revocation, Some(Revocation::NotEffective));
    assert!(z.message.contains("still exists"), "{}", z.message);
    assert!(
        z.message.contains("session 204") && z.message.contains("opened before the revocation"),
        "{}",
        z.message
    );
    assert!(
        z.evidence
            .iter()
            .any(|e| e.pointer.starts_with("/stat_activity/"))
    );
    // The retired PG007 no longer reports the same fact a second time.
    assert!(out.findings.iter().all(|f| f.rule_id != "PG007"));
}

#[test]
fn missing_documents_and_lists_fail_closed() {
    let mut failed = RawScope::new(BOUNDARY, "db:5432", Origin::Live);
    failed
        .errors
        .push("db:5432: cannot connect as r: connection refused".into());
    let out = run(&failed);
    assert_eq!(out.inv.scopes[0].status, ScopeState::Failed);
    assert_eq!(out.errors.len(), 1);

    let mut doc: Value = serde_json::from_str(PG15).unwrap();
    doc.as_object_mut().unwrap().remove("stat_activity");
    let out = run(&raw("db.example:5432/app", &doc.to_string()));
    assert_eq!(out.inv.scopes[0].status, ScopeState::Partial);
    assert!(
        out.errors[0].contains("(stat_activity)"),
        "{:?}",
        out.errors
    );
    let f = out.finding("PG001", "svc_expired").unwrap();
    assert_eq!(f.revocation, Some(Revocation::Inconclusive));

    let out = run(&raw("db.example:5432/app", "{\"roles\": [1]"));
    assert_eq!(out.inv.scopes[0].status, ScopeState::Failed);
    assert!(
        out.errors[0].contains("postgres/fixture/catalog.json: line"),
        "{:?}",
        out.errors
    );

    // The scope comes from the document when the loader has none.
    let out = run(&raw("", PG16));
    assert_eq!(out.inv.scopes[0].scope, "db16.example:5432");
}

#[test]
fn valid_until_forms_and_vault_names() {
    let role = |v: Option<&str>| Role {
        rolname: "r".into(),
        rolvaliduntil: v.map(str::to_string),
        ..Default::default()
    };
    assert_eq!(expiry(&role(None)), Expiry::Never);
    assert_eq!(expiry(&role(Some("infinity"))), Expiry::Never);
    assert!(matches!(expiry(&role(Some("-infinity"))), Expiry::At(_)));
    assert_eq!(
        expiry(&role(Some("2026-08-29 14:49:47+0000"))),
        Expiry::At(crate::time::parse_timestamp("2026-08-29T14:49:47Z").unwrap())
    );
    assert!(matches!(expiry(&role(Some("soon"))), Expiry::Unreadable(_)));

    assert_eq!(
        vault_issued_at("v-token-readonly-Xy7Qp2Lm9Rt4Vw6Zb8Nc-1756475387"),
        crate::time::parse_timestamp("2025-08-29T13:49:47Z")
    );
    assert!(vault_issued_at("v-root-my-role-Xy7Qp2Lm9Rt4Vw6Zb8Nc-1756475387").is_some());
    assert!(vault_issued_at("v-approle-x-Xy7Qp2Lm9Rt4Vw6Zb8N-1756475387").is_none());
    assert!(vault_issued_at("svc_etl").is_none());

    let mut doc: Value = serde_json::from_str(PG15).unwrap();
    doc["roles"][7]["rolvaliduntil"] = "soon".into();
    let out = run(&raw("db.example:5432/app", &doc.to_string()));
    let p = out.path("svc_batch", "role:pg_write_all_data");
    assert_eq!(p.enforcement, Enforcement::Unknown);
    assert!(out.finding("GEN004", "svc_batch").is_some());
}

#[test]
fn every_pg_check_fires_on_its_positive_case_only() {
    let pg15 = run(&raw("db.example:5432/app", PG15));
    let pg16 = run(&raw("db16.example:5432", PG16));
    let live_vault = "v-token-readonly-Xy7Qp2Lm9Rt4Vw6Zb8Nc-1788260400";
    let dead_vault = "v-approle-etl-Ab1Cd2Ef3Gh4Ij5Kl6Mn-1785542400";
    // (check, positive, negative): each side is a scan and the role to look at.
    type Case<'a> = (&'a str, (&'a Out, &'a str), (&'a Out, &'a str));
    let cases: Vec<Case<'_>> = vec![
        ("PG001", (&pg15, "svc_expired"), (&pg15, "svc_jit")),
        ("PG002", (&pg15, "svc_nologin"), (&pg15, "svc_writer")),
        ("PG003", (&pg15, "svc_trusted"), (&pg15, "postgres")),
        ("PG004", (&pg15, "svc_gone"), (&pg15, "svc_timebound")),
        ("PG005", (&pg15, dead_vault), (&pg15, live_vault)),
        ("PG006", (&pg16, "limited_reader"), (&pg15, "jitgap_reader")),
    ];
    let rules = crate::scan::registry::embedded_rules().unwrap();
    let ids: Vec<&str> = cases.iter().map(|(id, ..)| *id).collect();
    for c in rules
        .checks
        .iter()
        .filter(|c| c.id.starts_with("PG") && c.deprecated.is_none())
    {
        assert!(ids.contains(&c.id.as_str()), "{} has no case here", c.id);
    }
    for (id, (pos, pos_role), (neg, neg_role)) in cases {
        assert!(
            pos.finding(id, pos_role).is_some(),
            "{id} did not fire for {pos_role}"
        );
        assert!(
            neg.finding(id, neg_role).is_none(),
            "{id} fired for {neg_role}"
        );
    }
}

#[test]
fn a_superuser_is_one_path() {
    let out = run(&raw("db.example:5432/app", PG15));
    let paths = out.paths_of("postgres");
    assert_eq!(paths.len(), 1, "{paths:#?}");
    assert_eq!(paths[0].entitlement, "attribute:SUPERUSER");
}

#[test]
fn the_embedded_catalogue_parses_and_every_pg_check_is_documented() {
    let rules = crate::scan::registry::embedded_rules().unwrap();
    let cat: PgCatalogue = rules.catalogue("postgres").unwrap();
    assert_eq!(cat.attributes["SUPERUSER"], Privilege::Admin);
    assert_eq!(cat.predefined_roles["pg_write_all_data"], Privilege::Write);
    assert_eq!(cat.word("insert"), Privilege::Write);
    assert_eq!(cat.word("CONNECT"), Privilege::Read);
    assert_eq!(cat.word("FROBNICATE"), Privilege::Unknown);
    let pg: Vec<_> = rules
        .checks
        .iter()
        .filter(|c| c.id.starts_with("PG"))
        .collect();
    assert_eq!(pg.len(), 7);
    for c in pg {
        let refs = rules.frameworks.refs_for(&c.frameworks);
        assert!(refs.iter().any(|r| r.relation == "primary"), "{}", c.id);
    }
}
