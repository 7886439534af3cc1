//! The native Google Cloud documents a project is read from. Live collection and snapshot
//! files hold the same documents (a [`crate::scan::RawScope`]), so there is one parse path.
//!
//! Lists are stored as the API returns them, pages merged (`nextPageToken` dropped).
//! Per-object lists are one object keyed by the parent's name.
//!
//! Snapshot layout, per project: `gcp/<project-id>/`
//! - `project.json` — Resource Manager v3 `GET /v3/projects/{P}` (or the project's entry of
//!   `projects:search`): marks the folder as a project (required)
//! - `iam-policy.json` — `POST /v3/projects/{P}:getIamPolicy` with `requestedPolicyVersion: 3`
//! - `ancestors.json` — `{"ancestors": [{"name": "folders/N", "resource": <Folder|Organization>,
//!   "policy": <Policy>}]}`: the project's parent, its parent, … up to the organization, each
//!   with its IAM policy (inherited by the project)
//! - `service-accounts.json` — IAM `GET /v1/projects/{P}/serviceAccounts` (`{accounts[]}`)
//! - `service-account-keys.json` — `GET …/serviceAccounts/{EMAIL}/keys` (every key type),
//!   keyed by the service account's email: `{"<email>": {"keys": [...]}}`
//! - `roles.json` — `{"roles": [...]}`: the definitions (`GET /v1/roles/{R}`,
//!   `/v1/projects/{P}/roles/{R}`, `/v1/organizations/{O}/roles/{R}`) of the roles the
//!   project's, its ancestors' and its PAM entitlements' bindings use, in name order; a
//!   predefined role IAM does not know (404) is left out
//! - `pam-entitlements.json` — Privileged Access Manager `GET /v1/projects/{P}/locations/global/entitlements`
//! - `pam-grants.json` — `GET {entitlement}/grants`, keyed by entitlement name:
//!   `{"<entitlement name>": {"grants": [...]}}`
//! - `sa-last-authentication.json`, `key-last-authentication.json` — Policy Analyzer
//!   `activities:query` for `serviceAccountLastAuthentication` and
//!   `serviceAccountKeyLastAuthentication` (optional)
//!
//! A document that is absent from a snapshot was not collected: the verdicts that need it
//! are `unknown` and say which. A list that could not be read live is absent too, and the
//! scope carries the error (partial).

pub const PROJECT: &str = "project.json";
pub const IAM_POLICY: &str = "iam-policy.json";
pub const ANCESTORS: &str = "ancestors.json";
pub const SERVICE_ACCOUNTS: &str = "service-accounts.json";
pub const KEYS: &str = "service-account-keys.json";
pub const ROLES: &str = "roles.json";
pub const ENTITLEMENTS: &str = "pam-entitlements.json";
pub const GRANTS: &str = "pam-grants.json";
pub const SA_LAST_AUTH: &str = "sa-last-authentication.json";
pub const KEY_LAST_AUTH: &str = "key-last-authentication.json";

/// The documents of a project folder.
pub const DOCUMENTS: &[&str] = &[
    PROJECT,
    IAM_POLICY,
    ANCESTORS,
    SERVICE_ACCOUNTS,
    KEYS,
    ROLES,
    ENTITLEMENTS,
    GRANTS,
    SA_LAST_AUTH,
    KEY_LAST_AUTH,
];

/// The Policy Analyzer activity types, by document.
pub const ACTIVITY_SA: &str = "serviceAccountLastAuthentication";
pub const ACTIVITY_KEY: &str = "serviceAccountKeyLastAuthentication";

/// The services, by the host `--gcp-endpoint-url` replaces.
pub const IAM_HOST: &str = "https://iam.googleapis.com";
pub const RESOURCE_MANAGER_HOST: &str = "https://cloudresourcemanager.googleapis.com";
pub const PAM_HOST: &str = "https://privilegedaccessmanager.googleapis.com";
pub const POLICY_ANALYZER_HOST: &str = "https://policyanalyzer.googleapis.com";

/// The body of every `getIamPolicy` call: version 3, or conditional bindings come back wrong.
pub const GET_IAM_POLICY_BODY: &str = r#"{"options":{"requestedPolicyVersion":3}}"#;

