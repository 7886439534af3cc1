//! PostgreSQL catalog rows → Inventory (pure).
//!
//! Identities are login roles (`rolcanlogin`); group roles appear only as the entitlements
//! they carry. Every access path of a login role takes its enforcement from that role's
//! `rolvaliduntil`, which binds password authentication only: new logins after it are
//! refused, sessions already open are not ended, and a pg_hba.conf method that does not
//! check the password ignores it entirely.

use super::BOUNDARY;
use super::catalog::{Catalog, Role};
use super::expiry::{Expiry, expiry, vault_issued_at};
use super::hba;
use super::membership::Graph;
use super::privilege::{PgCatalogue, Privileges};
use super::raw::CATALOG;
use super::revocation::ExpiredRole;
use crate::classify::fingerprint;
use crate::model::*;
use crate::policy::Policy;
use crate::rules::RuleSet;
use crate::scan::RawScope;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

pub struct PgContext<'a> {
    pub policy: &'a Policy,
    pub rules: &'a RuleSet,
    pub now: DateTime<Utc>,
}

impl<'a> PgContext<'a> {
    pub fn new(policy: &'a Policy, rules: &'a RuleSet, now: DateTime<Utc>) -> Self {
        PgContext { policy, rules, now }
    }
}

pub(crate) struct Scope<'a> {
    pub ctx: &'a PgContext<'a>,
    pub name: String,
    pub source: String,
    pub inv: Inventory,
}

impl Scope<'_> {
    pub fn ev(&self, pointer: impl Into<Text>) -> Evidence {
        Evidence::new(self.source.clone(), pointer)
    }

    pub fn identity_id(&self, role: &str) -> String {
        format!("postgres://{}/{role}", self.name)
    }

    /// A signal on this scope, target = the scope; callers set revocation and severity.
    pub fn signal(
        &self,
        kind: &str,
        role: &str,
        entitlement: &str,
        message: String,
        evidence: Vec<Evidence>,
    ) -> Signal {
        Signal {
            kind: kind.into(),
            boundary: BOUNDARY,
            scope: Text::from(&self.name),
            identity: (self.identity_id(role)).into(),
            entitlement: entitlement.into(),
            target: Text::from(&self.name),
            message,
            revocation: None,
            severity: None,
            at: None,
            evidence,
        }
    }
}

/// Which catalog lists a complete read has, and what their absence costs.
const REQUIRED_LISTS: &[(&str, &str)] = &[
    (
        "auth_members",
        "privileges held through role membership are not assessed",
    ),
    ("table_grants", "table privileges are not assessed"),
    ("schema_grants", "schema privileges are not assessed"),
    ("database_grants", "database privileges are not assessed"),
    (
        "stat_activity",
        "live sessions are unknown, so revocations are inconclusive",
    ),
];

