//! Azure PIM role assignment schedule requests as grants (`--ledger azure-pim:PATH`).
//!
//! Sources checked for the native shapes:
//! - ARM, api-version 2020-10-01: `Azure/azure-rest-api-specs`
//!   `specification/authorization/resource-manager/Microsoft.Authorization/stable/2020-10-01/`
//!   `RoleAssignmentScheduleRequest.json` and `examples/GetRoleAssignmentScheduleRequestByScope.json`
//!   (`{"value": [{id, name, type, properties{scope, roleDefinitionId, principalId,
//!   principalType, requestType (PascalCase: AdminAssign, AdminRemove, AdminUpdate, AdminExtend,
//!   AdminRenew, SelfActivate, SelfDeactivate, SelfExtend, SelfRenew), status, approvalId,
//!   scheduleInfo{startDateTime, expiration{type: AfterDuration|AfterDateTime|NoExpiration,
//!   endDateTime, duration (ISO 8601, "PT8H")}}, ticketInfo{ticketNumber, ticketSystem},
//!   justification, requestorId, createdOn, targetRoleAssignmentScheduleId,
//!   targetRoleAssignmentScheduleInstanceId, linkedRoleEligibilityScheduleId,
//!   expandedProperties{scope{id, displayName, type}, roleDefinition{id, displayName, type},
//!   principal{id, displayName, email, type}}}}], "nextLink"?}`), as `az rest` saves it.
//! - Microsoft Graph v1.0: `microsoftgraph/microsoft-graph-docs-contrib`
//!   `api-reference/v1.0/api/rbacapplication-list-roleassignmentschedulerequests.md` and the
//!   `unifiedRoleAssignmentScheduleRequest` resource page (flat items: `id`, `action`
//!   (lowerCamel: adminAssign, selfActivate, …), `status`, `principalId`, `roleDefinitionId` (a
//!   GUID), `directoryScopeId` ("/" = the tenant), `appScopeId`, `justification`,
//!   `createdDateTime`, `createdBy{user{id}, application{id}}`, `scheduleInfo` (expiration
//!   types lowerCamel), `ticketInfo`, `targetScheduleId`, and with `$expand` `roleDefinition
//!   {displayName}` and `principal{displayName}`).
//!
//! A document is one response, a JSON array of requests (or of responses), one request, or JSON
//! Lines of these; a directory is read as its `*.json` and `*.jsonl` files. A request listed
//! twice (overlapping pages) counts once. A response that still has a `nextLink` is counted in
//! [`AzurePimImport::next_links`]: `az rest` does not follow it, so later pages may be missing.
//!
//! What becomes a grant (boundary `azure`):
//! - `identity` = `principalId` (lower-cased: the service principal object id the scanner uses),
//!   `entitlement` = the role's display name (from `expandedProperties`, Graph's expanded
//!   `roleDefinition`, or another request of the export naming the same role), else the role
//!   definition GUID; `target` = the ARM scope or `directory:<directoryScopeId>`; `scope` = the
//!   subscription of the ARM scope, empty for Graph records and management groups.
//! - Activations (AdminAssign, AdminUpdate, AdminExtend, AdminRenew, SelfActivate, SelfExtend,
//!   SelfRenew): `issued_at` = `scheduleInfo.startDateTime` (else the creation time),
//!   `expires_at` from the expiration, `requested_by` = the requestor, `approved_by` = the
//!   approval id, `task` = the justification and ticket. Extensions and renewals are grants of
//!   their own, so a chain of them is what the `stretched` check measures.
//! - Removals (AdminRemove, SelfDeactivate) set `revoked_at` (the creation time, else the
//!   schedule start) on the latest activation before them for the same principal, role and ARM
//!   scope (ids compared without case), and on any earlier one of that assignment still running
//!   then (an activation later extended); with none in the export, the removal is a grant of its
//!   own with only `revoked_at`, labelled `opened = before the export`.
//! - Requests that were denied, canceled, failed, timed out or invalid changed nothing, and
//!   those still pending (approval, provisioning) have granted nothing yet: both are skipped and
//!   counted. Unknown request types are counted as ignored.

