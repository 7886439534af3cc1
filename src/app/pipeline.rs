//! One run: sources → normalize → reconcile → checks → report (no rendering, no gate).

use super::progress::Spinner;
use super::sources::gather;
use super::{Fatal, load_config, load_rules};
use crate::checks::RuleSetting;
use crate::cli::SourceArgs;
use crate::config::Config;
use crate::ledger::Grant;
use crate::model::{Boundary, Inventory};
use crate::policy::Policy;
use crate::report::{Coverage, LedgerSummary, Report, ShardPart, Tool};
use crate::rules::RuleSet;
use crate::scan::scanner::failed_scope;
use crate::scan::shard::Shard;
use crate::scan::{Context, Normalized, Origin, RawScope, Registry};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;

/// What a run produced beyond the report.
pub(super) struct Run {
    pub report: Report,
    pub rules: RuleSet,
    pub input_errors: Vec<String>,
}

/// Loads the rules and the config, then [`build_with`].
pub(super) fn build(registry: &Registry, src: &SourceArgs, spin: &Spinner) -> Result<Run, Fatal> {
    let rules = load_rules(registry, src.rules.as_deref())?;
    let config = load_config(registry, &rules, src.config.as_deref())?;
    build_with(registry, src, rules, &config, spin)
}

/// One run with rules and config already loaded (a command that read them for its own flags
/// does not read them again).
pub(super) fn build_with(
    registry: &Registry,
    src: &SourceArgs,
    rules: RuleSet,
    config: &Config,
    spin: &Spinner,
) -> Result<Run, Fatal> {
    let policy = Policy::from_layers(&[&rules.policy, &config.policy]).map_err(|e| {
        Fatal(format!(
            "{}: {e}",
            config
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or("rules/policy.toml".into())
        ))
    })?;
    let as_of = src
        .as_of
        .as_deref()
        .map(|t| {
            crate::time::parse_timestamp(t)
                .ok_or_else(|| Fatal(format!("--as-of `{t}` is not an RFC 3339 time")))
        })
        .transpose()?;
    let mut g = gather(registry, src, config, spin)?;
    crate::phases::end("read");
    let now = as_of.or(g.collected_at).unwrap_or_else(Utc::now);
    spin.say("classifying access paths");
    let (mut inv, mut input_errors) = normalize_all(registry, &g.scopes, &rules, &policy, now);
    // The documents' text is not needed past normalization (on a large export it is the
    // biggest single allocation).
    drop(std::mem::take(&mut g.scopes));
    crate::memory::release_free_memory();
    crate::phases::end("normalize");
    input_errors.extend(g.input_errors.iter().cloned());
    inv.scopes.extend(
        g.ledger_errors
            .iter()
            .map(|e| crate::ledger::failed_source(e)),
    );
    let mut inputs: Vec<String> = Vec::new();
    for s in &inv.scopes {
        inputs.extend(
            s.sources
                .iter()
                .filter(|x| !x.contains(':') || std::path::Path::new(x).exists())
                .cloned(),
        );
    }
    inputs.extend(
        g.ledger_sources
            .iter()
            .filter(|s| std::path::Path::new(s).exists() || s.starts_with("demo/"))
            .cloned(),
    );
    if let Some(p) = &config.path {
        inputs.push(p.display().to_string());
    }
    let joining = Joining {
        registry,
        rules: &rules,
        settings: &config.rules,
        policy: &policy,
        now,
    };
    let report = match src.shard {
        None => joining.join(inv, &g.grants, &g.ledger_sources, inputs),
        // The bridges and the ledger reach into other shards' scopes: `merge` joins them.
        Some(shard) => {
            let mut report = joining.finish(inv, None, inputs, Some(shard));
            if let Some(part) = report.shard.as_mut() {
                part.grants = g
                    .grants
                    .iter()
                    .map(|grant| serde_json::to_value(grant).expect("a grant serializes"))
                    .collect();
                part.ledger_sources = g.ledger_sources.clone();
            }
            report
        }
    };
    Ok(Run {
        report,
        rules,
        input_errors,
    })
}

/// What joining the scopes of a run (or of merged shards) needs.
pub(super) struct Joining<'a> {
    pub registry: &'a Registry,
    pub rules: &'a RuleSet,
    pub settings: &'a BTreeMap<String, RuleSetting>,
    pub policy: &'a Policy,
    pub now: DateTime<Utc>,
}

