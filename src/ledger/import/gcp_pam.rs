//! Google Cloud Privileged Access Manager grants as ledger grants (`--ledger gcp-pam:PATH`).
//!
//! Sources checked for the native shape: `googleapis/googleapis`
//! `google/cloud/privilegedaccessmanager/v1/privilegedaccessmanager.proto` (`Grant`: `name`,
//! `createTime`, `updateTime`, `requester`, `requestedDuration` (a Duration, JSON `"7200s"`),
//! `justification{unstructuredJustification}`, `state`, `timeline{events[]}` with each event's
//! `eventTime` and one of `requested`, `approved{reason, actor}`, `denied`, `revoked{reason,
//! actor}`, `scheduled`, `activated`, `activationFailed`, `expired`, `ended`,
//! `externallyModified`, `withdrawn`; `privilegedAccess{gcpIamAccess{resourceType, resource,
//! roleBindings[]{role, conditionExpression}}}`, `auditTrail{accessGrantTime,
//! accessRemoveTime}`, `externallyModified`; `ListGrantsResponse{grants[], nextPageToken,
//! unreachable[]}`), as the REST API returns it in lowerCamel JSON (api-shapes §D.3).
//!
//! A document is one of:
//! - a `grants.list` response, `{"grants": [...], "nextPageToken": …}` (one page or pages
//!   merged; `{}` is an empty page), or a JSON array of such pages;
//! - a bare JSON array of grants, as `gcloud pam grants list --format=json` prints it, or one
//!   grant (`gcloud pam grants describe`);
//! - jitgap's snapshot document `gcp/<project>/pam-grants.json`, keyed by entitlement name:
//!   `{"projects/P/locations/global/entitlements/E": {"grants": [...]}}`;
//! - a Resource Manager project (`project.json`: `{"name": "projects/N", "projectId": "P"}`),
//!   which only tells that grants named under `projects/N` belong to project `P`.
//!
//! A directory is read as its `*.json` files and, for a `jitgap collect` snapshot (or its
//! `gcp/` folder), every `gcp/<project>/pam-grants.json` with its `project.json`. Files there
//! that hold another document (`manifest.json`, the other documents of a project folder) are
//! skipped and counted; a file named on its own must be one of the shapes above. A grant
//! listed twice (overlapping pages, a snapshot and an export) counts once, as its latest
//! `updateTime` has it.
//!
//! What becomes a grant (boundary `gcp`), one per role binding:
//! - `grant_id` = the grant's name (`…#roles/x` when it binds several roles), `scope` = the
//!   project id of the name (`folders/N`, `organizations/N` for those parents), `identity` =
//!   the requester's email, lower-cased (the ledger matches it to a service account's email),
//!   `entitlement` = the role, `target` = `gcpIamAccess.resource` without its host
//!   (`projects/acme-prod`), `task` = the justification, `requested_by` = the requester,
//!   `approved_by` = the actors of the `approved` events.
//! - `issued_at` = `auditTrail.accessGrantTime`, else the `activated` event;
//!   `expires_at` = that plus `requestedDuration`, or for `ENDED` grants the time access was
//!   removed (`accessRemoveTime`, else the `ended` event); `revoked_at` = `accessRemoveTime`
//!   (else the `revoked` event) of `REVOKED` grants, the `revoked` event of `REVOKING` ones.
//!   Labels: `pam_state`, `pam_entitlement`, `requested_duration`, `revoked_by`,
//!   `revoked_reason`, `externally_modified`, and `revocation` (PAM's `accessRemoveTime`).
//! - `EXPIRED` (approval timed out), `DENIED`, `WITHDRAWN` and `ACTIVATION_FAILED` grants never
//!   gave access, and `APPROVAL_AWAITED`, `SCHEDULED`, `ACTIVATING`, `WITHDRAWING` have not yet:
//!   both are skipped and counted, like states this importer does not know.
//! - Grants a person requested (a requester that is no `…gserviceaccount.com` service
//!   account) are not non-human access: skipped and counted (`people`).

