//! Live collection of one cluster (kubeconfig context) through the `kube` client: GETs only.
//!
//! The kubeconfig gives the server and credentials as kubectl uses them (tokens, `tokenFile`,
//! client certificates, exec plugins); a plain `http://` server (`kubectl proxy`) works. Every
//! request goes through [`Cluster::get`], which refuses any path not in
//! [`super::raw::ALLOWED_OPERATIONS`] before it is sent. Lists are paged (`limit`,
//! `continue`); a 429 or 5xx is retried after its `Retry-After` (or the Status body's
//! `details.retryAfterSeconds`), within `[limits]`. Objects are cut down before anything is
//! kept: token Secrets to their metadata, pods to their service account and token volumes.

use super::BOUNDARY;
use super::prune;
use super::raw::{self, CLUSTER};
use super::shapes::Settings;
use crate::scan::Doc;
use crate::scan::scanner::{Live, LiveTarget, Origin, RawScope};
use http_body_util::BodyExt;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::PathBuf;
use std::time::Duration;

/// One cluster to read: a kubeconfig context (`None` = the current one).
#[derive(Debug, Clone)]
pub struct KubeTarget {
    /// `None`: `KUBECONFIG`, then `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub settings: Settings,
}

impl KubeTarget {
    pub fn label(&self) -> String {
        match &self.context {
            Some(c) => format!("kubernetes context {c}"),
            None => "kubernetes current context".to_string(),
        }
    }
}

/// The page size of every list.
const PAGE: usize = 500;

/// What a list call is read into.
struct ListCall {
    doc: &'static str,
    path: &'static str,
    query: &'static str,
    /// The metadata-only form (PartialObjectMetadataList): the API server sends no `data`.
    metadata_only: bool,
}

const LISTS: &[ListCall] = &[
    ListCall {
        doc: raw::SERVICE_ACCOUNTS,
        path: "/api/v1/serviceaccounts",
        query: "",
        metadata_only: false,
    },
    ListCall {
        doc: raw::SECRETS,
        path: "/api/v1/secrets",
        query: "fieldSelector=type%3Dkubernetes.io%2Fservice-account-token",
        metadata_only: true,
    },
    ListCall {
        doc: raw::ROLES,
        path: "/apis/rbac.authorization.k8s.io/v1/roles",
        query: "",
        metadata_only: false,
    },
    ListCall {
        doc: raw::CLUSTER_ROLES,
        path: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        query: "",
        metadata_only: false,
    },
    ListCall {
        doc: raw::ROLE_BINDINGS,
        path: "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        query: "",
        metadata_only: false,
    },
    ListCall {
        doc: raw::CLUSTER_ROLE_BINDINGS,
        path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        query: "",
        metadata_only: false,
    },
    ListCall {
        doc: raw::PODS,
        path: "/api/v1/pods",
        query: "",
        metadata_only: false,
    },
];

/// A call that did not give a usable answer.
#[derive(Debug)]
pub struct CallError {
    pub status: Option<u16>,
    pub message: String,
}

struct Cluster<'a> {
    client: kube::Client,
    context: String,
    live: &'a Live,
}

