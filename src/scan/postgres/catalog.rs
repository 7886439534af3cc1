//! `catalog.json`: the catalog rows of one PostgreSQL scope, as the collector writes them
//! (see `raw.rs` for an example). Every list is optional: `None` means it could not be read,
//! which is not the same as an empty list.

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// `host:port[/dbname]` as the collector named the scope (a snapshot loader may use it
    /// when the folder name cannot carry it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `SHOW server_version_num` (a number, or the text SHOW prints).
    #[serde(default, deserialize_with = "int_or_text")]
    pub server_version_num: Option<i64>,
    #[serde(default)]
    pub current_user: Option<String>,
    #[serde(default)]
    pub current_database: Option<String>,
    /// `pg_backend_pid()` of the collector's own session, left out of the session checks.
    #[serde(default, deserialize_with = "int_or_text")]
    pub backend_pid: Option<i64>,
    /// The reader is a superuser or has the privileges of `pg_read_all_stats`: it sees every
    /// session in full, so the absence of a session is evidence.
    #[serde(default)]
    pub can_read_all_stats: Option<bool>,
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
    #[serde(default)]
    pub auth_members: Option<Vec<AuthMember>>,
    #[serde(default)]
    pub table_grants: Option<Vec<TableGrant>>,
    #[serde(default)]
    pub database_grants: Option<Vec<DatabaseGrant>>,
    #[serde(default)]
    pub schema_grants: Option<Vec<SchemaGrant>>,
    #[serde(default)]
    pub stat_activity: Option<Vec<Activity>>,
    #[serde(default)]
    pub hba_rules: Option<Vec<HbaRule>>,
    #[serde(default)]
    pub hba_error: Option<String>,
    /// Reads that failed while collecting (kept so a saved snapshot stays `partial`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// How the collector's connection was protected (absent in documents written before it
    /// was recorded, or by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<crate::model::ScopeConnection>,
}

/// A `pg_roles` row. `rolpassword` is never read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub rolname: String,
    #[serde(default, deserialize_with = "int_or_text")]
    pub oid: Option<i64>,
    #[serde(default)]
    pub rolsuper: bool,
    #[serde(default = "yes")]
    pub rolinherit: bool,
    #[serde(default)]
    pub rolcreaterole: bool,
    #[serde(default)]
    pub rolcreatedb: bool,
    #[serde(default)]
    pub rolcanlogin: bool,
    #[serde(default)]
    pub rolreplication: bool,
    #[serde(default)]
    pub rolbypassrls: bool,
    #[serde(default, deserialize_with = "int_or_text")]
    pub rolconnlimit: Option<i64>,
    /// RFC 3339, `null` or `infinity` (both: never expires).
    #[serde(default)]
    pub rolvaliduntil: Option<String>,
}

fn yes() -> bool {
    true
}

/// A role named by oid (as `pg_auth_members` holds it) or by name (hand-written fixtures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RoleRef {
    Oid(i64),
    Name(String),
}

/// A `pg_auth_members` row; `inherit_option`/`set_option` from PostgreSQL 16 on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthMember {
    pub roleid: RoleRef,
    pub member: RoleRef,
    #[serde(default)]
    pub admin_option: bool,
    #[serde(default)]
    pub inherit_option: Option<bool>,
    #[serde(default)]
    pub set_option: Option<bool>,
}

/// Table privileges (from `pg_class.relacl`, owners' defaults included), aggregated per
/// grantee, schema and privilege.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableGrant {
    /// A role name or `PUBLIC`.
    pub grantee: String,
    pub table_schema: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
    pub privilege_type: String,
    #[serde(default, deserialize_with = "int_or_text")]
    pub table_count: Option<i64>,
    #[serde(default)]
    pub table_names: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseGrant {
    pub grantee: String,
    pub datname: String,
    /// `CREATE`, `CONNECT` or `TEMP`.
    pub privilege: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaGrant {
    pub grantee: String,
    pub schema: String,
    /// `CREATE` or `USAGE`.
    pub privilege: String,
}

/// A `pg_stat_activity` row (no query text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    #[serde(deserialize_with = "int_or_text_required")]
    pub pid: i64,
    #[serde(default, deserialize_with = "int_or_text")]
    pub usesysid: Option<i64>,
    #[serde(default)]
    pub usename: Option<String>,
    #[serde(default)]
    pub datname: Option<String>,
    #[serde(default)]
    pub application_name: Option<String>,
    #[serde(default)]
    pub client_addr: Option<String>,
    #[serde(default)]
    pub backend_start: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub backend_type: Option<String>,
}

/// A `pg_hba_file_rules` row (without `options`, which may hold an LDAP or RADIUS secret).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HbaRule {
    #[serde(default, deserialize_with = "int_or_text")]
    pub line_number: Option<i64>,
    #[serde(default, rename = "type")]
    pub conn_type: Option<String>,
    #[serde(default)]
    pub database: Option<Vec<String>>,
    #[serde(default)]
    pub user_name: Option<Vec<String>>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub netmask: Option<String>,
    #[serde(default)]
    pub auth_method: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

fn int_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Int(i64),
        Text(String),
    }
    match Option::<N>::deserialize(d)? {
        None => Ok(None),
        Some(N::Int(n)) => Ok(Some(n)),
        Some(N::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("`{t}` is not an integer"))),
    }
}

fn int_or_text_required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    int_or_text(d)?.ok_or_else(|| serde::de::Error::custom("expected an integer, found null"))
}
