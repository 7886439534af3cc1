//! Teleport Access Requests from the audit log (`--ledger teleport:PATH`).
//!
//! Sources checked for the native shape:
//! - `gravitational/teleport` `api/proto/teleport/legacy/types/events/events.proto`:
//!   `AccessRequestCreate` (used for `access_request.create`, `.update` and `.review`) has the
//!   common `event`, `code`, `time`, `uid`, `cluster_name`, the user metadata `user`, the resource
//!   metadata `expires` (the access expiry) and `updated_by`, and `roles`, `id`, `state`,
//!   `delegator`, `reason`, `annotations`, `reviewer`, `proposed_state`, `resource_ids`
//!   (`{cluster, kind, name, sub_resource}`), `max_duration` (a timestamp), `assume_start_time`,
//!   `resource_names`; `AccessRequestExpire` has `id` and `expiry`; `AccessRequestDelete` has
//!   `user` and `id`.
//! - `lib/events/codes.go`: `T5000I` create, `T5001I` update, `T5002I` review, `T5003I` delete,
//!   `T5005I` expire; `lib/auth` emits `access_request.create` with `user`, `expires`, `roles`,
//!   `resource_ids`, `id`, `state` (`PENDING`), `reason`, and `access_request.update` with
//!   `updated_by`, `id`, `state`, `reason`, `roles` (the roles approved).
//! - RFD 0201 (native automatic reviews): a published `access_request.review` event
//!   (`reviewer`, `proposed_state`, `state` after the review, `expires`, `max_duration`).
//!
//! Input: the events as JSON lines (the event handler plugin, `tctl` exports) or a JSON array.
//!
//! Decisions:
//! - A grant exists only once the request is `APPROVED` (by a review that leaves it approved or
//!   an update): `issued_at` is that time (or `assume_start_time` when later). Requests that end
//!   `DENIED`, stay `PENDING` or are `PROMOTED` to an Access List (long-term access, not JIT) are
//!   not grants; they are returned in [`TeleportImport::not_granted`] with the label
//!   `teleport_state`, and `import_file` leaves them out.
//! - One grant per requested role (`grant_id` = request id, or `<id>/<role>` when several);
//!   `identity` and `requested_by` = the Teleport user, `entitlement` = the role, `task` = the
//!   request reason, `approved_by` = the approving reviewers (else the updater), `expires_at` =
//!   `expires`; `access_request.delete` sets `revoked_at` and `access_request.expire` the label
//!   `revocation` (certificates issued before either stay valid until they expire unless a lock
//!   is created; that is not verified here).
//! - Boundary: Teleport fronts many systems and the event does not say which. It is taken from
//!   the requested resources (`db` → postgres, or mysql when the name says so; Kubernetes kinds →
//!   kubernetes; `aws_ic_*` → aws), else from a word in the role name (`aws`, `pg`/`postgres`,
//!   `mysql`, `k8s`/`kube`, `gcp`, `azure`, `github`, `vault`), else `aws`; the label
//!   `boundary_from` says which. The scope is `teleport:<cluster>`, which names no live scope, so
//!   Teleport grants feed the untraceable and stretched checks but are not matched to live
//!   identities (the Teleport user is not one); to reconcile them, rewrite identity and scope
//!   into the neutral ledger.

use super::{Doc, ImportKind, Importer, evidence, json_items, new_grant, rfc3339, text, time_at};
use crate::ledger::{Grant, LedgerError};
use crate::model::{Boundary, Evidence};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

pub const SOURCE: &str = "teleport";

/// Reads Teleport audit events.
pub struct Teleport;

impl Importer for Teleport {
    const KIND: ImportKind = ImportKind::Teleport;
    const SUFFIXES: &'static [&'static str] = &[".json", ".jsonl", ".log"];

    fn import(docs: &[Doc]) -> Result<Vec<Grant>, LedgerError> {
        Ok(import_docs(docs)?.grants)
    }
}

/// Everything a Teleport audit export says about access requests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeleportImport {
    /// Approved requests, one grant per role.
    pub grants: Vec<Grant>,
    /// Requests that never granted access (denied, pending, promoted), labelled `teleport_state`.
    pub not_granted: Vec<Grant>,
    /// Events other than access request lifecycle events.
    pub ignored_events: usize,
}

