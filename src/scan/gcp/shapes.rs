//! Google Cloud shapes (api-shapes §D): lowerCamel JSON, enums as strings, durations like
//! `"3600s"`, timestamps RFC 3339. Unknown fields are ignored and every field is optional;
//! times stay text until normalization parses them, so a bad one is named by its pointer.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// D.6 `Project` (`project.json`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Project {
    /// `projects/{NUMBER}`.
    pub name: Option<String>,
    pub project_id: String,
    /// `organizations/{N}` or `folders/{N}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// D.2 `Policy`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Policy {
    pub version: Option<i64>,
    pub etag: Option<String>,
    pub bindings: Vec<Binding>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Binding {
    pub role: String,
    pub members: Vec<String>,
    pub condition: Option<Condition>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    pub expression: String,
    pub title: Option<String>,
    pub description: Option<String>,
}

/// `ancestors.json`: the project's folders and organization, nearest first.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Ancestors {
    pub ancestors: Vec<Ancestor>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Ancestor {
    /// `folders/{N}` or `organizations/{N}`.
    pub name: String,
    /// The D.6 folder or organization object, when it could be read.
    pub resource: Option<AncestorResource>,
    /// Its IAM policy; absent when it could not be read.
    pub policy: Option<Policy>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AncestorResource {
    pub name: Option<String>,
    pub parent: Option<String>,
    pub display_name: Option<String>,
    pub state: Option<String>,
}

/// D.1 `{accounts[]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Accounts {
    pub accounts: Vec<ServiceAccount>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccount {
    pub name: Option<String>,
    pub project_id: Option<String>,
    pub unique_id: Option<String>,
    pub email: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub disabled: bool,
}

/// D.1 `{keys[]}`, keyed by service account email in `service-account-keys.json`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Keys {
    pub keys: Vec<Key>,
}

pub type KeyedKeys = BTreeMap<String, Keys>;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Key {
    /// `…/keys/KEY_ID`.
    pub name: String,
    pub key_type: Option<String>,
    pub key_origin: Option<String>,
    pub key_algorithm: Option<String>,
    pub valid_after_time: Option<String>,
    pub valid_before_time: Option<String>,
    pub disabled: bool,
    pub disable_reason: Option<String>,
}

impl Key {
    /// The key id: the last segment of its name.
    pub fn id(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }

    pub fn user_managed(&self) -> bool {
        self.key_type.as_deref() == Some("USER_MANAGED")
    }
}

/// D.5 `{roles[]}` (`roles.json`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Roles {
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Role {
    pub name: String,
    pub title: Option<String>,
    pub included_permissions: Vec<String>,
    pub stage: Option<String>,
    pub deleted: bool,
}

/// D.3 `{entitlements[], unreachable[]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Entitlements {
    pub entitlements: Vec<Entitlement>,
    pub unreachable: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Entitlement {
    pub name: String,
    pub create_time: Option<String>,
    pub eligible_users: Vec<Principals>,
    pub approval_workflow: Option<ApprovalWorkflow>,
    pub privileged_access: Option<PrivilegedAccess>,
    pub max_request_duration: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Principals {
    pub principals: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApprovalWorkflow {
    pub manual_approvals: Option<ManualApprovals>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManualApprovals {
    pub require_approver_justification: bool,
    pub steps: Vec<ApprovalStep>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApprovalStep {
    pub approvers: Vec<Principals>,
    pub approvals_needed: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PrivilegedAccess {
    pub gcp_iam_access: Option<GcpIamAccess>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GcpIamAccess {
    pub resource_type: Option<String>,
    /// `//cloudresourcemanager.googleapis.com/projects/acme-prod`.
    pub resource: Option<String>,
    pub role_bindings: Vec<RoleBinding>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleBinding {
    pub role: String,
    pub condition_expression: Option<String>,
}

/// D.3 `{grants[]}`, keyed by entitlement name in `pam-grants.json`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Grants {
    pub grants: Vec<Grant>,
    pub unreachable: Vec<String>,
}

pub type KeyedGrants = BTreeMap<String, Grants>;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Grant {
    pub name: String,
    pub create_time: Option<String>,
    pub update_time: Option<String>,
    pub requester: Option<String>,
    pub requested_duration: Option<String>,
    pub justification: Option<Justification>,
    pub state: Option<String>,
    pub timeline: Option<Timeline>,
    pub privileged_access: Option<PrivilegedAccess>,
    pub audit_trail: Option<AuditTrail>,
    pub externally_modified: bool,
}

impl Grant {
    /// The grant id: the last segment of its name.
    pub fn id(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }

    /// `projects/p/locations/global/entitlements/e` of `…/entitlements/e/grants/g`.
    pub fn entitlement(&self) -> &str {
        self.name
            .rsplit_once("/grants/")
            .map(|(e, _)| e)
            .unwrap_or("")
    }

    pub fn roles(&self) -> Vec<&str> {
        self.privileged_access
            .as_ref()
            .and_then(|p| p.gcp_iam_access.as_ref())
            .map(|a| a.role_bindings.iter().map(|r| r.role.as_str()).collect())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Justification {
    pub unstructured_justification: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Timeline {
    pub events: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditTrail {
    pub access_grant_time: Option<String>,
    pub access_remove_time: Option<String>,
}

/// D.4 `{activities[]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Activities {
    pub activities: Vec<Activity>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Activity {
    /// `//iam.googleapis.com/projects/P/serviceAccounts/ID[/keys/KEY]`.
    pub full_resource_name: String,
    pub activity_type: Option<String>,
    pub activity: serde_json::Value,
}

impl Activity {
    /// `activity.lastAuthenticatedTime`: a day in US Pacific standard time.
    pub fn last_authenticated(&self) -> Option<&str> {
        self.activity.get("lastAuthenticatedTime")?.as_str()
    }
}
