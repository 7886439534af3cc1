//! Role assignments, PIM schedule instances and eligibilities → one enforcement verdict per
//! (principal, role, scope). Shared by directory roles (Graph) and Azure roles (ARM), which
//! map their own shapes into [`Row`]s.
//!
//! - an `Activated` instance linked to an eligibility, with a finite end no longer than
//!   `max_jit_window` → `jit`; longer → `time-bound`; no end → `standing`;
//! - an `Assigned` instance with no end → `standing`; with an end → `time-bound`;
//! - a role assignment that no instance explains (by origin id, else by principal, role and
//!   scope) → `standing`, or `unknown` when the instances could not be read;
//! - an eligibility with nothing active → `jit` when the role's activation window fits
//!   `max_jit_window`, `time-bound` when longer, `unknown` when the window is not known.

use super::docs::same_id;
use crate::model::{Decision, Enforcement, Evidence, Window};
use crate::time::format_duration;
use chrono::{DateTime, Duration, Utc};

/// One assignment, instance or eligibility, as read.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub principal: String,
    /// ARM's `principalType` (`Group`, `ServicePrincipal`, …); Graph has none.
    pub principal_type: Option<String>,
    /// The role definition GUID, lower-case.
    pub role: String,
    pub scope: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// `Assigned` / `Activated` (instances only).
    pub assignment_type: Option<String>,
    /// The instance came from activating an eligibility.
    pub linked: bool,
    /// The role assignment an instance created (`originRoleAssignmentId`).
    pub origin: Option<String>,
    /// The schedule an instance belongs to (`roleAssignmentScheduleId`).
    pub schedule: Option<String>,
    pub evidence: Evidence,
}

/// What a scope's PIM documents hold; `None` where a document was not read.
pub struct State<'a> {
    pub assignments: Option<&'a [Row]>,
    pub instances: Option<&'a [Row]>,
    pub eligibilities: Option<&'a [Row]>,
    /// Why the instances are missing (for `unknown` verdicts).
    pub instances_missing: &'a str,
}

/// One (principal, role, scope) and how it lives.
#[derive(Debug, Clone)]
pub struct Held {
    pub principal: String,
    pub principal_type: Option<String>,
    pub role: String,
    pub scope: String,
    pub enforcement: Enforcement,
    pub decision: Decision,
    pub window: Option<Window>,
    /// Eligible only: nothing is usable until an activation.
    pub eligible_only: bool,
    pub evidence: Vec<Evidence>,
}

fn same_grant(a: &Row, b: &Row) -> bool {
    same_id(&a.principal, &b.principal) && a.role == b.role && same_id(&a.scope, &b.scope)
}

/// The activation window of a role at a scope, or why it is unknown.
pub type WindowOf<'a> = dyn Fn(&str, &str) -> Result<(Duration, Evidence), String> + 'a;

