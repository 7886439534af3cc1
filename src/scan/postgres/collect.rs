//! Live, read-only collection of the PostgreSQL catalog into a [`RawScope`].
//!
//! Every statement passes [`check_statement`] (SELECT or SHOW only, one at a time) before it
//! leaves the process, and runs under a client-side timeout (no `SET` is ever sent). The
//! server builds each list as JSON (`json_agg`), so the document holds the views' own column
//! names and value formats. The session identifies itself as `application_name=jitgap`.
//! Failures never abort the rest: each becomes a message naming the scope in
//! [`RawScope::errors`], and whatever was read is kept.
//!
//! TLS: the URL's `sslmode` (`prefer` by default) and `sslrootcert` decide (see
//! [`crate::db_tls`]); the document's `connection` records whether the session was encrypted
//! and verified. A handshake or verification failure fails the scope, naming the URL (without
//! password): it never falls back to plaintext. Only `prefer` goes plaintext, and only when
//! the server answers that it offers no TLS; the record says so.

use super::BOUNDARY;
use super::collect_error::{ConnectError, ReadError};
use super::password::{Target, fallback_scope, target};
use super::raw::{CATALOG, check_statement};
use super::tls::{Handshake, Recording, tls_failure};
use crate::model::ScopeConnection;
use crate::scan::Doc;
use crate::scan::{Origin, RawScope};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// The oldest server read: 10 brought pg_read_all_stats and pg_hba_file_rules.
const MIN_VERSION: i64 = 100_000;

#[derive(Debug, Clone, Default)]
pub struct PostgresLiveOptions {
    /// `postgres://user[:password]@host[:port][/dbname]` or a libpq `key=value` string. The
    /// password may be `${VAR}` (read from the environment), or come from PGPASSWORD or
    /// `~/.pgpass` / PGPASSFILE.
    pub url: String,
}

const Q_CONTEXT: &str = "SELECT pg_catalog.json_build_object( \
 'current_user', current_user::text, 'current_database', pg_catalog.current_database()::text, \
 'backend_pid', pg_catalog.pg_backend_pid(), \
 'can_read_all_stats', coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user), false) \
   OR pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'))::text";

const Q_ROLES: &str = "SELECT coalesce(pg_catalog.json_agg(r ORDER BY r.rolname), '[]')::text FROM ( \
 SELECT rolname::text AS rolname, oid::int8 AS oid, rolsuper, rolinherit, rolcreaterole, rolcreatedb, \
 rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, rolvaliduntil FROM pg_catalog.pg_roles) r";

const Q_MEMBERS_16: &str = "SELECT coalesce(pg_catalog.json_agg(m ORDER BY m.roleid, m.member), '[]')::text FROM ( \
 SELECT roleid::int8 AS roleid, member::int8 AS member, admin_option, inherit_option, set_option \
 FROM pg_catalog.pg_auth_members) m";

const Q_MEMBERS_15: &str = "SELECT coalesce(pg_catalog.json_agg(m ORDER BY m.roleid, m.member), '[]')::text FROM ( \
 SELECT roleid::int8 AS roleid, member::int8 AS member, admin_option FROM pg_catalog.pg_auth_members) m";

/// Table privileges from the ACLs (owners' implicit privileges included through
/// `acldefault`), aggregated so a database with a million tables stays a short list.
const Q_TABLE_GRANTS: &str = "SELECT coalesce(pg_catalog.json_agg(g ORDER BY g.grantee, g.table_schema, g.privilege_type), '[]')::text FROM ( \
 SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee, \
 n.nspname::text AS table_schema, a.privilege_type::text AS privilege_type, count(*)::int8 AS table_count, \
 (array_agg(c.relname::text ORDER BY c.relname))[1:10] AS table_names \
 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
 CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) a \
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') \
 AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)' \
 GROUP BY 1, 2, 3) g";

