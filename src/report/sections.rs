//! The report's sections filled by other stages: the gate summary, waiver status, ledger
//! summary and probe results. Plain data only; the gate, the ledger reconciliation and the
//! probes fill them, so every renderer can read them without depending on those stages.

use crate::model::Revocation;
use serde::{Deserialize, Serialize};

crate::model::kebab_enum!(
    /// What fails the gate (`--fail-on`).
    FailOn {
        /// a new (not in the baseline), unwaived finding of a check that counts as standing privilege
        NewStanding => "new-standing",
        /// any unwaived finding whose revocation is not-effective, baseline or not
        NotEffective => "not-effective",
        /// any new unwaived finding
        New => "new",
        /// any unwaived finding, baseline or not
        Any => "any"
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub fail_on: Vec<FailOn>,
    pub new: usize,
    pub unchanged: usize,
    /// In the baseline, gone now.
    pub fixed: usize,
    pub suppressed: usize,
    pub expired_waivers: usize,
    pub failed: bool,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverMatch {
    /// A rule id (`GEN001`) or name (`standing-admin-access`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// An identity id or name; `*` and `?` wildcards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// A finding fingerprint (the `id` in the JSON report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
}

/// How each waiver fared in this run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaiverStatus {
    pub file: String,
    pub index: usize,
    #[serde(rename = "match")]
    pub matcher: WaiverMatch,
    pub owner: String,
    pub reason: String,
    pub ticket: String,
    pub expires: String,
    /// `active`, `expired` or `unused` (active but matched nothing).
    pub status: String,
    pub matched: usize,
}

/// The ledger view of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LedgerSummary {
    pub sources: Vec<String>,
    pub grants: usize,
    pub active: usize,
    pub ended: usize,
    /// Grants matched to live identities (or proven gone).
    pub reconciled: usize,
    pub zombies: usize,
    pub orphans: usize,
    pub stretched: usize,
    pub untraceable: usize,
    pub revocations_verified: usize,
}

/// One credential tried by `--probe`: `effective` when it was rejected for the right reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub kind: String,
    pub id: String,
    pub verdict: Revocation,
    pub reason: String,
}
