//! HashiCorp Vault file audit device: dynamic-secret leases as grants (`--ledger vault-audit:PATH`).
//!
//! Sources checked for the native shape:
//! - `hashicorp/vault` `audit/types.go`: each line is a `RequestEntry` or `ResponseEntry`
//!   (`time`, `type` = `request`|`response`, `error`, `auth{display_name, entity_id, metadata,
//!   policies, token_ttl, …}`, `request{id, operation, path, mount_point, mount_type, data,
//!   headers, remote_address, …}`, `response{data, secret{lease_id}, mount_point, mount_type, …}`).
//!   The audit `Secret` holds only `lease_id`: the lease TTL is not logged.
//! - `hashicorp/vault` `audit/hashstructure.go` (`hashResponse`, `hashRequest`): strings in
//!   `request.data` and `response.data` (and tokens, accessors) are HMAC-ed as `hmac-sha256:…`
//!   unless the device runs with `log_raw` or the key is listed in `audit_non_hmac_*_keys`;
//!   `response.secret.lease_id`, paths, `auth.display_name` and `auth.entity_id` are not.
//! - Vault docs, "Audit devices" (one JSON object per line, `type` request/response, strings
//!   hashed with a salt using HMAC-SHA256) and `api-docs/system/leases` (`sys/leases/revoke`
//!   with `lease_id` in the body or the URL, `revoke-prefix/:prefix`, `revoke-force/:prefix`).
//!
//! What becomes a grant: a successful `response` to a read of `<mount>/creds/<role>` carrying
//! `response.secret.lease_id`. `grant_id` is the lease id, `scope` is `vault` (the reconciler
//! treats it as any scope), `target` the request path, `entitlement` empty (the dynamic user *is*
//! the grant). The identity is `response.data.username` when logged in clear; HMAC-ed (the
//! default) it is `vault-lease:<lease_id>`, and the labels `vault_role` and `issued_unix` let the
//! reconciler match the database role Vault created by its default name template
//! (`v-<display>-<role>-<random>-<unix time>`): `--ledger vault-audit:PATH` grants are matched to
//! database roles by name pattern. The boundary follows `mount_type` (`aws`, `azure`, `gcp`,
//! `kubernetes`); for `database` mounts it is `mysql` when the mount or role name says
//! `mysql`/`mariadb`, else `postgres`. Other secrets engines are skipped.
//!
//! Revocation: `sys/leases/revoke` (lease id in the body, matched only when not HMAC-ed),
//! `sys/leases/revoke/<lease_id>`, `sys/revoke/<lease_id>` and the `revoke-prefix` /
//! `revoke-force` forms close the matching grants (`revoked_at`); a response with `error` does
//! not. Renewals (`sys/leases/renew`, answered with `secret.lease_id`) are added as evidence.
//! Limits: the file device logs no lease TTL, so `expires_at` stays empty unless an exporter
//! added `secret.ttl` / `secret.lease_duration`, and leases Vault expires on its own leave no
//! line; the live `--ledger vault` importer reads both.

use super::{Doc, ImportKind, Importer, evidence, json_items, new_grant, rfc3339, text, time_at};
use crate::ledger::{Grant, LedgerError, VAULT_ROLE};
use crate::model::Boundary;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::BTreeSet;

pub const SOURCE: &str = "vault-audit";
const HMAC_PREFIX: &str = "hmac-sha256:";

/// Reads Vault file audit device logs.
pub struct VaultAudit;

impl Importer for VaultAudit {
    const KIND: ImportKind = ImportKind::VaultAudit;
    const SUFFIXES: &'static [&'static str] = &[".log", ".json", ".jsonl"];

    fn import(docs: &[Doc]) -> Result<Vec<Grant>, LedgerError> {
        Ok(import_docs(docs)?.grants)
    }
}

/// Everything a Vault audit log says about leases.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VaultAuditImport {
    pub grants: Vec<Grant>,
    /// Revocations whose lease id was HMAC-ed in the log, so no grant could be closed by them.
    pub hmac_revocations: usize,
    /// Requests or responses that failed (`error` set).
    pub failed: usize,
}

fn is_hmac(s: &str) -> bool {
    s.starts_with(HMAC_PREFIX)
}

