//! RBAC: roles with their aggregated rules, bindings and the service accounts their subjects
//! reach, judged with the catalogue.

use super::catalogue::{KubeCatalogue, Reach, judge_entry};
use super::objects::{Item, Objects};
use super::shapes::{Binding, PolicyRule, Role, Subject};
use crate::model::{Evidence, Privilege};
use std::collections::{BTreeMap, BTreeSet};

/// A role's rules as the authorizer sees them (aggregation resolved), and where they came from.
pub struct Resolved {
    pub rules: Vec<PolicyRule>,
    pub evidence: Vec<Evidence>,
    /// `Some(why)` when the role does not exist (the binding grants nothing now, but one
    /// created under that name would).
    pub missing: Option<String>,
}

pub struct Roles<'a> {
    roles: BTreeMap<(&'a str, &'a str), &'a Item<Role>>,
    cluster: BTreeMap<&'a str, &'a Item<Role>>,
}

impl<'a> Roles<'a> {
    pub fn new(o: &'a Objects) -> Roles<'a> {
        Roles {
            roles: o
                .roles
                .iter()
                .map(|r| {
                    (
                        (
                            r.value.metadata.namespace.as_deref().unwrap_or(""),
                            r.value.metadata.name.as_str(),
                        ),
                        r,
                    )
                })
                .collect(),
            cluster: o
                .cluster_roles
                .iter()
                .map(|r| (r.value.metadata.name.as_str(), r))
                .collect(),
        }
    }

    pub fn cluster_role(&self, name: &str) -> Option<&'a Item<Role>> {
        self.cluster.get(name).copied()
    }

    /// The rules of a binding's `roleRef`.
    pub fn resolve(&self, b: &Binding) -> Resolved {
        let ns = b.metadata.namespace.as_deref().unwrap_or("");
        match b.role_ref.kind.as_str() {
            "Role" => match self.roles.get(&(ns, b.role_ref.name.as_str())) {
                Some(r) => Resolved {
                    rules: r.value.rules.clone().unwrap_or_default(),
                    evidence: vec![r.ev()],
                    missing: None,
                },
                None => missing(format!("Role {ns}/{} does not exist", b.role_ref.name)),
            },
            "ClusterRole" => match self.cluster.get(b.role_ref.name.as_str()) {
                Some(r) => {
                    let mut out = Resolved {
                        rules: Vec::new(),
                        evidence: Vec::new(),
                        missing: None,
                    };
                    let mut seen = BTreeSet::new();
                    self.gather(r, &mut out, &mut seen);
                    out
                }
                None => missing(format!("ClusterRole {} does not exist", b.role_ref.name)),
            },
            other => missing(format!(
                "roleRef kind `{other}` is neither Role nor ClusterRole"
            )),
        }
    }

    /// A ClusterRole's rules: its own, and (with an `aggregationRule`) those of every
    /// ClusterRole whose labels match any selector, transitively. The controller overwrites
    /// `rules` with that union; reading both never misses a rule.
    fn gather(&self, r: &'a Item<Role>, out: &mut Resolved, seen: &mut BTreeSet<&'a str>) {
        if !seen.insert(r.value.metadata.name.as_str()) {
            return;
        }
        out.rules.extend(r.value.rules.clone().unwrap_or_default());
        out.evidence.push(r.ev());
        if let Some(agg) = &r.value.aggregation_rule {
            for c in self.cluster.values() {
                if agg
                    .cluster_role_selectors
                    .iter()
                    .any(|s| s.matches(&c.value.metadata.labels))
                {
                    self.gather(c, out, seen);
                }
            }
        }
    }
}

fn missing(why: String) -> Resolved {
    Resolved {
        rules: Vec::new(),
        evidence: Vec::new(),
        missing: Some(why),
    }
}

/// The privilege of rules where they apply: the strongest rule, its reason, and the signals
/// of the catalogue entries they hit.
pub struct Judged {
    pub privilege: Privilege,
    pub reason: String,
    pub signals: BTreeSet<String>,
    pub admin_reasons: Vec<String>,
}

