//! The Kubernetes privilege catalogue from `rules/kubernetes.toml`, and how an RBAC rule is
//! judged against it: the RBAC authorizer's own matching (`*` is every verb, group or
//! resource; `*/sub` a subresource of every resource; nothing else is a pattern).

use super::shapes::PolicyRule;
use crate::model::Privilege;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KubeCatalogue {
    pub admin: Vec<AdminEntry>,
    pub read_verbs: Vec<String>,
    pub review_resources: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminEntry {
    pub name: String,
    pub verbs: Vec<String>,
    pub groups: Vec<String>,
    pub resources: Vec<String>,
    /// `kube-system`: only when the grant reaches kube-system.
    #[serde(default, rename = "where")]
    pub within: Option<String>,
    #[serde(default)]
    pub by_name: bool,
    /// The signal a service account holding such a rule raises.
    #[serde(default)]
    pub signal: Option<String>,
}

/// Where a role's rules apply: the whole cluster, or one namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach<'a> {
    Cluster,
    Namespace(&'a str),
}

impl Reach<'_> {
    fn kube_system(self) -> bool {
        matches!(self, Reach::Cluster | Reach::Namespace("kube-system"))
    }
}

/// The authorizer's verb match.
fn verb_covers(rule: &[String], verb: &str) -> bool {
    rule.iter().any(|v| v == "*" || v == verb)
}

fn group_covers(rule: &[String], group: &str) -> bool {
    rule.iter().any(|g| g == "*" || g == group)
}

/// The authorizer's resource match (`ResourceMatches`): `*`, the exact `resource[/sub]`, or
/// `*/sub` for a subresource. `*/*` and `pods/*` are literals.
pub fn resource_covers(rule: &[String], resource: &str) -> bool {
    let sub = resource.split_once('/').map(|(_, s)| s);
    rule.iter().any(|r| {
        r == "*"
            || r == resource
            || sub.is_some_and(|s| r.strip_prefix("*/") == Some(s) && s != "*")
    })
}

/// One rule's privilege where it applies, and why.
#[cfg(test)]
pub fn judge(cat: &KubeCatalogue, rule: &PolicyRule, reach: Reach<'_>) -> (Privilege, String) {
    let (p, why, _) = judge_entry(cat, rule, reach);
    (p, why)
}

/// [`judge`], with the admin entry that matched.
pub fn judge_entry<'c>(
    cat: &'c KubeCatalogue,
    rule: &PolicyRule,
    reach: Reach<'_>,
) -> (Privilege, String, Option<&'c AdminEntry>) {
    let named = !rule.resource_names.is_empty();
    for e in &cat.admin {
        if e.within.as_deref() == Some("kube-system") && !reach.kube_system() {
            continue;
        }
        if named && !e.by_name {
            continue;
        }
        let hit = e.verbs.iter().any(|v| verb_covers(&rule.verbs, v))
            && e.groups.iter().any(|g| group_covers(&rule.api_groups, g))
            && e.resources.iter().any(|r| {
                // A catalogue resource `userextras/*` stands for every subresource of it.
                match r.strip_suffix("/*") {
                    Some(base) => rule
                        .resources
                        .iter()
                        .any(|x| x == "*" || x == base || x.starts_with(&format!("{base}/"))),
                    None => resource_covers(&rule.resources, r),
                }
            });
        if hit {
            return (
                Privilege::Admin,
                format!("{} ({})", e.name, describe(rule)),
                Some(e),
            );
        }
    }
    let reviews = !rule.resources.is_empty()
        && rule
            .resources
            .iter()
            .all(|r| cat.review_resources.iter().any(|x| x == r));
    let writes: Vec<&str> = rule
        .verbs
        .iter()
        .filter(|v| !cat.read_verbs.iter().any(|r| r == *v))
        .filter(|v| !(reviews && v.as_str() == "create"))
        .map(String::as_str)
        .collect();
    if writes.is_empty() {
        (Privilege::Read, describe(rule), None)
    } else {
        (Privilege::Write, describe(rule), None)
    }
}

