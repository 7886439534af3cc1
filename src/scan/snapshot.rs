//! Snapshot files and directories (`jitgap scan --from PATH`), in the shapes `jitgap collect`
//! writes. The layout is driven by what each scanner declares:
//! ```text
//! manifest.json                          optional: {"collected_at": "...", "jitgap_version": "..."}
//! <boundary>/<scope>/<document>          each scanner's documents (Scanner::documents)
//! ledger/*.jsonl                         JIT ledger files (the neutral format)
//! ```
//! A document whose name only one scanner declares is recognised in any folder (a folder
//! holding `authorization-details.json` is one AWS scope); a lone file is accepted when a
//! scanner reads it on its own (`Scanner::accepts_file`).

use super::Doc;
use super::registry::Registry;
use super::scanner::{Origin, RawScope, Scanner};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: {message}")]
    Input { path: String, message: String },
}

fn input(path: impl AsRef<Path>, message: impl Into<String>) -> SnapshotError {
    SnapshotError::Input {
        path: path.as_ref().display().to_string(),
        message: message.into(),
    }
}

/// Raw documents found in a snapshot, one [`RawScope`] per scope folder.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub scopes: Vec<RawScope>,
    /// Ledger files (`ledger/*.jsonl`) found in the snapshot directory.
    pub ledgers: Vec<PathBuf>,
    pub collected_at: Option<DateTime<Utc>>,
}

const MANIFEST: &str = "manifest.json";

/// The folders walked below a snapshot root: `<boundary>/<scope>/` and a little slack.
const MAX_DEPTH: usize = 4;

/// Load `--from PATH`: a snapshot directory or a single file a scanner reads on its own.
pub fn load_snapshot(path: &Path, registry: &Registry) -> Result<Snapshot, SnapshotError> {
    let meta = std::fs::metadata(path).map_err(|e| input(path, format!("cannot read: {e}")))?;
    let mut files = Vec::new();
    if meta.is_dir() {
        walk(path, 0, registry, &mut files)?;
        if files.is_empty() {
            return Err(input(
                path,
                format!(
                    "no snapshot documents found (expected {}; see `jitgap collect --help`)",
                    expected(registry)
                ),
            ));
        }
    } else {
        files.push(path.to_path_buf());
    }
    let mut entries = Vec::new();
    for f in files {
        let declared =
            is_document(registry, &name_of(&f)) || name_of(&f) == MANIFEST || !meta.is_dir();
        match std::fs::read_to_string(&f) {
            Ok(text) => entries.push((f.display().to_string(), f, text)),
            // A file no scanner declares is only looked at; one that cannot be read is not ours.
            Err(_) if !declared && !name_of(&f).ends_with(".jsonl") => {}
            Err(e) => return Err(input(&f, format!("cannot read: {e}"))),
        }
    }
    let snap = assemble(entries, !meta.is_dir(), registry)?;
    if meta.is_dir() && snap.scopes.is_empty() && snap.ledgers.is_empty() {
        return Err(input(
            path,
            format!(
                "no snapshot documents found (expected {}; see `jitgap collect --help`)",
                expected(registry)
            ),
        ));
    }
    Ok(snap)
}

/// `aws/<scope>/authorization-details.json, postgres/<scope>/catalog.json, …`
fn expected(registry: &Registry) -> String {
    registry
        .scanners()
        .iter()
        .flat_map(|s| {
            s.documents()
                .iter()
                .filter(|d| d.required)
                .map(move |d| format!("{}/<scope>/{}", s.boundary(), d.name))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

fn is_document(registry: &Registry, name: &str) -> bool {
    registry
        .scanners()
        .iter()
        .any(|s| s.documents().iter().any(|d| d.name == name))
}

fn walk(
    dir: &Path,
    depth: usize,
    registry: &Registry,
    out: &mut Vec<PathBuf>,
) -> Result<(), SnapshotError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| input(dir, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = name_of(&p);
        if p.is_dir() {
            walk(&p, depth + 1, registry, out)?;
        } else if is_document(registry, &name)
            || name.ends_with(".json")
            || (name.ends_with(".jsonl") && p.parent().is_some_and(|d| name_of(d) == "ledger"))
            || (depth == 0 && name == MANIFEST)
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Which scanner a document in a folder belongs to: the one its grandparent folder names,
/// else the only scanner that declares a document of this name.
fn owner(
    registry: &Registry,
    path: &Path,
    name: &str,
) -> Option<(&'static dyn Scanner, &'static str)> {
    let declares = |s: &'static dyn Scanner| {
        s.documents()
            .iter()
            .find(|d| d.name == name)
            .map(|d| (s, d.name))
    };
    let grand = path.parent().and_then(Path::parent).map(name_of);
    if let Some(s) = grand.as_deref().and_then(|g| registry.find_name(g))
        && let Some(hit) = declares(s)
    {
        return Some(hit);
    }
    let mut all = registry.scanners().iter().filter_map(|s| declares(*s));
    match (all.next(), all.next()) {
        (Some(hit), None) => Some(hit),
        _ => None,
    }
}

fn manifest_time(shown: &str, text: &str) -> Result<Option<DateTime<Utc>>, SnapshotError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        input(
            shown,
            format!("line {} column {}: {e}", e.line(), e.column()),
        )
    })?;
    let Some(t) = v.get("collected_at").and_then(|t| t.as_str()) else {
        return Ok(None);
    };
    crate::time::parse_timestamp(t).map(Some).ok_or_else(|| {
        input(
            shown,
            format!("/collected_at: `{t}` is not an RFC 3339 timestamp"),
        )
    })
}

