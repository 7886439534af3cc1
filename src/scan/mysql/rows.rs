//! The catalog queries, per flavour, and the pure step that turns their result rows into a
//! [`Catalog`]. Keeping this apart from the connection lets both flavours be tested from
//! fixture rows (`tests/fixtures/mysql/*-rows.json`) without a server.
//!
//! No query selects a password hash: not `authentication_string`, `Password`,
//! `User_attributes` (MySQL 8 keeps a second password there), the whole MariaDB `priv`
//! JSON, nor `SHOW CREATE USER`; `PROCESSLIST.INFO` (statement text) is not selected either.

use super::catalog::*;
use super::flavors;
use chrono::DateTime;
use serde_json::Value;
use std::collections::BTreeMap;

/// One result row, column names lower-cased.
pub type Row = BTreeMap<String, Value>;
/// Result rows by query name; a missing name = the query failed or was not run.
pub type QueryRows = BTreeMap<String, Vec<Row>>;

pub const Q_VERSION: &str = "version";
pub const Q_PASSWORD_LIFETIME: &str = "default_password_lifetime";
pub const Q_CURRENT_ROLE: &str = "current_role";
pub const Q_USER: &str = "user";
pub const Q_GLOBAL_PRIV: &str = "global_priv";
pub const Q_ROLES_MAPPING: &str = "roles_mapping";
pub const Q_ROLE_EDGES: &str = "role_edges";
pub const Q_DEFAULT_ROLES: &str = "default_roles";
pub const Q_ROLE_SETTINGS: &str = "role_settings";
pub const Q_USER_PRIVILEGES: &str = "user_privileges";
pub const Q_SCHEMA_PRIVILEGES: &str = "schema_privileges";
pub const Q_TABLE_PRIVILEGES: &str = "table_privileges";
pub const Q_PROCESSLIST: &str = "processlist";
/// MariaDB only: `SHOW GRANTS FOR <role>` rows, all roles together (roles have no password).
pub const Q_ROLE_SHOW_GRANTS: &str = "role_show_grants";

/// Read first, by every flavour.
pub const VERSION_SQL: &str = "SELECT VERSION() AS version, CURRENT_USER() AS account";

/// (name, SQL, what the reader needs) for both flavours.
pub const COMMON: &[(&str, &str, &str)] = &[
    (
        Q_PASSWORD_LIFETIME,
        "SELECT @@default_password_lifetime AS default_password_lifetime",
        "",
    ),
    (Q_CURRENT_ROLE, "SELECT CURRENT_ROLE() AS active_roles", ""),
    (
        Q_USER_PRIVILEGES,
        "SELECT GRANTEE, PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.USER_PRIVILEGES",
        "SELECT on mysql.* to list other accounts' global privileges",
    ),
    (
        Q_SCHEMA_PRIVILEGES,
        "SELECT GRANTEE, TABLE_SCHEMA, PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.SCHEMA_PRIVILEGES",
        "SELECT on mysql.* to list other accounts' schema privileges",
    ),
    (
        Q_TABLE_PRIVILEGES,
        "SELECT GRANTEE, TABLE_SCHEMA, PRIVILEGE_TYPE, COUNT(*) AS table_count FROM information_schema.TABLE_PRIVILEGES GROUP BY GRANTEE, TABLE_SCHEMA, PRIVILEGE_TYPE",
        "SELECT on mysql.* to list other accounts' table privileges",
    ),
    (
        Q_PROCESSLIST,
        "SELECT ID, USER, HOST, DB, COMMAND, TIME, STATE FROM information_schema.PROCESSLIST",
        "PROCESS to see other accounts' sessions",
    ),
];

pub const MARIADB: &[(&str, &str, &str)] = &[
    (
        Q_USER,
        "SELECT User, Host, plugin, is_role, password_expired, default_role FROM mysql.user",
        "SELECT on mysql.*",
    ),
    (
        Q_GLOBAL_PRIV,
        "SELECT User, Host, JSON_VALUE(Priv, '$.account_locked') AS account_locked, JSON_VALUE(Priv, '$.password_lifetime') AS password_lifetime, JSON_VALUE(Priv, '$.password_last_changed') AS password_last_changed FROM mysql.global_priv",
        "SELECT on mysql.*",
    ),
    (
        Q_ROLES_MAPPING,
        "SELECT Host, User, Role, Admin_option FROM mysql.roles_mapping",
        "SELECT on mysql.*",
    ),
];

