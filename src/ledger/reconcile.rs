//! Reconciliation (design.md §3): the ledger against live state. Pure: it reads the inventory
//! and the grants, upgrades paths a live grant makes JIT, and adds orphan, zombie, stretched,
//! untraceable and verified-revocation signals.

use super::gaps::{orphans, untraceable};
use super::matching::{IdentityIndex, PathScopes, covers_path, vault_role_only};
use super::stretched::{stretched_chains, stretched_list};
use super::zombie::ended;
use super::{Grant, VAULT_ROLE};
use crate::classify::{WindowVerdict, classify_window};
use crate::model::*;
use crate::policy::Policy;
use crate::report::LedgerSummary;
use crate::scan::Registry;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

pub(super) fn grant_evidence(g: &Grant) -> Vec<Evidence> {
    if g.evidence.is_empty() {
        vec![Evidence::new(
            g.source.clone(),
            format!("grant {}", g.grant_id),
        )]
    } else {
        g.evidence.clone()
    }
}

pub(super) fn fmt(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(super) struct Ctx<'a> {
    pub(super) inv: &'a mut Inventory,
    /// Each scanner says what access remains after a grant ended.
    pub(super) registry: &'a Registry,
    pub(super) policy: &'a Policy,
    pub(super) now: DateTime<Utc>,
    pub(super) summary: LedgerSummary,
    pub(super) signals: Vec<Signal>,
    /// The inventory's access paths and credentials by identity id, in inventory order: a
    /// grant looks at its identities' own, not at every path of the estate.
    pub(super) paths_of: crate::hash::Map<Text, Vec<usize>>,
    pub(super) credentials_of: crate::hash::Map<Text, Vec<usize>>,
}

/// Positions in `rows` by identity id, each list in order.
fn by_identity<T>(rows: &[T], id: impl Fn(&T) -> &Text) -> crate::hash::Map<Text, Vec<usize>> {
    let mut map: crate::hash::Map<Text, Vec<usize>> = Default::default();
    for (n, row) in rows.iter().enumerate() {
        map.entry(id(row).clone()).or_default().push(n);
    }
    map
}

impl Ctx<'_> {
    /// Positions of `identity`'s access paths that `g` covers, in inventory order.
    pub(super) fn covered_paths(&self, g: &Grant, identity: &Text, scope: &str) -> Vec<usize> {
        self.paths_of
            .get(identity)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&k| covers_path(g, scope, &self.inv.access_paths[k]))
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn signal(
        &mut self,
        kind: &str,
        g_boundary: Boundary,
        scope: &str,
        identity: &str,
        entitlement: &str,
        target: &str,
        message: String,
        revocation: Option<Revocation>,
        evidence: Vec<Evidence>,
    ) {
        self.signals.push(Signal {
            kind: kind.into(),
            boundary: g_boundary,
            scope: scope.into(),
            identity: identity.into(),
            entitlement: entitlement.into(),
            target: target.into(),
            message,
            revocation,
            severity: None,
            at: None,
            evidence,
        });
    }
}

