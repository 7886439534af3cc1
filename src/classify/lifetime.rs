use crate::model::{CredentialLifetime, Decision};
use crate::policy::Policy;
use crate::time::format_duration;
use chrono::{DateTime, Utc};

/// A secret with an optional expiry: ephemeral when it lives no longer than `max_ephemeral_ttl`
/// from its issue, long-lived otherwise (and always when it never expires).
pub fn classify_static_credential(
    what: &str,
    issued: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
    policy: &Policy,
    rule_prefix: &str,
) -> (CredentialLifetime, Decision) {
    match (issued, expires) {
        (_, None) => (
            CredentialLifetime::LongLived,
            Decision::new(
                &format!("{rule_prefix}.no-expiry"),
                format!("{what} never expires"),
            ),
        ),
        (Some(i), Some(e)) if e - i <= policy.max_ephemeral_ttl => (
            CredentialLifetime::Ephemeral,
            Decision::new(
                &format!("{rule_prefix}.short-ttl"),
                format!(
                    "{what} lives {} (max_ephemeral_ttl {})",
                    format_duration(e - i),
                    format_duration(policy.max_ephemeral_ttl)
                ),
            ),
        ),
        (_, Some(e)) => (
            CredentialLifetime::LongLived,
            Decision::new(
                &format!("{rule_prefix}.long-ttl"),
                format!(
                    "{what} expires {} but lives longer than max_ephemeral_ttl {}",
                    e.to_rfc3339(),
                    format_duration(policy.max_ephemeral_ttl)
                ),
            ),
        ),
    }
}
