//! The native document a PostgreSQL cluster is read into. Live collection and snapshot files
//! produce the same document (a [`crate::scan::RawScope`]), so there is one parse path.
//!
//! Snapshot layout, per scope: `postgres/<scope-name>/catalog.json`, where the scope name is
//! `host:port` plus `/dbname` when a database was named (never credentials). The document
//! holds catalog rows as JSON, in the shapes of the views they come from (see
//! [`super::catalog::Catalog`] for every field):
//!
//! ```json
//! {"server_version_num": 150018, "current_user": "jitgap_reader", "current_database": "app",
//!  "backend_pid": 4711, "can_read_all_stats": true,
//!  "roles": [{"rolname": "svc_etl", "oid": 16390, "rolsuper": false, "rolinherit": true,
//!             "rolcreaterole": false, "rolcreatedb": false, "rolcanlogin": true,
//!             "rolreplication": false, "rolbypassrls": false, "rolconnlimit": -1,
//!             "rolvaliduntil": "2026-08-29T14:49:47+00:00"}],
//!  "auth_members": [{"roleid": 16384, "member": 16390, "admin_option": false,
//!                    "inherit_option": true, "set_option": true}],
//!  "table_grants": [{"grantee": "app_rw", "table_schema": "app", "privilege_type": "INSERT",
//!                    "table_count": 12, "table_names": ["orders", "..."]}],
//!  "database_grants": [{"grantee": "PUBLIC", "datname": "app", "privilege": "CONNECT"}],
//!  "schema_grants": [{"grantee": "app_owner", "schema": "app", "privilege": "CREATE"}],
//!  "stat_activity": [{"pid": 48211, "usesysid": 16390, "usename": "svc_etl", "datname": "app",
//!                     "application_name": "etl", "client_addr": "10.0.0.5",
//!                     "backend_start": "2026-08-29T13:50:02.118+00:00", "state": "idle",
//!                     "backend_type": "client backend"}],
//!  "hba_rules": null, "hba_error": "permission denied for view pg_hba_file_rules",
//!  "errors": [],
//!  "connection": {"tls": true, "verified": true, "mode": "verify-full"}}
//! ```
//!
//! `connection` says how the collector's connection was protected: `tls` (encrypted),
//! `verified` (the certificate chain was checked against `sslrootcert` or the platform roots;
//! `verify-full` checks the host name too), `mode` (the URL's `sslmode`, `prefer` by default)
//! and, when a `prefer` connection went plaintext because the server offers no TLS, a `note`
//! saying so. It becomes the scope's `connection` in the report.
//!
//! `inherit_option`/`set_option` exist from PostgreSQL 16 on; without them the member's
//! `rolinherit` decides inheritance. Table grants are aggregated per grantee, schema and
//! privilege (`table_count`, the first names in `table_names`); a row with `table_name`
//! instead is accepted too. The document never holds a password or a hash: the collector
//! never reads `rolpassword`, `pg_authid`, or the `options` column of `pg_hba_file_rules`.

pub const CATALOG: &str = "catalog.json";

/// The only statements the live collector sends: the first keyword of each must be one of
/// these (and a statement holds no `;`). Anything else is refused before it leaves the process.
pub use crate::scan::sql_guard::ALLOWED_STATEMENT_PREFIXES;

/// `Ok` when `sql` is a single statement whose first keyword is in
/// [`ALLOWED_STATEMENT_PREFIXES`]; the error names the refused keyword.
pub fn check_statement(sql: &str) -> Result<(), crate::scan::sql_guard::RefusedStatement> {
    crate::scan::sql_guard::check_statement(sql, "PostgreSQL")
}

#[cfg(test)]
mod tests {
    use super::check_statement;

    #[test]
    fn only_select_and_show_pass() {
        assert!(check_statement("SELECT 1").is_ok());
        assert!(check_statement("SHOW server_version_num").is_ok());
        for sql in [
            "SET statement_timeout = 0",
            "ALTER ROLE x VALID UNTIL 'infinity'",
            "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x",
            "SELECT 1; DROP TABLE t",
            "",
        ] {
            assert!(check_statement(sql).is_err(), "{sql}");
        }
    }
}