impl Cluster<'_> {
    /// One GET, retried on 429 and 5xx. `path_and_query` must match an allowed operation.
    async fn get(&self, path_and_query: &str, metadata_only: bool) -> Result<String, CallError> {
        let path = path_and_query.split('?').next().unwrap_or(path_and_query);
        if raw::operation_of("GET", path).is_none() {
            return Err(CallError {
                status: None,
                message: format!("refused to send GET {path}: not a read jitgap makes"),
            });
        }
        let limits = &self.live.net;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut req = http::Request::get(path_and_query);
            if metadata_only {
                req = req.header(
                    http::header::ACCEPT,
                    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
                );
            }
            let req = req
                .body(kube::client::Body::from(Vec::new()))
                .map_err(|e| CallError {
                    status: None,
                    message: format!("GET {path}: {e}"),
                })?;
            let sent = tokio::time::timeout(limits.request_timeout, async {
                let res = self.client.send(req).await?;
                let status = res.status();
                let retry_after = res
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let body = res
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| kube::Error::Service(Box::new(e)))?
                    .to_bytes();
                Ok::<_, kube::Error>((status, retry_after, body))
            })
            .await;
            let (status, retry_after, body) = match sent {
                Err(_) => {
                    let e = CallError {
                        status: None,
                        message: format!(
                            "GET {path}: no answer within {}",
                            crate::time::format_limit(limits.request_timeout)
                        ),
                    };
                    if attempt < limits.max_attempts {
                        tokio::time::sleep(backoff(limits, attempt)).await;
                        continue;
                    }
                    return Err(e);
                }
                Ok(Err(e)) => {
                    let message = format!("GET {path}: {}", crate::redact::redact(&e.to_string()));
                    if attempt < limits.max_attempts && !matches!(e, kube::Error::Auth(_)) {
                        tokio::time::sleep(backoff(limits, attempt)).await;
                        continue;
                    }
                    return Err(CallError {
                        status: None,
                        message,
                    });
                }
                Ok(Ok(x)) => x,
            };
            let text = String::from_utf8_lossy(&body).to_string();
            if status.is_success() {
                return Ok(text);
            }
            let code = status.as_u16();
            let st: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let message = st["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| text.chars().take(200).collect());
            let retryable = code == 429 || code >= 500;
            if retryable && attempt < limits.max_attempts {
                let asked = retry_after.or_else(|| st["details"]["retryAfterSeconds"].as_u64());
                let wait = match asked {
                    Some(s) => Duration::from_secs(s),
                    None => backoff(limits, attempt),
                };
                if wait <= limits.max_backoff {
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(CallError {
                    status: Some(code),
                    message: format!(
                        "GET {path}: {code}: the API server asked to wait {}s, longer than [limits] max_backoff {}",
                        wait.as_secs(),
                        crate::time::format_limit(limits.max_backoff)
                    ),
                });
            }
            return Err(CallError {
                status: Some(code),
                message: format!("GET {path}: {code} {}", crate::redact::redact(&message)),
            });
        }
    }

    /// Every page of a list, merged into one `kubectl get -o json`-style List.
    async fn list(&self, call: &ListCall) -> Result<String, String> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut seen = std::collections::BTreeSet::new();
        let mut restarted = false;
        loop {
            let mut q = format!("limit={PAGE}");
            if !call.query.is_empty() {
                q.push('&');
                q.push_str(call.query);
            }
            if let Some(t) = &token {
                q.push_str("&continue=");
                q.push_str(
                    &percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
                        .to_string(),
                );
            }
            let url = format!("{}?{q}", call.path);
            let text = match self.get(&url, call.metadata_only).await {
                Ok(t) => t,
                // The continue token expired: start the list again, once.
                Err(CallError {
                    status: Some(410), ..
                }) if token.is_some() && !restarted => {
                    restarted = true;
                    items.clear();
                    seen.clear();
                    token = None;
                    continue;
                }
                Err(e) => return Err(self.explain(call, e)),
            };
            let page: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "kubernetes {}: GET {}: line {} column {}: {}",
                    self.context,
                    call.path,
                    e.line(),
                    e.column(),
                    crate::scan::json::without_position(&e)
                )
            })?;
            match page.get("items") {
                Some(serde_json::Value::Array(a)) => {
                    for item in a {
                        items.push(prune::item(call.doc, item));
                    }
                }
                Some(serde_json::Value::Null) | None => {}
                Some(_) => {
                    return Err(format!(
                        "kubernetes {}: GET {}: /items: not a list",
                        self.context, call.path
                    ));
                }
            }
            match page["metadata"]["continue"]
                .as_str()
                .filter(|c| !c.is_empty())
            {
                None => break,
                Some(next) => {
                    if !seen.insert(next.to_string()) {
                        return Err(format!(
                            "kubernetes {}: GET {}: the API server repeated a continue token: stopped after {} items",
                            self.context,
                            call.path,
                            items.len()
                        ));
                    }
                    token = Some(next.to_string());
                }
            }
        }
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items});
        Ok(serde_json::to_string_pretty(&list).unwrap_or_default())
    }

    fn explain(&self, call: &ListCall, e: CallError) -> String {
        let resource = call.path.rsplit('/').next().unwrap_or(call.path);
        match e.status {
            Some(401) => format!(
                "kubernetes {}: {}: the API server refused the credentials (401): check the kubeconfig's user for this context (token, client certificate or exec plugin)",
                self.context, e.message
            ),
            Some(403) => format!(
                "kubernetes {}: cannot list {resource}: {} — needs {} (README: Kubernetes permissions)",
                self.context,
                e.message,
                raw::permission_for(call.doc)
            ),
            _ => format!("kubernetes {}: {}", self.context, e.message),
        }
    }
}

