//! The report: everything a renderer or the gate needs, and nothing they must compute.

mod coverage;
pub mod render;
mod sections;
mod view;

pub use coverage::{Counts, Coverage, ScopeCoverage};
pub use sections::{FailOn, GateSummary, LedgerSummary, Probe, WaiverMatch, WaiverStatus};

use crate::finding::Finding;
use crate::model::{AccessPath, Credential, Identity, ScopeState, ScopeStatus};
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
    pub identities: Vec<Identity>,
    pub credentials: Vec<Credential>,
    pub access_paths: Vec<AccessPath>,
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

    pub fn identity_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.identities
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.name.as_str())
            .unwrap_or(id)
    }
}
