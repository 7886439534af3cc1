//! A role's privilege tier: built-ins from the catalogue by id, anything else from its
//! permissions. An action that is not plainly a read is never taken for one.

use super::arm::{Permission, RoleDefinition};
use super::catalogue::AzureCatalogue;
use super::graph::DirectoryRoleDefinition;
use crate::checks::glob_match;
use crate::model::{Decision, Privilege};

fn glob_ci(pattern: &str, action: &str) -> bool {
    glob_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

fn is_read(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a.ends_with("/read") && !a.contains('*') || a == "*/read"
}

/// An Azure role's tier. `name` is the role's display name (for the reason).
pub fn arm_tier(
    cat: &AzureCatalogue,
    guid: &str,
    def: Option<&RoleDefinition>,
) -> (Privilege, Decision, String) {
    if let Some(k) = cat.arm_role(guid) {
        return k.verdict("azure.privilege.builtin-role", "built-in role");
    }
    let Some(def) = def else {
        return (
            Privilege::Unknown,
            Decision::new(
                "azure.privilege.unknown-role",
                format!(
                    "role definition {guid} is neither in the catalogue nor among the subscription's role definitions"
                ),
            ),
            guid.to_string(),
        );
    };
    let name = def.role_name.clone().unwrap_or_else(|| guid.to_string());
    let (tier, why) = judge_permissions(&def.permissions, &cat.arm_admin_actions);
    (
        tier,
        Decision::new("azure.privilege.role-permissions", format!("{name}: {why}")),
        name,
    )
}

/// Effective rights are `actions` (and `dataActions`) minus `notActions`.
fn judge_permissions(perms: &[Permission], admin_actions: &[String]) -> (Privilege, String) {
    let not: Vec<&String> = perms.iter().flat_map(|p| &p.not_actions).collect();
    let taken_away = |a: &str| not.iter().any(|n| glob_ci(n, a));
    for admin in admin_actions {
        if let Some(a) = perms
            .iter()
            .flat_map(|p| &p.actions)
            .find(|a| glob_ci(a, admin) && !taken_away(admin))
        {
            return (Privilege::Admin, format!("`{a}` reaches `{admin}`"));
        }
    }
    let writes: Vec<&String> = perms
        .iter()
        .flat_map(|p| p.actions.iter().chain(&p.data_actions))
        .filter(|a| !is_read(a) && !taken_away(a))
        .collect();
    match writes.first() {
        Some(a) => (Privilege::Write, format!("`{a}` is not a read-only action")),
        None if perms
            .iter()
            .all(|p| p.actions.is_empty() && p.data_actions.is_empty()) =>
        {
            (Privilege::Read, "it grants no actions".to_string())
        }
        None => (
            Privilege::Read,
            "every action it grants is a read".to_string(),
        ),
    }
}

/// A directory role's tier: the catalogue by template id, else its allowed actions.
pub fn directory_tier(
    cat: &AzureCatalogue,
    id: &str,
    def: Option<&DirectoryRoleDefinition>,
) -> (Privilege, Decision, String) {
    let template = def
        .and_then(|d| d.template_id.clone())
        .unwrap_or_else(|| id.to_string());
    if let Some(k) = cat
        .directory_role(&template)
        .or_else(|| cat.directory_role(id))
    {
        return k.verdict(
            "azure.privilege.builtin-directory-role",
            "built-in Entra role",
        );
    }
    let Some(def) = def else {
        return (
            Privilege::Unknown,
            Decision::new(
                "azure.privilege.unknown-directory-role",
                format!(
                    "directory role {id} is neither in the catalogue nor among the tenant's role definitions"
                ),
            ),
            id.to_string(),
        );
    };
    let name = def.display_name.clone().unwrap_or_else(|| id.to_string());
    let actions: Vec<&String> = def
        .role_permissions
        .iter()
        .flat_map(|p| &p.allowed_resource_actions)
        .collect();
    let (tier, why) = if let Some((a, admin)) = actions.iter().find_map(|a| {
        cat.directory_admin_actions
            .iter()
            .find(|admin| glob_ci(admin, a) || glob_ci(a, admin))
            .map(|admin| (a, admin))
    }) {
        (Privilege::Admin, format!("`{a}` matches `{admin}`"))
    } else if let Some(a) = actions.iter().find(|a| !is_read(a)) {
        (Privilege::Write, format!("`{a}` is not a read-only action"))
    } else {
        (
            Privilege::Read,
            "every action it allows is a read".to_string(),
        )
    };
    (
        tier,
        Decision::new(
            "azure.privilege.directory-role-actions",
            format!("{name}: {why}"),
        ),
        name,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(actions: &[&str], not: &[&str]) -> Vec<Permission> {
        vec![Permission {
            actions: actions.iter().map(|s| s.to_string()).collect(),
            not_actions: not.iter().map(|s| s.to_string()).collect(),
            data_actions: Vec::new(),
        }]
    }

    fn admin() -> Vec<String> {
        vec!["Microsoft.Authorization/roleAssignments/write".into()]
    }

    #[test]
    fn custom_roles_by_their_actions() {
        assert_eq!(
            judge_permissions(&perm(&["*"], &[]), &admin()).0,
            Privilege::Admin
        );
        assert_eq!(
            judge_permissions(&perm(&["Microsoft.Authorization/*/Write"], &[]), &admin()).0,
            Privilege::Admin
        );
        // Contributor's shape: everything but authorization writes.
        assert_eq!(
            judge_permissions(
                &perm(
                    &["*"],
                    &[
                        "Microsoft.Authorization/*/Write",
                        "Microsoft.Authorization/*/Delete"
                    ]
                ),
                &admin()
            )
            .0,
            Privilege::Write
        );
        assert_eq!(
            judge_permissions(&perm(&["*/read"], &[]), &admin()).0,
            Privilege::Read
        );
        assert_eq!(
            judge_permissions(&perm(&["Microsoft.Web/sites/*"], &[]), &admin()).0,
            Privilege::Write
        );
        // A verb jitgap does not know is not a read.
        assert_eq!(
            judge_permissions(
                &perm(&["Microsoft.Compute/virtualMachines/restart/action"], &[]),
                &admin()
            )
            .0,
            Privilege::Write
        );
    }
}
