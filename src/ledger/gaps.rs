//! Untraceable grants and orphan access.

use super::Grant;
use super::reconcile::{Ctx, grant_evidence};
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// The five questions a reviewer asks of a grant.
/// `scanned`: live state of the grant's scope was read, so jitgap checked the revocation itself.
pub(super) fn untraceable(ctx: &mut Ctx<'_>, g: &Grant, scanned: bool) {
    let mut missing = Vec::new();
    let empty = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if empty(&g.requested_by) {
        missing.push("who requested it (requested_by)");
    }
    if g.identity.trim().is_empty() {
        missing.push("which workload uses it (identity)");
    }
    if empty(&g.task) {
        missing.push("which task (task)");
    }
    if g.expires_at.is_none() {
        missing.push("how long (expires_at)");
    }
    if !scanned
        && g.expires_at.is_some_and(|e| e <= ctx.now)
        && g.revoked_at.is_none()
        && !g.labels.contains_key("revocation")
    {
        missing.push("revocation evidence (revoked_at; its scope was not scanned, so jitgap could not check)");
    }
    if missing.is_empty() {
        return;
    }
    ctx.summary.untraceable += 1;
    ctx.signal(
        "ledger-untraceable",
        g.boundary,
        &g.scope,
        if g.identity.is_empty() {
            &g.grant_id
        } else {
            &g.identity
        },
        &g.entitlement,
        &format!("grant:{}", g.grant_id),
        format!(
            "grant {} ({}) does not record {}",
            g.grant_id,
            g.source,
            missing.join(", ")
        ),
        None,
        grant_evidence(g),
    );
}

/// Privileged, non-JIT paths in the broker's territory with no active grant.
pub(super) fn orphans(ctx: &mut Ctx<'_>, grants: &[Grant], covered: &BTreeSet<String>) {
    let territory: BTreeSet<(Boundary, String)> = grants
        .iter()
        .map(|g| (g.boundary, g.scope.clone()))
        .collect();
    let names: BTreeMap<Text, String> = ctx
        .inv
        .identities
        .iter()
        .map(|i| (i.id.clone(), i.name.clone()))
        .collect();
    let mut found = Vec::new();
    for p in ctx.inv.access_paths.iter() {
        let in_territory = territory.contains(&(p.boundary, p.scope.to_string()))
            || territory
                .iter()
                .any(|(b, s)| *b == p.boundary && (s == "*" || s.is_empty() || s == "vault"));
        if !in_territory
            || !p.privilege.is_privileged()
            || p.enforcement == Enforcement::Jit
            || covered.contains(p.id.as_str())
        {
            continue;
        }
        found.push(p.clone());
    }
    for p in found {
        ctx.summary.orphans += 1;
        let name = names
            .get(&p.identity)
            .cloned()
            .unwrap_or_else(|| p.identity.to_string());
        ctx.signal(
            "ledger-orphan",
            p.boundary,
            &p.scope,
            &p.identity,
            &p.entitlement,
            &p.target,
            format!(
                "{name}: {} via {} is {} and no active ledger grant covers it",
                p.privilege, p.entitlement, p.enforcement
            ),
            None,
            p.evidence.clone(),
        );
    }
}
