//! Live, read-only collection of a MySQL or MariaDB catalog into a [`RawScope`].
//!
//! One connection, text protocol, one statement at a time; every statement passes
//! [`check_statement`] (SELECT or SHOW only) before it is sent. The driver is configured
//! so it sends nothing of its own after the handshake: `max_allowed_packet` and
//! `wait_timeout` are given (else mysql_async reads them with `SELECT @@max_allowed_packet,
//! @@wait_timeout`), `prefer_socket` is off (else it reads `@@socket` and reconnects through
//! the socket), and no init or setup statements are set. The server's general log then shows
//! only `Connect`, the `Query` lines below and `Quit`.
//!
//! The password comes from the URL or `MYSQL_PWD`; no message ever holds it: the scope is
//! named `host:port` everywhere.
//!
//! TLS: the URL's `ssl-mode` (`PREFERRED` by default) and `ssl-ca` decide (see
//! [`super::tls`]); the catalog's `connection` records whether the session was encrypted and
//! verified. A failed handshake or verification fails the scope, naming the URL (without
//! password), and never falls back to plaintext.

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder};
use tokio::time::timeout;

use super::tls::{self, ConnectError, MysqlTls};

use super::BOUNDARY;
use super::raw::{CATALOG, check_statement};
use super::rows::{self, QueryRows, Row};
use crate::scan::Doc;
use crate::scan::{Origin, RawScope};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_PORT: u16 = 3306;

