//! Projects → identities, access paths and signals.

use crate::scan::scanner::{Context, Normalized, RawScope, failed_scope};

pub fn normalize_scopes(raws: &[&RawScope], _ctx: &Context<'_>) -> Vec<Normalized> {
    raws.iter()
        .map(|r| failed_scope(r, "normalization is not built yet"))
        .collect()
}
