//! The documents of one project (raw.rs names them), read in turn; the per-object calls
//! (keys of each service account, grants of each entitlement, role definitions) at most
//! [`PER_OBJECT_CONCURRENCY`] at once. A failed call leaves its document out with one
//! error naming the call and the API or permission it needs; everything else is still read.

use super::BOUNDARY;
use super::api::{Api, Items, Service, name_path, segment};
use super::collect::Run;
use super::collect_roles::{is_predefined, role_path, used};
use super::error::{GcpError, HOW_TO_AUTHENTICATE};
use super::raw::*;
use crate::scan::Doc;
use crate::scan::scanner::{Live, Origin, RawScope};
use serde_json::{Map, Value, json};
use std::future::Future;
use std::sync::Arc;

/// Per-object calls in flight at once, per project.
pub(crate) const PER_OBJECT_CONCURRENCY: usize = 8;

/// `pageSize` per list: IAM's documented maximum for service accounts, Policy Analyzer's
/// for activities; PAM documents none (servers cap a larger one at their maximum).
const ACCOUNTS_PAGE: u32 = 100;
const PAM_PAGE: u32 = 1000;
const ACTIVITIES_PAGE: u32 = 1000;

/// Collects project `id` (its `projects:search` entry when it was listed).
pub(crate) async fn collect(
    run: &Arc<Run>,
    id: &str,
    listed: Option<&Value>,
    live: &Live,
) -> RawScope {
    let mut raw = RawScope::new(BOUNDARY, id, Origin::Live);
    let api = match run.api(live).await {
        Ok(api) => api,
        Err(e) => {
            raw.errors.push(format!("project {id}: {e}"));
            return raw;
        }
    };
    let mut p = Project {
        raw,
        api,
        id: id.to_string(),
        run: run.clone(),
        refused: false,
    };
    p.read_all(listed).await;
    let mut raw = p.raw;
    raw.errors = raw
        .errors
        .iter()
        .map(|e| format!("project {id}: {e}"))
        .collect();
    raw
}

struct Project {
    raw: RawScope,
    api: Api,
    id: String,
    run: Arc<Run>,
    /// The token was refused (401): nothing more is asked.
    refused: bool,
}

impl Project {
    async fn read_all(&mut self, listed: Option<&Value>) {
        let p = segment(&self.id);
        let rm = Service::ResourceManager;
        let project = match listed {
            Some(v) => {
                self.put(PROJECT, rm, "GET", "/v3/projects:search", v);
                Some(v.clone())
            }
            None => {
                let path = format!("/v3/projects/{p}");
                let got = self.api.get(rm, &path, None).await;
                self.keep(PROJECT, rm, "GET", &path, got)
            }
        };
        if self.refused {
            return;
        }
        let path = format!("/v3/projects/{p}");
        let got = self.api.get_iam_policy(&path).await;
        let policy = self.keep(IAM_POLICY, rm, "POST", &format!("{path}:getIamPolicy"), got);
        if self.refused {
            return;
        }
        let ancestors = self.ancestors(project.as_ref()).await;
        let accounts = self
            .list(
                SERVICE_ACCOUNTS,
                Service::Iam,
                &format!("/v1/projects/{p}/serviceAccounts"),
                "accounts",
                ACCOUNTS_PAGE,
            )
            .await;
        if let Some(accounts) = &accounts {
            self.keys(accounts).await;
        }
        let entitlements = self
            .list(
                ENTITLEMENTS,
                Service::Pam,
                &format!("/v1/projects/{p}/locations/global/entitlements"),
                "entitlements",
                PAM_PAGE,
            )
            .await;
        if let Some(e) = &entitlements {
            self.grants(e).await;
        }
        self.roles(used(
            policy.as_ref(),
            ancestors.as_ref(),
            entitlements.as_ref(),
        ))
        .await;
        if self.refused {
            return;
        }
        for (doc, kind) in [(SA_LAST_AUTH, ACTIVITY_SA), (KEY_LAST_AUTH, ACTIVITY_KEY)] {
            let path =
                format!("/v1/projects/{p}/locations/global/activityTypes/{kind}/activities:query");
            let got = self
                .api
                .list(
                    Service::PolicyAnalyzer,
                    &path,
                    &[],
                    "activities",
                    ACTIVITIES_PAGE,
                )
                .await;
            match got {
                // Optional: without the role or the API the document is simply absent.
                Err(e) if matches!(e.status().map(|s| s.as_u16()), Some(403 | 404)) => {}
                got => {
                    self.keep(doc, Service::PolicyAnalyzer, "GET", &path, got);
                }
            }
        }
    }

