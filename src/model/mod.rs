//! The data model shared by every boundary (design.md §1–2).

mod boundary;
mod evidence;
mod inventory;
mod text;
mod verdict;
pub(crate) use verdict::kebab_enum;

pub use boundary::{Boundary, BoundaryError};
pub use evidence::Evidence;
pub use inventory::{
    AccessPath, Basis, Credential, Federation, Identity, Inventory, ScopeConnection, ScopeState,
    ScopeStatus, Session, Signal, SubjectMatch, Window, Workload,
};
pub use text::{Interner, Text, TextKey, text_cmp, text_map};
pub use verdict::{
    CredentialLifetime, Decision, Enforcement, NotOneOf, Privilege, Revocation, Severity,
};
