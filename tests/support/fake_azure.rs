//! A fake Microsoft Graph and Azure Resource Manager on 127.0.0.1, serving the estate in
//! `tests/fixtures/azure/estate/` in the documented shapes: Graph under `/v1.0` and `/beta`,
//! ARM under `/subscriptions` with its `api-version` checked; every list paged two items a
//! page, with an absolute `@odata.nextLink` / `nextLink` carrying a `$skiptoken`. A request
//! without the expected bearer token gets 401. It records every request and can inject a
//! fault per path ([`Fault`]).

#![allow(dead_code)]

use super::fake_http::{Canned, FakeHttp, Recorded};
use jitgap::scan::azure::raw;
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

pub const TENANT: &str = "9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a";
pub const PROD: &str = "00000000-1111-2222-3333-444444444444";
pub const DEV: &str = "55555555-6666-7777-8888-999999999999";
pub const PAGE: usize = 2;

/// What a path answers instead of its page.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 403 with a Graph or ARM error body.
    Forbidden,
    /// 429 with `Retry-After: 0` once, then the page.
    Throttle,
    /// 500, every time.
    ServerError,
    /// 200 with a body that is not JSON (the error is on line 3).
    Malformed,
    /// The first page links its next page to this other base URL.
    NextLinkTo(String),
}

pub struct FakeAzure {
    pub http: FakeHttp,
    /// `http://127.0.0.1:PORT`: both the Graph and the ARM base URL.
    pub url: String,
    faults: Arc<Mutex<Vec<(String, Fault)>>>,
}

impl FakeAzure {
    /// Serves the estate to requests that carry `Authorization: Bearer <token>`.
    pub fn start(token: &str) -> FakeAzure {
        let http = FakeHttp::start();
        let url = http.url.clone();
        let faults: Arc<Mutex<Vec<(String, Fault)>>> = Arc::default();
        let (base, expected, f) = (url.clone(), format!("Bearer {token}"), faults.clone());
        http.handle(move |r| Some(answer(&base, &expected, &f, r)));
        FakeAzure { http, url, faults }
    }

    /// Makes `path` (no query; compared case-insensitively) answer `fault`.
    pub fn fault(&self, path: &str, fault: Fault) -> &Self {
        self.faults
            .lock()
            .unwrap()
            .push((path.to_ascii_lowercase(), fault));
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.http.requests()
    }
}

/// The estate snapshot directory (the one holding `manifest.json` and `azure/`).
pub fn estate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/azure/estate")
}

