//! Active revocation proof (opt-in): a credential that should be gone is tried once, with a
//! harmless read-only call, against the boundary that issued it.
//!
//! | kind | call | `effective` when the boundary answers |
//! |---|---|---|
//! | `aws-access-key` | STS `GetCallerIdentity` | `InvalidClientTokenId`, `SignatureDoesNotMatch` |
//! | `postgres-login` | connect (+ `SELECT 1`) | `28P01`; `28000` role missing / not permitted to log in |
//! | `mysql-login` | connect (+ `SELECT 1`) | 1045 access denied, 4151/3118 account locked, 1862 password expired |
//! | `azure-client-secret` | one Entra client-credentials token request (`tenant` required) | AADSTS7000215 invalid secret, AADSTS7000222 expired secret, AADSTS700016 application not in the tenant |
//! | `gcp-service-account-key` | one signed-JWT token grant at the Google token endpoint | HTTP 400 `invalid_grant` (key deleted or disabled, service account deleted) |
//! | `github-token` | `GET /user`; an installation token (`ghs_…`, an `id` naming `…/installations/ID`, or a 403 "Resource not accessible by integration" from `/user`) `GET /installation/repositories` | HTTP 401 "Bad credentials" (revoked, expired, deleted); a 200 from `/user` after an organization-level revocation is reported with its caveat |
//! | `kubernetes-token` | `GET {id}/api/v1/namespaces?limit=1` (`id` the API server URL) | HTTP 401; a 200 **or 403** (the token authenticated, only that call was refused) is `not-effective` |
//!
//! Accepted → `not-effective` (the credential still works). Anything else — throttling, a
//! network error, a timeout, TLS, a host-based refusal, an ambiguous 403, an unknown code —
//! → `inconclusive`, with the reason. Secrets never leave a probe: every text that does is
//! passed through [`scrub`] (the exact secret, its percent-encoded and form-urlencoded forms,
//! then [`crate::redact::redact`]).

mod aws;
mod azure;
mod gcp;
mod github;
mod kubernetes;
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
        MysqlLogin => "mysql-login",
        AzureClientSecret => "azure-client-secret",
        GcpServiceAccountKey => "gcp-service-account-key",
        GithubToken => "github-token",
        KubernetesToken => "kubernetes-token"
    }
);

/// An `id` or `tenant` that does not fit its kind. Messages quote no value that could be a
/// secret.
#[derive(Debug, thiserror::Error)]
pub enum IdError {
    #[error(
        "`id` is not an Azure client (application) id: expected a GUID \
         (00000000-0000-0000-0000-000000000000)"
    )]
    NotClientId,
    #[error(
        "`tenant` is neither a tenant id (a GUID) nor a domain name (contoso.onmicrosoft.com); \
         `common`, `organizations` and `consumers` cannot issue a client-credentials token"
    )]
    NotTenant,
    #[error(
        "`id` is not a Google Cloud service-account key: expected the key's name \
         (projects/PROJECT/serviceAccounts/EMAIL/keys/KEY_ID) or the service account's email"
    )]
    NotGcpKey,
    #[error("`id` is empty: name the GitHub token (the identity jitgap reported, or a note)")]
    EmptyGithubId,
    #[error(
        "`id` holds what looks like a GitHub token: `id` is echoed in every result, so name \
         the token there and put the token itself in `secret_env`"
    )]
    GithubTokenInId,
    #[error(
        "`id` is not a Kubernetes API server URL (https://HOST:PORT; plain http only to a loopback host, as `kubectl proxy` serves)"
    )]
    NotKubeServer,
    #[error("missing `tenant`: {kind} needs the Entra tenant id or domain")]
    TenantMissing { kind: ProbeKind },
    #[error("`tenant` is only for azure-client-secret; a {kind} line takes none")]
    TenantNotAllowed { kind: ProbeKind },
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
    /// AWS access key id, a PostgreSQL / MySQL URL without password, an Azure client id, a
    /// Google Cloud service-account key's name (or its service account's email), or free text
    /// naming a GitHub token (never the token).
    pub id: String,
    /// The Entra tenant (id or domain) of an `azure-client-secret`; `None` for the others.
    pub tenant: Option<String>,
    secret: Secret,
}

impl ProbeInput {
    /// Checks `id` for its kind: an AWS key id must be a long-term key (`AKIA…`: a temporary
    /// `ASIA…` key needs a session token this format does not carry, and without it STS
    /// would reject a still-valid key); a database URL must name a user and hold no password.
    /// A kind that needs a tenant (`azure-client-secret`) is refused here: use
    /// [`ProbeInput::with_tenant`].
    pub fn new(kind: ProbeKind, id: impl Into<String>, secret: Secret) -> Result<Self, IdError> {
        Self::with_tenant(kind, None, id, secret)
    }

