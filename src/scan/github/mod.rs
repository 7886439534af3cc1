//! GitHub: deploy keys, GitHub App installations, fine-grained personal access tokens
//! approved for an organization, classic tokens and SSH keys authorized for SAML SSO, and
//! the Actions OIDC subject templates. One parse path for saved snapshots and live reads.
//!
//! `collect.rs` reads the REST API live (GETs only, and the POST that issues an App's
//! installation token): `collect_org.rs` says what is read into which document, `api.rs`
//! sends (paging, checks), `rate.rs` reads the rate limits, `app_auth.rs` signs the App's JWT,
//! `raw.rs` and `shapes.rs` hold the documents (the same ones a snapshot stores),
//! `normalize.rs` turns an organization into identities, access paths and signals without
//! I/O, and `bridge.rs` joins its repositories to the cloud identities that trust their
//! workflows' OIDC tokens.

mod api;
mod app_auth;
mod apps;
mod bridge;
mod catalogue;
pub mod collect;
mod collect_org;
pub mod error;
mod glob;
mod keys;
mod normalize;
mod rate;
pub mod raw;
mod scanner;
mod shapes;
mod subject;
mod tokens;

pub use scanner::{GithubScanner, SCANNER, api_url};

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("github");

/// The issuer of GitHub Actions OIDC tokens (github.com and GitHub Enterprise Cloud).
pub const ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";
