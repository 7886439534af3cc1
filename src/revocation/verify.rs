//! `jitgap verify FILE`: read the credentials to try (JSON Lines), probe each once, render
//! the verdicts and map them to an exit code.
//!
//! One object per line, blank lines ignored:
//! `{"kind": "aws-access-key", "id": "AKIA…", "secret_env": "OLD_KEY_SECRET"}` —
//! `kind` is `aws-access-key`, `postgres-login`, `mysql-login`, `azure-client-secret`,
//! `gcp-service-account-key` or `github-token`; `id` the key id, a URL without password, the
//! Azure client (application) id, the Google Cloud key's name
//! (`projects/P/serviceAccounts/EMAIL/keys/KEY_ID`, or the service account's email), or for a
//! GitHub token free text naming it (never the token); `tenant`
//! the Entra tenant id or domain (`azure-client-secret` only, and required there); exactly
//! one of `secret` (the value) or `secret_env` (a variable that holds it; for a
//! `gcp-service-account-key`, the key JSON or the path of the key file).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use comfy_table::{Cell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::probe::{IdError, ProbeInput, ProbeKind, ProbeOptions, ProbeResult, Secret, probe};
use crate::model::Revocation;
use crate::redact::redact;

/// Probes in flight at once.
const MAX_IN_FLIGHT: usize = 4;

/// A credentials file that cannot be read or holds a bad line; `name` is the file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{name}: cannot read: {source}")]
    Read {
        name: String,
        source: std::io::Error,
    },
    #[error("{name}:{line}: {source}")]
    Line {
        name: String,
        line: usize,
        source: LineError,
    },
    #[error(
        "{name}: no credentials to verify (expected one JSON object per line, e.g. \
         {{\"kind\": \"aws-access-key\", \"id\": \"AKIA…\", \"secret_env\": \"VAR\"}})"
    )]
    Empty { name: String },
}

/// Why one line is not a credential to try. Messages quote field names and kinds, never a
/// value that could be the secret.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("not a JSON object: {class} at column {column}")]
    NotJson { class: &'static str, column: usize },
    #[error("not a JSON object")]
    NotObject,
    /// The field name, redacted.
    #[error("unknown field `{0}` (expected kind, tenant, id, secret or secret_env)")]
    UnknownField(String),
    #[error("missing `{0}`")]
    Missing(&'static str),
    #[error("`kind` must be one of: {kinds}", kinds = kinds())]
    Kind,
    #[error("both `secret` and `secret_env` are set: give exactly one")]
    BothSecrets,
    #[error("neither `secret` nor `secret_env` is set: give exactly one")]
    NoSecret,
    #[error("`secret` is empty")]
    EmptySecret,
    /// The variable's name, redacted.
    #[error("`secret_env`: environment variable {0} is not set or empty")]
    SecretEnvUnset(String),
    #[error("`{0}` must be a string")]
    NotString(String),
    #[error(transparent)]
    Id(#[from] IdError),
}

fn kinds() -> String {
    let kinds: Vec<&str> = ProbeKind::ALL.iter().map(|k| k.as_str()).collect();
    kinds.join(", ")
}

/// Reads the credentials from `path` (`-` = standard input). Every error names the file
/// and line and never quotes a secret.
pub fn read_inputs(path: &Path) -> Result<Vec<ProbeInput>, InputError> {
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let mut text = String::new();
    let read = if stdin {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text).map(|_| ()))
    };
    read.map_err(|source| InputError::Read {
        name: name.clone(),
        source,
    })?;

    let mut inputs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let input = parse_line(line).map_err(|source| InputError::Line {
            name: name.clone(),
            line: i + 1,
            source,
        })?;
        inputs.push(input);
    }
    if inputs.is_empty() {
        return Err(InputError::Empty { name });
    }
    Ok(inputs)
}

/// One line. Messages quote field names and kinds, never values that could be the secret
/// (serde's own messages can quote a value, so fields are read by hand).
fn parse_line(line: &str) -> Result<ProbeInput, LineError> {
    let value: Value = serde_json::from_str(line).map_err(|e| LineError::NotJson {
        class: syntax_class(&e),
        column: e.column(),
    })?;
    let Value::Object(obj) = value else {
        return Err(LineError::NotObject);
    };
    if let Some(key) = obj.keys().find(|k| {
        !matches!(
            k.as_str(),
            "kind" | "tenant" | "id" | "secret" | "secret_env"
        )
    }) {
        return Err(LineError::UnknownField(redact(key)));
    }
    let kind_text = string_field(&obj, "kind")?.ok_or(LineError::Missing("kind"))?;
    let kind: ProbeKind = kind_text.parse().map_err(|_| LineError::Kind)?;
    let tenant = string_field(&obj, "tenant")?;
    let id = string_field(&obj, "id")?.ok_or(LineError::Missing("id"))?;
    let secret = match (
        string_field(&obj, "secret")?,
        string_field(&obj, "secret_env")?,
    ) {
        (Some(_), Some(_)) => return Err(LineError::BothSecrets),
        (None, None) => return Err(LineError::NoSecret),
        (Some(""), None) => return Err(LineError::EmptySecret),
        (Some(secret), None) => Secret::new(secret),
        (None, Some(var)) => match std::env::var(var) {
            Ok(value) if !value.is_empty() => Secret::new(value),
            _ => return Err(LineError::SecretEnvUnset(redact(var))),
        },
    };
    Ok(ProbeInput::with_tenant(kind, tenant, id, secret)?)
}