use super::azure_pim_request::{Action, Outcome, Request};
use super::{Doc, ImportKind, Importer, evidence, new_grant, rfc3339, text};
use crate::ledger::format::{content_lines, json_message};
use crate::ledger::{Grant, LedgerError};
use crate::scan::azure::BOUNDARY;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub const SOURCE: &str = "azure-pim";

/// Reads saved `roleAssignmentScheduleRequests` (ARM or Graph).
pub struct AzurePim;

impl Importer for AzurePim {
    const KIND: ImportKind = ImportKind::AzurePim;
    const SUFFIXES: &'static [&'static str] = &[".json", ".jsonl"];

    fn import(docs: &[Doc]) -> Result<Vec<Grant>, LedgerError> {
        Ok(import_docs(docs)?.grants)
    }
}

/// Everything an export of schedule requests says about grants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AzurePimImport {
    pub grants: Vec<Grant>,
    /// Requests denied, canceled, failed, timed out or invalid: they changed nothing.
    pub refused: usize,
    /// Requests still pending approval or provisioning: no access yet.
    pub pending: usize,
    /// Requests of a type that is neither an activation nor a removal.
    pub ignored: usize,
    /// Removals applied to an activation of the export.
    pub removals_applied: usize,
    /// Responses that link a next page (`nextLink`), which may be missing from the export.
    pub next_links: usize,
}

/// Read saved schedule requests into grants and counts.
pub fn import_docs(docs: &[Doc]) -> Result<AzurePimImport, LedgerError> {
    let mut out = AzurePimImport::default();
    let mut seen = BTreeSet::new();
    let mut requests: Vec<(&Doc, Request)> = Vec::new();
    let mut role_names: BTreeMap<String, String> = BTreeMap::new();
    for doc in docs {
        let (list, next_links): (Vec<Item>, usize) = items(doc)?;
        out.next_links += next_links;
        for item in &list {
            let r = Request::read(doc, item)?;
            if let Some(name) = &r.role_name {
                role_names.insert(r.role_guid.clone(), name.clone());
            }
            if !seen.insert(r.id.to_ascii_lowercase()) {
                continue;
            }
            match (r.outcome, r.action) {
                (Outcome::Refused, _) => out.refused += 1,
                (Outcome::Pending, _) => out.pending += 1,
                (Outcome::Done, None) => out.ignored += 1,
                (Outcome::Done, Some(_)) => requests.push((doc, r)),
            }
        }
    }
    let mut timed = Vec::new();
    for (doc, r) in requests {
        let at = match r.action {
            Some(Action::Remove) => r.created.or(r.start),
            _ => r.start.or(r.created),
        };
        if at.is_none() && r.action == Some(Action::Remove) {
            let field = if r.arm {
                "/properties/createdOn"
            } else {
                "/createdDateTime"
            };
            return Err(r.error(
                doc,
                field,
                "missing: a removal needs its creation time or scheduleInfo.startDateTime",
            ));
        }
        timed.push((at, r.action == Some(Action::Remove), doc, r));
    }
    // Time order (a removal after an activation at the same instant); stable for ties.
    timed.sort_by_key(|(at, removal, _, _)| (*at, *removal));

    // The assignment key of each grant, and whether it is an activation a removal may end.
    let mut keys: Vec<((String, String, String), bool)> = Vec::new();
    for (at, removal, doc, r) in &timed {
        let entitlement = r
            .role_name
            .clone()
            .or_else(|| role_names.get(&r.role_guid).cloned())
            .unwrap_or_else(|| r.role_guid.clone());
        if !removal {
            out.grants.push(activation(doc, r, &entitlement));
            keys.push((r.key(), true));
            continue;
        }
        let at = at.expect("removals have a time");
        let key = r.key();
        let ended = keys
            .iter()
            .enumerate()
            .filter(|(i, (k, open))| {
                *open && *k == key && out.grants[*i].issued_at.is_none_or(|t| t <= at)
            })
            .max_by_key(|(i, _)| (out.grants[*i].issued_at, *i))
            .map(|(i, _)| i);
        match ended {
            Some(i) => {
                out.removals_applied += 1;
                close(&mut out.grants[i], doc, r, at);
                // The removal ends the assignment: an earlier activation of it (extended or
                // renewed since) that was still running ends with it.
                for (j, (k, open)) in keys.iter().enumerate() {
                    let g = &mut out.grants[j];
                    if j != i
                        && *open
                        && *k == key
                        && g.issued_at.is_none_or(|t| t <= at)
                        && g.ended_at().is_none_or(|e| e > at)
                    {
                        close(g, doc, r, at);
                    }
                }
            }
            None => {
                let mut g = base(doc, r, &entitlement);
                g.labels.insert("opened".into(), "before the export".into());
                close(&mut g, doc, r, at);
                out.grants.push(g);
                keys.push((key, false));
            }
        }
    }
    Ok(out)
}

