//! Every source a run reads: the demo, snapshots, each scanner's live scopes, and ledgers.
//! Live scopes of every boundary are collected at once, a bounded number per boundary.

use super::Fatal;
use super::progress::Spinner;
use crate::cli::SourceArgs;
use crate::config::Config;
use crate::ledger::{Grant, ImportKind};
use crate::scan::shard::Shard;
use crate::scan::{LiveTarget, Origin, RawScope, Registry, Scanner, Snapshot};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Everything read from the sources, before normalization.
#[derive(Default)]
pub(super) struct Gathered {
    /// Every scope read, from files and live, in a stable order.
    pub scopes: Vec<RawScope>,
    pub grants: Vec<Grant>,
    /// Ledger sources read, for the report.
    pub ledger_sources: Vec<String>,
    /// Ledger sources that could not be read live (Vault unreachable): the run is incomplete.
    pub ledger_errors: Vec<String>,
    pub collected_at: Option<DateTime<Utc>>,
    /// Unreadable input: reported, and the run exits 2 after writing what it has.
    pub input_errors: Vec<String>,
}

/// `--aws, --aws-endpoint-url URL, …` for the error when nothing was asked for.
fn live_flags(registry: &Registry) -> String {
    registry
        .scanners()
        .iter()
        .map(|s| {
            let cmd = s.flags(clap::Command::new("flags"));
            let names: Vec<String> = cmd
                .get_arguments()
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .collect();
            format!("{} ({})", names.join(" / "), s.title())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn no_source(registry: &Registry) -> Fatal {
    Fatal(format!(
        "no source to scan. Sources: --demo (built-in estate), --from PATH (a snapshot directory or an exported file), \
         {}; or set [sources] in jitgap.toml (`jitgap init` writes one)",
        live_flags(registry)
    ))
}

/// Flags win over the config; the config's lists apply when no flag of that kind is given.
fn or_config<T: Clone>(flag: &[T], config: &[T]) -> Vec<T> {
    if flag.is_empty() {
        config.to_vec()
    } else {
        flag.to_vec()
    }
}

/// The scopes each scanner was asked to collect live.
type Plan = Vec<(&'static dyn Scanner, Vec<LiveTarget>)>;

/// Each scanner's live targets from its flags and config entry.
fn plan(registry: &Registry, src: &SourceArgs, config: &Config) -> Result<Plan, Fatal> {
    let mut out = Vec::new();
    for s in registry.scanners() {
        let name = s.boundary().to_string();
        let section = config.sources.boundaries.get(&name);
        let none = crate::scan::scanner::no_flags(*s);
        let flags = src.boundaries.matches().unwrap_or(&none);
        let targets = s.live_targets(flags, section).map_err(|e| match section {
            Some(_) => Fatal(config.error_at(&format!("sources.{name}"), e.0).to_string()),
            None => Fatal(e.0),
        })?;
        if !targets.is_empty() {
            out.push((*s, targets));
        }
    }
    Ok(out)
}

pub(super) fn gather(
    registry: &Registry,
    src: &SourceArgs,
    config: &Config,
    spin: &Spinner,
) -> Result<Gathered, Fatal> {
    let from: Vec<PathBuf> = if src.demo {
        src.from.clone()
    } else {
        or_config(&src.from, &config.sources.from)
    };
    let ledgers = or_config(&src.ledger, &config.sources.ledger);
    let live = plan(registry, src, config)?;
    if !src.demo && from.is_empty() && live.is_empty() {
        return Err(no_source(registry));
    }
    let mut g = Gathered::default();
    let mut snapshot_ledgers = Vec::new();
    let mut add = |snap: Snapshot, g: &mut Gathered| {
        g.collected_at = g.collected_at.or(snap.collected_at);
        g.scopes.extend(snap.scopes);
        snapshot_ledgers.extend(snap.ledgers);
    };
    if src.demo {
        add(crate::demo::snapshot(registry), &mut g);
    }
    for path in &from {
        spin.say(format!("reading {}", path.display()));
        match crate::scan::load_snapshot(path, registry) {
            Ok(s) => add(s, &mut g),
            Err(e) => g.input_errors.push(e.to_string()),
        }
    }
    if let Some(shard) = src.shard {
        g.scopes.retain(|raw| match registry.find(raw.boundary) {
            Some(s) => shard.holds(raw.boundary, &s.shard_unit(raw)),
            None => true,
        });
    }
    if src.demo {
        let (text, name) = crate::demo::ledger();
        match crate::ledger::parse_jsonl(name, text) {
            Ok(grants) => {
                g.grants.extend(grants);
                g.ledger_sources.push(name.to_string());
            }
            Err(e) => g.input_errors.push(e.to_string()),
        }
    }
    for path in snapshot_ledgers {
        read_ledger_file(&mut g, ImportKind::Jsonl, &path.display().to_string());
    }
    let vault: Vec<String> = ledgers
        .iter()
        .filter(|l| crate::ledger::parse_spec(l).0 == ImportKind::Vault)
        .map(|l| crate::ledger::parse_spec(l).1)
        .collect();
    if !live.is_empty() || !vault.is_empty() {
        let rt = super::runtime()?;
        let scopes = rt.block_on(collect_live(live, config, src.shard, spin));
        g.scopes.extend(scopes);
        for scope in vault {
            spin.say("reading Vault leases");
            let result = rt.block_on(async {
                let mut opts = crate::ledger::import::vault::VaultOptions::from_env(scope)?;
                opts.limits = config.limits.net;
                crate::ledger::import::vault::import_vault(&opts).await
            });
            match result {
                Ok(grants) => {
                    g.grants.extend(grants);
                    g.ledger_sources.push(format!(
                        "vault ({})",
                        std::env::var("VAULT_ADDR").unwrap_or_default()
                    ));
                }
                Err(e) => g.ledger_errors.push(e.to_string()),
            }
        }
    }
    for spec in ledgers
        .iter()
        .filter(|l| crate::ledger::parse_spec(l).0 != ImportKind::Vault)
    {
        let (kind, path) = crate::ledger::parse_spec(spec);
        read_ledger_file(&mut g, kind, &path);
    }
    Ok(g)
}

/// Every target of every scanner at once: at most `[limits] concurrency` per boundary, each
/// scope bounded by `scope_timeout`. The result keeps the planned order, not finish order.
async fn collect_live(
    plan: Plan,
    config: &Config,
    shard: Option<Shard>,
    spin: &Spinner,
) -> Vec<RawScope> {
    let live = Arc::new(config.limits.live());
    let scope_timeout = config.limits.scope_timeout;
    let mut tasks = JoinSet::new();
    // Task id → (index, boundary, label), so a task that panicked still fails its own scope.
    let mut names = std::collections::HashMap::new();
    let mut n = 0usize;
    for (scanner, targets) in plan {
        let boundary = scanner.boundary();
        // Listing reaches the boundary too: bounded like a scope, so it cannot stall the run.
        let listed = tokio::time::timeout(scope_timeout, scanner.list_scopes(targets, &live))
            .await
            .unwrap_or_else(|_| {
                Err(crate::scan::PlanError(format!(
                    "{boundary}: scopes not listed within {} ([limits] scope_timeout)",
                    shown(scope_timeout)
                )))
            });
        let targets = match listed {
            // A listing that failed is reported by every shard: each misses its part of it.
            Ok(t) => match shard {
                Some(shard) => t
                    .into_iter()
                    .filter(|t| shard.holds(boundary, &scanner.target_shard_unit(t)))
                    .collect(),
                None => t,
            },
            Err(e) => {
                let mut raw = RawScope::new(boundary, "", Origin::Live);
                raw.errors.push(e.0);
                tasks.spawn(async move { (n, raw) });
                n += 1;
                continue;
            }
        };
        let permits = Arc::new(Semaphore::new(
            config.limits.concurrency_for(boundary.as_str()),
        ));
        for target in targets {
            let (live, permits) = (live.clone(), permits.clone());
            let line = spin.scope(boundary.as_str(), &target.label);
            let index = n;
            n += 1;
            let (label, id_index) = (target.label.clone(), index);
            let handle = tasks.spawn(async move {
                let _permit = permits.acquire_owned().await.expect("semaphore open");
                line.collecting();
                let raw = match tokio::time::timeout(scope_timeout, scanner.collect(&target, &live))
                    .await
                {
                    Ok(raw) => raw,
                    Err(_) => {
                        let mut raw = RawScope::new(boundary, target.label.clone(), Origin::Live);
                        raw.errors.push(format!(
                            "{}: not collected within {} ([limits] scope_timeout)",
                            target.label,
                            shown(scope_timeout)
                        ));
                        raw
                    }
                };
                line.finish(&if raw.errors.is_empty() {
                    format!("done ({} document(s))", raw.documents.len())
                } else {
                    format!("{} error(s)", raw.errors.len())
                });
                (index, raw)
            });
            names.insert(handle.id(), (id_index, boundary, label));
        }
    }
    let mut done = Vec::with_capacity(n);
    while let Some(joined) = tasks.join_next_with_id().await {
        match joined {
            Ok((_, pair)) => done.push(pair),
            // A collector that panicked fails its scope, never the run or the other scopes.
            Err(e) => {
                if let Some((index, boundary, label)) = names.remove(&e.id()) {
                    let mut raw = RawScope::new(boundary, label.clone(), Origin::Live);
                    raw.errors
                        // A panic message is arbitrary text: redact it like any excerpt.
                        .push(crate::redact::redact(&format!(
                            "{label}: collection stopped unexpectedly: {e}"
                        )));
                    done.push((index, raw));
                }
            }
        }
    }
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, raw)| raw).collect()
}

/// A limit as `[limits]` writes it: `2s`, `15m`, `500ms` (whole seconds alone would say
/// `0 s` for a sub-second limit).
fn shown(d: std::time::Duration) -> String {
    crate::time::format_limit(d)
}

fn read_ledger_file(g: &mut Gathered, kind: ImportKind, path: &str) {
    match crate::ledger::import_file(kind, std::path::Path::new(path)) {
        Ok(grants) => {
            g.grants.extend(grants);
            g.ledger_sources.push(if kind == ImportKind::Jsonl {
                path.to_string()
            } else {
                format!("{kind}:{path}")
            });
        }
        Err(e) => g.input_errors.push(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::shown;
    use std::time::Duration;

    #[test]
    fn limits_are_shown_as_the_config_writes_them() {
        assert_eq!(shown(Duration::from_millis(500)), "500ms");
        assert_eq!(shown(Duration::from_millis(1500)), "1500ms");
        assert_eq!(shown(Duration::from_secs(2)), "2s");
        assert_eq!(shown(Duration::from_secs(15 * 60)), "15m");
        assert_eq!(shown(Duration::from_secs(90 * 60)), "1h30m");
    }
}
