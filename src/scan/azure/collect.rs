//! Live collection from Microsoft Graph and Azure Resource Manager (GET only).

use super::BOUNDARY;
use crate::scan::scanner::{Live, LiveTarget, Origin, PlanError, RawScope};

/// What the flags and `[sources.azure]` ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureOptions {
    /// The tenant id, when given; else the credential's.
    pub tenant: Option<String>,
    /// The subscriptions to read; empty: every one the credential lists.
    pub subscriptions: Vec<String>,
    /// Base URLs without a trailing slash.
    pub graph_url: String,
    pub arm_url: String,
}

/// The targets before listing: the tenant (and the subscriptions named).
pub fn targets(opts: AzureOptions) -> Vec<LiveTarget> {
    vec![LiveTarget::new("tenant", opts)]
}

/// Expands the tenant target into the tenant and every subscription to read.
pub async fn list_scopes(
    targets: Vec<LiveTarget>,
    _live: &Live,
) -> Result<Vec<LiveTarget>, PlanError> {
    Ok(targets)
}

/// Collects one tenant or subscription.
pub async fn collect(target: &LiveTarget, _live: &Live) -> RawScope {
    let mut raw = RawScope::new(BOUNDARY, target.label.clone(), Origin::Live);
    raw.errors.push(format!(
        "{}: live Azure collection is not built yet",
        target.label
    ));
    raw
}