/// Reconcile `grants` with the inventory at `now`.
pub fn reconcile(
    registry: &Registry,
    inv: &mut Inventory,
    grants: &[Grant],
    sources: &[String],
    policy: &Policy,
    now: DateTime<Utc>,
) -> LedgerSummary {
    let paths_of = by_identity(&inv.access_paths, |p| &p.identity);
    let credentials_of = by_identity(&inv.credentials, |c| &c.identity);
    let mut ctx = Ctx {
        inv,
        registry,
        policy,
        now,
        summary: LedgerSummary {
            sources: sources.to_vec(),
            grants: grants.len(),
            ..Default::default()
        },
        signals: Vec::new(),
        paths_of,
        credentials_of,
    };
    let chains = stretched_chains(grants, policy);
    let path_scopes = PathScopes::of(ctx.inv);
    let mut covered_paths: BTreeSet<String> = BTreeSet::new();
    // Identities some grant names outright; a Vault lease known only by its role (its lookup
    // failed, so its issue time is gone) matches the Vault-style users of that role no other
    // lease accounts for — the role its revocation should have dropped.
    let index = IdentityIndex::of(&ctx.inv.identities);
    let named: Vec<Vec<usize>> = grants
        .iter()
        .map(|g| index.named_by(g, &path_scopes))
        .collect();
    let accounted: BTreeSet<usize> = named.iter().flatten().copied().collect();
    // Grants active now by what they grant: an ended grant renewed by one of them is no zombie.
    let mut active: crate::hash::Map<(Boundary, &str, &str), Vec<&str>> = Default::default();
    for o in grants.iter().filter(|o| o.is_active(now)) {
        active
            .entry((o.boundary, o.identity.as_str(), o.entitlement.as_str()))
            .or_default()
            .push(o.grant_id.as_str());
    }
    for (g, named) in grants.iter().zip(named) {
        let mut idents = named;
        if idents.is_empty() && g.labels.contains_key(VAULT_ROLE) {
            idents = ctx
                .inv
                .identities
                .iter()
                .enumerate()
                .filter(|(n, i)| !accounted.contains(n) && vault_role_only(g, i))
                .map(|(n, _)| n)
                .collect();
        }
        if g.is_active(now) {
            ctx.summary.active += 1;
            if !idents.is_empty() {
                ctx.summary.reconciled += 1;
            }
            activate(
                &mut ctx,
                g,
                &idents,
                chains.get(&g.grant_id).copied(),
                &mut covered_paths,
            );
        } else if g.ended_at().is_some_and(|e| e <= now) {
            ctx.summary.ended += 1;
            // A grant renewed by a later one that is active now is not a zombie: the access
            // it left behind belongs to the renewal.
            let renewed = active
                .get(&(g.boundary, g.identity.as_str(), g.entitlement.as_str()))
                .is_some_and(|ids| ids.iter().any(|id| *id != g.grant_id));
            if renewed {
                ctx.summary.reconciled += 1;
            } else {
                ended(&mut ctx, g, &idents);
            }
        }
        let scanned = ctx.inv.scopes.iter().any(|s| {
            s.boundary == g.boundary
                && (s.scope == g.scope || g.scope.is_empty() || g.scope == "vault")
        });
        untraceable(&mut ctx, g, scanned);
    }
    for (chain, span) in stretched_list(grants, policy) {
        let first = chain[0];
        ctx.summary.stretched += 1;
        let evidence = chain.iter().flat_map(|g| grant_evidence(g)).collect();
        let ids: Vec<&str> = chain.iter().map(|g| g.grant_id.as_str()).collect();
        ctx.signal(
            "ledger-stretched", first.boundary, &first.scope, &first.identity, &first.entitlement, &target_of(first),
            format!(
                "{} grants for {} on {} chained back to back ({}) cover {}, longer than max_jit_window {}",
                chain.len(), first.identity, if first.entitlement.is_empty() { "*" } else { &first.entitlement }, ids.join(", "),
                crate::time::format_duration(span), crate::time::format_duration(policy.max_jit_window)
            ),
            None, evidence,
        );
    }
    orphans(&mut ctx, grants, &covered_paths);
    let Ctx {
        inv,
        summary,
        signals,
        ..
    } = ctx;
    inv.signals.extend(signals);
    summary
}

pub(super) fn target_of(g: &Grant) -> String {
    if g.target.is_empty() {
        g.scope.clone()
    } else {
        g.target.clone()
    }
}

