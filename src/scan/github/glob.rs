//! Whether two subject patterns can match one subject: `*` is any run of characters
//! (colons and slashes included, as AWS `StringLike` does), `?` one character, anything else
//! itself. Used to ask "can a token of this repository satisfy that trust?" when both the
//! trust (`repo:acme/*`) and the repository's possible subjects (`repo:acme/api:ref:*`) are
//! patterns.

/// True when some string matches both `a` and `b`.
pub fn intersect(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut memo = vec![vec![None; b.len() + 1]; a.len() + 1];
    step(&a, &b, 0, 0, &mut memo)
}

fn step(a: &[char], b: &[char], i: usize, j: usize, memo: &mut Vec<Vec<Option<bool>>>) -> bool {
    if let Some(v) = memo[i][j] {
        return v;
    }
    let v = match (a.get(i), b.get(j)) {
        (None, None) => true,
        (Some('*'), _) if step(a, b, i + 1, j, memo) => true,
        (_, Some('*')) if step(a, b, i, j + 1, memo) => true,
        // A star consumes one character of the other side (or the other side's star).
        (Some('*'), Some(_)) => step(a, b, i, j + 1, memo),
        (Some(_), Some('*')) => step(a, b, i + 1, j, memo),
        (Some(x), Some(y)) => (x == y || *x == '?' || *y == '?') && step(a, b, i + 1, j + 1, memo),
        _ => false,
    };
    memo[i][j] = Some(v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersections() {
        assert!(intersect("repo:acme/*", "repo:acme/api:ref:refs/heads/*"));
        assert!(intersect("repo:acme/api:*", "repo:acme/api:pull_request"));
        assert!(!intersect(
            "repo:acme/api:ref:*",
            "repo:acme/api:pull_request"
        ));
        assert!(!intersect("repo:acme/api", "repo:acme/web:*"));
        assert!(intersect("*", "repo:x/y:environment:*"));
        assert!(intersect(
            "repo:acme/ap?:*",
            "repo:acme/api:ref:refs/heads/main"
        ));
        assert!(!intersect("repo:acme/ap?", "repo:acme/api:*:x"));
        assert!(intersect("a*b", "*c*"), "a…c…b");
        assert!(!intersect("a*", "b*"));
        assert!(intersect("", ""));
        assert!(!intersect("", "a"));
        assert!(intersect("", "*"));
    }

    /// A plain backtracking matcher, the reference for the property below.
    fn matches(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => matches(&p[1..], t) || (!t.is_empty() && matches(p, &t[1..])),
            (Some('?'), Some(_)) => matches(&p[1..], &t[1..]),
            (Some(a), Some(b)) => a == b && matches(&p[1..], &t[1..]),
            _ => false,
        }
    }

    proptest::proptest! {
        /// A plain string intersects a pattern exactly when the pattern matches it.
        #[test]
        fn agrees_with_matching(p in "[ab*?]{0,7}", t in "[ab]{0,7}") {
            let (pc, tc): (Vec<char>, Vec<char>) = (p.chars().collect(), t.chars().collect());
            proptest::prop_assert_eq!(intersect(&p, &t), matches(&pc, &tc));
        }

        /// Intersection is symmetric, and a common string is a witness for both patterns.
        #[test]
        fn symmetric_and_witnessed(a in "[ab*?]{0,5}", b in "[ab*?]{0,5}", w in "[ab]{0,6}") {
            proptest::prop_assert_eq!(intersect(&a, &b), intersect(&b, &a));
            let (ac, bc, wc): (Vec<char>, Vec<char>, Vec<char>) =
                (a.chars().collect(), b.chars().collect(), w.chars().collect());
            if matches(&ac, &wc) && matches(&bc, &wc) {
                proptest::prop_assert!(intersect(&a, &b));
            }
        }
    }
}
