//! Projects → identities, credentials, access paths and signals.
//!
//! Projects are normalized together: a service account of one project can hold roles in
//! another, so every project's accounts are read first and paths resolve against all of
//! them. A project's effective policy is its own and every ancestor's (`ancestors.json`).

use super::accounts::{self, Account, signal};
use super::bindings::{self, LiveBinding};
use super::catalogue::GcpCatalogue;
use super::docs::{self, Doc};
use super::pam;
use super::paths::{Paths, World};
use super::privilege::RoleBook;
use super::raw::*;
use super::shapes::{Ancestors, Policy, Project};
use crate::model::Inventory;
use crate::scan::scanner::{Context, Normalized, RawScope, scope_status};
use std::collections::{BTreeMap, BTreeSet};

struct Scope {
    id: String,
    number: Option<String>,
    accounts: accounts::ProjectAccounts,
    errors: Vec<String>,
}

pub fn normalize_scopes(raws: &[&RawScope], ctx: &Context<'_>) -> Vec<Normalized> {
    let cat = ctx
        .rules
        .catalogue::<GcpCatalogue>("gcp")
        .unwrap_or_default();
    let mut roles = RoleBook::default();
    let mut scopes: Vec<Scope> = Vec::new();
    for raw in raws {
        let mut errors = Vec::new();
        let project = docs::object::<Project>(raw, PROJECT, &mut errors);
        let id = project
            .as_ref()
            .map(|p| p.value.project_id.clone())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| raw.scope.clone());
        let number = project.as_ref().and_then(|p| {
            p.value
                .name
                .as_deref()
                .and_then(|n| n.strip_prefix("projects/"))
                .map(str::to_string)
        });
        roles.add(raw, &mut errors);
        let accounts = accounts::read(raw, &id, ctx, &mut errors);
        scopes.push(Scope {
            id,
            number,
            accounts,
            errors,
        });
    }
    let mut directory: BTreeMap<String, Account> = BTreeMap::new();
    for s in &scopes {
        for (email, a) in &s.accounts.accounts {
            directory.entry(email.clone()).or_insert_with(|| a.clone());
        }
    }
    let projects: BTreeSet<String> = scopes.iter().map(|s| s.id.clone()).collect();
    let numbers: BTreeSet<String> = scopes.iter().filter_map(|s| s.number.clone()).collect();
    let world = World {
        cat: &cat,
        accounts: &directory,
        projects: &projects,
        numbers: &numbers,
    };
    let mut out: Vec<Normalized> = Vec::new();
    for (raw, s) in raws.iter().zip(scopes.iter_mut()) {
        let mut paths = Paths::new(&world, &s.id);
        let e = &mut s.errors;
        let pam = pam::read(raw, e);
        let active: Vec<&pam::GrantRec> =
            pam.grants.iter().flatten().filter(|g| g.active()).collect();
        let mut live: Vec<LiveBinding> = Vec::new();
        let mut read_policies: BTreeSet<String> = BTreeSet::new();
        let policy: Option<Doc<Policy>> = docs::object::<Policy>(raw, IAM_POLICY, e);
        let here = paths.target.clone();
        if let Some(p) = &policy {
            read_policies.insert(here.clone());
            bindings::read(
                &p.value, &p.source, "", &here, false, &mut paths, &roles, &active, ctx, &mut live,
            );
        } else if raw.errors.is_empty()
            && raw.document(IAM_POLICY).is_none()
            && let Some(marker) = raw.document(PROJECT)
        {
            e.push(format!(
                "{}: no {IAM_POLICY} beside it: the project's bindings (its access paths) were not read",
                marker.source
            ));
        }
        if let Some(anc) = docs::object::<Ancestors>(raw, ANCESTORS, e) {
            for (k, a) in anc.value.ancestors.iter().enumerate() {
                if let Some(p) = &a.policy {
                    read_policies.insert(a.name.clone());
                    bindings::read(
                        p,
                        &anc.source,
                        &format!("/ancestors/{k}/policy"),
                        &a.name,
                        true,
                        &mut paths,
                        &roles,
                        &[],
                        ctx,
                        &mut live,
                    );
                }
            }
        }
        pam::eligibility(&pam, &mut paths, &roles, ctx);
        let mut names = vec![here.clone()];
        names.extend(s.number.iter().map(|n| format!("projects/{n}")));
        if policy.is_some() {
            read_policies.extend(names.iter().cloned());
        }
        let read = |resource: &str| read_policies.contains(resource);
        pam::removals(&pam, &live, &read, &names, &mut paths);
        let mut inv: Inventory = std::mem::take(&mut paths.inv);
        inv.identities
            .extend(s.accounts.accounts.values().map(|a| a.identity.clone()));
        inv.credentials.append(&mut s.accounts.credentials);
        inv.signals.append(&mut s.accounts.signals);
        inv.scopes.push(scope_status(raw, &s.id, e));
        out.push(Normalized {
            inventory: inv,
            errors: e.clone(),
        });
    }
    cross_scope(&mut out, &directory, &world);
    // Only problems with the documents are bad input; collection errors stay on the scope.
    for (n, raw) in out.iter_mut().zip(raws) {
        n.errors.retain(|e| !raw.errors.contains(e));
    }
    out
}