/// The fields every grant of a request has.
fn base(doc: &Doc, r: &Request, entitlement: &str) -> Grant {
    let mut g = new_grant(SOURCE, &r.id, BOUNDARY, &r.scope, &r.principal, entitlement);
    g.target = r.target.clone();
    let labels = [
        ("pim_request_type", Some(&r.request_type)),
        ("pim_status", Some(&r.status)),
        ("role_definition_id", Some(&r.role_definition_id)),
        ("target_instance_id", r.target_instance.as_ref()),
        ("target_schedule_id", r.target_schedule.as_ref()),
        ("linked_eligibility_id", r.linked_eligibility.as_ref()),
        ("principal_name", r.principal_name.as_ref()),
    ];
    for (k, v) in labels {
        if let Some(v) = v {
            g.labels.insert(k.into(), v.clone());
        }
    }
    g.evidence.push(excerpt(doc, r, entitlement));
    g
}

fn activation(doc: &Doc, r: &Request, entitlement: &str) -> Grant {
    let mut g = base(doc, r, entitlement);
    g.issued_at = r.start.or(r.created);
    g.expires_at = r.expires;
    g.requested_by = r.requested_by.clone();
    g.approved_by = r.approval_id.clone();
    g.task = r.task();
    g
}

/// End `g` with removal `r` at `at` (an earlier removal of the same grant stands).
fn close(g: &mut Grant, doc: &Doc, r: &Request, at: DateTime<Utc>) {
    if g.revoked_at.is_none_or(|t| t > at) {
        g.revoked_at = Some(at);
        g.labels
            .insert("revoked_with".into(), r.request_type.clone());
        g.labels.insert("revocation_request".into(), r.id.clone());
        for (k, v) in [
            ("revoked_by", r.requested_by.clone()),
            ("revoked_reason", r.task()),
        ] {
            match v {
                Some(v) => g.labels.insert(k.into(), v),
                None => g.labels.remove(k),
            };
        }
    }
    if g.grant_id != r.id {
        let ev = excerpt(doc, r, &g.entitlement);
        g.evidence.push(ev);
    }
}

fn excerpt(doc: &Doc, r: &Request, entitlement: &str) -> crate::model::Evidence {
    let when = r
        .start
        .or(r.created)
        .map(rfc3339)
        .unwrap_or_else(|| "?".into());
    let by = r.requested_by.as_deref().unwrap_or("an unknown requestor");
    evidence(
        doc,
        &r.location(),
        &format!(
            "{} {} {when} by {by}: {entitlement} for {} on {}",
            r.request_type, r.status, r.principal, r.target
        ),
    )
}

/// One request object and where it sits: the JSON Lines line (if any) and its JSON pointer.
pub(super) struct Item {
    pub line: Option<usize>,
    pub pointer: String,
    pub value: Value,
}