#[derive(Default)]
struct Request {
    id: String,
    user: Option<String>,
    roles: Vec<String>,
    resources: Vec<(String, String)>,
    reason: Option<String>,
    cluster: Option<String>,
    expires: Option<DateTime<Utc>>,
    max_duration: Option<DateTime<Utc>>,
    assume_start: Option<DateTime<Utc>>,
    state: String,
    approved_at: Option<DateTime<Utc>>,
    approvers: Vec<String>,
    updaters: Vec<String>,
    deleted_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
    evidence: Vec<Evidence>,
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

/// A boundary named by a word in `text` (`aws-admin`, `pg_readwrite`, `k8s-prod`).
fn boundary_word(text: &str) -> Option<Boundary> {
    text.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|w| match w {
            "aws" | "iam" => Some(Boundary::new("aws")),
            "azure" | "entra" => Some(Boundary::new("azure")),
            "gcp" | "gcloud" => Some(Boundary::new("gcp")),
            "postgres" | "postgresql" | "pg" | "psql" => Some(Boundary::new("postgres")),
            "mysql" | "mariadb" => Some(Boundary::new("mysql")),
            "github" | "gh" => Some(Boundary::new("github")),
            "kube" | "k8s" | "kubernetes" | "eks" | "aks" | "gke" => {
                Some(Boundary::new("kubernetes"))
            }
            "vault" => Some(Boundary::new("vault")),
            _ => None,
        })
}

/// The boundary of a grant and where it came from (see the module documentation).
fn boundary_of(resources: &[(String, String)], role: &str) -> (Boundary, &'static str) {
    for (kind, name) in resources {
        let b = match kind.as_str() {
            "db" => Some(match boundary_word(name) {
                Some(b) if b.as_str() == "mysql" => b,
                _ => Boundary::new("postgres"),
            }),
            "kube_cluster" | "namespace" | "pod" => Some(Boundary::new("kubernetes")),
            k if k.starts_with("kube") => Some(Boundary::new("kubernetes")),
            k if k.starts_with("aws_ic") => Some(Boundary::new("aws")),
            "app" => boundary_word(name),
            _ => None,
        };
        if let Some(b) = b {
            return (b, "resource");
        }
    }
    match boundary_word(role) {
        Some(b) => (b, "role name"),
        None => (Boundary::new("aws"), "default"),
    }
}

fn excerpt(e: &Value, event: &str, time: DateTime<Utc>) -> String {
    let state = text(e, "/state").unwrap_or("");
    let by = text(e, "/reviewer")
        .or_else(|| text(e, "/updated_by"))
        .or_else(|| text(e, "/user"))
        .unwrap_or("?");
    let roles = strings(e, "roles").join(",");
    let mut s = if state.is_empty() {
        format!("{event} by {by} {}", rfc3339(time))
    } else {
        format!("{event} {state} by {by} {}", rfc3339(time))
    };
    if !roles.is_empty() {
        s.push_str(&format!(" roles {roles}"));
    }
    s
}

