//! The privilege a login role holds, as one access-path draft per entitlement: its own role
//! attributes, attributes reached by `SET ROLE`, predefined roles it is a member of, and the
//! object grants it holds itself, through a group, or through PUBLIC.

use super::catalog::Catalog;
use super::membership::{Graph, Reach};
use crate::model::{Evidence, Privilege};
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[catalogue]` of `rules/postgres.toml`. Anything not listed is `unknown` (never a pass).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PgCatalogue {
    /// Role attribute (`SUPERUSER`, `CREATEROLE`, …) → tier.
    #[serde(default)]
    pub attributes: BTreeMap<String, Privilege>,
    /// Predefined role (`pg_write_all_data`, …) → tier. Any other `pg_*` role is `unknown`.
    #[serde(default)]
    pub predefined_roles: BTreeMap<String, Privilege>,
    /// Object privileges that change data or structure.
    #[serde(default)]
    pub write_privileges: Vec<String>,
    /// Object privileges that only read or connect.
    #[serde(default)]
    pub read_privileges: Vec<String>,
    /// pg_hba.conf methods that check the role's password, and so honour VALID UNTIL.
    #[serde(default)]
    pub password_auth_methods: Vec<String>,
}

impl PgCatalogue {
    pub fn word(&self, w: &str) -> Privilege {
        let is = |list: &[String]| list.iter().any(|x| x.eq_ignore_ascii_case(w));
        if is(&self.write_privileges) {
            Privilege::Write
        } else if is(&self.read_privileges) {
            Privilege::Read
        } else {
            Privilege::Unknown
        }
    }

    fn attribute(&self, a: &str) -> Privilege {
        self.attributes
            .get(a)
            .copied()
            .unwrap_or(Privilege::Unknown)
    }

    fn predefined(&self, name: &str) -> Option<Privilege> {
        match self.predefined_roles.get(name) {
            Some(t) => Some(*t),
            None if name.starts_with("pg_") => Some(Privilege::Unknown),
            None => None,
        }
    }
}

/// An access path before its enforcement and credential verdicts are known.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub entitlement: String,
    pub privilege: Privilege,
    pub rule: &'static str,
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

struct Item {
    pointer: String,
    word: String,
    what: String,
}

/// Evidence pointers kept per path; the reason still names every grant.
const MAX_EVIDENCE: usize = 12;
const MAX_ITEMS_IN_REASON: usize = 8;

pub(crate) struct Privileges<'a> {
    cat: &'a Catalog,
    graph: &'a Graph<'a>,
    catalogue: &'a PgCatalogue,
    source: &'a str,
    by_holder: BTreeMap<String, Vec<Item>>,
}

/// The role's attributes as `(keyword, pg_roles column)`. A superuser bypasses every
/// permission check, so SUPERUSER alone stands for all the others.
fn attributes(r: &super::catalog::Role) -> Vec<(&'static str, &'static str)> {
    if r.rolsuper {
        return vec![("SUPERUSER", "rolsuper")];
    }
    [
        ("SUPERUSER", "rolsuper", r.rolsuper),
        ("CREATEROLE", "rolcreaterole", r.rolcreaterole),
        ("BYPASSRLS", "rolbypassrls", r.rolbypassrls),
        ("REPLICATION", "rolreplication", r.rolreplication),
        ("CREATEDB", "rolcreatedb", r.rolcreatedb),
    ]
    .into_iter()
    .filter(|(_, _, on)| *on)
    .map(|(a, col, _)| (a, col))
    .collect()
}

impl<'a> Privileges<'a> {
    pub fn new(
        cat: &'a Catalog,
        graph: &'a Graph<'a>,
        catalogue: &'a PgCatalogue,
        source: &'a str,
    ) -> Self {
        let mut by_holder: BTreeMap<String, Vec<Item>> = BTreeMap::new();
        for (i, g) in cat.table_grants.iter().flatten().enumerate() {
            let n = g.table_count.unwrap_or(1).max(1);
            let names = g
                .table_names
                .clone()
                .or_else(|| g.table_name.clone().map(|t| vec![t]))
                .unwrap_or_default();
            let shown = names.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
            let more = if (names.len() as i64) < n || names.len() > 3 {
                ", …"
            } else {
                ""
            };
            let plural = if n == 1 { "table" } else { "tables" };
            by_holder.entry(g.grantee.clone()).or_default().push(Item {
                pointer: format!("/table_grants/{i}"),
                word: g.privilege_type.to_ascii_uppercase(),
                what: format!("{n} {plural} in schema {} ({shown}{more})", g.table_schema),
            });
        }
        for (i, g) in cat.schema_grants.iter().flatten().enumerate() {
            by_holder.entry(g.grantee.clone()).or_default().push(Item {
                pointer: format!("/schema_grants/{i}"),
                word: g.privilege.to_ascii_uppercase(),
                what: format!("schema {}", g.schema),
            });
        }
        for (i, g) in cat.database_grants.iter().flatten().enumerate() {
            by_holder.entry(g.grantee.clone()).or_default().push(Item {
                pointer: format!("/database_grants/{i}"),
                word: g.privilege.to_ascii_uppercase(),
                what: format!("database {}", g.datname),
            });
        }
        Privileges {
            cat,
            graph,
            catalogue,
            source,
            by_holder,
        }
    }

    fn ev(&self, pointer: String) -> Evidence {
        Evidence::new(self.source, pointer)
    }

    fn chain_ev(&self, chain: &[usize]) -> Vec<Evidence> {
        chain
            .iter()
            .map(|row| self.ev(format!("/auth_members/{row}")))
            .collect()
    }

    /// Every draft path of login role `login` (an index into `roles`).
    pub fn drafts(&self, login: usize) -> Vec<Draft> {
        let roles = self.cat.roles.as_deref().unwrap_or_default();
        let me = &roles[login];
        let mut out = Vec::new();
        let superuser = me.rolsuper;
        for (attr, col) in attributes(me) {
            out.push(Draft {
                entitlement: format!("attribute:{attr}"),
                privilege: self.catalogue.attribute(attr),
                rule: "pg.privilege.attribute",
                reason: if superuser {
                    "role attribute SUPERUSER: every permission check is bypassed, so its other attributes, memberships and grants add nothing".to_string()
                } else {
                    format!("role attribute {attr}")
                },
                evidence: vec![
                    self.ev(format!("/roles/{login}"))
                        .with_excerpt(format!("{}: {col} = true", me.rolname)),
                ],
            });
        }
        if superuser {
            return out;
        }
        let reach = self.graph.reach(login);
        for r in &reach {
            self.via_group(login, r, &mut out);
        }
        if let Some(d) = self.grants_draft(me.rolname.as_str(), "grants", &[], None) {
            out.push(d);
        }
        for r in &reach {
            let name = roles[r.role].rolname.as_str();
            let how = self.how(login, r);
            let mut ev = vec![self.ev(format!("/roles/{}", r.role))];
            ev.extend(self.chain_ev(r.chain()));
            if let Some(d) =
                self.grants_draft(name, &format!("grants via group:{name}"), &ev, Some(&how))
            {
                out.push(d);
            }
        }
        if let Some(d) = self.grants_draft("PUBLIC", "grants via PUBLIC", &[], None)
            && d.privilege.is_privileged()
        {
            out.push(d);
        }
        out
    }

    /// `member of X (svc → a → X)`, noting when only `SET ROLE` reaches it.
    fn how(&self, login: usize, r: &Reach) -> String {
        let chain = self.graph.describe(login, r.chain());
        if r.inherit_chain.is_some() {
            format!("inherited through {chain}")
        } else {
            format!(
                "through {chain}, usable after SET ROLE (a grant on the chain does not inherit)"
            )
        }
    }

    fn via_group(&self, login: usize, r: &Reach, out: &mut Vec<Draft>) {
        let roles = self.cat.roles.as_deref().unwrap_or_default();
        let group = &roles[r.role];
        if let Some(tier) = self.catalogue.predefined(&group.rolname) {
            let mut evidence = self.chain_ev(r.chain());
            evidence.push(self.ev(format!("/roles/{}", r.role)));
            out.push(Draft {
                entitlement: format!("role:{}", group.rolname),
                privilege: tier,
                rule: "pg.privilege.predefined-role",
                reason: format!(
                    "member of predefined role {}, {}",
                    group.rolname,
                    self.how(login, r)
                ),
                evidence,
            });
        }
        let Some(set_chain) = &r.set_chain else {
            return; // attributes are used through SET ROLE only
        };
        for (attr, col) in attributes(group) {
            let mut evidence = vec![
                self.ev(format!("/roles/{}", r.role))
                    .with_excerpt(format!("{}: {col} = true", group.rolname)),
            ];
            evidence.extend(self.chain_ev(set_chain));
            out.push(Draft {
                entitlement: format!("attribute:{attr} via group:{}", group.rolname),
                privilege: self.catalogue.attribute(attr),
                rule: "pg.privilege.attribute-via-set-role",
                reason: format!(
                    "SET ROLE {} gives role attribute {attr} ({})",
                    group.rolname,
                    self.graph.describe(login, set_chain)
                ),
                evidence,
            });
        }
    }

    fn grants_draft(
        &self,
        holder: &str,
        entitlement: &str,
        lead: &[Evidence],
        how: Option<&str>,
    ) -> Option<Draft> {
        let items = self.by_holder.get(holder)?;
        let mut ranked: Vec<(Privilege, &Item)> = items
            .iter()
            .map(|it| (self.catalogue.word(&it.word), it))
            .collect();
        ranked.sort_by_key(|(p, _)| std::cmp::Reverse(p.rank()));
        let privilege = ranked.iter().map(|(p, _)| *p).max_by_key(|p| p.rank())?;
        let mut parts: Vec<String> = ranked
            .iter()
            .take(MAX_ITEMS_IN_REASON)
            .map(|(p, it)| {
                let unknown = if *p == Privilege::Unknown {
                    " (not in the rules/postgres.toml catalogue)"
                } else {
                    ""
                };
                format!("{} on {}{unknown}", it.word, it.what)
            })
            .collect();
        if ranked.len() > MAX_ITEMS_IN_REASON {
            parts.push(format!("and {} more", ranked.len() - MAX_ITEMS_IN_REASON));
        }
        let whose = match (holder, how) {
            ("PUBLIC", _) => "granted to PUBLIC (every role)".to_string(),
            (_, Some(how)) => format!("held by {holder}, {how}"),
            _ => "held directly (grants and ownership)".to_string(),
        };
        let mut evidence = lead.to_vec();
        evidence.extend(
            ranked
                .iter()
                .take(MAX_EVIDENCE)
                .map(|(_, it)| self.ev(it.pointer.clone())),
        );
        Some(Draft {
            entitlement: entitlement.to_string(),
            privilege,
            rule: "pg.privilege.grants",
            reason: format!("{whose}: {}", parts.join("; ")),
            evidence,
        })
    }
}
