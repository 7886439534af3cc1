//! One run: sources → normalize → reconcile → checks → report (no rendering, no gate).

use super::progress::Spinner;
use super::sources::gather;
use super::{Fatal, load_config, load_rules};
use crate::cli::SourceArgs;
use crate::config::Config;
use crate::model::{Inventory, ScopeState, ScopeStatus};
use crate::policy::Policy;
use crate::report::{Coverage, Report, Tool};
use crate::rules::RuleSet;
use crate::scan::{Context, Normalized, Origin, RawScope, Registry};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
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
    let g = gather(registry, src, config, spin)?;
    let now = as_of.or(g.collected_at).unwrap_or_else(Utc::now);
    spin.say("classifying access paths");
    let (mut inv, mut input_errors) = normalize_all(registry, &g.scopes, &rules, &policy, now);
    input_errors.extend(g.input_errors.iter().cloned());
    inv.scopes.extend(
        g.ledger_errors
            .iter()
            .map(|e| crate::ledger::failed_source(e)),
    );
    let ledger = (!g.grants.is_empty() || !g.ledger_sources.is_empty()).then(|| {
        crate::ledger::reconcile(
            registry,
            &mut inv,
            &g.grants,
            &g.ledger_sources,
            &policy,
            now,
        )
    });
    inv.sort();
    // Reports list boundaries in the registry's order.
    inv.scopes.sort_by(|a, b| {
        (registry.rank(a.boundary), a.boundary, &a.scope).cmp(&(
            registry.rank(b.boundary),
            b.boundary,
            &b.scope,
        ))
    });
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
    let findings = crate::checks::run(&inv, &rules, &config.rules);
    // Coverage is of scanned scopes; a ledger source holds no access paths.
    let scope_keys: Vec<_> = inv
        .scopes
        .iter()
        .filter(|s| registry.find(s.boundary).is_some())
        .map(|s| (s.boundary, s.scope.clone()))
        .collect();
    let coverage = Coverage::compute(&inv.access_paths, &scope_keys);
    let report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool {
            name: "jitgap".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        generated_at: now,
        policy: policy.to_file(),
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
    };
    Ok(Run {
        report,
        rules,
        input_errors,
    })
}

/// Normalize every scope (in parallel); errors of documents read from files are bad input.
fn normalize_all(
    registry: &Registry,
    scopes: &[RawScope],
    rules: &RuleSet,
    policy: &Policy,
    now: DateTime<Utc>,
) -> (Inventory, Vec<String>) {
    let ctx = Context { policy, rules, now };
    let parts: Vec<(Normalized, Origin)> = scopes
        .par_iter()
        .map(|raw| {
            let normalized = match registry.find(raw.boundary) {
                // A scanner that panics fails its own scope, never the run (fail closed).
                Some(s) => std::panic::catch_unwind(AssertUnwindSafe(|| s.normalize(raw, &ctx)))
                    .unwrap_or_else(|_| failed(raw, "normalization stopped unexpectedly")),
                None => failed(raw, "no scanner reads this boundary"),
            };
            (normalized, raw.origin)
        })
        .collect();
    let mut inv = Inventory::default();
    let mut input_errors = Vec::new();
    for (part, origin) in parts {
        if origin == Origin::File {
            input_errors.extend(part.errors);
        }
        inv.extend(part.inventory);
    }
    (inv, input_errors)
}

/// A scope that could not be normalized: `failed`, with the reason and what was collected.
fn failed(raw: &RawScope, why: &str) -> Normalized {
    let mut errors = raw.errors.clone();
    errors.push(format!("{} {}: {why}", raw.boundary, raw.scope));
    Normalized {
        inventory: Inventory {
            scopes: vec![ScopeStatus {
                boundary: raw.boundary,
                scope: raw.scope.clone(),
                status: ScopeState::Failed,
                errors: errors.clone(),
                sources: raw
                    .documents
                    .iter()
                    .map(|(_, d)| d.source.clone())
                    .collect(),
                connection: None,
            }],
            ..Default::default()
        },
        errors,
    }
}
