//! `sslmode` and `sslrootcert` in a PostgreSQL URL (`?sslmode=verify-full&sslrootcert=ca.pem`)
//! or `key=value` string, and a TLS connector that records whether the handshake happened.
//!
//! tokio-postgres knows neither `verify-ca`/`verify-full` nor `sslrootcert`, so both are taken
//! out of the text before it parses the rest; `PGSSLMODE` and `PGSSLROOTCERT` fill in what the
//! URL leaves out, as with libpq. The verification itself is [`crate::db_tls`]'s.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use percent_encoding::percent_decode_str;
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::password::{Env, Target};
use crate::db_tls::{self, TlsError, TlsMode};
use crate::model::ScopeConnection;

pub(crate) const ROOT_PARAM: &str = "sslrootcert";

/// What the URL asks of TLS.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PgTls {
    pub mode: TlsMode,
    pub rootcert: Option<PathBuf>,
}

impl PgTls {
    /// The mode tokio-postgres negotiates with; verification is the connector's.
    pub(crate) fn ssl_mode(&self) -> SslMode {
        match self.mode {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Prefer => SslMode::Prefer,
            _ => SslMode::Require,
        }
    }

    /// `None` for `disable`; else the connector for the mode.
    pub(crate) fn connector(&self) -> Result<Option<MakeRustlsConnect>, TlsError> {
        if self.mode == TlsMode::Disable {
            return Ok(None);
        }
        let config = db_tls::client_config(self.mode, self.rootcert.as_deref(), ROOT_PARAM)?;
        Ok(Some(MakeRustlsConnect::new(config)))
    }

    /// `sslmode=verify-ca, sslrootcert=/etc/ca.pem` for messages.
    pub(crate) fn describe(&self) -> String {
        let mut s = format!("sslmode={}", self.mode.postgres_name());
        if self.mode.verifies() {
            match &self.rootcert {
                Some(p) => s.push_str(&format!(", {ROOT_PARAM}={}", p.display())),
                None => s.push_str(", the platform's root certificates"),
            }
        }
        s
    }

    /// The record of a connection that was made; `tls` from [`Handshake::done`].
    pub(crate) fn record(&self, tls: bool) -> ScopeConnection {
        let mut c = db_tls::connection_record(self.mode.postgres_name(), tls, self.mode.verifies());
        if !tls && self.mode == TlsMode::Prefer {
            c.note = Some(db_tls::FELL_BACK.into());
        }
        c
    }
}

/// Takes `sslmode` and `sslrootcert` out of `url`: the text left for tokio-postgres and the
/// TLS settings (the environment's `PGSSLMODE` / `PGSSLROOTCERT` when the URL has none).
pub(crate) fn split(url: &str, env: Env<'_>) -> Result<(String, PgTls), TlsError> {
    let (rest, mode, root) = if is_url(url) {
        split_url(url)
    } else {
        split_key_values(url)
    };
    let mode = match mode.or_else(|| env("PGSSLMODE").filter(|v| !v.is_empty())) {
        Some(m) => TlsMode::from_postgres(&m)?,
        None => TlsMode::Prefer,
    };
    let rootcert = root
        .or_else(|| env("PGSSLROOTCERT"))
        .and_then(|v| db_tls::root_path(&v));
    Ok((rest, PgTls { mode, rootcert }))
}

fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

type Split = (String, Option<String>, Option<String>);

fn split_url(url: &str) -> Split {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None, None);
    };
    let (mut mode, mut root, mut kept) = (None, None, Vec::new());
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode_str(k).decode_utf8_lossy();
        let value = || percent_decode_str(v).decode_utf8_lossy().into_owned();
        match key.as_ref() {
            "sslmode" => mode = Some(value()),
            ROOT_PARAM => root = Some(value()),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (rest, mode, root)
}

/// libpq's `key = value` form: values bare or single-quoted, `\` escapes.
fn split_key_values(text: &str) -> Split {
    let (mut mode, mut root, mut rest) = (None, None, String::new());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            let quoted = i < chars.len() && chars[i] == '\'';
            if quoted {
                i += 1;
            }
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        value.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    '\'' if quoted => {
                        i += 1;
                        break;
                    }
                    c if c.is_whitespace() && !quoted => break,
                    c => value.push(c),
                }
                i += 1;
            }
        }
        let token: String = chars[start..i].iter().collect();
        match key.as_str() {
            "sslmode" => mode = Some(value),
            ROOT_PARAM => root = Some(value),
            "" => {}
            _ => {
                if !rest.is_empty() {
                    rest.push(' ');
                }
                rest.push_str(token.trim());
            }
        }
    }
    (rest, mode, root)
}

/// Whether the TLS handshake was started and whether it completed.
#[derive(Debug, Default)]
pub(crate) struct Handshake {
    started: AtomicBool,
    done: AtomicBool,
}

impl Handshake {
    pub(crate) fn started(&self) -> bool {
        self.started.load(Ordering::SeqCst)
    }

    pub(crate) fn done(&self) -> bool {
        self.done.load(Ordering::SeqCst)
    }
}

/// A connector that notes in [`Handshake`] what became of the TLS handshake: with `prefer`,
/// tokio-postgres starts none when the server answers that it offers no TLS.
#[derive(Clone)]
pub(crate) struct Recording<T> {
    pub inner: T,
    pub handshake: Arc<Handshake>,
}

