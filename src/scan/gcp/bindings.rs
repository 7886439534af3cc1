//! IAM policy bindings (the project's own and those it inherits from its folders and
//! organization) → access paths, with the condition's window as the enforcement verdict.

use super::accounts::signal;
use super::condition::{TimeCondition, read as read_condition};
use super::pam::GrantRec;
use super::paths::{Lives, Paths};
use super::privilege::{Rating, RoleBook};
use super::shapes::{Binding, Policy};
use crate::classify::{WindowVerdict, classify_window};
use crate::model::{Decision, Enforcement, Evidence};
use crate::scan::scanner::Context;
use crate::time::fmt_utc;
use chrono::{DateTime, Utc};

/// A binding of a service account that gives access now (its condition not over).
#[derive(Debug, Clone)]
pub struct LiveBinding {
    pub email: String,
    pub role: String,
    /// Where the binding is: `projects/P`, `folders/N`, `organizations/N`.
    pub on: String,
    pub ev: Evidence,
}

/// What a binding's condition makes of it.
enum Verdict {
    Lives(Lives),
    /// The window ended at this time: the binding grants nothing now.
    Over(DateTime<Utc>),
}

fn verdict(b: &Binding, ctx: &Context<'_>) -> Verdict {
    let Some(c) = &b.condition else {
        return Verdict::Lives((
            Enforcement::Standing,
            Decision::new(
                "gcp.enforcement.unconditional",
                "the binding has no condition: it never expires",
            ),
            None,
        ));
    };
    match read_condition(&c.expression) {
        TimeCondition::Timeless => Verdict::Lives((
            Enforcement::Standing,
            Decision::new(
                "gcp.enforcement.condition-without-time",
                "the condition narrows resources, not time: the binding never expires",
            ),
            None,
        )),
        TimeCondition::Unread(why) => Verdict::Lives((
            Enforcement::Unknown,
            Decision::new(
                "gcp.enforcement.condition-unread",
                format!(
                    "jitgap cannot read the condition as a request.time window ({why}); it is never taken for JIT"
                ),
            ),
            None,
        )),
        TimeCondition::Window { start, end } => {
            match classify_window(start, end, ctx.now, ctx.policy, "gcp.enforcement.condition") {
                WindowVerdict::Over(end) => Verdict::Over(end),
                WindowVerdict::Live(e, d, w) => Verdict::Lives((e, d, Some(w))),
            }
        }
    }
}

/// `roles/x`, `roles/x (condition "title")`, `roles/x (inherited from folders/N)`.
fn entitlement(b: &Binding, inherited: Option<&str>) -> String {
    let mut out = b.role.clone();
    if let Some(c) = &b.condition {
        match c.title.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => out.push_str(&format!(" (condition \"{t}\")")),
            None => out.push_str(" (conditional)"),
        }
    }
    if let Some(on) = inherited {
        out.push_str(&format!(" (inherited from {on})"));
    }
    out
}

/// The bindings of one policy. `on` is the resource holding it; `inherited` when it is an
/// ancestor's. `pointer` prefixes each binding's JSON pointer. Active PAM grants make their
/// own project-level bindings JIT.
#[allow(clippy::too_many_arguments)]
pub fn read(
    policy: &Policy,
    source: &str,
    pointer: &str,
    on: &str,
    inherited: bool,
    paths: &mut Paths<'_>,
    roles: &RoleBook,
    active: &[&GrantRec],
    ctx: &Context<'_>,
    live: &mut Vec<LiveBinding>,
) {
    let cat = paths.world.cat;
    for (i, b) in policy.bindings.iter().enumerate() {
        let ptr = format!("{pointer}/bindings/{i}");
        let bev = Evidence::new(source, ptr.as_str());
        let rating = roles.rate(cat, &b.role);
        let (privilege, pdecision, pev) = match rating {
            Rating::Live {
                privilege,
                decision,
                evidence,
            } => (privilege, decision, evidence),
            Rating::Inert => continue,
        };
        let verdict = verdict(b, ctx);
        let name = entitlement(b, inherited.then_some(on));
        for (k, member) in b.members.iter().enumerate() {
            let mev = Evidence::new(source, format!("{ptr}/members/{k}"));
            let Some(who) = paths.principal(member, &mev) else {
                continue;
            };
            let mut evidence = vec![bev.clone()];
            evidence.extend(pev.clone());
            match &verdict {
                Verdict::Over(end) => {
                    paths.inv.signals.push(signal(
                        "gcp-expired-condition",
                        &paths.scope,
                        &who.id,
                        &name,
                        on,
                        format!(
                            "{} holds {} on {on} under a condition that ended {}: the binding grants nothing now but is still in the policy",
                            who.email.as_deref().unwrap_or(&who.id),
                            b.role,
                            fmt_utc(*end)
                        ),
                        evidence,
                    ));
                }
                Verdict::Lives(lives) => {
                    // PAM adds its bindings with a condition: an unconditional one is not PAM's.
                    let grant = (!inherited && b.condition.is_some())
                        .then(|| {
                            active.iter().find(|g| {
                                who.email.as_deref() == Some(g.requester.as_str())
                                    && g.roles.contains(&b.role)
                            })
                        })
                        .flatten();
                    let lives = match grant {
                        Some(g) => {
                            evidence.push(g.ev.clone());
                            g.lives(ctx)
                        }
                        None => lives.clone(),
                    };
                    let held = format!("{} on {on}", b.role);
                    let email = who.email.clone().unwrap_or_else(|| who.id.clone());
                    // Held only inside a JIT window, a role is what the programme is for.
                    let standing = lives.0 != Enforcement::Jit;
                    if standing && cat.is_basic(&b.role) {
                        paths.inv.signals.push(signal(
                            "gcp-basic-role",
                            &paths.scope,
                            &who.id,
                            &name,
                            on,
                            format!("{email} holds the basic role {held} ({})", lives.0),
                            evidence.clone(),
                        ));
                    }
                    // A condition on `resource.` narrows which accounts it reaches.
                    let every = b
                        .condition
                        .as_ref()
                        .is_none_or(|c| !c.expression.contains("resource."));
                    if standing && every && cat.is_impersonation(&b.role) {
                        paths.inv.signals.push(signal(
                            "gcp-project-wide-impersonation",
                            &paths.scope,
                            &who.id,
                            &name,
                            on,
                            format!(
                                "{email} holds {held}: it can act as every service account below {on} ({})",
                                lives.0
                            ),
                            evidence.clone(),
                        ));
                    }
                    if let Some(e) = &who.email {
                        live.push(LiveBinding {
                            email: e.clone(),
                            role: b.role.clone(),
                            on: on.to_string(),
                            ev: bev.clone(),
                        });
                    }
                    paths.push(
                        &who,
                        name.clone(),
                        (privilege, pdecision.clone()),
                        &lives,
                        None,
                        evidence,
                    );
                }
            }
        }
    }
}
