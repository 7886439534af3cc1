//! AWS IAM: one parse path for saved exports and live reads.

pub mod collect;
mod credentials;
mod document;
mod entitlement;
mod gaad;
mod normalize;
mod privilege;
pub mod raw;
mod trust;

pub use normalize::{NormalizeContext, normalize};
pub use raw::AwsRaw;
