//! The native document a MySQL or MariaDB server is read into. Live collection and snapshot
//! files produce the same document (a [`crate::scan::RawScope`]), so there is one parse path.
//!
//! Snapshot layout, per server: `mysql/<scope-name>/catalog.json`, where the scope name is the
//! server's `host:port` (no credentials). The document holds catalog rows as JSON (see
//! [`super::catalog::Catalog`] for every field):
//!
//! ```json
//! {"flavor": "mariadb", "version": "10.11.19-MariaDB", "current_user": "jitgap_reader@127.0.0.1",
//!  "can_see_all_processes": true, "default_password_lifetime": 0,
//!  "accounts": [{"user": "svc_etl", "host": "%", "account_locked": false, "password_expired": false,
//!                "password_lifetime": null, "password_last_changed": "2026-01-05T10:00:00Z",
//!                "plugin": "mysql_native_password", "is_role": false}],
//!  "role_grants": [{"role_user": "r_write", "role_host": "", "grantee_user": "svc_etl",
//!                   "grantee_host": "%", "admin_option": false, "default": true}],
//!  "global_privileges": [{"grantee_user": "svc_etl", "grantee_host": "%", "privilege": "PROCESS", "grantable": false}],
//!  "schema_privileges": [{"grantee_user": "r_write", "grantee_host": "", "schema": "app", "privilege": "INSERT"}],
//!  "table_privileges": [{"grantee_user": "r_write", "grantee_host": "", "schema": "app", "privilege": "SELECT", "count": 3}],
//!  "processlist": [{"id": 42, "user": "svc_etl", "host": "10.0.0.5:50412", "db": "app",
//!                   "command": "Sleep", "time": 310, "state": ""}],
//!  "errors": [],
//!  "connection": {"tls": true, "verified": false, "mode": "REQUIRED"}}
//! ```
//!
//! `connection` says how the collector's connection was protected: `tls` (encrypted),
//! `verified` (the certificate chain was checked against `ssl-ca` or the platform roots;
//! `VERIFY_IDENTITY` checks the host name too), `mode` (the URL's `ssl-mode`, `PREFERRED` by
//! default) and, when a `PREFERRED` connection went plaintext because the server offers no
//! TLS, a `note` saying so. It becomes the scope's `connection` in the report.
//!
//! The document never holds a password hash: the collector never selects
//! `authentication_string`, `Password`, `User_attributes`, the whole MariaDB `priv` JSON,
//! the `INFO` column of the process list (statement text) or `SHOW CREATE USER` text.

pub const CATALOG: &str = "catalog.json";

/// The only statements the live collector sends: the first keyword of each must be one of
/// these (and a statement holds no `;`). Anything else is refused before it leaves the process.
pub use crate::scan::sql_guard::ALLOWED_STATEMENT_PREFIXES;

/// `Ok` when `sql` is a single statement whose first keyword is in
/// [`ALLOWED_STATEMENT_PREFIXES`]; the error names the refused keyword.
pub fn check_statement(sql: &str) -> Result<(), crate::scan::sql_guard::RefusedStatement> {
    crate::scan::sql_guard::check_statement(sql, "MySQL")
}

#[cfg(test)]
mod tests {
    use super::check_statement;

    #[test]
    fn only_select_and_show_pass() {
        assert!(check_statement("SELECT 1").is_ok());
        assert!(check_statement("  select VERSION()").is_ok());
        assert!(check_statement("SHOW GRANTS FOR `r`").is_ok());
        for sql in [
            "SET NAMES utf8mb4",
            "KILL 4",
            "ALTER USER x ACCOUNT LOCK",
            "DROP USER x",
            "",
            "(SELECT 1)",
            "SELECT 1; DROP TABLE t",
            "/* c */ SELECT 1",
        ] {
            assert!(check_statement(sql).is_err(), "{sql} should be refused");
        }
    }
}
