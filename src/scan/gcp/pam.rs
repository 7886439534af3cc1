//! Privileged Access Manager: entitlements → eligible (JIT) paths, grants → the bindings
//! PAM holds now, and the check that an ended or revoked grant's access is gone.

use super::accounts::signal;
use super::docs::{self, Doc, escape};
use super::paths::{Lives, Paths};
use super::privilege::{Rating, RoleBook};
use super::raw::*;
use super::shapes::{Entitlements, Grant, KeyedGrants};
use crate::model::{CredentialLifetime, Decision, Enforcement, Evidence, Privilege, Window};
use crate::scan::scanner::{Context, RawScope};
use crate::time::parse_protobuf_duration as duration;
use crate::time::{fmt_utc, format_duration};
use chrono::{DateTime, Utc};

/// A grant as the checks need it.
#[derive(Debug, Clone)]
pub struct GrantRec {
    pub id: String,
    /// The entitlement's short id.
    pub entitlement: String,
    /// Lower-cased email, without a `serviceAccount:`/`user:` prefix.
    pub requester: String,
    pub roles: Vec<String>,
    pub state: String,
    /// When access was given, and when it ends (start + requestedDuration).
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub removed: Option<DateTime<Utc>>,
    /// `projects/P`, `folders/N`, `organizations/N`.
    pub resource: String,
    pub externally_modified: bool,
    pub ev: Evidence,
}

pub struct Pam {
    pub entitlements: Option<Doc<Entitlements>>,
    /// `None` when the grants were not read.
    pub grants: Option<Vec<GrantRec>>,
}

fn short(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).to_string()
}

/// `//cloudresourcemanager.googleapis.com/projects/acme-prod` → `projects/acme-prod`.
pub fn resource_name(full: &str) -> String {
    full.trim_start_matches("//")
        .split_once('/')
        .map(|(_, r)| r.to_string())
        .unwrap_or_else(|| full.to_string())
}

fn grant_rec(
    g: &Grant,
    source: &str,
    ptr: &str,
    ev: Evidence,
    errors: &mut Vec<String>,
) -> GrantRec {
    let t = |field: &str, v: &Option<String>, errors: &mut Vec<String>| {
        docs::time(source, &format!("{ptr}/{field}"), v, errors)
    };
    let trail = g.audit_trail.clone().unwrap_or_default();
    let activated = g.timeline.as_ref().and_then(|t| {
        t.events
            .iter()
            .find(|e| e.get("activated").is_some())
            .and_then(|e| e["eventTime"].as_str())
            .and_then(crate::time::parse_timestamp)
    });
    let start = t(
        "auditTrail/accessGrantTime",
        &trail.access_grant_time,
        errors,
    )
    .or(activated);
    let removed = t(
        "auditTrail/accessRemoveTime",
        &trail.access_remove_time,
        errors,
    );
    let length = g.requested_duration.as_deref().and_then(|d| {
        let parsed = duration(d);
        if parsed.is_none() {
            errors.push(format!(
                "{source}: {ptr}/requestedDuration: `{d}` is not a duration like \"3600s\""
            ));
        }
        parsed
    });
    let requester = g
        .requester
        .as_deref()
        .unwrap_or_default()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    GrantRec {
        id: g.id().to_string(),
        entitlement: short(g.entitlement()),
        requester,
        roles: g.roles().into_iter().map(str::to_string).collect(),
        state: g.state.clone().unwrap_or_default(),
        start,
        end: start.zip(length).map(|(s, l)| s + l),
        removed,
        resource: g
            .privileged_access
            .as_ref()
            .and_then(|p| p.gcp_iam_access.as_ref())
            .and_then(|a| a.resource.as_deref())
            .map(resource_name)
            .unwrap_or_default(),
        externally_modified: g.externally_modified,
        ev,
    }
}

pub fn read(raw: &RawScope, errors: &mut Vec<String>) -> Pam {
    let entitlements = docs::object::<Entitlements>(raw, ENTITLEMENTS, errors);
    let grants = docs::object::<KeyedGrants>(raw, GRANTS, errors).map(|doc| {
        let mut out = Vec::new();
        for (ent, list) in &doc.value {
            for (i, g) in list.grants.iter().enumerate() {
                let ptr = format!("/{}/grants/{i}", escape(ent));
                out.push(grant_rec(g, &doc.source, &ptr, doc.ev(&ptr), errors));
            }
        }
        out
    });
    Pam {
        entitlements,
        grants,
    }
}

impl GrantRec {
    /// A grant whose access is in place now.
    pub fn active(&self) -> bool {
        self.state == "ACTIVE"
    }

