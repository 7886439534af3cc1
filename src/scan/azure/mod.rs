//! Azure: Entra ID service principals, app credentials and directory roles (Microsoft Graph),
//! and Azure RBAC role assignments with PIM (Azure Resource Manager). One parse path for
//! saved snapshots and live reads.
//!
//! `collect.rs` reads Graph and ARM live (GET only; `token.rs`, `api.rs`, `tenant.rs`,
//! `subscription.rs`), `raw.rs`, `graph.rs` and `arm.rs` hold
//! the documents (the same ones a snapshot stores), and `normalize.rs` turns a tenant and its
//! subscriptions into identities, access paths and signals without I/O.

mod api;
mod arm;
mod catalogue;
pub mod collect;
mod error;
mod graph;
mod normalize;
pub mod raw;
mod scanner;
mod subscription;
mod tenant;
mod token;

pub use scanner::{AzureScanner, SCANNER, authority_url};

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("azure");
