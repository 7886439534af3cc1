//! Importers: native records of JIT brokers and audit logs turned into neutral [`Grant`]s.
//!
//! `--ledger [KIND:]PATH` names one source ([`parse_spec`]); without a known `KIND:` prefix the
//! path is the neutral JSON Lines ledger. File-based kinds go through [`import_file`], which reads
//! the documents (a file, a directory, or `-` for standard input) and hands them to the kind's
//! [`Importer`]:
//!
//! | kind          | reads                                                                  |
//! |---------------|------------------------------------------------------------------------|
//! | `jsonl`       | the neutral ledger (`*.jsonl` in a directory)                          |
//! | `cloudtrail`  | CloudTrail log files (`{"Records": […]}`) or `aws cloudtrail lookup-events` output (`*.json`), not gzip |
//! | `vault-audit` | the Vault file audit device (JSON lines; `*.log`, `*.json`, `*.jsonl`) |
//! | `teleport`    | Teleport audit events, JSON lines or a JSON array                      |
//! | `azure-pim`   | Azure PIM `roleAssignmentScheduleRequests` (ARM or Graph, as `az rest` saves them) |
//! | `gcp-pam`     | Google Cloud PAM grants (`grants.list` pages, `gcloud pam grants list` output, a snapshot's `gcp/<project>/pam-grants.json`) |
//! | `github-audit` | GitHub organization audit-log events (`gh api /orgs/ORG/audit-log`, `--paginate` pages back to back, or JSON Lines) |
//! | `vault`       | the live Vault API (`VAULT_ADDR`, `VAULT_TOKEN`), not a file: [`vault`] |
//!
//! # Adding an importer
//!
//! 1. Add a variant to [`ImportKind`] with its spelling in `as_str` (e.g. `gcp-pam`).
//! 2. Create `import/<name>.rs` with a comment naming the documentation or source code the native
//!    shape was checked against, a unit struct and `impl Importer for It`: `KIND`, the file-name
//!    `SUFFIXES` read from a directory, and `import(docs)`, which gets every document of the
//!    source at once (CloudTrail pairs an attach in one file with a detach in another). It builds
//!    grants with [`new_grant`] (boundary, scope and identity as jitgap names them elsewhere, so
//!    the reconciler can match them) and evidence with [`evidence`] (document, JSON pointer or
//!    `line N`, a short excerpt; the excerpt is redacted, but copy no secret-bearing field into
//!    it in the first place). Fields the native record does not carry stay empty: the
//!    `untraceable` check reports them. Errors name the document and, where one is to blame,
//!    the line ([`LedgerError`]). Helpers: [`read_docs`], `json_items` (JSON array or JSON
//!    Lines), `text` and `time_at` (values at a JSON pointer).
//! 3. Add the arm to [`import_file`], fixtures under `tests/fixtures/ledger/<name>/` in the
//!    documented native shape, and a case in `tests/ledger_import.rs`.

pub mod azure_pim;
mod azure_pim_request;
pub mod cloudtrail;
pub mod gcp_pam;
mod gcp_pam_grant;
pub mod github_audit;
mod github_audit_event;
pub mod jsonl;
pub mod teleport;
pub mod vault;
pub mod vault_audit;

use super::format::{content_lines, json_message};
use super::{Grant, LEDGER_VERSION, LedgerError};
use crate::model::{Boundary, Evidence};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Which reader a `--ledger` source needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImportKind {
    Jsonl,
    Cloudtrail,
    VaultAudit,
    Vault,
    Teleport,
    AzurePim,
    GcpPam,
    GithubAudit,
}

impl ImportKind {
    pub const ALL: &'static [ImportKind] = &[
        ImportKind::Jsonl,
        ImportKind::Cloudtrail,
        ImportKind::VaultAudit,
        ImportKind::Vault,
        ImportKind::Teleport,
        ImportKind::AzurePim,
        ImportKind::GcpPam,
        ImportKind::GithubAudit,
    ];

    /// The spelling in `--ledger KIND:PATH`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Jsonl => "jsonl",
            ImportKind::Cloudtrail => "cloudtrail",
            ImportKind::VaultAudit => "vault-audit",
            ImportKind::Vault => "vault",
            ImportKind::Teleport => "teleport",
            ImportKind::AzurePim => "azure-pim",
            ImportKind::GcpPam => "gcp-pam",
            ImportKind::GithubAudit => "github-audit",
        }
    }

    /// Whether [`import_file`] reads this kind (every kind but the live `vault` API).
    pub fn reads_files(self) -> bool {
        self != ImportKind::Vault
    }
}