/// A clear (not HMAC-ed) non-empty string at a JSON pointer.
fn clear<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    text(v, pointer).filter(|s| !is_hmac(s))
}

struct Line<'d> {
    doc: &'d Doc,
    pointer: String,
    entry: Value,
    time: DateTime<Utc>,
}

impl Line<'_> {
    fn is_response(&self) -> bool {
        text(&self.entry, "/type") == Some("response")
    }

    fn path(&self) -> &str {
        text(&self.entry, "/request/path").unwrap_or("")
    }

    fn failed(&self) -> bool {
        text(&self.entry, "/error").is_some()
    }

    fn evidence(&self, what: &str) -> crate::model::Evidence {
        let who = text(&self.entry, "/auth/display_name").unwrap_or("?");
        let op = text(&self.entry, "/request/operation").unwrap_or("?");
        let kind = text(&self.entry, "/type").unwrap_or("?");
        evidence(
            self.doc,
            &self.pointer,
            &format!(
                "{kind} {op} {} {} by {who}: {what}",
                self.path(),
                rfc3339(self.time)
            ),
        )
    }
}

/// What a line does to leases.
enum Action {
    /// Lease issued: mount, role.
    Issue(String, String),
    /// Leases revoked: an exact lease id, or a prefix.
    Revoke {
        lease: String,
        prefix: bool,
    },
    /// A revocation whose lease id is HMAC-ed.
    RevokeHidden,
    Renew(String),
}

fn action(line: &Line<'_>) -> Option<Action> {
    let path = line.path().trim_matches('/');
    let e = &line.entry;
    let lease_in_body =
        || clear(e, "/request/data/lease_id").or_else(|| clear(e, "/request/data/url_lease_id"));
    for (base, prefix) in [
        ("sys/leases/revoke-prefix", true),
        ("sys/revoke-prefix", true),
        ("sys/leases/revoke-force", true),
        ("sys/revoke-force", true),
        ("sys/leases/revoke", false),
        ("sys/revoke", false),
    ] {
        let Some(rest) = path.strip_prefix(base) else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            continue;
        }
        let rest = rest.trim_start_matches('/');
        let lease = if rest.is_empty() {
            lease_in_body()
        } else {
            Some(rest)
        };
        return Some(match lease {
            Some(lease) => Action::Revoke {
                lease: lease.to_string(),
                prefix,
            },
            None => Action::RevokeHidden,
        });
    }
    if path.starts_with("sys/leases/renew") || path.starts_with("sys/renew") {
        return clear(e, "/response/secret/lease_id").map(|l| Action::Renew(l.to_string()));
    }
    let (mount, role) = path.split_once("/creds/")?;
    let role = role.split('/').next().filter(|r| !r.is_empty())?;
    Some(Action::Issue(mount.to_string(), role.to_string()))
}

/// The boundary a secrets engine's credentials belong to; `None` for engines jitgap does not scan.
fn boundary(entry: &Value, mount: &str, role: &str) -> Option<Boundary> {
    let mount_type =
        text(entry, "/response/mount_type").or_else(|| text(entry, "/request/mount_type"));
    let named = |words: &[&str]| {
        let hay = format!("{mount}/{role}").to_ascii_lowercase();
        words.iter().any(|w| hay.contains(w))
    };
    let database = || {
        Some(if named(&["mysql", "mariadb"]) {
            Boundary::new("mysql")
        } else {
            Boundary::new("postgres")
        })
    };
    match mount_type {
        Some("database" | "postgresql") => database(),
        Some("mysql") => Some(Boundary::new("mysql")),
        Some("aws") => Some(Boundary::new("aws")),
        Some("azure") => Some(Boundary::new("azure")),
        Some("gcp") => Some(Boundary::new("gcp")),
        Some("kubernetes") => Some(Boundary::new("kubernetes")),
        Some(_) => None,
        // Older logs carry no mount type: go by the names, databases by default.
        None if named(&["aws"]) => Some(Boundary::new("aws")),
        None => database(),
    }
}

