//! From `--postgres-url` to a connection config, a scope name and a password, the way libpq
//! finds one: `${VAR}` written as the URL's password is read from the environment, else
//! `PGPASSWORD`, else the first matching line of `PGPASSFILE` or `~/.pgpass`. The password is
//! never needed on the command line and never appears in a scope name or a message.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use tokio_postgres::config::{Config, Host};

/// Environment lookups, injected so the resolution is testable.
pub(crate) type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

#[derive(Debug)]
pub(crate) struct Target {
    pub config: Config,
    /// `host:port[/dbname]`, no credentials.
    pub scope: String,
    /// Where the password came from (`the URL`, `PGPASSWORD`, …), or why none was found.
    pub password_source: String,
    /// The password itself, only to scrub it from messages.
    pub secret: Option<String>,
    /// `sslmode` and `sslrootcert`.
    pub tls: super::tls::PgTls,
    /// The URL as given, without its password, for messages.
    pub shown_url: String,
}

/// A scope name for a URL that could not be parsed: whatever follows the credentials.
pub(crate) fn fallback_scope(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let rest = rest.split(['?', ' ']).next().unwrap_or_default();
    if rest.is_empty() {
        "unknown-postgres".into()
    } else {
        rest.to_string()
    }
}

fn host_text(h: &Host) -> String {
    match h {
        Host::Tcp(h) if h.contains(':') => format!("[{h}]"),
        Host::Tcp(h) => h.clone(),
        Host::Unix(p) => p.display().to_string(),
    }
}

/// A URL that names no usable target; every message starts with the scope.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TargetError {
    #[error("{scope}: {shown_url}: {source}")]
    Tls {
        scope: String,
        shown_url: String,
        source: Box<crate::db_tls::TlsError>,
    },
    /// `reason` is the parser's error chain, redacted.
    #[error("{scope}: not a PostgreSQL connection URL ({reason})")]
    NotAUrl { scope: String, reason: String },
    #[error("{scope}: no user in the URL and none of PGUSER, USER, LOGNAME is set")]
    NoUser { scope: String },
    #[error("{scope}: the URL's password is ${{{var}}} but environment variable {var} is not set")]
    PasswordVarUnset { scope: String, var: String },
}

/// Parse the URL (or `key=value` string), fill libpq's defaults, and find the password.
pub(crate) fn target(url: &str, env: Env<'_>) -> Result<Target, TargetError> {
    let shown_url = super::tls::shown_url(url);
    let (url, tls) = super::tls::split(url, env).map_err(|source| TargetError::Tls {
        scope: fallback_scope(url),
        shown_url: shown_url.clone(),
        source: Box::new(source),
    })?;
    let url = url.as_str();
    let mut config = Config::from_str(url).map_err(|e| TargetError::NotAUrl {
        scope: fallback_scope(url),
        reason: crate::redact::redact(&crate::error_chain::error_chain(&e)),
    })?;
    let named_db = config
        .get_dbname()
        .map(str::to_string)
        .or_else(|| env("PGDATABASE"));
    if config.get_hosts().is_empty() {
        config.host(env("PGHOST").unwrap_or_else(|| "localhost".into()));
    }
    if config.get_ports().is_empty()
        && let Some(p) = env("PGPORT").and_then(|p| p.parse::<u16>().ok())
    {
        config.port(p);
    }
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .or_else(|| env("LOGNAME"))
            .ok_or_else(|| TargetError::NoUser {
                scope: fallback_scope(url),
            })?;
        config.user(user);
    }
    if let Some(db) = &named_db {
        config.dbname(db);
    }
    let host = config.get_hosts()[0].clone();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let mut scope = format!("{}:{port}", host_text(&host));
    if let Some(db) = &named_db {
        scope.push('/');
        scope.push_str(db);
    }
    let user = config.get_user().unwrap_or_default().to_string();
    let dbname = named_db.unwrap_or_else(|| user.clone());

    let given = config
        .get_password()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let (secret, password_source) = match given {
        Some(p) => match placeholder(&p) {
            Some(var) => match env(var) {
                Some(v) => (Some(v), format!("environment variable {var}")),
                None => {
                    return Err(TargetError::PasswordVarUnset {
                        scope,
                        var: var.to_string(),
                    });
                }
            },
            None => (Some(p), "the URL".to_string()),
        },
        None => match env("PGPASSWORD").filter(|p| !p.is_empty()) {
            Some(p) => (Some(p), "PGPASSWORD".to_string()),
            None => {
                let file = env("PGPASSFILE")
                    .map(PathBuf::from)
                    .or_else(|| env("HOME").map(|h| Path::new(&h).join(".pgpass")));
                let (pw, note) = from_pgpass(file.as_deref(), &host, port, &dbname, &user);
                (pw, note)
            }
        },
    };
    if let Some(p) = &secret {
        config.password(p.as_bytes());
    }
    config.application_name("jitgap");
    config.ssl_mode(tls.ssl_mode());
    Ok(Target {
        config,
        scope,
        password_source,
        secret,
        tls,
        shown_url,
    })
}