/// Why a statement or the connection options failed; `collect` prefixes the scope.
#[derive(Debug, thiserror::Error)]
enum CollectError {
    #[error(transparent)]
    Refused(#[from] crate::scan::sql_guard::RefusedStatement),
    #[error("no answer within {}s", STATEMENT_TIMEOUT.as_secs())]
    Timeout,
    /// The driver's error as [`describe`] words it (redacted).
    #[error("{0}")]
    Driver(String),
    #[error(transparent)]
    Tls(ConnectError),
    #[error("not a usable MySQL URL: {0}")]
    Url(mysql_async::UrlError),
}

#[derive(Debug, Clone, Default)]
pub struct MysqlLiveOptions {
    /// `mysql://user[:password]@host[:port][/db][?params]` (`mariadb://` works too).
    /// Without a password in it, `MYSQL_PWD` is used.
    pub url: String,
}

/// Reads the server's catalog. Never panics; every failure is a message in `errors` that
/// names the scope (`host:port`), and what was read before it is kept.
pub async fn collect(opts: &MysqlLiveOptions) -> RawScope {
    let scope = scope_of(&opts.url);
    let mut raw = RawScope::new(BOUNDARY, scope.clone(), Origin::Live);
    let fail = |m: String| crate::redact::redact(&format!("mysql {scope}: {m}"));
    let env_password = std::env::var("MYSQL_PWD").ok();
    let (builder, tls_opts) = match connection_opts(&opts.url, env_password) {
        Ok(o) => o,
        Err(e) => {
            raw.errors.push(fail(e.to_string()));
            return raw;
        }
    };
    let shown = crate::db_tls::without_password(&opts.url);
    let (mut conn, connection) =
        match tls::connect(builder, &tls_opts, &shown, CONNECT_TIMEOUT).await {
            Ok(pair) => pair,
            Err(e) => {
                let why = match &e {
                    ConnectError::Driver(d) => describe(d),
                    ConnectError::Setup(_) | ConnectError::DriverParam(_) => {
                        format!("{shown}: {e}")
                    }
                    _ => e.to_string(),
                };
                raw.errors.push(fail(format!("cannot connect: {why}")));
                return raw;
            }
        };

    let mut rows = QueryRows::new();
    let mut errors = Vec::new();
    match query(&mut conn, rows::VERSION_SQL).await {
        Ok(r) => {
            rows.insert(rows::Q_VERSION.into(), r);
        }
        Err(e) => {
            raw.errors.push(fail(format!("cannot read VERSION(): {e}")));
            close(conn).await;
            return raw;
        }
    }
    let version = rows[rows::Q_VERSION]
        .first()
        .and_then(|r| rows::text(r, "version"))
        .unwrap_or_default();
    let flavor = rows::flavor_of(&version);
    let specific = if flavor == "mariadb" {
        rows::MARIADB
    } else {
        rows::MYSQL
    };
    for (name, sql, needs) in rows::COMMON.iter().chain(specific) {
        match query(&mut conn, sql).await {
            Ok(r) => {
                rows.insert(name.to_string(), r);
            }
            Err(e) => {
                let hint = if needs.is_empty() {
                    String::new()
                } else {
                    format!(" (the reader needs {needs})")
                };
                errors.push(fail(format!("cannot read {name}: {e}{hint}")));
            }
        }
    }
    if flavor == "mariadb" {
        role_grants(&mut conn, &mut rows, &mut errors, &fail).await;
    }
    close(conn).await;

    if !rows.contains_key(rows::Q_USER) {
        errors.push(fail(
            "without SELECT on mysql.* information_schema lists only the reader's own privileges: other accounts' grants are missing".into(),
        ));
    }
    let mut catalog = rows::build_catalog(&rows, Vec::new());
    catalog.connection = Some(connection);
    if rows.contains_key(rows::Q_PROCESSLIST) && !catalog.can_see_all_processes {
        errors.push(fail(
            "the reader lacks PROCESS: the process list shows only its own sessions, so sessions still open after a revocation cannot be seen (GRANT PROCESS ON *.* to the reader)".into(),
        ));
    }
    catalog.errors = errors.clone();
    raw.errors = errors;
    match serde_json::to_string_pretty(&catalog) {
        Ok(text) => raw.put(CATALOG, Doc::new(format!("mysql:{scope}:{CATALOG}"), text)),
        Err(e) => raw
            .errors
            .push(fail(format!("cannot encode the catalog: {e}"))),
    }
    raw
}

/// MariaDB leaves roles out of USER_PRIVILEGES: their global grants come from
/// `SHOW GRANTS FOR <role>` (a role has no password, so the text holds no hash).
async fn role_grants(
    conn: &mut Conn,
    rows: &mut QueryRows,
    errors: &mut Vec<String>,
    fail: &(dyn Fn(String) -> String + Sync),
) {
    let mut roles: Vec<String> = rows
        .get(rows::Q_USER)
        .into_iter()
        .flatten()
        .filter(|r| rows::text(r, "is_role").is_some_and(|v| v.eq_ignore_ascii_case("Y")))
        .filter_map(|r| rows::text(r, "user"))
        .collect();
    roles.sort();
    roles.dedup();
    let mut all = Vec::new();
    for role in roles {
        match query(conn, &rows::show_grants_for_role(&role)).await {
            Ok(r) => all.extend(r),
            Err(e) => errors.push(fail(format!("cannot read the grants of role {role}: {e}"))),
        }
    }
    rows.insert(rows::Q_ROLE_SHOW_GRANTS.into(), all);
}

/// Run one read-only statement with a timeout; rows with lower-cased column names.
async fn query(conn: &mut Conn, sql: &str) -> Result<Vec<Row>, CollectError> {
    check_statement(sql)?;
    match timeout(STATEMENT_TIMEOUT, conn.query::<mysql_async::Row, _>(sql)).await {
        Err(_) => Err(CollectError::Timeout),
        Ok(Err(e)) => Err(CollectError::Driver(describe(&e))),
        Ok(Ok(rs)) => Ok(rs.into_iter().map(to_row).collect()),
    }
}

async fn close(conn: Conn) {
    // COM_QUIT; a failure here loses nothing.
    let _ = timeout(Duration::from_secs(5), conn.disconnect()).await;
}

fn to_row(row: mysql_async::Row) -> Row {
    let names: Vec<String> = row
        .columns_ref()
        .iter()
        .map(|c| c.name_str().to_lowercase())
        .collect();
    names
        .into_iter()
        .zip(row.unwrap())
        .map(|(n, v)| (n, to_json(v)))
        .collect()
}

fn to_json(v: mysql_async::Value) -> serde_json::Value {
    use mysql_async::Value as V;
    use serde_json::Value as J;
    match v {
        V::NULL => J::Null,
        V::Bytes(b) => J::String(String::from_utf8_lossy(&b).into_owned()),
        V::Int(i) => J::from(i),
        V::UInt(u) => J::from(u),
        V::Float(f) => J::from(f as f64),
        V::Double(d) => J::from(d),
        V::Date(y, mo, d, h, mi, s, us) => J::String(format!(
            "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"
        )),
        V::Time(neg, d, h, mi, s, us) => J::String(format!(
            "{}{}:{mi:02}:{s:02}.{us:06}",
            if neg { "-" } else { "" },
            d * 24 + h as u32
        )),
    }
}

/// Connection options: the URL's, plus `env_password` (`MYSQL_PWD`) when it has no
/// password, plus the settings that keep the driver from sending statements of its own; and
/// the URL's TLS settings (taken out of it first: mysql_async does not know them).
fn connection_opts(
    url: &str,
    env_password: Option<String>,
) -> Result<(OptsBuilder, MysqlTls), CollectError> {
    let url = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
            format!("mysql://{rest}")
        }
        _ => url.to_string(),
    };
    let (url, tls_opts) = tls::split(&url).map_err(CollectError::Tls)?;
    let parsed = Opts::from_url(&url).map_err(CollectError::Url)?;
    let mut b = OptsBuilder::from_opts(parsed.clone())
        .prefer_socket(false)
        .max_allowed_packet(Some(64 * 1024 * 1024))
        .wait_timeout(Some(28_800))
        .init(Vec::<String>::new())
        .setup(Vec::<String>::new());
    if parsed.pass().is_none_or(str::is_empty)
        && let Some(pwd) = env_password
    {
        b = b.pass(Some(pwd));
    }
    Ok((b, tls_opts))
}

