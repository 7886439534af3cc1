//! Flavour-specific rows → catalog: MariaDB's `mysql.user` view, `mysql.global_priv` JSON
//! keys, `mysql.roles_mapping` and `SHOW GRANTS FOR <role>`; MySQL 8's `mysql.user`,
//! `mysql.role_edges` (FROM = role, TO = grantee) and `mysql.default_roles` (pure).

use super::catalog::*;
use super::rows::{
    Q_DEFAULT_ROLES, Q_GLOBAL_PRIV, Q_ROLE_EDGES, Q_ROLE_SETTINGS, Q_ROLE_SHOW_GRANTS,
    Q_ROLES_MAPPING, Q_USER, QueryRows, Row, epoch_to_rfc3339, flag, int, text,
};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn mariadb_accounts(rows: &QueryRows, cat: &mut Catalog) {
    let key = |r: &Row| {
        (
            text(r, "user").unwrap_or_default(),
            text(r, "host").unwrap_or_default(),
        )
    };
    let state: BTreeMap<(String, String), &Row> = rows
        .get(Q_GLOBAL_PRIV)
        .map(|rs| rs.iter().map(|r| (key(r), r)).collect())
        .unwrap_or_default();
    let view = rows.get(Q_USER);
    // Accounts from the mysql.user view; from global_priv alone when the view was unreadable.
    let mut listed: Vec<(String, String, Option<&Row>)> = match view {
        Some(rs) => rs
            .iter()
            .map(|r| {
                let (u, h) = key(r);
                (u, h, Some(r))
            })
            .collect(),
        None => state
            .keys()
            .map(|(u, h)| (u.clone(), h.clone(), None))
            .collect(),
    };
    listed.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut defaults: BTreeMap<(String, String), String> = BTreeMap::new();
    for (user, host, v) in listed {
        let st = state.get(&(user.clone(), host.clone())).copied();
        let is_role = v
            .and_then(|r| flag(r, "is_role"))
            .unwrap_or(host.is_empty());
        // password_last_changed 0 is MariaDB's mark of `PASSWORD EXPIRE`.
        let changed = st.and_then(|r| int(r, "password_last_changed"));
        let explicit_expiry = changed == Some(0);
        let expired = v
            .and_then(|r| flag(r, "password_expired"))
            .map(|e| e || explicit_expiry)
            .or(changed.map(|_| explicit_expiry));
        if let Some(role) = v
            .and_then(|r| text(r, "default_role"))
            .filter(|d| !d.is_empty())
        {
            defaults.insert((user.clone(), host.clone()), role);
        }
        cat.accounts.push(Account {
            account_locked: st.map(|r| flag(r, "account_locked").unwrap_or(false)),
            password_expired: if is_role { None } else { expired },
            // -1 and absent both mean "the server default".
            password_lifetime: st
                .and_then(|r| int(r, "password_lifetime"))
                .filter(|d| *d >= 0),
            password_last_changed: changed.filter(|c| *c > 0).and_then(epoch_to_rfc3339),
            plugin: v.and_then(|r| text(r, "plugin")),
            is_role,
            user,
            host,
        });
    }
    for r in rows.get(Q_ROLES_MAPPING).into_iter().flatten() {
        let (user, host) = key(r);
        let role = text(r, "role").unwrap_or_default();
        cat.role_grants.push(RoleGrant {
            default: defaults.get(&(user.clone(), host.clone())) == Some(&role),
            role_user: role,
            role_host: String::new(),
            grantee_user: user,
            grantee_host: host,
            admin_option: flag(r, "admin_option").unwrap_or(false),
        });
    }
    // Global privileges of roles: MariaDB's USER_PRIVILEGES leaves roles out.
    let mut seen = BTreeSet::new();
    for r in rows.get(Q_ROLE_SHOW_GRANTS).into_iter().flatten() {
        for line in r.values().filter_map(|v| v.as_str()) {
            for p in parse_global_grant_line(line) {
                if seen.insert((p.grantee_user.clone(), p.privilege.clone())) {
                    cat.global_privileges.push(p);
                }
            }
        }
    }
}

/// `GRANT PROCESS, RELOAD ON *.* TO `r` [WITH GRANT OPTION]` → one row per privilege.
/// Lines about schemas, tables or role membership give nothing.
pub(crate) fn parse_global_grant_line(line: &str) -> Vec<GlobalPrivilege> {
    let Some(rest) = line.trim().strip_prefix("GRANT ") else {
        return vec![];
    };
    let Some((privs, to)) = rest.split_once(" ON *.* TO ") else {
        return vec![];
    };
    let (grantee, tail) = match to.find(" WITH ") {
        Some(i) => (&to[..i], &to[i..]),
        None => (to, ""),
    };
    let Some((user, host)) = parse_backticked(grantee.trim()) else {
        return vec![];
    };
    let grantable = tail.contains("GRANT OPTION");
    privs
        .split(',')
        .map(|p| p.trim().to_ascii_uppercase())
        .filter(|p| !p.is_empty() && p != "USAGE")
        .map(|privilege| GlobalPrivilege {
            grantee_user: user.clone(),
            grantee_host: host.clone(),
            privilege,
            grantable,
        })
        .collect()
}