const Q_SCHEMA_GRANTS: &str = "SELECT coalesce(pg_catalog.json_agg(g ORDER BY g.schema, g.grantee, g.privilege), '[]')::text FROM ( \
 SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee, \
 n.nspname::text AS schema, a.privilege_type::text AS privilege \
 FROM pg_catalog.pg_namespace n \
 CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a \
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)') g";

const Q_DATABASE_GRANTS: &str = "SELECT coalesce(pg_catalog.json_agg(g ORDER BY g.datname, g.grantee, g.privilege), '[]')::text FROM ( \
 SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END AS grantee, \
 d.datname::text AS datname, \
 CASE a.privilege_type WHEN 'TEMPORARY' THEN 'TEMP' ELSE a.privilege_type::text END AS privilege \
 FROM pg_catalog.pg_database d \
 CROSS JOIN LATERAL pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a \
 WHERE d.datallowconn) g";

/// No query text: it may hold literals such as passwords.
const Q_ACTIVITY: &str = "SELECT coalesce(pg_catalog.json_agg(s ORDER BY s.pid), '[]')::text FROM ( \
 SELECT pid, usesysid::int8 AS usesysid, usename::text AS usename, datname::text AS datname, \
 application_name, pg_catalog.host(client_addr) AS client_addr, backend_start, state, backend_type \
 FROM pg_catalog.pg_stat_activity) s";

/// No `options` column: it may hold an LDAP bind password or a RADIUS secret.
const Q_HBA: &str = "SELECT coalesce(pg_catalog.json_agg(h ORDER BY h.line_number), '[]')::text FROM ( \
 SELECT line_number, type, database, user_name, address, netmask, auth_method, error \
 FROM pg_catalog.pg_hba_file_rules) h";

/// Reads the catalog of the scope `opts.url` names. Never panics.
pub async fn collect(opts: &PostgresLiveOptions) -> RawScope {
    collect_with(opts, &|k| std::env::var(k).ok()).await
}

pub(crate) async fn collect_with(
    opts: &PostgresLiveOptions,
    env: super::password::Env<'_>,
) -> RawScope {
    let t = match target(&opts.url, env) {
        Ok(t) => t,
        Err(e) => {
            let mut raw = RawScope::new(BOUNDARY, fallback_scope(&opts.url), Origin::Live);
            raw.errors.push(e.to_string());
            return raw;
        }
    };
    let mut raw = RawScope::new(BOUNDARY, t.scope.clone(), Origin::Live);
    let (client, connection, tls) = match connect(&t).await {
        Ok(c) => c,
        Err(e) => {
            raw.errors.push(scrub(&t, e.to_string()));
            return raw;
        }
    };
    let reader = Reader {
        client: &client,
        scope: &t.scope,
        tls,
    };
    let mut doc = Map::new();
    doc.insert("scope".into(), json!(t.scope));
    doc.insert("connection".into(), json!(connection));
    let mut errors = Vec::new();
    let version = match reader
        .text("SHOW server_version_num", "server_version_num")
        .await
    {
        Ok(v) => v.and_then(|v| v.trim().parse::<i64>().ok()),
        Err(e) => {
            errors.push(e.to_string());
            None
        }
    };
    doc.insert("server_version_num".into(), json!(version));
    match version {
        Some(v) if v < MIN_VERSION => errors.push(format!(
            "{}: server_version_num {v}: PostgreSQL older than 10 is not supported (no pg_read_all_stats, no pg_hba_file_rules); nothing more was read",
            t.scope
        )),
        _ => {
            match reader.json(Q_CONTEXT, "the reader's context").await {
                Ok(Value::Object(m)) => doc.extend(m),
                Ok(_) => {}
                Err(e) => errors.push(e.to_string()),
            }
            let members = if version.is_some_and(|v| v >= 160_000) {
                Q_MEMBERS_16
            } else {
                Q_MEMBERS_15
            };
            for (key, sql, what) in [
                ("roles", Q_ROLES, "pg_roles (roles)"),
                ("auth_members", members, "pg_auth_members (auth_members)"),
                ("table_grants", Q_TABLE_GRANTS, "table ACLs (table_grants)"),
                ("schema_grants", Q_SCHEMA_GRANTS, "schema ACLs (schema_grants)"),
                ("database_grants", Q_DATABASE_GRANTS, "database ACLs (database_grants)"),
                ("stat_activity", Q_ACTIVITY, "pg_stat_activity (stat_activity)"),
            ] {
                match reader.json(sql, what).await {
                    Ok(v) => {
                        doc.insert(key.into(), v);
                    }
                    Err(e) => errors.push(e.to_string()),
                }
            }
            // Superuser-only by default: its absence is noted, not an error.
            match reader.json(Q_HBA, "pg_hba_file_rules").await {
                Ok(v) => {
                    doc.insert("hba_rules".into(), v);
                }
                Err(e) => {
                    let e = e.to_string();
                    let why = e.split_once(" failed: ").map_or(e.as_str(), |(_, why)| why);
                    doc.insert("hba_rules".into(), Value::Null);
                    doc.insert("hba_error".into(), json!(why));
                }
            }
        }
    }
    drop(client);
    let errors: Vec<String> = errors.into_iter().map(|e| scrub(&t, e)).collect();
    doc.insert("errors".into(), json!(errors));
    raw.errors = errors;
    let text = serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default();
    // Nothing selected can hold the password (no query text, no hba options, no pg_authid).
    raw.put(
        CATALOG,
        Doc::new(format!("postgres:{}/{CATALOG}", t.scope), text),
    );
    raw
}

