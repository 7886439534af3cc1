//! Azure: Entra ID service principals, app credentials and directory roles (Microsoft Graph),
//! and Azure RBAC role assignments with PIM (Azure Resource Manager). One parse path for
//! saved snapshots and live reads.
//!
//! `collect.rs` reads Graph and ARM live (GET only; with `token.rs`, `api.rs`,
//! `collect_tenant.rs`, `collect_subscription.rs`), `raw.rs`, `graph.rs` and `arm.rs` hold the
//! documents (the same ones a snapshot stores), and `normalize.rs` turns a tenant
//! (`directory.rs`, `credentials.rs`, `tenant.rs`) and its subscriptions (`subscription.rs`)
//! into identities, access paths and signals without I/O (`pim.rs`, `removals.rs`,
//! `privilege.rs`, `paths.rs`).

mod api;
mod arm;
mod catalogue;
pub mod collect;
mod collect_subscription;
mod collect_tenant;
mod credentials;
mod directory;
mod docs;
mod error;
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
mod token;

pub use scanner::{AzureScanner, SCANNER, authority_url};

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("azure");
