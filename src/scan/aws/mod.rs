//! AWS IAM: one parse path for saved exports and live reads.

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
mod paths;
mod policies;
mod privilege;
pub mod raw;
mod roles;
pub(crate) mod sdk;
mod statement;
mod trust;
mod trust_signals;
mod users;

pub use normalize::{NormalizeContext, normalize};
pub use raw::AwsRaw;
