//! Where each key and value of a TOML file is, from the parser's own spans, and the checks
//! that need them before anything is deserialized: inline secrets, passwords in URLs.

use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// One problem in a config file, at `file:line:column`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Every problem found in one config file (all of them, not only the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n  "))]
pub struct ConfigErrors(pub Vec<ConfigError>);

/// A parsed file: its text (for line numbers) and the span of every dotted key path.
pub(crate) struct Located<'t> {
    pub file: &'t str,
    pub text: &'t str,
    /// `policy.max_jit_window` → byte offset of the key.
    pub keys: BTreeMap<String, usize>,
}

impl Located<'_> {
    pub fn at(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        let (line, column) = crate::rules::line_col(self.text, offset);
        ConfigError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An error at a key path, or at the start of the file when the path is not there.
    pub fn at_key(&self, path: &str, message: impl Into<String>) -> ConfigError {
        self.at(self.keys.get(path).copied().unwrap_or(0), message)
    }

    /// An error from the TOML deserializer, at its span.
    pub fn at_toml_error(&self, e: &toml::de::Error) -> ConfigError {
        self.at(
            e.span().map(|s| s.start).unwrap_or(0),
            e.message().to_string(),
        )
    }
}

/// Words that mean a secret was written into the config.
const SECRET_KEYS: &[&str] = &[
    "password",
    "secret",
    "token",
    "secret_access_key",
    "aws_secret_access_key",
];

/// Parses the file and records key spans; refuses inline secrets and passwords in URLs.
pub(crate) fn parse<'t>(
    file: &'t str,
    text: &'t str,
) -> Result<(Located<'t>, Spanned<DeTable<'t>>), ConfigErrors> {
    let mut loc = Located {
        file,
        text,
        keys: BTreeMap::new(),
    };
    let doc = DeTable::parse(text).map_err(|e| ConfigErrors(vec![loc.at_toml_error(&e)]))?;
    let mut errors = Vec::new();
    walk_table(doc.get_ref(), "", &mut loc, &mut errors);
    if errors.is_empty() {
        Ok((loc, doc))
    } else {
        Err(ConfigErrors(errors))
    }
}

fn walk_table(t: &DeTable<'_>, prefix: &str, loc: &mut Located<'_>, errors: &mut Vec<ConfigError>) {
    for (k, v) in t.iter() {
        let name = k.get_ref().as_ref();
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        let at = k.span().start;
        loc.keys.entry(path.clone()).or_insert(at);
        if SECRET_KEYS.contains(&name.to_ascii_lowercase().as_str()) {
            errors.push(loc.at(at, format!(
                "`{name}` looks like an inline secret; jitgap never reads secrets from its config. \
                 Use the SDK's credential chain (AWS_PROFILE, AWS_* variables) or name an environment variable"
            )));
        }
        walk_value(v, &path, loc, errors);
    }
}

fn walk_value(
    v: &Spanned<DeValue<'_>>,
    path: &str,
    loc: &mut Located<'_>,
    errors: &mut Vec<ConfigError>,
) {
    match v.get_ref() {
        DeValue::Table(t) => walk_table(t, path, loc, errors),
        DeValue::Array(items) => {
            for item in items.iter() {
                walk_value(item, path, loc, errors);
            }
        }
        DeValue::String(s) if url_password(s) => errors.push(loc.at(
            v.span().start,
            "a URL holds a password; write `${VAR}` in its place (read from the environment), \
             or use PGPASSWORD / ~/.pgpass / MYSQL_PWD",
        )),
        _ => {}
    }
}

/// `scheme://user:password@host` with a literal password (`${VAR}` is fine).
fn url_password(s: &str) -> bool {
    let Some((_, rest)) = s.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return false;
    };
    userinfo
        .split_once(':')
        .is_some_and(|(_, pw)| !pw.is_empty() && !pw.starts_with("${"))
}

/// Deserializes one section, its errors at their spans.
pub(crate) fn section<T: DeserializeOwned>(
    loc: &Located<'_>,
    value: Spanned<DeValue<'_>>,
) -> Result<T, ConfigError> {
    T::deserialize(ValueDeserializer::from(value)).map_err(|e| loc.at_toml_error(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls() {
        assert!(url_password("postgres://svc:hunter2@db:5432/app"));
        assert!(!url_password("postgres://svc:${PW}@db:5432/app"));
        assert!(!url_password("postgres://svc@db:5432/app"));
        assert!(!url_password("https://example.com/a:b@c"));
        assert!(!url_password("not a url"));
    }
}
