//! Scanners: one folder per boundary, each with `collect.rs` (live, read-only),
//! `raw.rs` (the native documents) and `normalize.rs` (pure: raw → Inventory).

pub mod aws;
pub mod mysql;
pub mod postgres;
pub(crate) mod snapshot;
mod sql_guard;

pub use snapshot::{Snapshot, SnapshotError, load_snapshot};

/// One raw document as read from a file or an API, with the name evidence points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// A file path, `demo:<path>`, or an API call (`aws:iam:GetAccountAuthorizationDetails`).
    pub source: String,
    pub text: String,
}

impl Doc {
    pub fn new(source: impl Into<String>, text: impl Into<String>) -> Self {
        Doc {
            source: source.into(),
            text: text.into(),
        }
    }
}
