//! Scan history: each scan's coverage per scope, every path's verdicts and every finding's id,
//! severity and status, appended to SQLite (a file: the embedded default) or PostgreSQL
//! (`postgres://…`, for scans that run on many machines and write to one store). The schema is
//! versioned and migrated on open; every write is one transaction, so writers running at once
//! (parallel shard jobs) each add a whole scan or nothing.

mod compare;
mod postgres;
mod render;
mod schema;
mod sqlite;

pub use compare::{Diff, TrendPoint, diff, trend};
pub use render::{render_diff, render_history, render_trend, trend_svg};

use crate::report::Report;
use serde::{Deserialize, Serialize};

/// What the history keeps of one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub meta: ScanMeta,
    pub coverage: Vec<CoverageRec>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub paths: Vec<PathRec>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub findings: Vec<FindingRec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanMeta {
    /// Given by the store; 0 before it is recorded (a report read from a file).
    pub id: i64,
    /// The time the verdicts were judged at (the report's `generated_at`).
    pub as_of: String,
    /// When the scan was written to the history.
    pub recorded_at: String,
    pub tool_version: String,
    /// The documents, config and baseline the report rests on.
    pub sources: Vec<String>,
    /// `I/N` for the report of one shard (`scan --shard`), which covers only its part.
    pub shard: Option<String>,
    pub paths: i64,
    pub findings: i64,
}

