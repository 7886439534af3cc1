//! Did revocations take effect? Passive checks on `pg_stat_activity` (design.md §2).
//!
//! A session is authenticated once, when it opens: VALID UNTIL passing, LOGIN being revoked
//! or the role being dropped leaves it running. So a client session of an expired, NOLOGIN or
//! dropped role, or one that began before a ledger's revocation time, is `not-effective`.
//! The absence of such a session is evidence only when the reader sees every session
//! (superuser or `pg_read_all_stats`); otherwise the verdict is `inconclusive`, never `effective`.

use super::BOUNDARY;
use super::catalog::{Activity, Catalog};
use super::membership::Graph;
use super::normalize::Scope;
use crate::model::{Evidence, Revocation, Severity};
use chrono::{DateTime, Utc};

/// A login role whose VALID UNTIL has passed.
pub(crate) struct ExpiredRole {
    pub role: usize,
    pub at: DateTime<Utc>,
    /// A non-password pg_hba.conf method lets the role in anyway (reported on its own).
    pub bypassed: bool,
}

/// Whose session a row is.
enum Owner {
    Role(usize),
    /// Not in `pg_roles`: dropped while the session lived. The name when the row has one.
    Dropped(Option<String>),
    Unknown,
}

struct Session<'a> {
    index: usize,
    row: &'a Activity,
    owner: Owner,
}

fn describe(a: &Activity) -> String {
    let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
    format!(
        "pid {}, backend_start {}, state {}, application_name {}, client_addr {}, usename {}",
        a.pid,
        or(&a.backend_start),
        or(&a.state),
        or(&a.application_name),
        a.client_addr.clone().unwrap_or_else(|| "local".into()),
        or(&a.usename)
    )
}

fn started(a: &Activity) -> Option<DateTime<Utc>> {
    a.backend_start
        .as_deref()
        .and_then(crate::time::parse_timestamp)
}