/// One estate document, parsed.
pub fn estate_doc(scope: &str, name: &str) -> Value {
    let path = estate_dir().join("azure").join(scope).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The path of an ARM collection of a subscription.
pub fn arm_path(sub: &str, collection: &str) -> String {
    format!("/subscriptions/{sub}/providers/Microsoft.Authorization/{collection}")
}

fn answer(base: &str, bearer: &str, faults: &Mutex<Vec<(String, Fault)>>, r: &Recorded) -> Canned {
    let url = reqwest::Url::parse(&format!("http://fake{}", r.path)).expect("request target");
    let path = url.path().to_string();
    let graph = path.starts_with("/v1.0/") || path.starts_with("/beta/");
    if r.header("authorization") != Some(bearer) {
        return error(
            401,
            graph,
            "InvalidAuthenticationToken",
            "Access token is empty or invalid.",
        );
    }
    if r.method != "GET" {
        return error(405, graph, "MethodNotAllowed", "only GET is served here");
    }
    let fault = {
        let mut faults = faults.lock().unwrap();
        let lower = path.to_ascii_lowercase();
        let i = faults.iter().position(|(p, _)| *p == lower);
        match i.map(|i| faults[i].1.clone()) {
            // A throttle answers once; the retry gets the page.
            Some(Fault::Throttle) => {
                faults.remove(i.unwrap());
                return error(429, graph, "TooManyRequests", "Too many requests.")
                    .header("Retry-After", "0");
            }
            other => other,
        }
    };
    match &fault {
        Some(Fault::Forbidden) if graph => {
            return error(
                403,
                true,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            );
        }
        Some(Fault::Forbidden) => {
            return error(
                403,
                false,
                "AuthorizationFailed",
                &format!(
                    "The client '6b1f0c3e-4d2a-4e8b-9f10-a1b2c3d4e5f6' does not have authorization to perform action 'Microsoft.Authorization/read' over scope '{path}' or the scope is invalid."
                ),
            );
        }
        Some(Fault::ServerError) => {
            return error(500, graph, "InternalServerError", "Something went wrong.");
        }
        Some(Fault::Malformed) => {
            return Canned::new(200, "{\n  \"value\": [\n    {\"id\": \"x\",}\n  ]\n}\n");
        }
        _ => {}
    }
    let param = Query(
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    );
    let doc = if graph {
        graph_doc(&path, &param)
    } else {
        match arm_doc(&path, &param) {
            Ok(d) => d,
            Err(c) => return c,
        }
    };
    let Some(doc) = doc else {
        return error(
            404,
            graph,
            "ResourceNotFound",
            &format!("fake: nothing at {path}"),
        );
    };
    if doc.get("value").is_none() {
        return Canned::new(200, doc.to_string());
    }
    let link_base = match &fault {
        Some(Fault::NextLinkTo(other)) => other.as_str(),
        _ => base,
    };
    Canned::new(200, page(&doc, graph, link_base, r, &param).to_string())
}

/// The decoded query parameters of a request.
struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Two items from `$skiptoken` on, with the next page's absolute link when more remain.
fn page(doc: &Value, graph: bool, base: &str, r: &Recorded, param: &Query) -> Value {
    let skip: usize = param
        .get("$skiptoken")
        .and_then(|t| t.strip_prefix("skip"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let items = doc["value"].as_array().cloned().unwrap_or_default();
    let mut out: Map<String, Value> = doc.as_object().cloned().unwrap_or_default();
    out.insert(
        "value".into(),
        Value::Array(items.iter().skip(skip).take(PAGE).cloned().collect()),
    );
    if skip + PAGE < items.len() {
        let (path, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| {
                !p.is_empty() && !p.starts_with("$skiptoken=") && !p.starts_with("%24skiptoken=")
            })
            .collect();
        let mut link = format!("{base}{path}?");
        for p in kept {
            link.push_str(p);
            link.push('&');
        }
        link.push_str(&format!("$skiptoken=skip{}", skip + PAGE));
        out.insert(
            (if graph { "@odata.nextLink" } else { "nextLink" }).into(),
            Value::String(link),
        );
    }
    Value::Object(out)
}

fn graph_doc(path: &str, param: &Query) -> Option<Value> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let tenant = |name: &str| Some(estate_doc(TENANT, name));
    let keyed = |name: &str, id: &str| estate_doc(TENANT, name).get(id).cloned();
    match segs.as_slice() {
        ["v1.0", "servicePrincipals"] => tenant(raw::SERVICE_PRINCIPALS),
        ["v1.0", "applications"] => tenant(raw::APPLICATIONS),
        ["v1.0", "applications", id, "federatedIdentityCredentials"] => {
            keyed(raw::FEDERATED_CREDENTIALS, id)
        }
        ["v1.0", "servicePrincipals", id, "transitiveMemberOf"] => keyed(raw::MEMBER_OF, id),
        ["v1.0", "roleManagement", "directory", what] => tenant(match *what {
            "roleDefinitions" => raw::DIR_ROLE_DEFINITIONS,
            "roleAssignments" => raw::DIR_ROLE_ASSIGNMENTS,
            "roleAssignmentScheduleInstances" => raw::DIR_ASSIGNMENT_INSTANCES,
            "roleEligibilityScheduleInstances" => raw::DIR_ELIGIBILITY_INSTANCES,
            "roleAssignmentScheduleRequests" => raw::DIR_ASSIGNMENT_REQUESTS,
            _ => return None,
        }),
        // Graph refuses this list without the filter (api-shapes B.5).
        ["v1.0", "policies", "roleManagementPolicyAssignments"] => match param.get("$filter") {
            Some(f)
                if f.contains("scopeId eq '/'") && f.contains("scopeType eq 'DirectoryRole'") =>
            {
                tenant(raw::DIR_POLICY_ASSIGNMENTS)
            }
            _ => None,
        },
        ["beta", "reports", "servicePrincipalSignInActivities"] => tenant(raw::SIGN_INS),
        _ => None,
    }
}

fn arm_doc(path: &str, param: &Query) -> Result<Option<Value>, Canned> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let version = match segs.as_slice() {
        ["subscriptions"] | ["subscriptions", _] => raw::API_SUBSCRIPTIONS,
        [_, _, _, _, c]
            if c.eq_ignore_ascii_case("roleDefinitions")
                || c.eq_ignore_ascii_case("roleAssignments") =>
        {
            raw::API_AUTHORIZATION
        }
        _ => raw::API_PIM,
    };
    match param.get("api-version") {
        None => {
            return Err(error(
                400,
                false,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            ));
        }
        Some(v) if v != version => {
            return Err(error(
                400,
                false,
                "InvalidApiVersionParameter",
                &format!(
                    "The api-version '{v}' is invalid. The supported versions are '{version}'."
                ),
            ));
        }
        Some(_) => {}
    }
    let known = |s: &str| {
        [PROD, DEV]
            .iter()
            .find(|k| k.eq_ignore_ascii_case(s))
            .copied()
    };
    Ok(match segs.as_slice() {
        ["subscriptions"] => Some(
            json!({"value": [estate_doc(PROD, raw::SUBSCRIPTION), estate_doc(DEV, raw::SUBSCRIPTION)]}),
        ),
        ["subscriptions", id] => known(id).map(|s| estate_doc(s, raw::SUBSCRIPTION)),
        ["subscriptions", id, p, ns, collection]
            if p.eq_ignore_ascii_case("providers")
                && ns.eq_ignore_ascii_case("Microsoft.Authorization") =>
        {
            let Some(sub) = known(id) else {
                return Ok(None);
            };
            let name = match collection.to_ascii_lowercase().as_str() {
                "roledefinitions" => raw::ROLE_DEFINITIONS,
                "roleassignments" => raw::ROLE_ASSIGNMENTS,
                "roleassignmentscheduleinstances" => raw::ASSIGNMENT_INSTANCES,
                "roleeligibilityscheduleinstances" => raw::ELIGIBILITY_INSTANCES,
                "roleassignmentschedulerequests" => raw::ASSIGNMENT_REQUESTS,
                "rolemanagementpolicyassignments" => raw::POLICY_ASSIGNMENTS,
                "rolemanagementpolicies" => raw::POLICIES,
                _ => return Ok(None),
            };
            Some(estate_doc(sub, name))
        }
        _ => None,
    })
}

/// A Graph (`{"error": {code, message, innerError}}`) or ARM (`{"error": {code, message}}`) error.
fn error(status: u16, graph: bool, code: &str, message: &str) -> Canned {
    let body = if graph {
        json!({"error": {"code": code, "message": message,
            "innerError": {"date": "2026-09-01T00:00:00", "request-id": "0b1c2d3e-0000-4000-8000-000000000001",
                           "client-request-id": "0b1c2d3e-0000-4000-8000-000000000002"}}})
    } else {
        json!({"error": {"code": code, "message": message}})
    };
    Canned::new(status, body.to_string())
}