/// Normalize one PostgreSQL scope. Errors (from collection, from the document, or a list the
/// document lacks) are recorded on the scope (`partial`, or `failed` without roles) and
/// returned too.
pub fn normalize(raw: &RawScope, ctx: &PgContext<'_>) -> (Inventory, Vec<String>) {
    let mut errors = raw.errors.clone();
    let catalogue: PgCatalogue = ctx.rules.catalogue("postgres").unwrap_or_else(|e| {
        errors.push(e.to_string());
        PgCatalogue::default()
    });
    let mut sources = Vec::new();
    let mut catalog = None;
    let document = raw.document(CATALOG);
    if let Some(doc) = document {
        sources.push(doc.source.clone());
        match serde_json::from_str::<Catalog>(&doc.text) {
            Ok(c) => catalog = Some(c),
            Err(e) => errors.push(format!(
                "{}: line {} column {}: not a readable PostgreSQL catalog document: {e}",
                doc.source,
                e.line(),
                e.column()
            )),
        }
    }
    let name = Some(raw.scope.clone())
        .filter(|s| !s.is_empty())
        .or_else(|| catalog.as_ref().and_then(|c| c.scope.clone()))
        .unwrap_or_else(|| "unknown-postgres".into());
    if let Some(c) = &catalog {
        for e in &c.errors {
            if !errors.contains(e) {
                errors.push(e.clone());
            }
        }
    }
    let Some(cat) = catalog.filter(|c| c.roles.is_some()) else {
        if let Some(doc) = document.filter(|_| errors.is_empty()) {
            errors.push(format!(
                "{}: the catalog of {name} has no `roles` list",
                doc.source
            ));
        } else if errors.is_empty() {
            errors.push(format!("{name}: no catalog document was read"));
        }
        let inv = Inventory {
            scopes: vec![ScopeStatus {
                boundary: BOUNDARY,
                scope: name,
                status: ScopeState::Failed,
                errors: errors.clone(),
                sources,
                connection: None,
                notes: Vec::new(),
            }],
            ..Default::default()
        };
        return (inv, errors);
    };
    for (list, cost) in REQUIRED_LISTS {
        let present = match *list {
            "auth_members" => cat.auth_members.is_some(),
            "table_grants" => cat.table_grants.is_some(),
            "schema_grants" => cat.schema_grants.is_some(),
            "database_grants" => cat.database_grants.is_some(),
            _ => cat.stat_activity.is_some(),
        };
        let tag = format!("({list})");
        if !present && !errors.iter().any(|e| e.contains(&tag)) {
            let at = document.map_or(name.as_str(), |d| d.source.as_str());
            errors.push(format!(
                "{at}: the catalog of {name} has no {list} list {tag}: {cost}"
            ));
        }
    }
    let mut scope = Scope {
        ctx,
        name: name.clone(),
        source: document.map(|d| d.source.clone()).unwrap_or_default(),
        inv: Inventory::default(),
    };
    scope.roles(&cat, &catalogue);
    let status = if errors.is_empty() {
        ScopeState::Complete
    } else {
        ScopeState::Partial
    };
    scope.inv.scopes.push(ScopeStatus {
        boundary: BOUNDARY,
        scope: name,
        status,
        errors: errors.clone(),
        sources,
        connection: cat.connection.clone(),
        notes: Vec::new(),
    });
    (scope.inv, errors)
}