/// Signals that need every path of the run: never-expiring keys of privileged accounts,
/// and privileged service accounts of projects outside the scan. Identities each scope
/// created for the same principal are kept once.
fn cross_scope(out: &mut [Normalized], directory: &BTreeMap<String, Account>, world: &World<'_>) {
    let mut held: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in out.iter().flat_map(|n| n.inventory.access_paths.iter()) {
        if p.privilege.is_privileged() {
            held.entry(p.identity.to_string())
                .or_default()
                .push(format!(
                    "{} in {} ({})",
                    p.entitlement, p.scope, p.privilege
                ));
        }
    }
    // The same words whatever order the projects were read in.
    held.values_mut().for_each(|v| v.sort());
    for n in out.iter_mut() {
        let scope = n
            .inventory
            .scopes
            .first()
            .map(|s| s.scope.clone())
            .unwrap_or_default();
        for a in directory.values().filter(|a| a.identity.scope == scope) {
            let Some(roles) = held.get(a.identity.id.as_str()) else {
                continue;
            };
            for (kid, ev) in &a.never_expiring {
                n.inventory.signals.push(signal(
                    "gcp-key-never-expires",
                    &scope,
                    &a.identity.id,
                    &format!("key {}", accounts::short_key(kid)),
                    &a.email,
                    format!(
                        "user-managed key {kid} of {} never expires (validBeforeTime 9999-12-31) and the account holds {}",
                        a.email,
                        roles.join(", ")
                    ),
                    vec![ev.clone()],
                ));
            }
        }
        let foreign: Vec<(crate::model::Text, String, crate::model::Evidence)> = n
            .inventory
            .identities
            .iter()
            .filter(|i| i.kind == "gcp-service-account" && i.attributes.contains_key("unresolved"))
            .filter_map(|i| {
                let project = world.foreign(&i.name)?;
                Some((i.id.clone(), project, i.evidence.first()?.clone()))
            })
            .collect();
        for (id, project, ev) in foreign {
            let mine: Vec<String> = n
                .inventory
                .access_paths
                .iter()
                .filter(|p| p.identity == id && p.privilege.is_privileged())
                .map(|p| format!("{} ({})", p.entitlement, p.privilege))
                .collect();
            if mine.is_empty() {
                continue;
            }
            n.inventory.signals.push(signal(
                "gcp-third-party-privileged",
                &scope,
                &id,
                "",
                &format!("projects/{scope}"),
                format!(
                    "{id} is a service account of project {project}, outside the projects of this scan (another organization's, unless that project was left out), and holds {} in {scope}",
                    mine.join(", ")
                ),
                vec![ev],
            ));
        }
    }
    // One identity record per principal across the run.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for n in out.iter_mut() {
        n.inventory
            .identities
            .retain(|i| seen.insert(i.id.to_string()));
    }
    // An ancestor's binding reaches every project below it; its signals are said once.
    let mut said: BTreeSet<(String, String, String)> = BTreeSet::new();
    for n in out.iter_mut() {
        n.inventory.signals.retain(|s| {
            !s.entitlement.contains("(inherited from ")
                || said.insert((
                    s.kind.to_string(),
                    s.identity.to_string(),
                    s.entitlement.to_string(),
                ))
        });
    }
}
