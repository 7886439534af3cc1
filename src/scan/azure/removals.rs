//! PIM removal requests (`AdminRemove`, `SelfDeactivate`) checked against what is still
//! there: the removal took effect only when both the schedule instance it targets and the
//! role assignment that instance created are gone (api-shapes C.3).

use super::directory::signal;
use super::docs::{guid, same_id};
use super::pim::Row;
use crate::model::{Evidence, Revocation, Severity, Signal};
use chrono::{DateTime, Utc};

/// One removal request, as read.
#[derive(Debug, Clone)]
pub struct Removal {
    pub id: String,
    pub kind: String,
    pub principal: String,
    pub role: String,
    pub scope: String,
    pub at: Option<DateTime<Utc>>,
    /// The schedule instance (or schedule) it targets.
    pub target: Option<String>,
    pub evidence: Evidence,
}

pub fn is_removal(kind: &str) -> bool {
    ["AdminRemove", "SelfDeactivate"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(kind))
}

/// One `azure-pim-removal` signal per removal: `effective`, `not-effective` (with what is
/// left as evidence) or `inconclusive` (a document needed was not read).
pub fn check(
    removals: &[Removal],
    instances: Option<&[Row]>,
    assignments: Option<&[Row]>,
    scope: &str,
    role_name: &dyn Fn(&str) -> String,
) -> Vec<Signal> {
    let mut out = Vec::new();
    for r in removals {
        let role = role_name(&r.role);
        let same = |row: &Row| {
            same_id(&row.principal, &r.principal)
                && row.role == r.role
                && same_id(&row.scope, &r.scope)
        };
        let instance = instances.map(|list| {
            list.iter()
                .filter(|i| {
                    r.target
                        .as_deref()
                        .is_some_and(|t| same_id(&guid(t), &guid(&i.id)))
                        || (r.target.is_none() && same(i))
                })
                .collect::<Vec<_>>()
        });
        // An assignment created after the removal belongs to a later grant.
        let assignment = assignments.map(|list| {
            list.iter()
                .filter(|a| same(a) && !matches!((a.start, r.at), (Some(c), Some(at)) if c > at))
                .collect::<Vec<_>>()
        });
        let when =
            r.at.map(crate::time::fmt_utc)
                .unwrap_or_else(|| "at an unknown time".into());
        let what = format!("{} {} of {role} on {}", r.kind, r.id, r.scope);
        let (verdict, message, mut evidence) = match (instance, assignment) {
            (Some(i), Some(a)) if i.is_empty() && a.is_empty() => (
                Revocation::Effective,
                format!(
                    "{what} ({when}) took effect: its schedule instance and role assignment are gone"
                ),
                vec![],
            ),
            (Some(i), Some(a)) => {
                let mut left = Vec::new();
                if !i.is_empty() {
                    left.push("its schedule instance");
                }
                if !a.is_empty() {
                    left.push("the role assignment");
                }
                (
                    Revocation::NotEffective,
                    format!(
                        "{what} ({when}) did not take effect: {} still there",
                        left.join(" and ") + if left.len() > 1 { " are" } else { " is" }
                    ),
                    i.iter()
                        .chain(a.iter())
                        .map(|x| x.evidence.clone())
                        .collect(),
                )
            }
            (i, a) => {
                let missing: Vec<&str> = [
                    i.is_none().then_some("schedule instances"),
                    a.is_none().then_some("role assignments"),
                ]
                .into_iter()
                .flatten()
                .collect();
                (
                    Revocation::Inconclusive,
                    format!(
                        "{what} ({when}): cannot tell whether it took effect, the {} were not read",
                        missing.join(" and ")
                    ),
                    vec![],
                )
            }
        };
        evidence.insert(0, r.evidence.clone());
        let mut s = signal(
            "azure-pim-removal",
            scope,
            &r.principal,
            &role,
            message,
            evidence,
        );
        s.target = r.scope.clone();
        s.severity = (verdict == Revocation::Effective).then_some(Severity::Info);
        s.revocation = Some(verdict);
        s.at = r.at;
        out.push(s);
    }
    out
}
