//! Google Cloud: service accounts and their keys (IAM), project, folder and organization IAM
//! policies with IAM Conditions (Resource Manager v3), Privileged Access Manager entitlements
//! and grants, and Policy Analyzer last-authentication activity. One parse path for saved
//! snapshots and live reads.
//!
//! `collect.rs` reads the APIs live (GET, and the `getIamPolicy` POST that reads; with
//! `token.rs`, `api.rs`, `api_shape.rs`, `collect_project.rs`, `collect_ancestors.rs` and
//! `collect_roles.rs`), `raw.rs` and `shapes.rs` hold the documents (the same ones a
//! snapshot stores), and `normalize.rs`
//! turns projects into identities, access paths and signals without I/O.

mod accounts;
mod api;
mod api_shape;
mod bindings;
mod catalogue;
pub mod collect;
mod collect_ancestors;
mod collect_project;
mod collect_roles;
mod condition;
mod docs;
mod error;
mod member;
mod normalize;
mod pam;
mod paths;
mod privilege;
pub mod raw;
mod scanner;
mod shapes;
mod token;

pub use scanner::{GcpScanner, SCANNER, token_url};

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("gcp");
