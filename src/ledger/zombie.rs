//! Ended grants against live state: zombie or verified revocation.

use super::Grant;
use super::reconcile::{Ctx, fmt, grant_evidence, target_of};
use crate::model::*;
use crate::scan::scanner::{Ended, still_attached};

/// An ended grant: is the access gone? Zombie when not, verified revocation when it is.
pub(super) fn ended(ctx: &mut Ctx<'_>, g: &Grant, idents: &[usize]) {
    let end = g.ended_at().expect("ended grant has an end");
    let how = if g.revoked_at.is_some() {
        "revoked"
    } else {
        "expired"
    };
    let target = target_of(g);
    let mut evidence = grant_evidence(g);
    if idents.is_empty() {
        // The identity is gone from live state: the grant's access is gone with it.
        ctx.summary.reconciled += 1;
        ctx.summary.revocations_verified += 1;
        ctx.signal(
            "ledger-revocation-verified",
            g.boundary,
            &g.scope,
            &g.identity,
            &g.entitlement,
            &target,
            format!(
                "grant {} {how} {}; the identity {} no longer exists",
                g.grant_id,
                fmt(end),
                g.identity
            ),
            Some(Revocation::Effective),
            evidence,
        );
        return;
    }
    ctx.summary.reconciled += 1;
    for &n in idents {
        let ident = ctx.inv.identities[n].clone();
        let live_paths: Vec<&AccessPath> = ctx
            .covered_paths(g, &ident.id, &ident.scope)
            .into_iter()
            .map(|k| &ctx.inv.access_paths[k])
            .collect();
        let mut reasons = Vec::new();
        let mut ev = Vec::new();
        // A grant of one credential (`access-key:AKIA…`): is that credential still usable?
        let credential = ctx
            .credentials_of
            .get(&ident.id)
            .into_iter()
            .flatten()
            .map(|&k| &ctx.inv.credentials[k])
            .find(|c| {
                g.entitlement
                    .strip_prefix(c.kind.as_str())
                    .and_then(|rest| rest.strip_prefix(':'))
                    == Some(c.id.as_str())
            });
        if let Some(c) = credential {
            if c.status == "active" {
                reasons.push(format!(
                    "{} {} is still active",
                    c.kind.replace('-', " "),
                    c.id
                ));
                ev.extend(c.evidence.clone());
            }
        } else if let Some(scanner) = ctx.registry.find(ident.boundary) {
            let ended = Ended {
                grant_id: &g.grant_id,
                entitlement: &g.entitlement,
                end,
                now: ctx.now,
            };
            for r in scanner.residual_access(&ended, &ident, &live_paths, ctx.inv) {
                reasons.push(r.reason);
                ev.extend(r.evidence);
            }
        } else {
            for r in still_attached(&live_paths) {
                reasons.push(r.reason);
                ev.extend(r.evidence);
            }
        }
        if reasons.is_empty() {
            ctx.summary.revocations_verified += 1;
            ctx.signal(
                "ledger-revocation-verified",
                g.boundary,
                &ident.scope,
                &ident.id,
                &g.entitlement,
                &target,
                format!(
                    "grant {} {how} {}; {} no longer holds {}",
                    g.grant_id,
                    fmt(end),
                    ident.name,
                    if g.entitlement.is_empty() {
                        "it"
                    } else {
                        &g.entitlement
                    }
                ),
                Some(Revocation::Effective),
                evidence.clone(),
            );
        } else {
            ctx.summary.zombies += 1;
            evidence.extend(ev);
            ctx.signal(
                "ledger-zombie",
                g.boundary,
                &ident.scope,
                &ident.id,
                &g.entitlement,
                &target,
                format!(
                    "grant {} {how} {} per the ledger, but {}",
                    g.grant_id,
                    fmt(end),
                    reasons.join("; ")
                ),
                Some(Revocation::NotEffective),
                evidence.clone(),
            );
        }
    }
}
