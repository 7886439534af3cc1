//! MySQL / MariaDB `catalog.json` → Inventory (pure).
//!
//! Identities are the accounts that are not roles (`mysql://<scope>/<user>@<host>`). Access
//! paths: the account's own global, schema and table privileges (entitlement `grant`) and
//! those of every role it holds, directly or through other roles (entitlement
//! `role:<name>@<host>`, `role:<name>` for MariaDB roles, which have no host). Neither
//! server can put an expiry on a grant, so every path is `standing`. A locked account has no
//! path for new logins; its sessions are judged by the revocation signals instead
//! (`revocation.rs`).

use super::BOUNDARY;
use super::catalog::{Account, Catalog};
use super::paths::{Held, Row, role_name};
use super::privilege::MysqlCatalogue;
use super::raw::CATALOG;
use super::revocation;
use crate::model::*;
use crate::scan::RawScope;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

pub struct MyContext<'a> {
    pub policy: &'a crate::policy::Policy,
    pub rules: &'a crate::rules::RuleSet,
    pub now: DateTime<Utc>,
}

pub(super) type Key = (String, String);

/// What normalization works from: the parsed catalog and its indexes.
pub(super) struct Scope<'a> {
    pub ctx: &'a MyContext<'a>,
    pub cat: &'a Catalog,
    pub catalogue: MysqlCatalogue,
    pub scope: String,
    pub source: String,
    pub roles: BTreeSet<Key>,
    pub inv: Inventory,
}

/// The identity id of an account.
pub fn account_id(scope: &str, user: &str, host: &str) -> String {
    format!("mysql://{scope}/{user}@{host}")
}