use super::gcp_pam_grant::{PamGrant, Phase, kind, looks_like_grant};
use super::{Doc, ImportKind, Importer, read_docs, text};
use crate::ledger::format::json_message;
use crate::ledger::{Grant, LedgerError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const SOURCE: &str = "gcp-pam";

/// The snapshot documents a directory is searched for, per project folder.
const GRANTS_DOC: &str = "pam-grants.json";
const PROJECT_DOC: &str = "project.json";

/// Reads saved PAM grant lists.
pub struct GcpPam;

impl Importer for GcpPam {
    const KIND: ImportKind = ImportKind::GcpPam;
    const SUFFIXES: &'static [&'static str] = &[".json"];

    fn import(docs: &[Doc]) -> Result<Vec<Grant>, LedgerError> {
        Ok(import_docs(docs, false)?.grants)
    }
}

/// Everything a set of saved grant lists says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GcpPamImport {
    pub grants: Vec<Grant>,
    /// Grants that never gave access: `EXPIRED`, `DENIED`, `WITHDRAWN`, `ACTIVATION_FAILED`.
    pub never_active: usize,
    /// Grants that gave no access yet: `APPROVAL_AWAITED`, `SCHEDULED`, `ACTIVATING`,
    /// `WITHDRAWING`.
    pub pending: usize,
    /// Grants in `STATE_UNSPECIFIED` or a state this importer does not know.
    pub unknown_state: usize,
    /// Grants listed more than once (counted once).
    pub duplicates: usize,
    /// Grants a person requested (not a service account): not non-human access, left out.
    pub people: usize,
    /// Pages that still name a `nextPageToken`: later pages may be missing.
    pub next_pages: usize,
    /// Documents of a directory that hold no grants (another document, a manifest).
    pub skipped: Vec<String>,
}

/// Read the grants of `path`: a file, `-`, or a directory (see the module documentation).
pub fn import_path(path: &Path) -> Result<GcpPamImport, LedgerError> {
    if path.as_os_str() == "-" || !path.is_dir() {
        return import_docs(&read_docs(path, GcpPam::SUFFIXES)?, false);
    }
    let mut docs = Vec::new();
    for file in directory_files(path)? {
        docs.extend(read_docs(&file, GcpPam::SUFFIXES)?);
    }
    let out = import_docs(&docs, true)?;
    if out.skipped.len() == docs.len() {
        return Err(LedgerError::in_file(
            path.display().to_string(),
            format!(
                "no PAM grant list in the directory ({} file(s) read hold other documents): \
                 save `gcloud pam grants list --format=json` output, or point at a jitgap \
                 snapshot with gcp/<project>/{GRANTS_DOC}",
                docs.len()
            ),
        ));
    }
    Ok(out)
}

/// `DIR/*.json`, and `gcp/<project>/{pam-grants,project}.json` under `DIR` or `DIR/gcp`.
fn directory_files(dir: &Path) -> Result<Vec<PathBuf>, LedgerError> {
    let list = |d: &Path| -> Result<Vec<PathBuf>, LedgerError> {
        let shown = d.display().to_string();
        let e = |e: std::io::Error| LedgerError::in_file(&shown, format!("cannot list: {e}"));
        let mut out = Vec::new();
        for entry in std::fs::read_dir(d).map_err(e)? {
            let entry = entry.map_err(e)?;
            if !entry.file_name().to_string_lossy().starts_with('.') {
                out.push(entry.path());
            }
        }
        Ok(out)
    };
    let mut files: Vec<PathBuf> = list(dir)?
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    let gcp = dir.join("gcp");
    for base in [gcp.as_path(), dir] {
        if !base.is_dir() {
            continue;
        }
        for sub in list(base)?.into_iter().filter(|p| p.is_dir()) {
            let grants = sub.join(GRANTS_DOC);
            if grants.is_file() {
                files.push(grants);
                let project = sub.join(PROJECT_DOC);
                if project.is_file() {
                    files.push(project);
                }
            }
        }
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        return Err(LedgerError::in_file(
            dir.display().to_string(),
            format!(
                "the directory holds no *.json file and no gcp/<project>/{GRANTS_DOC} \
                 (compressed files must be decompressed first)"
            ),
        ));
    }
    Ok(files)
}

/// What one document holds.
enum Content {
    /// Grant objects and their pointers.
    Grants(Vec<(String, Value)>),
    /// A project: its number and id.
    Project(String, String),
    /// Something else (reported with the pointer to blame, or skipped in a directory).
    Other(String),
}