pub const MYSQL: &[(&str, &str, &str)] = &[
    (
        Q_USER,
        "SELECT User, Host, plugin, account_locked, password_expired, password_lifetime, UNIX_TIMESTAMP(password_last_changed) AS password_last_changed FROM mysql.user",
        "SELECT on mysql.*",
    ),
    (
        Q_ROLE_EDGES,
        "SELECT FROM_HOST, FROM_USER, TO_HOST, TO_USER, WITH_ADMIN_OPTION FROM mysql.role_edges",
        "SELECT on mysql.*",
    ),
    (
        Q_DEFAULT_ROLES,
        "SELECT HOST, USER, DEFAULT_ROLE_HOST, DEFAULT_ROLE_USER FROM mysql.default_roles",
        "SELECT on mysql.*",
    ),
    (
        Q_ROLE_SETTINGS,
        "SELECT @@activate_all_roles_on_login AS activate_all_roles_on_login, @@mandatory_roles AS mandatory_roles",
        "",
    ),
];

/// `SHOW GRANTS FOR` a MariaDB role (its name quoted as an identifier).
pub fn show_grants_for_role(role: &str) -> String {
    format!("SHOW GRANTS FOR `{}`", role.replace('`', "``"))
}

/// The flavour from `VERSION()`.
pub fn flavor_of(version: &str) -> &'static str {
    if version.to_ascii_lowercase().contains("mariadb") {
        "mariadb"
    } else {
        "mysql"
    }
}

// ---------------------------------------------------------------------------------------
// Value coercion (the text protocol returns most values as strings)

fn get<'a>(row: &'a Row, col: &str) -> Option<&'a Value> {
    row.get(col).filter(|v| !v.is_null())
}

