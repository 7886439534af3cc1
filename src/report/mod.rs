//! The report: everything a renderer or the gate needs, and nothing they must compute.

mod coverage;
pub mod render;
pub mod rows;
mod sections;
mod view;

pub use coverage::{Counts, Coverage, ScopeCoverage};
pub use sections::{FailOn, GateSummary, LedgerSummary, Probe, WaiverMatch, WaiverStatus};

use crate::finding::Finding;
use crate::model::{
    AccessPath, Credential, Federation, Identity, ScopeState, ScopeStatus, Session, Signal,
    Workload,
};
use crate::policy::PolicyFile;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The canonical, versioned report (`--format json` prints it as is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// The time verdicts were judged at (`--as-of`, the snapshot's `collected_at`, or now).
    pub generated_at: DateTime<Utc>,
    pub policy: PolicyFile,
    /// Documents, config and baseline the report rests on (SARIF locations point at them).
    pub inputs: Vec<String>,
    #[serde(serialize_with = "rows::serialize")]
    pub identities: Vec<Identity>,
    #[serde(serialize_with = "rows::serialize")]
    pub credentials: Vec<Credential>,
    #[serde(serialize_with = "rows::serialize")]
    pub access_paths: Vec<AccessPath>,
    #[serde(serialize_with = "rows::serialize")]
    pub findings: Vec<Finding>,
    pub coverage: Coverage,
    pub scopes: Vec<ScopeStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateSummary>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverStatus>,
    /// The ledger view, when a ledger was given (`--ledger`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<LedgerSummary>,
    /// Results of `--probe`: credentials that should be dead, tried once each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<Probe>,
    /// Written by `scan --shard I/N`: what `jitgap merge` needs to join the shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardPart>,
}

/// The part of a run a shard cannot finish alone. The bridges between boundaries and the
/// ledger reach into scopes of other shards, so a shard report holds its paths before they
/// are joined, and what joining them needs; `merge` joins every shard's and judges again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardPart {
    pub index: u32,
    pub count: u32,
    /// What normalization saw, for the checks the merge runs again.
    #[serde(default)]
    pub signals: Vec<Signal>,
    #[serde(default)]
    pub sessions: Vec<Session>,
    #[serde(default)]
    pub federations: Vec<Federation>,
    #[serde(default)]
    pub workloads: Vec<Workload>,
    /// The ledger's grants (every shard reads the whole ledger), as ledger JSON records.
    #[serde(default)]
    pub grants: Vec<serde_json::Value>,
    #[serde(default)]
    pub ledger_sources: Vec<String>,
}

impl Report {
    pub fn incomplete_scopes(&self) -> impl Iterator<Item = &ScopeStatus> {
        self.scopes
            .iter()
            .filter(|s| s.status != ScopeState::Complete)
    }

    pub fn active_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.is_suppressed())
    }

    /// The identity's display name, or `id` when the report does not hold it (an untraceable
    /// ledger grant names its identity as the ledger does). A report lists its identities by
    /// id (`Inventory::sort`, the one place a report is made), so this is a binary search:
    /// a missing id costs no scan of every identity.
    pub fn identity_name<'a>(&'a self, id: &'a str) -> &'a str {
        match self.identities.binary_search_by(|i| i.id.as_str().cmp(id)) {
            Ok(n) => self.identities[n].name.as_str(),
            Err(_) => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Stages that fill the report; the report and its renderers must not depend on them.
    const UPSTREAM: [&str; 4] = ["gate", "ledger", "app", "revocation"];

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/report is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The first segment of every `crate::` path in `text`, including each item of a
    /// `crate::{a, b::c}` group.
    fn crate_roots(text: &str) -> Vec<String> {
        let mut roots = Vec::new();
        let ident = |s: &str| -> String {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0usize;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            roots.push(ident(&item));
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    item.push(c);
                }
                roots.push(ident(&item));
            } else {
                roots.push(ident(rest));
            }
        }
        roots
    }

    /// How many `super::` lead from the file's module to the crate root (`report/mod.rs`: 1).
    fn depth(report_dir: &Path, file: &Path) -> usize {
        let rel = file
            .strip_prefix(report_dir)
            .expect("file under src/report");
        let mut n = 1 + rel.components().count();
        if rel.file_name().is_some_and(|f| f == "mod.rs") {
            n -= 1;
        }
        n
    }

    /// What a run of at least `depth` `super::` names: a path that leaves the report.
    fn super_roots(text: &str, depth: usize) -> Vec<String> {
        let step = "super::";
        let mut roots = Vec::new();
        for (at, _) in text.match_indices(step) {
            if text[..at].ends_with(step) {
                continue;
            }
            let mut rest = &text[at..];
            let mut k = 0;
            while let Some(r) = rest.strip_prefix(step) {
                rest = r;
                k += 1;
            }
            if k >= depth {
                roots.push(crate_roots(&format!("crate::{rest}")).remove(0));
            }
        }
        roots
    }

    #[test]
    fn crate_roots_reads_plain_and_grouped_paths() {
        let text = "use crate::model::X;\nuse crate::{finding::Finding, rules::{Check, RuleSet}};";
        assert_eq!(crate_roots(text), ["model", "finding", "rules"]);
        // Built at run time, so this file does not trip its own check.
        let text = format!("use super::super::{}::X; super::Report", "gate");
        assert_eq!(super_roots(&text, 2), ["gate"]);
    }

    /// The report is a leaf: every renderer, scan history and `merge` may depend on it.
    #[test]
    fn report_imports_none_of_the_stages_that_fill_it() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report");
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        assert!(files.len() > 5, "found the report's sources in {dir:?}");
        let mut offending = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source is readable");
            for root in crate_roots(&text) {
                if UPSTREAM.contains(&root.as_str()) {
                    offending.push(format!("{}: crate::{root}", file.display()));
                }
            }
            for root in super_roots(&text, depth(&dir, &file)) {
                if UPSTREAM.contains(&root.as_str()) {
                    offending.push(format!("{}: super::…::{root}", file.display()));
                }
            }
        }
        assert!(
            offending.is_empty(),
            "src/report must not depend on {UPSTREAM:?}:\n{}",
            offending.join("\n")
        );
    }
}
