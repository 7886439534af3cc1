//! The bearer token for the Google Cloud APIs.
//!
//! `JITGAP_GCP_TOKEN` is used as is. Without it, Application Default Credentials from
//! google-cloud-auth: the key file `GOOGLE_APPLICATION_CREDENTIALS` names (service account,
//! authorized user, external account), else gcloud's ADC file
//! (`gcloud auth application-default login`), else the metadata server. The credentials are
//! built once per run and cache their token. Tokens never appear in errors: [`Bearer`] prints
//! redacted and [`Bearer::scrub`] removes one from any text.

use super::error::GcpError;
use google_cloud_auth::credentials::{AccessTokenCredentials, Builder};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

pub use crate::net::Bearer;

/// Where the token comes from; cheap to clone.
#[derive(Clone)]
pub struct Credentials(Arc<Source>);

enum Source {
    Static(Bearer),
    Adc {
        creds: AccessTokenCredentials,
        /// What ADC reads, for the error when it gives no token.
        from: String,
    },
    /// ADC could not even be set up (a key file that is missing or not a credential).
    Unusable {
        from: String,
        reason: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Source::Static(_) => f.write_str("Credentials(JITGAP_GCP_TOKEN)"),
            Source::Adc { from, .. } | Source::Unusable { from, .. } => {
                write!(f, "Credentials({from})")
            }
        }
    }
}

impl Credentials {
    /// A token used as is.
    pub fn bearer(token: impl Into<String>) -> Credentials {
        Credentials(Arc::new(Source::Static(Bearer::new(
            token.into().trim().to_string(),
        ))))
    }

    /// `JITGAP_GCP_TOKEN`, else Application Default Credentials.
    pub fn from_env() -> Credentials {
        let token = std::env::var("JITGAP_GCP_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty());
        if let Some(token) = token {
            return Self::bearer(token);
        }
        // google-cloud-auth is built without a crypto provider of its own: it signs
        // service-account JWTs with the process default, the one rustls stack jitgap uses.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let from = adc_source();
        let built = Builder::default()
            .with_scopes([SCOPE])
            .build_access_token_credentials();
        Credentials(Arc::new(match built {
            Ok(creds) => Source::Adc { creds, from },
            Err(e) => Source::Unusable {
                from,
                reason: brief(&e),
            },
        }))
    }

    /// A token; ADC is given at most `timeout` to answer.
    pub(crate) async fn token(&self, timeout: Duration) -> Result<Bearer, GcpError> {
        match &*self.0 {
            Source::Static(b) => Ok(b.clone()),
            Source::Unusable { from, reason } => Err(GcpError::Credential {
                tried: from.clone(),
                reason: reason.clone(),
            }),
            Source::Adc { creds, from } => {
                match tokio::time::timeout(timeout, creds.access_token()).await {
                    Ok(Ok(t)) if !t.token.trim().is_empty() => Ok(Bearer::new(t.token)),
                    Ok(Ok(_)) => Err(GcpError::Credential {
                        tried: from.clone(),
                        reason: "it gave an empty token".into(),
                    }),
                    Ok(Err(e)) => Err(GcpError::Credential {
                        tried: from.clone(),
                        reason: brief(&e),
                    }),
                    Err(_) => Err(GcpError::Credential {
                        tried: from.clone(),
                        reason: format!("no answer within {}s", timeout.as_secs()),
                    }),
                }
            }
        }
    }
}

/// What ADC will read, as google-cloud-auth looks for it (AIP-4110).
fn adc_source() -> String {
    if let Some(path) = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS") {
        return format!(
            "Application Default Credentials from GOOGLE_APPLICATION_CREDENTIALS ({})",
            PathBuf::from(path).display()
        );
    }
    let well_known = std::env::var_os(if cfg!(windows) { "APPDATA" } else { "HOME" }).map(|h| {
        let rel = if cfg!(windows) {
            "gcloud/application_default_credentials.json"
        } else {
            ".config/gcloud/application_default_credentials.json"
        };
        PathBuf::from(h).join(rel)
    });
    match well_known.filter(|p| p.is_file()) {
        Some(p) => format!(
            "Application Default Credentials from the gcloud ADC file ({})",
            p.display()
        ),
        None => "Application Default Credentials: no GOOGLE_APPLICATION_CREDENTIALS and no gcloud ADC file, so the metadata server".into(),
    }
}

/// An error and its causes on one line: the error, then its two innermost causes (where
/// google-cloud-auth says what actually failed: `Connection refused`, a file not found).
fn brief(e: &dyn std::error::Error) -> String {
    let mut all = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !all.iter().any(|a| a.contains(&text)) {
            all.push(text);
        }
        source = s.source();
    }
    let kept: Vec<&str> = match all.len() {
        0..=3 => all.iter().map(String::as_str).collect(),
        n => vec![
            all[0].as_str(),
            "…",
            all[n - 2].as_str(),
            all[n - 1].as_str(),
        ],
    };
    one_line(&kept.join(": "))
}

fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::redact::redact(&flat.chars().take(400).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_told_by_its_top_and_its_innermost_causes() {
        #[derive(Debug)]
        struct E(&'static str, Option<Box<E>>);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for E {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|e| e as _)
            }
        }
        let chain = E(
            "transient",
            Some(Box::new(E(
                "headers",
                Some(Box::new(E(
                    "tcp connect error",
                    Some(Box::new(E("Connection refused", None))),
                ))),
            ))),
        );
        assert_eq!(
            brief(&chain),
            "transient: …: tcp connect error: Connection refused"
        );
        assert_eq!(brief(&E("alone", None)), "alone");
    }

    #[test]
    fn bearers_hide_themselves() {
        let b = Bearer::new("ya29.test-token-SECRET");
        assert_eq!(format!("{b:?}"), "Bearer([REDACTED])");
        assert_eq!(
            b.scrub("sent ya29.test-token-SECRET twice: ya29.test-token-SECRET"),
            "sent [REDACTED] twice: [REDACTED]"
        );
        let c = Credentials::bearer(" ya29.test-token-SECRET\n");
        assert_eq!(format!("{c:?}"), "Credentials(JITGAP_GCP_TOKEN)");
    }

    #[tokio::test]
    async fn a_static_token_is_used_as_is() {
        let c = Credentials::bearer(" ya29.test-token-SECRET\n");
        let b = c.token(Duration::from_secs(1)).await.unwrap();
        assert_eq!(b.secret(), "ya29.test-token-SECRET");
    }

    #[tokio::test]
    async fn an_unusable_credential_says_what_was_tried_and_what_to_set() {
        let c = Credentials(Arc::new(Source::Unusable {
            from:
                "Application Default Credentials from GOOGLE_APPLICATION_CREDENTIALS (/nope.json)"
                    .into(),
            reason: "/nope.json: not found".into(),
        }));
        let e = c
            .token(Duration::from_secs(1))
            .await
            .unwrap_err()
            .to_string();
        for part in [
            "/nope.json: not found",
            "JITGAP_GCP_TOKEN",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "gcloud auth application-default login",
        ] {
            assert!(e.contains(part), "{part}: {e}");
        }
    }
}
