//! One run: sources → normalize → reconcile → checks → report (no rendering, no gate).

use super::sources::{Gathered, Origin, gather};
use super::{Fatal, Spinner, load_rules};
use crate::cli::SourceArgs;
use crate::config::Config;
use crate::model::{Boundary, Inventory, ScopeState, ScopeStatus};
use crate::policy::Policy;
use crate::report::{Coverage, Report, Tool};
use crate::rules::RuleSet;
use crate::scan::aws::{self, NormalizeContext};
use crate::scan::{mysql, postgres};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// What a run produced beyond the report.
pub(super) struct Run {
    pub report: Report,
    pub rules: RuleSet,
    pub input_errors: Vec<String>,
}

pub(super) fn build(src: &SourceArgs, spin: &Spinner) -> Result<Run, Fatal> {
    let config = Config::discover(src.config.as_deref())?;
    let rules = load_rules(src.rules.as_deref())?;
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
    let g = gather(src, &config, spin)?;
    let now = as_of.or(g.collected_at).unwrap_or_else(Utc::now);
    spin.say("classifying access paths");
    let (mut inv, mut input_errors) = normalize_all(&g, &rules, &policy, now);
    input_errors.extend(g.input_errors.iter().cloned());
    for e in &g.ledger_errors {
        inv.scopes.push(ScopeStatus {
            boundary: Boundary::Vault,
            scope: "ledger".into(),
            status: ScopeState::Failed,
            errors: vec![e.clone()],
            sources: vec![],
            connection: None,
        });
    }
    let ledger = (!g.grants.is_empty() || !g.ledger_sources.is_empty())
        .then(|| crate::ledger::reconcile(&mut inv, &g.grants, &g.ledger_sources, &policy, now));
    inv.sort();
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
    let scope_keys: Vec<_> = inv
        .scopes
        .iter()
        .filter(|s| s.boundary != Boundary::Vault)
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

/// Normalize every scope; errors of documents read from files are bad input.
fn normalize_all(
    g: &Gathered,
    rules: &RuleSet,
    policy: &Policy,
    now: DateTime<Utc>,
) -> (Inventory, Vec<String>) {
    let mut inv = Inventory::default();
    let mut input_errors = Vec::new();
    let mut take = |part: Inventory, errs: Vec<String>, origin: Origin, inv: &mut Inventory| {
        if origin == Origin::File {
            input_errors.extend(errs);
        }
        inv.extend(part);
    };
    let ctx = NormalizeContext {
        policy,
        catalogue: &rules.aws,
        now,
    };
    let parts: Vec<_> = g
        .aws
        .par_iter()
        .map(|(raw, o)| (aws::normalize(raw, &ctx), *o))
        .collect();
    for ((part, errs), o) in parts {
        take(part, errs, o, &mut inv);
    }
    // PostgreSQL twice when a ledger names its roles: the second pass knows when each was revoked,
    // so a session older than the revocation is caught.
    let pg_ctx = postgres::PgContext::new(policy, rules, now);
    let mut pg: Vec<_> = g
        .postgres
        .iter()
        .map(|(raw, o)| (postgres::normalize(raw, &pg_ctx), *o))
        .collect();
    if !g.grants.is_empty() {
        let mut first = Inventory::default();
        for ((part, _), _) in &pg {
            first.extend(part.clone());
        }
        let revoked: BTreeMap<String, DateTime<Utc>> =
            crate::ledger::revocations(&first, &g.grants, now);
        if !revoked.is_empty() {
            let ctx = postgres::PgContext {
                revocations: &revoked,
                ..postgres::PgContext::new(policy, rules, now)
            };
            pg = g
                .postgres
                .iter()
                .map(|(raw, o)| (postgres::normalize(raw, &ctx), *o))
                .collect();
        }
    }
    for ((part, errs), o) in pg {
        take(part, errs, o, &mut inv);
    }
    let my_ctx = mysql::MyContext { policy, rules, now };
    for (raw, o) in &g.mysql {
        let (part, errs) = mysql::normalize(raw, &my_ctx);
        take(part, errs, *o, &mut inv);
    }
    (inv, input_errors)
}
