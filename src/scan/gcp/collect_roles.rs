//! `roles.json`: the definitions of the roles a project's bindings, its ancestors' bindings
//! and its PAM entitlements use. Custom roles are read from their project or organization
//! (`/v1/projects/{P}/roles/{R}`, `/v1/organizations/{O}/roles/{R}`), predefined ones from
//! `/v1/roles/{R}`; a predefined role IAM does not know (404) is left out, so the catalogue
//! or a name pattern rates it.

use super::api::segment;
use serde_json::Value;
use std::collections::BTreeSet;

/// The path that reads a role, by the name a binding holds; `None` for a name that is no role.
pub(crate) fn role_path(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    match parts.as_slice() {
        ["roles", r] => Some(format!("/v1/roles/{}", segment(r))),
        ["projects", p, "roles", r] => {
            Some(format!("/v1/projects/{}/roles/{}", segment(p), segment(r)))
        }
        ["organizations", o, "roles", r] => Some(format!(
            "/v1/organizations/{}/roles/{}",
            segment(o),
            segment(r)
        )),
        _ => None,
    }
}

/// Whether a 404 on this role just means IAM does not know it (a predefined role).
pub(crate) fn is_predefined(name: &str) -> bool {
    name.starts_with("roles/")
}

/// The roles of a `Policy`'s bindings.
fn policy_roles(policy: &Value, out: &mut BTreeSet<String>) {
    for b in policy["bindings"].as_array().into_iter().flatten() {
        if let Some(r) = b["role"].as_str() {
            out.insert(r.to_string());
        }
    }
}

/// Every role the documents bind: a project policy, `ancestors.json`, PAM entitlements.
pub(crate) fn used(
    policy: Option<&Value>,
    ancestors: Option<&Value>,
    entitlements: Option<&Value>,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(p) = policy {
        policy_roles(p, &mut out);
    }
    for a in ancestors
        .and_then(|a| a["ancestors"].as_array())
        .into_iter()
        .flatten()
    {
        policy_roles(&a["policy"], &mut out);
    }
    for e in entitlements
        .and_then(|e| e["entitlements"].as_array())
        .into_iter()
        .flatten()
    {
        let bindings = &e["privilegedAccess"]["gcpIamAccess"]["roleBindings"];
        for b in bindings.as_array().into_iter().flatten() {
            if let Some(r) = b["role"].as_str() {
                out.insert(r.to_string());
            }
        }
    }
    out.retain(|r| role_path(r).is_some());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn role_names_give_their_paths() {
        assert_eq!(role_path("roles/owner").as_deref(), Some("/v1/roles/owner"));
        assert_eq!(
            role_path("projects/acme-prod/roles/ciDeployer").as_deref(),
            Some("/v1/projects/acme-prod/roles/ciDeployer")
        );
        assert_eq!(
            role_path("organizations/111/roles/auditReader").as_deref(),
            Some("/v1/organizations/111/roles/auditReader")
        );
        for not in ["owner", "roles/", "roles/a/b", "folders/1/roles/x", ""] {
            assert_eq!(role_path(not), None, "{not}");
        }
        assert!(is_predefined("roles/viewer"));
        assert!(!is_predefined("projects/p/roles/x"));
    }

    #[test]
    fn roles_come_from_policies_ancestors_and_entitlements() {
        let policy = json!({"bindings": [{"role": "roles/owner", "members": []},
                                          {"role": "projects/p/roles/x", "members": []}]});
        let ancestors = json!({"ancestors": [
            {"name": "folders/1", "policy": {"bindings": [{"role": "roles/owner"}]}},
            {"name": "organizations/2"},
            {"name": "organizations/2", "policy": {"bindings": [{"role": "organizations/2/roles/y"}]}}]});
        let ents = json!({"entitlements": [{"privilegedAccess": {"gcpIamAccess": {
            "roleBindings": [{"role": "roles/cloudsql.admin"}, {"role": "bogus"}]}}}]});
        let got: Vec<String> = used(Some(&policy), Some(&ancestors), Some(&ents))
            .into_iter()
            .collect();
        assert_eq!(
            got,
            [
                "organizations/2/roles/y",
                "projects/p/roles/x",
                "roles/cloudsql.admin",
                "roles/owner"
            ]
        );
        assert!(used(None, None, Some(&json!({}))).is_empty());
    }
}
