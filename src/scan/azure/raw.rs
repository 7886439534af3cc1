//! The native Azure documents a scope is read from. Live collection and snapshot files hold
//! the same documents (a [`crate::scan::RawScope`]), so there is one parse path.
//!
//! Each list is stored as the API returns it, pages merged: `{"value": [...]}` (the last
//! page's `@odata.context` kept, `@odata.nextLink` / `nextLink` dropped). Per-object lists
//! (federated credentials of each application, groups of each service principal) are one
//! object keyed by the parent's object id: `{"<id>": {"value": [...]}}`.
//!
//! Snapshot layout, per tenant: `azure/<tenant-id>/`
//! - `tenant.json` — `{"tenantId": "…"}`: marks the folder as a tenant (required for one)
//! - `service-principals.json` — Graph `GET /v1.0/servicePrincipals`
//! - `applications.json` — Graph `GET /v1.0/applications`
//! - `federated-identity-credentials.json` — `GET /v1.0/applications/{id}/federatedIdentityCredentials`, keyed by application object id
//! - `transitive-member-of.json` — `GET /v1.0/servicePrincipals/{id}/transitiveMemberOf`, keyed by service principal id
//! - `directory-role-definitions.json` — `GET /v1.0/roleManagement/directory/roleDefinitions`
//! - `directory-role-assignments.json` — `GET /v1.0/roleManagement/directory/roleAssignments`
//! - `directory-role-assignment-schedule-instances.json`, `directory-role-eligibility-schedule-instances.json`,
//!   `directory-role-assignment-schedule-requests.json` — PIM for Entra roles
//! - `directory-role-policy-assignments.json` — `GET /v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)`
//! - `sign-in-activities.json` — beta `GET /beta/reports/servicePrincipalSignInActivities` (optional)
//!
//! Per subscription: `azure/<subscription-id>/`
//! - `subscription.json` — the subscription object of ARM `GET /subscriptions` (required for one)
//! - `role-definitions.json`, `role-assignments.json` — `Microsoft.Authorization` (2022-04-01)
//! - `role-assignment-schedule-instances.json`, `role-eligibility-schedule-instances.json`,
//!   `role-assignment-schedule-requests.json`, `role-management-policy-assignments.json`,
//!   `role-management-policies.json` — PIM for Azure resources (2020-10-01)
//!
//! A document that is absent from a snapshot was not collected: the verdicts that need it
//! are `unknown` and say which. A list that could not be read live is absent too, and the
//! scope carries the error (partial).

pub const TENANT: &str = "tenant.json";
pub const SERVICE_PRINCIPALS: &str = "service-principals.json";
pub const APPLICATIONS: &str = "applications.json";
pub const FEDERATED_CREDENTIALS: &str = "federated-identity-credentials.json";
pub const MEMBER_OF: &str = "transitive-member-of.json";
pub const DIR_ROLE_DEFINITIONS: &str = "directory-role-definitions.json";
pub const DIR_ROLE_ASSIGNMENTS: &str = "directory-role-assignments.json";
pub const DIR_ASSIGNMENT_INSTANCES: &str = "directory-role-assignment-schedule-instances.json";
pub const DIR_ELIGIBILITY_INSTANCES: &str = "directory-role-eligibility-schedule-instances.json";
pub const DIR_ASSIGNMENT_REQUESTS: &str = "directory-role-assignment-schedule-requests.json";
pub const DIR_POLICY_ASSIGNMENTS: &str = "directory-role-policy-assignments.json";
pub const SIGN_INS: &str = "sign-in-activities.json";

pub const SUBSCRIPTION: &str = "subscription.json";
pub const ROLE_DEFINITIONS: &str = "role-definitions.json";
pub const ROLE_ASSIGNMENTS: &str = "role-assignments.json";
pub const ASSIGNMENT_INSTANCES: &str = "role-assignment-schedule-instances.json";
pub const ELIGIBILITY_INSTANCES: &str = "role-eligibility-schedule-instances.json";
pub const ASSIGNMENT_REQUESTS: &str = "role-assignment-schedule-requests.json";
pub const POLICY_ASSIGNMENTS: &str = "role-management-policy-assignments.json";
pub const POLICIES: &str = "role-management-policies.json";

/// The documents of a tenant folder.
pub const TENANT_DOCUMENTS: &[&str] = &[
    TENANT,
    SERVICE_PRINCIPALS,
    APPLICATIONS,
    FEDERATED_CREDENTIALS,
    MEMBER_OF,
    DIR_ROLE_DEFINITIONS,
    DIR_ROLE_ASSIGNMENTS,
    DIR_ASSIGNMENT_INSTANCES,
    DIR_ELIGIBILITY_INSTANCES,
    DIR_ASSIGNMENT_REQUESTS,
    DIR_POLICY_ASSIGNMENTS,
    SIGN_INS,
];