/// `${NAME}` → `NAME`.
fn placeholder(p: &str) -> Option<&str> {
    let name = p.strip_prefix("${")?.strip_suffix('}')?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

fn from_pgpass(
    file: Option<&Path>,
    host: &Host,
    port: u16,
    db: &str,
    user: &str,
) -> (Option<String>, String) {
    let Some(file) = file else {
        return (
            None,
            "no password: none in the URL, no PGPASSWORD, no HOME for ~/.pgpass".into(),
        );
    };
    let shown = file.display();
    let meta = match std::fs::metadata(file) {
        Ok(m) => m,
        Err(_) => {
            return (
                None,
                format!("no password: none in the URL, no PGPASSWORD, and {shown} is absent"),
            );
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return (
                None,
                format!(
                    "no password: {shown} was ignored because group or others can read it (chmod 0600, as libpq requires)"
                ),
            );
        }
    }
    let Ok(text) = std::fs::read_to_string(file) else {
        return (None, format!("no password: {shown} could not be read"));
    };
    let (hosts, socket) = match host {
        Host::Tcp(h) => (vec![h.clone()], false),
        Host::Unix(p) => (vec![p.display().to_string(), "localhost".into()], true),
    };
    let found = hosts
        .iter()
        .find_map(|h| pgpass_lookup(&text, h, &port.to_string(), db, user));
    match found {
        Some(p) => (Some(p), shown.to_string()),
        None => (
            None,
            format!(
                "no password: no line of {shown} matches {}:{port}:{db}:{user}",
                if socket {
                    "localhost"
                } else {
                    hosts[0].as_str()
                }
            ),
        ),
    }
}

/// The password of the first `hostname:port:database:username:password` line that matches
/// (`*` matches anything; `\:` and `\\` escape), as libpq reads `.pgpass`.
pub(crate) fn pgpass_lookup(
    text: &str,
    host: &str,
    port: &str,
    db: &str,
    user: &str,
) -> Option<String> {
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_fields(line);
        if fields.len() < 5 {
            continue;
        }
        let ok = |f: &str, want: &str| f == "*" || f == want;
        if ok(&fields[0], host)
            && ok(&fields[1], port)
            && ok(&fields[2], db)
            && ok(&fields[3], user)
        {
            // Like libpq, the password ends at the next unescaped colon.
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.last_mut().unwrap().push(n);
                }
            }
            ':' => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn password_from_a_placeholder_in_the_url() {
        let env = env_of(&[("DB_PW", "s3cret-value")]);
        let t = target("postgres://reader:${DB_PW}@db.internal:6432/app", &env).unwrap();
        assert_eq!(t.scope, "db.internal:6432/app");
        assert_eq!(t.config.get_password(), Some(&b"s3cret-value"[..]));
        assert_eq!(t.password_source, "environment variable DB_PW");
        assert_eq!(t.config.get_application_name(), Some("jitgap"));
        let err = target("postgres://reader:${NOPE}@db:5432", &env_of(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("db:5432") && err.contains("NOPE"), "{err}");
    }

    #[test]
    fn scope_has_no_credentials_and_names_the_database_only_when_given() {
        let env = env_of(&[("PGPASSWORD", "pw-from-env")]);
        let t = target("postgresql://reader@10.0.0.5", &env).unwrap();
        assert_eq!(t.scope, "10.0.0.5:5432");
        assert_eq!(t.password_source, "PGPASSWORD");
        let t = target("postgres://u:literal@[::1]:5433/x", &env).unwrap();
        assert_eq!(t.scope, "[::1]:5433/x");
        assert_eq!(
            fallback_scope("postgres://u:hunter2@db:5432/app?x=1"),
            "db:5432/app"
        );
    }

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let text = "# comment\n\
                    other:5432:*:reader:wrong\n\
                    db.internal:*:app:reader:pa\\:ss:word\n\
                    *:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(text, "db.internal", "6432", "app", "reader").as_deref(),
            Some("pa:ss")
        );
        assert_eq!(
            pgpass_lookup(text, "x", "1", "y", "z").as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup("a:b:c\n", "a", "b", "c", "d"), None);
    }

    #[test]
    fn pgpass_file_found_through_pgpassfile_and_refused_when_too_open() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(&file, "127.0.0.1:5432:postgres:reader:from-file\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let path = file.display().to_string();
        let env = env_of(&[("PGPASSFILE", path.as_str())]);
        let t = target("postgres://reader@127.0.0.1/postgres", &env).unwrap();
        assert_eq!(t.secret.as_deref(), Some("from-file"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let t = target("postgres://reader@127.0.0.1/postgres", &env).unwrap();
        assert_eq!(t.secret, None);
        assert!(t.password_source.contains("0600"), "{}", t.password_source);
    }
}
