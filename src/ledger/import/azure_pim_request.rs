//! One Azure PIM role assignment schedule request, read from the ARM or the Graph shape (see
//! [`super::azure_pim`] for the sources checked).

use super::azure_pim::Item;
use super::{Doc, text};
use crate::ledger::LedgerError;
use crate::time::{parse_iso8601_duration, parse_timestamp};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// What a request does to the assignment it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Activate,
    Remove,
}

/// Whether a request granted (or removed) anything, by its `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Done,
    /// Denied, canceled, failed, timed out or invalid: nothing changed.
    Refused,
    /// Still waiting for approval or provisioning when the export was taken.
    Pending,
}

/// A request in neither shape's words: ids lower-cased where they are compared.
pub(super) struct Request {
    /// The ARM shape (fields under `properties`), else Graph.
    pub arm: bool,
    pub line: Option<usize>,
    pub pointer: String,
    pub id: String,
    pub request_type: String,
    /// `None` for request types this importer does not know.
    pub action: Option<Action>,
    pub status: String,
    pub outcome: Outcome,
    pub principal: String,
    pub principal_name: Option<String>,
    pub role_definition_id: String,
    pub role_guid: String,
    pub role_name: Option<String>,
    /// The ARM scope as written, or `directory:<directoryScopeId>`.
    pub target: String,
    /// The subscription id of an ARM scope, else empty.
    pub scope: String,
    pub start: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    pub requested_by: Option<String>,
    pub approval_id: Option<String>,
    pub justification: Option<String>,
    pub ticket: Option<String>,
    pub target_instance: Option<String>,
    pub target_schedule: Option<String>,
    pub linked_eligibility: Option<String>,
}

const ACTIVATIONS: &[&str] = &[
    "selfactivate",
    "adminassign",
    "adminupdate",
    "adminextend",
    "adminrenew",
    "selfextend",
    "selfrenew",
];
const REMOVALS: &[&str] = &["adminremove", "selfdeactivate"];
const REFUSED: &[&str] = &[
    "denied",
    "admindenied",
    "canceled",
    "cancelled",
    "failed",
    "failedasresourceislocked",
    "timedout",
    "invalid",
];

/// The subscription id of an ARM scope (`/subscriptions/<id>/…`), lower-cased; empty for
/// management groups, the root and directory scopes.
pub(super) fn subscription_of(scope: &str) -> String {
    let mut parts = scope.trim_start_matches('/').split('/');
    match (parts.next(), parts.next()) {
        (Some(s), Some(id)) if s.eq_ignore_ascii_case("subscriptions") && !id.is_empty() => {
            id.to_ascii_lowercase()
        }
        _ => String::new(),
    }
}

impl Request {
    /// Read one request; ARM items carry their fields under `properties`, Graph items do not.
    pub(super) fn read(doc: &Doc, item: &Item) -> Result<Request, LedgerError> {
        let v = &item.value;
        let arm = v.get("properties").is_some_and(Value::is_object);
        let base = if arm { "/properties" } else { "" };
        let at = |field: &str| format!("{}{base}{field}", item.pointer);
        let err = |pointer: String, msg: String| {
            LedgerError::new(&doc.name, item.line, format!("{pointer}: {msg}"))
        };
        let field = |f: &str| text(v, &format!("{base}{f}")).map(str::to_string);
        let need = |f: &str| field(f).ok_or_else(|| err(at(f), "missing".into()));
        let time = |f: &str| -> Result<Option<DateTime<Utc>>, LedgerError> {
            match v.pointer(&format!("{base}{f}")) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => parse_timestamp(s)
                    .map(Some)
                    .ok_or_else(|| err(at(f), format!("`{s}` is not a time"))),
                Some(other) => Err(err(at(f), format!("{other} is not a time"))),
            }
        };

        let type_field = if arm { "/requestType" } else { "/action" };
        let request_type = need(type_field)?;
        let lower = request_type.to_ascii_lowercase();
        let action = if ACTIVATIONS.contains(&lower.as_str()) {
            Some(Action::Activate)
        } else if REMOVALS.contains(&lower.as_str()) {
            Some(Action::Remove)
        } else {
            None
        };
        let status = need("/status")?;
        let s = status.to_ascii_lowercase();
        let outcome = if REFUSED.contains(&s.as_str()) {
            Outcome::Refused
        } else if s.starts_with("pending") {
            Outcome::Pending
        } else {
            Outcome::Done
        };
        let id = if arm {
            text(v, "/name")
                .or_else(|| text(v, "/id").and_then(|id| id.rsplit('/').next()))
                .map(str::to_string)
                .ok_or_else(|| err(format!("{}/name", item.pointer), "missing".into()))?
        } else {
            need("/id")?
        };
        let principal = need("/principalId")?.to_ascii_lowercase();
        let role_definition_id = need("/roleDefinitionId")?;
        let role_guid = role_definition_id
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (target, scope) = if arm {
            let scope = field("/scope")
                .or_else(|| field("/expandedProperties/scope/id"))
                .or_else(|| {
                    let id = text(v, "/id")?;
                    let cut = id
                        .to_ascii_lowercase()
                        .find("/providers/microsoft.authorization/")?;
                    Some(id[..cut].to_string()).filter(|s| !s.is_empty())
                })
                .ok_or_else(|| err(at("/scope"), "missing".into()))?;
            let sub = subscription_of(&scope);
            (scope, sub)
        } else {
            let target = field("/directoryScopeId")
                .map(|d| format!("directory:{d}"))
                .or_else(|| field("/appScopeId").map(|a| format!("app:{a}")))
                .ok_or_else(|| err(at("/directoryScopeId"), "missing".into()))?;
            (target, String::new())
        };
        let (role_name, principal_name) = if arm {
            (
                field("/expandedProperties/roleDefinition/displayName"),
                field("/expandedProperties/principal/displayName"),
            )
        } else {
            (
                field("/roleDefinition/displayName"),
                field("/principal/displayName"),
            )
        };

