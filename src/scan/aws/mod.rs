//! AWS IAM: one parse path for saved exports and live reads.

mod catalogue;
pub mod collect;
mod collect_gaad;
mod credential_report;
mod credentials;
mod document;
mod document_de;
mod document_parse;
mod entitlement;
mod gaad;
mod guard;
mod normalize;
mod organization;
mod paths;
mod policies;
mod privilege;
pub mod raw;
mod roles;
mod scanner;
pub(crate) mod sdk;
mod statement;
mod trust;
mod trust_signals;
mod users;

pub use catalogue::AwsCatalogue;
pub use normalize::{NormalizeContext, normalize};
pub use scanner::{AwsScanner, SCANNER};

/// The boundary this scanner reads.
pub const BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("aws");
