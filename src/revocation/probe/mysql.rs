//! `mysql-login` (MySQL and MariaDB): connect with the password once; if accepted,
//! `SELECT 1`, then disconnect.
//!
//! `effective`: 1045 access denied (wrong password and missing user look the same), 4151
//! (MariaDB) / 3118 (MySQL) account locked, 1862 password expired. A login accepted in the
//! expired-password sandbox (1820 on the first statement) is `not-effective`: the holder
//! can set a new password and carry on. 1044/1049 (database denied or missing) come after
//! authentication succeeded: `not-effective` too. 1130 (host not allowed), 1040 (too many
//! connections) and everything else: `inconclusive`.
//!
//! TLS as the URL's `ssl-mode` / `ssl-ca` say (`PREFERRED` by default), as for the scan; a
//! failed handshake or verification is `inconclusive`, naming the URL.

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Opts, OptsBuilder};
use tokio::time::timeout;

use super::{IdError, Outcome, PROBE_TIMEOUT};
use crate::scan::mysql::tls::{self as my_tls, ConnectError};

const DB: &str = "MySQL";
const EXAMPLE: &str = "mysql://user@host:port/db";

pub(super) fn check_id(id: &str) -> Result<(), IdError> {
    let (id, _) = my_tls::split(id).map_err(|e| IdError::Tls(e.to_string()))?;
    let opts = Opts::from_url(&id).map_err(|e| IdError::NotUrl {
        db: DB,
        example: EXAMPLE,
        reason: crate::redact::redact(&e.to_string()),
    })?;
    if opts.pass().is_some() {
        return Err(IdError::Password { db: DB });
    }
    if opts.user().is_none_or(str::is_empty) {
        return Err(IdError::NoUser {
            db: DB,
            example: EXAMPLE,
        });
    }
    Ok(())
}

pub(super) async fn probe(url: &str, secret: &str) -> Outcome {
    let shown = crate::db_tls::without_password(url);
    let (rest, tls) = match my_tls::split(url) {
        Ok(pair) => pair,
        Err(e) => return Outcome::inconclusive(format!("{shown}: {e}")),
    };
    let opts = match Opts::from_url(&rest) {
        Ok(o) => o,
        Err(e) => return Outcome::inconclusive(format!("not a MySQL URL: {e}")),
    };
    let target = format!(
        "user {} at {}:{}",
        opts.user().unwrap_or("?"),
        opts.ip_or_hostname(),
        opts.tcp_port()
    );
    // Over TCP as the URL says: no switch to a local socket, where another account may match.
    let opts = OptsBuilder::from_opts(opts)
        .pass(Some(secret))
        .prefer_socket(false);
    let mut conn = match my_tls::connect(opts, &tls, &shown, PROBE_TIMEOUT).await {
        Err(ConnectError::Timeout(_)) => {
            return Outcome::inconclusive(format!(
                "no answer from {target} within {} s",
                PROBE_TIMEOUT.as_secs()
            ));
        }
        Err(ConnectError::Driver(e)) => return classify_error(&e, &target),
        Err(e) => {
            return Outcome::inconclusive(format!(
                "cannot try {target}: {e}; this says nothing about the password"
            ));
        }
        Ok((conn, _)) => conn,
    };
    let select = timeout(PROBE_TIMEOUT, conn.query_drop("SELECT 1")).await;
    let _ = timeout(Duration::from_secs(2), conn.disconnect()).await;
    match select {
        Ok(Err(e)) if server_code(&e) == Some(1820) => sandboxed(&target),
        Ok(Ok(())) => Outcome::not_effective(format!(
            "the password still works: the server accepted the login of {target} and ran SELECT 1"
        )),
        _ => Outcome::not_effective(format!(
            "the password still works: the server accepted the login of {target} (SELECT 1 then failed)"
        )),
    }
}

fn server_code(e: &mysql_async::Error) -> Option<u16> {
    match e {
        mysql_async::Error::Server(s) => Some(s.code),
        _ => None,
    }
}

fn sandboxed(target: &str) -> Outcome {
    Outcome::not_effective(format!(
        "the password still works: the server let {target} in with an expired password (1820, sandbox mode), \
         where the holder can set a new one"
    ))
}

fn classify_error(e: &mysql_async::Error, target: &str) -> Outcome {
    match e {
        mysql_async::Error::Server(s) => classify(s.code, &s.message, target),
        // mysql_async repeats each cause in its own text: the innermost one says it all.
        other => {
            let mut cause: &dyn std::error::Error = other;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            Outcome::inconclusive(format!("could not get an answer from {target}: {cause}"))
        }
    }
}

/// The verdict for a server error at login. Pure, so it is tested without a server.
pub(super) fn classify(code: u16, message: &str, target: &str) -> Outcome {
    let said = format!("the server refused the login of {target}: {code} {message}");
    match code {
        1045 | 4151 | 3118 | 1862 => Outcome::effective(said),
        1820 => sandboxed(target),
        1044 | 1049 => Outcome::not_effective(format!(
            "the password still works: the server authenticated {target} and refused only the database ({code} {message})"
        )),
        1130 => Outcome::inconclusive(format!(
            "{said} (a host rule: says nothing about the password; probe from a host the account may log in from)"
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
        let v = |code: u16, msg: &str| classify(code, msg, "user x at db:3306").verdict;
        assert_eq!(
            v(
                1045,
                "Access denied for user 'x'@'10.0.0.1' (using password: YES)"
            ),
            Revocation::Effective
        );
        assert_eq!(
            v(4151, "Access denied, this account is locked"),
            Revocation::Effective
        );
        assert_eq!(
            v(3118, "Access denied for user 'x'@'%'. Account is locked."),
            Revocation::Effective
        );
        assert_eq!(v(1862, "Your password has expired."), Revocation::Effective);
        assert_eq!(
            v(1820, "You must reset your password"),
            Revocation::NotEffective
        );
        assert_eq!(
            v(1044, "Access denied for user 'x'@'%' to database 'd'"),
            Revocation::NotEffective
        );
        assert_eq!(
            v(1130, "Host '10.0.0.1' is not allowed to connect"),
            Revocation::Inconclusive
        );
        assert_eq!(v(1040, "Too many connections"), Revocation::Inconclusive);
    }

    #[test]
    fn urls_with_a_password_are_refused() {
        assert!(check_id("mysql://svc@db:3306/app").is_ok());
        let err = check_id("mysql://svc:hunter22@db:3306/app")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("carries a password") && !err.contains("hunter22"),
            "{err}"
        );
        assert!(
            check_id("mysql://db:3306/app")
                .unwrap_err()
                .to_string()
                .contains("no user")
        );
        assert!(check_id("postgres://svc@db/app").is_err());
    }
}
