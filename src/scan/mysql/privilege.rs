//! Privilege tiers from the `[catalogue]` of `rules/mysql.toml` (pure).

use crate::model::Privilege;
use serde::Deserialize;

/// `[catalogue]` of `rules/mysql.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MysqlCatalogue {
    /// Privileges that take over the server or let the holder grant itself more.
    pub admin: Vec<String>,
    /// Privileges that change data, schema objects or the server's state.
    pub write: Vec<String>,
    /// Privileges that only read. A name in none of the lists is `unknown` (fail closed).
    pub read: Vec<String>,
    /// The schema holding the grant tables.
    #[serde(default = "grant_tables_schema")]
    pub grant_tables_schema: String,
    /// Table privileges that, held ON *.* or on the grant-tables schema, are admin: the
    /// holder can edit the grant tables and so grant itself anything.
    #[serde(default)]
    pub grant_table_writes: Vec<String>,
    /// Built-in accounts (`user@host`) the server creates locked: no revocation is judged on them.
    #[serde(default)]
    pub system_accounts: Vec<String>,
}

fn grant_tables_schema() -> String {
    "mysql".into()
}

impl Default for MysqlCatalogue {
    fn default() -> Self {
        MysqlCatalogue {
            admin: vec![],
            write: vec![],
            read: vec![],
            grant_tables_schema: grant_tables_schema(),
            grant_table_writes: vec![],
            system_accounts: vec![],
        }
    }
}

/// Where a privilege applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level<'a> {
    /// `ON *.*`: every schema, the grant tables included.
    Global,
    /// `ON db.*` or tables of `db`.
    Schema(&'a str),
}

fn norm(p: &str) -> String {
    p.trim().to_ascii_uppercase().replace('_', " ")
}

impl MysqlCatalogue {
    fn listed(list: &[String], p: &str) -> bool {
        let p = norm(p);
        list.iter().any(|x| norm(x) == p)
    }

    /// The tier of one privilege at a level. A grant-table write (globally, or on the `mysql`
    /// schema) is admin; below the global level nothing else is more than write.
    pub fn tier(&self, privilege: &str, level: Level<'_>) -> Privilege {
        let base = if Self::listed(&self.admin, privilege) {
            Privilege::Admin
        } else if Self::listed(&self.write, privilege) {
            Privilege::Write
        } else if Self::listed(&self.read, privilege) {
            Privilege::Read
        } else {
            Privilege::Unknown
        };
        let on_grant_tables = match level {
            Level::Global => true,
            Level::Schema(s) => s.eq_ignore_ascii_case(&self.grant_tables_schema),
        };
        if on_grant_tables && Self::listed(&self.grant_table_writes, privilege) {
            return Privilege::Admin;
        }
        match (base, level) {
            (Privilege::Admin, Level::Schema(_)) => Privilege::Write,
            (t, _) => t,
        }
    }

    /// The strongest tier of a group of privileges, with the words for the basis.
    pub fn strongest<'p>(
        &self,
        privileges: impl IntoIterator<Item = &'p str>,
        level: Level<'_>,
    ) -> (Privilege, String) {
        let mut best = Privilege::Read;
        let mut by_tier: Vec<(Privilege, String)> = Vec::new();
        for p in privileges {
            let t = self.tier(p, level);
            if t.rank() > best.rank() {
                best = t;
            }
            by_tier.push((t, p.to_string()));
        }
        let mut named: Vec<String> = by_tier
            .iter()
            .filter(|(t, _)| *t == best)
            .map(|(_, p)| p.clone())
            .collect();
        named.sort();
        named.dedup();
        let shown = if named.len() > 6 {
            format!("{} and {} more", named[..6].join(", "), named.len() - 6)
        } else {
            named.join(", ")
        };
        let why = match (best, level) {
            (Privilege::Unknown, _) => {
                format!("{shown}: not in the rules/mysql.toml catalogue (counted as privileged)")
            }
            (Privilege::Admin, Level::Global)
                if !by_tier.iter().any(|(_, p)| Self::listed(&self.admin, p)) =>
            {
                format!(
                    "{shown} on *.* includes the grant tables: the holder can edit its own grants"
                )
            }
            (Privilege::Admin, Level::Schema(_)) => format!(
                "{shown} on the `{}` schema: the holder can edit the grant tables",
                self.grant_tables_schema
            ),
            (t, _) => format!("{shown} ({t} in rules/mysql.toml)"),
        };
        (best, why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> MysqlCatalogue {
        MysqlCatalogue {
            admin: vec!["SUPER".into(), "CREATE USER".into(), "SYSTEM_USER".into()],
            write: vec!["INSERT".into(), "UPDATE".into()],
            read: vec!["SELECT".into(), "PROCESS".into()],
            grant_tables_schema: "mysql".into(),
            grant_table_writes: vec!["INSERT".into(), "UPDATE".into()],
            system_accounts: vec![],
        }
    }

    #[test]
    fn tiers() {
        let c = cat();
        assert_eq!(c.tier("SUPER", Level::Global), Privilege::Admin);
        assert_eq!(c.tier("system user", Level::Global), Privilege::Admin);
        assert_eq!(c.tier("INSERT", Level::Global), Privilege::Admin);
        assert_eq!(c.tier("INSERT", Level::Schema("app")), Privilege::Write);
        assert_eq!(c.tier("INSERT", Level::Schema("mysql")), Privilege::Admin);
        assert_eq!(c.tier("SELECT", Level::Schema("mysql")), Privilege::Read);
        assert_eq!(c.tier("PROCESS", Level::Global), Privilege::Read);
        assert_eq!(c.tier("SUPER", Level::Schema("app")), Privilege::Write);
        assert_eq!(
            c.tier("NEW_DYNAMIC_ADMIN", Level::Global),
            Privilege::Unknown
        );
        let (t, why) = c.strongest(["SELECT", "INSERT"], Level::Schema("app"));
        assert_eq!(t, Privilege::Write);
        assert!(why.starts_with("INSERT"), "{why}");
        let (t, _) = c.strongest(["SELECT"], Level::Global);
        assert_eq!(t, Privilege::Read);
    }
}
