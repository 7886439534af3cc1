//! Revocation proof (design.md §2, "Revocation"): whether a credential that should be gone
//! is really gone.
//!
//! The active half lives here: opt-in probes that try each credential once with a harmless
//! read-only call ([`verify`]) and report `effective` (rejected for the right reason),
//! `not-effective` (still accepted) or `inconclusive` (anything else; never a pass).

mod probe;
mod verify;

pub use probe::{IdError, ProbeInput, ProbeKind, ProbeOptions, ProbeResult, Secret};
pub use verify::{InputError, LineError, exit_code, read_inputs, render, verify};
