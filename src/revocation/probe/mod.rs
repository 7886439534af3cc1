//! Active revocation proof (opt-in): a credential that should be gone is tried once, with a
//! harmless read-only call, against the boundary that issued it.
//!
//! | kind | call | `effective` when the boundary answers |
//! |---|---|---|
//! | `aws-access-key` | STS `GetCallerIdentity` | `InvalidClientTokenId`, `SignatureDoesNotMatch` |
//! | `postgres-login` | connect (+ `SELECT 1`) | `28P01`; `28000` role missing / not permitted to log in |
//! | `mysql-login` | connect (+ `SELECT 1`) | 1045 access denied, 4151/3118 account locked, 1862 password expired |
//!
//! Accepted → `not-effective` (the credential still works). Anything else — throttling, a
//! network error, a timeout, TLS, a host-based refusal, an ambiguous 403, an unknown code —
//! → `inconclusive`, with the reason. Secrets never leave a probe: every text that does is
//! passed through [`scrub`] (the exact secret, its percent-encoded form, then
//! [`crate::redact::redact`]).

mod aws;
mod mysql;
mod postgres;

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::model::Revocation;
use crate::redact::{REDACTED, redact};

/// Each probe gives up after this long; an unanswered probe is `inconclusive`.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

crate::model::kebab_enum!(
    /// What a probe line names.
    ProbeKind {
        AwsAccessKey => "aws-access-key",
        PostgresLogin => "postgres-login",
        MysqlLogin => "mysql-login"
    }
);

/// An `id` that does not fit its kind. Messages quote no value that could be a secret.
#[derive(Debug, thiserror::Error)]
pub enum IdError {
    #[error(
        "`id` is not an AWS access key id (16 to 128 upper-case letters and digits, e.g. AKIA…)"
    )]
    NotAwsKeyId,
    #[error(
        "`id` is a temporary key (ASIA…): it needs its session token, which this format does not carry; \
         without it STS rejects the key even while it is valid, so the probe would prove nothing"
    )]
    TemporaryAwsKey,
    /// A TLS parameter of a database URL that does not parse, as its parser words it.
    #[error("`id`: {0}")]
    Tls(String),
    /// `reason` is already redacted.
    #[error("`id` is not a {db} URL ({example}): {reason}")]
    NotUrl {
        db: &'static str,
        example: &'static str,
        reason: String,
    },
    #[error(
        "the {db} URL in `id` carries a password: `id` is echoed in every result, so \
         remove the password from it and put it in `secret` or `secret_env`"
    )]
    Password { db: &'static str },
    #[error("the {db} URL in `id` names no user ({example})")]
    NoUser {
        db: &'static str,
        example: &'static str,
    },
}

/// A secret value. Its `Debug` form is redacted and it has no `Serialize`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

/// One credential to try. `id` never holds the secret (a URL with a password is refused).
#[derive(Debug, Clone)]
pub struct ProbeInput {
    pub kind: ProbeKind,
    /// AWS access key id, or a PostgreSQL / MySQL URL without password.
    pub id: String,
    secret: Secret,
}

impl ProbeInput {
    /// Checks `id` for its kind: an AWS key id must be a long-term key (`AKIA…`: a temporary
    /// `ASIA…` key needs a session token this format does not carry, and without it STS
    /// would reject a still-valid key); a database URL must name a user and hold no password.
    pub fn new(kind: ProbeKind, id: impl Into<String>, secret: Secret) -> Result<Self, IdError> {
        let id = id.into().trim().to_string();
        match kind {
            ProbeKind::AwsAccessKey => aws::check_id(&id)?,
            ProbeKind::PostgresLogin => postgres::check_id(&id)?,
            ProbeKind::MysqlLogin => mysql::check_id(&id)?,
        }
        Ok(ProbeInput { kind, id, secret })
    }
}

