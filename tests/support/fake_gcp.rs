//! A fake Google Cloud on 127.0.0.1 serving a snapshot directory in the estate layout
//! (`gcp/<project>/*.json`, by default `tests/fixtures/gcp/estate/`) in the documented shapes
//! (api-shapes §D): IAM service accounts, keys and roles, Resource Manager projects
//! (`projects:search` from the `project.json` files), folders and organizations (from the
//! `ancestors.json` files) with their `getIamPolicy` POSTs, PAM entitlements and grants, and
//! Policy Analyzer activities. Every list is paged at most two items a page with a
//! `nextPageToken`. A request without the expected bearer token gets 401, a `getIamPolicy`
//! without the version-3 body 400, anything else unknown 404, in Google's error shape. It
//! records every request and can inject a fault per path ([`Fault`]).

#![allow(dead_code)]

use super::fake_http::{Canned, FakeHttp, Recorded};
use jitgap::scan::gcp::raw;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const PROD: &str = "acme-prod";
pub const DATA: &str = "acme-data";
pub const ORG: &str = "111111111111";
pub const PAGE: usize = 2;

/// What a path answers instead of its document.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 403 `SERVICE_DISABLED` naming the path's API.
    ServiceDisabled,
    /// 403 `PERMISSION_DENIED` (`IAM_PERMISSION_DENIED`).
    PermissionDenied,
    /// 403 whose message quotes the Authorization header it was sent.
    EchoToken,
    /// 429 `RESOURCE_EXHAUSTED` this many times, then the document.
    Exhausted(usize),
    /// 500 `INTERNAL`, every time.
    ServerError,
    /// 200 with a body that is not JSON (the error is on line 3).
    Malformed,
    /// 200 with the list (or a policy's `bindings`) that is not a list.
    WrongShape,
    /// Every page names the same `nextPageToken`.
    TokenLoop,
}

pub struct FakeGcp {
    pub http: FakeHttp,
    /// `http://127.0.0.1:PORT`: the one base URL of every service.
    pub url: String,
    faults: Arc<Mutex<Vec<(String, Fault)>>>,
}

impl FakeGcp {
    /// Serves the estate to requests that carry `Authorization: Bearer <token>`.
    pub fn start(token: &str) -> FakeGcp {
        Self::serve(&estate_dir(), token)
    }

    /// Serves the snapshot directory `dir` (the one holding `gcp/`).
    pub fn serve(dir: &Path, token: &str) -> FakeGcp {
        let estate = Arc::new(Estate::load(dir));
        let http = FakeHttp::start();
        let url = http.url.clone();
        let faults: Arc<Mutex<Vec<(String, Fault)>>> = Arc::default();
        let (expected, f) = (format!("Bearer {token}"), faults.clone());
        http.handle(move |r| Some(answer(&estate, &expected, &f, r)));
        FakeGcp { http, url, faults }
    }

    /// Makes `path` (no query) answer `fault`.
    pub fn fault(&self, path: &str, fault: Fault) -> &Self {
        self.faults.lock().unwrap().push((path.to_string(), fault));
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.http.requests()
    }
}

/// The estate snapshot directory (the one holding `manifest.json` and `gcp/`).
pub fn estate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gcp/estate")
}