    /// Stores an answer, or the error of its document; the answer when there was one.
    fn keep(
        &mut self,
        doc: &'static str,
        service: Service,
        method: &str,
        path: &str,
        got: Result<Value, GcpError>,
    ) -> Option<Value> {
        match got {
            Ok(v) => {
                self.put(doc, service, method, path, &v);
                Some(v)
            }
            Err(e) => {
                self.fail(doc, &e);
                None
            }
        }
    }

    async fn list(
        &mut self,
        doc: &'static str,
        service: Service,
        path: &str,
        key: &'static str,
        page_size: u32,
    ) -> Option<Value> {
        if self.refused {
            return None;
        }
        let got = self.api.list(service, path, &[], key, page_size).await;
        self.keep(doc, service, "GET", path, got)
    }

    fn put(&mut self, name: &'static str, service: Service, method: &str, path: &str, v: &Value) {
        let text = serde_json::to_string_pretty(v).expect("JSON serializes") + "\n";
        let source = Api::source(service, method, path);
        self.raw.put(name, Doc::new(source, self.api.scrub(&text)));
    }

    fn fail(&mut self, document: &str, e: &GcpError) {
        self.refused |= e.is_unauthorized();
        let text = format!("{document} not collected: {e}{}", self.hint(document, e));
        self.raw.errors.push(self.api.scrub(&text));
    }

    /// What to do about a failed call: the API to enable, the permission, or the token.
    fn hint(&self, document: &str, e: &GcpError) -> String {
        if let Some(api) = e.disabled_service() {
            format!(
                "; the API {api} is not enabled on project {id}: enable it (`gcloud services enable {api} --project {id}`); the credential also needs {}",
                permission_for(document),
                id = self.id
            )
        } else if e.is_unauthorized() {
            format!(
                "; the token was refused (expired, revoked or not a Google Cloud access token): {HOW_TO_AUTHENTICATE}"
            )
        } else if e.is_denied() {
            format!("; the credential needs {}", permission_for(document))
        } else {
            String::new()
        }
    }

    /// `ancestors.json`: kept with what could be read, each failure one error.
    async fn ancestors(&mut self, project: Option<&Value>) -> Option<Value> {
        if self.refused {
            return None;
        }
        let Some(project) = project else {
            self.raw.errors.push(format!(
                "{ANCESTORS} not collected: the project's parent is not known ({PROJECT} was not read)"
            ));
            return None;
        };
        let walked = self
            .run
            .cache
            .ancestors(&self.api, project["parent"].as_str())
            .await;
        let calls = if walked.calls.is_empty() {
            "no parent".to_string()
        } else {
            walked.calls.join(", ")
        };
        let text = serde_json::to_string_pretty(&walked.doc).expect("JSON serializes") + "\n";
        let source = format!("gcp:{}:{calls}", Service::ResourceManager.name());
        self.raw
            .put(ANCESTORS, Doc::new(source, self.api.scrub(&text)));
        for e in &walked.errors {
            let text = format!("{ANCESTORS} incomplete: {e}{}", self.hint(ANCESTORS, e));
            self.refused |= e.is_unauthorized();
            self.raw.errors.push(self.api.scrub(&text));
        }
        Some(walked.doc)
    }

    /// The keys of every service account (all key types), keyed by its email.
    async fn keys(&mut self, accounts: &Value) {
        if self.refused {
            return;
        }
        let emails = strings(accounts, "accounts", "email");
        let p = segment(&self.id);
        let api = self.api.clone();
        let got = each(emails, move |email| {
            let (api, path) = (
                api.clone(),
                format!("/v1/projects/{p}/serviceAccounts/{}/keys", segment(&email)),
            );
            async move {
                api.get(Service::Iam, &path, Some(("keys", Items::Objects)))
                    .await
                    .map(|mut v| {
                        without_key_material(&mut v);
                        Some(v)
                    })
                    .map_err(Arc::new)
            }
        })
        .await;
        let path = format!(
            "/v1/projects/{}/serviceAccounts/{{email}}/keys",
            segment(&self.id)
        );
        self.keyed(KEYS, Service::Iam, &path, got);
    }