    /// The verdict of the binding an active grant added: JIT, ending with the grant.
    pub fn lives(&self, ctx: &Context<'_>) -> Lives {
        let window = Window {
            not_before: self.start,
            not_after: self.end,
        };
        let decision = Decision::new(
            "gcp.enforcement.pam-active-grant",
            format!(
                "the binding of ACTIVE PAM grant {} (entitlement {}){}",
                self.id,
                self.entitlement,
                match self.end {
                    Some(e) if e > ctx.now => format!(", which ends at {}", fmt_utc(e)),
                    _ => String::new(),
                }
            ),
        );
        (Enforcement::Jit, decision, Some(window))
    }
}

/// Eligible paths of every entitlement, and entitlements with an admin role and no approval.
pub fn eligibility(pam: &Pam, paths: &mut Paths<'_>, roles: &RoleBook, ctx: &Context<'_>) {
    let Some(doc) = &pam.entitlements else { return };
    let cat = paths.world.cat;
    for (i, e) in doc.value.entitlements.iter().enumerate() {
        if matches!(
            e.state.as_deref(),
            Some("DELETED" | "DELETING" | "CREATING")
        ) {
            continue;
        }
        let ptr = format!("/entitlements/{i}");
        let ev = doc.ev(&ptr);
        let name = short(&e.name);
        let access = e
            .privileged_access
            .as_ref()
            .and_then(|p| p.gcp_iam_access.as_ref());
        let on = access
            .and_then(|a| a.resource.as_deref())
            .map(resource_name)
            .unwrap_or_else(|| paths.target.clone());
        let lives: Lives = match e.max_request_duration.as_deref().map(|d| (d, duration(d))) {
            Some((_, Some(d))) if d <= ctx.policy.max_jit_window => (
                Enforcement::Jit,
                Decision::new(
                    "gcp.enforcement.pam-eligible",
                    format!(
                        "eligible through PAM entitlement {name}: grants last at most {}, within max_jit_window {}",
                        format_duration(d),
                        format_duration(ctx.policy.max_jit_window)
                    ),
                ),
                None,
            ),
            Some((_, Some(d))) => (
                Enforcement::TimeBound,
                Decision::new(
                    "gcp.enforcement.pam-window-too-long",
                    format!(
                        "eligible through PAM entitlement {name}, but grants last up to {}, longer than max_jit_window {}",
                        format_duration(d),
                        format_duration(ctx.policy.max_jit_window)
                    ),
                ),
                None,
            ),
            Some((text, None)) => (
                Enforcement::Unknown,
                Decision::new(
                    "gcp.enforcement.pam-window-unread",
                    format!(
                        "PAM entitlement {name}: maxRequestDuration `{text}` is not a duration jitgap reads"
                    ),
                ),
                None,
            ),
            None => (
                Enforcement::Unknown,
                Decision::new(
                    "gcp.enforcement.pam-window-unread",
                    format!("PAM entitlement {name} states no maxRequestDuration"),
                ),
                None,
            ),
        };
        let approval = e
            .approval_workflow
            .as_ref()
            .and_then(|w| w.manual_approvals.as_ref())
            .is_some_and(|m| !m.steps.is_empty());
        let rated: Vec<(String, Privilege, Decision)> = access
            .map(|a| a.role_bindings.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|rb| match roles.rate(cat, &rb.role) {
                Rating::Live {
                    privilege,
                    decision,
                    ..
                } => Some((rb.role.clone(), privilege, decision)),
                Rating::Inert => None,
            })
            .collect();
        for (u, group) in e.eligible_users.iter().enumerate() {
            for (k, member) in group.principals.iter().enumerate() {
                let mev = doc.ev(&format!("{ptr}/eligibleUsers/{u}/principals/{k}"));
                let Some(who) = paths.principal(member, &mev) else {
                    continue;
                };
                for (role, privilege, decision) in &rated {
                    let entitlement = if on == paths.target {
                        format!("{role} via PAM entitlement {name}")
                    } else {
                        format!("{role} on {on} via PAM entitlement {name}")
                    };
                    paths.push(
                        &who,
                        entitlement,
                        (*privilege, decision.clone()),
                        &lives,
                        Some((
                            CredentialLifetime::None,
                            Decision::new(
                                "gcp.lifetime.eligible-only",
                                "eligible only: no credential reaches the role until a grant",
                            ),
                        )),
                        vec![ev.clone(), mev.clone()],
                    );
                }
                // Unknown is never a pass: a role whose privilege is unknown may be admin.
                let admin: Vec<String> = rated
                    .iter()
                    .filter(|(_, p, _)| matches!(p, Privilege::Admin | Privilege::Unknown))
                    .map(|(r, p, _)| format!("{r} ({p})"))
                    .collect();
                if !approval && !admin.is_empty() {
                    paths.inv.signals.push(signal(
                        "gcp-pam-without-approval",
                        &paths.scope,
                        &who.id,
                        &format!("PAM entitlement {name}"),
                        &on,
                        format!(
                            "PAM entitlement {name} gives {} to {} on request, with no approval step",
                            admin.join(", "),
                            who.email.as_deref().unwrap_or(&who.id)
                        ),
                        vec![ev.clone()],
                    ));
                }
            }
        }
    }
}