/// `host:port` of a URL, never its credentials.
pub fn scope_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hostport = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (format!("[{h}]"), p.strip_prefix(':').unwrap_or_default()),
            None => (hostport.to_string(), ""),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p),
            None => (hostport.to_string(), ""),
        }
    };
    let host = if host.is_empty() {
        "localhost".to_string()
    } else {
        host
    };
    let port = port
        .parse::<u16>()
        .map(|p| p.to_string())
        .unwrap_or_else(|_| DEFAULT_PORT.to_string());
    format!("{host}:{port}")
}

fn describe(e: &mysql_async::Error) -> String {
    use mysql_async::Error as E;
    let text = match e {
        E::Server(s) => match s.code {
            1045 => format!(
                "access denied: wrong user or password (server error 1045: {})",
                s.message
            ),
            3118 | 4151 => format!(
                "the reader's account is locked (server error {}: {})",
                s.code, s.message
            ),
            1044 | 1142 | 1227 | 1370 => {
                format!("permission denied (server error {}: {})", s.code, s.message)
            }
            _ => format!("server error {}: {}", s.code, s.message),
        },
        E::Io(io) => format!("cannot reach the server: {io}"),
        other => other.to_string(),
    };
    crate::redact::redact(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_names_never_hold_credentials() {
        assert_eq!(
            scope_of("mysql://svc:s3cret@db.internal:3307/app"),
            "db.internal:3307"
        );
        assert_eq!(scope_of("mysql://svc@127.0.0.1"), "127.0.0.1:3306");
        assert_eq!(scope_of("mariadb://u:p@w@[::1]:3310/?x=1"), "[::1]:3310");
        assert_eq!(scope_of("mysql://localhost"), "localhost:3306");
    }

    #[test]
    fn options_keep_the_driver_quiet() {
        let opts = |url: &str, pw: Option<String>| -> Result<Opts, CollectError> {
            connection_opts(url, pw).map(|(b, _)| b.into())
        };
        let o = opts("mariadb://svc:pw@127.0.0.1:3310/app", Some("env".into())).unwrap();
        assert!(!o.prefer_socket());
        assert!(o.max_allowed_packet().is_some() && o.wait_timeout().is_some());
        assert!(o.init().is_empty() && o.setup().is_empty());
        assert_eq!(o.pass(), Some("pw"), "the URL's password wins");
        let o = opts("mysql://svc@127.0.0.1:3310", Some("from-env".into())).unwrap();
        assert_eq!(
            o.pass(),
            Some("from-env"),
            "MYSQL_PWD when the URL has none"
        );
        assert!(opts("postgres://x@y", None).is_err());
        let (_, tls) =
            connection_opts("mysql://svc@db/?ssl-mode=VERIFY_CA&ssl-ca=/ca.pem", None).unwrap();
        assert_eq!(tls.mode, crate::db_tls::TlsMode::VerifyCa);
    }

    #[tokio::test]
    async fn unreachable_server_is_an_error_naming_the_scope() {
        let raw = collect(&MysqlLiveOptions {
            url: "mysql://svc:hunter22@127.0.0.1:1/app".into(),
        })
        .await;
        assert_eq!(raw.scope, "127.0.0.1:1");
        assert!(raw.document(CATALOG).is_none());
        assert_eq!(raw.errors.len(), 1, "{:?}", raw.errors);
        assert!(
            raw.errors[0].starts_with("mysql 127.0.0.1:1: cannot connect"),
            "{:?}",
            raw.errors
        );
        assert!(!raw.errors[0].contains("hunter22"));
    }
}
