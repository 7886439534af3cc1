//! `jitgap merge`: the reports of `scan --shard I/N` → the report one unsharded scan would
//! have written. The shards' paths are joined again (bridges between boundaries, the ledger)
//! and the checks, the coverage and the gate run on the whole.

use super::commands::Delivery;
use super::pipeline::Joining;
use super::{Fatal, load_config, load_rules};
use crate::cli::MergeArgs;
use crate::ledger::Grant;
use crate::model::{Boundary, Inventory, ScopeState, ScopeStatus};
use crate::policy::Policy;
use crate::report::{Report, SCHEMA_VERSION};
use crate::scan::Registry;
use std::path::{Path, PathBuf};

/// The boundary of the merge's own problems (a shard report unreadable or missing): not a
/// scanned boundary, so it counts in no coverage, but it makes the merged run incomplete.
pub const SHARD_BOUNDARY: Boundary = Boundary::new("shard");

fn failed(scope: String, error: String) -> ScopeStatus {
    ScopeStatus {
        boundary: SHARD_BOUNDARY,
        scope,
        status: ScopeState::Failed,
        errors: vec![error],
        sources: Vec::new(),
        notes: Vec::new(),
        connection: None,
    }
}

/// The distinct items of a list, first copy kept, in order. Every shard carries the whole
/// ledger (and a failed listing is in every shard), so each item is seen once per shard:
/// items are told apart by their JSON, not by comparing each with all kept before it (a
/// ledger of 50,000 grants across 10 shards would be billions of comparisons).
struct Distinct<T> {
    seen: crate::hash::Set<String>,
    list: Vec<T>,
}

impl<T> Default for Distinct<T> {
    fn default() -> Self {
        Distinct {
            seen: Default::default(),
            list: Vec::new(),
        }
    }
}

impl<T: serde::Serialize> Distinct<T> {
    fn push(&mut self, item: T) {
        // Serializing a grant, a scope or a string cannot fail; if it did, keep the item.
        let key = serde_json::to_string(&item).unwrap_or_default();
        if key.is_empty() || self.seen.insert(key) {
            self.list.push(item);
        }
    }
}

/// A shard report, or what is wrong with it (the file, and the line and column).
fn read_report(path: &Path) -> Result<Report, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    serde_json::from_str::<Report>(&text).map_err(|e| {
        if e.is_eof() {
            format!(
                "{shown}: truncated at line {}, column {}: the shard's job may not have finished writing it",
                e.line(),
                e.column()
            )
        } else {
            format!(
                "{shown}: line {}, column {}: not a jitgap JSON report: {e}",
                e.line(),
                e.column()
            )
        }
    })
}

