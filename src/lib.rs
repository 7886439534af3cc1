//! jitgap: find the standing privileges hiding behind a just-in-time access programme
//! for non-human identities, across cloud, database and SaaS boundaries.
//!
//! Data flow (design.md §4): collect or load raw documents → normalize (pure) into an
//! [`model::Inventory`] → checks from `rules/` turn it into findings → a [`report::Report`]
//! → renderers and the CI gate.

pub mod app;
pub mod checks;
pub mod classify;
pub mod cli;
pub mod config;
pub(crate) mod db_tls;
pub mod demo;
mod error_chain;
pub mod finding;
pub mod gate;
pub(crate) mod hash;
pub mod history;
pub mod ledger;
mod memory;
pub mod model;
pub mod net;
mod phases;
pub mod policy;
pub mod redact;
pub mod report;
pub mod revocation;
pub mod rules;
pub mod scan;
pub mod time;
