//! The documents of one Entra tenant from Microsoft Graph (raw.rs names them).

use super::BOUNDARY;
use super::api::{Api, Kind};
use super::error::AzureError;
use super::raw::*;
use super::token::{Credentials, GRAPH_SCOPE};
use crate::scan::Doc;
use crate::scan::scanner::{Live, Origin, RawScope};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Per-object calls (federated credentials of each application, groups of each service
/// principal) in flight at once.
pub(crate) const PER_OBJECT_CONCURRENCY: usize = 8;

/// `$top` is sent only where Graph documents it for the list (others may refuse it).
const TOP: &str = "$top=999";

/// The directory-role PIM policies, with their rules inlined (api-shapes B.5).
const POLICY_QUERY: &str = "$filter=scopeId%20eq%20'/'%20and%20scopeType%20eq%20'DirectoryRole'&$expand=policy($expand=rules)";

/// The tenant-wide lists: (document, path, query).
const LISTS: &[(&str, &str, &str)] = &[
    (SERVICE_PRINCIPALS, "/v1.0/servicePrincipals", TOP),
    (APPLICATIONS, "/v1.0/applications", TOP),
    (
        DIR_ROLE_DEFINITIONS,
        "/v1.0/roleManagement/directory/roleDefinitions",
        "",
    ),
    (
        DIR_ROLE_ASSIGNMENTS,
        "/v1.0/roleManagement/directory/roleAssignments",
        "",
    ),
    (
        DIR_ASSIGNMENT_INSTANCES,
        "/v1.0/roleManagement/directory/roleAssignmentScheduleInstances",
        "",
    ),
    (
        DIR_ELIGIBILITY_INSTANCES,
        "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
        "",
    ),
    (
        DIR_ASSIGNMENT_REQUESTS,
        "/v1.0/roleManagement/directory/roleAssignmentScheduleRequests",
        "",
    ),
    (
        DIR_POLICY_ASSIGNMENTS,
        "/v1.0/policies/roleManagementPolicyAssignments",
        POLICY_QUERY,
    ),
];

const SIGN_INS_PATH: &str = "/beta/reports/servicePrincipalSignInActivities";

/// Collects the tenant `tenant` (its id, the scope name); every failure is an error inside.
pub(crate) async fn collect(
    tenant: &str,
    graph_url: &str,
    creds: &Credentials,
    live: &Live,
) -> RawScope {
    let mut raw = RawScope::new(BOUNDARY, tenant, Origin::Live);
    let api = match creds
        .token(GRAPH_SCOPE, live.net.request_timeout)
        .await
        .and_then(|b| Api::new(Kind::Graph, graph_url, b, &live.net))
    {
        Ok(api) => api,
        Err(e) => {
            raw.errors.push(format!("tenant {tenant}: {e}"));
            return raw;
        }
    };
    read_all(&mut raw, &api).await;
    let label = format!("tenant {tenant}: ");
    raw.errors = raw.errors.iter().map(|e| format!("{label}{e}")).collect();
    raw
}

async fn read_all(raw: &mut RawScope, api: &Api) {
    let tenant = raw.scope.clone();
    let text = serde_json::to_string_pretty(&serde_json::json!({ "tenantId": &tenant }))
        .expect("tenant document")
        + "\n";
    raw.put(TENANT, Doc::new(format!("azure:tenant:{tenant}"), text));
    for (doc, path, query) in LISTS {
        match api.list(path, query).await {
            Ok(v) => put(raw, api, doc, &api.source(path), &v),
            Err(e) => raw.errors.push(doc_error(api, doc, &e)),
        }
    }
    let apps = ids(raw, APPLICATIONS);
    let sps = ids(raw, SERVICE_PRINCIPALS);
    if let Some(apps) = apps {
        keyed(
            raw,
            api,
            FEDERATED_CREDENTIALS,
            "/v1.0/applications/{id}/federatedIdentityCredentials",
            apps,
            "",
        )
        .await;
    }
    if let Some(sps) = sps {
        keyed(
            raw,
            api,
            MEMBER_OF,
            "/v1.0/servicePrincipals/{id}/transitiveMemberOf",
            sps,
            TOP,
        )
        .await;
    }
    match api.list(SIGN_INS_PATH, TOP).await {
        Ok(v) => put(raw, api, SIGN_INS, &api.source(SIGN_INS_PATH), &v),
        // Beta and not in every tenant or licence: absent is "not known", not a failure.
        Err(e)
            if e.status()
                .is_some_and(|s| matches!(s.as_u16(), 400 | 403 | 404)) => {}
        Err(e) => raw.errors.push(doc_error(api, SIGN_INS, &e)),
    }
}

/// The error of a document that could not be read: the call, and for 401/403 the permission.
pub(crate) fn doc_error(api: &Api, document: &str, e: &AzureError) -> String {
    let text = if e.is_denied() {
        format!(
            "{document} not collected: {e}; the credential needs {}",
            permission_for(document)
        )
    } else {
        format!("{document} not collected: {e}")
    };
    api.scrub(&text)
}

pub(crate) fn put(raw: &mut RawScope, api: &Api, name: &'static str, source: &str, v: &Value) {
    let text = serde_json::to_string_pretty(v).expect("JSON serializes") + "\n";
    raw.put(name, Doc::new(source, api.scrub(&text)));
}

/// The `id` of each item of a collected list; `None` when the list was not collected.
fn ids(raw: &RawScope, name: &str) -> Option<Vec<String>> {
    let doc = raw.document(name)?;
    let v: Value = serde_json::from_str(&doc.text).ok()?;
    Some(
        v["value"]
            .as_array()?
            .iter()
            .filter_map(|item| item["id"].as_str().map(str::to_string))
            .collect(),
    )
}

/// One call per parent id, at most [`PER_OBJECT_CONCURRENCY`] at once, stored as one document
/// keyed by the parent id. The first failure leaves the document out with one error.
async fn keyed(
    raw: &mut RawScope,
    api: &Api,
    name: &'static str,
    template: &'static str,
    parents: Vec<String>,
    query: &'static str,
) {
    let permits = Arc::new(Semaphore::new(PER_OBJECT_CONCURRENCY));
    let mut tasks = JoinSet::new();
    for id in parents {
        let (api, permits) = (api.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            let path = template.replace("{id}", &encode_segment(&id));
            let got = api.list(&path, query).await;
            (id, got)
        });
    }
    let mut out = serde_json::Map::new();
    let mut failed = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((id, Ok(v))) => {
                out.insert(id, v);
            }
            Ok((_, Err(e))) => {
                failed.get_or_insert_with(|| doc_error(api, name, &e));
                tasks.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                failed.get_or_insert_with(|| format!("{name} not collected: a call stopped: {e}"));
            }
        }
    }
    match failed {
        Some(e) => raw.errors.push(e),
        None => put(raw, api, name, &api.source(template), &Value::Object(out)),
    }
}

/// An object id as one path segment (ids are GUIDs; anything else is escaped).
fn encode_segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
}
