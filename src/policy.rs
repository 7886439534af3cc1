//! Policy thresholds (design.md §2): defaults from `rules/policy.toml`, overridden by `jitgap.toml`.

use chrono::Duration;
use serde::{Deserialize, Serialize};

/// The thresholds as written (`"8h"`, `"90d"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_jit_window: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ephemeral_ttl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_credential_age: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_renewal_gap: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_pat_lifetime: Option<String>,
}

/// The thresholds in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_jit_window: Duration,
    pub max_ephemeral_ttl: Duration,
    pub max_credential_age: Duration,
    pub stale_after: Duration,
    /// Grants for one identity and target closer than this are one chain (stretched check).
    pub max_renewal_gap: Duration,
    /// The longest lifetime a personal access token may be given (GitHub has no API to read
    /// an organization's own limit, so it is stated here).
    pub max_pat_lifetime: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_jit_window: Duration::hours(8),
            max_ephemeral_ttl: Duration::hours(12),
            max_credential_age: Duration::days(90),
            stale_after: Duration::days(90),
            max_renewal_gap: Duration::hours(1),
            max_pat_lifetime: Duration::days(366),
        }
    }
}

/// A policy value that is not a positive duration, by its key (`max_jit_window`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy.{key}: {message}")]
pub struct PolicyError {
    pub key: &'static str,
    pub message: String,
}

impl Policy {
    /// Apply the layers in order (rule defaults, then config); an invalid value names its key.
    pub fn from_layers(layers: &[&PolicyFile]) -> Result<Policy, PolicyError> {
        let mut p = Policy::default();
        for layer in layers {
            let set = |slot: &mut Duration,
                       key: &'static str,
                       v: &Option<String>|
             -> Result<(), PolicyError> {
                if let Some(v) = v {
                    let d = crate::time::parse_duration(v).map_err(|e| PolicyError {
                        key,
                        message: e.to_string(),
                    })?;
                    if d <= Duration::zero() {
                        return Err(PolicyError {
                            key,
                            message: "must be greater than zero".into(),
                        });
                    }
                    *slot = d;
                }
                Ok(())
            };
            set(
                &mut p.max_jit_window,
                "max_jit_window",
                &layer.max_jit_window,
            )?;
            set(
                &mut p.max_ephemeral_ttl,
                "max_ephemeral_ttl",
                &layer.max_ephemeral_ttl,
            )?;
            set(
                &mut p.max_credential_age,
                "max_credential_age",
                &layer.max_credential_age,
            )?;
            set(&mut p.stale_after, "stale_after", &layer.stale_after)?;
            set(
                &mut p.max_renewal_gap,
                "max_renewal_gap",
                &layer.max_renewal_gap,
            )?;
            set(
                &mut p.max_pat_lifetime,
                "max_pat_lifetime",
                &layer.max_pat_lifetime,
            )?;
        }
        Ok(p)
    }

    pub fn to_file(self) -> PolicyFile {
        use crate::time::format_duration as f;
        PolicyFile {
            max_jit_window: Some(f(self.max_jit_window)),
            max_ephemeral_ttl: Some(f(self.max_ephemeral_ttl)),
            max_credential_age: Some(f(self.max_credential_age)),
            stale_after: Some(f(self.stale_after)),
            max_renewal_gap: Some(f(self.max_renewal_gap)),
            max_pat_lifetime: Some(f(self.max_pat_lifetime)),
        }
    }
}
