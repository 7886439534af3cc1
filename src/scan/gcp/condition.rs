//! IAM Conditions: the `request.time` window of a binding's CEL expression.
//!
//! Read: terms joined by `&&`, each `request.time OP timestamp("RFC 3339")` (or the reverse,
//! `timestamp(…) OP request.time`) with OP one of `<`, `<=`, `>`, `>=`; terms that do not
//! mention `request.time` narrow resources (`resource.name.startsWith(…)`), not time, and are
//! left aside. Anything else that touches time (`||`, `!`, `request.time.getHours(…)`,
//! durations) is not read: the caller makes it `unknown`, never JIT.

use chrono::{DateTime, Utc};

/// What a condition says about time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeCondition {
    /// The condition does not mention `request.time`: it does not end.
    Timeless,
    /// A window: the latest lower bound and the earliest upper bound found.
    Window {
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    },
    /// The condition touches time in a way jitgap does not read (the reason).
    Unread(String),
}

pub fn read(expression: &str) -> TimeCondition {
    let text = strip_parens(expression.trim());
    if !text.contains("request.time") {
        return TimeCondition::Timeless;
    }
    if text.contains("||") {
        return TimeCondition::Unread("it combines terms with `||`".into());
    }
    let mut start: Option<DateTime<Utc>> = None;
    let mut end: Option<DateTime<Utc>> = None;
    for term in split_and(text) {
        let term = strip_parens(term.trim());
        if !term.contains("request.time") {
            continue;
        }
        if term.starts_with('!') {
            return TimeCondition::Unread(format!("`{term}` negates a time term"));
        }
        let Some((bound, at)) = comparison(term) else {
            return TimeCondition::Unread(format!(
                "`{term}` is not `request.time <op> timestamp(\"…\")`"
            ));
        };
        match bound {
            Bound::Upper => end = Some(end.map_or(at, |e| e.min(at))),
            Bound::Lower => start = Some(start.map_or(at, |s| s.max(at))),
        }
    }
    TimeCondition::Window { start, end }
}

enum Bound {
    Upper,
    Lower,
}

/// `request.time < timestamp("T")` → (upper, T); `timestamp("T") < request.time` → (lower, T).
fn comparison(term: &str) -> Option<(Bound, DateTime<Utc>)> {
    for op in ["<=", ">=", "<", ">"] {
        let Some((left, right)) = term.split_once(op) else {
            continue;
        };
        let (left, right) = (left.trim(), right.trim());
        if right.starts_with('=') {
            return None; // `<==` and the like
        }
        let less = op.starts_with('<');
        return if left == "request.time" {
            let at = timestamp(right)?;
            Some((if less { Bound::Upper } else { Bound::Lower }, at))
        } else if right == "request.time" {
            let at = timestamp(left)?;
            Some((if less { Bound::Lower } else { Bound::Upper }, at))
        } else {
            None
        };
    }
    None
}

/// `timestamp("2026-09-01T00:00:00Z")` (either quote) → the time.
fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    let inner = text.strip_prefix("timestamp(")?.strip_suffix(')')?.trim();
    let quoted = inner
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))?;
    crate::time::parse_timestamp(quoted)
}

/// Splits on `&&` outside parentheses and quotes.
fn split_and(text: &str) -> Vec<&str> {
    let (mut depth, mut quote, mut from) = (0i32, None::<u8>, 0usize);
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'(' => depth += 1,
                b')' => depth -= 1,
                b'&' if depth == 0 && bytes.get(i + 1) == Some(&b'&') => {
                    out.push(&text[from..i]);
                    from = i + 2;
                    i += 1;
                }
                _ => {}
            },
        }
        i += 1;
    }
    out.push(&text[from..]);
    out
}

/// `(a && b)` → `a && b`, only when the outer parentheses enclose the whole text.
fn strip_parens(mut text: &str) -> &str {
    while text.starts_with('(') && text.ends_with(')') {
        let inner = &text[1..text.len() - 1];
        let mut depth = 0i32;
        let balanced = inner.bytes().all(|b| {
            match b {
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
            depth >= 0
        }) && depth == 0;
        if !balanced {
            break;
        }
        text = inner.trim();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        crate::time::parse_timestamp(s).unwrap()
    }

    #[test]
    fn windows() {
        assert_eq!(
            read(r#"request.time < timestamp("2026-09-01T00:00:00Z")"#),
            TimeCondition::Window {
                start: None,
                end: Some(t("2026-09-01T00:00:00Z"))
            }
        );
        assert_eq!(
            read(
                r#"(request.time >= timestamp("2026-09-01T10:00:00Z") && request.time < timestamp('2026-09-01T14:00:00Z'))"#
            ),
            TimeCondition::Window {
                start: Some(t("2026-09-01T10:00:00Z")),
                end: Some(t("2026-09-01T14:00:00Z"))
            }
        );
        assert_eq!(
            read(
                r#"timestamp("2026-09-01T10:00:00Z") < request.time && resource.name.startsWith("projects/_/buckets/a&&b") && request.time <= timestamp("2026-09-02T00:00:00Z") && request.time < timestamp("2026-09-03T00:00:00Z")"#
            ),
            TimeCondition::Window {
                start: Some(t("2026-09-01T10:00:00Z")),
                end: Some(t("2026-09-02T00:00:00Z"))
            }
        );
        assert_eq!(
            read(r#"resource.name.startsWith("projects/_/buckets/x")"#),
            TimeCondition::Timeless
        );
    }

    #[test]
    fn what_is_not_read() {
        for e in [
            r#"request.time.getHours("Europe/Berlin") >= 9"#,
            r#"request.time < timestamp("2026-09-01T00:00:00Z") || true"#,
            r#"!(request.time < timestamp("2026-09-01T00:00:00Z"))"#,
            r#"request.time < timestamp("soon")"#,
            r#"request.time < timestamp("2026-09-01T00:00:00Z") + duration("3600s")"#,
            r#"request.time != timestamp("2026-09-01T00:00:00Z")"#,
        ] {
            assert!(
                matches!(read(e), TimeCondition::Unread(_)),
                "{e} should not be read"
            );
        }
    }
}