    /// As [`ProbeInput::new`], with the `tenant` an `azure-client-secret` needs (a GUID or a
    /// domain name; the client id in `id` a GUID). Any other kind refuses a tenant.
    pub fn with_tenant(
        kind: ProbeKind,
        tenant: Option<&str>,
        id: impl Into<String>,
        secret: Secret,
    ) -> Result<Self, IdError> {
        let id = id.into().trim().to_string();
        let tenant = tenant.map(|t| t.trim().to_string());
        match (kind, &tenant) {
            (ProbeKind::AzureClientSecret, None) => return Err(IdError::TenantMissing { kind }),
            (ProbeKind::AzureClientSecret, Some(t)) => azure::check_tenant(t)?,
            (_, Some(_)) => return Err(IdError::TenantNotAllowed { kind }),
            (_, None) => {}
        }
        match kind {
            ProbeKind::AwsAccessKey => aws::check_id(&id)?,
            ProbeKind::PostgresLogin => postgres::check_id(&id)?,
            ProbeKind::MysqlLogin => mysql::check_id(&id)?,
            ProbeKind::AzureClientSecret => azure::check_id(&id)?,
            ProbeKind::GcpServiceAccountKey => gcp::check_id(&id)?,
            ProbeKind::GithubToken => github::check_id(&id)?,
            ProbeKind::KubernetesToken => kubernetes::check_id(&id)?,
        }
        Ok(ProbeInput {
            kind,
            id,
            tenant,
            secret,
        })
    }
}

/// Where the probes go. `aws_endpoint_url: None` = the AWS default endpoint (honouring
/// `AWS_ENDPOINT_URL_STS` and `AWS_ENDPOINT_URL`); `azure_authority_url` is the Entra
/// authority without a trailing slash (default `https://login.microsoftonline.com`);
/// `gcp_token_url` the Google OAuth 2.0 token endpoint (default
/// `https://oauth2.googleapis.com/token`), also the `aud` of the assertions sent there;
/// `github_api_url` the GitHub REST API base URL without a trailing slash (default
/// `https://api.github.com`).
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub aws_endpoint_url: Option<String>,
    pub azure_authority_url: String,
    pub gcp_token_url: String,
    pub github_api_url: String,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            aws_endpoint_url: None,
            azure_authority_url: crate::scan::azure::authority_url(None, None),
            gcp_token_url: crate::scan::gcp::token_url(None, None),
            github_api_url: crate::scan::github::api_url(None, None),
        }
    }
}

impl ProbeOptions {
    /// From the command's boundary flags (`--aws-endpoint-url`, else `AWS_ENDPOINT_URL`;
    /// `--azure-authority-url`, else `authority_url` in `azure`, the `[sources.azure]` table
    /// when the command read a config, else the public cloud's authority; `--gcp-token-url`,
    /// else `token_url` in `[sources.gcp]`, else Google's token endpoint; `--github-api-url`,
    /// else `api_url` in `[sources.github]`, else `https://api.github.com`).
    pub fn from_flags(
        flags: Option<&clap::ArgMatches>,
        sources: Option<&std::collections::BTreeMap<String, toml::Value>>,
    ) -> ProbeOptions {
        let azure = sources.and_then(|s| s.get(crate::scan::azure::BOUNDARY.as_str()));
        let gcp = sources.and_then(|s| s.get(crate::scan::gcp::BOUNDARY.as_str()));
        let github = sources.and_then(|s| s.get(crate::scan::github::BOUNDARY.as_str()));
        let flag = flags
            .and_then(|f| f.try_get_one::<String>("aws_endpoint_url").ok().flatten())
            .cloned();
        ProbeOptions {
            aws_endpoint_url: flag.or_else(|| {
                std::env::var("AWS_ENDPOINT_URL")
                    .ok()
                    .filter(|e| !e.is_empty())
            }),
            azure_authority_url: crate::scan::azure::authority_url(flags, azure),
            gcp_token_url: crate::scan::gcp::token_url(flags, gcp),
            github_api_url: crate::scan::github::api_url(flags, github),
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
            ProbeKind::AzureClientSecret => {
                let tenant = input.tenant.as_deref().unwrap_or_default();
                azure::probe(tenant, &input.id, secret, opts).await
            }
            ProbeKind::GcpServiceAccountKey => gcp::probe(&input.id, secret, opts).await,
            ProbeKind::GithubToken => github::probe(&input.id, secret, opts).await,
            ProbeKind::KubernetesToken => kubernetes::probe(&input.id, secret).await,
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
    // A key file's path is no secret (the probe scrubs the key it holds); the key JSON is.
    let secret = match input.kind {
        ProbeKind::GcpServiceAccountKey => gcp::secret_text(secret),
        _ => secret,
    };
    ProbeResult {
        kind: input.kind,
        id: scrub(&input.id, secret),
        verdict: outcome.verdict,
        reason: scrub(&outcome.reason, secret),
    }
}

/// Removes `secret` (as is, percent-encoded and form-urlencoded) from `text`, then anything
/// else that looks like a secret.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    let mut out = text.to_string();
    if !secret.is_empty() {
        out = out.replace(secret, REDACTED);
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for form in [encoded, form_urlencode(secret)] {
            if form != secret {
                out = out.replace(&form, REDACTED);
            }
        }
    }
    redact(&out)
}

/// What `application/x-www-form-urlencoded` leaves as is: letters, digits and `*-._`.
const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// One form POST of a token request to `url` (`at` names it in reasons): never retried,
/// bounded by [`PROBE_TIMEOUT`]. The answer's status and body, or why there is none
/// (`inconclusive`).
pub(crate) async fn post_form(url: &str, at: &str, body: String) -> Result<(u16, String), Outcome> {
    use reqwest::header::{ACCEPT, CONTENT_TYPE};
    let limits = crate::net::NetLimits {
        request_timeout: PROBE_TIMEOUT,
        max_attempts: 1,
        ..crate::net::NetLimits::default()
    };
    let client = crate::net::client(&limits)
        .map_err(|e| Outcome::inconclusive(format!("no request sent to {at}: {e}")))?;
    let answer = client
        .post(url)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| transport(&e, at))?;
    let status = answer.status().as_u16();
    let text = answer.text().await.map_err(|e| transport(&e, at))?;
    Ok((status, text))
}

