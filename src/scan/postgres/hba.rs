//! pg_hba.conf rules that let a role in without its password, so VALID UNTIL does not bind it.
//! "The expiration time is not enforced when logging in using a non-password-based
//! authentication method" (CREATE ROLE, Notes).

use super::catalog::{HbaRule, Role};
use super::membership::Graph;
use super::privilege::PgCatalogue;

/// The first rule (in file order) with a method that does not check the password and whose
/// user column can match `role`: `(index into hba_rules, the rule)`.
pub(crate) fn bypass<'r>(
    rules: &'r [HbaRule],
    roles: &[Role],
    role: usize,
    graph: &Graph<'_>,
    catalogue: &PgCatalogue,
) -> Option<(usize, &'r HbaRule)> {
    let me = &roles[role];
    rules.iter().enumerate().find(|(_, r)| {
        let Some(method) = r.auth_method.as_deref() else {
            return false;
        };
        let password = catalogue
            .password_auth_methods
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method));
        if r.error.is_some() || password || method.eq_ignore_ascii_case("reject") {
            return false;
        }
        let databases = r.database.as_deref().unwrap_or_default();
        // A replication-only line lets in replication connections, which need REPLICATION.
        if !databases.is_empty()
            && databases.iter().all(|d| d == "replication")
            && !me.rolreplication
            && !me.rolsuper
        {
            return false;
        }
        r.user_name
            .as_deref()
            .unwrap_or_default()
            .iter()
            .any(|u| user_matches(u, me, role, graph))
    })
}

fn user_matches(pattern: &str, me: &Role, role: usize, graph: &Graph<'_>) -> bool {
    if pattern == "all" || pattern == me.rolname {
        return true;
    }
    if let Some(group) = pattern.strip_prefix('+') {
        return graph
            .by_name(group)
            .is_some_and(|g| graph.is_member(role, g));
    }
    if let Some(re) = pattern.strip_prefix('/') {
        // PostgreSQL 16 regular expressions; one this crate cannot compile counts as a
        // possible match, so the risk is shown rather than hidden.
        return regex::Regex::new(re).map_or(true, |re| re.is_match(&me.rolname));
    }
    false
}

/// `pg_hba.conf line 97: host all all 10.0.0.0/8 trust`
pub(crate) fn describe(r: &HbaRule) -> String {
    let line = r
        .line_number
        .map(|n| format!("line {n}"))
        .unwrap_or_else(|| "a line".into());
    let mut parts = vec![r.conn_type.clone().unwrap_or_default()];
    parts.push(r.database.clone().unwrap_or_default().join(","));
    parts.push(r.user_name.clone().unwrap_or_default().join(","));
    if let Some(a) = &r.address {
        parts.push(a.clone());
    }
    if let Some(m) = &r.netmask {
        parts.push(m.clone());
    }
    parts.push(r.auth_method.clone().unwrap_or_default());
    format!("pg_hba.conf {line}: {}", parts.join(" "))
}
