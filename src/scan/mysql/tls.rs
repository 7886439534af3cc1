//! `ssl-mode` and `ssl-ca` in a MySQL/MariaDB URL (`?ssl-mode=VERIFY_IDENTITY&ssl-ca=ca.pem`),
//! and a connection made the way the mode asks (see [`crate::db_tls`] for the modes).
//!
//! mysql_async does the handshake with rustls on the aws-lc-rs provider; its own URL
//! parameters for TLS (`require_ssl`, `verify_ca`, …) are refused in favour of the mysql
//! client's names. `PREFERRED` reconnects without TLS only when the server's handshake does
//! not offer it. `VERIFY_CA`: mysql_async 0.37.1 recognises a host-name mismatch by an error
//! text rustls no longer prints (blackbeam/mysql_async#404), so on a name mismatch from a
//! chain that was otherwise accepted, the connection is retried with the TLS host name set to
//! a name the certificate holds: the chain is still checked against the CA, the host is not.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use mysql_async::{Conn, DriverError, Opts, OptsBuilder, SslOpts};
use percent_encoding::percent_decode_str;
use rustls::CertificateError;
use tokio::time::timeout;

use crate::db_tls::{self, TlsError, TlsMode};
use crate::model::ScopeConnection;

const ROOT_PARAM: &str = "ssl-ca";
/// mysql_async's own TLS parameters, refused so one spelling decides.
const DRIVER_PARAMS: [&str; 4] = [
    "require_ssl",
    "verify_ca",
    "verify_identity",
    "built_in_roots",
];

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MysqlTls {
    pub mode: TlsMode,
    pub ca: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("{0}")]
    Setup(#[from] TlsError),
    #[error(
        "the URL's {0} is mysql_async's own TLS parameter: use ssl-mode=DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY and ssl-ca=FILE"
    )]
    DriverParam(String),
    #[error("no answer within {0}s")]
    Timeout(u64),
    #[error("TLS to {url} failed (ssl-mode={mode}): {detail}{hint}")]
    Tls {
        url: String,
        mode: &'static str,
        detail: String,
        hint: String,
    },
    #[error("{0}")]
    Driver(mysql_async::Error),
}

/// Takes `ssl-mode` / `ssl-ca` (also spelled `ssl_mode` / `ssl_ca`) out of `url`.
pub(crate) fn split(url: &str) -> Result<(String, MysqlTls), ConnectError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), MysqlTls::default()));
    };
    let (mut mode, mut ca, mut kept) = (None, None, Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode_str(v).decode_utf8_lossy().into_owned();
        match percent_decode_str(k).decode_utf8_lossy().as_ref() {
            "ssl-mode" | "ssl_mode" => mode = Some(TlsMode::from_mysql(&value)?),
            "ssl-ca" | "ssl_ca" => ca = db_tls::root_path(&value),
            k if DRIVER_PARAMS.contains(&k) => return Err(ConnectError::DriverParam(k.into())),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((
        rest,
        MysqlTls {
            mode: mode.unwrap_or_default(),
            ca,
        },
    ))
}

impl MysqlTls {
    fn ssl_opts(&self) -> Result<Option<SslOpts>, TlsError> {
        let opts = SslOpts::default();
        Ok(match self.mode {
            TlsMode::Disable => None,
            // Encrypt, accept any certificate; mysql_async still checks the handshake signature.
            TlsMode::Prefer | TlsMode::Require => Some(opts.with_danger_accept_invalid_certs(true)),
            TlsMode::VerifyCa | TlsMode::VerifyFull => {
                let roots = db_tls::root_certificates(self.ca.as_deref(), ROOT_PARAM)?
                    .into_iter()
                    .map(|c| c.to_vec().into())
                    .collect();
                Some(
                    opts.with_root_certs(roots)
                        .with_disable_built_in_roots(true)
                        .with_danger_skip_domain_validation(self.mode == TlsMode::VerifyCa),
                )
            }
        })
    }

    fn record(&self, tls: bool) -> ScopeConnection {
        let mut c = db_tls::connection_record(self.mode.mysql_name(), tls, self.mode.verifies());
        if !tls && self.mode == TlsMode::Prefer {
            c.note = Some(db_tls::FELL_BACK.into());
        }
        c
    }
}

/// Connects as `tls` asks; `shown_url` (no password) names the server in TLS errors.
pub(crate) async fn connect(
    builder: OptsBuilder,
    tls: &MysqlTls,
    shown_url: &str,
    limit: Duration,
) -> Result<(Conn, ScopeConnection), ConnectError> {
    // mysql_async builds its rustls config on the process-wide provider: make it aws-lc-rs.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let ssl = tls.ssl_opts()?;
    let attempt = |ssl: Option<SslOpts>| {
        let opts: Opts = builder.clone().ssl_opts(ssl).into();
        async move {
            match timeout(limit, Conn::new(opts)).await {
                Err(_) => Err(ConnectError::Timeout(limit.as_secs())),
                Ok(r) => r.map_err(ConnectError::Driver),
            }
        }
    };
    let tls_error = |e: &mysql_async::Error| ConnectError::Tls {
        url: shown_url.to_string(),
        mode: tls.mode.mysql_name(),
        detail: innermost(e),
        hint: hint(e, tls),
    };
    match attempt(ssl.clone()).await {
        Ok(conn) => Ok((conn, tls.record(ssl.is_some()))),
        Err(ConnectError::Driver(mysql_async::Error::Driver(
            DriverError::NoClientSslFlagFromServer,
        ))) if tls.mode == TlsMode::Prefer => {
            let conn = attempt(None).await?;
            Ok((conn, tls.record(false)))
        }
        Err(ConnectError::Driver(e))
            if tls.mode == TlsMode::VerifyCa && name_mismatch(&e).is_some() =>
        {
            let name = name_mismatch(&e).unwrap_or_default();
            let retry = ssl.map(|s| s.with_danger_tls_hostname_override(Some(name)));
            match attempt(retry).await {
                Ok(conn) => Ok((conn, tls.record(true))),
                Err(ConnectError::Driver(e)) if rustls_error(&e).is_some() => Err(tls_error(&e)),
                Err(e) => Err(e),
            }
        }
        Err(ConnectError::Driver(e)) if is_tls_failure(&e) && ssl.is_some() => Err(tls_error(&e)),
        Err(e) => Err(e),
    }
}

fn is_tls_failure(e: &mysql_async::Error) -> bool {
    matches!(
        e,
        mysql_async::Error::Driver(DriverError::NoClientSslFlagFromServer)
    ) || rustls_error(e).is_some()
        || matches!(e, mysql_async::Error::Io(mysql_async::IoError::Tls(_)))
}

/// The rustls error behind a failed handshake (tokio-rustls wraps it in an io::Error).
fn rustls_error(e: &mysql_async::Error) -> Option<&rustls::Error> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && let Some(r) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            return Some(r);
        }
        cause = c.source();
    }
    None
}