/// The documents of a subscription folder.
pub const SUBSCRIPTION_DOCUMENTS: &[&str] = &[
    SUBSCRIPTION,
    ROLE_DEFINITIONS,
    ROLE_ASSIGNMENTS,
    ASSIGNMENT_INSTANCES,
    ELIGIBILITY_INSTANCES,
    ASSIGNMENT_REQUESTS,
    POLICY_ASSIGNMENTS,
    POLICIES,
];

/// ARM api-versions.
pub const API_SUBSCRIPTIONS: &str = "2022-12-01";
pub const API_AUTHORIZATION: &str = "2022-04-01";
pub const API_PIM: &str = "2020-10-01";

/// The only calls the collector may send: `GET` and a path template (`{id}` is one path
/// segment). Anything else is refused before it is sent.
pub const ALLOWED_OPERATIONS: &[&str] = &[
    "GET /v1.0/servicePrincipals",
    "GET /v1.0/applications",
    "GET /v1.0/applications/{id}/federatedIdentityCredentials",
    "GET /v1.0/servicePrincipals/{id}/transitiveMemberOf",
    "GET /v1.0/roleManagement/directory/roleDefinitions",
    "GET /v1.0/roleManagement/directory/roleAssignments",
    "GET /v1.0/roleManagement/directory/roleAssignmentScheduleInstances",
    "GET /v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
    "GET /v1.0/roleManagement/directory/roleAssignmentScheduleRequests",
    "GET /v1.0/policies/roleManagementPolicyAssignments",
    "GET /beta/reports/servicePrincipalSignInActivities",
    "GET /subscriptions",
    "GET /subscriptions/{id}",
    "GET /subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions",
    "GET /subscriptions/{id}/providers/Microsoft.Authorization/roleAssignments",
    "GET /subscriptions/{id}/providers/Microsoft.Authorization/roleAssignmentScheduleInstances",
    "GET /subscriptions/{id}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances",
    "GET /subscriptions/{id}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests",
    "GET /subscriptions/{id}/providers/Microsoft.Authorization/roleManagementPolicyAssignments",
    "GET /subscriptions/{id}/providers/Microsoft.Authorization/roleManagementPolicies",
];

/// The operation template a request matches (`GET`, `/v1.0/applications/abc/federatedIdentityCredentials`
/// → `GET /v1.0/applications/{id}/federatedIdentityCredentials`); `None` when it is not allowed.
/// Paths compare case-insensitively (ARM ids come back in either case), the method exactly.
pub fn operation_of(method: &str, path: &str) -> Option<&'static str> {
    crate::scan::json::operation_of(ALLOWED_OPERATIONS, method, path, true)
}

/// The Graph application permission (or ARM action) a collection needs, for the error of a
/// 401/403 on it.
pub fn permission_for(document: &str) -> &'static str {
    match document {
        SERVICE_PRINCIPALS | APPLICATIONS | FEDERATED_CREDENTIALS => "Application.Read.All",
        MEMBER_OF => "GroupMember.Read.All (or Application.Read.All)",
        DIR_ROLE_DEFINITIONS | DIR_ROLE_ASSIGNMENTS => "RoleManagement.Read.Directory",
        DIR_ASSIGNMENT_INSTANCES | DIR_ASSIGNMENT_REQUESTS => {
            "RoleManagement.Read.Directory (or RoleAssignmentSchedule.Read.Directory)"
        }
        DIR_ELIGIBILITY_INSTANCES => {
            "RoleManagement.Read.Directory (or RoleEligibilitySchedule.Read.Directory)"
        }
        DIR_POLICY_ASSIGNMENTS => {
            "RoleManagement.Read.Directory (or RoleManagementPolicy.Read.Directory)"
        }
        SIGN_INS => "AuditLog.Read.All",
        SUBSCRIPTION => "Reader on the subscription (Microsoft.Resources/subscriptions/read)",
        _ => "Reader on the subscription (Microsoft.Authorization/*/read)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_match_templates_only() {
        assert_eq!(
            operation_of("GET", "/v1.0/applications/abc/federatedIdentityCredentials"),
            Some("GET /v1.0/applications/{id}/federatedIdentityCredentials")
        );
        assert_eq!(
            operation_of(
                "GET",
                "/subscriptions/S/providers/microsoft.authorization/ROLEASSIGNMENTS?api-version=2022-04-01"
            ),
            Some("GET /subscriptions/{id}/providers/Microsoft.Authorization/roleAssignments")
        );
        assert_eq!(operation_of("POST", "/v1.0/servicePrincipals"), None);
        assert_eq!(operation_of("DELETE", "/subscriptions/S"), None);
        assert_eq!(
            operation_of("GET", "/v1.0/servicePrincipals/x/addPassword"),
            None
        );
        assert_eq!(operation_of("GET", "/v1.0/users"), None);
    }
}
