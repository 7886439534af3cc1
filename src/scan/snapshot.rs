//! Snapshot files and directories (`jitgap scan --from PATH`), in the shapes `jitgap collect` writes.
//!
//! Layout of a snapshot directory:
//! ```text
//! manifest.json                          optional: {"collected_at": "...", "jitgap_version": "..."}
//! aws/<account>/authorization-details.json
//! aws/<account>/credential-report.csv    optional
//! aws/<account>/access-keys.json         optional
//! postgres/<cluster>/catalog.json        PostgreSQL catalog rows, as `jitgap collect --postgres-url` writes them
//! mysql/<server>/catalog.json            MySQL/MariaDB catalog rows, as `jitgap collect --mysql-url` writes them
//! ledger/*.jsonl                         JIT ledger files (the neutral format)
//! ```
//! A single `authorization-details.json` file, or a directory holding one, also works.

use super::Doc;
use super::aws::raw::{ACCESS_KEYS, AUTHORIZATION_DETAILS, AwsRaw, CREDENTIAL_REPORT};
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

/// Raw documents found in a snapshot, grouped per scope.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub aws: Vec<AwsRaw>,
    pub postgres: Vec<crate::scan::postgres::PostgresRaw>,
    pub mysql: Vec<crate::scan::mysql::MysqlRaw>,
    /// Ledger files (`ledger/*.jsonl`) found in the snapshot directory.
    pub ledgers: Vec<PathBuf>,
    pub collected_at: Option<DateTime<Utc>>,
}

/// `postgres` or `mysql` when `path` is `<boundary>/<name>/catalog.json`.
fn database_boundary(path: &Path) -> Option<&'static str> {
    if path.file_name()? != "catalog.json" {
        return None;
    }
    match path.parent()?.parent()?.file_name()?.to_str()? {
        "postgres" => Some("postgres"),
        "mysql" => Some("mysql"),
        _ => None,
    }
}

/// The scope a database catalog belongs to: its own `scope` field, else its directory name.
fn catalog_scope(dir: &Path, text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("scope").and_then(|s| s.as_str()).map(str::to_string))
        .unwrap_or_else(|| {
            dir.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        })
}

const MANIFEST: &str = "manifest.json";

/// Does this JSON text look like an authorization-details export? (sniffs the start only)
fn looks_like_gaad(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    [
        "\"UserDetailList\"",
        "\"RoleDetailList\"",
        "\"GroupDetailList\"",
        "\"Policies\"",
    ]
    .iter()
    .any(|k| head.contains(k))
}

/// Load `--from PATH`: a snapshot directory or a single authorization-details file.
pub fn load_snapshot(path: &Path) -> Result<Snapshot, SnapshotError> {
    let meta = std::fs::metadata(path).map_err(|e| input(path, format!("cannot read: {e}")))?;
    let mut files = Vec::new();
    if meta.is_dir() {
        walk(path, 0, &mut files)?;
        if files.is_empty() {
            return Err(input(
                path,
                format!(
                    "no snapshot documents found (expected aws/<account>/{AUTHORIZATION_DETAILS}, postgres/<cluster>/catalog.json or mysql/<server>/catalog.json; see `jitgap collect --help`)"
                ),
            ));
        }
    } else {
        files.push(path.to_path_buf());
    }
    let mut entries = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(&f).map_err(|e| input(&f, format!("cannot read: {e}")))?;
        entries.push((f.display().to_string(), f, text));
    }
    let single_file = !meta.is_dir();
    assemble(entries, single_file)
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), SnapshotError> {
    if depth > 4 {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| input(dir, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if p.is_dir() {
            walk(&p, depth + 1, out)?;
        } else if [AUTHORIZATION_DETAILS, CREDENTIAL_REPORT, ACCESS_KEYS].contains(&name.as_str())
            || database_boundary(&p).is_some()
            || (name.ends_with(".jsonl")
                && p.parent()
                    .and_then(|d| d.file_name())
                    .is_some_and(|d| d == "ledger"))
            || (depth == 0 && name == MANIFEST)
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Group documents (display name, path, text) into scopes. Shared by files on disk and the demo.
pub(crate) fn assemble(
    entries: Vec<(String, PathBuf, String)>,
    single_file: bool,
) -> Result<Snapshot, SnapshotError> {
    let mut snap = Snapshot::default();
    let mut aws: BTreeMap<PathBuf, AwsRaw> = BTreeMap::new();
    for (shown, path, text) in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if !single_file && name.ends_with(".jsonl") {
            snap.ledgers.push(path.clone());
            continue;
        }
        if !single_file && let Some(b) = database_boundary(&path) {
            let scope = catalog_scope(&dir, &text);
            let doc = Doc::new(shown.clone(), text);
            if b == "postgres" {
                snap.postgres.push(crate::scan::postgres::PostgresRaw {
                    scope,
                    catalog: Some(doc),
                    errors: vec![],
                });
            } else {
                snap.mysql.push(crate::scan::mysql::MysqlRaw {
                    scope,
                    catalog: Some(doc),
                    errors: vec![],
                });
            }
            continue;
        }
        if name == MANIFEST && !single_file {
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                input(
                    &shown,
                    format!("line {} column {}: {e}", e.line(), e.column()),
                )
            })?;
            if let Some(t) = v.get("collected_at").and_then(|t| t.as_str()) {
                snap.collected_at = Some(crate::time::parse_timestamp(t).ok_or_else(|| {
                    input(
                        &shown,
                        format!("/collected_at: `{t}` is not an RFC 3339 timestamp"),
                    )
                })?);
            }
            continue;
        }
        let doc = Doc::new(shown.clone(), text);
        let is_json = name.ends_with(".json");
        if single_file && (!is_json || !looks_like_gaad(&doc.text)) {
            return Err(input(
                &shown,
                "not an AWS authorization-details export (no UserDetailList, RoleDetailList or Policies key); \
                     pass the JSON of `aws iam get-account-authorization-details` or a snapshot directory",
            ));
        }
        let slot = aws.entry(dir.clone()).or_insert_with(|| AwsRaw {
            scope_hint: dir
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .filter(|n| n.len() == 12 && n.chars().all(|c| c.is_ascii_digit())),
            ..Default::default()
        });
        match name.as_str() {
            CREDENTIAL_REPORT => slot.credential_report = Some(doc),
            ACCESS_KEYS => slot.access_keys = Some(doc),
            _ => {
                if !looks_like_gaad(&doc.text) && !doc.text.trim().is_empty() {
                    return Err(input(
                        &shown,
                        "not an AWS authorization-details export (no UserDetailList, RoleDetailList or Policies key)",
                    ));
                }
                slot.authorization_details = Some(doc)
            }
        }
    }
    for (dir, raw) in aws {
        if raw.authorization_details.is_none() {
            return Err(input(
                &dir,
                format!(
                    "has {} but no {AUTHORIZATION_DETAILS}: the credential documents need the export they belong to",
                    [raw.credential_report.as_ref(), raw.access_keys.as_ref()]
                        .iter()
                        .flatten()
                        .map(|d| d.source.rsplit('/').next().unwrap_or(""))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            ));
        }
        snap.aws.push(raw);
    }
    Ok(snap)
}