/// A name the certificate holds, when the only fault rustls found is the host name.
fn name_mismatch(e: &mysql_async::Error) -> Option<String> {
    match rustls_error(e)? {
        rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            presented,
            ..
        }) => presented.iter().find_map(|p| presented_name(p)),
        _ => None,
    }
}

/// webpki lists the names as `DnsName("db.internal")` or `IpAddress(10.0.0.5)`.
fn presented_name(p: &str) -> Option<String> {
    if let Some(dns) = p
        .strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
    {
        return (!dns.starts_with('*')).then(|| dns.to_string());
    }
    let ip = p.strip_prefix("IpAddress(")?.strip_suffix(')')?;
    ip.parse::<IpAddr>().ok().map(|ip| ip.to_string())
}

fn innermost(e: &mysql_async::Error) -> String {
    if let Some(r) = rustls_error(e) {
        return r.to_string();
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

fn hint(e: &mysql_async::Error, tls: &MysqlTls) -> String {
    let roots = match &tls.ca {
        Some(p) => format!("the CA in {ROOT_PARAM}={}", p.display()),
        None => "a CA of the platform's root store (name yours with ssl-ca=FILE)".into(),
    };
    match rustls_error(e) {
        Some(rustls::Error::InvalidCertificate(c)) => match c {
            CertificateError::UnknownIssuer => {
                format!(" (the server's certificate is not signed by {roots})")
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                " (the server's certificate does not name the host in the URL: connect by a name it holds, or use ssl-mode=VERIFY_CA to check the CA only)".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                " (the server's certificate has expired)".into()
            }
            _ => String::new(),
        },
        _ if matches!(
            e,
            mysql_async::Error::Driver(DriverError::NoClientSslFlagFromServer)
        ) =>
        {
            format!(
                " (ssl-mode={} needs TLS; the server offers none)",
                tls.mode.mysql_name()
            )
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_leave_the_url_before_mysql_async_reads_it() {
        let (rest, tls) =
            split("mysql://u@db:3306/app?ssl-mode=verify_identity&ssl-ca=%2Fetc%2Fca.pem&x=1")
                .unwrap();
        assert_eq!(rest, "mysql://u@db:3306/app?x=1");
        assert_eq!(tls.mode, TlsMode::VerifyFull);
        assert_eq!(tls.ca, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(split("mysql://u@db").unwrap().1, MysqlTls::default());
        let e = split("mysql://u@db/?ssl-mode=strict")
            .unwrap_err()
            .to_string();
        assert!(e.contains("ssl-mode `strict`"), "{e}");
        let e = split("mysql://u@db/?require_ssl=true")
            .unwrap_err()
            .to_string();
        assert!(e.contains("require_ssl") && e.contains("ssl-mode="), "{e}");
    }

    #[test]
    fn presented_names_as_webpki_lists_them() {
        assert_eq!(
            presented_name("DnsName(\"db.internal\")").as_deref(),
            Some("db.internal")
        );
        assert_eq!(
            presented_name("IpAddress(10.0.0.5)").as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(presented_name("DnsName(\"*.example.com\")"), None);
        assert_eq!(presented_name("DirectoryName"), None);
    }
}
