//! Ended grants against live state: zombie or verified revocation.

use super::Grant;
use super::matching::covers_path;
use super::reconcile::{Ctx, MAX_STS_SESSION, fmt, grant_evidence, target_of};
use crate::model::*;
use chrono::{DateTime, Duration, Utc};

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
            .inv
            .access_paths
            .iter()
            .filter(|p| p.identity == ident.id && covers_path(g, p))
            .collect();
        let mut reasons = Vec::new();
        let mut ev = Vec::new();
        if let Some(key) = g.entitlement.strip_prefix("access-key:") {
            if let Some(c) = ctx
                .inv
                .credentials
                .iter()
                .find(|c| c.identity == ident.id && c.id == key && c.status == "active")
            {
                reasons.push(format!("access key {key} is still active"));
                ev.extend(c.evidence.clone());
            }
        } else if matches!(ident.boundary, Boundary::Postgres | Boundary::Mysql) {
            reasons.push(format!("{} still exists", ident.name));
            ev.extend(ident.evidence.clone());
            for s in ctx.inv.sessions.iter().filter(|s| s.identity == ident.id) {
                let before = s.started_at.is_none_or(|t| t < end);
                reasons.push(format!(
                    "session {} ({}) {}",
                    s.id,
                    s.state,
                    if before {
                        "opened before the revocation is still running"
                    } else {
                        "is running"
                    }
                ));
                ev.extend(s.evidence.clone());
            }
        } else if !live_paths.is_empty() {
            for p in &live_paths {
                reasons.push(format!(
                    "{} is still attached ({} {})",
                    p.entitlement, p.privilege, p.enforcement
                ));
                ev.extend(p.evidence.clone());
            }
        } else if ident.boundary == Boundary::Aws
            && g.entitlement.is_empty()
            && ctx.now - end < Duration::hours(MAX_STS_SESSION)
        {
            // Access to assume the role ended, but sessions already issued live on unless denied.
            let denied = ctx.inv.signals.iter().any(|s| {
                s.identity == ident.id
                    && s.kind == "aws-sessions-revoked"
                    && session_cutoff(s).is_some_and(|t| t >= end)
            });
            if !denied {
                reasons.push(format!("no aws:TokenIssueTime deny covers sessions issued before {}: they stay valid up to {MAX_STS_SESSION} h", fmt(end)));
                ev.extend(ident.evidence.clone());
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

fn session_cutoff(s: &Signal) -> Option<DateTime<Utc>> {
    // "sessions issued before <time> are denied by …"
    s.message
        .split_whitespace()
        .find_map(crate::time::parse_timestamp)
}
