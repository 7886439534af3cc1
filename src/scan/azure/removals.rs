//! PIM removal requests (`AdminRemove`, `SelfDeactivate`) checked against what is still
//! there: the removal took effect only when both the schedule instance it targets and the
//! role assignment that instance created are gone (api-shapes C.3).

use super::directory::signal;
use super::docs::{guid, same_id};
use super::pim::{self, Row};
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
        // What started after the removal belongs to a later grant, not to the one it ended.
        let later =
            |start: Option<DateTime<Utc>>| matches!((start, r.at), (Some(s), Some(at)) if s > at);
        let targeted = |i: &Row| {
            r.target.as_deref().is_some_and(|t| {
                same_id(&guid(t), &guid(&i.id))
                    || i.schedule
                        .as_deref()
                        .is_some_and(|s| same_id(&guid(t), &guid(s)))
            })
        };
        let instance = instances.map(|list| {
            list.iter()
                .filter(|i| targeted(i) || (r.target.is_none() && same(i) && !later(i.start)))
                .collect::<Vec<_>>()
        });
        let assignment = assignments.map(|list| {
            list.iter()
                .filter(|a| {
                    same(a)
                        && !later(a.start)
                        // An assignment a later activation created (Graph dates none).
                        && !instances
                            .unwrap_or_default()
                            .iter()
                            .any(|i| later(i.start) && pim::explains(i, a))
                })
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
            &r.principal.to_ascii_lowercase(),
            &role,
            message,
            evidence,
        );
        s.target = r.scope.clone().into();
        s.severity = (verdict == Revocation::Effective).then_some(Severity::Info);
        s.revocation = Some(verdict);
        s.at = r.at;
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<DateTime<Utc>> {
        crate::time::parse_timestamp(s)
    }

    fn row(id: &str, start: &str, schedule: Option<&str>) -> Row {
        Row {
            id: id.into(),
            principal: "sp".into(),
            principal_type: None,
            role: "role".into(),
            scope: "/".into(),
            start: t(start),
            end: None,
            assignment_type: Some("Activated".into()),
            linked: true,
            origin: Some(format!("{id}-assignment")),
            schedule: schedule.map(str::to_string),
            evidence: Evidence::new("doc", format!("/{id}")),
        }
    }

    fn removal(target: Option<&str>) -> Removal {
        Removal {
            id: "req".into(),
            kind: "AdminRemove".into(),
            principal: "sp".into(),
            role: "role".into(),
            scope: "/".into(),
            at: t("2026-08-30T10:00:00Z"),
            target: target.map(str::to_string),
            evidence: Evidence::new("requests", "/value/0"),
        }
    }

    fn verdict(r: Removal, instances: &[Row], assignments: &[Row]) -> Option<Revocation> {
        check(&[r], Some(instances), Some(assignments), "s", &|g: &str| {
            g.to_string()
        })[0]
            .revocation
    }

    #[test]
    fn a_later_activation_is_not_what_the_removal_left() {
        // Graph: no target, the assignment carries no date; the instance began after the removal.
        let later = row("later", "2026-08-31T22:00:00Z", None);
        let mut assignment = row("later-assignment", "", None);
        assignment.start = None;
        assert_eq!(
            verdict(removal(None), &[later], std::slice::from_ref(&assignment)),
            Some(Revocation::Effective)
        );
        // The same instance begun before the removal is what it failed to end.
        let earlier = row("later", "2026-08-30T08:00:00Z", None);
        assert_eq!(
            verdict(removal(None), &[earlier], &[assignment]),
            Some(Revocation::NotEffective)
        );
    }

    #[test]
    fn a_removal_naming_the_schedule_finds_its_instance() {
        let instance = row(
            "instance-1",
            "2026-08-30T08:00:00Z",
            Some("/x/roleAssignmentSchedules/sched-1"),
        );
        assert_eq!(
            verdict(
                removal(Some("/x/roleAssignmentSchedules/SCHED-1")),
                &[instance],
                &[]
            ),
            Some(Revocation::NotEffective)
        );
        assert_eq!(
            verdict(
                removal(Some("/x/roleAssignmentSchedules/sched-1")),
                &[],
                &[]
            ),
            Some(Revocation::Effective)
        );
    }
}
