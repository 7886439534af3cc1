//! The ledger JSON Lines and each file importer (CloudTrail, Vault audit, Teleport): in memory,
//! and from a file on disk so invalid UTF-8 and compressed bytes reach the reader.

use crate::mutate::{Bytes, Shape, inputs, text};
use jitgap::ledger::import::{Doc, ImportKind, Importer};
use jitgap::ledger::import::{cloudtrail, teleport, vault_audit};
use jitgap::ledger::{Grant, LedgerError, import_file, parse_jsonl};
use proptest::prelude::*;
use std::sync::OnceLock;
use tempfile::TempDir;

const DEMO_LEDGER: &str = include_str!("../../demo/ledger/ledger.jsonl");
const LEDGER: &str = include_str!("../fixtures/ledger/jsonl/ledger.jsonl");
const TRAIL: &str = include_str!("../fixtures/ledger/cloudtrail/jit-admin-trail.json");
const LOOKUP: &str = include_str!("../fixtures/ledger/cloudtrail/lookup-events.json");
const VAULT_AUDIT: &str = include_str!("../fixtures/ledger/vault_audit/audit.log");
const TELEPORT: &str = include_str!("../fixtures/ledger/teleport/events.jsonl");

/// A rejected ledger names the document, and a line inside it when it gives one.
fn check_error(e: &LedgerError, names: &[&str], text: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        names.contains(&e.file.as_str()),
        "error names {} instead of {names:?}: {e}",
        e.file
    );
    prop_assert!(e.to_string().starts_with(&e.file), "{e}");
    prop_assert!(!e.message.is_empty());
    if let Some(line) = e.line {
        prop_assert!(
            line >= 1 && line <= text.split('\n').count(),
            "line {line} is not in the document: {e}"
        );
    }
    Ok(())
}

/// Accepted grants have an id; an importer's cite only the documents read (the neutral
/// ledger carries the broker's own evidence).
fn check_grants(kind: ImportKind, grants: &[Grant], names: &[&str]) -> Result<(), TestCaseError> {
    for g in grants {
        prop_assert!(
            !g.grant_id.trim().is_empty(),
            "a grant without an id: {g:?}"
        );
        if kind == ImportKind::Jsonl {
            continue;
        }
        for ev in &g.evidence {
            prop_assert!(
                names.contains(&ev.source.as_str()),
                "evidence cites {}",
                ev.source
            );
        }
    }
    Ok(())
}

fn import(kind: ImportKind, docs: &[Doc]) -> Result<Vec<Grant>, LedgerError> {
    match kind {
        ImportKind::Cloudtrail => cloudtrail::import_docs(docs).map(|i| i.grants),
        ImportKind::VaultAudit => vault_audit::import_docs(docs).map(|i| i.grants),
        ImportKind::Teleport => teleport::import_docs(docs).map(|i| {
            let mut all = i.grants;
            all.extend(i.not_granted);
            all
        }),
        _ => jitgap::ledger::import::jsonl::Jsonl::import(docs),
    }
}

fn check_import(kind: ImportKind, doc: &[u8]) -> Result<(), TestCaseError> {
    let name = format!("ledger/{kind}.in");
    let docs = [Doc::new(name.as_str(), text(doc))];
    match import(kind, &docs) {
        Ok(grants) => check_grants(kind, &grants, &[&name]),
        Err(e) => check_error(&e, &[&name], &docs[0].text),
    }
}

fn native() -> impl Strategy<Value = (ImportKind, Bytes)> {
    prop_oneof![
        inputs(DEMO_LEDGER, Shape::JsonLines).prop_map(|d| (ImportKind::Jsonl, d)),
        inputs(TRAIL, Shape::Json).prop_map(|d| (ImportKind::Cloudtrail, d)),
        inputs(LOOKUP, Shape::Json).prop_map(|d| (ImportKind::Cloudtrail, d)),
        inputs(VAULT_AUDIT, Shape::JsonLines).prop_map(|d| (ImportKind::VaultAudit, d)),
        inputs(TELEPORT, Shape::JsonLines).prop_map(|d| (ImportKind::Teleport, d)),
    ]
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn ledger_jsonl(
        doc in prop_oneof![inputs(DEMO_LEDGER, Shape::JsonLines), inputs(LEDGER, Shape::JsonLines)]
    ) {
        let text = text(&doc);
        match parse_jsonl("ledger/grants.jsonl", &text) {
            Ok(grants) => {
                check_grants(ImportKind::Jsonl, &grants, &["ledger/grants.jsonl"])?;
                for g in &grants {
                    prop_assert_eq!(g.ledger_version, 1);
                }
            }
            Err(e) => {
                prop_assert!(e.line.is_some(), "no line: {e}");
                check_error(&e, &["ledger/grants.jsonl"], &text)?;
            }
        }
    }

    #[test]
    fn cloudtrail_import(
        doc in prop_oneof![inputs(TRAIL, Shape::Json), inputs(LOOKUP, Shape::Json)]
    ) {
        check_import(ImportKind::Cloudtrail, &doc)?;
    }

    #[test]
    fn vault_audit_import(doc in inputs(VAULT_AUDIT, Shape::JsonLines)) {
        check_import(ImportKind::VaultAudit, &doc)?;
    }

    #[test]
    fn teleport_import(doc in inputs(TELEPORT, Shape::JsonLines)) {
        check_import(ImportKind::Teleport, &doc)?;
    }

    /// From disk: the bytes as written, invalid UTF-8 and a gzip header included.
    #[test]
    fn ledger_files((kind, doc) in native(), gzip in proptest::bool::weighted(0.05)) {
        static DIR: OnceLock<TempDir> = OnceLock::new();
        let path = DIR.get_or_init(|| tempfile::tempdir().unwrap()).path().join("source.json");
        let mut bytes = doc.0;
        if gzip {
            bytes.splice(0..0, [0x1f, 0x8b]);
        }
        std::fs::write(&path, &bytes).unwrap();
        let shown = path.display().to_string();
        match import_file(kind, &path) {
            Ok(grants) => check_grants(kind, &grants, &[&shown])?,
            Err(e) => {
                prop_assert_eq!(&e.file, &shown);
                if gzip || std::str::from_utf8(&bytes).is_err() {
                    prop_assert!(e.line.is_none(), "{e}");
                }
                if let Some(line) = e.line {
                    prop_assert!(line >= 1 && line <= text(&bytes).split('\n').count(), "{e}");
                }
            }
        }
    }
}