pub(super) fn text(row: &Row, col: &str) -> Option<String> {
    match get(row, col)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn int(row: &Row, col: &str) -> Option<i64> {
    match get(row, col)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().map(|f| f.trunc() as i64)),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

pub(super) fn flag(row: &Row, col: &str) -> Option<bool> {
    match get(row, col)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.trim().to_ascii_uppercase().as_str() {
            "Y" | "YES" | "1" | "TRUE" | "ON" => Some(true),
            "N" | "NO" | "0" | "FALSE" | "OFF" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub(super) fn epoch_to_rfc3339(secs: i64) -> Option<String> {
    DateTime::from_timestamp(secs, 0).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

// ---------------------------------------------------------------------------------------
// Rows → Catalog

/// Build the catalog from the rows read (the [`VERSION_SQL`] row under [`Q_VERSION`]);
/// `errors` are the reads that failed, kept in the document.
pub fn build_catalog(rows: &QueryRows, errors: Vec<String>) -> Catalog {
    let head = rows.get(Q_VERSION).and_then(|r| r.first());
    let version = head.and_then(|r| text(r, "version")).unwrap_or_default();
    let flavor = flavor_of(&version);
    let mut cat = Catalog {
        flavor: flavor.to_string(),
        version,
        current_user: head.and_then(|r| text(r, "account")),
        default_password_lifetime: rows
            .get(Q_PASSWORD_LIFETIME)
            .and_then(|r| r.first())
            .and_then(|r| int(r, "default_password_lifetime")),
        errors,
        ..Default::default()
    };
    if flavor == "mariadb" {
        flavors::mariadb_accounts(rows, &mut cat);
    } else {
        flavors::mysql_accounts(rows, &mut cat);
    }
    privileges(rows, &mut cat);
    cat.processlist = rows
        .get(Q_PROCESSLIST)
        .map(|rs| rs.iter().filter_map(process).collect())
        .unwrap_or_default();
    cat.can_see_all_processes = rows.contains_key(Q_PROCESSLIST)
        && rows.contains_key(Q_USER_PRIVILEGES)
        && holds_process(rows, &cat);
    cat
}

fn process(r: &Row) -> Option<Process> {
    Some(Process {
        id: int(r, "id")?.max(0) as u64,
        user: text(r, "user").unwrap_or_default(),
        host: text(r, "host").unwrap_or_default(),
        db: text(r, "db"),
        command: text(r, "command").unwrap_or_default(),
        time: int(r, "time"),
        state: text(r, "state"),
    })
}

fn privileges(rows: &QueryRows, cat: &mut Catalog) {
    let grantee = |r: &Row| text(r, "grantee").and_then(|g| parse_grantee(&g));
    for r in rows.get(Q_USER_PRIVILEGES).into_iter().flatten() {
        let Some((user, host)) = grantee(r) else {
            continue;
        };
        let privilege = text(r, "privilege_type").unwrap_or_default();
        if privilege.eq_ignore_ascii_case("USAGE") {
            continue;
        }
        cat.global_privileges.push(GlobalPrivilege {
            grantee_user: user,
            grantee_host: host,
            privilege,
            grantable: flag(r, "is_grantable").unwrap_or(false),
        });
    }
    for r in rows.get(Q_SCHEMA_PRIVILEGES).into_iter().flatten() {
        let Some((user, host)) = grantee(r) else {
            continue;
        };
        cat.schema_privileges.push(SchemaPrivilege {
            grantee_user: user,
            grantee_host: host,
            schema: text(r, "table_schema").unwrap_or_default(),
            privilege: text(r, "privilege_type").unwrap_or_default(),
            grantable: flag(r, "is_grantable").unwrap_or(false),
        });
    }
    for r in rows.get(Q_TABLE_PRIVILEGES).into_iter().flatten() {
        let Some((user, host)) = grantee(r) else {
            continue;
        };
        cat.table_privileges.push(TablePrivilege {
            grantee_user: user,
            grantee_host: host,
            schema: text(r, "table_schema").unwrap_or_default(),
            privilege: text(r, "privilege_type").unwrap_or_default(),
            count: int(r, "table_count").unwrap_or(1).max(0) as u64,
        });
    }
}

/// Does the reader (or a role active in its session) hold PROCESS globally?
fn holds_process(rows: &QueryRows, cat: &Catalog) -> bool {
    let Some((user, host)) = cat.current_user.as_deref().and_then(split_user_host) else {
        return false;
    };
    let mut holders = vec![(user, host)];
    let active = rows
        .get(Q_CURRENT_ROLE)
        .and_then(|r| r.first())
        .and_then(|r| text(r, "active_roles"))
        .unwrap_or_default();
    if cat.flavor == "mariadb" {
        if !active.is_empty() {
            holders.push((active, String::new()));
        }
    } else {
        holders.extend(flavors::parse_role_list(&active));
    }
    cat.global_privileges.iter().any(|p| {
        (p.privilege.eq_ignore_ascii_case("PROCESS")
            || p.privilege.eq_ignore_ascii_case("ALL PRIVILEGES"))
            && holders
                .iter()
                .any(|(u, h)| *u == p.grantee_user && *h == p.grantee_host)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> QueryRows {
        let v: BTreeMap<String, Vec<BTreeMap<String, Value>>> =
            serde_json::from_str(text).expect("fixture rows parse");
        // Column names are lower-cased on read, as the collector does.
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

    #[test]
    fn mysql8_role_edges_run_from_role_to_grantee() {
        let cat = build_catalog(
            &rows(include_str!(
                "../../../tests/fixtures/mysql/mysql8-rows.json"
            )),
            vec![],
        );
        assert_eq!(cat.flavor, "mysql");
        assert_eq!(cat.default_password_lifetime, Some(0));
        let g = cat
            .role_grants
            .iter()
            .find(|g| g.grantee_user == "svc_etl")
            .expect("svc_etl holds a role");
        assert_eq!(
            (g.role_user.as_str(), g.role_host.as_str()),
            ("r_write", "%")
        );
        assert!(g.default, "r_write is svc_etl's default role");
        // The role is a role, the grantee an account: never the other way round.
        let role = cat.accounts.iter().find(|a| a.user == "r_write").unwrap();
        assert!(role.is_role);
        let etl = cat.accounts.iter().find(|a| a.user == "svc_etl").unwrap();
        assert!(!etl.is_role);
        assert_eq!(etl.password_lifetime, None);
        assert_eq!(
            etl.password_last_changed.as_deref(),
            Some("2024-01-05T10:00:00Z")
        );
        let locked = cat.accounts.iter().find(|a| a.user == "svc_old").unwrap();
        assert_eq!(locked.account_locked, Some(true));
        assert!(cat.can_see_all_processes, "jitgap_reader holds PROCESS");
        assert_eq!(cat.processlist.len(), 3);
        assert!(
            cat.table_privileges
                .iter()
                .any(|t| t.grantee_user == "svc_report" && t.count == 4)
        );
    }

    #[test]
    fn mariadb_state_comes_from_global_priv_and_roles_mapping() {
        let cat = build_catalog(
            &rows(include_str!(
                "../../../tests/fixtures/mysql/mariadb-rows.json"
            )),
            vec![],
        );
        assert_eq!(cat.flavor, "mariadb");
        let locked = cat
            .accounts
            .iter()
            .find(|a| a.user == "svc_locked")
            .unwrap();
        assert_eq!(locked.account_locked, Some(true));
        let exp = cat.accounts.iter().find(|a| a.user == "svc_exp").unwrap();
        assert_eq!(exp.password_expired, Some(true));
        assert_eq!(exp.password_lifetime, None, "-1 means the server default");
        let etl = cat.accounts.iter().find(|a| a.user == "svc_etl").unwrap();
        assert_eq!(etl.password_lifetime, Some(30));
        let role = cat.accounts.iter().find(|a| a.user == "r_write").unwrap();
        assert!(role.is_role);
        let g = cat
            .role_grants
            .iter()
            .find(|g| g.grantee_user == "svc_etl")
            .unwrap();
        assert_eq!(g.role_user, "r_write");
        assert!(g.default);
        // Role global privileges come from SHOW GRANTS FOR the role.
        assert!(
            cat.global_privileges
                .iter()
                .any(|p| p.grantee_user == "r_outer" && p.privilege == "PROCESS")
        );
        assert!(!cat.can_see_all_processes, "the reader lacks PROCESS here");
    }
}
