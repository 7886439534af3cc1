//! A tenant and its subscriptions → identities, credentials, access paths and signals.
//!
//! Subscriptions are normalized against their tenant's directory (the service principals
//! their role assignments name, and the groups those belong to). A subscription whose
//! tenant is not in the run still gets its paths, with the principals unresolved.

use super::arm::Subscription;
use super::catalogue::AzureCatalogue;
use super::directory::{Directory, signal};
use super::docs;
use super::graph::TenantDoc;
use super::raw::*;
use crate::model::Inventory;
use crate::scan::scanner::{Context, Normalized, RawScope, scope_status};
use rayon::prelude::*;
use std::collections::BTreeSet;

enum Kind {
    Tenant(String),
    Subscription(Subscription),
    Neither,
}

fn kind_of(raw: &RawScope, errors: &mut Vec<String>) -> Kind {
    if let Some((_, t)) = docs::object::<TenantDoc>(raw, TENANT, errors) {
        return Kind::Tenant(t.tenant_id);
    }
    if let Some((_, s)) = docs::object::<Subscription>(raw, SUBSCRIPTION, errors) {
        return Kind::Subscription(s);
    }
    Kind::Neither
}

/// The tenant a scope belongs to (its own id for a tenant), when its documents say.
pub fn tenant_of(raw: &RawScope) -> Option<String> {
    match kind_of(raw, &mut Vec::new()) {
        Kind::Tenant(t) => Some(t.to_ascii_lowercase()),
        Kind::Subscription(s) => s.tenant_id.map(|t| t.to_ascii_lowercase()),
        Kind::Neither => None,
    }
}

/// Normalizes every Azure scope of a run: each subscription against its tenant's directory.
pub fn normalize_scopes(raws: &[&RawScope], ctx: &Context<'_>) -> Vec<Normalized> {
    let cat = ctx
        .rules
        .catalogue::<AzureCatalogue>("azure")
        .unwrap_or_default();
    let mut errors: Vec<Vec<String>> = raws.iter().map(|_| Vec::new()).collect();
    let kinds: Vec<Kind> = raws
        .iter()
        .zip(errors.iter_mut())
        .map(|(r, e)| kind_of(r, e))
        .collect();
    // Directories first: subscriptions resolve their principals against them.
    let dirs: Vec<Option<Directory>> = raws
        .par_iter()
        .zip(kinds.par_iter())
        .zip(errors.par_iter_mut())
        .map(|((raw, kind), e)| match kind {
            Kind::Tenant(t) => Some(Directory::read(raw, t, ctx.policy, ctx.now, e)),
            _ => None,
        })
        .collect();
    let dir_of = |tenant: Option<&str>| {
        let mut all = dirs.iter().flatten();
        match tenant {
            Some(t) => all.find(|d| d.tenant.eq_ignore_ascii_case(t)),
            // A subscription that does not say its tenant: the only tenant of the run.
            None => {
                let first = all.next();
                if all.next().is_some() { None } else { first }
            }
        }
    };
    let mut out: Vec<Normalized> = raws
        .par_iter()
        .zip(kinds.par_iter())
        .zip(errors.par_iter_mut())
        .zip(dirs.par_iter())
        .map(|(((raw, kind), e), dir)| {
            let mut inv = Inventory::default();
            let scope = match kind {
                Kind::Tenant(t) => {
                    let dir = dir.as_ref().expect("a tenant has its directory");
                    if raw.document(SERVICE_PRINCIPALS).is_none() && raw.errors.is_empty() {
                        e.push(format!("{}: no {SERVICE_PRINCIPALS}: no service principal, credential or directory-role path of the tenant can be read", raw.scope));
                    }
                    inv.identities.extend(dir.principals.values().map(|p| p.identity.clone()));
                    inv.credentials.extend(dir.credentials.iter().cloned());
                    inv.signals.extend(dir.signals.iter().cloned());
                    inv.federations.extend(dir.federations.iter().cloned());
                    super::tenant::normalize(raw, dir, &cat, ctx, &mut inv, e);
                    t.clone()
                }
                Kind::Subscription(s) => {
                    let dir = dir_of(s.tenant_id.as_deref());
                    super::subscription::normalize(raw, s, dir, &cat, ctx, &mut inv, e);
                    s.subscription_id.clone()
                }
                Kind::Neither => {
                    if !raw.documents.is_empty() {
                        e.push(format!(
                            "{}: an Azure folder needs {TENANT} (a tenant) or {SUBSCRIPTION} (a subscription)",
                            raw.documents.first().map(|(_, d)| d.source.as_str()).unwrap_or(&raw.scope)
                        ));
                    }
                    raw.scope.clone()
                }
            };
            let scope = if scope.is_empty() { raw.scope.clone() } else { scope };
            inv.scopes.push(scope_status(raw, &scope, e));
            Normalized { inventory: inv, errors: e.clone() }
        })
        .collect();
    cross_scope_signals(&mut out, &dirs, &cat);
    // Only problems with the documents are bad input; collection errors stay on the scope.
    for (n, raw) in out.iter_mut().zip(raws) {
        n.errors.retain(|e| !raw.errors.contains(e));
    }
    out
}

/// Signals that need every path of a tenant: third-party apps and pull_request federation
/// holding write or admin anywhere.
fn cross_scope_signals(out: &mut [Normalized], dirs: &[Option<Directory>], cat: &AzureCatalogue) {
    let privileged: BTreeSet<(String, String)> = out
        .iter()
        .flat_map(|n| n.inventory.access_paths.iter())
        .filter(|p| p.privilege.is_privileged())
        .map(|p| {
            (
                p.identity.to_ascii_lowercase(),
                format!("{} on {} ({})", p.entitlement, p.target, p.privilege),
            )
        })
        .collect();
    for (n, dir) in out.iter_mut().zip(dirs) {
        let Some(dir) = dir else { continue };
        for (id, p) in &dir.principals {
            let held: Vec<&str> = privileged
                .iter()
                .filter(|(i, _)| i == id)
                .map(|(_, what)| what.as_str())
                .collect();
            if held.is_empty() {
                continue;
            }
            let name = &p.identity.name;
            if let Some(owner) = p.foreign_owner.as_ref().filter(|o| !cat.is_first_party(o)) {
                n.inventory.signals.push(signal(
                    "azure-third-party-privileged",
                    &dir.tenant,
                    &p.identity.id,
                    "",
                    format!(
                        "{name} is an app of another tenant ({owner}) and holds {}",
                        held.join(", ")
                    ),
                    p.identity.evidence.clone(),
                ));
            }
            for (what, ev) in &p.pull_request_trust {
                n.inventory.signals.push(signal(
                    "azure-federation-broad-subject",
                    &dir.tenant,
                    &p.identity.id,
                    what,
                    format!("{name} trusts GitHub Actions `pull_request` tokens ({what}) and holds {}: any pull request's workflow can sign in as it", held.join(", ")),
                    vec![ev.clone()],
                ));
            }
        }
    }
}