/// One document of a snapshot directory, parsed; `None` when the file is absent.
pub fn doc_in(dir: &Path, project: &str, name: &str) -> Option<Value> {
    let path = dir.join("gcp").join(project).join(name);
    let text = std::fs::read_to_string(&path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// One estate document, parsed; `None` when the estate has none.
pub fn estate_doc(project: &str, name: &str) -> Option<Value> {
    doc_in(&estate_dir(), project, name)
}

/// A document as compared across a collection: `roles.json` in name order (it is a set).
pub fn comparable(name: &str, mut v: Value) -> Value {
    if name == raw::ROLES
        && let Some(roles) = v["roles"].as_array_mut()
    {
        roles.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
    v
}

/// The documents of every project folder, and what the folders hold across them.
struct Estate {
    /// By project id, in id order.
    projects: BTreeMap<String, BTreeMap<&'static str, Value>>,
    /// `folders/N`, `organizations/N` → (resource, policy).
    ancestors: BTreeMap<String, (Option<Value>, Option<Value>)>,
    /// Role definitions by name.
    roles: BTreeMap<String, Value>,
}

impl Estate {
    fn load(dir: &Path) -> Estate {
        let mut e = Estate {
            projects: BTreeMap::new(),
            ancestors: BTreeMap::new(),
            roles: BTreeMap::new(),
        };
        let root = dir.join("gcp");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
            .unwrap_or_else(|err| panic!("{}: {err}", root.display()))
            .map(|d| d.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            let folder = d.file_name().unwrap().to_string_lossy().into_owned();
            let mut docs = BTreeMap::new();
            for name in raw::DOCUMENTS {
                if let Some(v) = doc_in(dir, &folder, name) {
                    docs.insert(*name, v);
                }
            }
            if let Some(anc) = docs.get(raw::ANCESTORS) {
                for a in anc["ancestors"].as_array().into_iter().flatten() {
                    let name = a["name"].as_str().unwrap_or_default().to_string();
                    let get = |k: &str| a.get(k).cloned();
                    e.ancestors.insert(name, (get("resource"), get("policy")));
                }
            }
            for r in docs
                .get(raw::ROLES)
                .and_then(|r| r["roles"].as_array())
                .into_iter()
                .flatten()
            {
                e.roles
                    .insert(r["name"].as_str().unwrap_or_default().into(), r.clone());
            }
            let id = docs
                .get(raw::PROJECT)
                .and_then(|p| p["projectId"].as_str())
                .unwrap_or(&folder)
                .to_string();
            e.projects.insert(id, docs);
        }
        e
    }

    /// A project by id or by number (`name` is `projects/{NUMBER}`).
    fn project(&self, key: &str) -> Option<&BTreeMap<&'static str, Value>> {
        self.projects.get(key).or_else(|| {
            self.projects.values().find(|d| {
                d.get(raw::PROJECT)
                    .and_then(|p| p["name"].as_str())
                    .is_some_and(|n| n == format!("projects/{key}"))
            })
        })
    }

    fn doc(&self, project: &str, name: &str) -> Option<Value> {
        self.project(project)?.get(name).cloned()
    }
}

/// A document to serve: one object, or a list to page (its item key).
enum Answer {
    Object(Value),
    List(Value, &'static str),
    Policy(Value),
    Error(Canned),
}

fn answer(
    estate: &Estate,
    bearer: &str,
    faults: &Mutex<Vec<(String, Fault)>>,
    r: &Recorded,
) -> Canned {
    let url = reqwest::Url::parse(&format!("http://fake{}", r.path)).expect("request target");
    let path = url.path().to_string();
    if r.header("authorization") != Some(bearer) {
        return google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            Some(("ACCESS_TOKEN_TYPE_UNSUPPORTED", "googleapis.com", json!({}))),
        );
    }
    let fault = {
        let mut faults = faults.lock().unwrap();
        let i = faults.iter().position(|(p, _)| *p == path);
        match i.map(|i| faults[i].1.clone()) {
            Some(Fault::Exhausted(n)) => {
                if n <= 1 {
                    faults.remove(i.unwrap());
                } else {
                    faults[i.unwrap()].1 = Fault::Exhausted(n - 1);
                }
                return exhausted(&path);
            }
            other => other,
        }
    };
    match &fault {
        Some(Fault::ServiceDisabled) => return service_disabled(&path),
        Some(Fault::PermissionDenied) => {
            return google_error(
                403,
                "PERMISSION_DENIED",
                "The caller does not have permission",
                Some(("IAM_PERMISSION_DENIED", "iam.googleapis.com", json!({}))),
            );
        }
        Some(Fault::EchoToken) => {
            return google_error(
                403,
                "PERMISSION_DENIED",
                &format!(
                    "The caller ({}) does not have permission",
                    r.header("authorization").unwrap_or_default()
                ),
                None,
            );
        }
        Some(Fault::ServerError) => {
            return google_error(500, "INTERNAL", "Internal error encountered.", None);
        }
        Some(Fault::Malformed) => {
            return Canned::new(
                200,
                "{\n  \"accounts\": [\n    {\"name\": \"x\",}\n  ]\n}\n",
            );
        }
        _ => {}
    }
    let query: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let q = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let segs: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let answer = route(estate, &r.method, &segs, &r.body, q("query"));
    let shape = matches!(fault, Some(Fault::WrongShape));
    match answer {
        Answer::Error(c) => c,
        Answer::Object(_) if shape => Canned::new(200, "[]"),
        Answer::Object(v) => Canned::new(200, v.to_string()),
        Answer::Policy(_) if shape => Canned::new(
            200,
            json!({"version": 3, "bindings": {"role": "roles/owner"}}).to_string(),
        ),
        Answer::Policy(v) => Canned::new(200, v.to_string()),
        Answer::List(_, key) if shape => Canned::new(200, json!({ key: "not a list" }).to_string()),
        Answer::List(doc, key) => {
            let looped = matches!(fault, Some(Fault::TokenLoop));
            match page(&doc, key, q("pageSize"), q("pageToken"), looped) {
                Ok(v) => Canned::new(200, v.to_string()),
                Err(c) => c,
            }
        }
    }
}

fn route(
    estate: &Estate,
    method: &str,
    segs: &[String],
    body: &str,
    query: Option<&str>,
) -> Answer {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let not_found = || {
        Answer::Error(google_error(
            404,
            "NOT_FOUND",
            "Requested entity was not found.",
            None,
        ))
    };
    let found = |v: Option<Value>| v.map(Answer::Object).unwrap_or_else(not_found);
    let list = |v: Option<Value>, key| v.map(|v| Answer::List(v, key)).unwrap_or_else(not_found);
    if method == "POST" {
        let Some(target) = s.last().and_then(|l| l.strip_suffix(":getIamPolicy")) else {
            return not_found();
        };
        let want: Value = serde_json::from_str(raw::GET_IAM_POLICY_BODY).unwrap();
        if serde_json::from_str::<Value>(body).ok() != Some(want) {
            return Answer::Error(google_error(
                400,
                "INVALID_ARGUMENT",
                "fake: getIamPolicy takes {\"options\": {\"requestedPolicyVersion\": 3}}",
                None,
            ));
        }
        let policy = match s.as_slice() {
            ["v3", "projects", _] => estate.doc(target, raw::IAM_POLICY),
            ["v3", kind @ ("folders" | "organizations"), _] => estate
                .ancestors
                .get(&format!("{kind}/{target}"))
                .and_then(|(_, p)| p.clone()),
            _ => None,
        };
        return policy.map(Answer::Policy).unwrap_or_else(not_found);
    }
    if method != "GET" {
        return not_found();
    }
    match s.as_slice() {
        ["v3", "projects:search"] => {
            let active = query.is_some_and(|q| q.to_ascii_lowercase().contains("state:active"));
            let projects: Vec<Value> = estate
                .projects
                .values()
                .filter_map(|d| d.get(raw::PROJECT).cloned())
                .filter(|p| !active || p["state"] == "ACTIVE")
                .collect();
            Answer::List(json!({ "projects": projects }), "projects")
        }
        ["v3", "projects", p] => found(estate.doc(p, raw::PROJECT)),
        ["v3", kind @ ("folders" | "organizations"), n] => found(
            estate
                .ancestors
                .get(&format!("{kind}/{n}"))
                .and_then(|(r, _)| r.clone()),
        ),
        ["v1", "projects", p, "serviceAccounts"] => {
            list(estate.doc(p, raw::SERVICE_ACCOUNTS), "accounts")
        }
        ["v1", "projects", p, "serviceAccounts", email, "keys"] => found(
            estate
                .doc(p, raw::KEYS)
                .and_then(|k| k.get(*email).cloned()),
        ),
        ["v1", "roles", r] => found(estate.roles.get(&format!("roles/{r}")).cloned()),
        ["v1", kind @ ("projects" | "organizations"), p, "roles", r] => {
            found(estate.roles.get(&format!("{kind}/{p}/roles/{r}")).cloned())
        }
        ["v1", "projects", p, "locations", "global", "entitlements"] => {
            list(estate.doc(p, raw::ENTITLEMENTS), "entitlements")
        }
        [
            "v1",
            "projects",
            p,
            "locations",
            "global",
            "entitlements",
            e,
            "grants",
        ] => {
            let name = format!("projects/{p}/locations/global/entitlements/{e}");
            list(
                estate
                    .doc(p, raw::GRANTS)
                    .and_then(|g| g.get(&name).cloned()),
                "grants",
            )
        }
        [
            "v1",
            "projects",
            p,
            "locations",
            "global",
            "activityTypes",
            kind,
            "activities:query",
        ] => {
            let doc = match *kind {
                raw::ACTIVITY_SA => raw::SA_LAST_AUTH,
                raw::ACTIVITY_KEY => raw::KEY_LAST_AUTH,
                _ => return not_found(),
            };
            match estate.doc(p, doc) {
                Some(v) => Answer::List(v, "activities"),
                // The estate has none: the reader lacks roles/policyanalyzer.activityAnalysisViewer there.
                None => Answer::Error(google_error(
                    403,
                    "PERMISSION_DENIED",
                    &format!(
                        "Permission 'policyanalyzer.{kind}Activities.query' denied on resource."
                    ),
                    Some(("IAM_PERMISSION_DENIED", "iam.googleapis.com", json!({}))),
                )),
            }
        }
        _ => not_found(),
    }
}

/// At most `pageSize` (and at most [`PAGE`]) items from the offset `pageToken` names, with
/// the next page's token when more remain. A list without items is served as it is.
fn page(
    doc: &Value,
    key: &str,
    size: Option<&str>,
    token: Option<&str>,
    looped: bool,
) -> Result<Value, Canned> {
    let items = doc[key].as_array().cloned().unwrap_or_default();
    let size = size
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(PAGE)
        .min(PAGE);
    let skip = match token {
        None | Some("") => 0,
        Some("loop") if looped => 0,
        Some(t) => t
            .strip_prefix("offset-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| google_error(400, "INVALID_ARGUMENT", "Invalid page token.", None))?,
    };
    let mut out: Map<String, Value> = doc.as_object().cloned().unwrap_or_default();
    if items.is_empty() {
        return Ok(Value::Object(out));
    }
    out.insert(
        key.into(),
        Value::Array(items.iter().skip(skip).take(size).cloned().collect()),
    );
    if looped {
        out.insert("nextPageToken".into(), json!("loop"));
    } else if skip + size < items.len() {
        out.insert(
            "nextPageToken".into(),
            json!(format!("offset-{}", skip + size)),
        );
    }
    Ok(Value::Object(out))
}

/// The API a path belongs to: (service, title).
fn service_of(path: &str) -> (&'static str, &'static str) {
    if path.contains("/entitlements") {
        (
            "privilegedaccessmanager.googleapis.com",
            "Privileged Access Manager API",
        )
    } else if path.contains("/activityTypes/") {
        ("policyanalyzer.googleapis.com", "Policy Analyzer API")
    } else if path.starts_with("/v3/") {
        (
            "cloudresourcemanager.googleapis.com",
            "Cloud Resource Manager API",
        )
    } else {
        (
            "iam.googleapis.com",
            "Identity and Access Management (IAM) API",
        )
    }
}

fn service_disabled(path: &str) -> Canned {
    let (service, title) = service_of(path);
    google_error(
        403,
        "PERMISSION_DENIED",
        &format!(
            "{title} has not been used in project 123456789012 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/{service}/overview?project=123456789012 then retry."
        ),
        Some((
            "SERVICE_DISABLED",
            "googleapis.com",
            json!({"service": service, "consumer": "projects/123456789012", "serviceTitle": title,
                   "activationUrl": format!("https://console.developers.google.com/apis/api/{service}/overview?project=123456789012")}),
        )),
    )
}

fn exhausted(path: &str) -> Canned {
    let (service, _) = service_of(path);
    google_error(
        429,
        "RESOURCE_EXHAUSTED",
        &format!(
            "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service '{service}' for consumer 'project_number:123456789012'."
        ),
        Some((
            "RATE_LIMIT_EXCEEDED",
            "googleapis.com",
            json!({"service": service, "quota_metric": "read_requests"}),
        )),
    )
}

/// `{"error": {"code", "message", "status", "details": [ErrorInfo]}}`.
fn google_error(
    code: u16,
    status: &str,
    message: &str,
    info: Option<(&str, &str, Value)>,
) -> Canned {
    let mut error = json!({"code": code, "message": message, "status": status});
    if let Some((reason, domain, metadata)) = info {
        error["details"] = json!([{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason, "domain": domain, "metadata": metadata
        }]);
    }
    Canned::new(code, json!({ "error": error }).to_string())
}
