//! TLS for the database connections (PostgreSQL, MySQL/MariaDB): the modes a URL asks for,
//! the root certificates to trust, and rustls client configurations, all on the aws-lc-rs
//! provider that reqwest and the AWS SDK use too (one TLS stack in the binary).
//!
//! | PostgreSQL `sslmode` | MySQL `ssl-mode` | encrypts | checks the chain | checks the host |
//! |---|---|---|---|---|
//! | `disable` | `DISABLED` | no | – | – |
//! | `prefer` (default) | `PREFERRED` (default) | when the server offers TLS | no | no |
//! | `require` | `REQUIRED` | yes | no | no |
//! | `verify-ca` | `VERIFY_CA` | yes | yes | no |
//! | `verify-full` | `VERIFY_IDENTITY` | yes | yes | yes |
//!
//! The chain is checked against the file `sslrootcert` / `ssl-ca` names, else against the
//! platform's root store. Without verification the handshake signature is still checked (the
//! server proves it holds the key of the certificate it sent), as libpq does.

mod verify;

use std::path::{Path, PathBuf};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::model::ScopeConnection;

pub(crate) use verify::client_config;

/// How a connection is protected, in the order of strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum TlsMode {
    Disable,
    #[default]
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

const PG_NAMES: [(&str, TlsMode); 5] = [
    ("disable", TlsMode::Disable),
    ("prefer", TlsMode::Prefer),
    ("require", TlsMode::Require),
    ("verify-ca", TlsMode::VerifyCa),
    ("verify-full", TlsMode::VerifyFull),
];

const MYSQL_NAMES: [(&str, TlsMode); 5] = [
    ("DISABLED", TlsMode::Disable),
    ("PREFERRED", TlsMode::Prefer),
    ("REQUIRED", TlsMode::Require),
    ("VERIFY_CA", TlsMode::VerifyCa),
    ("VERIFY_IDENTITY", TlsMode::VerifyFull),
];

#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsError {
    #[error("unknown {param} `{value}` in the URL (use one of {allowed})")]
    UnknownMode {
        param: &'static str,
        value: String,
        allowed: String,
    },
    #[error("{param}={path}: cannot read it: {source}")]
    RootFile {
        param: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("{param}={path}: no PEM certificate in it")]
    NoCertificate { param: &'static str, path: String },
    #[error("{param}={path}: a certificate in it is not usable as a trust anchor: {source}")]
    BadAnchor {
        param: &'static str,
        path: String,
        source: rustls::Error,
    },
    #[error(
        "no {param} given and the platform's root store holds no certificate ({detail}); name a CA file with {param}=FILE"
    )]
    NoPlatformRoots { param: &'static str, detail: String },
    #[error("cannot build the TLS client: {0}")]
    Rustls(#[from] rustls::Error),
}

impl TlsMode {
    /// libpq's `sslmode` names (case-sensitive, as libpq reads them).
    pub(crate) fn from_postgres(value: &str) -> Result<Self, TlsError> {
        lookup(&PG_NAMES, value, "sslmode", false)
    }

    /// MySQL's `--ssl-mode` names, case-insensitive as the mysql client reads them.
    pub(crate) fn from_mysql(value: &str) -> Result<Self, TlsError> {
        lookup(&MYSQL_NAMES, value, "ssl-mode", true)
    }

    pub(crate) fn postgres_name(self) -> &'static str {
        name(&PG_NAMES, self)
    }

    pub(crate) fn mysql_name(self) -> &'static str {
        name(&MYSQL_NAMES, self)
    }

    /// The certificate chain is checked.
    pub(crate) fn verifies(self) -> bool {
        self >= TlsMode::VerifyCa
    }
}

fn lookup(
    names: &[(&str, TlsMode)],
    value: &str,
    param: &'static str,
    any_case: bool,
) -> Result<TlsMode, TlsError> {
    names
        .iter()
        .find(|(n, _)| {
            if any_case {
                n.eq_ignore_ascii_case(value)
            } else {
                *n == value
            }
        })
        .map(|(_, m)| *m)
        .ok_or_else(|| TlsError::UnknownMode {
            param,
            value: value.to_string(),
            allowed: names.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
        })
}

fn name(names: &[(&'static str, TlsMode)], mode: TlsMode) -> &'static str {
    names
        .iter()
        .find(|(_, m)| *m == mode)
        .map_or("?", |(n, _)| n)
}

/// The trust anchors for a verifying mode: every PEM certificate in `file`, else the
/// platform's root store. `param` names the URL parameter in messages.
pub(crate) fn root_certificates(
    file: Option<&Path>,
    param: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let Some(file) = file else {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() {
            let detail = found
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(TlsError::NoPlatformRoots { param, detail });
        }
        return Ok(found.certs);
    };
    let path = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|source| TlsError::RootFile {
        param,
        path: path.clone(),
        source,
    })?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { param, path });
    }
    Ok(certs)
}

/// What a database connection ended up as, for the catalog document and the report.
pub(crate) fn connection_record(mode_name: &str, tls: bool, verified: bool) -> ScopeConnection {
    ScopeConnection {
        tls,
        verified: tls && verified,
        mode: mode_name.to_string(),
        note: None,
    }
}

/// The note of a `prefer` connection that went plaintext because the server has no TLS.
pub(crate) const FELL_BACK: &str =
    "the server offers no TLS: the connection fell back to plaintext";

/// A root file named in a URL, as a path (`~/` is not expanded, as libpq does not).
pub(crate) fn root_path(value: &str) -> Option<PathBuf> {
    (!value.is_empty()).then(|| PathBuf::from(value))
}

/// `scheme://user:password@host/…` without `:password`, for messages (then redacted too).
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return crate::redact::redact(url);
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let shown = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => url.to_string(),
    };
    crate::redact::redact(&shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_by_their_url_names() {
        assert_eq!(
            TlsMode::from_postgres("verify-full").unwrap(),
            TlsMode::VerifyFull
        );
        assert_eq!(TlsMode::from_mysql("verify_ca").unwrap(), TlsMode::VerifyCa);
        assert_eq!(TlsMode::from_mysql("Preferred").unwrap(), TlsMode::Prefer);
        assert_eq!(TlsMode::VerifyFull.mysql_name(), "VERIFY_IDENTITY");
        assert_eq!(TlsMode::default().postgres_name(), "prefer");
        let e = TlsMode::from_postgres("VERIFY-FULL")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sslmode") && e.contains("verify-full"), "{e}");
        let e = TlsMode::from_mysql("on").unwrap_err().to_string();
        assert!(
            e.contains("ssl-mode `on`") && e.contains("VERIFY_IDENTITY"),
            "{e}"
        );
        assert!(TlsMode::VerifyCa.verifies() && !TlsMode::Require.verifies());
    }

    #[test]
    fn urls_in_messages_lose_their_password() {
        assert_eq!(
            without_password("mysql://svc:p@ss@db:3306/?ssl-mode=REQUIRED"),
            "mysql://svc@db:3306/?ssl-mode=REQUIRED"
        );
        assert_eq!(without_password("postgres://db/app"), "postgres://db/app");
    }

    #[test]
    fn a_root_file_must_hold_a_pem_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("absent.pem");
        let e = root_certificates(Some(&missing), "sslrootcert").unwrap_err();
        assert!(e.to_string().starts_with("sslrootcert="), "{e}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = root_certificates(Some(&empty), "ssl-ca").unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
    }
}
