//! Privilege tier of IAM statements, from the catalogue in `rules/aws.toml`.

use super::document::{Effect, Statement};
use crate::model::Privilege;
use crate::rules::AwsCatalogue;

/// Case-insensitive IAM wildcard match (`*` any run, `?` one character).
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Does an allowed action pattern cover the catalogue entry? A catalogue wildcard (`iam:*`) is
/// covered only by a pattern at least as broad (`iam:*`, `*`), not by `iam:Get*`.
fn covers(allowed: &str, catalogued: &str) -> bool {
    wildcard_match(allowed, catalogued)
}

/// The tier of one allowed action pattern and the reason.
pub(crate) fn action_tier(
    action: &str,
    any_resource: bool,
    cat: &AwsCatalogue,
) -> (Privilege, String) {
    if action == "*" || action == "*:*" {
        return (Privilege::Admin, "allows every action (`*`)".into());
    }
    if let Some(a) = cat.admin_actions.iter().find(|a| covers(action, a)) {
        return (
            Privilege::Admin,
            format!("`{action}` covers `{a}`, which can grant more privilege"),
        );
    }
    if any_resource
        && let Some(a) = cat
            .admin_actions_on_any_resource
            .iter()
            .find(|a| covers(action, a))
    {
        return (
            Privilege::Admin,
            format!("`{action}` on every resource covers `{a}`"),
        );
    }
    let verb = action.split_once(':').map(|(_, v)| v).unwrap_or(action);
    let literal = verb.split(['*', '?']).next().unwrap_or("");
    let reads = cat
        .read_verbs
        .iter()
        .any(|rv| literal.len() >= rv.len() && literal[..rv.len()].eq_ignore_ascii_case(rv));
    if reads {
        (Privilege::Read, format!("`{action}` only reads"))
    } else {
        (Privilege::Write, format!("`{action}` changes resources"))
    }
}

/// The strongest tier an Allow statement grants, minus unconditional denies.
pub(crate) fn statement_tier(
    s: &Statement,
    denies: &[String],
    cat: &AwsCatalogue,
) -> (Privilege, String) {
    debug_assert_eq!(s.effect, Effect::Allow);
    let any_resource = s.not_resource || s.resources.iter().any(|r| r == "*");
    if let Some(not) = &s.not_actions {
        // Allow + NotAction grants everything except the listed actions.
        let keeps_iam = !not
            .iter()
            .any(|n| covers(n, "iam:PassRole") && covers(n, "iam:PutRolePolicy"));
        return if keeps_iam && !denies.iter().any(|d| d == "*") {
            (
                Privilege::Admin,
                format!("`NotAction` allows every action except {}", not.join(", ")),
            )
        } else {
            (
                Privilege::Write,
                format!(
                    "`NotAction` allows every action except {} (IAM excluded)",
                    not.join(", ")
                ),
            )
        };
    }
    let mut best = (Privilege::Read, "no action".to_string());
    for a in &s.actions {
        if denies.iter().any(|d| wildcard_match(d, a)) {
            continue;
        }
        let t = action_tier(a, any_resource, cat);
        if t.0.rank() > best.0.rank() || best.1 == "no action" {
            best = t;
        }
    }
    if best.1 == "no action" {
        best.1 = "every allowed action is denied by an unconditional Deny".into();
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> AwsCatalogue {
        crate::rules::RuleSet::embedded().unwrap().aws
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("iam:Put*", "iam:PutRolePolicy"));
        assert!(wildcard_match("S3:get*", "s3:GetObject"));
        assert!(!wildcard_match("s3:Get*", "s3:PutObject"));
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match(
            "ec2:Describe?nstances",
            "ec2:DescribeInstances"
        ));
    }

    #[test]
    fn tiers() {
        let c = cat();
        assert_eq!(action_tier("*", true, &c).0, Privilege::Admin);
        assert_eq!(action_tier("iam:*", false, &c).0, Privilege::Admin);
        assert_eq!(action_tier("iam:Attach*", false, &c).0, Privilege::Admin);
        assert_eq!(action_tier("iam:PassRole", true, &c).0, Privilege::Admin);
        assert_eq!(action_tier("iam:PassRole", false, &c).0, Privilege::Write);
        assert_eq!(action_tier("s3:PutObject", true, &c).0, Privilege::Write);
        assert_eq!(action_tier("s3:*", true, &c).0, Privilege::Write);
        assert_eq!(action_tier("s3:Get*", true, &c).0, Privilege::Read);
        assert_eq!(
            action_tier("ec2:DescribeInstances", true, &c).0,
            Privilege::Read
        );
        assert_eq!(action_tier("iam:GetRole", true, &c).0, Privilege::Read);
        assert_eq!(action_tier("iam:Get*", true, &c).0, Privilege::Read);
    }
}