fn transport(e: &reqwest::Error, at: &str) -> Outcome {
    use crate::error_chain::error_chain;
    if e.is_timeout() {
        Outcome::inconclusive(format!(
            "no answer from {at} within {} s",
            PROBE_TIMEOUT.as_secs()
        ))
    } else if e.is_connect() {
        Outcome::inconclusive(format!("could not reach {at}: {}", error_chain(e)))
    } else {
        Outcome::inconclusive(format!("no usable answer from {at}: {}", error_chain(e)))
    }
}

/// `value` as a form field (WHATWG URL `application/x-www-form-urlencoded`): bytes outside
/// [`FORM`] percent-encoded, a space as `+`.
pub(crate) fn form_urlencode(value: &str) -> String {
    value
        .split(' ')
        .map(|part| percent_encoding::utf8_percent_encode(part, FORM).to_string())
        .collect::<Vec<_>>()
        .join("+")
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
    fn scrub_removes_the_form_urlencoded_secret() {
        let secret = "Ab~c d+e/f*g";
        assert_eq!(form_urlencode(secret), "Ab%7Ec+d%2Be%2Ff*g");
        let out = scrub("client_secret=Ab%7Ec+d%2Be%2Ff*g&scope=x", secret);
        assert_eq!(out, "client_secret=[REDACTED]&scope=x");
    }

    #[test]
    fn tenants_belong_to_azure_client_secrets_only() {
        let secret = || Secret::new("s3cr3t-value-1");
        let client = "6f1d2c3b-4a59-4e68-9d7c-0b1a2c3d4e5f";
        let azure = |tenant| {
            ProbeInput::with_tenant(ProbeKind::AzureClientSecret, tenant, client, secret())
        };
        assert!(azure(Some("contoso.onmicrosoft.com")).is_ok());
        assert!(matches!(azure(None), Err(IdError::TenantMissing { .. })));
        assert!(matches!(
            ProbeInput::new(ProbeKind::AzureClientSecret, client, secret()),
            Err(IdError::TenantMissing { .. })
        ));
        let aws = ProbeInput::with_tenant(
            ProbeKind::AwsAccessKey,
            Some("contoso.onmicrosoft.com"),
            "AKIAEXAMPLEKEY000001",
            secret(),
        );
        assert!(matches!(aws, Err(IdError::TenantNotAllowed { .. })));
    }

    #[test]
    fn the_azure_authority_comes_from_the_config_else_the_public_cloud() {
        let section: toml::Value =
            toml::from_str("authority_url = \"http://127.0.0.1:8443/\"").unwrap();
        let sources = std::collections::BTreeMap::from([("azure".to_string(), section)]);
        let opts = ProbeOptions::from_flags(None, Some(&sources));
        assert_eq!(opts.azure_authority_url, "http://127.0.0.1:8443");
        assert_eq!(
            ProbeOptions::from_flags(None, None).azure_authority_url,
            "https://login.microsoftonline.com"
        );
        assert_eq!(
            ProbeOptions::default().azure_authority_url,
            "https://login.microsoftonline.com"
        );
    }

    #[test]
    fn the_gcp_token_url_comes_from_the_config_else_google() {
        let section: toml::Value =
            toml::from_str("enabled = false\ntoken_url = \"http://127.0.0.1:8444/token\"").unwrap();
        let sources = std::collections::BTreeMap::from([("gcp".to_string(), section)]);
        let opts = ProbeOptions::from_flags(None, Some(&sources));
        assert_eq!(opts.gcp_token_url, "http://127.0.0.1:8444/token");
        assert_eq!(
            ProbeOptions::default().gcp_token_url,
            "https://oauth2.googleapis.com/token"
        );
    }

    #[test]
    fn the_github_api_url_comes_from_the_config_else_github_com() {
        let section: toml::Value = toml::from_str("api_url = \"http://127.0.0.1:8445/\"").unwrap();
        let sources = std::collections::BTreeMap::from([("github".to_string(), section)]);
        let opts = ProbeOptions::from_flags(None, Some(&sources));
        assert_eq!(opts.github_api_url, "http://127.0.0.1:8445");
        assert_eq!(
            ProbeOptions::default().github_api_url,
            "https://api.github.com"
        );
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