pub fn reconcile(
    state: &State<'_>,
    window_of: &WindowOf<'_>,
    max_jit: Duration,
    rule: &str,
) -> Vec<Held> {
    let mut out = Vec::new();
    let instances = state.instances.unwrap_or_default();
    for i in instances {
        let (enforcement, decision, window) = judge_instance(i, max_jit, rule);
        let mut evidence = vec![i.evidence.clone()];
        if let Some(a) = state
            .assignments
            .unwrap_or_default()
            .iter()
            .find(|a| explains(i, a))
        {
            evidence.push(a.evidence.clone());
        }
        out.push(held(i, enforcement, decision, window, false, evidence));
    }
    for a in state.assignments.unwrap_or_default() {
        if instances.iter().any(|i| explains(i, a)) {
            continue;
        }
        let (enforcement, decision) = match state.instances {
            Some(_) => (
                Enforcement::Standing,
                Decision::new(
                    &format!("{rule}.plain-assignment"),
                    "a role assignment that no PIM schedule instance explains: it has no end",
                ),
            ),
            None => (
                Enforcement::Unknown,
                Decision::new(
                    &format!("{rule}.instances-unread"),
                    format!(
                        "a role assignment, but the PIM schedule instances were not read ({}): an activation cannot be told from a standing assignment",
                        state.instances_missing
                    ),
                ),
            ),
        };
        out.push(held(
            a,
            enforcement,
            decision,
            None,
            false,
            vec![a.evidence.clone()],
        ));
    }
    for e in state.eligibilities.unwrap_or_default() {
        if instances.iter().any(|i| same_grant(i, e)) {
            continue; // activated: the instance is the path
        }
        let mut evidence = vec![e.evidence.clone()];
        let (enforcement, decision) = match window_of(&e.role, &e.scope) {
            Ok((w, ev)) => {
                evidence.push(ev);
                if w <= max_jit {
                    (
                        Enforcement::Jit,
                        Decision::new(
                            &format!("{rule}.eligible-only"),
                            format!(
                                "eligible only: usable after an activation of at most {} (max_jit_window {})",
                                format_duration(w),
                                format_duration(max_jit)
                            ),
                        ),
                    )
                } else {
                    (
                        Enforcement::TimeBound,
                        Decision::new(
                            &format!("{rule}.eligible-long-window"),
                            format!(
                                "eligible only, but an activation may last {}, longer than max_jit_window {}",
                                format_duration(w),
                                format_duration(max_jit)
                            ),
                        ),
                    )
                }
            }
            Err(why) => (
                Enforcement::Unknown,
                Decision::new(
                    &format!("{rule}.eligible-window-unknown"),
                    format!("eligible only, but the activation window is unknown: {why}"),
                ),
            ),
        };
        let window = e.end.map(|end| Window {
            not_before: e.start,
            not_after: Some(end),
        });
        out.push(held(e, enforcement, decision, window, true, evidence));
    }
    out
}

/// Does instance `i` account for role assignment `a`?
pub fn explains(i: &Row, a: &Row) -> bool {
    match &i.origin {
        Some(o)
            if same_id(o, &a.id) || same_id(&super::docs::guid(o), &super::docs::guid(&a.id)) =>
        {
            true
        }
        _ => same_grant(i, a),
    }
}

fn held(
    r: &Row,
    enforcement: Enforcement,
    decision: Decision,
    window: Option<Window>,
    eligible_only: bool,
    evidence: Vec<Evidence>,
) -> Held {
    Held {
        principal: r.principal.clone(),
        principal_type: r.principal_type.clone(),
        role: r.role.clone(),
        scope: r.scope.clone(),
        enforcement,
        decision,
        window,
        eligible_only,
        evidence,
    }
}

fn judge_instance(
    i: &Row,
    max_jit: Duration,
    rule: &str,
) -> (Enforcement, Decision, Option<Window>) {
    let window = i.end.map(|end| Window {
        not_before: i.start,
        not_after: Some(end),
    });
    let activated = i
        .assignment_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("Activated"));
    let Some(end) = i.end else {
        return (
            Enforcement::Standing,
            Decision::new(
                &format!("{rule}.no-end"),
                format!(
                    "an active PIM {} with no end date",
                    if activated {
                        "activation"
                    } else {
                        "assignment (Assigned)"
                    }
                ),
            ),
            None,
        );
    };
    let span = i.start.map(|s| end - s);
    if activated && i.linked {
        match span {
            Some(d) if d <= max_jit => (
                Enforcement::Jit,
                Decision::new(
                    &format!("{rule}.activation"),
                    format!(
                        "a PIM activation of an eligibility, {} long (max_jit_window {})",
                        format_duration(d),
                        format_duration(max_jit)
                    ),
                ),
                window,
            ),
            Some(d) => (
                Enforcement::TimeBound,
                Decision::new(
                    &format!("{rule}.long-activation"),
                    format!(
                        "a PIM activation {} long, longer than max_jit_window {}",
                        format_duration(d),
                        format_duration(max_jit)
                    ),
                ),
                window,
            ),
            None => (
                Enforcement::Unknown,
                Decision::new(
                    &format!("{rule}.activation-no-start"),
                    "a PIM activation with no start date: its length is unknown",
                ),
                window,
            ),
        }
    } else {
        (
            Enforcement::TimeBound,
            Decision::new(
                &format!("{rule}.assigned-until"),
                format!(
                    "an active PIM assignment made by an administrator (Assigned{}), ending {}: not requested per task",
                    if activated {
                        ", no linked eligibility"
                    } else {
                        ""
                    },
                    crate::time::fmt_utc(end)
                ),
            ),
            window,
        )
    }
}