/// Normalize one server. Errors are recorded on the scope (`partial`, or `failed` without a
/// readable catalog) and returned too.
pub fn normalize(raw: &RawScope, ctx: &MyContext<'_>) -> (Inventory, Vec<String>) {
    let mut errors = raw.errors.clone();
    let scope_name = if raw.scope.is_empty() {
        "unknown-server".to_string()
    } else {
        raw.scope.clone()
    };
    let mut sources = Vec::new();
    let document = raw.document(CATALOG);
    let parsed = match document {
        None => {
            if errors.is_empty() {
                errors.push(format!(
                    "mysql {scope_name}: no {} document",
                    super::raw::CATALOG
                ));
            }
            None
        }
        Some(doc) => {
            sources.push(doc.source.clone());
            match serde_json::from_str::<Catalog>(&doc.text) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(format!(
                        "{}: line {} column {}: not a readable MySQL catalog: {e}",
                        doc.source,
                        e.line(),
                        e.column()
                    ));
                    None
                }
            }
        }
    };
    let Some(cat) = parsed else {
        let inv = Inventory {
            scopes: vec![ScopeStatus {
                boundary: BOUNDARY,
                scope: scope_name,
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
    for e in &cat.errors {
        if !errors.contains(e) {
            errors.push(e.clone());
        }
    }
    let catalogue = ctx
        .rules
        .catalogue::<MysqlCatalogue>("mysql")
        .unwrap_or_else(|e| {
            errors.push(e.to_string());
            MysqlCatalogue::default()
        });
    let roles: BTreeSet<Key> = cat
        .accounts
        .iter()
        .filter(|a| a.is_role)
        .map(|a| (a.user.clone(), a.host.clone()))
        .chain(
            cat.role_grants
                .iter()
                .map(|g| (g.role_user.clone(), g.role_host.clone())),
        )
        .collect();
    let mut s = Scope {
        ctx,
        cat: &cat,
        catalogue,
        scope: scope_name.clone(),
        source: document.map(|d| d.source.clone()).unwrap_or_default(),
        roles,
        inv: Inventory::default(),
    };
    s.accounts();
    revocation::signals(&mut s);
    let status = if errors.is_empty() {
        ScopeState::Complete
    } else {
        ScopeState::Partial
    };
    s.inv.scopes.push(ScopeStatus {
        boundary: BOUNDARY,
        scope: scope_name,
        status,
        errors: errors.clone(),
        sources,
        connection: cat.connection.clone(),
        notes: Vec::new(),
    });
    (s.inv, errors)
}

impl Scope<'_> {
    pub(super) fn ev(&self, pointer: impl Into<Text>) -> Evidence {
        Evidence::new(self.source.clone(), pointer)
    }

    /// An account's password has expired: explicitly, or because its lifetime ran out.
    pub(super) fn password_expiry(&self, a: &Account) -> Option<Option<DateTime<Utc>>> {
        if a.password_expired == Some(true) {
            return Some(None);
        }
        let days = self.lifetime_days(a).filter(|d| *d > 0)?;
        let changed = a
            .password_last_changed
            .as_deref()
            .and_then(crate::time::parse_timestamp)?;
        let at = super::lifetime::after_days(changed, days)?;
        (at <= self.ctx.now).then_some(Some(at))
    }

    /// The password lifetime in force, in days (0 = never expires); `None` = unknown.
    pub(super) fn lifetime_days(&self, a: &Account) -> Option<i64> {
        a.password_lifetime.or(self.cat.default_password_lifetime)
    }

    pub(super) fn is_system(&self, a: &Account) -> bool {
        let id = format!("{}@{}", a.user, a.host);
        self.catalogue
            .system_accounts
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&id))
    }

    fn accounts(&mut self) {
        let held = self.held();
        let mut listed: BTreeSet<Key> = BTreeSet::new();
        for (i, a) in self.cat.accounts.iter().enumerate() {
            if a.is_role {
                continue;
            }
            listed.insert((a.user.clone(), a.host.clone()));
            self.account(Some(i), a, &held);
        }
        // Grantees seen only in information_schema (mysql.user unreadable): still identities.
        let extra: BTreeSet<Key> = held
            .keys()
            .filter(|k| !listed.contains(*k) && !self.roles.contains(*k) && !k.1.is_empty())
            .cloned()
            .collect();
        for (user, host) in extra {
            let a = Account {
                user,
                host,
                ..Default::default()
            };
            self.account(None, &a, &held);
        }
    }

    fn account(&mut self, index: Option<usize>, a: &Account, held: &BTreeMap<Key, Held>) {
        let id = account_id(&self.scope, &a.user, &a.host);
        let pointer = index.map(|i| format!("/accounts/{i}"));
        let base_ev = self.ev(pointer
            .clone()
            .unwrap_or_else(|| "/global_privileges".into()));
        let locked = a.account_locked == Some(true);
        let mut attributes = BTreeMap::from([
            ("host".to_string(), a.host.clone()),
            ("flavor".to_string(), self.cat.flavor.clone()),
        ]);
        if let Some(p) = &a.plugin {
            attributes.insert("plugin".into(), p.clone());
        }
        if locked {
            attributes.insert(
                "account_locked".into(),
                "true: new logins are refused".into(),
            );
        }
        if self.is_system(a) {
            attributes.insert("note".into(), "built-in account of the server".into());
        }
        if index.is_none() {
            attributes.insert(
                "note".into(),
                "seen only in information_schema privileges: mysql.user was not readable".into(),
            );
        }
        self.inv.identities.push(Identity {
            id: Text::from(&id),
            name: format!("{}@{}", a.user, a.host),
            boundary: BOUNDARY,
            scope: Text::from(&self.scope),
            kind: "mysql-account".into(),
            created_at: None,
            last_used: None,
            attributes: crate::model::text_map(attributes),
            evidence: vec![base_ev.clone()],
        });
        let lifetime = self.credential(&id, index, a, base_ev);
        if locked {
            return; // no path for new logins; sessions are judged by revocation signals
        }
        type Via = Option<(Key, Vec<String>, bool, String)>;
        let mut groups: Vec<(String, &Held, Via)> = vec![];
        if let Some(h) = held.get(&(a.user.clone(), a.host.clone())) {
            groups.push(("grant".into(), h, None));
        }
        for (role, chain, default, first) in self.reachable(&a.user, &a.host) {
            if let Some(h) = held.get(&role) {
                let name = role_name(&role.0, &role.1);
                groups.push((name, h, Some((role, chain, default, first))));
            }
        }
        for (ent, h, via) in groups {
            // Roles nested in this role: their rows are reported under their own name
            // (MariaDB's information_schema repeats them under the outer role too).
            let inner: BTreeSet<(String, String)> = match &via {
                Some((role, ..)) => self
                    .reachable(&role.0, &role.1)
                    .iter()
                    .filter_map(|(k, ..)| held.get(k))
                    .flat_map(|h| {
                        h.groups.iter().flat_map(|(t, g)| {
                            g.rows.iter().map(move |r| (t.clone(), r.privilege.clone()))
                        })
                    })
                    .collect(),
                None => BTreeSet::new(),
            };
            let via = via.map(|(_, chain, default, first)| (chain, default, first));
            for (target, g) in &h.groups {
                let schema = &g.schema;
                let rows: Vec<&Row> = g
                    .rows
                    .iter()
                    .filter(|r| !inner.contains(&(target.clone(), r.privilege.clone())))
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                self.path(
                    &id,
                    &ent,
                    target,
                    schema.as_deref(),
                    &rows,
                    via.as_ref(),
                    &lifetime,
                );
            }
        }
    }
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