/// `create, delete pods (apps) [names: a, b]` or `get /healthz`.
pub fn describe(rule: &PolicyRule) -> String {
    let verbs = rule.verbs.join(", ");
    if !rule.non_resource_urls.is_empty() && rule.resources.is_empty() {
        return format!("{verbs} {}", rule.non_resource_urls.join(", "));
    }
    let groups: Vec<&str> = rule
        .api_groups
        .iter()
        .map(|g| if g.is_empty() { "core" } else { g.as_str() })
        .collect();
    let mut s = format!(
        "{verbs} on {} ({})",
        rule.resources.join(", "),
        groups.join(", ")
    );
    if !rule.resource_names.is_empty() {
        s.push_str(&format!(" named {}", rule.resource_names.join(", ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> KubeCatalogue {
        let text = include_str!("../../../rules/kubernetes.toml");
        let v: toml::Value = toml::from_str(text).unwrap();
        v["catalogue"].clone().try_into().unwrap()
    }

    fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
        let s = |x: &[&str]| x.iter().map(|v| v.to_string()).collect();
        PolicyRule {
            verbs: s(verbs),
            api_groups: s(groups),
            resources: s(resources),
            ..Default::default()
        }
    }

    #[test]
    fn admin_as_the_authorizer_matches() {
        let c = cat();
        let p = |r: &PolicyRule, reach| judge(&c, r, reach).0;
        let ns = Reach::Namespace("apps");
        assert_eq!(
            p(&rule(&["*"], &["*"], &["*"]), Reach::Cluster),
            Privilege::Admin
        );
        assert_eq!(p(&rule(&["*"], &["*"], &["*"]), ns), Privilege::Admin);
        // `*/*` is a literal, not every resource.
        assert_eq!(
            p(&rule(&["*"], &["*"], &["*/*"]), Reach::Cluster),
            Privilege::Write
        );
        assert_eq!(
            p(
                &rule(&["bind"], &["rbac.authorization.k8s.io"], &["clusterroles"]),
                ns
            ),
            Privilege::Admin
        );
        assert_eq!(
            p(&rule(&["escalate"], &["*"], &["roles"]), ns),
            Privilege::Admin
        );
        assert_eq!(
            p(&rule(&["impersonate"], &[""], &["serviceaccounts"]), ns),
            Privilege::Admin
        );
        assert_eq!(
            p(
                &rule(
                    &["impersonate"],
                    &["authentication.k8s.io"],
                    &["userextras/scopes"]
                ),
                ns
            ),
            Privilege::Admin
        );
        assert_eq!(
            p(&rule(&["create"], &[""], &["serviceaccounts/token"]), ns),
            Privilege::Admin
        );
        assert_eq!(
            p(&rule(&["create"], &[""], &["*/token"]), ns),
            Privilege::Admin
        );
        assert_eq!(
            p(&rule(&["create"], &[""], &["serviceaccounts/*"]), ns),
            Privilege::Write
        );
        assert_eq!(
            p(&rule(&["list"], &[""], &["secrets"]), Reach::Cluster),
            Privilege::Admin
        );
        assert_eq!(
            p(
                &rule(&["list"], &[""], &["secrets"]),
                Reach::Namespace("kube-system")
            ),
            Privilege::Admin
        );
        assert_eq!(
            p(&rule(&["list"], &[""], &["secrets"]), ns),
            Privilege::Read
        );
        assert_eq!(
            p(
                &rule(&["create"], &["apps"], &["daemonsets"]),
                Reach::Namespace("kube-system")
            ),
            Privilege::Admin
        );
        assert_eq!(
            p(&rule(&["create"], &["apps"], &["daemonsets"]), ns),
            Privilege::Write
        );
        assert_eq!(
            p(&rule(&["get"], &[""], &["nodes/proxy"]), Reach::Cluster),
            Privilege::Admin
        );
        assert_eq!(
            p(
                &rule(
                    &["patch"],
                    &["admissionregistration.k8s.io"],
                    &["mutatingwebhookconfigurations"]
                ),
                Reach::Cluster
            ),
            Privilege::Admin
        );
        assert_eq!(
            p(
                &rule(
                    &["update"],
                    &["certificates.k8s.io"],
                    &["certificatesigningrequests/approval"]
                ),
                Reach::Cluster
            ),
            Privilege::Admin
        );
        assert_eq!(
            p(&rule(&["get", "list", "watch"], &[""], &["pods"]), ns),
            Privilege::Read
        );
        assert_eq!(
            p(&rule(&["deletecollection"], &[""], &["pods"]), ns),
            Privilege::Write
        );
        // A verb nobody listed writes.
        assert_eq!(
            p(&rule(&["use"], &["policy"], &["podsecuritypolicies"]), ns),
            Privilege::Write
        );
        assert_eq!(
            p(
                &rule(
                    &["create"],
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews"]
                ),
                ns
            ),
            Privilege::Read
        );
        // Named objects: bind stays admin, reading one named Secret does not.
        let mut named = rule(&["bind"], &["rbac.authorization.k8s.io"], &["clusterroles"]);
        named.resource_names = vec!["cluster-admin".into()];
        assert_eq!(p(&named, ns), Privilege::Admin);
        let mut one = rule(&["get"], &[""], &["secrets"]);
        one.resource_names = vec!["tls".into()];
        assert_eq!(p(&one, Reach::Cluster), Privilege::Read);
    }
}
