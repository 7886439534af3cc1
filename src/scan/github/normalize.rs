//! An organization's documents → identities, access paths and signals. Pure.

use crate::model::{AccessPath, Identity};
use crate::scan::scanner::{Context, Ended, Normalized, RawScope, Residual, still_attached};

pub fn normalize(raw: &RawScope, _ctx: &Context<'_>) -> Normalized {
    crate::scan::scanner::failed_scope(raw, "not built yet")
}

/// The credential-authorization list without `token_last_eight` (part of a token).
pub fn without_token_parts(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut v) => {
            if let Some(items) = v.as_array_mut() {
                for i in items {
                    if let Some(o) = i.as_object_mut() {
                        o.remove("token_last_eight");
                    }
                }
            }
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }
        Err(_) => text.to_string(),
    }
}

pub fn residual(_ended: &Ended<'_>, _identity: &Identity, covered: &[&AccessPath]) -> Vec<Residual> {
    still_attached(covered)
}