/// (user, host)
type Pair = (String, String);

pub(super) fn mysql_accounts(rows: &QueryRows, cat: &mut Catalog) {
    let pair = |r: &Row, u: &str, h: &str| {
        (
            text(r, u).unwrap_or_default(),
            text(r, h).unwrap_or_default(),
        )
    };
    // role_edges: FROM is the role, TO the grantee.
    let edges: Vec<(&Row, Pair, Pair)> = rows
        .get(Q_ROLE_EDGES)
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r,
                pair(r, "from_user", "from_host"),
                pair(r, "to_user", "to_host"),
            )
        })
        .collect();
    let defaults: BTreeSet<(Pair, Pair)> = rows
        .get(Q_DEFAULT_ROLES)
        .into_iter()
        .flatten()
        .map(|r| {
            (
                pair(r, "user", "host"),
                pair(r, "default_role_user", "default_role_host"),
            )
        })
        .collect();
    let settings = rows.get(Q_ROLE_SETTINGS).and_then(|r| r.first());
    let all_active = settings
        .and_then(|r| flag(r, "activate_all_roles_on_login"))
        .unwrap_or(false);
    let mandatory: Vec<(String, String)> = settings
        .and_then(|r| text(r, "mandatory_roles"))
        .map(|m| parse_role_list(&m))
        .unwrap_or_default();
    let roles: BTreeSet<(String, String)> = edges
        .iter()
        .map(|(_, from, _)| from.clone())
        .chain(defaults.iter().map(|(_, role)| role.clone()))
        .chain(mandatory.iter().cloned())
        .collect();
    for r in rows.get(Q_USER).into_iter().flatten() {
        let (user, host) = pair(r, "user", "host");
        let is_role = roles.contains(&(user.clone(), host.clone()));
        cat.accounts.push(Account {
            account_locked: flag(r, "account_locked"),
            password_expired: if is_role {
                None
            } else {
                flag(r, "password_expired")
            },
            password_lifetime: int(r, "password_lifetime"),
            password_last_changed: int(r, "password_last_changed")
                .filter(|c| *c > 0)
                .and_then(epoch_to_rfc3339),
            plugin: text(r, "plugin"),
            is_role,
            user,
            host,
        });
    }
    for (r, role, grantee) in &edges {
        cat.role_grants.push(RoleGrant {
            role_user: role.0.clone(),
            role_host: role.1.clone(),
            grantee_user: grantee.0.clone(),
            grantee_host: grantee.1.clone(),
            admin_option: flag(r, "with_admin_option").unwrap_or(false),
            default: all_active || defaults.contains(&(grantee.clone(), role.clone())),
        });
    }
    // Mandatory roles are granted to every account.
    let logins: Vec<(String, String)> = cat
        .accounts
        .iter()
        .filter(|a| !a.is_role)
        .map(|a| (a.user.clone(), a.host.clone()))
        .collect();
    for role in &mandatory {
        for (user, host) in &logins {
            cat.role_grants.push(RoleGrant {
                role_user: role.0.clone(),
                role_host: role.1.clone(),
                grantee_user: user.clone(),
                grantee_host: host.clone(),
                admin_option: false,
                default: all_active,
            });
        }
    }
}

/// `` `r1`@`%`,r2@localhost,r3 `` (mandatory_roles, CURRENT_ROLE()) → (user, host) pairs;
/// `NONE` and empty give none. A role without a host is `%`-hosted in MySQL.
pub(crate) fn parse_role_list(text: &str) -> Vec<(String, String)> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        return vec![];
    }
    t.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let s = s.trim();
            parse_backticked(s).unwrap_or_else(|| match s.split_once('@') {
                Some((u, h)) => (u.to_string(), h.to_string()),
                None => (s.to_string(), String::new()),
            })
        })
        .map(|(u, h)| {
            let h = if h.is_empty() { "%".to_string() } else { h };
            (u, h)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_lines_and_role_lists() {
        let p =
            parse_global_grant_line("GRANT PROCESS, RELOAD ON *.* TO `r_outer` WITH GRANT OPTION");
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|p| p.grantee_user == "r_outer" && p.grantable));
        assert!(parse_global_grant_line("GRANT SELECT ON `app`.* TO `r`").is_empty());
        assert!(parse_global_grant_line("GRANT `r_write` TO `r_outer`").is_empty());
        assert!(parse_global_grant_line("GRANT USAGE ON *.* TO `r`").is_empty());
        assert_eq!(
            parse_role_list("`r1`@`%`,`r2`@`localhost`"),
            vec![("r1".into(), "%".into()), ("r2".into(), "localhost".into())]
        );
        assert_eq!(parse_role_list("r3"), vec![("r3".into(), "%".into())]);
        assert!(parse_role_list("NONE").is_empty());
    }
}