impl<S, T> MakeTlsConnect<S> for Recording<T>
where
    T: MakeTlsConnect<S>,
    <T::TlsConnect as TlsConnect<S>>::Future: Send + 'static,
{
    type Stream = T::Stream;
    type TlsConnect = RecordingConnect<T::TlsConnect>;
    type Error = T::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<Self::TlsConnect, Self::Error> {
        Ok(RecordingConnect {
            inner: self.inner.make_tls_connect(domain)?,
            handshake: self.handshake.clone(),
        })
    }
}

pub(crate) struct RecordingConnect<C> {
    inner: C,
    handshake: Arc<Handshake>,
}

impl<S, C> TlsConnect<S> for RecordingConnect<C>
where
    C: TlsConnect<S>,
    C::Future: Send + 'static,
{
    type Stream = C::Stream;
    type Error = C::Error;
    type Future = Pin<Box<dyn Future<Output = Result<C::Stream, C::Error>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        self.handshake.started.store(true, Ordering::SeqCst);
        let handshake = self.handshake;
        let attempt = self.inner.connect(stream);
        Box::pin(async move {
            let result = attempt.await;
            if result.is_ok() {
                handshake.done.store(true, Ordering::SeqCst);
            }
            result
        })
    }
}

/// A connection that failed during or for want of TLS names the URL and the TLS settings.
pub(crate) fn tls_failure(t: &Target, handshake: &Handshake, e: String) -> String {
    let needs_tls = e.contains("does not support TLS");
    if !(needs_tls || handshake.started() && !handshake.done()) {
        return e;
    }
    let host = t
        .config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_default();
    let detail = e
        .split_once(": cannot connect as ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map_or(e.as_str(), |(_, why)| why);
    format!(
        "{}: TLS to {} failed ({}): {detail}{}",
        t.scope,
        t.shown_url,
        t.tls.describe(),
        handshake_hint(detail, &t.tls, &host)
    )
}

/// A hint for a failed handshake, from rustls' error text.
pub(crate) fn handshake_hint(text: &str, tls: &PgTls, host: &str) -> String {
    let roots = match &tls.rootcert {
        Some(p) => format!("the CA in {ROOT_PARAM}={}", p.display()),
        None => "a CA of the platform's root store (name yours with sslrootcert=FILE)".into(),
    };
    if text.contains("UnknownIssuer") || text.contains("unknown issuer") {
        format!(" (the server's certificate is not signed by {roots})")
    } else if text.contains("not valid for name") || text.contains("NotValidForName") {
        format!(
            " (the server's certificate does not name {host}: connect by a name it holds, or use sslmode=verify-ca to check the CA only)"
        )
    } else if text.contains("Expired") || text.contains("expired") {
        " (the server's certificate has expired or is not yet valid)".into()
    } else if text.contains("does not support TLS") {
        format!(
            " (sslmode={} needs TLS; the server offers none)",
            tls.mode.postgres_name()
        )
    } else {
        String::new()
    }
}

/// The URL as given minus its password, for messages (libpq `key=value` strings included).
pub(crate) fn shown_url(url: &str) -> String {
    if is_url(url) {
        return db_tls::without_password(url);
    }
    let (rest, _, _) = split_key_values(url);
    let kept: Vec<&str> = rest
        .split(' ')
        .filter(|t| !t.starts_with("password"))
        .collect();
    let mut s = kept.join(" ");
    let (_, mode, root) = split_key_values(url);
    for (k, v) in [("sslmode", mode), (ROOT_PARAM, root)] {
        if let Some(v) = v {
            s.push_str(&format!(" {k}={v}"));
        }
    }
    crate::redact::redact(s.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn tls_parameters_leave_the_url_before_tokio_postgres_reads_it() {
        let (rest, tls) = split(
            "postgres://u@db:5432/app?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca.pem",
            &none,
        )
        .unwrap();
        assert_eq!(rest, "postgres://u@db:5432/app?application_name=x");
        assert_eq!(tls.mode, TlsMode::VerifyFull);
        assert_eq!(tls.rootcert, Some(PathBuf::from("/etc/ca.pem")));
        let (rest, tls) = split("postgres://u@db/app?sslmode=require", &none).unwrap();
        assert_eq!(
            (rest.as_str(), tls.mode),
            ("postgres://u@db/app", TlsMode::Require)
        );
        let (_, tls) = split("postgres://u@db/app", &none).unwrap();
        assert_eq!(tls, PgTls::default(), "prefer by default");
        let env = |k: &str| (k == "PGSSLMODE").then(|| "disable".to_string());
        assert_eq!(
            split("postgres://u@db", &env).unwrap().1.mode,
            TlsMode::Disable
        );
        let e = split("postgres://u@db/app?sslmode=verify_full", &none).unwrap_err();
        assert!(e.to_string().contains("sslmode `verify_full`"), "{e}");
    }

    #[test]
    fn key_value_strings_too() {
        let (rest, tls) = split(
            "host=db user=u sslmode = verify-ca sslrootcert='/a dir/ca.pem' dbname=app",
            &none,
        )
        .unwrap();
        assert_eq!(rest, "host=db user=u dbname=app");
        assert_eq!(tls.mode, TlsMode::VerifyCa);
        assert_eq!(tls.rootcert, Some(PathBuf::from("/a dir/ca.pem")));
        assert_eq!(
            shown_url("host=db user=u password=hunter22 sslmode=require"),
            "host=db user=u sslmode=require"
        );
        assert_eq!(
            shown_url("postgres://u:hunter22@db/app?sslmode=require"),
            "postgres://u@db/app?sslmode=require"
        );
    }
}
