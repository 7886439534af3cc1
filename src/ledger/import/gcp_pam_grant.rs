//! One Privileged Access Manager grant, read from its JSON (see [`super::gcp_pam`] for the
//! sources checked), and the ledger grants it becomes: one per role binding.

use super::{Doc, evidence, new_grant, rfc3339, text};
use crate::ledger::{Grant, LedgerError};
use crate::scan::gcp::BOUNDARY;
use crate::time::{parse_protobuf_duration, parse_timestamp};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

/// The host prefix of a Resource Manager full resource name.
const RESOURCE_MANAGER: &str = "//cloudresourcemanager.googleapis.com/";

/// What a grant's `state` says about access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Access was given: `ACTIVE`, `ENDED`, `REVOKED`, `REVOKING`.
    Gave,
    /// Access was never given: `EXPIRED` (approval timed out), `DENIED`, `WITHDRAWN`,
    /// `ACTIVATION_FAILED`.
    Never,
    /// No access yet: `APPROVAL_AWAITED`, `SCHEDULED`, `ACTIVATING`, `WITHDRAWING`.
    Pending,
    /// `STATE_UNSPECIFIED` or a state this importer does not know.
    Unknown,
}

fn phase(state: &str) -> Phase {
    match state {
        "ACTIVE" | "ENDED" | "REVOKED" | "REVOKING" => Phase::Gave,
        "EXPIRED" | "DENIED" | "WITHDRAWN" | "ACTIVATION_FAILED" => Phase::Never,
        "APPROVAL_AWAITED" | "SCHEDULED" | "ACTIVATING" | "WITHDRAWING" => Phase::Pending,
        _ => Phase::Unknown,
    }
}

/// The `revoked` event of a timeline.
#[derive(Debug, Clone, Default)]
pub(super) struct Revoked {
    pub at: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub reason: Option<String>,
}

/// A grant in the API's words, times parsed.
#[derive(Debug, Clone)]
pub(super) struct PamGrant {
    /// `projects/P/locations/L/entitlements/E/grants/G` (or under a folder or organization).
    pub name: String,
    /// Where the grant sits in its document (a JSON pointer; empty for the whole document).
    pub pointer: String,
    pub state: String,
    pub phase: Phase,
    pub requester: Option<String>,
    pub justification: Option<String>,
    /// `requestedDuration` as written and parsed.
    pub requested: Option<(String, Duration)>,
    pub roles: Vec<String>,
    /// `privilegedAccess.gcpIamAccess.resource`.
    pub resource: Option<String>,
    pub updated: Option<DateTime<Utc>>,
    /// `auditTrail.accessGrantTime` / `accessRemoveTime`.
    pub granted: Option<DateTime<Utc>>,
    pub removed: Option<DateTime<Utc>>,
    /// The `activated` and `ended` events' times.
    pub activated: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
    /// The actors of the `approved` events, in timeline order.
    pub approvers: Vec<String>,
    pub revoked: Option<Revoked>,
    pub externally_modified: bool,
}

/// `projects/P/…` → `("projects", "P")`; `None` when the name has no such parent.
fn parent_of(name: &str) -> Option<(&str, &str)> {
    let mut parts = name.split('/');
    let (kind, id) = (parts.next()?, parts.next()?);
    matches!(kind, "projects" | "folders" | "organizations")
        .then_some((kind, id))
        .filter(|(_, id)| !id.is_empty())
}

impl PamGrant {
    /// Whether a service account asked for it (a person's grant is no non-human access).
    pub(crate) fn by_service_account(&self) -> bool {
        self.requester.as_deref().is_some_and(|r| {
            r.trim()
                .to_ascii_lowercase()
                .ends_with(".gserviceaccount.com")
        })
    }

    /// Read one grant object at `pointer` of `doc`. Errors name the file and the pointer of
    /// the field to blame.
    pub(super) fn read(doc: &Doc, pointer: &str, v: &Value) -> Result<PamGrant, LedgerError> {
        let err = |field: &str, msg: String| {
            LedgerError::in_file(&doc.name, format!("{pointer}{field}: {msg}"))
        };
        let string = |field: &str| -> Result<Option<String>, LedgerError> {
            match v.pointer(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
                Some(other) => Err(err(
                    field,
                    format!("expected a string, not {}", kind(other)),
                )),
            }
        };
        let time = |field: &str| -> Result<Option<DateTime<Utc>>, LedgerError> {
            match string(field)? {
                None => Ok(None),
                Some(s) => parse_timestamp(&s)
                    .map(Some)
                    .ok_or_else(|| err(field, format!("`{s}` is not an RFC 3339 time"))),
            }
        };

        let name = string("/name")?.ok_or_else(|| err("/name", "missing".into()))?;
        if !name.contains("/grants/") || parent_of(&name).is_none() {
            return Err(err(
                "/name",
                format!(
                    "`{name}` is not a PAM grant name \
                     (projects|folders|organizations/ID/locations/L/entitlements/E/grants/G)"
                ),
            ));
        }
        let state = string("/state")?.ok_or_else(|| err("/state", "missing".into()))?;
        let requested = match string("/requestedDuration")? {
            None => None,
            Some(d) => {
                let parsed = parse_protobuf_duration(&d).ok_or_else(|| {
                    err(
                        "/requestedDuration",
                        format!("`{d}` is not a duration in seconds (\"7200s\")"),
                    )
                })?;
                Some((d, parsed))
            }
        };
        let access = "/privilegedAccess/gcpIamAccess";
        let mut roles = Vec::new();
        match v.pointer(&format!("{access}/roleBindings")) {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for i in 0..list.len() {
                    let field = format!("{access}/roleBindings/{i}/role");
                    let role = string(&field)?.ok_or_else(|| err(&field, "missing".into()))?;
                    if !roles.contains(&role) {
                        roles.push(role);
                    }
                }
            }
            Some(other) => {
                return Err(err(
                    &format!("{access}/roleBindings"),
                    format!("expected an array, not {}", kind(other)),
                ));
            }
        }

