//! AWS CloudTrail: IAM changes a broker made, read back as grants (`--ledger cloudtrail:PATH`).
//!
//! Sources checked for the native shapes:
//! - `aws cloudtrail lookup-events` output: the CloudTrail API reference, `Event` data type
//!   (docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Event.html: `EventId`, `EventName`,
//!   `EventTime`, `EventSource`, `Username`, `Resources`, `CloudTrailEvent` = "a JSON string that
//!   contains a representation of the event") and the aws-cli example
//!   `awscli/examples/cloudtrail/lookup-events.rst` (`{"Events": [{…, "CloudTrailEvent": "{\"eventVersion\":…}"}]}`).
//! - Log files: "CloudTrail log file examples" and "CloudTrail record contents" in the CloudTrail
//!   user guide (`{"Records": [{eventVersion, userIdentity{type, principalId, arn, accountId,
//!   sessionContext}, eventTime, eventSource, eventName, requestParameters, responseElements,
//!   errorCode?, requestID, eventID, eventType, recipientAccountId}]}`; files are delivered as
//!   `*.json.gz`, which this importer does not decompress), and a published `AttachUserPolicy`
//!   record (`requestParameters{userName, policyArn}`, `responseElements: null`).
//!
//! What becomes a grant (eventSource `iam.amazonaws.com`, failed calls with `errorCode` skipped
//! and counted):
//! - `Attach{Role,User,Group}Policy` / `Put{Role,User,Group}Policy` open a grant on the principal
//!   `arn:<partition>:iam::<recipientAccountId>:{role,user,group}/<name>` (no path: CloudTrail
//!   records the name only) for the managed policy ARN or `inline:<policyName>`, the way jitgap
//!   names entitlements; `Detach*Policy` / `Delete*Policy` close it (pairing by principal and
//!   entitlement in time order). A close with no open in the export becomes a grant with only
//!   `revoked_at`, labelled `opened = before the export`.
//! - `CreateAccessKey` opens `access-key:<AccessKeyId>` (from `responseElements.accessKey`; no
//!   other response field is read, so a `secretAccessKey` never reaches a grant),
//!   `UpdateAccessKey` to `Inactive` or `DeleteAccessKey` closes it; `UpdateAccessKey` to
//!   `Active` opens it again; a second close (`DeleteAccessKey` after deactivation) is added to
//!   the closed grant as evidence.
//! - `AssumeRole*` (eventSource `sts.amazonaws.com`) are uses, not grants: they are returned in
//!   [`CloudTrailImport::assume_role_uses`] and, when a grant on that role is open at the time,
//!   attached to it as evidence with the labels `last_assumed_at` and `assumed_count`.
//!
//! CloudTrail records neither the task nor an expiry: grants carry `requested_by` (the caller's
//! ARN) and times only, and the `untraceable` check says so.

use super::{Doc, ImportKind, Importer, evidence, new_grant, rfc3339, text, time_at};
use crate::ledger::format::{content_lines, json_message};
use crate::ledger::{Grant, LedgerError};
use crate::model::{Boundary, Evidence};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub const SOURCE: &str = "cloudtrail";

/// At most this many role uses are attached to one grant as evidence (all are counted).
const MAX_USE_EVIDENCE: usize = 10;

/// Reads CloudTrail log files and `lookup-events` output (`*.json`).
pub struct CloudTrail;

impl Importer for CloudTrail {
    const KIND: ImportKind = ImportKind::Cloudtrail;
    const SUFFIXES: &'static [&'static str] = &[".json"];

    fn import(docs: &[Doc]) -> Result<Vec<Grant>, LedgerError> {
        Ok(import_docs(docs)?.grants)
    }
}

/// One `AssumeRole*` call: the role, when, who, and where it is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleUse {
    pub role_arn: String,
    pub at: DateTime<Utc>,
    pub by: Option<String>,
    pub evidence: Evidence,
}

/// Everything a CloudTrail export says about grants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CloudTrailImport {
    pub grants: Vec<Grant>,
    pub assume_role_uses: Vec<RoleUse>,
    /// Calls that failed (`errorCode` set): they changed nothing.
    pub failed_events: usize,
    /// Events that are neither grant changes nor role uses, or lack the fields to read them.
    pub ignored_events: usize,
}

