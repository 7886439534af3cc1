//! One GitHub audit-log event, read from its JSON (see [`super::github_audit`] for the sources
//! checked), and the documents events come in: a JSON array (one page), several arrays back to
//! back (`gh api --paginate`), or one event a line (JSON Lines, `--jq '.[]'`).

use super::{Doc, rfc3339, text};
use crate::ledger::LedgerError;
use crate::ledger::format::json_message;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// An object of a document and where it sits.
pub(super) struct Located {
    /// `/N` in the only array, `page P /N` in the P-th of several, `line N` for an object on
    /// its own (JSON Lines).
    pub pointer: String,
    /// The line an object on its own starts at (errors cite it).
    pub line: Option<usize>,
    pub value: Value,
}

impl Located {
    pub fn error(&self, doc: &Doc, message: impl std::fmt::Display) -> LedgerError {
        match self.line {
            Some(n) => LedgerError::at_line(&doc.name, n, message.to_string()),
            None => LedgerError::in_file(&doc.name, format!("{}: {message}", self.pointer)),
        }
    }
}

/// Every object of `doc`, in document order. Errors name the file and the line (syntax) or
/// the JSON pointer (an element that is no event object).
pub(super) fn objects(doc: &Doc) -> Result<Vec<Located>, LedgerError> {
    let mut stream = serde_json::Deserializer::from_str(&doc.text).into_iter::<Value>();
    let mut tops: Vec<(usize, Value)> = Vec::new();
    loop {
        let start = stream.byte_offset();
        let rest = &doc.text[start..];
        let begin = start + (rest.len() - rest.trim_start().len());
        let line = 1 + doc.text[..begin].matches('\n').count();
        match stream.next() {
            None => break,
            Some(Ok(v)) => tops.push((line, v)),
            // A value cut short is blamed on the line it starts on, not the file's end.
            Some(Err(e)) if e.is_eof() => {
                return Err(LedgerError::at_line(
                    &doc.name,
                    line,
                    "the JSON value starting here is cut short",
                ));
            }
            Some(Err(e)) => {
                return Err(LedgerError::new(
                    &doc.name,
                    Some(e.line()).filter(|l| *l > 0),
                    json_message(&e),
                ));
            }
        }
    }
    if tops.is_empty() {
        return Err(LedgerError::in_file(
            &doc.name,
            "the file is empty: expected audit-log events (`gh api /orgs/ORG/audit-log` output)",
        ));
    }
    let pages = tops.iter().filter(|(_, v)| v.is_array()).count();
    let mut out = Vec::new();
    let mut page = 0;
    for (line, value) in tops {
        match value {
            Value::Array(items) => {
                page += 1;
                for (i, value) in items.into_iter().enumerate() {
                    let pointer = if pages > 1 {
                        format!("page {page} /{i}")
                    } else {
                        format!("/{i}")
                    };
                    let item = Located {
                        pointer,
                        line: None,
                        value,
                    };
                    if !item.value.is_object() {
                        return Err(item.error(doc, "expected an audit-log event (a JSON object)"));
                    }
                    out.push(item);
                }
            }
            Value::Object(_) => out.push(Located {
                pointer: format!("line {line}"),
                line: Some(line),
                value,
            }),
            other => {
                return Err(LedgerError::at_line(
                    &doc.name,
                    line,
                    format!(
                        "expected audit-log events (a JSON array or one object a line), not {}",
                        kind(&other)
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether an event gives access or takes it away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Open,
    Close,
}

/// What an event is about, in the fields that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Subject {
    /// A fine-grained PAT: its owner (`user`) and name (`user_programmatic_access_name`).
    Pat {
        user: String,
        name: String,
        selection: Option<String>,
    },
    /// A public key: a deploy key when the event names a repository, else possibly a user's.
    Key {
        title: String,
        fingerprint: Option<String>,
        read_only: Option<bool>,
    },
    /// A GitHub App installation: the App's slug (`integration`, else `name`).
    App {
        slug: String,
        selection: Option<String>,
    },
    /// A credential authorized for SAML SSO: the login that owns it.
    Sso {
        login: String,
        scopes: Option<String>,
    },
}

/// An event this importer reads.
#[derive(Debug, Clone)]
pub(super) struct Event {
    /// Which document it is in, and where.
    pub doc: usize,
    pub pointer: String,
    pub action: String,
    pub step: Step,
    pub at: DateTime<Utc>,
    pub document_id: Option<String>,
    pub actor: Option<String>,
    pub org: Option<String>,
    pub repo: Option<String>,
    pub subject: Subject,
}

/// The family and step of an action; `None` for actions that grant or revoke nothing.
pub(super) fn classify(action: &str) -> Option<(&'static str, Step)> {
    Some(match action {
        "personal_access_token.access_granted" => ("pat", Step::Open),
        "personal_access_token.access_revoked" => ("pat", Step::Close),
        "public_key.create" => ("key", Step::Open),
        "public_key.delete" => ("key", Step::Close),
        "integration_installation.create" | "integration_installation.unsuspend" => {
            ("app", Step::Open)
        }
        "integration_installation.destroy" | "integration_installation.suspend" => {
            ("app", Step::Close)
        }
        "org_credential_authorization.grant" => ("sso", Step::Open),
        "org_credential_authorization.revoke" | "org_credential_authorization.deauthorize" => {
            ("sso", Step::Close)
        }
        _ => return None,
    })
}

/// The `action` of an object, which every audit-log event has. A saved API error
/// (`{"message": "Not Found", …}`) is named as one.
pub(super) fn action<'a>(doc: &Doc, item: &'a Located) -> Result<&'a str, LedgerError> {
    if let Some(a) = text(&item.value, "/action") {
        return Ok(a);
    }
    if item.value.get("action").is_some() {
        return Err(item.error(doc, "`action` is not a non-empty string"));
    }
    if let Some(m) = text(&item.value, "/message") {
        return Err(item.error(
            doc,
            format!("the saved body is a GitHub API error (`{m}`), not audit-log events"),
        ));
    }
    Err(item.error(doc, "expected an audit-log event: an object with `action`"))
}

/// `@timestamp`, else `created_at`: milliseconds since the epoch (a number or a string of
/// digits); an RFC 3339 time is accepted too.
fn time(v: &Value) -> Option<DateTime<Utc>> {
    ["@timestamp", "created_at"].iter().find_map(|k| {
        let ms = match v.get(*k)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?,
            Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse().ok()?
            }
            Value::String(s) => return crate::time::parse_timestamp(s),
            _ => return None,
        };
        DateTime::from_timestamp_millis(ms).filter(|t| t.timestamp() > 0)
    })
}

/// A string, or a list of strings joined with `, ` (`token_scopes`).
fn list(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Array(items) => {
            let names: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

/// Read an event of a known action (`family`, `step` from [`classify`]). A field the action
/// needs that is missing is an error naming the event.
pub(super) fn read(
    d: usize,
    doc: &Doc,
    item: &Located,
    action: &str,
    (family, step): (&str, Step),
) -> Result<Event, LedgerError> {
    let v = &item.value;
    let field = |k: &str| text(v, &format!("/{k}")).map(str::to_string);
    let need = |k: &str, what: &str| {
        field(k).ok_or_else(|| item.error(doc, format!("{action}: missing `{k}` ({what})")))
    };
    let at = time(v).ok_or_else(|| {
        item.error(
            doc,
            format!("{action}: missing `@timestamp` / `created_at` (milliseconds since the epoch)"),
        )
    })?;
    let actor = field("actor");
    let subject = match family {
        "pat" => Subject::Pat {
            user: need("user", "the token's owner")?,
            name: need("user_programmatic_access_name", "the token's name")?,
            selection: field("repository_selection"),
        },
        "key" => Subject::Key {
            title: need("title", "the key's title")?,
            fingerprint: field("fingerprint"),
            read_only: v.get("read_only").and_then(Value::as_bool),
        },
        "app" => Subject::App {
            slug: field("integration")
                .or_else(|| field("name"))
                .ok_or_else(|| {
                    item.error(
                        doc,
                        format!("{action}: missing `integration` (the App's slug) and `name`"),
                    )
                })?,
            selection: field("repository_selection"),
        },
        _ => {
            // A revoke names the credential's owner; the member acts for themselves otherwise.
            let login = if action == "org_credential_authorization.revoke" {
                field("owner").or_else(|| field("user"))
            } else {
                actor.clone().or_else(|| field("user"))
            };
            let Some(login) = login else {
                let which = if action == "org_credential_authorization.revoke" {
                    "`owner` (the credential's owner)"
                } else {
                    "`actor` (the member)"
                };
                return Err(item.error(doc, format!("{action}: missing {which}")));
            };
            Subject::Sso {
                login,
                scopes: list(v, "token_scopes"),
            }
        }
    };
    Ok(Event {
        doc: d,
        pointer: item.pointer.clone(),
        action: action.to_string(),
        step,
        at,
        document_id: field("_document_id"),
        actor,
        org: field("org"),
        repo: field("repo").or_else(|| field("repository")),
        subject,
    })
}

impl Event {
    /// One line for evidence: the action, when, who, and the fields it was matched on.
    pub fn excerpt(&self) -> String {
        let detail = match &self.subject {
            Subject::Pat { user, name, .. } => {
                format!("user={user} user_programmatic_access_name={name}")
            }
            Subject::Key {
                title, fingerprint, ..
            } => {
                let mut s = format!("title={title}");
                if let Some(r) = &self.repo {
                    s += &format!(" repo={r}");
                }
                if let Some(f) = fingerprint {
                    s += &format!(" fingerprint={f}");
                }
                s
            }
            Subject::App { slug, .. } => format!("integration={slug}"),
            Subject::Sso { login, .. } => format!("credential owner={login}"),
        };
        format!(
            "{} at {} by {}: {detail}",
            self.action,
            rfc3339(self.at),
            self.actor.as_deref().unwrap_or("?")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointers(text: &str) -> Result<Vec<String>, String> {
        objects(&Doc::new("a.json", text))
            .map(|o| o.into_iter().map(|l| l.pointer).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn arrays_pages_and_lines() {
        assert_eq!(pointers("[{}, {}]").unwrap(), ["/0", "/1"]);
        assert_eq!(
            pointers("[{}][{}, {}]\n").unwrap(),
            ["page 1 /0", "page 2 /0", "page 2 /1"]
        );
        assert_eq!(pointers("\n{}\n\n{}\n").unwrap(), ["line 2", "line 4"]);
        assert_eq!(pointers("[]").unwrap(), Vec::<String>::new());
        let e = pointers("{}\n{\"a\":\n").unwrap_err();
        assert_eq!(e, "a.json:2: the JSON value starting here is cut short");
        let e = pointers("{}\n\n{\"a\": x}\n").unwrap_err();
        assert!(e.starts_with("a.json:3: expected value"), "{e}");
        let e = pointers("[{}, 3]").unwrap_err();
        assert_eq!(e, "a.json: /1: expected an audit-log event (a JSON object)");
        assert!(pointers("  ").unwrap_err().contains("empty"));
        assert!(pointers("{}\n7\n").unwrap_err().starts_with("a.json:2: "));
    }

    #[test]
    fn times_are_milliseconds_since_the_epoch() {
        let t = |v: Value| time(&v).map(rfc3339);
        let at = Some("2025-08-29T13:49:47Z".to_string());
        assert_eq!(t(serde_json::json!({"@timestamp": 1756475387123_i64})), at);
        assert_eq!(t(serde_json::json!({"created_at": "1756475387123"})), at);
        assert_eq!(
            t(serde_json::json!({"created_at": "2025-08-29T13:49:47Z"})),
            at
        );
        assert_eq!(t(serde_json::json!({"@timestamp": 0})), None);
        assert_eq!(t(serde_json::json!({})), None);
    }

    #[test]
    fn actions_sort_into_families() {
        assert_eq!(
            classify("integration_installation.unsuspend"),
            Some(("app", Step::Open))
        );
        assert_eq!(
            classify("org_credential_authorization.deauthorize"),
            Some(("sso", Step::Close))
        );
        assert_eq!(
            classify("integration_installation.repositories_added"),
            None
        );
        assert_eq!(classify("deploy_key.delete"), None);
    }
}
