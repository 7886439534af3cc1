//! Subscriptions from Azure Resource Manager: listing them, and the documents of one.

use super::BOUNDARY;
use super::api::{Api, Kind};
use super::collect_tenant::{doc_error, put};
use super::error::AzureError;
use super::raw::*;
use super::token::{ARM_SCOPE, Credentials};
use crate::scan::scanner::{Live, Origin, RawScope};
use serde_json::Value;

/// The per-subscription lists: (document, collection under `Microsoft.Authorization`, api-version).
const LISTS: &[(&str, &str, &str)] = &[
    (ROLE_DEFINITIONS, "roleDefinitions", API_AUTHORIZATION),
    (ROLE_ASSIGNMENTS, "roleAssignments", API_AUTHORIZATION),
    (
        ASSIGNMENT_INSTANCES,
        "roleAssignmentScheduleInstances",
        API_PIM,
    ),
    (
        ELIGIBILITY_INSTANCES,
        "roleEligibilityScheduleInstances",
        API_PIM,
    ),
    (
        ASSIGNMENT_REQUESTS,
        "roleAssignmentScheduleRequests",
        API_PIM,
    ),
    (
        POLICY_ASSIGNMENTS,
        "roleManagementPolicyAssignments",
        API_PIM,
    ),
    (POLICIES, "roleManagementPolicies", API_PIM),
];

/// An ARM client with a token for it.
pub(crate) async fn arm(
    arm_url: &str,
    creds: &Credentials,
    live: &Live,
) -> Result<Api, AzureError> {
    let bearer = creds.token(ARM_SCOPE, live.net.request_timeout).await?;
    Api::new(Kind::Arm, arm_url, bearer, &live.net)
}

/// Every subscription the credential sees, whatever its state.
pub(crate) async fn list(api: &Api) -> Result<Vec<Value>, AzureError> {
    let query = format!("api-version={API_SUBSCRIPTIONS}");
    let mut v = api.list("/subscriptions", &query).await?;
    Ok(match v["value"].take() {
        Value::Array(items) => items,
        _ => Vec::new(),
    })
}

/// One subscription by id.
pub(crate) async fn get(api: &Api, id: &str) -> Result<Value, AzureError> {
    let path = format!("/subscriptions/{}", segment(id));
    api.object(&path, &format!("api-version={API_SUBSCRIPTIONS}"))
        .await
}

/// The subscription's id: `subscriptionId`, else the last segment of `id`.
pub(crate) fn id_of(sub: &Value) -> Option<String> {
    sub["subscriptionId"]
        .as_str()
        .or_else(|| sub["id"].as_str().and_then(|i| i.rsplit('/').next()))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Collects one subscription whose object was listed or read by id (`named`); the object
/// becomes `subscription.json`.
pub(crate) async fn collect(
    id: &str,
    sub: &Value,
    named: bool,
    arm_url: &str,
    creds: &Credentials,
    live: &Live,
) -> RawScope {
    let mut raw = RawScope::new(BOUNDARY, id, Origin::Live);
    let api = match arm(arm_url, creds, live).await {
        Ok(api) => api,
        Err(e) => {
            raw.errors.push(format!("subscription {id}: {e}"));
            return raw;
        }
    };
    let base = format!("/subscriptions/{}", segment(id));
    // Read by id when it was named, else from the listing.
    let from = if named {
        base.as_str()
    } else {
        "/subscriptions"
    };
    put(&mut raw, &api, SUBSCRIPTION, &api.source(from), sub);
    for (doc, collection, version) in LISTS {
        let path = format!("{base}/providers/Microsoft.Authorization/{collection}");
        match api.list(&path, &format!("api-version={version}")).await {
            Ok(v) => put(&mut raw, &api, doc, &api.source(&path), &v),
            Err(e) => raw
                .errors
                .push(format!("subscription {id}: {}", doc_error(&api, doc, &e))),
        }
    }
    raw
}

/// A subscription id as one path segment.
fn segment(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
}
