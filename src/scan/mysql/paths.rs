//! Access paths of an account: its own privilege rows and those of the roles it holds,
//! grouped per target and tiered with the `rules/mysql.toml` catalogue (pure).

use super::BOUNDARY;
use super::normalize::{Key, Scope};
use super::privilege::Level;
use crate::classify::fingerprint;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// `role:<name>@<host>`; `role:<name>` for a MariaDB role (roles there have no host).
pub(super) fn role_name(user: &str, host: &str) -> String {
    if host.is_empty() {
        format!("role:{user}")
    } else {
        format!("role:{user}@{host}")
    }
}

/// One privilege row: its JSON pointer, the privilege, and whether it is grantable.
pub(super) struct Row {
    pub pointer: String,
    pub privilege: String,
    pub grantable: bool,
}

/// The rows on one target; `schema` is `None` for `*.*`.
#[derive(Default)]
pub(super) struct Group {
    pub schema: Option<String>,
    pub rows: Vec<Row>,
}

/// Privilege rows of one grantee, grouped by target (`*.*`, `db.*`, `db.<tables>`).
#[derive(Default)]
pub(super) struct Held {
    pub groups: BTreeMap<String, Group>,
}

impl Scope<'_> {
    pub(super) fn held(&self) -> BTreeMap<Key, Held> {
        let mut out: BTreeMap<Key, Held> = BTreeMap::new();
        let cat = self.cat;
        let mut add = |user: &str, host: &str, target: String, schema: Option<&str>, row: Row| {
            let g = out
                .entry((user.to_string(), host.to_string()))
                .or_default()
                .groups
                .entry(target)
                .or_default();
            g.schema = schema.map(str::to_string);
            g.rows.push(row);
        };
        for (i, p) in cat.global_privileges.iter().enumerate() {
            let row = Row {
                pointer: format!("/global_privileges/{i}"),
                privilege: p.privilege.clone(),
                grantable: p.grantable,
            };
            add(&p.grantee_user, &p.grantee_host, "*.*".into(), None, row);
        }
        for (i, p) in cat.schema_privileges.iter().enumerate() {
            let row = Row {
                pointer: format!("/schema_privileges/{i}"),
                privilege: p.privilege.clone(),
                grantable: p.grantable,
            };
            let target = format!("{}.*", p.schema);
            add(
                &p.grantee_user,
                &p.grantee_host,
                target,
                Some(&p.schema),
                row,
            );
        }
        for (i, p) in cat.table_privileges.iter().enumerate() {
            let row = Row {
                pointer: format!("/table_privileges/{i}"),
                privilege: format!("{} ({} tables)", p.privilege, p.count),
                grantable: false,
            };
            let target = format!("{}.<tables>", p.schema);
            add(
                &p.grantee_user,
                &p.grantee_host,
                target,
                Some(&p.schema),
                row,
            );
        }
        out
    }

    /// Roles reachable from a grantee: (role, chain of role names, default at login, pointer
    /// of the first grant).
    pub(super) fn reachable(
        &self,
        user: &str,
        host: &str,
    ) -> Vec<(Key, Vec<String>, bool, String)> {
        let mut out: Vec<(Key, Vec<String>, bool, String)> = Vec::new();
        let mut seen: BTreeSet<Key> = BTreeSet::new();
        let mut queue: Vec<(Key, Vec<String>, bool, String)> = vec![(
            (user.to_string(), host.to_string()),
            vec![],
            true,
            String::new(),
        )];
        while let Some((from, chain, default, first)) = queue.pop() {
            for (i, g) in self.cat.role_grants.iter().enumerate() {
                if g.grantee_user != from.0 || g.grantee_host != from.1 {
                    continue;
                }
                let role = (g.role_user.clone(), g.role_host.clone());
                if !seen.insert(role.clone()) {
                    continue;
                }
                let mut c = chain.clone();
                c.push(role_name(&role.0, &role.1));
                let first_ptr = if first.is_empty() {
                    format!("/role_grants/{i}")
                } else {
                    first.clone()
                };
                // Only the first hop decides activation: a role inside an active role is active.
                let d = if chain.is_empty() { g.default } else { default };
                out.push((role.clone(), c.clone(), d, first_ptr.clone()));
                queue.push((role, c, d, first_ptr));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn path(
        &mut self,
        id: &str,
        entitlement: &str,
        target: &str,
        schema: Option<&str>,
        rows: &[&Row],
        via: Option<&(Vec<String>, bool, String)>,
        lifetime: &(CredentialLifetime, Decision),
    ) {
        let level = match schema {
            Some(s) => Level::Schema(s),
            None => Level::Global,
        };
        let mut names: Vec<String> = rows
            .iter()
            .map(|r| {
                let p = &r.privilege;
                p.split(" (").next().unwrap_or(p).to_string()
            })
            .collect();
        if rows.iter().any(|r| r.grantable) {
            names.push("GRANT OPTION".into());
        }
        let (privilege, why) = self
            .catalogue
            .strongest(names.iter().map(String::as_str), level);
        let listed: Vec<&str> = rows.iter().map(|r| r.privilege.as_str()).collect();
        let mut excerpt = format!("{} ON {target}", listed.join(", "));
        if excerpt.len() > 300 {
            excerpt = format!(
                "{}… ({} privileges) ON {target}",
                // Identifiers may be any Unicode: cut on a character boundary.
                &excerpt[..excerpt.floor_char_boundary(240)],
                listed.len()
            );
        }
        let mut evidence = vec![self.ev(rows[0].pointer.clone()).with_excerpt(excerpt)];
        let enforcement_reason = match via {
            None => "MySQL and MariaDB grants have no expiry: the privilege stays until REVOKE"
                .to_string(),
            Some((chain, default, first)) => {
                evidence.push(self.ev(first.clone()));
                let how = if *default {
                    "active at login (a default role)"
                } else {
                    "not a default role, but the account can activate it itself with SET ROLE, without approval"
                };
                let through = if chain.len() > 1 {
                    format!(" through {}", chain[..chain.len() - 1].join(" → "))
                } else {
                    String::new()
                };
                format!(
                    "role granted{through}, {how}; role grants have no expiry: they stay until REVOKE"
                )
            }
        };
        self.inv.access_paths.push(AccessPath {
            id: (fingerprint(&["mysql", &self.scope, id, entitlement, target])).into(),
            identity: id.into(),
            boundary: BOUNDARY,
            scope: Text::from(&self.scope),
            entitlement: entitlement.into(),
            target: target.into(),
            privilege,
            enforcement: Enforcement::Standing,
            credential_lifetime: lifetime.0,
            window: None,
            basis: Basis {
                privilege: Decision::new("mysql.privilege.catalogue", why),
                enforcement: Decision::new("mysql.enforcement.no-expiry", enforcement_reason),
                credential_lifetime: lifetime.1.clone(),
            },
            evidence,
        });
    }
}