impl Joining<'_> {
    /// Every scope normalized → the bridges between boundaries, the ledger, the checks.
    pub fn join(
        &self,
        mut inv: Inventory,
        grants: &[Grant],
        ledger_sources: &[String],
        inputs: Vec<String>,
    ) -> Report {
        bridge_all(self.registry, &mut inv, self.rules, self.policy, self.now);
        let ledger = (!grants.is_empty() || !ledger_sources.is_empty()).then(|| {
            crate::ledger::reconcile(
                self.registry,
                &mut inv,
                grants,
                ledger_sources,
                self.policy,
                self.now,
            )
        });
        crate::phases::end("bridges and ledger");
        self.finish(inv, ledger, inputs, None)
    }

    /// The checks and the coverage of `inv`, as a report. With `shard`, what the merge needs
    /// to join it with the other shards is kept in the report.
    pub fn finish(
        &self,
        mut inv: Inventory,
        ledger: Option<LedgerSummary>,
        inputs: Vec<String>,
        shard: Option<Shard>,
    ) -> Report {
        let registry = self.registry;
        inv.sort();
        // Reports list boundaries in the registry's order.
        inv.scopes.sort_by(|a, b| {
            (registry.rank(a.boundary), a.boundary, &a.scope).cmp(&(
                registry.rank(b.boundary),
                b.boundary,
                &b.scope,
            ))
        });
        // Inputs in report order: the scopes' documents in scope order, then the rest.
        let mut inputs = inputs;
        {
            let mut order: HashMap<&str, usize> = HashMap::new();
            for (n, source) in inv.scopes.iter().flat_map(|s| &s.sources).enumerate() {
                order.entry(source.as_str()).or_insert(n);
            }
            inputs.sort_by_key(|i| order.get(i.as_str()).copied().unwrap_or(usize::MAX));
        }
        crate::phases::end("sort");
        let findings = crate::checks::run(&inv, self.rules, self.settings);
        crate::phases::end("checks");
        // Coverage is of scanned scopes; a ledger source holds no access paths.
        let scope_keys: Vec<_> = inv
            .scopes
            .iter()
            .filter(|s| registry.find(s.boundary).is_some())
            .map(|s| (s.boundary, s.scope.clone()))
            .collect();
        let coverage = Coverage::compute(&inv.access_paths, &scope_keys);
        crate::phases::end("coverage");
        let shard = shard.map(|s| ShardPart {
            index: s.index,
            count: s.count,
            signals: std::mem::take(&mut inv.signals),
            sessions: std::mem::take(&mut inv.sessions),
            federations: std::mem::take(&mut inv.federations),
            workloads: std::mem::take(&mut inv.workloads),
            grants: Vec::new(),
            ledger_sources: Vec::new(),
        });
        Report {
            schema_version: crate::report::SCHEMA_VERSION,
            tool: Tool {
                name: "jitgap".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            generated_at: self.now,
            policy: self.policy.to_file(),
            inputs,
            identities: inv.identities,
            credentials: inv.credentials,
            access_paths: inv.access_paths,
            findings,
            coverage,
            scopes: inv.scopes,
            gate: None,
            waivers: Vec::new(),
            ledger,
            probes: Vec::new(),
            shard,
        }
    }
}

/// The paths between boundaries, from every scanner's [`crate::scan::Scanner::bridge`]: each
/// sees everything normalized, none sees another's bridge.
fn bridge_all(
    registry: &Registry,
    inv: &mut Inventory,
    rules: &RuleSet,
    policy: &Policy,
    now: DateTime<Utc>,
) {
    let ctx = Context { policy, rules, now };
    let added: Vec<Inventory> = registry
        .scanners()
        .iter()
        .map(|s| {
            // A bridge that panics adds nothing; the scopes it would join stay as they are.
            std::panic::catch_unwind(AssertUnwindSafe(|| s.bridge(inv, &ctx))).unwrap_or_default()
        })
        .collect();
    for a in added {
        inv.extend(a);
    }
}

/// Normalize every scope (each boundary's scopes together, boundaries and scopes in
/// parallel); errors of documents read from files are bad input.
fn normalize_all(
    registry: &Registry,
    scopes: &[RawScope],
    rules: &RuleSet,
    policy: &Policy,
    now: DateTime<Utc>,
) -> (Inventory, Vec<String>) {
    let ctx = Context { policy, rules, now };
    let mut groups: Vec<(Boundary, Vec<&RawScope>)> = Vec::new();
    for raw in scopes {
        match groups.iter_mut().find(|(b, _)| *b == raw.boundary) {
            Some((_, g)) => g.push(raw),
            None => groups.push((raw.boundary, vec![raw])),
        }
    }
    let parts: Vec<Vec<(Normalized, Origin)>> = groups
        .par_iter()
        .map(|(boundary, raws)| {
            let normalized = match registry.find(*boundary) {
                // A scanner that panics fails its own scopes, never the run (fail closed).
                Some(s) => {
                    std::panic::catch_unwind(AssertUnwindSafe(|| s.normalize_scopes(raws, &ctx)))
                        .ok()
                        .filter(|n| n.len() == raws.len())
                        .unwrap_or_else(|| {
                            raws.iter()
                                .map(|r| failed_scope(r, "normalization stopped unexpectedly"))
                                .collect()
                        })
                }
                None => raws
                    .iter()
                    .map(|r| failed_scope(r, "no scanner reads this boundary"))
                    .collect(),
            };
            normalized
                .into_iter()
                .zip(raws.iter().map(|r| r.origin))
                .collect()
        })
        .collect();
    let mut inv = Inventory::default();
    let mut input_errors = Vec::new();
    for (part, origin) in parts.into_iter().flatten() {
        if origin == Origin::File {
            input_errors.extend(part.errors);
        }
        inv.extend(part.inventory);
    }
    (inv, input_errors)
}
