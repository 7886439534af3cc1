//! One subscription: Azure RBAC role assignments and PIM for Azure resources → access paths
//! of the tenant's service principals, and PIM removal checks.

use super::arm::{
    Policy as ArmPolicy, PolicyAssignment, Resource, RoleDefinition, RoleItem, Subscription,
};
use super::catalogue::AzureCatalogue;
use super::directory::Directory;
use super::docs::{self, Items, guid, same_id};
use super::graph::PolicyRule;
use super::paths::Paths;
use super::pim::{self, Row, State};
use super::privilege::arm_tier;
use super::raw::*;
use super::removals::{self, Removal, is_removal};
use crate::model::{Evidence, Inventory};
use crate::scan::scanner::{Context, RawScope};
use chrono::Duration;

type Items2<P> = Items<Resource<P>>;

fn rows(items: &Items2<RoleItem>, errors: &mut Vec<String>, created_as_start: bool) -> Vec<Row> {
    items
        .items
        .iter()
        .map(|(ptr, r)| {
            let p = &r.properties;
            let t = |field: &str, v: &Option<String>, errors: &mut Vec<String>| {
                docs::time(
                    &items.source,
                    &format!("{ptr}/properties/{field}"),
                    v,
                    errors,
                )
            };
            let start = if created_as_start {
                t("createdOn", &p.created_on, errors)
            } else {
                t("startDateTime", &p.start_date_time, errors)
            };
            Row {
                id: r.id.clone(),
                principal: p.principal_id.clone(),
                principal_type: p.principal_type.clone(),
                role: guid(&p.role_definition_id),
                scope: p.scope.clone().unwrap_or_default(),
                start,
                end: t("endDateTime", &p.end_date_time, errors),
                assignment_type: p.assignment_type.clone(),
                linked: p.linked_role_eligibility_schedule_id.is_some()
                    || p.linked_role_eligibility_schedule_instance_id.is_some(),
                schedule: p.role_assignment_schedule_id.clone(),
                origin: p.origin_role_assignment_id.clone(),
                evidence: items.ev(ptr),
            }
        })
        .collect()
}

/// The activation window in a list of rules: `Expiration_EndUser_Assignment`.
pub fn activation_window(rules: &[PolicyRule]) -> Option<Result<Duration, String>> {
    let rule = rules.iter().find(|r| {
        r.id.as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case("Expiration_EndUser_Assignment"))
    })?;
    Some(match rule.maximum_duration.as_deref() {
        Some(text) => crate::time::parse_iso8601_duration(text).ok_or_else(|| {
            format!("maximumDuration `{text}` is not an ISO 8601 duration jitgap reads")
        }),
        None => Err("Expiration_EndUser_Assignment has no maximumDuration".into()),
    })
}

