//! `vault`: the live Vault API — the database secrets engine's leases under a prefix
//! (default `database/creds/`), one grant per lease.
//!
//! Shapes checked against `hashicorp/vault` `website/content/api-docs/system/leases.mdx` and
//! `vault/logical_system.go` (`handleLeaseLookup`, `handleLeaseLookupList`); see
//! `api-shapes.md` §G. Every call only reads:
//!
//! | call | why | capability the token needs |
//! |---|---|---|
//! | `GET /v1/sys/leases/lookup/<prefix>?list=true` (= `LIST`) | role folders, then lease ids | `list` + `sudo` on `sys/leases/lookup/<prefix>*` |
//! | `PUT /v1/sys/leases/lookup` `{"lease_id": …}` | one lease's times | `update` on `sys/leases/lookup` (no `sudo`) |
//!
//! The lookup is a read even though it is a `PUT`: Vault takes the lease id in the body, so
//! it routes the call as an update operation; it changes nothing (renew and revoke are
//! other endpoints, never called here). A minimal policy:
//!
//! ```hcl
//! path "sys/leases/lookup/database/creds/*" { capabilities = ["list", "sudo"] }
//! path "sys/leases/lookup"                  { capabilities = ["update"] }
//! ```
//!
//! The token is read from the environment variable named in [`VaultOptions::token_env`]
//! (never from a flag), sent only as `X-Vault-Token` (marked sensitive; redirects are not
//! followed, so it never goes to another host) and scrubbed from every error. Calls go
//! through the shared client and retry policy of [`crate::net`] ([`VaultOptions::limits`]):
//! throttling (429) and an unavailable or sealed Vault (502/503/504, connection failures)
//! are retried with backoff; a refusal (403) is not. A lease that
//! was listed, or is known from an earlier ledger, and whose lookup answers
//! `{"errors":["invalid lease"]}` is gone: revoked, or expired and cleaned up — Vault does not
//! say which, so `revoked_at` is when that was observed (label `revoked_observed=true`).
//! Any other failure is an error naming the address: never a silently empty ledger.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderValue;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{new_grant, rfc3339};
use crate::ledger::{Grant, LedgerError, VAULT_ROLE};
use crate::model::{Boundary, Evidence};
use crate::net::{NetError, NetLimits};
use crate::redact::{REDACTED, redact};

/// Where to read and what to call the result.
#[derive(Debug, Clone)]
pub struct VaultOptions {
    /// `VAULT_ADDR`, e.g. `https://vault.internal:8200`.
    pub addr: String,
    /// The environment variable holding the token (`VAULT_TOKEN`).
    pub token_env: String,
    /// Enterprise namespace (`VAULT_NAMESPACE`), sent as `X-Vault-Namespace`.
    pub namespace: Option<String>,
    /// Lease prefix to list, ending in `/` (`database/creds/`).
    pub prefix: String,
    /// The database cluster (`host:port`) the mount issues logins into: the grants' scope.
    pub scope: String,
    /// Lease ids from an earlier ledger, looked up even when no longer listed.
    pub known_leases: Vec<String>,
    /// Timeouts and retries for every call.
    pub limits: NetLimits,
}

impl VaultOptions {
    /// `VAULT_ADDR`, `VAULT_NAMESPACE` and `VAULT_TOKEN` from the environment, the default prefix.
    pub fn from_env(scope: impl Into<String>) -> Result<Self, LedgerError> {
        let addr = std::env::var("VAULT_ADDR")
            .ok()
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| {
                LedgerError::in_file(
                    "vault",
                    "VAULT_ADDR is not set (e.g. https://vault.internal:8200)",
                )
            })?;
        Ok(VaultOptions {
            addr,
            token_env: "VAULT_TOKEN".into(),
            namespace: std::env::var("VAULT_NAMESPACE")
                .ok()
                .filter(|n| !n.trim().is_empty()),
            prefix: DEFAULT_PREFIX.into(),
            scope: scope.into(),
            known_leases: Vec::new(),
            limits: NetLimits::default(),
        })
    }
}

pub const DEFAULT_PREFIX: &str = "database/creds/";
const SOURCE: &str = "vault";
const MAX_IN_FLIGHT: usize = 8;
/// Folders below the prefix walked at most (`<role>/` is one).
const MAX_DEPTH: usize = 3;