struct Event<'d> {
    doc: &'d Doc,
    pointer: String,
    record: Value,
    time: DateTime<Utc>,
}

impl Event<'_> {
    fn text(&self, pointer: &str) -> Option<&str> {
        text(&self.record, pointer)
    }

    fn actor(&self) -> Option<String> {
        self.text("/userIdentity/arn")
            .or_else(|| self.text("/userIdentity/principalId"))
            .or_else(|| self.text("/userIdentity/invokedBy"))
            .map(str::to_string)
    }

    fn evidence(&self) -> Evidence {
        let name = self.text("/eventName").unwrap_or("?");
        let when = self.text("/eventTime").unwrap_or("?");
        let by = self.actor().unwrap_or_else(|| "an unknown caller".into());
        evidence(self.doc, &self.pointer, &format!("{name} {when} by {by}"))
    }

    fn account(&self) -> &str {
        self.text("/recipientAccountId")
            .or_else(|| self.text("/userIdentity/accountId"))
            .unwrap_or("")
    }

    fn partition(&self) -> &str {
        self.text("/userIdentity/arn")
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| p.starts_with("aws"))
            .unwrap_or("aws")
    }

    /// `arn:aws:iam::<account>:<kind>/<name>`, or the bare name when the account is unknown.
    fn principal(&self, kind: &str, name: &str) -> String {
        match self.account() {
            "" => name.to_string(),
            account => format!("arn:{}:iam::{account}:{kind}/{name}", self.partition()),
        }
    }

    fn grant_id(&self) -> String {
        self.text("/eventID")
            .map(str::to_string)
            .unwrap_or_else(|| format!("cloudtrail:{}#{}", self.doc.name, self.pointer))
    }
}

#[derive(PartialEq)]
enum Change {
    Open,
    Close,
}

/// What an IAM event does: open or close (principal, entitlement).
fn iam_change(ev: &Event<'_>, name: &str) -> Option<(Change, String, String)> {
    let (kind, verb) = [("Role", "role"), ("User", "user"), ("Group", "group")]
        .into_iter()
        .find(|(k, _)| name.ends_with(&format!("{k}Policy")))
        .map(|(k, kind)| (kind, name.trim_end_matches(&format!("{k}Policy"))))
        .unwrap_or(("", name));
    if !kind.is_empty() {
        let principal_name = ev.text(&format!("/requestParameters/{kind}Name"))?;
        let principal = ev.principal(kind, principal_name);
        let (change, entitlement) = match verb {
            "Attach" => (
                Change::Open,
                ev.text("/requestParameters/policyArn")?.to_string(),
            ),
            "Detach" => (
                Change::Close,
                ev.text("/requestParameters/policyArn")?.to_string(),
            ),
            "Put" => (
                Change::Open,
                format!("inline:{}", ev.text("/requestParameters/policyName")?),
            ),
            "Delete" => (
                Change::Close,
                format!("inline:{}", ev.text("/requestParameters/policyName")?),
            ),
            _ => return None,
        };
        return Some((change, principal, entitlement));
    }
    let (change, key) = match name {
        // Only the key id is read from the response: never the secret beside it.
        "CreateAccessKey" => (
            Change::Open,
            ev.text("/responseElements/accessKey/accessKeyId")?,
        ),
        "UpdateAccessKey" => {
            let change = match ev.text("/requestParameters/status")? {
                "Inactive" => Change::Close,
                "Active" => Change::Open,
                _ => return None,
            };
            (change, ev.text("/requestParameters/accessKeyId")?)
        }
        "DeleteAccessKey" => (Change::Close, ev.text("/requestParameters/accessKeyId")?),
        _ => return None,
    };
    let user = ev
        .text("/responseElements/accessKey/userName")
        .or_else(|| ev.text("/requestParameters/userName"))
        .map(|u| ev.principal("user", u))
        // Without a user name the caller acted on its own keys.
        .or_else(|| {
            matches!(ev.text("/userIdentity/type"), Some("IAMUser" | "Root"))
                .then(|| ev.text("/userIdentity/arn").map(str::to_string))
                .flatten()
        })?;
    Some((change, user, format!("access-key:{key}")))
}

