//! `catalog.json`: the catalog rows of one MySQL or MariaDB server, in one neutral shape
//! for both flavours (the collector maps MySQL 8's `mysql.user`/`mysql.role_edges` and
//! MariaDB's `mysql.global_priv`/`mysql.roles_mapping` into it).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// `mariadb` or `mysql`.
    pub flavor: String,
    #[serde(default)]
    pub version: String,
    /// `CURRENT_USER()` of the reader, `user@host`.
    #[serde(default)]
    pub current_user: Option<String>,
    /// The reader holds PROCESS: `processlist` lists every session, not only its own.
    #[serde(default)]
    pub can_see_all_processes: bool,
    /// `@@default_password_lifetime` in days (0 = never); null when it could not be read.
    #[serde(default)]
    pub default_password_lifetime: Option<i64>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub role_grants: Vec<RoleGrant>,
    #[serde(default)]
    pub global_privileges: Vec<GlobalPrivilege>,
    #[serde(default)]
    pub schema_privileges: Vec<SchemaPrivilege>,
    #[serde(default)]
    pub table_privileges: Vec<TablePrivilege>,
    #[serde(default)]
    pub processlist: Vec<Process>,
    /// Reads that failed while collecting (kept so a saved snapshot stays `partial`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// How the collector's connection was protected (absent in documents written before it
    /// was recorded, or by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<crate::model::ScopeConnection>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub user: String,
    pub host: String,
    #[serde(default)]
    pub account_locked: Option<bool>,
    /// Expired explicitly (`ALTER USER … PASSWORD EXPIRE`); expiry by lifetime is computed.
    #[serde(default)]
    pub password_expired: Option<bool>,
    /// Days; 0 = never expires; null = the server's `default_password_lifetime`.
    #[serde(default)]
    pub password_lifetime: Option<i64>,
    /// RFC 3339.
    #[serde(default)]
    pub password_last_changed: Option<String>,
    #[serde(default)]
    pub plugin: Option<String>,
    #[serde(default)]
    pub is_role: bool,
}

/// `role` is granted to `grantee` (MySQL 8 `role_edges`: FROM = role, TO = grantee).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role_user: String,
    #[serde(default)]
    pub role_host: String,
    pub grantee_user: String,
    #[serde(default)]
    pub grantee_host: String,
    #[serde(default)]
    pub admin_option: bool,
    /// Active at login (a default role, or `activate_all_roles_on_login`).
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GlobalPrivilege {
    pub grantee_user: String,
    #[serde(default)]
    pub grantee_host: String,
    pub privilege: String,
    #[serde(default)]
    pub grantable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaPrivilege {
    pub grantee_user: String,
    #[serde(default)]
    pub grantee_host: String,
    pub schema: String,
    pub privilege: String,
    #[serde(default)]
    pub grantable: bool,
}

/// Table privileges aggregated per grantee, schema and privilege.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TablePrivilege {
    pub grantee_user: String,
    #[serde(default)]
    pub grantee_host: String,
    pub schema: String,
    pub privilege: String,
    /// How many tables of the schema carry it.
    #[serde(default)]
    pub count: u64,
}

/// One row of `information_schema.PROCESSLIST` (without `INFO`, the statement text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Process {
    pub id: u64,
    #[serde(default)]
    pub user: String,
    /// Client host, `ip:port` over TCP or `localhost` over the socket.
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub db: Option<String>,
    #[serde(default)]
    pub command: String,
    /// Seconds in the current state.
    #[serde(default)]
    pub time: Option<i64>,
    #[serde(default)]
    pub state: Option<String>,
}

/// `'user'@'host'` (information_schema GRANTEE) → (user, host); quotes doubled inside.
/// A bare `'role'` (no host) gives an empty host.
pub(crate) fn parse_grantee(text: &str) -> Option<(String, String)> {
    let (user, rest) = quoted(text.trim(), '\'')?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some((user, String::new()));
    }
    let rest = rest.strip_prefix('@')?;
    let (host, tail) = quoted(rest.trim_start(), '\'')?;
    tail.trim().is_empty().then_some((user, host))
}

/// `` `user`@`host` `` or `` `role` `` (SHOW GRANTS, CURRENT_ROLE()) → (user, host).
pub(crate) fn parse_backticked(text: &str) -> Option<(String, String)> {
    let t = text.trim();
    let (user, rest) = quoted(t, '`').or_else(|| quoted(t, '\''))?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Some((user, String::new()));
    }
    let rest = rest.strip_prefix('@')?.trim_start();
    let (host, tail) = quoted(rest, '`').or_else(|| quoted(rest, '\''))?;
    tail.trim().is_empty().then_some((user, host))
}

/// A quoted token at the start of `text` (the quote doubled inside) and what follows it.
fn quoted(text: &str, q: char) -> Option<(String, &str)> {
    let body = text.strip_prefix(q)?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == q {
            if chars.peek().map(|(_, n)| *n) == Some(q) {
                out.push(q);
                chars.next();
                continue;
            }
            return Some((out, &body[i + c.len_utf8()..]));
        }
        out.push(c);
    }
    None
}

/// `user@host` as CURRENT_USER() prints it → (user, host), split at the last `@`.
pub(crate) fn split_user_host(text: &str) -> Option<(String, String)> {
    let (u, h) = text.rsplit_once('@')?;
    Some((u.to_string(), h.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grantees() {
        assert_eq!(
            parse_grantee("'svc_etl'@'%'"),
            Some(("svc_etl".into(), "%".into()))
        );
        assert_eq!(
            parse_grantee("'r_write'@''"),
            Some(("r_write".into(), "".into()))
        );
        assert_eq!(
            parse_grantee("'o''brien'@'10.0.%'"),
            Some(("o'brien".into(), "10.0.%".into()))
        );
        assert_eq!(parse_grantee("'r'"), Some(("r".into(), "".into())));
        assert_eq!(parse_grantee("svc@%"), None);
        assert_eq!(
            parse_backticked("`r_read`@`%`"),
            Some(("r_read".into(), "%".into()))
        );
        assert_eq!(parse_backticked("`a``b`"), Some(("a`b".into(), "".into())));
        assert_eq!(
            split_user_host("jg@reader@127.0.0.1"),
            Some(("jg@reader".into(), "127.0.0.1".into()))
        );
    }
}