fn string_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, LineError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(LineError::NotString(key.to_string())),
    }
}

fn syntax_class(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of line",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected value",
        serde_json::error::Category::Io => "read error",
    }
}

/// Tries every credential once (a few at a time) and returns the verdicts in input order.
pub async fn verify(creds: Vec<ProbeInput>, opts: &ProbeOptions) -> Vec<ProbeResult> {
    let limit = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut tasks = JoinSet::new();
    let named: Vec<(ProbeKind, String)> = creds.iter().map(|c| (c.kind, redact(&c.id))).collect();
    for (index, input) in creds.into_iter().enumerate() {
        let limit = limit.clone();
        let opts = opts.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (index, probe(&input, &opts).await)
        });
    }
    let mut results: Vec<Option<ProbeResult>> = vec![None; named.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    // A probe task that panicked has no answer: inconclusive, never a pass.
    results
        .into_iter()
        .zip(named)
        .map(|(r, (kind, id))| {
            r.unwrap_or(ProbeResult {
                kind,
                id,
                verdict: Revocation::Inconclusive,
                reason: "the probe failed internally".into(),
            })
        })
        .collect()
}

/// `table` (for terminals) or `json`: `{"results": [{"kind", "id", "verdict", "reason"}]}`.
/// Unknown formats render as the table. Every text passes the redactor once more.
pub fn render(results: &[ProbeResult], format: &str) -> String {
    let clean: Vec<ProbeResult> = results
        .iter()
        .map(|r| ProbeResult {
            kind: r.kind,
            id: redact(&r.id),
            verdict: r.verdict,
            reason: redact(&r.reason),
        })
        .collect();
    if format == "json" {
        let doc = serde_json::json!({ "results": clean });
        return serde_json::to_string_pretty(&doc).expect("results serialize") + "\n";
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(["kind", "id", "verdict", "reason"].iter().map(Cell::new));
    for r in &clean {
        t.add_row(vec![
            Cell::new(r.kind),
            Cell::new(&r.id),
            Cell::new(r.verdict),
            Cell::new(&r.reason),
        ]);
    }
    let count = |v: Revocation| clean.iter().filter(|r| r.verdict == v).count();
    format!(
        "{t}\n{} credential(s): {} effective (rejected), {} not-effective (still accepted), {} inconclusive\n",
        clean.len(),
        count(Revocation::Effective),
        count(Revocation::NotEffective),
        count(Revocation::Inconclusive)
    )
}

/// 1 when any credential still works; else 3 when any probe was inconclusive; else 0.
pub fn exit_code(results: &[ProbeResult]) -> i32 {
    if results
        .iter()
        .any(|r| r.verdict == Revocation::NotEffective)
    {
        1
    } else if results
        .iter()
        .any(|r| r.verdict == Revocation::Inconclusive)
    {
        3
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message a bad line gets.
    fn error(line: &str) -> String {
        parse_line(line).unwrap_err().to_string()
    }

    #[test]
    fn lines_need_exactly_one_secret_source() {
        let both = r#"{"kind":"aws-access-key","id":"AKIAEXAMPLEKEY000001","secret":"abcd1234","secret_env":"X"}"#;
        assert!(error(both).contains("both"));
        let neither = r#"{"kind":"aws-access-key","id":"AKIAEXAMPLEKEY000001"}"#;
        assert!(error(neither).contains("neither"));
        let unset = r#"{"kind":"aws-access-key","id":"AKIAEXAMPLEKEY000001","secret_env":"JITGAP_TEST_UNSET_VARIABLE_Q"}"#;
        assert!(error(unset).contains("not set"));
    }

    #[test]
    fn errors_never_quote_the_secret() {
        for line in [
            r#"{"kind":"ssh-key","id":"x","secret":"hunter2hunter2"}"#,
            r#"{"kind":"postgres-login","id":"postgres://u:hunter2hunter2@h/d","secret":"hunter2hunter2"}"#,
            r#"{"kind":"aws-access-key","id":"AKIAEXAMPLEKEY000001","secret":42424242}"#,
            r#"{"kind":"aws-access-key","id":"AKIAEXAMPLEKEY000001","secret":"hunter2hunter2""#,
        ] {
            let err = error(line);
            assert!(
                !err.contains("hunter2") && !err.contains("42424242"),
                "{err}"
            );
        }
    }

    #[test]
    fn exit_codes() {
        let r = |verdict| ProbeResult {
            kind: ProbeKind::AwsAccessKey,
            id: "AKIAEXAMPLEKEY000001".into(),
            verdict,
            reason: String::new(),
        };
        use Revocation::*;
        assert_eq!(exit_code(&[r(Effective)]), 0);
        assert_eq!(exit_code(&[r(Effective), r(Inconclusive)]), 3);
        assert_eq!(exit_code(&[r(Inconclusive), r(NotEffective)]), 1);
        assert_eq!(exit_code(&[r(NotEffective), r(Effective)]), 1);
        assert_eq!(exit_code(&[]), 0);
    }
}