        let mut g = PamGrant {
            phase: phase(&state),
            name,
            pointer: pointer.to_string(),
            state,
            requester: string("/requester")?,
            justification: string("/justification/unstructuredJustification")?,
            requested,
            roles,
            resource: string(&format!("{access}/resource"))?,
            updated: time("/updateTime")?,
            granted: time("/auditTrail/accessGrantTime")?,
            removed: time("/auditTrail/accessRemoveTime")?,
            activated: None,
            ended: None,
            approvers: Vec::new(),
            revoked: None,
            externally_modified: v.get("externallyModified").and_then(Value::as_bool) == Some(true),
        };
        let events = match v.pointer("/timeline/events") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(list)) => list.as_slice(),
            Some(other) => {
                return Err(err(
                    "/timeline/events",
                    format!("expected an array, not {}", kind(other)),
                ));
            }
        };
        for (i, event) in events.iter().enumerate() {
            let at = format!("/timeline/events/{i}");
            if !event.is_object() {
                return Err(err(&at, "expected an event object".into()));
            }
            let when = time(&format!("{at}/eventTime"))?;
            let field = |key: &str, f: &str| string(&format!("{at}/{key}/{f}"));
            if event.get("activated").is_some() {
                g.activated = g.activated.or(when);
            } else if event.get("ended").is_some() {
                g.ended = when.or(g.ended);
            } else if event.get("approved").is_some() {
                if let Some(actor) = field("approved", "actor")?
                    && !g.approvers.contains(&actor)
                {
                    g.approvers.push(actor);
                }
            } else if event.get("revoked").is_some() {
                g.revoked = Some(Revoked {
                    at: when,
                    actor: field("revoked", "actor")?,
                    reason: field("revoked", "reason")?,
                });
            } else if event.get("externallyModified").is_some() {
                g.externally_modified = true;
            }
        }
        if g.phase == Phase::Gave && g.roles.is_empty() {
            return Err(err(
                &format!("{access}/roleBindings"),
                format!(
                    "missing: a {} grant names the roles it gave (only IAM access is read)",
                    g.state
                ),
            ));
        }
        Ok(g)
    }

    /// `projects/P/locations/global/entitlements/E`.
    pub(super) fn entitlement(&self) -> &str {
        self.name
            .rsplit_once("/grants/")
            .map(|(e, _)| e)
            .unwrap_or(&self.name)
    }

    /// When access began: the audit trail's grant time, else the `activated` event.
    pub(super) fn issued(&self) -> Option<DateTime<Utc>> {
        self.granted.or(self.activated)
    }

    /// The ledger grants of this grant, one per role: `numbers` maps project numbers to ids
    /// (from the project documents read with it), so a grant named by number meets the
    /// project the scanner names by id.
    pub(super) fn grants(&self, doc: &Doc, numbers: &BTreeMap<String, String>) -> Vec<Grant> {
        let project = |id: &str| numbers.get(id).cloned().unwrap_or_else(|| id.to_string());
        let (kind, id) = parent_of(&self.name).expect("checked when read");
        let scope = if kind == "projects" {
            project(id)
        } else {
            format!("{kind}/{id}")
        };
        let target = match self
            .resource
            .as_deref()
            .map(|r| r.strip_prefix(RESOURCE_MANAGER).unwrap_or(r))
        {
            Some(r) => match parent_of(r) {
                Some(("projects", p)) if r.matches('/').count() == 1 => {
                    format!("projects/{}", project(p))
                }
                _ => r.to_string(),
            },
            None if kind == "projects" => format!("projects/{scope}"),
            None => scope.clone(),
        };
        let issued = self.issued();
        let after = self
            .requested
            .as_ref()
            .and_then(|(_, d)| issued.and_then(|i| i.checked_add_signed(*d)));
        let expires = match self.state.as_str() {
            "ENDED" => self.removed.or(self.ended).or(after),
            _ => after,
        };
        let revoked_at = match self.state.as_str() {
            "REVOKED" => self
                .removed
                .or_else(|| self.revoked.as_ref().and_then(|r| r.at)),
            "REVOKING" => self.revoked.as_ref().and_then(|r| r.at),
            _ => None,
        };
        let identity = self
            .requester
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let several = self.roles.len() > 1;
        self.roles
            .iter()
            .map(|role| {
                let id = if several {
                    format!("{}#{role}", self.name)
                } else {
                    self.name.clone()
                };
                let mut g = new_grant(
                    super::gcp_pam::SOURCE,
                    id,
                    BOUNDARY,
                    &scope,
                    &identity,
                    role,
                );
                g.target = target.clone();
                g.task = self.justification.clone();
                g.requested_by = self.requester.clone();
                g.approved_by = Some(self.approvers.join(", ")).filter(|a| !a.is_empty());
                g.issued_at = issued;
                g.expires_at = expires;
                g.revoked_at = revoked_at;
                self.label(&mut g);
                g.evidence
                    .push(evidence(doc, &self.pointer, &self.excerpt(role, &target)));
                g
            })
            .collect()
    }

    fn label(&self, g: &mut Grant) {
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                g.labels.insert(k.into(), v);
            }
        };
        put("pam_state", Some(self.state.clone()));
        put("pam_entitlement", Some(self.entitlement().to_string()));
        put(
            "requested_duration",
            self.requested.as_ref().map(|(d, _)| d.clone()),
        );
        if let Some(r) = &self.revoked {
            put("revoked_by", r.actor.clone());
            put("revoked_reason", r.reason.clone());
        }
        if matches!(self.state.as_str(), "ENDED" | "REVOKED") {
            // PAM's own record that it took the binding away: revocation evidence even where
            // jitgap did not read the project's policy.
            put(
                "revocation",
                self.removed
                    .map(|t| format!("auditTrail.accessRemoveTime {}", rfc3339(t))),
            );
        }
        if self.externally_modified {
            put("externally_modified", Some("true".into()));
        }
    }

    fn excerpt(&self, role: &str, target: &str) -> String {
        let by = self.requester.as_deref().unwrap_or("an unknown requester");
        let when = |t: Option<DateTime<Utc>>| t.map(rfc3339).unwrap_or_else(|| "?".into());
        let mut out = format!("{} grant by {by}: {role} on {target}", self.state);
        if let Some((d, _)) = &self.requested {
            out.push_str(&format!(" for {d}"));
        }
        if self.phase == Phase::Gave {
            out.push_str(&format!(", access {}", when(self.issued())));
            if let Some(end) = self.removed {
                out.push_str(&format!(" to {}", rfc3339(end)));
            }
        }
        out
    }
}

