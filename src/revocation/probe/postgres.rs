//! `postgres-login`: connect with the password once; if accepted, `SELECT 1`, then disconnect.
//!
//! PostgreSQL answers a wrong password, a missing role and a passed `VALID UNTIL` alike with
//! `28P01 password authentication failed` (it does not say which), and a role that exists
//! but has `NOLOGIN` with `28000 … is not permitted to log in`: all of them `effective`.
//! `28000` from a `pg_hba.conf` rule, `peer` or `ident` says nothing about the password and
//! stays `inconclusive`. A database that does not exist (`3D000`) or lacks `CONNECT`
//! (`42501`) is checked only after authentication succeeded: the password still works.
//!
//! TLS as the URL's `sslmode` / `sslrootcert` say (`prefer` by default), as for the scan. A
//! handshake or certificate verification that fails says nothing about the password: the
//! probe is `inconclusive`, naming the URL and the TLS settings.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::timeout;
use tokio_postgres::config::Host;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Config, NoTls, Socket};

use super::{IdError, Outcome, PROBE_TIMEOUT};
use crate::error_chain::error_chain;
use crate::scan::postgres::tls::{self as pg_tls, Handshake, Recording, handshake_hint};

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

const DB: &str = "PostgreSQL";
const EXAMPLE: &str = "postgres://user@host:port/db";

pub(super) fn check_id(id: &str) -> Result<(), IdError> {
    let (rest, _) = pg_tls::split(id, &env).map_err(|e| IdError::Tls(e.to_string()))?;
    let config = rest.parse::<Config>().map_err(|e| IdError::NotUrl {
        db: DB,
        example: EXAMPLE,
        reason: crate::redact::redact(&e.to_string()),
    })?;
    if config.get_password().is_some() {
        return Err(IdError::Password { db: DB });
    }
    if config.get_user().is_none_or(str::is_empty) {
        return Err(IdError::NoUser {
            db: DB,
            example: EXAMPLE,
        });
    }
    Ok(())
}

/// `role X at host:port`, for messages.
fn target(config: &Config) -> String {
    let user = config.get_user().unwrap_or("?");
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let port = config
                .get_ports()
                .get(i)
                .or(config.get_ports().first())
                .copied()
                .unwrap_or(5432);
            match h {
                Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect();
    let at = if hosts.is_empty() {
        "localhost:5432".to_string()
    } else {
        hosts.join(",")
    };
    format!("role {user} at {at}")
}

pub(super) async fn probe(url: &str, secret: &str) -> Outcome {
    let (rest, tls) = match pg_tls::split(url, &env) {
        Ok(pair) => pair,
        Err(e) => return Outcome::inconclusive(format!("{}: {e}", pg_tls::shown_url(url))),
    };
    let mut config: Config = match rest.parse() {
        Ok(c) => c,
        Err(e) => return Outcome::inconclusive(format!("not a PostgreSQL URL: {e}")),
    };
    config
        .password(secret)
        .connect_timeout(PROBE_TIMEOUT)
        .application_name("jitgap-verify")
        .ssl_mode(tls.ssl_mode());
    let target = target(&config);
    let connector = match tls.connector() {
        Ok(c) => c,
        Err(e) => return Outcome::inconclusive(format!("cannot try {target}: {e}")),
    };
    let handshake = Arc::new(Handshake::default());
    let outcome = match connector {
        None => login(&config, NoTls, &target).await,
        Some(inner) => {
            let recording = Recording {
                inner,
                handshake: handshake.clone(),
            };
            login(&config, recording, &target).await
        }
    };
    match outcome {
        Ok(o) => o,
        Err(e)
            if handshake.started() && !handshake.done()
                || error_chain(&e).contains("does not support TLS") =>
        {
            let why = error_chain(&e);
            let host = target.rsplit_once(" at ").map_or("", |(_, h)| h);
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            Outcome::inconclusive(format!(
                "TLS to {} failed ({}): {why}{}; this says nothing about the password",
                pg_tls::shown_url(url),
                tls.describe(),
                handshake_hint(&why, &tls, host)
            ))
        }
        Err(e) => classify_error(&e, &target),
    }
}

/// Log in once; `Err` is the login's own error (classified by the caller).
async fn login<T>(config: &Config, tls: T, target: &str) -> Result<Outcome, tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let (client, connection) =
        match timeout(PROBE_TIMEOUT + Duration::from_secs(2), config.connect(tls)).await {
            Err(_) => {
                return Ok(Outcome::inconclusive(format!(
                    "no answer from {target} within {} s",
                    PROBE_TIMEOUT.as_secs()
                )));
            }
            Ok(Err(e)) => return Err(e),
            Ok(Ok(pair)) => pair,
        };
    let driver = tokio::spawn(connection);
    let select = timeout(PROBE_TIMEOUT, client.simple_query("SELECT 1")).await;
    drop(client); // closes the connection: the driver task ends with it
    let _ = timeout(Duration::from_secs(2), driver).await;
    let ran = match select {
        Ok(Ok(_)) => " and ran SELECT 1",
        _ => " (SELECT 1 then failed)",
    };
    Ok(Outcome::not_effective(format!(
        "the password still works: PostgreSQL accepted the login of {target}{ran}"
    )))
}

