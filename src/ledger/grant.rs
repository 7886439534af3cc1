//! One JIT grant as the ledger records it (JSON Lines, `ledger_version` 1).

use crate::model::{Boundary, Evidence};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const LEDGER_VERSION: u32 = 1;

/// The label a Vault importer gives a lease's role: such a grant names a Vault role, which
/// is matched through the identities that role issues, not as an identity itself.
pub(crate) const VAULT_ROLE: &str = "vault_role";

/// A grant: requested, approved, issued, expired or revoked. Fields a broker did not record
/// stay empty; the `untraceable` check reports which of them are missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Format version of this record (1). Optional on input.
    #[serde(default = "version")]
    pub ledger_version: u32,
    pub grant_id: String,
    pub boundary: Boundary,
    /// AWS account, database cluster (`host:port`), … as jitgap names scopes.
    pub scope: String,
    /// The identity the grant was issued to: an ARN, a database role, …
    pub identity: String,
    /// What was granted: a policy ARN, a database role, a permission set.
    #[serde(default)]
    pub entitlement: String,
    /// What it reaches (defaults to the scope).
    #[serde(default)]
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Which broker or importer produced the record (`vault`, `cloudtrail`, `teleport`, a file).
    pub source: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Where the record came from (file and line or JSON pointer, API call).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

fn version() -> u32 {
    LEDGER_VERSION
}

impl Grant {
    /// When the grant stopped (or will stop) giving access: the earlier of revocation and expiry.
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        match (self.revoked_at, self.expires_at) {
            (Some(r), Some(e)) => Some(r.min(e)),
            (r, e) => r.or(e),
        }
    }

    /// Active at `now`: issued (or issue unknown), not revoked, not expired.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.issued_at.is_none_or(|i| i <= now) && self.ended_at().is_none_or(|e| e > now)
    }
}