/// The client, how its connection is protected, and the connector (for cancel requests).
async fn connect(
    t: &Target,
) -> Result<(Client, ScopeConnection, Option<MakeRustlsConnect>), ConnectError> {
    let mut config = t.config.clone();
    config.connect_timeout(CONNECT_TIMEOUT);
    let connector = t.tls.connector().map_err(|source| ConnectError::Tls {
        scope: t.scope.clone(),
        shown_url: t.shown_url.clone(),
        source,
    })?;
    let handshake = Arc::new(Handshake::default());
    let client = match &connector {
        None => open(t, &config, NoTls).await?,
        Some(c) => {
            let recording = Recording {
                inner: c.clone(),
                handshake: handshake.clone(),
            };
            open(t, &config, recording)
                .await
                .map_err(|e| ConnectError::Refused(tls_failure(t, &handshake, e.to_string())))?
        }
    };
    Ok((client, t.tls.record(handshake.done()), connector))
}

async fn open<T>(
    t: &Target,
    config: &tokio_postgres::Config,
    tls: T,
) -> Result<Client, ConnectError>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as tokio_postgres::tls::TlsConnect<Socket>>::Future: Send,
{
    let attempt = timeout(
        CONNECT_TIMEOUT + Duration::from_secs(2),
        config.connect(tls),
    )
    .await;
    let (client, connection) = match attempt {
        Err(_) => {
            return Err(ConnectError::Timeout {
                scope: t.scope.clone(),
                secs: CONNECT_TIMEOUT.as_secs(),
            });
        }
        Ok(Err(e)) => return Err(ConnectError::Refused(connect_error(t, &e))),
        Ok(Ok(pair)) => pair,
    };
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

fn connect_error(t: &Target, e: &tokio_postgres::Error) -> String {
    let user = t.config.get_user().unwrap_or("?");
    if let Some(db) = e.as_db_error() {
        let hint = match db.code().code() {
            "28P01" => format!(
                " (password for {user} from {}; check it, or put ${{VAR}} in the URL, PGPASSWORD or a ~/.pgpass line)",
                t.password_source
            ),
            "28000" => format!(" (no pg_hba.conf line lets {user} in from here)"),
            "3D000" => " (check the database name in the URL)".into(),
            _ => String::new(),
        };
        return format!(
            "{}: cannot connect as {user}: {} {}: {}{hint}",
            t.scope,
            db.severity(),
            db.code().code(),
            db.message()
        );
    }
    let text = crate::error_chain::error_chain(e);
    let hint = if text.contains("password missing") {
        format!(" ({})", t.password_source)
    } else if text.contains("refused") {
        " (is the server running and listening there?)".into()
    } else {
        String::new()
    };
    format!("{}: cannot connect as {user}: {text}{hint}", t.scope)
}

/// Never let the password out, whatever an error or a value echoes.
fn scrub(t: &Target, text: String) -> String {
    let text = match &t.secret {
        Some(s) if s.len() >= 3 => text.replace(s.as_str(), crate::redact::REDACTED),
        _ => text,
    };
    crate::redact::redact(&text)
}

struct Reader<'a> {
    client: &'a Client,
    scope: &'a str,
    tls: Option<MakeRustlsConnect>,
}