/// Reads every lease under `opts.prefix` plus `opts.known_leases` and returns one grant each,
/// ordered by lease id.
pub async fn import_vault(opts: &VaultOptions) -> Result<Vec<Grant>, LedgerError> {
    let vault = Vault::connect(opts)?;
    let prefix = if opts.prefix.ends_with('/') {
        opts.prefix.clone()
    } else {
        format!("{}/", opts.prefix)
    };
    let mut leases: BTreeSet<String> = vault.walk(prefix.trim_start_matches('/')).await?;
    leases.extend(
        opts.known_leases
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty()),
    );

    let vault = Arc::new(vault);
    let limit = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut tasks = JoinSet::new();
    for lease in leases {
        let (vault, limit, scope) = (vault.clone(), limit.clone(), opts.scope.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            vault.lookup(&lease, &scope).await
        });
    }
    let mut grants = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let grant =
            joined.map_err(|e| vault.error(format!("a lease lookup failed internally: {e}")))??;
        grants.push(grant);
    }
    grants.sort_by(|a, b| a.grant_id.cmp(&b.grant_id));
    Ok(grants)
}

struct Vault {
    client: Client,
    limits: NetLimits,
    base: String,
    addr: String,
    token: String,
    /// `X-Vault-Token`, marked sensitive.
    token_header: HeaderValue,
    namespace: Option<HeaderValue>,
}

/// An answer: status and the JSON body (`Null` when the body is not JSON).
struct Answer {
    status: StatusCode,
    body: Value,
}