/// A task reference, from audited request headers or the token's metadata, when not HMAC-ed.
fn task(entry: &Value) -> Option<String> {
    if let Some(headers) = entry.pointer("/request/headers").and_then(Value::as_object) {
        for (name, values) in headers {
            let name = name.to_ascii_lowercase();
            if !["task", "ticket", "reason", "change"]
                .iter()
                .any(|w| name.contains(w))
            {
                continue;
            }
            let value = values
                .as_array()
                .and_then(|v| v.first())
                .or(Some(values))
                .and_then(Value::as_str)
                .filter(|v| !v.trim().is_empty() && !is_hmac(v));
            if let Some(v) = value {
                return Some(v.trim().to_string());
            }
        }
    }
    ["task", "task_id", "ticket", "reason"]
        .iter()
        .find_map(|k| clear(entry, &format!("/auth/metadata/{k}")))
        .map(str::to_string)
}

/// The lease duration when an exporter recorded it (the file device does not).
fn lease_seconds(entry: &Value) -> Option<i64> {
    [
        "/response/secret/ttl",
        "/response/secret/lease_duration",
        "/response/lease_duration",
    ]
    .iter()
    .find_map(|p| entry.pointer(p).and_then(Value::as_i64))
    .filter(|s| *s > 0)
}

fn issue(line: &Line<'_>, mount: &str, role: &str) -> Option<Grant> {
    let e = &line.entry;
    let lease = text(e, "/response/secret/lease_id")?;
    let boundary = boundary(e, mount, role)?;
    let identity = [
        "/response/data/username",
        "/response/data/service_account_name",
        "/response/data/client_id",
    ]
    .iter()
    .find_map(|p| clear(e, p))
    .map(str::to_string)
    .unwrap_or_else(|| format!("vault-lease:{lease}"));
    let mut g = new_grant(SOURCE, lease, boundary, "vault", identity, "");
    g.target = line.path().trim_matches('/').to_string();
    g.requested_by = text(e, "/auth/display_name")
        .or_else(|| text(e, "/auth/entity_id"))
        .map(str::to_string);
    g.task = task(e);
    g.issued_at = Some(line.time);
    // A TTL past the calendar's end is no expiry.
    g.expires_at = lease_seconds(e)
        .and_then(Duration::try_seconds)
        .and_then(|d| line.time.checked_add_signed(d));
    g.labels.insert(VAULT_ROLE.into(), role.to_string());
    g.labels.insert("vault_mount".into(), mount.to_string());
    g.labels
        .insert("issued_unix".into(), line.time.timestamp().to_string());
    if let Some(entity) = text(e, "/auth/entity_id") {
        g.labels
            .insert("vault_entity_id".into(), entity.to_string());
    }
    g.evidence.push(line.evidence("lease issued"));
    Some(g)
}

