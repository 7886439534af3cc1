//! One tenant: directory roles (Entra ID, with PIM for Entra roles) → access paths.

use super::catalogue::AzureCatalogue;
use super::directory::Directory;
use super::docs::{self, Items, same_id};
use super::graph::{
    DirectoryPolicyAssignment, DirectoryRoleDefinition, DirectoryRoleItem, DirectoryRoleRequest,
};
use super::paths::Paths;
use super::pim::{self, Row, State};
use super::privilege::directory_tier;
use super::raw::*;
use super::removals::{self, Removal, is_removal};
use super::subscription::activation_window;
use crate::model::{Evidence, Inventory};
use crate::scan::scanner::{Context, RawScope};
use chrono::Duration;

fn rows(items: &Items<DirectoryRoleItem>, errors: &mut Vec<String>) -> Vec<Row> {
    items
        .items
        .iter()
        .map(|(ptr, r)| {
            let t = |field: &str, v: &Option<String>, errors: &mut Vec<String>| {
                docs::time(&items.source, &format!("{ptr}/{field}"), v, errors)
            };
            Row {
                id: r.id.clone(),
                principal: r.principal_id.clone(),
                principal_type: None,
                role: r.role_definition_id.to_ascii_lowercase(),
                scope: r.directory_scope_id.clone().unwrap_or_else(|| "/".into()),
                start: t("startDateTime", &r.start_date_time, errors),
                end: t("endDateTime", &r.end_date_time, errors),
                assignment_type: r.assignment_type.clone(),
                // Graph links an activation to its eligibility through `activatedUsing`, a
                // relation the list does not inline: `Activated` is the link.
                linked: r
                    .assignment_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("Activated")),
                schedule: r.role_assignment_schedule_id.clone(),
                origin: r.role_assignment_origin_id.clone(),
                evidence: items.ev(ptr),
            }
        })
        .collect()
}

/// `directory:/` for the whole tenant, `directory:/administrativeUnits/…` for a unit.
pub fn target_of(scope: &str) -> String {
    format!("directory:{scope}")
}

pub fn normalize(
    raw: &RawScope,
    dir: &Directory,
    cat: &AzureCatalogue,
    ctx: &Context<'_>,
    inv: &mut Inventory,
    errors: &mut Vec<String>,
) {
    let defs = docs::list::<DirectoryRoleDefinition>(raw, DIR_ROLE_DEFINITIONS, errors);
    let assignments = docs::list::<DirectoryRoleItem>(raw, DIR_ROLE_ASSIGNMENTS, errors)
        .map(|i| rows(&i, errors));
    let instances = docs::list::<DirectoryRoleItem>(raw, DIR_ASSIGNMENT_INSTANCES, errors)
        .map(|i| rows(&i, errors));
    let eligibilities = docs::list::<DirectoryRoleItem>(raw, DIR_ELIGIBILITY_INSTANCES, errors)
        .map(|i| rows(&i, errors));
    let policies = docs::list::<DirectoryPolicyAssignment>(raw, DIR_POLICY_ASSIGNMENTS, errors);
    let requests = docs::list::<DirectoryRoleRequest>(raw, DIR_ASSIGNMENT_REQUESTS, errors);
    let def_of = |id: &str| {
        defs.as_ref().and_then(|d| {
            d.items
                .iter()
                .find(|(_, r)| {
                    same_id(&r.id, id) || r.template_id.as_deref().is_some_and(|t| same_id(t, id))
                })
                .map(|(_, r)| r)
        })
    };
    let window_of = |role: &str, at: &str| -> Result<(Duration, Evidence), String> {
        let Some(p) = &policies else {
            return Err(format!(
                "the directory role policies were not read (needs {})",
                permission_for(DIR_POLICY_ASSIGNMENTS)
            ));
        };
        let Some((ptr, a)) = p.items.iter().find(|(_, a)| {
            same_id(&a.role_definition_id, role)
                && a.scope_id
                    .as_deref()
                    .is_none_or(|s| same_id(s, at) || s == "/")
        }) else {
            return Err(format!(
                "no PIM policy assignment for directory role {role}"
            ));
        };
        let rules = a
            .policy
            .as_ref()
            .map(|p| p.rules.as_slice())
            .unwrap_or_default();
        activation_window(rules)
            .unwrap_or_else(|| Err("its policy has no Expiration_EndUser_Assignment rule (expand policy($expand=rules))".into()))
            .map(|d| (d, p.ev(&format!("{ptr}/policy/rules"))))
    };
    let state = State {
        assignments: assignments.as_deref(),
        instances: instances.as_deref(),
        eligibilities: eligibilities.as_deref(),
        instances_missing: "needs RoleManagement.Read.Directory",
    };
    let held = pim::reconcile(
        &state,
        &window_of,
        ctx.policy.max_jit_window,
        "azure.directory",
    );
    let mut paths = Paths {
        dir: Some(dir),
        scope: &dir.tenant,
        inv,
    };
    for h in &held {
        let (privilege, decision, name) = directory_tier(cat, &h.role, def_of(&h.role));
        paths.add(h, &name, &(privilege, decision), &target_of(&h.scope));
    }
    if let Some(req) = &requests {
        let list: Vec<Removal> = req
            .items
            .iter()
            .filter(|(_, r)| r.action.as_deref().is_some_and(is_removal))
            .filter(|(_, r)| {
                dir.principals
                    .contains_key(&r.principal_id.to_ascii_lowercase())
            })
            .map(|(ptr, r)| Removal {
                id: r.id.clone(),
                kind: r.action.clone().unwrap_or_default(),
                principal: r.principal_id.clone(),
                role: r.role_definition_id.to_ascii_lowercase(),
                scope: r.directory_scope_id.clone().unwrap_or_else(|| "/".into()),
                at: docs::time(
                    &req.source,
                    &format!("{ptr}/createdDateTime"),
                    &r.created_date_time,
                    errors,
                ),
                // Graph requests name the schedule, not the instance: match by principal, role and scope.
                target: None,
                evidence: req.ev(ptr),
            })
            .collect();
        let role_name = |id: &str| directory_tier(cat, id, def_of(id)).2;
        inv.signals.extend(removals::check(
            &list,
            instances.as_deref(),
            assignments.as_deref(),
            &dir.tenant,
            &role_name,
        ));
    }
}