/// Grants that ENDED or were REVOKED: is their access gone from the live policy? `live` are
/// the bindings giving access now; `policy_read` whether the policy holding the grant's
/// resource was read. `project` names the scope's resource both ways (`projects/ID`,
/// `projects/NUMBER`).
pub fn removals(
    pam: &Pam,
    live: &[super::bindings::LiveBinding],
    read: &dyn Fn(&str) -> bool,
    project: &[String],
    paths: &mut Paths<'_>,
) {
    use crate::model::{Revocation, Severity};
    let Some(grants) = &pam.grants else { return };
    let same = |a: &str, b: &str| {
        a == b || (project.iter().any(|p| p == a) && project.iter().any(|p| p == b))
    };
    for g in grants {
        // People's grants are not non-human identities' access.
        if !g.requester.ends_with(".gserviceaccount.com") {
            continue;
        }
        if g.externally_modified {
            paths.inv.signals.push(signal(
                "gcp-pam-externally-modified",
                &paths.scope,
                &identity_of(paths, &g.requester),
                &g.roles.join(", "),
                &g.resource,
                format!(
                    "PAM grant {} (entitlement {}, {}) for {} is marked externallyModified: its binding was changed outside PAM",
                    g.id, g.entitlement, g.state, g.requester
                ),
                vec![g.ev.clone()],
            ));
        }
        if !matches!(g.state.as_str(), "ENDED" | "REVOKED") {
            continue;
        }
        let who = identity_of(paths, &g.requester);
        for role in &g.roles {
            let mut evidence = vec![g.ev.clone()];
            let still: Vec<&super::bindings::LiveBinding> = live
                .iter()
                .filter(|b| b.email == g.requester && b.role == *role && same(&b.on, &g.resource))
                .collect();
            let later = grants.iter().find(|o| {
                o.active()
                    && o.requester == g.requester
                    && o.roles.contains(role)
                    && o.start.zip(g.removed).is_some_and(|(s, r)| s >= r)
            });
            let (revocation, why) = match g.removed {
                None => (
                    Revocation::Inconclusive,
                    format!(
                        "PAM records no accessRemoveTime for {} grant {}",
                        g.state, g.id
                    ),
                ),
                Some(_) if !read(&g.resource) => (
                    Revocation::Inconclusive,
                    format!(
                        "the IAM policy of {} was not read, so whether {} still holds {role} is unknown",
                        g.resource, g.requester
                    ),
                ),
                Some(at) if still.is_empty() => (
                    Revocation::Effective,
                    format!(
                        "access was removed at {} and {} holds {role} on {} in no binding now",
                        fmt_utc(at),
                        g.requester,
                        g.resource
                    ),
                ),
                Some(at) => match later {
                    Some(o) => {
                        evidence.push(o.ev.clone());
                        (
                            Revocation::Effective,
                            format!(
                                "access was removed at {}; the binding of {role} present now belongs to the later ACTIVE grant {}",
                                fmt_utc(at),
                                o.id
                            ),
                        )
                    }
                    None => {
                        evidence.extend(still.iter().map(|b| b.ev.clone()));
                        (
                            Revocation::NotEffective,
                            format!(
                                "PAM removed access at {}, but {} still holds {role} on {} in the live policy{}",
                                fmt_utc(at),
                                g.requester,
                                still[0].on,
                                if g.externally_modified {
                                    " (the grant is marked externallyModified)"
                                } else {
                                    ""
                                }
                            ),
                        )
                    }
                },
            };
            let mut s = signal(
                "gcp-pam-grant-removal",
                &paths.scope,
                &who,
                role,
                &g.resource,
                format!(
                    "PAM grant {} (entitlement {}) is {}: {why}",
                    g.id, g.entitlement, g.state
                ),
                evidence,
            );
            s.at = g.removed;
            s.severity = (revocation == Revocation::Effective).then_some(Severity::Info);
            s.revocation = Some(revocation);
            paths.inv.signals.push(s);
        }
    }
}

/// The identity id of a requester's email: the account's id when it is known.
fn identity_of(paths: &Paths<'_>, email: &str) -> String {
    paths
        .world
        .accounts
        .get(email)
        .map(|a| a.identity.id.to_string())
        .unwrap_or_else(|| email.to_string())
}