/// Read saved grant lists into grants and counts. `lenient`: documents that hold neither
/// grants nor a project are skipped (a directory's other files) instead of refused.
pub fn import_docs(docs: &[Doc], lenient: bool) -> Result<GcpPamImport, LedgerError> {
    let mut out = GcpPamImport::default();
    let mut numbers: BTreeMap<String, String> = BTreeMap::new();
    // Each grant once, by name: its document and its reading.
    let mut read: Vec<(usize, PamGrant)> = Vec::new();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (d, doc) in docs.iter().enumerate() {
        let value: Value = serde_json::from_str(&doc.text).map_err(|e| {
            LedgerError::new(
                &doc.name,
                Some(e.line()).filter(|l| *l > 0),
                json_message(&e),
            )
        })?;
        let items = match content(&value, &mut out.next_pages) {
            Content::Grants(items) => items,
            Content::Project(number, id) => {
                numbers.insert(number, id);
                continue;
            }
            Content::Other(_) if lenient => {
                out.skipped.push(doc.name.clone());
                continue;
            }
            Content::Other(why) => return Err(LedgerError::in_file(&doc.name, why)),
        };
        for (pointer, item) in items {
            let g = PamGrant::read(doc, &pointer, &item)?;
            match by_name.get(&g.name) {
                Some(&i) => {
                    out.duplicates += 1;
                    if g.updated > read[i].1.updated {
                        read[i] = (d, g);
                    }
                }
                None => {
                    by_name.insert(g.name.clone(), read.len());
                    read.push((d, g));
                }
            }
        }
    }
    for (d, g) in &read {
        match g.phase {
            Phase::Gave if !g.by_service_account() => out.people += 1,
            Phase::Gave => out.grants.extend(g.grants(&docs[*d], &numbers)),
            Phase::Never => out.never_active += 1,
            Phase::Pending => out.pending += 1,
            Phase::Unknown => out.unknown_state += 1,
        }
    }
    Ok(out)
}

/// Sort a document into grants (with their pointers), a project, or something else.
fn content(v: &Value, next_pages: &mut usize) -> Content {
    match v {
        Value::Array(list) => {
            let mut items = Vec::new();
            for (i, e) in list.iter().enumerate() {
                let at = format!("/{i}");
                if page_of(e) {
                    match page(e, &at, next_pages) {
                        Ok(more) => items.extend(more),
                        Err(why) => return Content::Other(why),
                    }
                } else if e.is_object() && looks_like_grant(e) {
                    items.push((at, e.clone()));
                } else {
                    return Content::Other(format!(
                        "{at}: expected a PAM grant (a `name` …/grants/…) or a page \
                         ({{\"grants\": [...]}}), not {}",
                        shape(e)
                    ));
                }
            }
            Content::Grants(items)
        }
        Value::Object(obj) => {
            if let Some(error) = obj.get("error") {
                let code = text(error, "/status")
                    .map(str::to_string)
                    .or_else(|| {
                        error
                            .get("code")
                            .and_then(Value::as_u64)
                            .map(|n| n.to_string())
                    })
                    .unwrap_or_else(|| "?".into());
                return Content::Other(format!(
                    "the saved body is an API error ({code}), not grants"
                ));
            }
            if obj.is_empty() || page_of(v) {
                return match page(v, "", next_pages) {
                    Ok(items) => Content::Grants(items),
                    Err(why) => Content::Other(why),
                };
            }
            if looks_like_grant(v) {
                return Content::Grants(vec![(String::new(), v.clone())]);
            }
            if let (Some(name), Some(id)) = (text(v, "/name"), text(v, "/projectId"))
                && let Some(number) = name.strip_prefix("projects/")
            {
                return Content::Project(number.to_string(), id.to_string());
            }
            if obj.keys().all(|k| k.contains("/entitlements/")) {
                let mut items = Vec::new();
                for (key, list) in obj {
                    let at = format!("/{}", key.replace('~', "~0").replace('/', "~1"));
                    if !list.is_object() {
                        return Content::Other(format!(
                            "{at}: expected the entitlement's grants ({{\"grants\": [...]}}), not {}",
                            kind(list)
                        ));
                    }
                    match page(list, &at, next_pages) {
                        Ok(more) => items.extend(more),
                        Err(why) => return Content::Other(why),
                    }
                }
                return Content::Grants(items);
            }
            Content::Other(format!(
                "the document is not a PAM grant list: expected {{\"grants\": [...]}}, a JSON \
                 array of grants, or jitgap's pam-grants.json (keyed by entitlement name); \
                 it has {}",
                keys(obj)
            ))
        }
        other => Content::Other(format!(
            "the document is not a PAM grant list: it is {}",
            kind(other)
        )),
    }
}

