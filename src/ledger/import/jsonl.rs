//! The neutral ledger as an importer (`--ledger PATH` or `--ledger jsonl:PATH`).
//!
//! Source checked: the format is jitgap's own (design.md §3, `src/ledger/grant.rs`,
//! `schemas/ledger.schema.json`); parsing lives in `ledger/format.rs`.

use super::{Doc, ImportKind, Importer};
use crate::ledger::format::parse_jsonl;
use crate::ledger::{Grant, LedgerError};

/// Reads `*.jsonl` ledgers, one grant per line.
pub struct Jsonl;

impl Importer for Jsonl {
    const KIND: ImportKind = ImportKind::Jsonl;
    const SUFFIXES: &'static [&'static str] = &[".jsonl"];

    fn import(docs: &[Doc]) -> Result<Vec<Grant>, LedgerError> {
        let mut grants = Vec::new();
        for doc in docs {
            grants.extend(parse_jsonl(&doc.name, &doc.text)?);
        }
        Ok(grants)
    }
}
