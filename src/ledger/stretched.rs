//! Grants renewed back to back past max_jit_window.

use super::Grant;
use crate::model::Boundary;
use crate::policy::Policy;
use chrono::Duration;
use std::collections::BTreeMap;

/// Chains of grants for one (boundary, scope, identity, entitlement) renewed within max_renewal_gap
/// whose total span exceeds max_jit_window.
pub(super) fn stretched_list<'g>(
    grants: &'g [Grant],
    policy: &Policy,
) -> Vec<(Vec<&'g Grant>, Duration)> {
    let mut by_key: BTreeMap<(Boundary, &str, &str, &str), Vec<&Grant>> = BTreeMap::new();
    for g in grants
        .iter()
        .filter(|g| g.issued_at.is_some() && g.ended_at().is_some())
    {
        by_key
            .entry((
                g.boundary,
                g.scope.as_str(),
                g.identity.as_str(),
                g.entitlement.as_str(),
            ))
            .or_default()
            .push(g);
    }
    let mut out = Vec::new();
    for (_, mut list) in by_key {
        list.sort_by_key(|g| (g.issued_at, g.grant_id.clone()));
        let mut chain: Vec<&Grant> = Vec::new();
        let mut flush = |chain: &mut Vec<&'g Grant>| {
            if chain.len() >= 2 {
                let start = chain[0].issued_at.unwrap();
                let end = chain.iter().filter_map(|g| g.ended_at()).max().unwrap();
                if end - start > policy.max_jit_window {
                    out.push((chain.clone(), end - start));
                }
            }
            chain.clear();
        };
        for g in list {
            let joins = chain
                .iter()
                .filter_map(|c| c.ended_at())
                .max()
                .is_some_and(|end| g.issued_at.unwrap() - end <= policy.max_renewal_gap);
            if !joins {
                flush(&mut chain);
            }
            chain.push(g);
        }
        flush(&mut chain);
    }
    out
}

pub(super) fn stretched_chains(grants: &[Grant], policy: &Policy) -> BTreeMap<String, Duration> {
    stretched_list(grants, policy)
        .into_iter()
        .flat_map(|(chain, span)| chain.into_iter().map(move |g| (g.grant_id.clone(), span)))
        .collect()
}