/// A `grants.list` page: an object with `grants` (or `nextPageToken`) and no grant name.
fn page_of(v: &Value) -> bool {
    v.is_object()
        && !looks_like_grant(v)
        && (v.get("grants").is_some() || v.get("nextPageToken").is_some())
}

/// The grants of a page at `at` (`{}` is an empty page).
fn page(v: &Value, at: &str, next_pages: &mut usize) -> Result<Vec<(String, Value)>, String> {
    if text(v, "/nextPageToken").is_some() {
        *next_pages += 1;
    }
    let list = match v.get("grants") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(format!(
                "{at}/grants: expected an array of grants, not {}",
                kind(other)
            ));
        }
    };
    list.iter()
        .enumerate()
        .map(|(i, g)| {
            if g.is_object() {
                Ok((format!("{at}/grants/{i}"), g.clone()))
            } else {
                Err(format!(
                    "{at}/grants/{i}: expected a grant object, not {}",
                    kind(g)
                ))
            }
        })
        .collect()
}

fn shape(v: &Value) -> String {
    match v {
        Value::Object(obj) => format!("an object with {}", keys(obj)),
        other => kind(other).to_string(),
    }
}

/// The first few keys of an object, for a message.
fn keys(obj: &serde_json::Map<String, Value>) -> String {
    let names: Vec<String> = obj.keys().take(4).map(|k| format!("`{k}`")).collect();
    match (names.is_empty(), obj.len() > 4) {
        (true, _) => "no keys".into(),
        (false, false) => format!("keys {}", names.join(", ")),
        (false, true) => format!("keys {}, …", names.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointers(text: &str) -> Result<Vec<String>, String> {
        let v: Value = serde_json::from_str(text).unwrap();
        let mut next = 0;
        match content(&v, &mut next) {
            Content::Grants(items) => Ok(items.into_iter().map(|(p, _)| p).collect()),
            Content::Project(n, id) => Ok(vec![format!("project {n}={id}")]),
            Content::Other(why) => Err(why),
        }
    }

    const G: &str = r#"{"name": "projects/p1/locations/global/entitlements/e/grants/g1"}"#;

    #[test]
    fn documents_of_every_shape() {
        assert_eq!(
            pointers(&format!(r#"{{"grants": [{G}]}}"#)),
            Ok(vec!["/grants/0".into()])
        );
        assert_eq!(pointers(&format!("[{G}, {G}]")).unwrap()[1], "/1");
        assert_eq!(
            pointers(&format!(r#"[{{"grants": []}}, {{"grants": [{G}]}}]"#)),
            Ok(vec!["/1/grants/0".into()])
        );
        assert_eq!(pointers(G), Ok(vec![String::new()]));
        assert_eq!(pointers("{}"), Ok(vec![]));
        assert_eq!(pointers("[]"), Ok(vec![]));
        assert_eq!(
            pointers(&format!(
                r#"{{"projects/p1/locations/global/entitlements/e": {{"grants": [{G}]}},
                    "projects/p1/locations/global/entitlements/f": {{}}}}"#
            )),
            Ok(vec![
                "/projects~1p1~1locations~1global~1entitlements~1e/grants/0".into()
            ])
        );
        assert_eq!(
            pointers(r#"{"name": "projects/123", "projectId": "acme-prod"}"#),
            Ok(vec!["project 123=acme-prod".into()])
        );
        let e = pointers(r#"{"accounts": []}"#).unwrap_err();
        assert!(
            e.contains("not a PAM grant list") && e.contains("`accounts`"),
            "{e}"
        );
        let e = pointers(r#"{"error": {"code": 403, "status": "PERMISSION_DENIED"}}"#).unwrap_err();
        assert!(e.contains("PERMISSION_DENIED"), "{e}");
        let e = pointers(r#"[{"email": "a@b"}]"#).unwrap_err();
        assert!(e.starts_with("/0: expected a PAM grant"), "{e}");
        let e = pointers(r#"{"grants": {"name": "x"}}"#).unwrap_err();
        assert!(e.starts_with("/grants: expected an array"), "{e}");
    }
}
