//! Run the checks of `rules/` over an inventory (pure).

use crate::finding::{Finding, Suppression};
use crate::model::{
    AccessPath, CredentialLifetime, Enforcement, Inventory, Privilege, Severity, Signal, Text,
    text_cmp,
};
use crate::rules::{Check, RuleSet, Subject};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[rules.<ID>]` in jitgap.toml: turn a check off, ignore identities, or change its severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetting {
    #[serde(default)]
    pub disable: bool,
    /// Identity ids or names (glob patterns, `*` and `?`) whose findings are suppressed.
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
}

fn path_matches(check: &Check, p: &AccessPath) -> bool {
    let m = &check.matcher;
    m.boundary.as_ref().is_none_or(|b| b.contains(&p.boundary))
        && m.privilege
            .as_ref()
            .is_none_or(|v| v.contains(&p.privilege))
        && m.enforcement
            .as_ref()
            .is_none_or(|v| v.contains(&p.enforcement))
        && m.credential_lifetime
            .as_ref()
            .is_none_or(|v| v.contains(&p.credential_lifetime))
        && (m.any_unknown.is_empty()
            || m.any_unknown.iter().any(|f| match f.as_str() {
                "privilege" => p.privilege == Privilege::Unknown,
                "enforcement" => p.enforcement == Enforcement::Unknown,
                _ => p.credential_lifetime == CredentialLifetime::Unknown,
            }))
}

fn path_message(check: &Check, p: &AccessPath, name: &str) -> String {
    let strip = |r: &str| {
        r.split_once("]: ")
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_else(|| r.to_string())
    };
    // The verdict the check is about gets its reason; the others are named only.
    if check.matcher.credential_lifetime.is_some() {
        format!(
            "{name}: {} via {}, {}; credential {}: {}",
            p.privilege,
            p.entitlement,
            p.enforcement,
            p.credential_lifetime,
            p.basis.credential_lifetime.reason
        )
    } else if p.privilege == Privilege::Unknown {
        format!(
            "{name}: {} privilege via {}: {}",
            p.privilege, p.entitlement, p.basis.privilege.reason
        )
    } else {
        format!(
            "{name}: {} via {}, {}: {}; credential {}",
            p.privilege,
            p.entitlement,
            p.enforcement,
            strip(&p.basis.enforcement.reason),
            p.credential_lifetime
        )
    }
}

/// Every finding the checks produce, sorted by id; config ignores are marked suppressed.
pub fn run(
    inv: &Inventory,
    rules: &RuleSet,
    settings: &BTreeMap<String, RuleSetting>,
) -> Vec<Finding> {
    // Looked up once per finding; the keys are ids from the input.
    let names: crate::hash::Map<&str, &str> = inv
        .identities
        .iter()
        .map(|i| (i.id.as_str(), i.name.as_str()))
        .collect();
    // Signals by kind, each kind's in inventory order: a signal check reads only its own.
    let mut by_kind: FxHashMap<&str, Vec<&Signal>> = FxHashMap::default();
    for s in &inv.signals {
        by_kind.entry(s.kind.as_str()).or_default().push(s);
    }
    // Checks in id order, so that the findings come out in runs of one rule id, in id order:
    // sorting then only orders each run by finding id.
    let mut checks: Vec<&Check> = rules.checks.iter().collect();
    checks.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = Vec::new();
    for check in checks {
        let setting = settings.get(&check.id).cloned().unwrap_or_default();
        if setting.disable || check.deprecated.is_some() {
            continue;
        }
        let refs: std::sync::Arc<[crate::rules::FrameworkRef]> =
            rules.frameworks.refs_for(&check.frameworks).into();
        let texts = (Text::from(&check.id), Text::from(&check.name));
        // Unreachable in practice: every path and signal carries evidence. Never drop silently.
        let kept = |f: Result<Finding, crate::finding::FindingError>| {
            f.inspect_err(|e| eprintln!("jitgap: internal: {e}")).ok()
        };
        // Paths and signals are judged in parallel, straight into the list; `par_extend`
        // keeps their order.
        match check.matcher.subject {
            Subject::AccessPath => out.par_extend(
                inv.access_paths
                    .par_iter()
                    .filter(|p| path_matches(check, p))
                    .map(|p| {
                        let name = names
                            .get(p.identity.as_str())
                            .copied()
                            .unwrap_or(&p.identity);
                        Finding::builder(check, refs.clone(), p.boundary, &p.scope, &p.identity)
                            .names(&texts)
                            .entitlement(&p.entitlement)
                            .target(&p.target)
                            .access_path(&p.id)
                            .message(path_message(check, p, name))
                            .evidence(p.evidence.iter().cloned())
                            .severity(setting.severity)
                            .build()
                    })
                    .filter_map(kept),
            ),
            Subject::Signal => {
                let kind = check.matcher.signal.as_deref().unwrap_or_default();
                out.par_extend(
                    by_kind
                        .get(kind)
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .par_iter()
                        .filter(|s| {
                            check
                                .matcher
                                .boundary
                                .as_ref()
                                .is_none_or(|b| b.contains(&s.boundary))
                        })
                        .map(|s| {
                            Finding::builder(check, refs.clone(), s.boundary, &s.scope, &s.identity)
                                .names(&texts)
                                .entitlement(&s.entitlement)
                                .target(&s.target)
                                .message(s.message.clone())
                                .revocation(s.revocation)
                                .evidence(s.evidence.iter().cloned())
                                .severity(setting.severity.or(s.severity))
                                .build()
                        })
                        .filter_map(kept),
                )
            }
        }
    }
    for f in out.iter_mut() {
        let Some(setting) = settings.get(f.rule_id.as_str()) else {
            continue;
        };
        let name = names.get(f.identity.as_str()).copied().unwrap_or("");
        if setting
            .ignore
            .iter()
            .any(|g| glob_match(g, &f.identity) || glob_match(g, name))
        {
            f.suppressed = Some(Box::new(Suppression {
                by: "config".into(),
                owner: String::new(),
                reason: format!("ignored by [rules.{}] in the config", f.rule_id),
                ticket: String::new(),
                expires: None,
            }));
        }
    }
    // Sorted by (rule id, finding id), stable. The runs of one rule id are already in order,
    // so sorting each run by finding id gives what sorting the whole list would.
    if out.is_sorted_by(|a, b| text_cmp(&a.rule_id, &b.rule_id).is_le()) {
        for run in out.chunk_by_mut(|a, b| a.rule_id == b.rule_id) {
            sort_by_id(run);
        }
    } else {
        out.par_sort_by(|a, b| text_cmp(&a.rule_id, &b.rule_id).then_with(|| a.id.cmp(&b.id)));
    }
    // Two facts with the same fingerprint (two expired statements in one policy) are one
    // finding; merged in place, so the list is never held twice.
    out.dedup_by(|next, kept| {
        if next.id != kept.id {
            return false;
        }
        kept.message = format!("{}; {}", kept.message, next.message);
        kept.evidence.append(&mut next.evidence);
        true
    });
    out
}

/// Findings by id, stable. Ids are fingerprints of 16 characters: compared as numbers, and
/// each finding moved once rather than through every pass of a merge sort.
fn sort_by_id(run: &mut [Finding]) {
    if run.iter().all(|f| f.id.len() <= ID_KEY) {
        run.par_sort_by_cached_key(|f| id_key(&f.id));
    } else {
        run.par_sort_by(|a, b| a.id.cmp(&b.id));
    }
}

const ID_KEY: usize = 16;

/// For a text of at most [`ID_KEY`] bytes: (its bytes padded with zeros, its length), which
/// orders as the texts do.
fn id_key(id: &str) -> (u128, usize) {
    let mut b = [0u8; ID_KEY];
    b[..id.len()].copy_from_slice(id.as_bytes());
    (u128::from_be_bytes(b), id.len())
}

/// Glob with `*` and `?`, case-sensitive (identity ids are). A pattern that is not a valid
/// glob matches only itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    // Compiled once per thread: the same few patterns (config ignores, waivers, ledger
    // grants) are tried against every finding or identity of an estate.
    thread_local! {
        static GLOBS: std::cell::RefCell<crate::hash::Map<String, Option<glob::Pattern>>> =
            Default::default();
    }
    GLOBS.with_borrow_mut(|globs| {
        if !globs.contains_key(pattern) {
            if globs.len() >= GLOBS_KEPT {
                globs.clear();
            }
            globs.insert(pattern.to_string(), glob::Pattern::new(pattern).ok());
        }
        match &globs[pattern] {
            Some(p) => p.matches(text),
            None => pattern == text,
        }
    })
}

/// Distinct patterns remembered per thread; past that the memory starts again.
const GLOBS_KEPT: usize = 4096;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn globs_match_as_compiled_each_time() {
        for (pattern, text, want) in [
            (
                "arn:aws:iam::1:role/legacy-*",
                "arn:aws:iam::1:role/legacy-x",
                true,
            ),
            (
                "arn:aws:iam::1:role/legacy-*",
                "arn:aws:iam::1:role/LEGACY-x",
                false,
            ),
            ("svc-?", "svc-a", true),
            ("svc-?", "svc-ab", false),
            // Not a valid glob: only the same text matches.
            ("role/[a", "role/[a", true),
            ("role/[a", "role/a", false),
        ] {
            // Twice: the second answer comes from the remembered pattern.
            for _ in 0..2 {
                assert_eq!(super::glob_match(pattern, text), want, "{pattern} {text}");
            }
        }
    }

    proptest! {
        /// The finding-id sort key orders texts of up to 16 bytes exactly as the texts do,
        /// zero bytes and prefixes included.
        #[test]
        fn id_key_orders_as_the_text(
            a in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'0'), Just(b'f'), Just(0x7f)], 0..=16),
            b in proptest::collection::vec(prop_oneof![Just(0u8), Just(b'0'), Just(b'f'), Just(0x7f)], 0..=16),
        ) {
            let (a, b) = (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap());
            prop_assert_eq!(super::id_key(&a).cmp(&super::id_key(&b)), a.cmp(&b));
        }
    }
}
