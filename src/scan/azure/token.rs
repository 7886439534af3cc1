//! Bearer tokens for Microsoft Graph and Azure Resource Manager.
//!
//! `JITGAP_AZURE_TOKEN` is used as is for both APIs. Without it, a chain of azure_identity
//! credentials is tried in order, each only when its environment is set (so nothing probes
//! an endpoint that is not configured): client secret (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
//! `AZURE_CLIENT_SECRET`), workload identity (`AZURE_FEDERATED_TOKEN_FILE`), managed identity
//! (`IDENTITY_ENDPOINT` or `MSI_ENDPOINT`; `AZURE_CLIENT_ID` picks a user-assigned one), then
//! the Azure CLI. The first that answers is kept for later scopes. Tokens never appear in
//! errors: [`Bearer`] prints redacted and [`Bearer::scrub`] removes one from any text.

use super::error::AzureError;
use azure_core::credentials::{Secret, TokenCredential};
use azure_identity::{
    AzureCliCredential, ClientSecretCredential, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";

pub use crate::net::Bearer;

/// The `tid` claim of a JWT, read without verifying it (only to name the tenant).
pub(crate) fn tenant(bearer: &Bearer) -> Option<String> {
    let payload = bearer.secret().split('.').nth(1)?;
    let bytes = azure_core::base64::decode_url_safe(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims["tid"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Where tokens come from; cheap to clone (the credentials cache their tokens).
#[derive(Clone)]
pub struct Credentials(Arc<Source>);

enum Source {
    Static(Bearer),
    Chain {
        candidates: Vec<(&'static str, Arc<dyn TokenCredential>)>,
        /// Credentials whose construction failed: (name, reason).
        unusable: Vec<(&'static str, String)>,
        /// The candidate that answered last.
        winner: Mutex<Option<usize>>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Source::Static(_) => f.write_str("Credentials(JITGAP_AZURE_TOKEN)"),
            Source::Chain { candidates, .. } => {
                let names: Vec<&str> = candidates.iter().map(|(n, _)| *n).collect();
                write!(f, "Credentials({})", names.join(", "))
            }
        }
    }
}

impl Credentials {
    /// One token for both APIs, used as is.
    pub fn bearer(token: impl Into<String>) -> Credentials {
        Credentials(Arc::new(Source::Static(Bearer::new(
            token.into().trim().to_string(),
        ))))
    }

    /// `JITGAP_AZURE_TOKEN`, else the credential chain, from the environment.
    pub fn from_env() -> Credentials {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The same from `var` (the environment, or a test's map).
    pub(crate) fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Credentials {
        let var = |k: &str| {
            var(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        if let Some(token) = var("JITGAP_AZURE_TOKEN") {
            return Self::bearer(token);
        }
        let mut candidates: Vec<(&'static str, Arc<dyn TokenCredential>)> = Vec::new();
        let mut unusable = Vec::new();
        let mut add =
            |name: &'static str, built: azure_core::Result<Arc<dyn TokenCredential>>| match built {
                Ok(c) => candidates.push((name, c)),
                Err(e) => unusable.push((name, crate::redact::redact(&e.to_string()))),
            };
        if let (Some(t), Some(c), Some(s)) = (
            var("AZURE_TENANT_ID"),
            var("AZURE_CLIENT_ID"),
            var("AZURE_CLIENT_SECRET"),
        ) {
            add(
                "client secret",
                ClientSecretCredential::new(&t, c, Secret::new(s), None).map(as_dyn),
            );
        }
        if var("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            add(
                "workload identity",
                WorkloadIdentityCredential::new(None).map(as_dyn),
            );
        }
        if var("IDENTITY_ENDPOINT").is_some() || var("MSI_ENDPOINT").is_some() {
            let options = ManagedIdentityCredentialOptions {
                user_assigned_id: var("AZURE_CLIENT_ID").map(UserAssignedId::ClientId),
                ..Default::default()
            };
            add(
                "managed identity",
                ManagedIdentityCredential::new(Some(options)).map(as_dyn),
            );
        }
        add("Azure CLI", AzureCliCredential::new(None).map(as_dyn));
        Credentials(Arc::new(Source::Chain {
            candidates,
            unusable,
            winner: Mutex::new(None),
        }))
    }

    /// The static token, when there is one (no call needed to read its tenant).
    pub(crate) fn static_token(&self) -> Option<&Bearer> {
        match &*self.0 {
            Source::Static(b) => Some(b),
            Source::Chain { .. } => None,
        }
    }

    /// A token for `scope`; each credential is given at most `timeout`.
    pub(crate) async fn token(&self, scope: &str, timeout: Duration) -> Result<Bearer, AzureError> {
        let (candidates, unusable, winner) = match &*self.0 {
            Source::Static(b) => return Ok(b.clone()),
            Source::Chain {
                candidates,
                unusable,
                winner,
            } => (candidates, unusable, winner),
        };
        let first = winner.lock().expect("winner lock").unwrap_or(0);
        let order = (first..candidates.len()).chain(0..first);
        let mut tried: Vec<String> = unusable
            .iter()
            .map(|(n, why)| format!("{n}: {why}"))
            .collect();
        for i in order {
            let (name, cred) = &candidates[i];
            let answer = tokio::time::timeout(timeout, cred.get_token(&[scope], None)).await;
            match answer {
                Ok(Ok(t)) => {
                    *winner.lock().expect("winner lock") = Some(i);
                    return Ok(Bearer::new(t.token.secret().to_string()));
                }
                Ok(Err(e)) => tried.push(format!(
                    "{name}: {}",
                    crate::redact::redact(&one_line(&e.to_string()))
                )),
                Err(_) => tried.push(format!("{name}: no answer within {}s", timeout.as_secs())),
            }
        }
        Err(AzureError::Credential {
            scope: scope.to_string(),
            tried: tried.join("; "),
        })
    }
}

fn as_dyn<T: TokenCredential + 'static>(c: Arc<T>) -> Arc<dyn TokenCredential> {
    c
}

fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> Credentials {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Credentials::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn the_token_variable_wins_over_the_chain() {
        let c = lookup(&[
            ("JITGAP_AZURE_TOKEN", " tok-123456789 "),
            ("AZURE_TENANT_ID", "9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s"),
        ]);
        assert_eq!(c.static_token().map(Bearer::secret), Some("tok-123456789"));
        assert_eq!(format!("{c:?}"), "Credentials(JITGAP_AZURE_TOKEN)");
    }

    #[test]
    fn the_chain_holds_only_the_configured_credentials_then_the_cli() {
        let none = lookup(&[]);
        assert_eq!(format!("{none:?}"), "Credentials(Azure CLI)");
        let secret = lookup(&[
            ("AZURE_TENANT_ID", "9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a"),
            ("AZURE_CLIENT_ID", "0f3c2d1e-9b8a-4c7d-8e6f-5a4b3c2d1e0f"),
            ("AZURE_CLIENT_SECRET", "s3cr3t-value"),
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"),
        ]);
        assert_eq!(
            format!("{secret:?}"),
            "Credentials(client secret, managed identity, Azure CLI)"
        );
        assert!(secret.static_token().is_none());
    }

    #[test]
    fn bearers_hide_themselves_and_name_their_tenant() {
        // {"tid":"9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a"} as a JWT payload.
        let payload = azure_core::base64::encode_url_safe(
            br#"{"tid":"9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a"}"#,
        );
        let b = Bearer::new(format!("eyJhbGciOiJub25lIn0.{payload}.c2lnbmF0dXJl"));
        assert_eq!(
            tenant(&b).as_deref(),
            Some("9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a")
        );
        assert_eq!(format!("{b:?}"), "Bearer([REDACTED])");
        let text = format!("failed with {} in it", b.secret());
        assert_eq!(b.scrub(&text), "failed with [REDACTED] in it");
        assert_eq!(tenant(&Bearer::new("opaque-token-value")), None);
    }
}
