//! The JIT ledger (design.md §3): a broker's record of grants, imported from native formats
//! and reconciled against live state.

mod grant;
mod matching;
mod reconcile;

pub use grant::{Grant, LEDGER_VERSION};
pub use reconcile::{reconcile, LedgerSummary};
