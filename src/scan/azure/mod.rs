//! Azure: Entra ID service principals, app credentials and directory roles (Microsoft Graph),
//! and Azure RBAC role assignments with PIM (Azure Resource Manager). One parse path for
//! saved snapshots and live reads.
//!
//! `collect.rs` reads Graph and ARM live (GET only), `raw.rs`, `graph.rs` and `arm.rs` hold
//! the documents (the same ones a snapshot stores), and `normalize.rs` turns a tenant and its
//! subscriptions into identities, access paths and signals without I/O.

mod arm;
mod catalogue;
pub mod collect;
mod credentials;
mod directory;
mod docs;
mod graph;
mod normalize;
mod paths;
mod pim;
mod privilege;
pub mod raw;
mod removals;
mod scanner;
mod subscription;
mod tenant;

pub use scanner::{AzureScanner, SCANNER, authority_url};

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("azure");
