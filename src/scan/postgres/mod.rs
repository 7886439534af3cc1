//! PostgreSQL login roles: one parse path for saved catalogs and live reads.
//!
//! `collect.rs` reads the catalog live (SELECT and SHOW only), `raw.rs` and `catalog.rs`
//! hold the document it writes (the same one a snapshot stores), and `normalize.rs` turns it
//! into identities, access paths and revocation signals without I/O.

mod catalog;
pub mod collect;
mod collect_error;
mod expiry;
mod hba;
mod membership;
mod normalize;
mod password;
mod privilege;
pub mod raw;
mod revocation;
mod scanner;
pub(crate) mod tls;

pub use catalog::Catalog;
pub use collect::{PostgresLiveOptions, collect};
pub use normalize::{PgContext, normalize};
pub use privilege::PgCatalogue;

#[cfg(test)]
mod tests;
pub use scanner::SCANNER;

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("postgres");