pub(super) fn merge(registry: &Registry, a: MergeArgs) -> Result<i32, Fatal> {
    let rules = load_rules(registry, a.rules.as_deref())?;
    let config = load_config(registry, &rules, a.config.as_deref())?;
    let delivery = Delivery::new(&a.report, &config)?;
    let max_skew = crate::time::parse_duration(&a.max_skew)
        .map_err(|e| Fatal(format!("--max-skew `{}`: {e}", a.max_skew)))?;
    let mut input_errors = Vec::new();
    let mut problems = Vec::new();
    let mut shards: Vec<(PathBuf, Report)> = Vec::new();
    for path in &a.reports {
        match read_report(path) {
            Ok(r) => shards.push((path.clone(), r)),
            Err(e) => {
                problems.push(failed(path.display().to_string(), e.clone()));
                input_errors.push(e);
            }
        }
    }
    let first = shards.first().map(|(p, _)| p.display().to_string());
    let Some(first) = first else {
        return Err(Fatal(format!(
            "no shard report could be read:\n  {}",
            input_errors.join("\n  ")
        )));
    };
    let mut count = None;
    let mut seen: Vec<(u32, String)> = Vec::new();
    for (path, r) in &shards {
        let shown = path.display().to_string();
        if r.schema_version != SCHEMA_VERSION {
            return Err(Fatal(format!(
                "{shown}: report schema version {}, this jitgap merges version {SCHEMA_VERSION}: \
                 run every shard and the merge with one jitgap release",
                r.schema_version
            )));
        }
        let Some(part) = &r.shard else {
            return Err(Fatal(format!(
                "{shown}: not a shard report: write each shard with `jitgap scan --shard I/N --format json`"
            )));
        };
        match count {
            None => count = Some(part.count),
            Some(n) if n != part.count => {
                return Err(Fatal(format!(
                    "{shown}: shard {}/{} of another split ({first} is one of {n})",
                    part.index, part.count
                )));
            }
            _ => {}
        }
        if let Some((_, other)) = seen.iter().find(|(i, _)| *i == part.index) {
            return Err(Fatal(format!(
                "{shown}: shard {}/{} given twice (also {other})",
                part.index, part.count
            )));
        }
        seen.push((part.index, shown));
    }
    let count = count.expect("a shard was read");
    let times: Vec<_> = shards.iter().map(|(_, r)| r.generated_at).collect();
    let (earliest, latest) = (
        *times.iter().min().expect("one shard"),
        *times.iter().max().expect("one shard"),
    );
    if latest - earliest > max_skew {
        return Err(Fatal(format!(
            "the shards' verdicts were judged {} apart ({} to {}), more than --max-skew {}: \
             scan them closer together, give every shard the same --as-of, or raise --max-skew",
            crate::time::format_duration(latest - earliest),
            crate::time::fmt_utc(earliest),
            crate::time::fmt_utc(latest),
            a.max_skew
        )));
    }
    let policy_file = shards[0].1.policy.clone();
    if let Some((path, _)) = shards.iter().find(|(_, r)| r.policy != policy_file) {
        return Err(Fatal(format!(
            "{}: judged with another [policy] than {first}: run every shard with one config",
            path.display()
        )));
    }
    let policy =
        Policy::from_layers(&[&policy_file]).map_err(|e| Fatal(format!("{first}: policy: {e}")))?;
    for i in 1..=count {
        if !seen.iter().any(|(k, _)| *k == i) {
            problems.push(failed(
                format!("shard {i}/{count}"),
                format!("no report of shard {i}/{count} was given: its scopes are missing"),
            ));
        }
    }

    shards.sort_by_key(|(_, r)| r.shard.as_ref().map(|p| p.index));
    let mut inv = Inventory::default();
    let mut grants: Distinct<Grant> = Distinct::default();
    let mut scopes: Distinct<ScopeStatus> = Distinct::default();
    let mut ledger_sources: Distinct<String> = Distinct::default();
    let mut inputs: Distinct<String> = Distinct::default();
    for (path, r) in shards {
        let part = r.shard.expect("checked above");
        inv.identities.extend(r.identities);
        inv.credentials.extend(r.credentials);
        inv.access_paths.extend(r.access_paths);
        // A listing that failed, or a ledger that could not be read, is in every shard.
        for s in r.scopes {
            scopes.push(s);
        }
        inv.signals.extend(part.signals);
        inv.sessions.extend(part.sessions);
        inv.federations.extend(part.federations);
        inv.workloads.extend(part.workloads);
        for (n, g) in part.grants.into_iter().enumerate() {
            let g: Grant = serde_json::from_value(g).map_err(|e| {
                Fatal(format!(
                    "{}: /shard/grants/{n}: not a ledger grant: {e}",
                    path.display()
                ))
            })?;
            grants.push(g);
        }
        for s in part.ledger_sources {
            ledger_sources.push(s);
        }
        for s in r.inputs {
            inputs.push(s);
        }
    }
    inv.scopes = scopes.list;
    inv.scopes.extend(problems);
    let mut inputs = inputs.list;
    if let Some(p) = &config.path {
        inputs.push(p.display().to_string());
    }
    let joining = Joining {
        registry,
        rules: &rules,
        settings: &config.rules,
        policy: &policy,
        now: earliest,
    };
    let report = joining.join(inv, &grants.list, &ledger_sources.list, inputs);
    delivery.deliver(report, &rules, &input_errors)
}

#[cfg(test)]
mod tests {
    use super::Distinct;

    #[test]
    fn distinct_keeps_the_first_copy_in_order() {
        let mut d = Distinct::default();
        for s in ["b", "a", "b", "c", "a", "a\"", "c"] {
            d.push(s.to_string());
        }
        assert_eq!(d.list, ["b", "a", "c", "a\""]);
    }
}