/// Same role: equal ARNs, or the same account and role name (CloudTrail's `roleArn` carries the
/// role's path, `requestParameters.roleName` does not).
fn same_role(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let split = |arn: &str| -> Option<(String, String)> {
        let (head, path) = arn.split_once(":role/")?;
        let account = head.rsplit(':').next()?.to_string();
        Some((account, path.rsplit('/').next()?.to_string()))
    };
    matches!((split(a), split(b)), (Some(x), Some(y)) if x == y)
}

/// The records of one document with their JSON pointers.
fn records(doc: &Doc) -> Result<Vec<(String, Value)>, LedgerError> {
    let whole: Value = match serde_json::from_str(&doc.text) {
        Ok(v) => v,
        Err(e) => {
            return json_lines(doc).ok_or_else(|| {
                LedgerError::new(
                    &doc.name,
                    Some(e.line()).filter(|l| *l > 0),
                    json_message(&e),
                )
            });
        }
    };
    let array = |key: &str| -> Result<Vec<Value>, LedgerError> {
        match whole.get(key) {
            Some(Value::Array(items)) => Ok(items.clone()),
            _ => Err(LedgerError::in_file(
                &doc.name,
                format!("`{key}` is not an array"),
            )),
        }
    };
    if whole.get("Records").is_some() {
        return Ok(array("Records")?
            .into_iter()
            .enumerate()
            .map(|(i, r)| (format!("/Records/{i}"), r))
            .collect());
    }
    if whole.get("Events").is_some() {
        let mut out = Vec::new();
        for (i, event) in array("Events")?.into_iter().enumerate() {
            let pointer = format!("/Events/{i}/CloudTrailEvent");
            let record = match event.get("CloudTrailEvent") {
                Some(Value::String(s)) => serde_json::from_str(s).map_err(|e| {
                    LedgerError::in_file(
                        &doc.name,
                        format!("{pointer} is not a JSON record: {}", json_message(&e)),
                    )
                })?,
                Some(v @ Value::Object(_)) => v.clone(),
                // Without the record the summary fields cannot say what changed.
                _ => Value::Null,
            };
            out.push((pointer, record));
        }
        return Ok(out);
    }
    match whole {
        Value::Array(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, r)| (format!("/{i}"), r))
            .collect()),
        v @ Value::Object(_) if v.get("eventName").is_some() => Ok(vec![(String::new(), v)]),
        _ => Err(LedgerError::in_file(
            &doc.name,
            "not a CloudTrail export: expected a log file ({\"Records\": [...]}) or \
             `aws cloudtrail lookup-events` output ({\"Events\": [...]})",
        )),
    }
}

/// One record per line (CloudTrail Lake or CloudWatch Logs exports), when every line is one.
fn json_lines(doc: &Doc) -> Option<Vec<(String, Value)>> {
    content_lines(&doc.text)
        .map(|(n, line)| {
            let v: Value = serde_json::from_str(line).ok()?;
            v.get("eventName")
                .is_some()
                .then(|| (format!("line {n}"), v))
        })
        .collect()
}

