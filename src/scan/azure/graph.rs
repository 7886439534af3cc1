//! Microsoft Graph shapes (api-shapes §B). Unknown fields are ignored; every field is
//! optional, and times stay text until normalization parses them (so a bad one is named
//! by its JSON pointer).

use serde::Deserialize;
use std::collections::BTreeMap;

/// `{"value": [...]}`: a list as Graph and ARM return it, pages merged.
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
}

/// A document keyed by the parent object's id: `{"<id>": {"value": [...]}}`.
pub type Keyed<T> = BTreeMap<String, List<T>>;

/// `tenant.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantDoc {
    pub tenant_id: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordCredential {
    pub display_name: Option<String>,
    pub key_id: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyCredential {
    pub display_name: Option<String>,
    pub key_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub usage: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
}

/// B.1 servicePrincipal.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: Option<String>,
    pub display_name: Option<String>,
    pub account_enabled: Option<bool>,
    pub service_principal_type: Option<String>,
    pub app_owner_organization_id: Option<String>,
    pub alternative_names: Vec<String>,
    pub password_credentials: Vec<PasswordCredential>,
    pub key_credentials: Vec<KeyCredential>,
}

/// B.1 application.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Application {
    pub id: String,
    pub app_id: Option<String>,
    pub display_name: Option<String>,
    pub password_credentials: Vec<PasswordCredential>,
    pub key_credentials: Vec<KeyCredential>,
}

/// B.2 federatedIdentityCredential.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FederatedCredential {
    pub id: Option<String>,
    pub name: Option<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audiences: Vec<String>,
    /// Flexible federated credentials match claims by expression instead of one subject.
    pub claims_matching_expression: Option<serde_json::Value>,
}

/// B.6 directoryObject in `transitiveMemberOf`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DirectoryObject {
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    pub id: String,
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolePermission {
    pub allowed_resource_actions: Vec<String>,
    pub condition: Option<String>,
}

/// B.7 unifiedRoleDefinition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectoryRoleDefinition {
    pub id: String,
    pub display_name: Option<String>,
    pub is_built_in: Option<bool>,
    pub template_id: Option<String>,
    pub role_permissions: Vec<RolePermission>,
}

/// B.3 unifiedRoleAssignment, B.3 schedule instances and B.8 eligibility instances share
/// these fields (eligibility has no `assignmentType`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectoryRoleItem {
    pub id: String,
    pub principal_id: String,
    pub role_definition_id: String,
    pub directory_scope_id: Option<String>,
    pub app_scope_id: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
    pub assignment_type: Option<String>,
    pub member_type: Option<String>,
    pub role_assignment_origin_id: Option<String>,
    pub role_assignment_schedule_id: Option<String>,
    pub role_eligibility_schedule_id: Option<String>,
}

/// Graph `roleAssignmentScheduleRequests` (lowerCamel `action`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectoryRoleRequest {
    pub id: String,
    pub action: Option<String>,
    pub status: Option<String>,
    pub principal_id: String,
    pub role_definition_id: String,
    pub directory_scope_id: Option<String>,
    pub created_date_time: Option<String>,
    pub justification: Option<String>,
    pub target_schedule_id: Option<String>,
}

/// B.5 / C.6 rule (Graph types it by `@odata.type`, ARM by `ruleType`; the ids agree).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PolicyRule {
    pub id: Option<String>,
    pub rule_type: Option<String>,
    pub is_expiration_required: Option<bool>,
    pub maximum_duration: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GraphPolicy {
    pub id: Option<String>,
    pub rules: Vec<PolicyRule>,
}

/// B.5 unifiedRoleManagementPolicyAssignment, with the policy's rules expanded.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirectoryPolicyAssignment {
    pub id: Option<String>,
    pub policy_id: Option<String>,
    pub scope_id: Option<String>,
    pub scope_type: Option<String>,
    pub role_definition_id: String,
    pub policy: Option<GraphPolicy>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SignInActivity {
    pub last_sign_in_date_time: Option<String>,
}

/// B.4 servicePrincipalSignInActivity (beta).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SignIns {
    pub app_id: Option<String>,
    pub last_sign_in_activity: Option<SignInActivity>,
}
