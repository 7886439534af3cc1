//! Secrets never leave: any value that looks like one is replaced before it reaches an output.

use regex::{Regex, RegexSet};
use std::sync::LazyLock;

static SOURCES: &[&str] = &[
    // password inside a URL: scheme://user:password@host
    r"(?P<keep>[a-zA-Z][a-zA-Z0-9+.-]*://[^/:@\s]+:)[^@\s/]+(?P<tail>@)",
    // a quoted value under a secret-ish key: "secret": "…", password = '…'
    r"(?i)(?P<keep>(?:secret|password|passwd|pwd|token|credential)[a-z_]*[\x22']?\s*[:=]\s*[\x22'])[^\x22'\s]{4,}(?P<tail>[\x22'])",
    // environment-style assignments: AWS_SECRET_ACCESS_KEY=…, PGPASSWORD=…
    r"(?P<keep>\b[A-Z_]*(?:PASSWORD|SECRET|TOKEN)[A-Z_]*=)[^\s\x22']{4,}(?P<tail>)",
    // AWS secret access keys: 40 characters of the base64 alphabet standing alone (not
    // 40 lower-case hex digits: a git commit or a GCP key id, never a random secret)
    r"(?P<keep>(?:^|[\s\x22'=:]))(?P<value>[A-Za-z0-9/+]{40})(?P<tail>(?:$|[\s\x22',]))",
    // well-known token shapes
    r"(?P<keep>)(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}(?P<tail>)",
    r"(?P<keep>)github_pat_[A-Za-z0-9_]{20,}(?P<tail>)",
    r"(?P<keep>)hv[sbr]\.[A-Za-z0-9_-]{20,}(?P<tail>)",
    r"(?P<keep>)-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----(?P<tail>)",
    // SCRAM / md5 password hashes as PostgreSQL and MySQL store them
    r"(?P<keep>)SCRAM-SHA-256\$[^\s\x22',]+(?P<tail>)",
    r"(?P<keep>)\*[0-9A-F]{40}(?P<tail>)",
];

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|p| Regex::new(p).expect("redaction pattern compiles"))
        .collect()
});

/// All the patterns in one pass: most text holds no secret and is checked once.
static ANY: LazyLock<RegexSet> =
    LazyLock::new(|| RegexSet::new(SOURCES).expect("redaction patterns compile"));

pub const REDACTED: &str = "[REDACTED]";

/// Replace every secret-looking value in `text`.
pub fn redact(text: &str) -> String {
    redact_owned(text.to_string())
}

/// [`redact`] of a string the caller owns: text without a secret is returned as it is.
pub fn redact_owned(mut out: String) -> String {
    if !ANY.is_match(&out) {
        return out;
    }
    for re in PATTERNS.iter() {
        if re.is_match(&out) {
            out = re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    let hex = c.name("value").is_some_and(|v| {
                        v.as_str()
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    });
                    if hex {
                        return c[0].to_string();
                    }
                    let part = |n: &str| c.name(n).map(|m| m.as_str()).unwrap_or_default();
                    format!("{}{REDACTED}{}", part("keep"), part("tail"))
                })
                .into_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_url_passwords_and_tokens() {
        assert_eq!(
            redact("postgres://svc:hunter22@db:5432/x"),
            "postgres://svc:[REDACTED]@db:5432/x"
        );
        assert!(!redact("token ghp_abcdefghijklmnopqrstuvwxyz0123").contains("ghp_abc"));
        assert!(
            !redact(r#"{"secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#).contains("wJalr")
        );
        assert!(!redact("SCRAM-SHA-256$4096:abc$def:ghi").contains("4096:abc"));
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for text in [
            "arn:aws:iam::111122223333:role/gha-release allows s3:PutObject",
            "no active access key and no console password: nothing to steal until one is created",
        ] {
            assert_eq!(redact(text), text);
        }
        assert!(!redact("AWS_SECRET_ACCESS_KEY=abc123def456").contains("abc123"));
        let key_id = "user-managed key 2f9c1e0d7b6a5948372615a4b3c2d1e0f9a8b7c6 of x";
        assert_eq!(
            redact(key_id),
            key_id,
            "a GCP key id or git commit is no secret"
        );
        assert!(!redact("key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here").contains("wJalr"));
    }
}