/// The JSON type of a value, for messages that must not quote it.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A grant-like object: a `name` under `…/grants/`.
pub(super) fn looks_like_grant(v: &Value) -> bool {
    text(v, "/name").is_some_and(|n| n.contains("/grants/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<PamGrant, LedgerError> {
        PamGrant::read(&Doc::new("g.json", ""), "/grants/0", &v)
    }

    #[test]
    fn states_and_parents() {
        assert_eq!(phase("ACTIVE"), Phase::Gave);
        assert_eq!(phase("EXPIRED"), Phase::Never);
        assert_eq!(phase("SCHEDULED"), Phase::Pending);
        assert_eq!(phase("STATE_UNSPECIFIED"), Phase::Unknown);
        assert_eq!(
            parent_of("folders/12/locations/global/entitlements/e/grants/g"),
            Some(("folders", "12"))
        );
        assert_eq!(parent_of("billingAccounts/1/x"), None);
        assert_eq!(parent_of("projects//x"), None);
    }

    #[test]
    fn errors_name_the_field() {
        let name = "projects/p1/locations/global/entitlements/e/grants/g";
        let e = read(json!({"name": name})).unwrap_err();
        assert_eq!(e.to_string(), "g.json: /grants/0/state: missing");
        let e =
            read(json!({"name": name, "state": "ACTIVE", "requestedDuration": "2h"})).unwrap_err();
        assert!(
            e.message.starts_with("/grants/0/requestedDuration: `2h`"),
            "{e}"
        );
        let e = read(json!({"name": name, "state": "ACTIVE"})).unwrap_err();
        assert!(
            e.message
                .starts_with("/grants/0/privilegedAccess/gcpIamAccess/roleBindings: missing"),
            "{e}"
        );
        let e = read(json!({"name": "projects/p1/x", "state": "ACTIVE"})).unwrap_err();
        assert!(e.message.contains("not a PAM grant name"), "{e}");
        let e = read(json!({"name": name, "state": "EXPIRED",
            "timeline": {"events": [{"eventTime": "yesterday", "expired": {}}]}}))
        .unwrap_err();
        assert!(
            e.message
                .starts_with("/grants/0/timeline/events/0/eventTime: `yesterday`"),
            "{e}"
        );
        // A grant that gave nothing needs no roles.
        assert_eq!(
            read(json!({"name": name, "state": "DENIED"}))
                .unwrap()
                .phase,
            Phase::Never
        );
    }
}