impl Vault {
    fn connect(opts: &VaultOptions) -> Result<Vault, LedgerError> {
        let addr = opts.addr.trim().trim_end_matches('/').to_string();
        let fail = |m: String| LedgerError::in_file(addr_label(&addr), m);
        if !(addr.starts_with("http://") || addr.starts_with("https://")) {
            return Err(fail(
                "VAULT_ADDR must start with http:// or https://".into(),
            ));
        }
        let token = std::env::var(&opts.token_env)
            .unwrap_or_default()
            .trim()
            .to_string();
        if token.is_empty() {
            return Err(fail(format!(
                "{} is not set: the Vault token is read only from that environment variable",
                opts.token_env
            )));
        }
        let mut token_header = HeaderValue::from_str(&token).map_err(|_| {
            fail(format!(
                "{} holds characters a token cannot have",
                opts.token_env
            ))
        })?;
        token_header.set_sensitive(true);
        let namespace = opts
            .namespace
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|ns| {
                HeaderValue::from_str(ns)
                    .map_err(|_| fail("VAULT_NAMESPACE is not a valid header value".into()))
            })
            .transpose()?;
        let client = crate::net::client(&opts.limits).map_err(|e| fail(e.to_string()))?;
        Ok(Vault {
            client,
            limits: opts.limits,
            base: format!("{addr}/v1"),
            addr,
            token,
            token_header,
            namespace,
        })
    }

    fn error(&self, message: String) -> LedgerError {
        let mut text = message;
        if !self.token.is_empty() {
            text = text.replace(&self.token, REDACTED);
        }
        LedgerError::in_file(addr_label(&self.addr), redact(&text))
    }

    /// Every lease id under `prefix`, following folders up to [`MAX_DEPTH`].
    async fn walk(&self, prefix: &str) -> Result<BTreeSet<String>, LedgerError> {
        let mut leases = BTreeSet::new();
        let mut folders = vec![(prefix.to_string(), 0usize)];
        while let Some((folder, depth)) = folders.pop() {
            for key in self.list(&folder).await? {
                let path = format!("{folder}{key}");
                if key.ends_with('/') {
                    if depth < MAX_DEPTH {
                        folders.push((path, depth + 1));
                    }
                } else {
                    leases.insert(path);
                }
            }
        }
        Ok(leases)
    }

    /// `LIST sys/leases/lookup/<folder>` (as `GET ?list=true`). 404 = nothing there.
    async fn list(&self, folder: &str) -> Result<Vec<String>, LedgerError> {
        let call = format!("GET /v1/sys/leases/lookup/{folder}?list=true");
        let answer = self
            .send(&call, || {
                self.client.get(format!(
                    "{}/sys/leases/lookup/{folder}?list=true",
                    self.base
                ))
            })
            .await
            .map_err(|e| self.error(e.to_string()))?;
        match answer.status {
            StatusCode::NOT_FOUND if errors(&answer.body).is_empty() => Ok(Vec::new()),
            s if s.is_success() => {
                match answer.body.pointer("/data/keys").and_then(Value::as_array) {
                    Some(keys) => Ok(keys
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()),
                    None => Err(self.error(format!("{call}: the answer has no data.keys"))),
                }
            }
            _ => Err(self.refused(
                &call,
                &answer,
                &format!("`list` and `sudo` on sys/leases/lookup/{folder}*"),
            )),
        }
    }

    /// `PUT sys/leases/lookup` for one lease → its grant.
    async fn lookup(&self, lease: &str, scope: &str) -> Result<Grant, LedgerError> {
        let call = format!("PUT /v1/sys/leases/lookup {lease}");
        let url = format!("{}/sys/leases/lookup", self.base);
        let answer = self
            .send(&call, || {
                self.client
                    .request(Method::PUT, &url)
                    .json(&json!({ "lease_id": lease }))
            })
            .await
            .map_err(|e| self.error(format!("lease {lease}: {e}")))?;
        let now = Utc::now();
        let role = lease.rsplit('/').nth(1).unwrap_or("").to_string();
        let mut g = new_grant(
            SOURCE,
            lease,
            Boundary::new("postgres"),
            scope,
            format!("vault-lease:{lease}"),
            "",
        );
        g.target = scope.to_string();
        if !role.is_empty() {
            g.labels.insert(VAULT_ROLE.into(), role);
        }
        if !answer.status.is_success() {
            if errors(&answer.body).iter().any(|e| e == "invalid lease") {
                g.revoked_at = Some(now);
                g.labels.insert("revoked_observed".into(), "true".into());
                g.labels.insert("lease_state".into(), "revoked".into());
                g.evidence.push(Evidence::new(format!("vault:{call}"), "/errors").with_excerpt(format!(
                    "{{\"errors\":[\"invalid lease\"]}} from {} at {}: the lease is revoked (or expired and removed)",
                    self.addr,
                    rfc3339(now)
                )));
                return Ok(g);
            }
            return Err(self.refused(&call, &answer, "`update` on sys/leases/lookup"));
        }
        let Some(data) = answer.body.get("data").filter(|d| d.is_object()) else {
            return Err(self.error(format!("{call}: the answer has no data object")));
        };
        let time = |key: &str| {
            data.get(key)
                .and_then(Value::as_str)
                .and_then(crate::time::parse_timestamp)
        };
        g.issued_at = time("issue_time");
        g.expires_at = time("expire_time");
        if let Some(issued) = g.issued_at {
            g.labels
                .insert("issued_unix".into(), issued.timestamp().to_string());
        }
        if let Some(renewed) = time("last_renewal") {
            g.labels.insert("last_renewal".into(), rfc3339(renewed));
        }
        let expired = g.expires_at.is_some_and(|e| e <= now);
        g.labels.insert(
            "lease_state".into(),
            if expired { "expired" } else { "active" }.into(),
        );
        let show = |t: Option<DateTime<Utc>>| t.map(rfc3339).unwrap_or_else(|| "none".into());
        let mut excerpt = format!(
            "issue_time={} expire_time={} ttl={} from {} at {}",
            show(g.issued_at),
            show(g.expires_at),
            data.get("ttl")
                .map(Value::to_string)
                .unwrap_or_else(|| "?".into()),
            self.addr,
            rfc3339(now)
        );
        if expired {
            excerpt.push_str(": Vault still holds the lease past its expire_time (revocation pending or failing)");
        }
        g.evidence
            .push(Evidence::new(format!("vault:{call}"), "/data").with_excerpt(excerpt));
        Ok(g)
    }

    /// Sends through [`crate::net::send`] with the token (and namespace) headers; a redirect
    /// is an error, never followed.
    async fn send<F>(&self, call: &str, request: F) -> Result<Answer, Failure>
    where
        F: Fn() -> RequestBuilder,
    {
        let reply = crate::net::send(&self.limits, || {
            let r = request().header("X-Vault-Token", self.token_header.clone());
            match &self.namespace {
                Some(ns) => r.header("X-Vault-Namespace", ns.clone()),
                None => r,
            }
        })
        .await?;
        if reply.status.is_redirection() {
            return Err(Failure::Redirect(format!(
                "{call}: answered {} (a redirect, not followed so the token stays with this address; point VAULT_ADDR at the active node)",
                reply.status
            )));
        }
        Ok(Answer {
            status: reply.status,
            body: serde_json::from_str(&reply.body).unwrap_or(Value::Null),
        })
    }

    fn refused(&self, call: &str, answer: &Answer, needs: &str) -> LedgerError {
        let hint = if answer.status == StatusCode::FORBIDDEN {
            format!(" (the token needs {needs})")
        } else {
            String::new()
        };
        self.error(format!("{call}: {}{hint}", describe(answer)))
    }
}

/// Why a call produced no answer to read.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{0}")]
    Redirect(String),
}

fn addr_label(addr: &str) -> String {
    format!("Vault at {addr}")
}

/// `errors[]` of a Vault error body.
fn errors(body: &Value) -> Vec<String> {
    body.get("errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn describe(answer: &Answer) -> String {
    let errors = errors(&answer.body);
    if errors.is_empty() {
        format!("answered {}", answer.status)
    } else {
        format!("answered {}: {}", answer.status, errors.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_from_the_envelope() {
        assert_eq!(
            errors(&json!({"errors": ["invalid lease"]})),
            ["invalid lease"]
        );
        assert!(errors(&json!({"data": {}})).is_empty());
    }
}