/// Read Teleport audit exports into grants.
pub fn import_docs(docs: &[Doc]) -> Result<TeleportImport, LedgerError> {
    let mut events = Vec::new();
    let mut out = TeleportImport::default();
    for doc in docs {
        for item in json_items(doc)? {
            let event = text(&item.value, "/event").unwrap_or("");
            let (Some(time), Some(_)) = (
                time_at(&item.value, "/time"),
                event.strip_prefix("access_request."),
            ) else {
                out.ignored_events += 1;
                continue;
            };
            events.push((time, doc, item));
        }
    }
    events.sort_by_key(|(t, _, _)| *t);

    let mut order: Vec<String> = Vec::new();
    let mut requests: BTreeMap<String, Request> = BTreeMap::new();
    for (time, doc, item) in &events {
        let e = &item.value;
        let event = text(e, "/event").unwrap_or("");
        let Some(id) = text(e, "/id") else {
            out.ignored_events += 1; // e.g. access_request.search
            continue;
        };
        let r = requests.entry(id.to_string()).or_insert_with(|| {
            order.push(id.to_string());
            Request {
                id: id.to_string(),
                ..Default::default()
            }
        });
        r.evidence
            .push(evidence(doc, &item.pointer, &excerpt(e, event, *time)));
        r.cluster = r
            .cluster
            .take()
            .or_else(|| text(e, "/cluster_name").map(str::to_string));
        if let Some(t) = time_at(e, "/expires") {
            r.expires = Some(t);
        }
        if let Some(t) = time_at(e, "/max_duration") {
            r.max_duration = Some(t);
        }
        if let Some(t) = time_at(e, "/assume_start_time") {
            r.assume_start = Some(t);
        }
        if let Some(state) = text(e, "/state") {
            r.state = state.to_string();
        }
        match event {
            "access_request.create" => {
                r.user = text(e, "/user").map(str::to_string);
                r.roles = strings(e, "roles");
                r.reason = text(e, "/reason").map(str::to_string);
                r.resources = e
                    .get("resource_ids")
                    .and_then(Value::as_array)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|i| {
                                Some((text(i, "/kind")?.to_string(), text(i, "/name")?.to_string()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
            }
            "access_request.review" => {
                if let Some(reviewer) = text(e, "/reviewer")
                    && text(e, "/proposed_state") == Some("APPROVED")
                {
                    push_unique(&mut r.approvers, reviewer);
                }
            }
            "access_request.update" => {
                let roles = strings(e, "roles");
                if !roles.is_empty() {
                    r.roles = roles; // the roles actually approved
                }
                if let Some(by) = text(e, "/delegator").or_else(|| text(e, "/updated_by")) {
                    push_unique(&mut r.updaters, by);
                }
            }
            "access_request.delete" => r.deleted_at = Some(*time),
            "access_request.expire" => r.expired_at = Some(*time),
            _ => {}
        }
        if r.state == "APPROVED" && r.approved_at.is_none() {
            r.approved_at = Some(*time);
        }
    }

    for id in order {
        let r = &requests[&id];
        let granted = r.approved_at.is_some() && r.state != "DENIED" && r.state != "PROMOTED";
        let roles: Vec<&str> = if r.roles.is_empty() {
            vec![""]
        } else {
            r.roles.iter().map(String::as_str).collect()
        };
        for role in &roles {
            let g = grant(r, role, roles.len() > 1, granted);
            if granted {
                out.grants.push(g)
            } else {
                out.not_granted.push(g)
            }
        }
    }
    Ok(out)
}

fn grant(r: &Request, role: &str, several: bool, granted: bool) -> Grant {
    let (boundary, from) = boundary_of(&r.resources, role);
    let scope = match &r.cluster {
        Some(c) => format!("teleport:{c}"),
        None => "teleport".to_string(),
    };
    let id = if several {
        format!("{}/{role}", r.id)
    } else {
        r.id.clone()
    };
    let mut g = new_grant(
        SOURCE,
        id,
        boundary,
        scope,
        r.user.clone().unwrap_or_default(),
        role,
    );
    g.target = r
        .resources
        .iter()
        .map(|(k, n)| format!("{k}/{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    g.requested_by = r.user.clone();
    g.task = r.reason.clone();
    let approvers = if r.approvers.is_empty() {
        &r.updaters
    } else {
        &r.approvers
    };
    g.approved_by = (!approvers.is_empty()).then(|| approvers.join(", "));
    g.labels.insert("teleport_request_id".into(), r.id.clone());
    g.labels.insert(
        "teleport_state".into(),
        if r.state.is_empty() {
            "UNKNOWN".into()
        } else {
            r.state.clone()
        },
    );
    g.labels.insert("boundary_from".into(), from.into());
    if let Some(t) = r.max_duration {
        g.labels.insert("max_duration".into(), rfc3339(t));
    }
    g.evidence = r.evidence.clone();
    if !granted {
        return g;
    }
    g.issued_at = match (r.approved_at, r.assume_start) {
        (Some(a), Some(s)) => Some(a.max(s)),
        (a, s) => a.or(s),
    };
    g.expires_at = r.expires.or(r.max_duration);
    if let Some(t) = r.deleted_at.filter(|t| g.issued_at.is_none_or(|i| *t >= i)) {
        g.revoked_at = Some(t);
        g.labels
            .insert("revocation".into(), "access_request.delete".into());
    } else if r.expired_at.is_some() {
        g.labels
            .insert("revocation".into(), "access_request.expire".into());
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_from_resources_then_role_words() {
        let db = vec![("db".to_string(), "orders-mysql".to_string())];
        assert_eq!(
            boundary_of(&db, "dba"),
            (Boundary::new("mysql"), "resource")
        );
        let kube = vec![("kube_cluster".to_string(), "prod".to_string())];
        assert_eq!(
            boundary_of(&kube, "aws-admin"),
            (Boundary::new("kubernetes"), "resource")
        );
        assert_eq!(
            boundary_of(&[], "pg_readwrite"),
            (Boundary::new("postgres"), "role name")
        );
        assert_eq!(
            boundary_of(&[], "editor"),
            (Boundary::new("aws"), "default")
        );
    }
}
