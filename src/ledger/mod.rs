//! The JIT ledger (design.md §3): a broker's record of grants, imported from native formats
//! and reconciled against live state.

mod format;
mod gaps;
mod grant;
pub mod import;
mod matching;
mod reconcile;
mod stretched;
mod zombie;

pub use format::{LedgerError, parse_jsonl, read_ledger, to_jsonl};
pub(crate) use grant::VAULT_ROLE;
pub use grant::{Grant, LEDGER_VERSION};
pub use import::{ImportKind, import_file, parse_spec};
pub use reconcile::reconcile;

/// The boundary of a broker's ledger (Vault and the like): it issues access into the others.
pub const LEDGER_BOUNDARY: crate::model::Boundary = crate::model::Boundary::new("vault");

/// The scope status of a live ledger source that could not be read: the run is incomplete.
pub fn failed_source(error: &str) -> crate::model::ScopeStatus {
    crate::model::ScopeStatus {
        boundary: LEDGER_BOUNDARY,
        scope: "ledger".into(),
        status: crate::model::ScopeState::Failed,
        errors: vec![error.to_string()],
        sources: vec![],
        connection: None,
        notes: Vec::new(),
    }
}

/// The signals reconciliation emits; each has a check in `rules/ledger.toml`.
pub const SIGNALS: &[&str] = &[
    "ledger-orphan",
    "ledger-zombie",
    "ledger-stretched",
    "ledger-untraceable",
    "ledger-revocation-verified",
];