        let start = time("/scheduleInfo/startDateTime")?;
        let created = time(if arm {
            "/createdOn"
        } else {
            "/createdDateTime"
        })?;
        let end = time("/scheduleInfo/expiration/endDateTime")?;
        let duration = match field("/scheduleInfo/expiration/duration") {
            None => None,
            Some(d) => Some(parse_iso8601_duration(&d).ok_or_else(|| {
                err(
                    at("/scheduleInfo/expiration/duration"),
                    format!(
                        "`{d}` is not an ISO 8601 duration of fixed length (PT8H, P1D, PT1H45M)"
                    ),
                )
            })?),
        };
        let after = |d: chrono::Duration| start.or(created).and_then(|s| s.checked_add_signed(d));
        let kind = field("/scheduleInfo/expiration/type").map(|k| k.to_ascii_lowercase());
        let expires = match kind.as_deref() {
            Some("noexpiration") => None,
            Some("afterdatetime") => Some(end.ok_or_else(|| {
                err(
                    at("/scheduleInfo/expiration/endDateTime"),
                    "missing for AfterDateTime".into(),
                )
            })?),
            Some("afterduration") => after(duration.ok_or_else(|| {
                err(
                    at("/scheduleInfo/expiration/duration"),
                    "missing for AfterDuration".into(),
                )
            })?),
            _ => end.or_else(|| duration.and_then(after)),
        };

        let requested_by = if arm {
            field("/requestorId")
        } else {
            field("/createdBy/user/id").or_else(|| field("/createdBy/application/id"))
        };
        let ticket = match (
            field("/ticketInfo/ticketSystem"),
            field("/ticketInfo/ticketNumber"),
        ) {
            (Some(s), Some(n)) => Some(format!("{s} {n}")),
            (s, n) => s.or(n),
        };
        Ok(Request {
            arm,
            line: item.line,
            pointer: item.pointer.clone(),
            id,
            request_type,
            action,
            status,
            outcome,
            principal,
            principal_name,
            role_definition_id,
            role_guid,
            role_name,
            target,
            scope,
            start,
            created,
            expires,
            requested_by,
            approval_id: field("/approvalId"),
            justification: field("/justification"),
            ticket,
            target_instance: field("/targetRoleAssignmentScheduleInstanceId"),
            target_schedule: field(if arm {
                "/targetRoleAssignmentScheduleId"
            } else {
                "/targetScheduleId"
            }),
            linked_eligibility: field("/linkedRoleEligibilityScheduleId"),
        })
    }

    /// `INC-4411 (ServiceNow 1234)`: the justification and the ticket, either alone, or none.
    pub(super) fn task(&self) -> Option<String> {
        match (&self.justification, &self.ticket) {
            (Some(j), Some(t)) => Some(format!("{j} ({t})")),
            (j, t) => j.clone().or_else(|| t.clone()),
        }
    }

    /// An error about this request (its file, line and pointer).
    pub(super) fn error(&self, doc: &Doc, field: &str, msg: &str) -> LedgerError {
        LedgerError::new(
            &doc.name,
            self.line,
            format!("{}{field}: {msg}", self.pointer),
        )
    }

    /// Where the request is, as evidence cites it: a JSON pointer, or `line N` and one.
    pub(super) fn location(&self) -> String {
        match (self.line, self.pointer.is_empty()) {
            (Some(n), true) => format!("line {n}"),
            (Some(n), false) => format!("line {n} {}", self.pointer),
            (None, _) => self.pointer.clone(),
        }
    }

    /// The assignment a request acts on: principal, role and scope, without case.
    pub(super) fn key(&self) -> (String, String, String) {
        (
            self.principal.clone(),
            self.role_guid.clone(),
            self.target.trim_end_matches('/').to_ascii_lowercase(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_from_scopes() {
        let sub = "00000000-1111-2222-3333-444444444444";
        assert_eq!(subscription_of(&format!("/subscriptions/{sub}")), sub);
        assert_eq!(
            subscription_of(
                "/Subscriptions/00000000-1111-2222-3333-44444444444A/resourceGroups/rg"
            ),
            "00000000-1111-2222-3333-44444444444a"
        );
        assert_eq!(
            subscription_of("/providers/Microsoft.Management/managementGroups/mg-prod"),
            ""
        );
        assert_eq!(subscription_of("/"), "");
    }
}