/// Read CloudTrail documents into grants, role uses and counts.
pub fn import_docs(docs: &[Doc]) -> Result<CloudTrailImport, LedgerError> {
    let mut out = CloudTrailImport::default();
    let mut events = Vec::new();
    let mut seen = BTreeSet::new();
    for doc in docs {
        for (pointer, record) in records(doc)? {
            let Some(time) = time_at(&record, "/eventTime") else {
                out.ignored_events += 1;
                continue;
            };
            // The same event in two exports (a trail file and a lookup) counts once.
            if let Some(id) = text(&record, "/eventID")
                && !seen.insert(id.to_string())
            {
                continue;
            }
            events.push(Event {
                doc,
                pointer,
                record,
                time,
            });
        }
    }
    events.sort_by_key(|e| e.time); // stable: ties keep file order

    let mut open: BTreeMap<(String, String), usize> = BTreeMap::new();
    // The latest grant per key, open or closed: a second close (delete after deactivate) joins it.
    let mut latest: BTreeMap<(String, String), usize> = BTreeMap::new();
    for ev in &events {
        if ev.record.get("errorCode").is_some_and(|c| !c.is_null()) {
            out.failed_events += 1;
            continue;
        }
        let source = ev.text("/eventSource").unwrap_or("");
        let name = ev.text("/eventName").unwrap_or("");
        if source == "sts.amazonaws.com" && name.starts_with("AssumeRole") {
            let Some(role_arn) = ev.text("/requestParameters/roleArn") else {
                out.ignored_events += 1;
                continue;
            };
            let used = RoleUse {
                role_arn: role_arn.to_string(),
                at: ev.time,
                by: ev.actor(),
                evidence: ev.evidence(),
            };
            for (_, &i) in open.iter().filter(|((who, _), _)| same_role(who, role_arn)) {
                let g = &mut out.grants[i];
                let count = g
                    .labels
                    .get("assumed_count")
                    .and_then(|c| c.parse::<usize>().ok())
                    .unwrap_or(0)
                    + 1;
                g.labels.insert("assumed_count".into(), count.to_string());
                g.labels.insert("last_assumed_at".into(), rfc3339(ev.time));
                if count <= MAX_USE_EVIDENCE {
                    g.evidence.push(used.evidence.clone());
                }
            }
            out.assume_role_uses.push(used);
            continue;
        }
        let change = (source == "iam.amazonaws.com")
            .then(|| iam_change(ev, name))
            .flatten();
        let Some((change, principal, entitlement)) = change else {
            out.ignored_events += 1;
            continue;
        };
        let key = (principal, entitlement);
        match (change, open.get(&key).copied()) {
            // Attached again while attached (or an inline policy rewritten): the same grant.
            (Change::Open, Some(i)) => out.grants[i].evidence.push(ev.evidence()),
            (Change::Open, None) => {
                let account = ev.account().to_string();
                let mut g = new_grant(
                    SOURCE,
                    ev.grant_id(),
                    Boundary::new("aws"),
                    &account,
                    &key.0,
                    &key.1,
                );
                g.target = account;
                g.requested_by = ev.actor();
                g.issued_at = Some(ev.time);
                g.labels.insert("opened_with".into(), name.to_string());
                g.evidence.push(ev.evidence());
                open.insert(key.clone(), out.grants.len());
                latest.insert(key, out.grants.len());
                out.grants.push(g);
            }
            (Change::Close, Some(i)) => {
                open.remove(&key);
                close(&mut out.grants[i], ev, name);
            }
            (Change::Close, None) if latest.contains_key(&key) => {
                out.grants[latest[&key]].evidence.push(ev.evidence());
            }
            (Change::Close, None) => {
                let account = ev.account().to_string();
                let mut g = new_grant(
                    SOURCE,
                    ev.grant_id(),
                    Boundary::new("aws"),
                    &account,
                    &key.0,
                    &key.1,
                );
                g.target = account;
                g.labels.insert("opened".into(), "before the export".into());
                close(&mut g, ev, name);
                latest.insert(key, out.grants.len());
                out.grants.push(g);
            }
        }
    }
    Ok(out)
}

fn close(g: &mut Grant, ev: &Event<'_>, name: &str) {
    g.revoked_at = Some(ev.time);
    g.labels.insert("revoked_with".into(), name.to_string());
    if let Some(by) = ev.actor() {
        g.labels.insert("revoked_by".into(), by);
    }
    g.evidence.push(ev.evidence());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_paths_do_not_hide_a_role() {
        assert!(same_role(
            "arn:aws:iam::1:role/ops/jit-admin",
            "arn:aws:iam::1:role/jit-admin"
        ));
        assert!(!same_role(
            "arn:aws:iam::2:role/jit-admin",
            "arn:aws:iam::1:role/jit-admin"
        ));
        assert!(!same_role(
            "arn:aws:iam::1:user/jit-admin",
            "arn:aws:iam::1:role/jit-admin"
        ));
    }

    #[test]
    fn lookup_event_without_record_is_ignored_not_fatal() {
        let doc = Doc::new(
            "l.json",
            r#"{"Events": [{"EventId": "e", "EventName": "AttachRolePolicy"}]}"#,
        );
        let out = import_docs(&[doc]).unwrap();
        assert_eq!((out.grants.len(), out.ignored_events), (0, 1));
    }

    #[test]
    fn unknown_shape_is_named() {
        let e = import_docs(&[Doc::new("x.json", r#"{"Items": []}"#)]).unwrap_err();
        assert!(e.message.contains("lookup-events"), "{e}");
        let e = import_docs(&[Doc::new("x.json", "{\"Records\": [\n{]}")]).unwrap_err();
        assert_eq!(e.line, Some(2));
    }
}