impl std::fmt::Display for ImportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--from` or `--ledger KIND:` word that names no importer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a ledger kind; use one of: {kinds}", kinds = kinds())]
pub struct UnknownImportKind(pub String);

fn kinds() -> String {
    let kinds: Vec<&str> = ImportKind::ALL.iter().map(|k| k.as_str()).collect();
    kinds.join(", ")
}

impl FromStr for ImportKind {
    type Err = UnknownImportKind;

    fn from_str(s: &str) -> Result<Self, UnknownImportKind> {
        ImportKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownImportKind(s.to_string()))
    }
}

/// Split `--ledger [KIND:]PATH`. The prefix is taken as a kind only when it is one, so
/// `ledgers/2026:09.jsonl` stays a path; without a kind the source is the neutral `jsonl` ledger.
pub fn parse_spec(spec: &str) -> (ImportKind, String) {
    if let Some((prefix, rest)) = spec.split_once(':')
        && let Ok(kind) = prefix.parse::<ImportKind>()
    {
        return (kind, rest.to_string());
    }
    (ImportKind::Jsonl, spec.to_string())
}

/// A reader of one native format.
pub trait Importer {
    /// The kind this importer serves.
    const KIND: ImportKind;
    /// Endings of the file names read from a directory (`.json`, `.log`, …).
    const SUFFIXES: &'static [&'static str];
    /// Turn the documents of one source into grants.
    fn import(docs: &[Doc]) -> Result<Vec<Grant>, LedgerError>;
}

/// Read the grants of a file-based source: a file, a directory or `-` (standard input).
pub fn import_file(kind: ImportKind, path: &Path) -> Result<Vec<Grant>, LedgerError> {
    match kind {
        ImportKind::Jsonl => run::<jsonl::Jsonl>(path),
        ImportKind::Cloudtrail => run::<cloudtrail::CloudTrail>(path),
        ImportKind::VaultAudit => run::<vault_audit::VaultAudit>(path),
        ImportKind::Teleport => run::<teleport::Teleport>(path),
        ImportKind::AzurePim => run::<azure_pim::AzurePim>(path),
        // A directory may be a snapshot: its gcp/<project>/pam-grants.json are read.
        ImportKind::GcpPam => Ok(gcp_pam::import_path(path)?.grants),
        ImportKind::GithubAudit => run::<github_audit::GithubAudit>(path),
        ImportKind::Vault => Err(LedgerError::in_file(
            path.display().to_string(),
            "the `vault` ledger reads the live Vault API (set VAULT_ADDR and VAULT_TOKEN), not a file; \
             for a file audit device log use `vault-audit:PATH`",
        )),
    }
}

fn run<I: Importer>(path: &Path) -> Result<Vec<Grant>, LedgerError> {
    I::import(&read_docs(path, I::SUFFIXES)?)
}

/// The name standard input goes by in errors and evidence.
pub const STDIN_NAME: &str = "<stdin>";

/// One document read from a source: the name errors and evidence cite, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub name: String,
    pub text: String,
}

impl Doc {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Doc {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Read the documents a source names: `-` (standard input), a file, or a directory, of which
/// every file whose name ends with one of `suffixes` is read, in name order. Gzip-compressed
/// files are refused with a hint (CloudTrail delivers `*.json.gz`: decompress them first).
pub fn read_docs(path: &Path, suffixes: &[&str]) -> Result<Vec<Doc>, LedgerError> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| LedgerError::in_file(STDIN_NAME, format!("cannot read: {e}")))?;
        return Ok(vec![Doc::new(STDIN_NAME, text)]);
    }
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| LedgerError::in_file(&shown, format!("cannot read: {e}")))?;
    if !meta.is_dir() {
        return Ok(vec![read_one(path)?]);
    }
    let list_error = |e: std::io::Error| LedgerError::in_file(&shown, format!("cannot list: {e}"));
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(path).map_err(list_error)? {
        let entry = entry.map_err(list_error)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let p = entry.path();
        if p.is_file() && !name.starts_with('.') && suffixes.iter().any(|s| name.ends_with(s)) {
            files.push(p);
        }
    }
    if files.is_empty() {
        let wanted: Vec<String> = suffixes.iter().map(|s| format!("*{s}")).collect();
        return Err(LedgerError::in_file(
            shown,
            format!(
                "the directory holds no {} file (compressed files such as *.json.gz must be decompressed first)",
                wanted.join(" or ")
            ),
        ));
    }
    files.sort();
    files.iter().map(|p| read_one(p)).collect()
}

fn read_one(path: &Path) -> Result<Doc, LedgerError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| LedgerError::in_file(&name, format!("cannot read: {e}")))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(LedgerError::in_file(
            name,
            "the file is gzip-compressed; decompress it first (gunzip -k FILE)",
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| LedgerError::in_file(&name, format!("not UTF-8 text: {e}")))?;
    Ok(Doc::new(name, text))
}

/// A grant with what every importer sets; the rest starts empty for the importer to fill.
pub fn new_grant(
    source: &str,
    grant_id: impl Into<String>,
    boundary: Boundary,
    scope: impl Into<String>,
    identity: impl Into<String>,
    entitlement: impl Into<String>,
) -> Grant {
    Grant {
        ledger_version: LEDGER_VERSION,
        grant_id: grant_id.into(),
        boundary,
        scope: scope.into(),
        identity: identity.into(),
        entitlement: entitlement.into(),
        target: String::new(),
        task: None,
        requested_by: None,
        approved_by: None,
        issued_at: None,
        expires_at: None,
        revoked_at: None,
        source: source.into(),
        labels: BTreeMap::new(),
        evidence: Vec::new(),
    }
}

/// Evidence pointing into a document (JSON pointer or `line N`), with a redacted excerpt.
pub fn evidence(doc: &Doc, pointer: &str, excerpt: &str) -> Evidence {
    Evidence::new(doc.name.clone(), pointer).with_excerpt(excerpt)
}

/// A non-empty string at a JSON pointer.
pub(crate) fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A timestamp at a JSON pointer: any RFC 3339 form (see [`crate::time::parse_timestamp`]).
/// Go's zero time (`0001-01-01T00:00:00Z`), which exporters write for "unset", is no time.
pub(crate) fn time_at(v: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    text(v, pointer)
        .and_then(crate::time::parse_timestamp)
        .filter(|t| t.timestamp() > 0)
}

/// RFC 3339 in seconds, as labels carry times.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One JSON object of a document and where it sits: `/N` in a JSON array, `line N` in JSON Lines.
pub(crate) struct Item {
    pub pointer: String,
    pub value: Value,
}

/// The objects of a document that is either a JSON array of objects or JSON Lines (blank lines
/// and `#` comments skipped). Errors name the document and line.
pub(crate) fn json_items(doc: &Doc) -> Result<Vec<Item>, LedgerError> {
    if doc.text.trim_start().starts_with('[') {
        let value: Value = serde_json::from_str(&doc.text).map_err(|e| {
            LedgerError::new(
                &doc.name,
                Some(e.line()).filter(|l| *l > 0),
                json_message(&e),
            )
        })?;
        let Value::Array(items) = value else {
            unreachable!("a document starting with `[` parses as an array")
        };
        return items
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                if value.is_object() {
                    Ok(Item {
                        pointer: format!("/{i}"),
                        value,
                    })
                } else {
                    Err(LedgerError::in_file(
                        &doc.name,
                        format!("/{i}: expected a JSON object"),
                    ))
                }
            })
            .collect();
    }
    let mut items = Vec::new();
    for (n, line) in content_lines(&doc.text) {
        let value: Value = serde_json::from_str(line)
            .map_err(|e| LedgerError::at_line(&doc.name, n, json_message(&e)))?;
        if !value.is_object() {
            return Err(LedgerError::at_line(&doc.name, n, "expected a JSON object"));
        }
        items.push(Item {
            pointer: format!("line {n}"),
            value,
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_errors_list_them() {
        for k in ImportKind::ALL {
            assert_eq!(k.as_str().parse::<ImportKind>().unwrap(), *k);
        }
        let e = "gcp".parse::<ImportKind>().unwrap_err().to_string();
        assert!(
            e.contains(
                "jsonl, cloudtrail, vault-audit, vault, teleport, azure-pim, gcp-pam, github-audit"
            ),
            "{e}"
        );
    }

    #[test]
    fn spec_splits_only_on_a_known_kind() {
        assert_eq!(
            parse_spec("ledger.jsonl"),
            (ImportKind::Jsonl, "ledger.jsonl".into())
        );
        assert_eq!(
            parse_spec("cloudtrail:ct/2026:09.json"),
            (ImportKind::Cloudtrail, "ct/2026:09.json".into())
        );
        assert_eq!(
            parse_spec("vault-audit:-"),
            (ImportKind::VaultAudit, "-".into())
        );
        assert_eq!(
            parse_spec("exports/2026:09.jsonl"),
            (ImportKind::Jsonl, "exports/2026:09.jsonl".into())
        );
        assert_eq!(
            parse_spec("gcp-pam:x.json"),
            (ImportKind::GcpPam, "x.json".into())
        );
        assert_eq!(
            parse_spec("github-audit:audit.json"),
            (ImportKind::GithubAudit, "audit.json".into())
        );
        assert_eq!(
            parse_spec("gcp-pim:x.json"),
            (ImportKind::Jsonl, "gcp-pim:x.json".into())
        );
    }

    #[test]
    fn vault_kind_points_at_the_live_api() {
        let e = import_file(ImportKind::Vault, Path::new("x")).unwrap_err();
        assert!(e.message.contains("VAULT_ADDR"), "{e}");
    }

    #[test]
    fn items_from_arrays_and_lines() {
        let lines = json_items(&Doc::new("a", "# c\n{\"a\":1}\n\n{\"a\":2}\n")).unwrap();
        assert_eq!(
            lines.iter().map(|i| i.pointer.as_str()).collect::<Vec<_>>(),
            ["line 2", "line 4"]
        );
        let array = json_items(&Doc::new("b", "[{\"a\":1},{\"a\":2}]")).unwrap();
        assert_eq!(array[1].pointer, "/1");
        let e = json_items(&Doc::new("c", "{\"a\":1}\n{\"a\":\n"))
            .err()
            .unwrap();
        assert_eq!(e.line, Some(2));
        assert!(time_at(&serde_json::json!({"t": "0001-01-01T00:00:00Z"}), "/t").is_none());
    }
}
