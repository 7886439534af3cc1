//! Reading scanners' JSON documents: the error of an unreadable one (file, line, column),
//! JSON pointer escaping, and time fields whose bad values are named by their pointer.

use super::Doc;
use chrono::{DateTime, Utc};

/// A document that is there but cannot be read: `<source>: line L column C: <what>`.
pub fn bad(doc: &Doc, e: &serde_json::Error) -> String {
    format!(
        "{}: line {} column {}: {e}",
        doc.source,
        e.line(),
        e.column()
    )
}

/// serde_json's message without its trailing ` at line N column M` (the error gives those).
pub fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// JSON pointer escaping of one reference token (RFC 6901).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A time field: `None` when absent; an error naming the pointer when it is not RFC 3339.
pub fn time(
    source: &str,
    pointer: &str,
    value: &Option<String>,
    errors: &mut Vec<String>,
) -> Option<DateTime<Utc>> {
    let text = value.as_deref().filter(|t| !t.trim().is_empty())?;
    let parsed = crate::time::parse_timestamp(text);
    if parsed.is_none() {
        errors.push(format!(
            "{source}: {pointer}: `{text}` is not an RFC 3339 time"
        ));
    }
    parsed
}

/// The request a scanner may send matches one of its operation templates: `METHOD /path`
/// with `{id}` one path segment (no `:`) and `{id}:verb` a segment ending in `:verb`. A query
/// is ignored; `fold_case` compares literal segments case-insensitively (ARM ids come back in
/// either case). `None` when nothing matches.
pub fn operation_of(
    allowed: &'static [&'static str],
    method: &str,
    path: &str,
    fold_case: bool,
) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').collect();
    allowed.iter().copied().find(|op| {
        let Some((m, template)) = op.split_once(' ') else {
            return false;
        };
        let t: Vec<&str> = template.split('/').collect();
        m == method
            && t.len() == segments.len()
            && t.iter()
                .zip(&segments)
                .all(|(t, s)| match t.strip_prefix("{id}") {
                    Some("") => !s.is_empty() && !s.contains(':'),
                    Some(verb) => s.len() > verb.len() && s.ends_with(verb),
                    None if fold_case => t.eq_ignore_ascii_case(s),
                    None => t == s,
                })
    })
}

/// A typed document and where it came from.
pub struct Parsed<T> {
    pub source: String,
    pub value: T,
}

impl<T> Parsed<T> {
    pub fn ev(&self, pointer: &str) -> crate::model::Evidence {
        crate::model::Evidence::new(self.source.clone(), pointer)
    }
}

/// One document of a scope, typed; `None` when it is absent, an error (line and column)
/// when it is bad.
pub fn parsed<T: serde::de::DeserializeOwned>(
    raw: &crate::scan::scanner::RawScope,
    name: &str,
    errors: &mut Vec<String>,
) -> Option<Parsed<T>> {
    let doc = raw.document(name)?;
    match serde_json::from_str::<T>(&doc.text) {
        Ok(value) => Some(Parsed {
            source: doc.source.clone(),
            value,
        }),
        Err(e) => {
            errors.push(bad(doc, &e));
            None
        }
    }
}
