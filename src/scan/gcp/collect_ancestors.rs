//! A project's folders and organization (Resource Manager v3), read once per run: the
//! chain of `parent`s up to the organization, each with its IAM policy, for `ancestors.json`;
//! and whether a project sits under an organization (`--gcp-organization`). Folders,
//! organizations, their policies and role definitions are cached for every project of a
//! run, concurrent askers waiting for one call.

use super::api::{Api, Items, Service, name_path};
use super::error::GcpError;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Folders nest at most ten deep under an organization; past this the chain is a loop.
const MAX_DEPTH: usize = 32;

/// A call's answer, shared by every project that asks.
pub(crate) type Shared = Result<Value, Arc<GcpError>>;

#[derive(Default)]
struct Memo(Mutex<HashMap<String, Arc<OnceCell<Shared>>>>);

impl Memo {
    async fn get<F, Fut>(&self, key: &str, call: F) -> Shared
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Value, GcpError>>,
    {
        let cell = self
            .0
            .lock()
            .expect("cache lock")
            .entry(key.to_string())
            .or_default()
            .clone();
        cell.get_or_init(|| async { call().await.map_err(Arc::new) })
            .await
            .clone()
    }
}

/// What one run has read of the resource hierarchy and the role definitions.
#[derive(Default)]
pub(crate) struct Cache {
    resources: Memo,
    policies: Memo,
    roles: Memo,
}

/// Whether a project's ancestry reaches an organization.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    Yes,
    No,
    /// A folder on the way could not be read.
    Unknown(String),
}

/// The ancestors of a project, nearest first, and what could not be read of them.
pub(crate) struct Walked {
    /// `{"ancestors": [{"name", "resource", "policy"}]}`; `resource` or `policy` is absent
    /// for an ancestor whose call failed.
    pub doc: Value,
    pub errors: Vec<Arc<GcpError>>,
    /// The calls made (`GET /v3/folders/1`, `POST /v3/folders/1:getIamPolicy`), in order.
    pub calls: Vec<String>,
}

/// `folders/N` or `organizations/N`.
fn is_ancestor(name: &str) -> bool {
    let mut parts = name.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("folders" | "organizations"), Some(id), None) if !id.is_empty()
    )
}

impl Cache {
    /// `GET /v3/{folders|organizations}/N`.
    pub(crate) async fn resource(&self, api: &Api, name: &str) -> Shared {
        let path = format!("/v3/{}", name_path(name));
        self.resources
            .get(name, || api.get(Service::ResourceManager, &path, None))
            .await
    }

    /// `POST /v3/{folders|organizations}/N:getIamPolicy`.
    pub(crate) async fn policy(&self, api: &Api, name: &str) -> Shared {
        let path = format!("/v3/{}", name_path(name));
        self.policies.get(name, || api.get_iam_policy(&path)).await
    }

    /// A role definition by the path that reads it.
    pub(crate) async fn role(&self, api: &Api, name: &str, path: &str) -> Shared {
        self.roles
            .get(name, || {
                api.get(
                    Service::Iam,
                    path,
                    Some(("includedPermissions", Items::Strings)),
                )
            })
            .await
    }

    /// Whether `parent` (a project's) is, or is under, `target` (`organizations/N`).
    pub(crate) async fn reaches(&self, api: &Api, parent: &str, target: &str) -> Reach {
        let mut at = parent.to_string();
        for _ in 0..MAX_DEPTH {
            if at == target {
                return Reach::Yes;
            }
            if !at.starts_with("folders/") || !is_ancestor(&at) {
                return Reach::No;
            }
            match self.resource(api, &at).await {
                Ok(folder) => at = folder["parent"].as_str().unwrap_or_default().to_string(),
                Err(e) => {
                    let hint = if e.is_denied() {
                        "; the credential needs resourcemanager.folders.get (roles/browser) on the folders"
                    } else {
                        ""
                    };
                    return Reach::Unknown(format!("{e}{hint}"));
                }
            }
        }
        Reach::Unknown(format!(
            "{parent}: its folders nest more than {MAX_DEPTH} deep or in a circle"
        ))
    }

    /// The chain from `parent` up to the organization, each with its policy.
    pub(crate) async fn ancestors(&self, api: &Api, parent: Option<&str>) -> Walked {
        let mut list: Vec<Value> = Vec::new();
        let mut errors = Vec::new();
        let mut calls = Vec::new();
        let mut seen = HashSet::new();
        let mut next = parent.filter(|p| !p.is_empty()).map(str::to_string);
        while let Some(name) = next.take() {
            if !is_ancestor(&name) || !seen.insert(name.clone()) || list.len() >= MAX_DEPTH {
                errors.push(Arc::new(GcpError::Shape {
                    url: format!("the parent chain of {}", parent.unwrap_or_default()),
                    pointer: format!("/ancestors/{}/name", list.len()),
                    expected: "a folder or organization not seen before (folders/N, organizations/N)",
                }));
                break;
            }
            let mut entry = Map::new();
            entry.insert("name".into(), json!(name));
            calls.push(format!("GET /v3/{name}"));
            match self.resource(api, &name).await {
                Ok(r) => {
                    if name.starts_with("folders/") {
                        next = r["parent"].as_str().map(str::to_string);
                    }
                    entry.insert("resource".into(), r);
                }
                Err(e) => errors.push(e),
            }
            calls.push(format!("POST /v3/{name}:getIamPolicy"));
            match self.policy(api, &name).await {
                Ok(p) => {
                    entry.insert("policy".into(), p);
                }
                Err(e) => errors.push(e),
            }
            list.push(Value::Object(entry));
        }
        Walked {
            doc: json!({ "ancestors": list }),
            errors,
            calls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_are_folders_and_organizations() {
        assert!(is_ancestor("folders/345678901234"));
        assert!(is_ancestor("organizations/1"));
        for not in ["projects/1", "folders/", "folders/1/x", "", "organizations"] {
            assert!(!is_ancestor(not), "{not}");
        }
    }

    #[tokio::test]
    async fn one_call_answers_every_asker() {
        let memo = Memo::default();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        for _ in 0..3 {
            let got = memo
                .get("folders/1", || async {
                    calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok(json!({"name": "folders/1"}))
                })
                .await;
            assert_eq!(got.unwrap()["name"], "folders/1");
        }
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
