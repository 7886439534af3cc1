//! The neutral ledger format (design.md §3): JSON Lines, one [`Grant`] per line, `ledger_version` 1.
//!
//! Reading skips blank lines and lines starting with `#`, rejects unknown fields and any
//! `ledger_version` other than 1, and names the file and line of every error
//! (`ledger.jsonl:7: missing field `grant_id``). A source is a file, a directory (every `*.jsonl`
//! file in it, sorted by name) or `-` for standard input. The schema of one line is
//! `schemas/ledger.schema.json`.

use super::import::read_docs;
use super::{Grant, LEDGER_VERSION};
use serde_json::Value;
use std::path::Path;

/// A ledger (or native export) that could not be read: the file, the line when one is to blame,
/// and what is wrong. Displays as `file:line: message`, or `file: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct LedgerError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl LedgerError {
    pub fn new(file: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        LedgerError {
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    /// An error about a whole file (or directory, or API).
    pub fn in_file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(file, None, message)
    }

    /// An error about one line of a file.
    pub fn at_line(file: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        Self::new(file, Some(line), message)
    }
}

/// The lines of a JSON Lines text worth parsing: 1-based number and content, without blank
/// lines and `#` comments.
pub(crate) fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// A serde_json error as a line-level message: the position inside the line only where it helps
/// (syntax errors), never the meaningless `line 1`.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let bare = match text.rfind(" at line ") {
        Some(i) if e.line() > 0 => text[..i].to_string(),
        _ => text,
    };
    if e.is_syntax() || e.is_eof() {
        format!("{bare} (column {})", e.column())
    } else {
        bare
    }
}

/// Read a ledger source: a file, a directory of `*.jsonl` files (in name order), or `-`.
pub fn read_ledger(path: &Path) -> Result<Vec<Grant>, LedgerError> {
    let mut grants = Vec::new();
    for doc in read_docs(path, &[".jsonl"])? {
        grants.extend(parse_jsonl(&doc.name, &doc.text)?);
    }
    Ok(grants)
}

/// Parse the text of one ledger file; `name` is what errors cite.
pub fn parse_jsonl(name: &str, text: &str) -> Result<Vec<Grant>, LedgerError> {
    let mut grants = Vec::new();
    for (n, line) in content_lines(text) {
        let value: Value = serde_json::from_str(line)
            .map_err(|e| LedgerError::at_line(name, n, json_message(&e)))?;
        let Some(obj) = value.as_object() else {
            return Err(LedgerError::at_line(
                name,
                n,
                "expected a JSON object (one grant per line)",
            ));
        };
        // The version first: a newer format fails on its version, not on a field it added.
        match obj.get("ledger_version") {
            None => {}
            Some(v) if v.as_u64() == Some(u64::from(LEDGER_VERSION)) => {}
            Some(v) => {
                return Err(LedgerError::at_line(
                    name,
                    n,
                    format!(
                        "ledger_version {v} is not supported: this jitgap reads ledger_version {LEDGER_VERSION}"
                    ),
                ));
            }
        }
        let grant: Grant = serde_json::from_value(value)
            .map_err(|e| LedgerError::at_line(name, n, json_message(&e)))?;
        if grant.grant_id.trim().is_empty() {
            return Err(LedgerError::at_line(name, n, "grant_id is empty"));
        }
        grants.push(grant);
    }
    Ok(grants)
}

/// Write grants as the neutral ledger: one compact JSON object per line, fields in the order of
/// [`Grant`], labels sorted, empty optional fields left out.
pub fn to_jsonl(grants: &[Grant]) -> String {
    let mut out = String::new();
    for g in grants {
        out.push_str(&serde_json::to_string(g).expect("a grant serializes"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"grant_id":"g1","boundary":"aws","scope":"111122223333","identity":"jit-admin","source":"broker"}"#;

    #[test]
    fn reads_lines_skipping_comments_and_blanks() {
        let text = format!("# broker export\n\n{LINE}\n");
        let grants = parse_jsonl("l.jsonl", &text).unwrap();
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].ledger_version, 1);
        assert_eq!(parse_jsonl("l.jsonl", &to_jsonl(&grants)).unwrap(), grants);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let missing = r#"{"boundary":"aws","scope":"1","identity":"x","source":"s"}"#;
        let e = parse_jsonl("ledger.jsonl", &format!("{LINE}\n#\n{missing}\n")).unwrap_err();
        assert_eq!(e.to_string(), "ledger.jsonl:3: missing field `grant_id`");
        let unknown = LINE.replace("\"source\"", "\"colour\":\"red\",\"source\"");
        let e = parse_jsonl("ledger.jsonl", &unknown).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("ledger.jsonl:1: unknown field `colour`"),
            "{e}"
        );
        let e = parse_jsonl("ledger.jsonl", "{\"grant_id\": ").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("ledger.jsonl:1: EOF while parsing"),
            "{e}"
        );
        assert!(e.to_string().contains("(column "), "{e}");
    }

    #[test]
    fn rejects_other_versions() {
        let v2 = LINE.replacen('{', "{\"ledger_version\":2,\"new_field\":1,", 1);
        let e = parse_jsonl("ledger.jsonl", &v2).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(
            e.message.contains("ledger_version 2 is not supported"),
            "{e}"
        );
    }

    #[test]
    fn display_without_line() {
        assert_eq!(
            LedgerError::in_file("dir", "empty").to_string(),
            "dir: empty"
        );
    }
}