impl Reader<'_> {
    /// The first column of the first row, as text.
    async fn text(&self, sql: &str, what: &str) -> Result<Option<String>, ReadError> {
        check_statement(sql).map_err(|source| ReadError::Refused {
            scope: self.scope.to_string(),
            what: what.to_string(),
            source,
        })?;
        match timeout(STATEMENT_TIMEOUT, self.client.simple_query(sql)).await {
            Err(_) => {
                let token = self.client.cancel_token();
                let _ = match &self.tls {
                    Some(tls) => {
                        timeout(Duration::from_secs(5), token.cancel_query(tls.clone())).await
                    }
                    None => timeout(Duration::from_secs(5), token.cancel_query(NoTls)).await,
                };
                Err(ReadError::Timeout {
                    scope: self.scope.to_string(),
                    what: what.to_string(),
                    secs: STATEMENT_TIMEOUT.as_secs(),
                })
            }
            Ok(Err(e)) => {
                let detail = match e.as_db_error() {
                    Some(db) => format!("{} {}: {}", db.severity(), db.code().code(), db.message()),
                    None => crate::error_chain::error_chain(&e),
                };
                Err(ReadError::Failed {
                    scope: self.scope.to_string(),
                    what: what.to_string(),
                    detail,
                })
            }
            Ok(Ok(messages)) => Ok(messages.into_iter().find_map(|m| match m {
                SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                _ => None,
            })),
        }
    }

    async fn json(&self, sql: &str, what: &str) -> Result<Value, ReadError> {
        let text = self.text(sql, what).await?.unwrap_or_else(|| "null".into());
        serde_json::from_str(&text).map_err(|source| ReadError::NotJson {
            scope: self.scope.to_string(),
            what: what.to_string(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_passes_the_read_only_guard() {
        for sql in [
            Q_CONTEXT,
            Q_ROLES,
            Q_MEMBERS_16,
            Q_MEMBERS_15,
            Q_TABLE_GRANTS,
            Q_SCHEMA_GRANTS,
            Q_DATABASE_GRANTS,
            Q_ACTIVITY,
            Q_HBA,
            "SHOW server_version_num",
        ] {
            check_statement(sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
            for banned in ["rolpassword", "pg_authid", "options", "query,"] {
                assert!(!sql.contains(banned), "{banned} in {sql}");
            }
        }
    }

    #[tokio::test]
    async fn an_unreachable_port_is_an_error_naming_the_scope() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = PostgresLiveOptions {
            url: format!("postgres://reader:${{PW}}@127.0.0.1:{port}/app"),
        };
        let raw = collect_with(&opts, &|k| (k == "PW").then(|| "pw-not-shown".into())).await;
        assert_eq!(raw.scope, format!("127.0.0.1:{port}/app"));
        assert!(raw.document(CATALOG).is_none());
        assert_eq!(raw.errors.len(), 1, "{:?}", raw.errors);
        assert!(raw.errors[0].starts_with(&raw.scope), "{}", raw.errors[0]);
        assert!(!raw.errors[0].contains("pw-not-shown"));
    }
}