/// The request objects of a document: one response (`{"value": […], "nextLink"?}`), a JSON
/// array of requests (or of responses), one request, or JSON Lines of any of these. Returns
/// the items and how many responses still had a next page link.
fn items(doc: &Doc) -> Result<(Vec<Item>, usize), LedgerError> {
    let values: Vec<(Option<usize>, Value)> = match serde_json::from_str::<Value>(&doc.text) {
        Ok(v) => vec![(None, v)],
        Err(e) => {
            let first_alone = content_lines(&doc.text)
                .next()
                .is_some_and(|(_, l)| serde_json::from_str::<Value>(l).is_ok());
            if !first_alone {
                let line = Some(e.line()).filter(|l| *l > 0);
                return Err(LedgerError::new(&doc.name, line, json_message(&e)));
            }
            content_lines(&doc.text)
                .map(|(n, l)| {
                    serde_json::from_str(l)
                        .map(|v| (Some(n), v))
                        .map_err(|e| LedgerError::at_line(&doc.name, n, json_message(&e)))
                })
                .collect::<Result<_, _>>()?
        }
    };
    let mut out = Vec::new();
    let mut next_links = 0;
    for (line, value) in values {
        let err = |msg: String| LedgerError::new(&doc.name, line, msg);
        match value {
            Value::Array(elems) => {
                for (i, e) in elems.into_iter().enumerate() {
                    next_links += response(&mut out, line, format!("/{i}"), e).map_err(err)?;
                }
            }
            v => next_links += response(&mut out, line, String::new(), v).map_err(err)?,
        }
    }
    Ok((out, next_links))
}

/// A response (its `value` items), an API error body (refused) or one request.
fn response(
    out: &mut Vec<Item>,
    line: Option<usize>,
    at: String,
    v: Value,
) -> Result<usize, String> {
    let Value::Object(obj) = v else {
        return Err(format!(
            "{}: expected a request or a response ({{\"value\": [...]}})",
            shown(&at)
        ));
    };
    if let Some(code) = obj.get("error").map(|e| text(e, "/code").unwrap_or("?")) {
        return Err(format!(
            "{}: the saved body is an API error ({code}), not requests",
            shown(&at)
        ));
    }
    let Some(value) = obj.get("value") else {
        out.push(Item {
            line,
            pointer: at,
            value: Value::Object(obj),
        });
        return Ok(0);
    };
    let Value::Array(list) = value else {
        return Err(format!("{at}/value: expected an array of requests"));
    };
    for (i, item) in list.iter().enumerate() {
        if !item.is_object() {
            return Err(format!("{at}/value/{i}: expected a JSON object"));
        }
        out.push(Item {
            line,
            pointer: format!("{at}/value/{i}"),
            value: item.clone(),
        });
    }
    let next = ["nextLink", "@odata.nextLink"].iter().any(|k| {
        obj.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    });
    Ok(usize::from(next))
}

fn shown(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the document"
    } else {
        pointer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_of_every_shape() {
        let item = r#"{"id": "r1", "action": "selfActivate"}"#;
        let shapes = [
            format!(r#"{{"value": [{item}], "nextLink": "https://next"}}"#),
            format!("[{item}]"),
            item.to_string(),
            format!("{{\"value\": [{item}]}}\n{{\"value\": []}}\n"),
        ];
        let pointers: Vec<(String, usize)> = shapes
            .iter()
            .map(|s| {
                let (items, next) = items(&Doc::new("d", s.as_str())).unwrap();
                (items[0].pointer.clone(), next)
            })
            .collect();
        assert_eq!(
            pointers,
            [
                ("/value/0".to_string(), 1),
                ("/0".to_string(), 0),
                (String::new(), 0),
                ("/value/0".to_string(), 0)
            ]
        );
        let e = items(&Doc::new(
            "e.json",
            r#"{"error": {"code": "AuthorizationFailed"}}"#,
        ))
        .err()
        .unwrap();
        assert!(e.message.contains("AuthorizationFailed"), "{e}");
        let e = items(&Doc::new("l.jsonl", "{\"value\": []}\n{\"value\": [\n"))
            .err()
            .unwrap();
        assert_eq!(e.line, Some(2), "{e}");
    }
}
