//! Files read from disk: a snapshot directory through `load_snapshot` (the manifest and the
//! scanners' documents, bytes as written), `jitgap.toml`, and a rules directory with a bad file.

use crate::mutate::{Bytes, Shape, inputs, text};
use crate::scanners::{Part, check_scope, has_line_column};
use jitgap::config::Config;
use jitgap::scan::{Registry, load_snapshot};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

const MANIFEST: &str = include_str!("../../demo/manifest.json");
const GAAD: &str = include_str!("../../demo/aws/222233334444/authorization-details.json");
const PG: &str = include_str!("../../demo/postgres/db.prod.internal_5432_app/catalog.json");
const README: &str = include_str!("../../README.md");
const AWS_RULES: &str = include_str!("../../rules/aws.toml");
const LEDGER_RULES: &str = include_str!("../../rules/ledger.toml");
const POLICY: &str = include_str!("../../rules/policy.toml");
const FRAMEWORKS: &str = include_str!("../../rules/frameworks.toml");

/// The snapshot files, relative to the root, with their valid text.
const SNAPSHOT: &[(&str, &str)] = &[
    ("manifest.json", MANIFEST),
    ("aws/222233334444/authorization-details.json", GAAD),
    ("postgres/db_5432_app/catalog.json", PG),
];

/// The `jitgap.toml` example of the README's Configuration section.
fn config_seed() -> &'static str {
    let start = README
        .find("```toml\n[policy]")
        .expect("README has a jitgap.toml example")
        + "```toml\n".len();
    let len = README[start..].find("```").unwrap();
    &README[start..start + len]
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    if let Some(parent) = path.parent().filter(|p| !p.exists()) {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}

/// Puts a snapshot file's valid text back when a case ends, however it ends.
struct Restore(PathBuf, &'static str);

impl Drop for Restore {
    fn drop(&mut self) {
        std::fs::write(&self.0, self.1).unwrap();
    }
}

/// Removes a file when a case ends.
struct Remove(PathBuf);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn snapshot_input() -> impl Strategy<Value = (usize, Bytes)> {
    prop_oneof![
        inputs(MANIFEST, Shape::Json).prop_map(|d| (0, d)),
        inputs(GAAD, Shape::Json).prop_map(|d| (1, d)),
        inputs(PG, Shape::Json).prop_map(|d| (2, d)),
    ]
}

fn rules_input() -> impl Strategy<Value = (&'static str, Bytes)> {
    prop_oneof![
        3 => inputs(AWS_RULES, Shape::Toml).prop_map(|d| ("aws.toml", d)),
        2 => inputs(LEDGER_RULES, Shape::Toml).prop_map(|d| ("ledger.toml", d)),
        2 => inputs(POLICY, Shape::Toml).prop_map(|d| ("policy.toml", d)),
        1 => inputs(FRAMEWORKS, Shape::Toml).prop_map(|d| ("frameworks.toml", d)),
    ]
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn snapshot_loader((which, doc) in snapshot_input()) {
        static DIR: OnceLock<TempDir> = OnceLock::new();
        let dir = DIR.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            for (rel, seed) in SNAPSHOT {
                write(dir.path(), rel, seed.as_bytes());
            }
            dir
        });
        let _restore = Restore(dir.path().join(SNAPSHOT[which].0), SNAPSHOT[which].1);
        write(dir.path(), SNAPSHOT[which].0, &doc);
        let bad = dir.path().join(SNAPSHOT[which].0).display().to_string();
        let registry = Registry::builtin();
        let utf8 = std::str::from_utf8(&doc).is_ok();
        match load_snapshot(dir.path(), &registry) {
            Err(e) => {
                let e = e.to_string();
                prop_assert!(e.starts_with(&bad), "error does not name {bad}: {e}");
                if which == 0 && utf8 && serde_json::from_slice::<serde_json::Value>(&doc).is_err() {
                    prop_assert!(has_line_column(&e), "{e}");
                }
            }
            Ok(snap) => {
                prop_assert!(utf8, "{bad} is not UTF-8 but was read");
                prop_assert_eq!(snap.scopes.len(), 2);
                for raw in &snap.scopes {
                    let scanner = registry.find(raw.boundary).unwrap();
                    let parts: Vec<Part> = raw
                        .documents
                        .iter()
                        .map(|(name, d)| Part { name, source: d.source.clone(), text: d.text.clone() })
                        .collect();
                    let mutated = parts.iter().position(|p| p.source == bad).unwrap_or(0);
                    check_scope(scanner, &raw.scope, &parts, mutated, true)?;
                }
            }
        }
    }

    #[test]
    fn config_file(doc in inputs(config_seed(), Shape::Toml)) {
        let text = text(&doc);
        if let Err(errors) = Config::parse("conf/jitgap.toml", &text) {
            prop_assert!(!errors.0.is_empty());
            let lines = text.split('\n').count();
            for e in &errors.0 {
                prop_assert_eq!(&e.file, "conf/jitgap.toml");
                prop_assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}: {e}", e.line);
                prop_assert!(e.column >= 1, "{e}");
                prop_assert!(e.to_string().starts_with("conf/jitgap.toml:"), "{e}");
            }
        }
    }

    #[test]
    fn rules_file((name, doc) in rules_input()) {
        // One directory, one file in it at a time.
        static DIR: OnceLock<TempDir> = OnceLock::new();
        let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
        write(dir.path(), name, &doc);
        let _remove = Remove(dir.path().join(name));
        let bad = dir.path().join(name).display().to_string();
        if let Err(errors) = Registry::builtin().rules(Some(dir.path())) {
            prop_assert!(!errors.is_empty());
            let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
            for e in &shown {
                prop_assert!(
                    e.starts_with(&bad) || e.starts_with("rules/"),
                    "an error that names no rules file: {e}"
                );
            }
            let unreadable = std::str::from_utf8(&doc)
                .map(|t| toml::from_str::<toml::Table>(t).is_err())
                .unwrap_or(true);
            if unreadable {
                prop_assert!(shown.iter().any(|e| e.starts_with(&bad)), "{shown:?}");
            }
        }
    }
}