impl Scope<'_> {
    fn session_ev(&self, s: &Session<'_>) -> Evidence {
        self.ev(format!("/stat_activity/{}", s.index))
            .with_excerpt(describe(s.row))
    }

    pub(crate) fn revocation_signals(
        &mut self,
        cat: &Catalog,
        graph: &Graph<'_>,
        expired: &[ExpiredRole],
    ) {
        let roles = cat.roles.as_deref().unwrap_or_default();
        let any_oid = roles.iter().any(|r| r.oid.is_some());
        let sessions: Vec<Session<'_>> = cat
            .stat_activity
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, a)| {
                a.backend_type
                    .as_deref()
                    .is_none_or(|t| t == "client backend")
                    && Some(a.pid) != cat.backend_pid
            })
            .map(|(index, row)| {
                let by_oid = row.usesysid.and_then(|o| graph.by_oid(o));
                let by_name = row.usename.as_deref().and_then(|n| graph.by_name(n));
                let owner = match by_oid.or(by_name) {
                    Some(r) => Owner::Role(r),
                    None if row.usename.is_some() || (row.usesysid.is_some() && any_oid) => {
                        Owner::Dropped(row.usename.clone())
                    }
                    None => Owner::Unknown,
                };
                Session { index, row, owner }
            })
            .collect();
        // Every live client session goes into the inventory too, for ledger reconciliation.
        for sess in &sessions {
            let user = match &sess.owner {
                Owner::Role(r) => Some(roles[*r].rolname.clone()),
                Owner::Dropped(name) => name.clone(),
                Owner::Unknown => None,
            };
            if let Some(user) = user {
                let ev = self.session_ev(sess).with_excerpt(describe(sess.row));
                self.inv.sessions.push(crate::model::Session {
                    boundary: BOUNDARY,
                    scope: self.name.clone().into(),
                    identity: (self.identity_id(&user)).into(),
                    id: sess.row.pid.to_string(),
                    started_at: started(sess.row),
                    state: sess.row.state.clone().unwrap_or_default(),
                    evidence: vec![ev],
                });
            }
        }
        let visible = cat.stat_activity.is_some() && cat.can_read_all_stats == Some(true);
        let reader = cat.current_user.clone().unwrap_or_else(|| "?".into());
        let blind = if cat.stat_activity.is_none() {
            "pg_stat_activity could not be read".to_string()
        } else {
            format!(
                "the scanning role {reader} is neither superuser nor a member of pg_read_all_stats, so other roles' sessions may be hidden"
            )
        };

        for s in &sessions {
            let (name, what, severity) = match &s.owner {
                Owner::Role(r) if !roles[*r].rolcanlogin => {
                    (roles[*r].rolname.clone(), "is NOLOGIN now", None)
                }
                Owner::Dropped(name) => (
                    name.clone()
                        .unwrap_or_else(|| format!("oid:{}", s.row.usesysid.unwrap_or(0))),
                    "no longer exists in pg_roles (dropped)",
                    Some(Severity::Medium),
                ),
                _ => continue,
            };
            let mut sig = self.signal(
                "pg-session-of-disabled-role",
                &name,
                "login",
                format!(
                    "role {name} {what}, but its session is still alive ({}); end it with pg_terminate_backend({})",
                    describe(s.row),
                    s.row.pid
                ),
                vec![self.session_ev(s)],
            );
            sig.revocation = Some(Revocation::NotEffective);
            sig.severity = severity;
            self.inv.signals.push(sig);
        }

        for e in expired {
            let role = &roles[e.role];
            let mine: Vec<&Session<'_>> = sessions
                .iter()
                .filter(|s| matches!(s.owner, Owner::Role(r) if r == e.role))
                .collect();
            let role_ev = self.ev(format!("/roles/{}", e.role)).with_excerpt(format!(
                "{}: rolvaliduntil = {}",
                role.rolname,
                role.rolvaliduntil.as_deref().unwrap_or("null")
            ));
            let at = e.at.to_rfc3339();
            let (revocation, severity, message, mut evidence) = if !mine.is_empty() {
                let list: Vec<String> = mine
                    .iter()
                    .map(|s| {
                        let after = started(s.row).is_some_and(|b| b >= e.at);
                        format!(
                            "pid {} since {}{}",
                            s.row.pid,
                            s.row.backend_start.as_deref().unwrap_or("?"),
                            if after {
                                " (opened after expiry: not by password)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect();
                (
                    Revocation::NotEffective,
                    None,
                    format!(
                        "role {}: VALID UNTIL {at} has passed, but {} session(s) are still alive ({}): VALID UNTIL refuses new password logins only; end them with pg_terminate_backend(pid)",
                        role.rolname,
                        mine.len(),
                        list.join("; ")
                    ),
                    mine.iter().map(|s| self.session_ev(s)).collect::<Vec<_>>(),
                )
            } else if e.bypassed {
                continue; // still able to log in: reported as pg-valid-until-not-enforced
            } else if visible {
                (
                    Revocation::Effective,
                    Some(Severity::Info),
                    format!(
                        "role {}: VALID UNTIL {at} has passed and no session of the role is alive (every session visible to {reader})",
                        role.rolname
                    ),
                    vec![self.ev("/stat_activity").with_excerpt(format!(
                        "{} client session(s), none of {}",
                        sessions.len(),
                        role.rolname
                    ))],
                )
            } else {
                (
                    Revocation::Inconclusive,
                    Some(Severity::Low),
                    format!(
                        "role {}: VALID UNTIL {at} has passed; whether a session outlives it cannot be shown: {blind}",
                        role.rolname
                    ),
                    vec![self.ev("/stat_activity").with_excerpt(blind.clone())],
                )
            };
            evidence.push(role_ev);
            let mut sig = self.signal(
                "pg-session-after-valid-until",
                &role.rolname,
                "valid-until",
                message,
                evidence,
            );
            sig.revocation = Some(revocation);
            sig.severity = severity;
            self.inv.signals.push(sig);
        }

        if !visible {
            let sig = self.signal(
                "pg-sessions-not-visible",
                &reader,
                "pg_read_all_stats",
                format!(
                    "revocations in this scope cannot be shown effective: {blind}; grant pg_read_all_stats to the scanning role"
                ),
                vec![self.ev("/can_read_all_stats").with_excerpt(format!(
                    "can_read_all_stats = {}",
                    cat.can_read_all_stats
                        .map(|b| b.to_string())
                        .unwrap_or_else(|| "unknown".into())
                ))],
            );
            self.inv.signals.push(sig);
        }
    }
}
