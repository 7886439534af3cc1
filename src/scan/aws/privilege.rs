//! Privilege tier of IAM actions, from the catalogue in `rules/aws.toml`.

use super::catalogue::AwsCatalogue;
use crate::model::Privilege;

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
pub(super) fn covers(allowed: &str, catalogued: &str) -> bool {
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
    tiers: [crate::hash::Map<String, (Privilege, String)>; 2],
}

impl<'c> TierCache<'c> {
    pub fn new(cat: &'c AwsCatalogue) -> Self {
        TierCache {
            cat,
            tiers: Default::default(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cat() -> AwsCatalogue {
        crate::scan::registry::embedded_rules()
            .unwrap()
            .catalogue::<AwsCatalogue>("aws")
            .unwrap()
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
}
