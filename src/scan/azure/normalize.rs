//! A tenant and its subscriptions → identities, credentials, access paths and signals.

use crate::scan::scanner::{Context, Normalized, RawScope, failed_scope};

/// Normalizes every Azure scope of a run: each subscription against its tenant's directory.
pub fn normalize_scopes(raws: &[&RawScope], _ctx: &Context<'_>) -> Vec<Normalized> {
    raws.iter()
        .map(|r| failed_scope(r, "Azure normalization is not built yet"))
        .collect()
}