impl Scope<'_> {
    fn roles(&mut self, cat: &Catalog, catalogue: &PgCatalogue) {
        let roles = cat.roles.as_deref().unwrap_or_default();
        let members = cat.auth_members.as_deref().unwrap_or_default();
        let graph = Graph::new(roles, members);
        let source = self.source.clone();
        let privileges = Privileges::new(cat, &graph, catalogue, &source);
        let hba_note = match (&cat.hba_rules, &cat.hba_error) {
            (Some(_), _) => String::new(),
            (None, Some(e)) => format!(
                "; pg_hba_file_rules unreadable ({e}): a non-password method that ignores VALID UNTIL cannot be ruled out"
            ),
            (None, None) => "; pg_hba_file_rules not read: a non-password method that ignores VALID UNTIL cannot be ruled out".into(),
        };
        let mut expired = Vec::new();
        for (i, role) in roles.iter().enumerate().filter(|(_, r)| r.rolcanlogin) {
            let id = self.identity_id(&role.rolname);
            let issued = vault_issued_at(&role.rolname);
            let exp = expiry(role);
            let bypass = cat
                .hba_rules
                .as_deref()
                .and_then(|rules| hba::bypass(rules, roles, i, &graph, catalogue));
            self.identity(i, role, issued, cat);
            let role_ev = self.ev(format!("/roles/{i}")).with_excerpt(format!(
                "{}: rolcanlogin = true, rolvaliduntil = {}",
                role.rolname,
                role.rolvaliduntil.as_deref().unwrap_or("null")
            ));
            if let (Expiry::At(at), Some((n, rule))) = (&exp, bypass) {
                let passed = *at <= self.ctx.now;
                let mut s = self.signal(
                    "pg-valid-until-not-enforced",
                    &role.rolname,
                    "valid-until",
                    format!(
                        "role {}: VALID UNTIL {} {}, but {} lets it log in with `{}`, which does not check the password and so ignores VALID UNTIL",
                        role.rolname,
                        at.to_rfc3339(),
                        if passed { "has passed" } else { "is set" },
                        hba::describe(rule),
                        rule.auth_method.as_deref().unwrap_or("?")
                    ),
                    vec![role_ev.clone(), self.ev(format!("/hba_rules/{n}"))],
                );
                if passed {
                    s.revocation = Some(Revocation::NotEffective);
                }
                self.inv.signals.push(s);
            }
            let verdicts = match (&exp, bypass) {
                (Expiry::At(at), None) if *at <= self.ctx.now => {
                    self.expired_credential(role, *at, issued, role_ev.clone());
                    self.expired_role(role, *at, issued, role_ev.clone());
                    expired.push(ExpiredRole {
                        role: i,
                        at: *at,
                        bypassed: false,
                    });
                    continue;
                }
                (Expiry::At(at), Some(_)) if *at <= self.ctx.now => {
                    self.expired_role(role, *at, issued, role_ev.clone());
                    expired.push(ExpiredRole {
                        role: i,
                        at: *at,
                        bypassed: true,
                    });
                    self.verdicts(&exp, issued, bypass.map(|(_, r)| r), &hba_note)
                }
                _ => self.verdicts(&exp, issued, bypass.map(|(_, r)| r), &hba_note),
            };
            self.credential(&id, &exp, issued, &verdicts, role_ev.clone());
            for d in privileges.drafts(i) {
                let target = self.name.clone();
                let mut evidence = vec![role_ev.clone()];
                evidence.extend(d.evidence);
                self.inv.access_paths.push(AccessPath {
                    id: (fingerprint(&["postgres", &self.name, &id, &d.entitlement, &target]))
                        .into(),
                    identity: Text::from(&id),
                    boundary: BOUNDARY,
                    scope: Text::from(&self.name),
                    entitlement: d.entitlement.into(),
                    target: target.into(),
                    privilege: d.privilege,
                    enforcement: verdicts.enforcement,
                    credential_lifetime: verdicts.lifetime.0,
                    window: verdicts.window,
                    basis: Basis {
                        privilege: Decision::new(d.rule, d.reason),
                        enforcement: verdicts.enforcement_basis.clone(),
                        credential_lifetime: verdicts.lifetime.1.clone(),
                    },
                    evidence,
                });
            }
        }
        self.revocation_signals(cat, &graph, &expired);
    }

    fn identity(&mut self, i: usize, role: &Role, issued: Option<DateTime<Utc>>, cat: &Catalog) {
        let mut attributes = BTreeMap::from([
            (
                "valid_until".to_string(),
                role.rolvaliduntil.clone().unwrap_or_else(|| "none".into()),
            ),
            ("inherit".to_string(), role.rolinherit.to_string()),
        ]);
        if let Some(n) = role.rolconnlimit.filter(|n| *n >= 0) {
            attributes.insert("connection_limit".into(), n.to_string());
        }
        if let Some(at) = issued {
            attributes.insert("broker".into(), "vault".into());
            attributes.insert("issued_at".into(), at.to_rfc3339());
        }
        let last_used = cat
            .stat_activity
            .iter()
            .flatten()
            .filter(|a| Some(a.pid) != cat.backend_pid)
            .filter(|a| {
                a.usename.as_deref() == Some(role.rolname.as_str())
                    || (a.usesysid.is_some() && a.usesysid == role.oid)
            })
            .filter_map(|a| a.backend_start.as_deref())
            .filter_map(crate::time::parse_timestamp)
            .max();
        self.inv.identities.push(Identity {
            id: (self.identity_id(&role.rolname)).into(),
            name: role.rolname.clone(),
            boundary: BOUNDARY,
            scope: Text::from(&self.name),
            kind: "pg-login-role".into(),
            created_at: issued,
            last_used,
            attributes: crate::model::text_map(attributes),
            evidence: vec![self.ev(format!("/roles/{i}"))],
        });
    }
}

#[cfg(test)]
mod document_errors {
    use super::*;
    use crate::scan::{Doc, Origin};

    fn errors(text: &str) -> (ScopeState, Vec<String>) {
        let rules = crate::scan::registry::embedded_rules().unwrap();
        let policy = Policy::from_layers(&[&rules.policy]).unwrap();
        let ctx = PgContext::new(&policy, &rules, Utc::now());
        let mut raw = RawScope::new(BOUNDARY, "db:5432/app", Origin::File);
        raw.put(CATALOG, Doc::new("postgres/db/catalog.json", text));
        let (inv, errors) = normalize(&raw, &ctx);
        (inv.scopes[0].status, errors)
    }

    #[test]
    fn a_catalog_without_its_lists_is_named_in_the_error() {
        // Found by tests/parser_props.rs: these errors named the scope but not the file.
        let (status, e) = errors("{}");
        assert_eq!(status, ScopeState::Failed);
        assert_eq!(
            e,
            ["postgres/db/catalog.json: the catalog of db:5432/app has no `roles` list"]
        );
        let (status, e) = errors(r#"{"roles": []}"#);
        assert_eq!(status, ScopeState::Partial);
        assert!(
            e.iter()
                .all(|e| e
                    .starts_with("postgres/db/catalog.json: the catalog of db:5432/app has no ")),
            "{e:?}"
        );
    }
}
