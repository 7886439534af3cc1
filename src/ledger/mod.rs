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
pub use grant::{Grant, LEDGER_VERSION};
pub use import::{ImportKind, import_file, parse_spec};
pub use reconcile::{reconcile, revocations};