/// An active grant makes the paths it covers JIT (or time-bound when its window, or the chain it
/// belongs to, is longer than max_jit_window).
fn activate(
    ctx: &mut Ctx<'_>,
    g: &Grant,
    idents: &[usize],
    chain_span: Option<Duration>,
    covered: &mut BTreeSet<String>,
) {
    let ids: Vec<(Text, Text)> = idents
        .iter()
        .map(|n| {
            let i = &ctx.inv.identities[*n];
            (i.id.clone(), i.scope.clone())
        })
        .collect();
    let mut hits: Vec<usize> = ids
        .iter()
        .flat_map(|(id, scope)| ctx.covered_paths(g, id, scope))
        .collect();
    hits.sort_unstable();
    hits.dedup();
    for k in hits {
        let p = &mut ctx.inv.access_paths[k];
        covered.insert(p.id.clone().to_string());
        if p.enforcement == Enforcement::Jit {
            continue; // already JIT by a platform mechanism
        }
        let verdict = classify_window(
            g.issued_at,
            g.expires_at,
            ctx.now,
            ctx.policy,
            "ledger.enforcement",
        );
        let WindowVerdict::Live(mut e, mut d, w) = verdict else {
            continue;
        };
        if let Some(span) = chain_span.filter(|_| e == Enforcement::Jit) {
            e = Enforcement::TimeBound;
            d = Decision::new(
                "ledger.enforcement.stretched",
                format!(
                    "grant {} is part of a renewal chain covering {}",
                    g.grant_id,
                    crate::time::format_duration(span)
                ),
            );
        }
        if e.weakness() < p.enforcement.weakness() {
            p.enforcement = e;
            p.basis.enforcement = Decision::new(
                &d.rule,
                format!("ledger grant {} ({}): {}", g.grant_id, g.source, d.reason),
            );
            p.window = Some(w);
            p.evidence.extend(grant_evidence(g));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_timestamp as t;

    fn grant(id: &str, identity: &str, issued: &str, expires: &str) -> Grant {
        Grant {
            ledger_version: 1,
            grant_id: id.into(),
            boundary: Boundary::new("aws"),
            scope: "111122223333".into(),
            identity: identity.into(),
            entitlement: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
            target: String::new(),
            task: Some("INC-1".into()),
            requested_by: Some("alice".into()),
            approved_by: Some("bob".into()),
            issued_at: t(issued),
            expires_at: t(expires),
            revoked_at: None,
            source: "test".into(),
            labels: Default::default(),
            evidence: vec![],
        }
    }

    #[test]
    fn three_chained_8h_grants_are_stretched() {
        let p = Policy::default();
        let grants = vec![
            grant(
                "g1",
                "agent",
                "2026-09-01T00:00:00Z",
                "2026-09-01T08:00:00Z",
            ),
            grant(
                "g2",
                "agent",
                "2026-09-01T08:05:00Z",
                "2026-09-01T16:05:00Z",
            ),
            grant(
                "g3",
                "agent",
                "2026-09-01T16:06:00Z",
                "2026-09-02T00:06:00Z",
            ),
            grant(
                "other",
                "agent",
                "2026-09-05T00:00:00Z",
                "2026-09-05T08:00:00Z",
            ),
        ];
        let s = stretched_list(&grants, &p);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].0.len(), 3);
        assert_eq!(s[0].1, Duration::minutes(24 * 60 + 6));
        // A 2-hour gap breaks the chain.
        let spaced = vec![
            grant("a", "x", "2026-09-01T00:00:00Z", "2026-09-01T08:00:00Z"),
            grant("b", "x", "2026-09-01T10:00:00Z", "2026-09-01T18:00:00Z"),
        ];
        assert!(stretched_list(&spaced, &p).is_empty());
    }

    #[test]
    fn untraceable_names_what_is_missing() {
        let mut inv = Inventory::default();
        let mut g = grant(
            "g1",
            "agent",
            "2026-09-01T00:00:00Z",
            "2026-09-01T08:00:00Z",
        );
        g.requested_by = None;
        g.task = None;
        let s = reconcile(
            &Registry::builtin(),
            &mut inv,
            &[g],
            &[],
            &Policy::default(),
            t("2026-09-02T00:00:00Z").unwrap(),
        );
        assert_eq!(s.untraceable, 1);
        let m = &inv
            .signals
            .iter()
            .find(|s| s.kind == "ledger-untraceable")
            .unwrap()
            .message;
        assert!(
            m.contains("requested_by") && m.contains("task") && m.contains("revoked_at"),
            "{m}"
        );
    }
}
