//! Azure Resource Manager shapes (api-shapes §C): `{id, name, type, properties{…}}` items.

use super::graph::PolicyRule;
use serde::Deserialize;

/// C.4 subscription (`subscription.json` holds one).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Subscription {
    pub id: Option<String>,
    pub subscription_id: String,
    pub tenant_id: Option<String>,
    pub display_name: Option<String>,
    pub state: Option<String>,
    pub managed_by_tenants: Vec<ManagedBy>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManagedBy {
    pub tenant_id: Option<String>,
}

/// An ARM resource: `{id, name, type, properties}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Resource<P> {
    pub id: String,
    pub name: Option<String>,
    pub properties: P,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Permission {
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub data_actions: Vec<String>,
}

/// C.5 role definition properties.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleDefinition {
    pub role_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Named {
    #[serde(rename = "displayName")]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Expanded {
    pub role_definition: Option<Named>,
    pub principal: Option<Named>,
}

/// C.1 role assignment, C.2 schedule and eligibility instances, C.3 requests: one shape
/// (each fills its own fields).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleItem {
    pub scope: Option<String>,
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: Option<String>,
    pub condition: Option<String>,
    pub created_on: Option<String>,
    pub status: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
    pub assignment_type: Option<String>,
    pub member_type: Option<String>,
    pub origin_role_assignment_id: Option<String>,
    pub role_assignment_schedule_id: Option<String>,
    pub role_eligibility_schedule_id: Option<String>,
    pub linked_role_eligibility_schedule_id: Option<String>,
    pub linked_role_eligibility_schedule_instance_id: Option<String>,
    pub request_type: Option<String>,
    pub target_role_assignment_schedule_id: Option<String>,
    pub target_role_assignment_schedule_instance_id: Option<String>,
    pub justification: Option<String>,
    pub expanded_properties: Option<Expanded>,
}

/// C.6 policy assignment properties.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PolicyAssignment {
    pub scope: Option<String>,
    pub role_definition_id: String,
    pub policy_id: Option<String>,
    pub effective_rules: Vec<PolicyRule>,
}

/// C.6 policy properties.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Policy {
    pub scope: Option<String>,
    pub rules: Vec<PolicyRule>,
    pub effective_rules: Vec<PolicyRule>,
}