    /// The grants of every entitlement, keyed by its name.
    async fn grants(&mut self, entitlements: &Value) {
        if self.refused {
            return;
        }
        let names = strings(entitlements, "entitlements", "name");
        let api = self.api.clone();
        let got = each(names, move |name| {
            let (api, path) = (api.clone(), format!("/v1/{}/grants", name_path(&name)));
            async move {
                api.list(Service::Pam, &path, &[], "grants", PAM_PAGE)
                    .await
                    .map(Some)
                    .map_err(Arc::new)
            }
        })
        .await;
        self.keyed(GRANTS, Service::Pam, "/v1/{entitlement}/grants", got);
    }

    /// `{"roles": [...]}` in name order; a predefined role IAM does not know is left out.
    async fn roles(&mut self, names: std::collections::BTreeSet<String>) {
        if self.refused {
            return;
        }
        let (api, run) = (self.api.clone(), self.run.clone());
        let got = each(names.into_iter().collect(), move |name| {
            let (api, run) = (api.clone(), run.clone());
            async move {
                let path = role_path(&name).expect("used() keeps role names only");
                match run.cache.role(&api, &name, &path).await {
                    Ok(v) => Ok(Some(v)),
                    Err(e) if e.is_not_found() && is_predefined(&name) => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .await;
        match got {
            Ok(defs) => {
                let roles: Vec<Value> = defs.into_iter().filter_map(|(_, v)| v).collect();
                self.put(
                    ROLES,
                    Service::Iam,
                    "GET",
                    "/v1/{role}",
                    &json!({ "roles": roles }),
                );
            }
            Err((_, e)) => self.fail(ROLES, &e),
        }
    }

    fn keyed(&mut self, doc: &'static str, service: Service, path: &str, got: Each) {
        match got {
            Ok(items) => {
                let map: Map<String, Value> = items
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v)))
                    .collect();
                self.put(doc, service, "GET", path, &Value::Object(map));
            }
            Err((_, e)) => self.fail(doc, &e),
        }
    }
}

/// `list[*][field]` of a merged list.
fn strings(v: &Value, list: &str, field: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in v[list].as_array().into_iter().flatten() {
        if let Some(s) = item[field].as_str().filter(|s| !s.is_empty())
            && !out.iter().any(|o| o == s)
        {
            out.push(s.to_string());
        }
    }
    out
}

type Each = Result<Vec<(String, Option<Value>)>, (String, Arc<GcpError>)>;

/// One call per name, at most [`PER_OBJECT_CONCURRENCY`] at once, the answers in the order
/// of `names`. The first failure stops the calls not yet made.
async fn each<F, Fut>(names: Vec<String>, call: F) -> Each
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Option<Value>, Arc<GcpError>>> + Send + 'static,
{
    let calls: Vec<Fut> = names.iter().map(|n| call(n.clone())).collect();
    crate::net::bounded(PER_OBJECT_CONCURRENCY, calls, |r| {
        Arc::new(GcpError::Stopped(r))
    })
    .await
    .map(|answers| names.iter().cloned().zip(answers).collect())
    .map_err(|(i, e)| (i.map(|i| names[i].clone()).unwrap_or_default(), e))
}

/// A key listing never carries the private key (only `keys.create` answers do); should one
/// ever be there, it is dropped before the document is kept or written to a snapshot.
fn without_key_material(listing: &mut Value) {
    if let Some(keys) = listing.get_mut("keys").and_then(Value::as_array_mut) {
        for k in keys.iter_mut().filter_map(Value::as_object_mut) {
            k.remove("privateKeyData");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_key_in_a_key_listing_is_dropped() {
        let mut v = serde_json::json!({"keys": [{"name": "k", "privateKeyData": "c2VjcmV0"}]});
        without_key_material(&mut v);
        assert_eq!(v, serde_json::json!({"keys": [{"name": "k"}]}));
    }
}
