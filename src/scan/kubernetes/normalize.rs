//! A cluster's documents → identities, credentials, access paths and signals. No I/O.

use super::objects::Objects;
use crate::scan::scanner::{Context, Normalized, RawScope, scope_status};

pub use super::objects::claim;

pub fn normalize(raw: &RawScope, _ctx: &Context<'_>) -> Normalized {
    let mut errors = Vec::new();
    let _objects = Objects::read(raw, &mut errors);
    let mut n = Normalized::default();
    n.inventory
        .scopes
        .push(scope_status(raw, &raw.scope, &errors));
    n.errors = errors;
    n
}
