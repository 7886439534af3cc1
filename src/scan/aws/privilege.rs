//! Privilege tier of IAM statements, from the catalogue in `rules/aws.toml`.

use super::document::{Effect, Statement};
use crate::model::Privilege;
use crate::rules::AwsCatalogue;
use std::collections::HashMap;

/// Case-insensitive IAM wildcard match (`*` any run, `?` one character). ASCII case only is
/// folded. Allocation-free: byte-wise when both sides are ASCII, by characters otherwise.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        match_bytes(pattern.as_bytes(), text.as_bytes())
    } else {
        match_chars(pattern, text)
    }
}

/// Greedy matching with one backtrack point (the last `*`), over ASCII bytes.
fn match_bytes(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
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
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// The same algorithm over characters (byte offsets that always sit on character boundaries),
/// so that `?` stands for one character of a non-ASCII text.
fn match_chars(p: &str, t: &str) -> bool {
    let at = |s: &str, i: usize| s[i..].chars().next();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while let Some(tc) = at(t, ti) {
        let pc = at(p, pi);
        if let Some(pc) = pc.filter(|&c| c == '?' || c.eq_ignore_ascii_case(&tc)) {
            pi += pc.len_utf8();
            ti += tc.len_utf8();
        } else if pc == Some('*') {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += at(t, mark).map_or(1, char::len_utf8);
            ti = mark;
        } else {
            return false;
        }
    }
    while p[pi..].starts_with('*') {
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
    let reads = cat.read_verbs.iter().any(|rv| {
        literal.len() >= rv.len()
            && literal.as_bytes()[..rv.len()].eq_ignore_ascii_case(rv.as_bytes())
    });
    if reads {
        (Privilege::Read, format!("`{action}` only reads"))
    } else {
        (Privilege::Write, format!("`{action}` changes resources"))
    }
}

/// [`action_tier`] memoized by `(action, any_resource)`: an estate repeats a few hundred distinct
/// actions over and over. One cache per worker thread; results do not depend on it.
pub(crate) struct TierCache<'c> {
    cat: &'c AwsCatalogue,
    /// Indexed by `any_resource`.
    tiers: [HashMap<String, (Privilege, String)>; 2],
}

impl<'c> TierCache<'c> {
    pub fn new(cat: &'c AwsCatalogue) -> Self {
        TierCache {
            cat,
            tiers: [HashMap::new(), HashMap::new()],
        }
    }

    pub fn tier(&mut self, action: &str, any_resource: bool) -> &(Privilege, String) {
        let map = &mut self.tiers[usize::from(any_resource)];
        if !map.contains_key(action) {
            map.insert(
                action.to_string(),
                action_tier(action, any_resource, self.cat),
            );
        }
        &map[action]
    }
}

/// What one Allow statement grants.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Grant {
    /// The strongest tier it grants, and why.
    Tier(Privilege, String),
    /// Nothing: every action it allows is removed by an unconditional Deny.
    Denied,
    /// Nothing: the only resources it names are AWS-managed policies, which only AWS can change.
    Inert,
}

/// Does a Deny action pattern remove every action?
pub(crate) fn denies_everything(denies: &[&str]) -> bool {
    denies.iter().any(|d| *d == "*" || *d == "*:*")
}

/// `arn:<partition>:iam::aws:policy/…`: an AWS-managed policy. Account `aws` exists for
/// nothing else, and no one but AWS can create, change or delete those policies.
fn names_aws_managed_policy(resource: &str) -> bool {
    let mut part = resource.splitn(6, ':');
    let mut next = || part.next().unwrap_or_default();
    let (arn, _partition, service, region, account, rest) =
        (next(), next(), next(), next(), next(), next());
    arn == "arn"
        && service.eq_ignore_ascii_case("iam")
        && region.is_empty()
        && account == "aws"
        && rest.starts_with("policy/")
}