/// A file whose name no scanner (or more than one) declares, claimed by what it holds
/// (`Scanner::claim_file`: a `kubectl get -o json` output of any name).
fn claimed(registry: &Registry, text: &str) -> Option<(&'static dyn Scanner, &'static str)> {
    registry
        .scanners()
        .iter()
        .find_map(|s| s.claim_file(text).map(|d| (*s, d)))
}

/// A lone file: the scanner that reads it on its own makes it one scope.
fn lone_file(
    registry: &Registry,
    shown: String,
    path: &Path,
    text: String,
) -> Result<RawScope, SnapshotError> {
    let name = name_of(path);
    for s in registry.scanners() {
        if let Some(doc) = s.accepts_file(&name, &text) {
            let dir = path.parent().map(name_of).unwrap_or_default();
            let mut raw = RawScope::new(s.boundary(), String::new(), Origin::File);
            raw.put(doc, Doc::new(shown, text));
            raw.scope = s.snapshot_scope(&dir, &raw);
            return Ok(raw);
        }
    }
    let kinds: Vec<&str> = registry
        .scanners()
        .iter()
        .filter_map(|s| s.lone_file())
        .collect();
    Err(input(
        &shown,
        format!(
            "not {}; pass that or a snapshot directory (see `jitgap collect --help`)",
            if kinds.is_empty() {
                "a file jitgap reads on its own".to_string()
            } else {
                kinds.join(", nor ")
            }
        ),
    ))
}

/// Group documents (display name, path, text) into scopes. Shared by files on disk and the demo.
pub(crate) fn assemble(
    entries: Vec<(String, PathBuf, String)>,
    single_file: bool,
    registry: &Registry,
) -> Result<Snapshot, SnapshotError> {
    let mut snap = Snapshot::default();
    if single_file {
        for (shown, path, text) in entries {
            snap.scopes.push(lone_file(registry, shown, &path, text)?);
        }
        return Ok(snap);
    }
    // (Scope folder, boundary) → (scanner, raw), in path order.
    let mut scopes: BTreeMap<(PathBuf, String), (&'static dyn Scanner, RawScope)> = BTreeMap::new();
    for (shown, path, text) in entries {
        let name = name_of(&path);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if name.ends_with(".jsonl") {
            snap.ledgers.push(path.clone());
            continue;
        }
        if name == MANIFEST && !is_document(registry, &name) {
            snap.collected_at = manifest_time(&shown, &text)?;
            continue;
        }
        let Some((scanner, doc)) =
            owner(registry, &path, &name).or_else(|| claimed(registry, &text))
        else {
            continue; // a `catalog.json` outside `postgres/` or `mysql/`: nobody's document
        };
        scanner
            .check_document(doc, &text)
            .map_err(|message| input(&shown, message))?;
        let slot = scopes
            .entry((dir, scanner.boundary().to_string()))
            .or_insert_with(|| {
                (
                    scanner,
                    RawScope::new(scanner.boundary(), String::new(), Origin::File),
                )
            });
        if let Some(held) = slot
            .1
            .document(doc)
            .filter(|_| slot.0.boundary() == scanner.boundary())
        {
            return Err(input(
                &shown,
                format!(
                    "holds the same {} objects as {} in one folder; keep one file per kind, or one `kubectl get A,B -o json` of several kinds",
                    doc.trim_end_matches(".json"),
                    held.source
                ),
            ));
        }
        slot.1.put(doc, Doc::new(shown, text));
    }
    let folders: Vec<PathBuf> = scopes.keys().map(|(d, _)| d.clone()).collect();
    for ((dir, _), (scanner, mut raw)) in scopes {
        // A file that only shares a name with another scanner's optional document (a
        // `notes.json` beside kubectl outputs) does not make a second scope of the folder.
        let shared = folders.iter().filter(|d| **d == dir).count() > 1;
        let only_optional = raw.documents.iter().all(|(n, _)| {
            scanner
                .documents()
                .iter()
                .any(|d| d.name == *n && !d.required)
        });
        let missing: Vec<&str> = scanner
            .documents()
            .iter()
            .filter(|d| d.required && raw.document(d.name).is_none())
            .map(|d| d.name)
            .collect();
        if !missing.is_empty() && shared && only_optional {
            continue;
        }
        if !missing.is_empty() {
            let present: Vec<&str> = raw.documents.iter().map(|(n, _)| *n).collect();
            return Err(input(
                &dir,
                format!(
                    "has {} but no {}: a {} scope needs it (see `jitgap collect --help`)",
                    present.join(" and "),
                    missing.join(" or "),
                    scanner.boundary()
                ),
            ));
        }
        raw.scope = scanner.snapshot_scope(&name_of(&dir), &raw);
        snap.scopes.push(raw);
    }
    Ok(snap)
}