/// Read Vault audit logs into grants and counts.
pub fn import_docs(docs: &[Doc]) -> Result<VaultAuditImport, LedgerError> {
    let mut lines = Vec::new();
    for doc in docs {
        for item in json_items(doc)? {
            let Some(time) = time_at(&item.value, "/time") else {
                continue; // not an audit entry
            };
            lines.push(Line {
                doc,
                pointer: item.pointer,
                entry: item.value,
                time,
            });
        }
    }
    lines.sort_by_key(|l| l.time);
    // A request whose response is logged is judged by its response (which says whether it failed).
    let answered: BTreeSet<&str> = lines
        .iter()
        .filter(|l| l.is_response())
        .filter_map(|l| text(&l.entry, "/request/id"))
        .collect();

    let mut out = VaultAuditImport::default();
    let mut seen_leases = BTreeSet::new();
    for line in &lines {
        let is_answered_request = !line.is_response()
            && text(&line.entry, "/request/id").is_some_and(|id| answered.contains(id));
        let Some(act) = action(line) else { continue };
        if line.failed() {
            if line.is_response() || !is_answered_request {
                out.failed += 1; // once per request
            }
            continue;
        }
        match act {
            Action::Issue(mount, role) => {
                if !line.is_response() {
                    continue; // the lease id is in the response
                }
                if let Some(g) = issue(line, &mount, &role)
                    && seen_leases.insert(g.grant_id.clone())
                {
                    out.grants.push(g);
                }
            }
            _ if is_answered_request => {}
            Action::RevokeHidden => out.hmac_revocations += 1,
            Action::Revoke { lease, prefix } => {
                let how = if prefix { "revoke-prefix" } else { "revoke" };
                for g in out.grants.iter_mut().filter(|g| {
                    g.revoked_at.is_none()
                        && if prefix {
                            g.grant_id.starts_with(&lease)
                        } else {
                            g.grant_id == lease
                        }
                }) {
                    g.revoked_at = Some(line.time);
                    g.labels
                        .insert("revocation".into(), format!("vault:sys/leases/{how}"));
                    g.evidence.push(line.evidence("lease revoked"));
                }
            }
            Action::Renew(lease) => {
                if let Some(g) = out
                    .grants
                    .iter_mut()
                    .find(|g| g.grant_id == lease && g.revoked_at.is_none())
                {
                    let n = g
                        .labels
                        .get("renewals")
                        .and_then(|n| n.parse::<u32>().ok())
                        .unwrap_or(0)
                        + 1;
                    g.labels.insert("renewals".into(), n.to_string());
                    g.labels
                        .insert("last_renewed_at".into(), rfc3339(line.time));
                    g.evidence.push(line.evidence("lease renewed"));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creds_paths_and_revocations_are_told_apart() {
        let doc = Doc::new("a.log", "");
        let line = |path: &str, data: Value| Line {
            doc: &doc,
            pointer: "line 1".into(),
            entry: json!({"type": "response", "request": {"path": path, "data": data}}),
            time: Utc::now(),
        };
        assert!(
            matches!(action(&line("database/creds/readonly", json!({}))), Some(Action::Issue(m, r)) if m == "database" && r == "readonly")
        );
        assert!(matches!(
            action(&line(
                "sys/leases/revoke",
                json!({"lease_id": "database/creds/r/abc"})
            )),
            Some(Action::Revoke { prefix: false, .. })
        ));
        assert!(matches!(
            action(&line(
                "sys/leases/revoke",
                json!({"lease_id": "hmac-sha256:00ff"})
            )),
            Some(Action::RevokeHidden)
        ));
        assert!(
            matches!(action(&line("sys/leases/revoke-prefix/database/creds/r", json!({}))), Some(Action::Revoke { prefix: true, lease }) if lease == "database/creds/r")
        );
        assert!(matches!(
            action(&line("sys/revoke/database/creds/r/x", json!({}))),
            Some(Action::Revoke { prefix: false, .. })
        ));
        assert!(action(&line("secret/data/app", json!({}))).is_none());
    }

    #[test]
    fn boundaries_follow_the_mount() {
        let e = |t: &str| json!({"response": {"mount_type": t}});
        assert_eq!(
            boundary(&e("database"), "database", "readonly"),
            Some(Boundary::new("postgres"))
        );
        assert_eq!(
            boundary(&e("database"), "mysql-prod", "rw"),
            Some(Boundary::new("mysql"))
        );
        assert_eq!(
            boundary(&e("aws"), "aws", "deploy"),
            Some(Boundary::new("aws"))
        );
        assert_eq!(boundary(&e("consul"), "consul", "ops"), None);
        assert_eq!(
            boundary(&json!({}), "db", "etl"),
            Some(Boundary::new("postgres"))
        );
    }

    #[test]
    fn a_ttl_past_the_calendar_is_no_expiry() {
        // Found by tests/parser_props.rs: a huge `ttl` panicked adding it to the time.
        let mut text = String::new();
        for (kind, secret) in [
            ("request", json!(null)),
            (
                "response",
                json!({"lease_id": "database/creds/readonly/x", "ttl": i64::MAX}),
            ),
        ] {
            text.push_str(&json!({
                "time": "2026-09-01T10:00:00Z",
                "type": kind,
                "request": {"path": "database/creds/readonly", "mount_type": "database"},
                "response": {"mount_type": "database", "secret": secret, "data": {"username": "v-app"}}
            }).to_string());
            text.push('\n');
        }
        let out = import_docs(&[Doc::new("audit.log", text)]).unwrap();
        assert_eq!(out.grants.len(), 1, "{out:?}");
        assert_eq!(out.grants[0].expires_at, None);
    }
}