/// Where the probes go. `None` = the AWS default endpoint (honouring `AWS_ENDPOINT_URL_STS`
/// and `AWS_ENDPOINT_URL`).
#[derive(Debug, Clone, Default)]
pub struct ProbeOptions {
    pub aws_endpoint_url: Option<String>,
}

impl ProbeOptions {
    /// From the command's boundary flags (`--aws-endpoint-url`), else `AWS_ENDPOINT_URL`.
    pub fn from_flags(flags: Option<&clap::ArgMatches>) -> ProbeOptions {
        let flag = flags
            .and_then(|f| f.try_get_one::<String>("aws_endpoint_url").ok().flatten())
            .cloned();
        ProbeOptions {
            aws_endpoint_url: flag.or_else(|| {
                std::env::var("AWS_ENDPOINT_URL")
                    .ok()
                    .filter(|e| !e.is_empty())
            }),
        }
    }
}

/// The verdict for one credential.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeResult {
    pub kind: ProbeKind,
    pub id: String,
    pub verdict: Revocation,
    pub reason: String,
}

/// What a probe found, before it is scrubbed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub verdict: Revocation,
    pub reason: String,
}

impl Outcome {
    pub fn effective(reason: impl Into<String>) -> Self {
        Outcome {
            verdict: Revocation::Effective,
            reason: reason.into(),
        }
    }
    pub fn not_effective(reason: impl Into<String>) -> Self {
        Outcome {
            verdict: Revocation::NotEffective,
            reason: reason.into(),
        }
    }
    pub fn inconclusive(reason: impl Into<String>) -> Self {
        Outcome {
            verdict: Revocation::Inconclusive,
            reason: reason.into(),
        }
    }
}

/// Tries one credential once and scrubs everything that comes back.
pub(crate) async fn probe(input: &ProbeInput, opts: &ProbeOptions) -> ProbeResult {
    let secret = input.secret.expose();
    let work = async {
        match input.kind {
            ProbeKind::AwsAccessKey => aws::probe(&input.id, secret, opts).await,
            ProbeKind::PostgresLogin => postgres::probe(&input.id, secret).await,
            ProbeKind::MysqlLogin => mysql::probe(&input.id, secret).await,
        }
    };
    // Each probe bounds its own calls; this is the backstop.
    let outcome = match tokio::time::timeout(PROBE_TIMEOUT + Duration::from_secs(5), work).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::inconclusive(format!(
            "no answer within {} s",
            (PROBE_TIMEOUT + Duration::from_secs(5)).as_secs()
        )),
    };
    ProbeResult {
        kind: input.kind,
        id: scrub(&input.id, secret),
        verdict: outcome.verdict,
        reason: scrub(&outcome.reason, secret),
    }
}

/// Removes `secret` (as is and percent-encoded) from `text`, then anything else that looks
/// like a secret.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    let mut out = text.to_string();
    if !secret.is_empty() {
        out = out.replace(secret, REDACTED);
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        if encoded != secret {
            out = out.replace(&encoded, REDACTED);
        }
    }
    redact(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_the_exact_secret_and_its_encoded_form() {
        let secret = "s3cr3t pass/word";
        let text = "failed for s3cr3t pass/word and s3cr3t%20pass%2Fword";
        let out = scrub(text, secret);
        assert!(!out.contains("s3cr3t"), "{out}");
    }

    #[test]
    fn secret_debug_is_redacted() {
        let input = ProbeInput::new(
            ProbeKind::AwsAccessKey,
            "AKIAEXAMPLEKEY000001",
            Secret::new("very-secret-value"),
        )
        .unwrap();
        assert!(!format!("{input:?}").contains("very-secret-value"));
    }

    #[test]
    fn kinds_parse_and_print_in_kebab_case() {
        for kind in ProbeKind::ALL {
            assert_eq!(kind.as_str().parse::<ProbeKind>().unwrap(), *kind);
        }
        assert!("ssh-key".parse::<ProbeKind>().is_err());
    }
}