fn backoff(limits: &crate::net::NetLimits, attempt: u32) -> Duration {
    let d = limits
        .base_backoff
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
    d.min(limits.max_backoff)
}

fn failed(context: &str, message: String) -> RawScope {
    let mut raw = RawScope::new(BOUNDARY, context.to_string(), Origin::Live);
    raw.errors.push(message);
    raw
}

pub async fn collect(target: &LiveTarget, live: &Live) -> RawScope {
    let t = match target.spec_or_failed::<KubeTarget>(BOUNDARY) {
        Ok(t) => t,
        Err(raw) => return raw,
    };
    let shown = t
        .kubeconfig
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the kubeconfig (KUBECONFIG, else ~/.kube/config)".into());
    let kc = match &t.kubeconfig {
        Some(p) => Kubeconfig::read_from(p),
        None => Kubeconfig::read(),
    };
    let kc = match kc {
        Ok(k) => k,
        Err(e) => {
            return failed(
                t.context.as_deref().unwrap_or(""),
                format!("{shown}: {e} (pass --kubeconfig FILE, or set KUBECONFIG)"),
            );
        }
    };
    let Some(context) = t
        .context
        .clone()
        .or_else(|| kc.current_context.clone())
        .filter(|c| !c.is_empty())
    else {
        return failed(
            "",
            format!("{shown}: no current-context: name one with --kube-context NAME"),
        );
    };
    if !kc.contexts.iter().any(|c| c.name == context) {
        let known: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
        return failed(
            &context,
            format!(
                "{shown}: no context `{context}` (it has: {})",
                known.join(", ")
            ),
        );
    }
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..Default::default()
    };
    let mut config = match kube::Config::from_custom_kubeconfig(kc, &options).await {
        Ok(c) => c,
        Err(e) => {
            return failed(
                &context,
                format!(
                    "{shown}: context `{context}`: {}",
                    crate::redact::redact(&e.to_string())
                ),
            );
        }
    };
    config.connect_timeout = Some(live.net.request_timeout);
    config.read_timeout = Some(live.net.request_timeout);
    let server = config.cluster_url.to_string();
    let client = match kube::Client::try_from(config) {
        Ok(c) => c,
        Err(e) => {
            return failed(
                &context,
                format!(
                    "kubernetes {context} ({server}): {}",
                    crate::redact::redact(&e.to_string())
                ),
            );
        }
    };
    let cluster = Cluster {
        client,
        context: context.clone(),
        live,
    };
    let version = match cluster.get("/version", false).await {
        Ok(v) => {
            serde_json::from_str::<serde_json::Value>(&v).unwrap_or(serde_json::Value::String(v))
        }
        Err(e) => {
            let why = match e.status {
                Some(401) => format!(
                    "{}: the API server refused the credentials (401): check the kubeconfig's user for this context",
                    e.message
                ),
                _ => e.message,
            };
            return failed(
                &context,
                format!("kubernetes {context} ({server}) cannot be read: {why}"),
            );
        }
    };
    let mut raw = RawScope::new(BOUNDARY, context.clone(), Origin::Live);
    for call in LISTS {
        match cluster.list(call).await {
            Ok(text) => raw.put(
                call.doc,
                Doc::new(format!("kubernetes:{context} GET {}", call.path), text),
            ),
            Err(e) => raw.errors.push(e),
        }
    }
    let doc = serde_json::json!({
        "context": context,
        "server": server,
        "version": version,
        "settings": t.settings,
    });
    raw.put(
        CLUSTER,
        Doc::new(
            format!("kubernetes:{context} cluster"),
            serde_json::to_string_pretty(&doc).unwrap_or_default(),
        ),
    );
    raw
}