/// The strongest tier an Allow statement grants, minus unconditional denies.
pub(crate) fn statement_tier(s: &Statement, denies: &[&str], tiers: &mut TierCache<'_>) -> Grant {
    debug_assert_eq!(s.effect, Effect::Allow);
    let any_resource = s.not_resource || s.resources.iter().any(|r| r == "*");
    // Actions on AWS-managed policies can read them; every change is refused by AWS.
    let aws_managed_only = !s.not_resource
        && !s.resources.is_empty()
        && s.resources.iter().all(|r| names_aws_managed_policy(r));
    if let Some(not) = &s.not_actions {
        // Allow + NotAction grants everything except the listed actions.
        if denies_everything(denies) {
            return Grant::Denied;
        }
        if aws_managed_only {
            return Grant::Tier(
                Privilege::Read,
                format!(
                    "`NotAction` allows every action except {} on AWS-managed policies only, which only AWS can change",
                    not.join(", ")
                ),
            );
        }
        let keeps_iam = !not
            .iter()
            .any(|n| covers(n, "iam:PassRole") && covers(n, "iam:PutRolePolicy"));
        return if keeps_iam {
            Grant::Tier(
                Privilege::Admin,
                format!("`NotAction` allows every action except {}", not.join(", ")),
            )
        } else {
            Grant::Tier(
                Privilege::Write,
                format!(
                    "`NotAction` allows every action except {} (IAM excluded)",
                    not.join(", ")
                ),
            )
        };
    }
    // The first action of the highest tier.
    let mut best: Option<(Privilege, String)> = None;
    let mut denied = false;
    for a in &s.actions {
        if denies.iter().any(|d| wildcard_match(d, a)) {
            denied = true;
            continue;
        }
        let t = tiers.tier(a, any_resource);
        let t = if aws_managed_only && t.0 != Privilege::Read {
            if !a.contains(['*', '?']) {
                continue; // a change to an AWS-managed policy: refused, grants nothing
            }
            (
                Privilege::Read,
                format!("`{a}` on AWS-managed policies only: only AWS can change them"),
            )
        } else {
            t.clone()
        };
        if best.as_ref().is_none_or(|b| t.0.rank() > b.0.rank()) {
            best = Some(t);
        }
    }
    match best {
        Some((tier, why)) => Grant::Tier(tier, why),
        None if denied => Grant::Denied,
        None => Grant::Inert,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cat() -> AwsCatalogue {
        crate::rules::RuleSet::embedded().unwrap().aws
    }

    /// The original matcher: lowercase both, then match over `char`s.
    fn reference_match(pattern: &str, text: &str) -> bool {
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
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("?", ""));
        assert!(wildcard_match("", ""));
        assert!(!wildcard_match("", "a"));
    }

    #[test]
    fn wildcards_over_non_ascii_text() {
        // `?` is one character, not one byte; only ASCII letters fold.
        assert!(wildcard_match("s3:?bject", "s3:Öbject"));
        assert!(!wildcard_match("s3:??bject", "s3:Öbject"));
        assert!(wildcard_match("*é*", "xÉé"));
        assert!(!wildcard_match("é", "É"));
        assert!(wildcard_match("ÄB?", "Äbç"));
        assert!(wildcard_match("*:Ä*", "s3:ÄÄ"));
    }

    proptest! {
        #[test]
        fn matches_like_the_reference(
            p in "[aAbB*?:é]{0,8}",
            t in "[aAbB*?:éÉ]{0,10}",
        ) {
            prop_assert_eq!(wildcard_match(&p, &t), reference_match(&p, &t));
        }

        #[test]
        fn matches_ascii_like_the_reference(
            p in "[a-cA-C*?:]{0,8}",
            t in "[a-cA-C*?:]{0,10}",
        ) {
            prop_assert_eq!(wildcard_match(&p, &t), reference_match(&p, &t));
        }
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

    #[test]
    fn cached_tiers_are_the_computed_ones() {
        let c = cat();
        let mut cache = TierCache::new(&c);
        for a in [
            "iam:PassRole",
            "s3:Get*",
            "*",
            "iam:PassRole",
            "Ec2:describe*",
        ] {
            for any in [false, true] {
                assert_eq!(cache.tier(a, any), &action_tier(a, any, &c));
                assert_eq!(cache.tier(a, any), &action_tier(a, any, &c));
            }
        }
    }

    fn grant(stmt: serde_json::Value, denies: &[&str]) -> Grant {
        let doc = crate::scan::aws::document_parse::parse_document(
            &serde_json::json!({"Statement": [stmt]}),
        )
        .unwrap();
        let c = cat();
        statement_tier(&doc.statements[0], denies, &mut TierCache::new(&c))
    }

    #[test]
    fn changes_to_aws_managed_policies_grant_nothing() {
        use serde_json::json;
        let on = |action: &str, resource: &str| {
            grant(
                json!({"Effect": "Allow", "Action": action, "Resource": resource}),
                &[],
            )
        };
        let aws = "arn:aws:iam::aws:policy/AdministratorAccess";
        assert_eq!(on("iam:CreatePolicyVersion", aws), Grant::Inert);
        assert_eq!(
            on(
                "iam:SetDefaultPolicyVersion",
                "arn:aws-us-gov:iam::aws:policy/*"
            ),
            Grant::Inert
        );
        assert!(matches!(on("iam:*", aws), Grant::Tier(Privilege::Read, _)));
        assert!(matches!(
            on("iam:GetPolicy", aws),
            Grant::Tier(Privilege::Read, _)
        ));
        // The account's own policies, or any account's, stay admin.
        for own in [
            "arn:aws:iam::123456789012:policy/x",
            "arn:aws:iam::*:policy/*",
            "*",
        ] {
            assert!(
                matches!(
                    on("iam:CreatePolicyVersion", own),
                    Grant::Tier(Privilege::Admin, _)
                ),
                "{own}"
            );
        }
    }

    #[test]
    fn denied_statements_grant_nothing() {
        use serde_json::json;
        let s3 =
            json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"});
        assert_eq!(grant(s3.clone(), &["s3:*"]), Grant::Denied);
        assert!(matches!(
            grant(s3, &["s3:Get*"]),
            Grant::Tier(Privilege::Write, _)
        ));
        let not = json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"});
        assert_eq!(grant(not, &["*"]), Grant::Denied);
    }
}
