//! A fake Kubernetes API server on 127.0.0.1 (over [`super::fake_http`]): it serves the estate
//! (tests/fixtures/kubernetes/estate/kubernetes/prod) as the API does — lists of two items a
//! page with `metadata.continue`, the token-Secret field selector honoured, **full Secrets
//! with `data`** whatever the Accept header asks (so the collector's stripping is what keeps
//! tokens out) — requires `Authorization: Bearer TOKEN` (a 401 Status otherwise), records
//! every request, and can be told to fail one list in the documented ways (api-shapes §F.5).

#![allow(dead_code)]

use super::fake_http::{Canned, FakeHttp, Recorded};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A way for one list (by path) to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 403 Forbidden with a Status body.
    Forbidden,
    /// One 429 with `Retry-After: 1`, then normal answers.
    ThrottleOnce,
    /// A body that is not JSON.
    Malformed,
    /// Every page names the same continue token.
    ContinueLoop,
    /// A 410 Gone on the first request that carries a continue token.
    GoneOnce,
}

pub struct FakeKube {
    pub http: FakeHttp,
    faults: Arc<Mutex<BTreeMap<String, Fault>>>,
}

pub fn estate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kubernetes/estate/kubernetes/prod")
}

fn status(code: u16, reason: &str, message: &str) -> Canned {
    Canned::new(
        code,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": message, "reason": reason, "code": code})
        .to_string(),
    )
}

fn query(r: &Recorded) -> BTreeMap<String, String> {
    r.path
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_string(),
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .to_string(),
            )
        })
        .collect()
}

impl FakeKube {
    pub fn start(token: &str) -> FakeKube {
        let http = FakeHttp::start();
        let faults: Arc<Mutex<BTreeMap<String, Fault>>> = Arc::default();
        let served: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
        let want = format!("Bearer {token}");
        let f = faults.clone();
        http.handle(move |r| {
            if r.header("authorization") != Some(want.as_str()) {
                return Some(status(401, "Unauthorized", "Unauthorized"));
            }
            let path = r.path.split('?').next().unwrap_or("").to_string();
            if path == "/version" {
                return Some(Canned::new(200, json!({"major": "1", "minor": "31", "gitVersion": "v1.31.4", "platform": "linux/amd64"}).to_string()));
            }
            let file = match path.as_str() {
                "/api/v1/serviceaccounts" => "serviceaccounts.json",
                "/api/v1/secrets" => "secrets.json",
                "/api/v1/pods" => "pods.json",
                "/apis/rbac.authorization.k8s.io/v1/roles" => "roles.json",
                "/apis/rbac.authorization.k8s.io/v1/clusterroles" => "clusterroles.json",
                "/apis/rbac.authorization.k8s.io/v1/rolebindings" => "rolebindings.json",
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings" => "clusterrolebindings.json",
                "/api/v1/namespaces" => return Some(Canned::new(200, json!({"kind": "NamespaceList", "apiVersion": "v1", "metadata": {}, "items": []}).to_string())),
                _ => return Some(status(404, "NotFound", "the server could not find the requested resource")),
            };
            let q = query(r);
            let n = {
                let mut s = served.lock().unwrap();
                let c = s.entry(path.clone()).or_default();
                *c += 1;
                *c
            };
            match f.lock().unwrap().get(&path).copied() {
                Some(Fault::Forbidden) => {
                    let resource = path.rsplit('/').next().unwrap_or("");
                    return Some(status(403, "Forbidden", &format!("{resource} is forbidden: User \"system:serviceaccount:jitgap:scanner\" cannot list resource \"{resource}\" in API group \"\" at the cluster scope")));
                }
                Some(Fault::ThrottleOnce) if n == 1 => {
                    return Some(status(429, "TooManyRequests", "Too many requests, please try again later.").header("Retry-After", "1"));
                }
                Some(Fault::Malformed) => return Some(Canned::new(200, "{\"kind\": \"List\", \"items\": [")),
                Some(Fault::GoneOnce) if q.contains_key("continue") && n == 2 => {
                    return Some(status(410, "Expired", "The provided continue parameter is too old"));
                }
                _ => {}
            }
            let text = std::fs::read_to_string(estate_dir().join(file)).unwrap();
            let doc: Value = serde_json::from_str(&text).unwrap();
            let mut items: Vec<Value> = doc["items"].as_array().unwrap().clone();
            if let Some(sel) = q.get("fieldSelector") {
                let want = sel.strip_prefix("type=").unwrap_or("");
                items.retain(|i| i["type"] == want);
            }
            let start: usize = q.get("continue").and_then(|c| c.strip_prefix("off-")).and_then(|c| c.parse().ok()).unwrap_or(0);
            let page: Vec<Value> = items.iter().skip(start).take(2).cloned().collect();
            let next = if f.lock().unwrap().get(&path) == Some(&Fault::ContinueLoop) {
                Some("off-0".to_string())
            } else {
                (start + 2 < items.len()).then(|| format!("off-{}", start + 2))
            };
            let kind = format!("{}List", page.first().and_then(|i| i["kind"].as_str()).unwrap_or("Object"));
            // A list's items carry no kind of their own.
            let page: Vec<Value> = page
                .into_iter()
                .map(|mut i| {
                    if let Some(o) = i.as_object_mut() {
                        o.remove("kind");
                        o.remove("apiVersion");
                    }
                    i
                })
                .collect();
            let mut meta = json!({"resourceVersion": "918273"});
            if let Some(c) = next {
                meta["continue"] = c.into();
                meta["remainingItemCount"] = (items.len().saturating_sub(start + 2)).into();
            }
            Some(Canned::new(200, json!({"kind": kind, "apiVersion": "v1", "metadata": meta, "items": page}).to_string()))
        });
        FakeKube { http, faults }
    }

    pub fn fault(&self, path: &str, fault: Fault) -> &Self {
        self.faults.lock().unwrap().insert(path.to_string(), fault);
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.http.requests()
    }

    /// A kubeconfig (YAML) with contexts of this server and a bearer token.
    pub fn kubeconfig(&self, contexts: &[&str], token: &str) -> String {
        kubeconfig(&self.http.url, contexts, &format!("token: {token}"))
    }
}

/// A kubeconfig whose contexts all point at `server`, with the given `user:` fields.
pub fn kubeconfig(server: &str, contexts: &[&str], user: &str) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: {}\nclusters:\n- name: fake\n  cluster:\n    server: {server}\nusers:\n- name: scanner\n  user:\n",
        contexts[0]
    );
    for line in user.lines() {
        s.push_str(&format!("    {line}\n"));
    }
    s.push_str("contexts:\n");
    for c in contexts {
        s.push_str(&format!(
            "- name: {c}\n  context:\n    cluster: fake\n    user: scanner\n"
        ));
    }
    s
}