pub fn normalize(
    raw: &RawScope,
    sub: &Subscription,
    dir: Option<&Directory>,
    cat: &AzureCatalogue,
    ctx: &Context<'_>,
    inv: &mut Inventory,
    errors: &mut Vec<String>,
) {
    let scope = sub.subscription_id.clone();
    let defs = docs::list::<Resource<RoleDefinition>>(raw, ROLE_DEFINITIONS, errors);
    let assignments = docs::list::<Resource<RoleItem>>(raw, ROLE_ASSIGNMENTS, errors)
        .map(|i| rows(&i, errors, true));
    let instances = docs::list::<Resource<RoleItem>>(raw, ASSIGNMENT_INSTANCES, errors)
        .map(|i| rows(&i, errors, false));
    let eligibilities = docs::list::<Resource<RoleItem>>(raw, ELIGIBILITY_INSTANCES, errors)
        .map(|i| rows(&i, errors, false));
    let policy_assignments =
        docs::list::<Resource<PolicyAssignment>>(raw, POLICY_ASSIGNMENTS, errors);
    let policies = docs::list::<Resource<ArmPolicy>>(raw, POLICIES, errors);
    let requests = docs::list::<Resource<RoleItem>>(raw, ASSIGNMENT_REQUESTS, errors);

    let def_of = |g: &str| {
        defs.as_ref().and_then(|d| {
            d.items
                .iter()
                .find(|(_, r)| {
                    same_id(&guid(&r.id), g) || r.name.as_deref().is_some_and(|n| same_id(n, g))
                })
                .map(|(_, r)| &r.properties)
        })
    };
    let window_of = |role: &str, at: &str| -> Result<(Duration, Evidence), String> {
        let Some(pa) = &policy_assignments else {
            return Err(format!(
                "the role management policy assignments were not read (needs {})",
                permission_for(POLICY_ASSIGNMENTS)
            ));
        };
        let Some((ptr, a)) = pa.items.iter().find(|(_, a)| {
            guid(&a.properties.role_definition_id) == role
                && a.properties
                    .scope
                    .as_deref()
                    .is_some_and(|s| same_id(s, at))
        }) else {
            return Err(format!(
                "no role management policy assignment for role {role} at {at}"
            ));
        };
        if let Some(w) = activation_window(&a.properties.effective_rules) {
            return w.map(|d| (d, pa.ev(&format!("{ptr}/properties/effectiveRules"))));
        }
        let policy = a.properties.policy_id.as_deref().and_then(|pid| {
            policies.as_ref().and_then(|p| {
                p.items
                    .iter()
                    .find(|(_, x)| same_id(&x.id, pid) || same_id(&guid(&x.id), &guid(pid)))
                    .map(|(pp, x)| (p.ev(pp), x))
            })
        });
        match policy {
            Some((ev, p)) => activation_window(&p.properties.effective_rules)
                .or_else(|| activation_window(&p.properties.rules))
                .unwrap_or_else(|| {
                    Err("the role's policy has no Expiration_EndUser_Assignment rule".into())
                })
                .map(|d| (d, ev)),
            None => Err(format!(
                "the policy assignment for role {role} names no rules and its policy was not read"
            )),
        }
    };
    let state = State {
        assignments: assignments.as_deref(),
        instances: instances.as_deref(),
        eligibilities: eligibilities.as_deref(),
        instances_missing: if raw.document(ASSIGNMENT_INSTANCES).is_none() {
            "needs Microsoft.Authorization/roleAssignmentScheduleInstances/read"
        } else {
            "the document could not be read"
        },
    };
    let held = pim::reconcile(
        &state,
        &window_of,
        ctx.policy.max_jit_window,
        "azure.enforcement",
    );
    let mut paths = Paths {
        dir,
        scope: &scope,
        inv,
    };
    for h in &held {
        let tier = arm_tier(cat, &h.role, def_of(&h.role));
        let (privilege, decision, name) = tier;
        paths.add(h, &name, &(privilege, decision), &h.scope);
    }
    if let Some(req) = &requests {
        let list: Vec<Removal> = req
            .items
            .iter()
            .filter(|(_, r)| r.properties.request_type.as_deref().is_some_and(is_removal))
            .map(|(ptr, r)| {
                let p = &r.properties;
                Removal {
                    id: r.name.clone().unwrap_or_else(|| guid(&r.id)),
                    kind: p.request_type.clone().unwrap_or_default(),
                    principal: p.principal_id.clone(),
                    role: guid(&p.role_definition_id),
                    scope: p.scope.clone().unwrap_or_default(),
                    at: docs::time(
                        &req.source,
                        &format!("{ptr}/properties/createdOn"),
                        &p.created_on,
                        errors,
                    ),
                    target: p
                        .target_role_assignment_schedule_instance_id
                        .clone()
                        .or_else(|| p.target_role_assignment_schedule_id.clone()),
                    evidence: req.ev(ptr),
                }
            })
            .collect();
        let role_name = |g: &str| arm_tier(cat, g, def_of(g)).2;
        inv.signals.extend(removals::check(
            &list,
            instances.as_deref(),
            assignments.as_deref(),
            &scope,
            &role_name,
        ));
    }
}