/// One scope's coverage counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageRec {
    pub boundary: String,
    pub scope: String,
    pub status: String,
    pub privileged: i64,
    pub jit: i64,
    pub time_bound: i64,
    pub standing: i64,
    pub unknown: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathRec {
    pub id: String,
    pub boundary: String,
    pub scope: String,
    pub identity: String,
    pub entitlement: String,
    pub target: String,
    pub privilege: String,
    pub enforcement: String,
    pub credential_lifetime: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRec {
    pub id: String,
    pub rule_id: String,
    pub severity: String,
    /// `active` or `suppressed`.
    pub status: String,
    /// `new` or `unchanged` against the scan's baseline; empty without one.
    pub baseline: String,
    pub boundary: String,
    pub scope: String,
    pub identity: String,
    /// The revocation verdict; empty when none applies.
    pub revocation: String,
}

impl CoverageRec {
    /// As the report counts them (read-only paths are not kept).
    pub fn counts(&self) -> crate::report::Counts {
        let n = |v: i64| v.max(0) as usize;
        let mut c = crate::report::Counts::default();
        c.absorb(&crate::report::Counts {
            privileged_paths: n(self.privileged),
            jit: n(self.jit),
            time_bound: n(self.time_bound),
            standing: n(self.standing),
            unknown: n(self.unknown),
            read_paths: 0,
            coverage_percent: None,
        });
        c
    }
}

impl ScanRecord {
    /// What the history keeps of `r`.
    pub fn from_report(r: &Report) -> ScanRecord {
        let status = |b: crate::model::Boundary, scope: &str| {
            r.scopes
                .iter()
                .find(|s| s.boundary == b && s.scope == scope)
                .map(|s| s.status.as_str().to_string())
                .unwrap_or_default()
        };
        ScanRecord {
            meta: ScanMeta {
                id: 0,
                as_of: crate::time::fmt_utc(r.generated_at),
                recorded_at: String::new(),
                tool_version: r.tool.version.clone(),
                sources: r.inputs.clone(),
                shard: r.shard.as_ref().map(|s| format!("{}/{}", s.index, s.count)),
                paths: r.access_paths.len() as i64,
                findings: r.findings.len() as i64,
            },
            coverage: r
                .coverage
                .scopes
                .iter()
                .map(|s| CoverageRec {
                    boundary: s.boundary.to_string(),
                    scope: s.scope.clone(),
                    status: status(s.boundary, &s.scope),
                    privileged: s.counts.privileged_paths as i64,
                    jit: s.counts.jit as i64,
                    time_bound: s.counts.time_bound as i64,
                    standing: s.counts.standing as i64,
                    unknown: s.counts.unknown as i64,
                })
                .collect(),
            paths: r
                .access_paths
                .iter()
                .map(|p| PathRec {
                    id: p.id.clone().to_string(),
                    boundary: p.boundary.to_string(),
                    scope: p.scope.to_string(),
                    identity: p.identity.to_string(),
                    entitlement: p.entitlement.to_string(),
                    target: p.target.to_string(),
                    privilege: p.privilege.to_string(),
                    enforcement: p.enforcement.to_string(),
                    credential_lifetime: p.credential_lifetime.to_string(),
                })
                .collect(),
            findings: r
                .findings
                .iter()
                .map(|f| FindingRec {
                    id: f.id.clone(),
                    rule_id: f.rule_id.to_string(),
                    severity: f.severity.to_string(),
                    status: if f.is_suppressed() {
                        "suppressed"
                    } else {
                        "active"
                    }
                    .into(),
                    baseline: (f.baseline.clone().unwrap_or_default()).to_string(),
                    boundary: f.boundary.to_string(),
                    scope: f.scope.to_string(),
                    identity: f.identity.to_string(),
                    revocation: f.revocation.map(|x| x.to_string()).unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// A history that could not be opened, read or written; names the file or the URL (without
/// its password).
#[derive(Debug, thiserror::Error)]
#[error("history {target}: {message}")]
pub struct HistoryError {
    pub target: String,
    pub message: String,
}

/// Where a history lives: `postgres://…` / `postgresql://…`, else a SQLite file.
pub fn is_postgres(target: &str) -> bool {
    target.starts_with("postgres://") || target.starts_with("postgresql://")
}

/// The name of `target` for messages.
pub fn shown(target: &str) -> String {
    if is_postgres(target) {
        crate::db_tls::without_password(target)
    } else {
        target.to_string()
    }
}

/// An open history (the schema migrated to the version this jitgap writes).
pub enum Store {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

impl Store {
    pub fn open(target: &str) -> Result<Store, HistoryError> {
        if is_postgres(target) {
            postgres::Postgres::open(target).map(Store::Postgres)
        } else {
            sqlite::Sqlite::open(std::path::Path::new(target)).map(Store::Sqlite)
        }
    }

    /// Appends one scan; its id.
    pub fn record(&mut self, scan: &ScanRecord) -> Result<i64, HistoryError> {
        let now = crate::time::fmt_utc(chrono::Utc::now());
        match self {
            Store::Sqlite(s) => s.record(scan, &now),
            Store::Postgres(p) => p.record(scan, &now),
        }
    }

    /// Every scan, oldest first, with its coverage (no paths or findings).
    pub fn scans(&mut self) -> Result<Vec<ScanRecord>, HistoryError> {
        match self {
            Store::Sqlite(s) => s.scans(),
            Store::Postgres(p) => p.scans(),
        }
    }

    /// One scan with its paths and findings.
    pub fn load(&mut self, id: i64) -> Result<ScanRecord, HistoryError> {
        let mut scan = self
            .scans()?
            .into_iter()
            .find(|s| s.meta.id == id)
            .ok_or_else(|| HistoryError {
                target: self.name().to_string(),
                message: format!("it holds no scan {id}"),
            })?;
        (scan.paths, scan.findings) = match self {
            Store::Sqlite(s) => s.rows(id)?,
            Store::Postgres(p) => p.rows(id)?,
        };
        Ok(scan)
    }

    /// The file, or the URL without its password.
    fn name(&self) -> &str {
        match self {
            Store::Sqlite(s) => s.name(),
            Store::Postgres(p) => p.name(),
        }
    }

    /// The schema version the history is at.
    pub fn schema_version(&mut self) -> Result<i64, HistoryError> {
        match self {
            Store::Sqlite(s) => s.version(),
            Store::Postgres(p) => p.version(),
        }
    }
}
