//! Every source a run reads: the demo, snapshots, live AWS and databases, and ledgers.

use super::{Fatal, Spinner};
use crate::cli::SourceArgs;
use crate::config::Config;
use crate::ledger::{Grant, ImportKind};
use crate::scan::Snapshot;
use crate::scan::aws::collect::AwsLiveOptions;
use crate::scan::aws::{self, AwsRaw};
use crate::scan::mysql::{self, MysqlLiveOptions, MysqlRaw};
use crate::scan::postgres::{self, PostgresLiveOptions, PostgresRaw};
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// Where a document came from: a bad file is bad input (exit 2), a failed call is an
/// incomplete scan (exit 3).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    File,
    Live,
}

/// Everything read from the sources, before normalization.
#[derive(Default)]
pub(super) struct Gathered {
    pub aws: Vec<(AwsRaw, Origin)>,
    pub postgres: Vec<(PostgresRaw, Origin)>,
    pub mysql: Vec<(MysqlRaw, Origin)>,
    pub grants: Vec<Grant>,
    /// Ledger sources read, for the report.
    pub ledger_sources: Vec<String>,
    /// Ledger sources that could not be read live (Vault unreachable): the run is incomplete.
    pub ledger_errors: Vec<String>,
    pub collected_at: Option<DateTime<Utc>>,
    /// Unreadable input: reported, and the run exits 2 after writing what it has.
    pub input_errors: Vec<String>,
}

pub(super) const NO_SOURCE: &str = "no source to scan. Sources: --demo (built-in estate), --from PATH (a snapshot \
directory or an authorization-details JSON), --aws / --aws-endpoint-url URL / --aws-profile NAME (live AWS), \
--postgres-url URL, --mysql-url URL (databases); or set [sources] in jitgap.toml (`jitgap init` writes one)";

fn live_aws(src: &SourceArgs, config: &Config) -> Option<AwsLiveOptions> {
    let cfg = config.sources.aws.as_ref().filter(|a| a.enabled);
    let wanted =
        src.aws || src.aws_endpoint_url.is_some() || src.aws_profile.is_some() || cfg.is_some();
    wanted.then(|| AwsLiveOptions {
        endpoint_url: src
            .aws_endpoint_url
            .clone()
            .or_else(|| cfg.and_then(|c| c.endpoint_url.clone())),
        profile: src
            .aws_profile
            .clone()
            .or_else(|| cfg.and_then(|c| c.profile.clone())),
    })
}

/// Flags win over the config; the config's lists apply when no flag of that kind is given.
fn or_config<T: Clone>(flag: &[T], config: &[T]) -> Vec<T> {
    if flag.is_empty() {
        config.to_vec()
    } else {
        flag.to_vec()
    }
}

pub(super) fn gather(src: &SourceArgs, config: &Config, spin: &Spinner) -> Result<Gathered, Fatal> {
    let from: Vec<PathBuf> = if src.demo {
        src.from.clone()
    } else {
        or_config(&src.from, &config.sources.from)
    };
    let pg_urls = or_config(&src.postgres_url, &config.sources.postgres);
    let my_urls = or_config(&src.mysql_url, &config.sources.mysql);
    let ledgers = or_config(&src.ledger, &config.sources.ledger);
    let live = live_aws(src, config);
    if !src.demo && from.is_empty() && live.is_none() && pg_urls.is_empty() && my_urls.is_empty() {
        return Err(Fatal(NO_SOURCE.into()));
    }
    let mut g = Gathered::default();
    let mut snapshot_ledgers = Vec::new();
    let mut add = |snap: Snapshot, g: &mut Gathered| {
        g.collected_at = g.collected_at.or(snap.collected_at);
        g.aws
            .extend(snap.aws.into_iter().map(|r| (r, Origin::File)));
        g.postgres
            .extend(snap.postgres.into_iter().map(|r| (r, Origin::File)));
        g.mysql
            .extend(snap.mysql.into_iter().map(|r| (r, Origin::File)));
        snapshot_ledgers.extend(snap.ledgers);
    };
    if src.demo {
        add(crate::demo::snapshot(), &mut g);
    }
    for path in &from {
        spin.say(format!("reading {}", path.display()));
        match crate::scan::load_snapshot(path) {
            Ok(s) => add(s, &mut g),
            Err(e) => g.input_errors.push(e.to_string()),
        }
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
    let needs_runtime = live.is_some()
        || !pg_urls.is_empty()
        || !my_urls.is_empty()
        || ledgers
            .iter()
            .any(|l| crate::ledger::parse_spec(l).0 == ImportKind::Vault);
    if needs_runtime {
        let rt = super::runtime()?;
        rt.block_on(async {
            if let Some(opts) = live {
                spin.say(format!(
                    "collecting AWS IAM{}",
                    opts.endpoint_url
                        .as_deref()
                        .map(|e| format!(" at {e}"))
                        .unwrap_or_default()
                ));
                g.aws
                    .push((aws::collect::collect(&opts).await, Origin::Live));
            }
            for url in &pg_urls {
                spin.say("reading PostgreSQL catalogs");
                g.postgres.push((
                    postgres::collect(&PostgresLiveOptions { url: url.clone() }).await,
                    Origin::Live,
                ));
            }
            for url in &my_urls {
                spin.say("reading MySQL/MariaDB catalogs");
                g.mysql.push((
                    mysql::collect(&MysqlLiveOptions { url: url.clone() }).await,
                    Origin::Live,
                ));
            }
            for spec in ledgers
                .iter()
                .filter(|l| crate::ledger::parse_spec(l).0 == ImportKind::Vault)
            {
                let scope = crate::ledger::parse_spec(spec).1;
                spin.say("reading Vault leases");
                let result = match crate::ledger::import::vault::VaultOptions::from_env(scope) {
                    Ok(opts) => crate::ledger::import::vault::import_vault(&opts).await,
                    Err(e) => Err(e),
                };
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
        });
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