pub fn judge_rules(cat: &KubeCatalogue, rules: &[PolicyRule], reach: Reach<'_>) -> Judged {
    let mut best = (Privilege::Read, String::from("no rule grants anything"));
    let mut signals = BTreeSet::new();
    let mut admin_reasons = Vec::new();
    for rule in rules {
        // Non-resource URLs count only for a ClusterRole bound cluster-wide.
        if rule.resources.is_empty()
            && !rule.non_resource_urls.is_empty()
            && reach != Reach::Cluster
        {
            continue;
        }
        let (p, why, entry) = judge_entry(cat, rule, reach);
        if let Some(s) = entry.and_then(|e| e.signal.clone()) {
            signals.insert(s);
        }
        if p == Privilege::Admin {
            admin_reasons.push(why.clone());
        }
        if p.rank() > best.0.rank() || best.1 == "no rule grants anything" {
            best = (p, why);
        }
    }
    Judged {
        privilege: best.0,
        reason: best.1,
        signals,
        admin_reasons,
    }
}

/// Whom a subject reaches among the service accounts (`namespace/name`), or `None` when it
/// is not a service account (a person or a group of people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reaches {
    One(String),
    /// Every service account (`None`) or every one of a namespace.
    Every(Option<String>, String),
}

pub fn subject_reach(s: &Subject, binding_ns: Option<&str>) -> Option<Reaches> {
    match s.kind.as_str() {
        "ServiceAccount" => {
            let ns = s.namespace.as_deref().or(binding_ns).unwrap_or("default");
            Some(Reaches::One(format!("{ns}/{}", s.name)))
        }
        "User" => {
            let rest = s.name.strip_prefix("system:serviceaccount:")?;
            let (ns, name) = rest.split_once(':')?;
            Some(Reaches::One(format!("{ns}/{name}")))
        }
        "Group" => match s.name.as_str() {
            "system:serviceaccounts" | "system:authenticated" => {
                Some(Reaches::Every(None, s.name.clone()))
            }
            g => g
                .strip_prefix("system:serviceaccounts:")
                .map(|ns| Reaches::Every(Some(ns.to_string()), s.name.clone())),
        },
        _ => None,
    }
}

/// Kubernetes' own bindings (the API server creates and reconciles them): a `system:` name,
/// the rbac-defaults label, and a `system:` ClusterRole that carries the label too.
pub fn is_default(b: &Binding, roles: &Roles<'_>) -> bool {
    let labelled = |l: &BTreeMap<String, String>| {
        l.get("kubernetes.io/bootstrapping").map(String::as_str) == Some("rbac-defaults")
    };
    b.metadata.name.starts_with("system:")
        && labelled(&b.metadata.labels)
        && b.role_ref.kind == "ClusterRole"
        && b.role_ref.name.starts_with("system:")
        && roles
            .cluster_role(&b.role_ref.name)
            .is_some_and(|r| labelled(&r.value.metadata.labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(kind: &str, name: &str, ns: Option<&str>) -> Subject {
        Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: ns.map(str::to_string),
            api_group: None,
        }
    }

    #[test]
    fn subjects_reach_service_accounts() {
        assert_eq!(
            subject_reach(&subject("ServiceAccount", "ci", Some("build")), None),
            Some(Reaches::One("build/ci".into()))
        );
        assert_eq!(
            subject_reach(&subject("ServiceAccount", "ci", None), Some("apps")),
            Some(Reaches::One("apps/ci".into()))
        );
        assert_eq!(
            subject_reach(
                &subject("User", "system:serviceaccount:ops:bot", None),
                None
            ),
            Some(Reaches::One("ops/bot".into()))
        );
        assert_eq!(
            subject_reach(&subject("User", "alice@example.com", None), None),
            None
        );
        assert_eq!(
            subject_reach(&subject("Group", "system:serviceaccounts:apps", None), None),
            Some(Reaches::Every(
                Some("apps".into()),
                "system:serviceaccounts:apps".into()
            ))
        );
        assert!(matches!(
            subject_reach(&subject("Group", "system:serviceaccounts", None), None),
            Some(Reaches::Every(None, _))
        ));
        assert_eq!(
            subject_reach(&subject("Group", "platform-team", None), None),
            None
        );
    }
}