/// The only calls the collector may send: a method and a path template (`{id}` is one
/// path segment; `{id}:verb` a segment ending in `:verb`). `getIamPolicy` is the one POST:
/// it reads. Anything else is refused before it is sent.
pub const ALLOWED_OPERATIONS: &[&str] = &[
    "GET /v1/projects/{id}/serviceAccounts",
    "GET /v1/projects/{id}/serviceAccounts/{id}/keys",
    "GET /v1/roles/{id}",
    "GET /v1/projects/{id}/roles/{id}",
    "GET /v1/organizations/{id}/roles/{id}",
    "GET /v3/projects/{id}",
    "GET /v3/projects:search",
    "GET /v3/folders/{id}",
    "GET /v3/organizations/{id}",
    "POST /v3/projects/{id}:getIamPolicy",
    "POST /v3/folders/{id}:getIamPolicy",
    "POST /v3/organizations/{id}:getIamPolicy",
    "GET /v1/projects/{id}/locations/{id}/entitlements",
    "GET /v1/projects/{id}/locations/{id}/entitlements/{id}/grants",
    "GET /v1/projects/{id}/locations/{id}/activityTypes/{id}/activities:query",
];

/// The operation template a request matches (`GET`, `/v1/projects/p/serviceAccounts/a@b/keys`
/// → `GET /v1/projects/{id}/serviceAccounts/{id}/keys`); `None` when it is not allowed.
pub fn operation_of(method: &str, path: &str) -> Option<&'static str> {
    crate::scan::json::operation_of(ALLOWED_OPERATIONS, method, path, false)
}

/// The API and the permission a document needs, for the error of a 401/403 on it.
pub fn permission_for(document: &str) -> &'static str {
    match document {
        PROJECT => "Resource Manager API: resourcemanager.projects.get (roles/browser)",
        IAM_POLICY => {
            "Resource Manager API: resourcemanager.projects.getIamPolicy (roles/iam.securityReviewer)"
        }
        ANCESTORS => {
            "Resource Manager API: resourcemanager.folders.get / .getIamPolicy and resourcemanager.organizations.get / .getIamPolicy on the ancestors (roles/iam.securityReviewer and roles/browser there)"
        }
        SERVICE_ACCOUNTS => "IAM API: iam.serviceAccounts.list (roles/iam.serviceAccountViewer)",
        KEYS => "IAM API: iam.serviceAccountKeys.list (roles/iam.serviceAccountViewer)",
        ROLES => "IAM API: iam.roles.get (roles/iam.securityReviewer, or roles/iam.roleViewer)",
        ENTITLEMENTS | GRANTS => {
            "Privileged Access Manager API: privilegedaccessmanager.entitlements.list / .grants.list (roles/privilegedaccessmanager.viewer)"
        }
        SA_LAST_AUTH => {
            "Policy Analyzer API: policyanalyzer.serviceAccountLastAuthenticationActivities.query (roles/policyanalyzer.activityAnalysisViewer)"
        }
        KEY_LAST_AUTH => {
            "Policy Analyzer API: policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query (roles/policyanalyzer.activityAnalysisViewer)"
        }
        _ => "the Google Cloud APIs jitgap reads (README: GCP permissions)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_match_templates_only() {
        assert_eq!(
            operation_of(
                "GET",
                "/v1/projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys"
            ),
            Some("GET /v1/projects/{id}/serviceAccounts/{id}/keys")
        );
        assert_eq!(
            operation_of("POST", "/v3/projects/acme-prod:getIamPolicy"),
            Some("POST /v3/projects/{id}:getIamPolicy")
        );
        assert_eq!(
            operation_of(
                "GET",
                "/v3/projects:search?query=parent%3Aorganizations%2F1"
            ),
            Some("GET /v3/projects:search")
        );
        assert_eq!(
            operation_of(
                "GET",
                "/v1/projects/p/locations/global/activityTypes/serviceAccountLastAuthentication/activities:query"
            ),
            Some("GET /v1/projects/{id}/locations/{id}/activityTypes/{id}/activities:query")
        );
        assert_eq!(operation_of("POST", "/v3/projects/p:setIamPolicy"), None);
        assert_eq!(operation_of("GET", "/v3/projects/p:getIamPolicy"), None);
        assert_eq!(operation_of("POST", "/v1/projects/p/serviceAccounts"), None);
        assert_eq!(
            operation_of("DELETE", "/v1/projects/p/serviceAccounts/a/keys"),
            None
        );
        assert_eq!(
            operation_of("GET", "/v3/projects/p:getIamPolicy/x"),
            None,
            "a verb is the last segment only"
        );
        assert_eq!(operation_of("POST", "/v3/projects/:getIamPolicy"), None);
    }
}