fn classify_error(e: &tokio_postgres::Error, target: &str) -> Outcome {
    match e.as_db_error() {
        Some(db) => classify(db.code().code(), db.message(), target),
        None => Outcome::inconclusive(format!(
            "could not get an answer from {target}: {}",
            error_chain(e)
        )),
    }
}

/// The verdict for a server error at login. Pure, so it is tested without a server.
pub(super) fn classify(code: &str, message: &str, target: &str) -> Outcome {
    let lower = message.to_ascii_lowercase();
    let said = format!("PostgreSQL refused the login of {target}: {code} {message}");
    match code {
        "28P01" => Outcome::effective(said),
        "28000" if lower.contains("pg_hba.conf") => Outcome::inconclusive(format!(
            "{said} (a host-based rule: says nothing about the password; probe from a host the role may log in from)"
        )),
        "28000"
            if lower.contains("does not exist")
                || lower.contains("not permitted to log in")
                || lower.contains("password authentication failed")
                || lower.contains("expired") =>
        {
            Outcome::effective(said)
        }
        "3D000" | "42501" => Outcome::not_effective(format!(
            "the password still works: PostgreSQL authenticated {target} and refused only the database ({code} {message})"
        )),
        _ => Outcome::inconclusive(format!("{said} (says nothing certain about the password)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Revocation;

    #[test]
    fn classifies_login_errors() {
        let v = |code: &str, msg: &str| classify(code, msg, "role x at db:5432").verdict;
        assert_eq!(
            v("28P01", "password authentication failed for user \"x\""),
            Revocation::Effective
        );
        assert_eq!(
            v("28000", "role \"x\" does not exist"),
            Revocation::Effective
        );
        assert_eq!(
            v("28000", "role \"x\" is not permitted to log in"),
            Revocation::Effective
        );
        assert_eq!(
            v(
                "28000",
                "no pg_hba.conf entry for host \"10.0.0.1\", user \"x\", database \"d\", no encryption"
            ),
            Revocation::Inconclusive
        );
        assert_eq!(
            v("28000", "Peer authentication failed for user \"x\""),
            Revocation::Inconclusive
        );
        assert_eq!(
            v("3D000", "database \"d\" does not exist"),
            Revocation::NotEffective
        );
        assert_eq!(
            v("53300", "sorry, too many clients already"),
            Revocation::Inconclusive
        );
        assert_eq!(
            v("57P03", "the database system is starting up"),
            Revocation::Inconclusive
        );
    }

    #[test]
    fn urls_with_a_password_are_refused() {
        assert!(check_id("postgres://svc@db:5432/app").is_ok());
        let err = check_id("postgres://svc:hunter22@db:5432/app")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("carries a password") && !err.contains("hunter22"),
            "{err}"
        );
        assert!(check_id("host=db user=svc password=hunter22").is_err());
        assert!(
            check_id("postgres://db:5432/app")
                .unwrap_err()
                .to_string()
                .contains("no user")
        );
    }
}
