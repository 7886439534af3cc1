//! MySQL and MariaDB accounts: one parse path for saved catalogs and live reads.
//!
//! `collect.rs` reads the catalog live (SELECT/SHOW only), `rows.rs` turns query rows of
//! either flavour into the neutral `catalog.json` (`catalog.rs`), and `normalize.rs` turns
//! that into access paths and revocation signals without I/O.

pub mod catalog;
pub mod collect;
mod flavors;
mod lifetime;
mod normalize;
mod paths;
mod privilege;
pub mod raw;
mod revocation;
pub mod rows;
mod scanner;
pub(crate) mod tls;

pub use collect::{MysqlLiveOptions, collect};
pub use normalize::{MyContext, account_id, normalize};
pub use privilege::MysqlCatalogue;
pub use raw::{ALLOWED_STATEMENT_PREFIXES, CATALOG};
pub use revocation::{DROPPED, EXPIRED, LOCKED, UNVERIFIED};
pub use scanner::SCANNER;

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("mysql");
