//! IAM policy documents: URL-encoded strings or objects, `Statement` as object or array,
//! `Action`/`Resource`/condition values as string or array.

use chrono::{DateTime, Utc};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    /// As written, e.g. `StringEquals`, `ForAllValues:StringLike`, `DateLessThanIfExists`.
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Statement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Vec<String>,
    /// `Some` when the statement uses `NotAction`.
    pub not_actions: Option<Vec<String>>,
    pub resources: Vec<String>,
    pub not_resource: bool,
    pub principal: Option<Value>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct PolicyDoc {
    pub statements: Vec<Statement>,
}

/// A document as the API (URL-encoded string), the CLI (object) or a tool (JSON string) gives it.
pub(crate) fn parse_document(v: &Value) -> Result<PolicyDoc, String> {
    match v {
        Value::Object(_) => from_value(v),
        Value::String(s) => {
            let decoded = if s.trim_start().starts_with('%') {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8()
                    .map_err(|e| format!("URL-encoded document is not UTF-8: {e}"))?
                    .into_owned()
            } else {
                s.clone()
            };
            let value: Value =
                serde_json::from_str(&decoded).map_err(|e| format!("document is not JSON: {e}"))?;
            from_value(&value)
        }
        Value::Null => Err("document is missing".into()),
        other => Err(format!(
            "document is a {}, expected an object or a string",
            type_name(other)
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A string or an array of strings (anything else is an error).
pub(crate) fn string_list(v: &Value, what: &str) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Bool(b) => Ok(b.to_string()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(format!(
                    "{what} holds a {}, expected strings",
                    type_name(other)
                )),
            })
            .collect(),
        Value::Bool(b) => Ok(vec![b.to_string()]),
        Value::Number(n) => Ok(vec![n.to_string()]),
        other => Err(format!(
            "{what} is a {}, expected a string or an array",
            type_name(other)
        )),
    }
}

fn from_value(v: &Value) -> Result<PolicyDoc, String> {
    let stmts = match v.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect::<Vec<_>>(),
        Some(o @ Value::Object(_)) => vec![o],
        Some(other) => {
            return Err(format!(
                "Statement is a {}, expected an object or an array",
                type_name(other)
            ));
        }
        None => return Err("document has no Statement".into()),
    };
    let mut statements = Vec::with_capacity(stmts.len());
    for (index, s) in stmts.into_iter().enumerate() {
        let at = |m: String| format!("Statement[{index}]: {m}");
        let effect = match s.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            Some(other) => return Err(at(format!("Effect `{other}` is neither Allow nor Deny"))),
            None => return Err(at("no Effect".into())),
        };
        let actions = match s.get("Action") {
            Some(a) => string_list(a, "Action").map_err(at)?,
            None => Vec::new(),
        };
        let not_actions = s
            .get("NotAction")
            .map(|a| string_list(a, "NotAction"))
            .transpose()
            .map_err(at)?;
        let (resources, not_resource) = match (s.get("Resource"), s.get("NotResource")) {
            (Some(r), _) => (string_list(r, "Resource").map_err(at)?, false),
            (None, Some(r)) => (string_list(r, "NotResource").map_err(at)?, true),
            (None, None) => (vec!["*".to_string()], false),
        };
        let mut conditions = Vec::new();
        if let Some(c) = s.get("Condition") {
            let ops = c
                .as_object()
                .ok_or_else(|| at("Condition is not an object".into()))?;
            for (op, keys) in ops {
                let keys = keys
                    .as_object()
                    .ok_or_else(|| at(format!("Condition.{op} is not an object")))?;
                for (key, values) in keys {
                    conditions.push(Condition {
                        operator: op.clone(),
                        key: key.clone(),
                        values: string_list(values, "condition value").map_err(at)?,
                    });
                }
            }
        }
        if actions.is_empty() && not_actions.is_none() {
            return Err(at("neither Action nor NotAction".into()));
        }
        statements.push(Statement {
            index,
            sid: s.get("Sid").and_then(Value::as_str).map(str::to_string),
            effect,
            actions,
            not_actions,
            resources,
            not_resource,
            principal: s.get("Principal").cloned(),
            conditions,
        });
    }
    Ok(PolicyDoc { statements })
}

/// The `aws:CurrentTime` window of a statement, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TimeWindow {
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
}

/// What a statement's conditions say about time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TimeCondition {
    None,
    Window(TimeWindow),
    /// A time condition jitgap cannot read (a bad date, an operator it does not model).
    Unreadable(String),
}

impl Statement {
    pub fn time_condition(&self) -> TimeCondition {
        let mut w = TimeWindow::default();
        let mut seen = false;
        for c in &self.conditions {
            if !c.key.eq_ignore_ascii_case("aws:CurrentTime") {
                continue;
            }
            seen = true;
            let op = c.operator.trim_end_matches("IfExists");
            let parsed: Option<Vec<DateTime<Utc>>> = c
                .values
                .iter()
                .map(|v| crate::time::parse_timestamp(v))
                .collect();
            let Some(dates) = parsed.filter(|d| !d.is_empty()) else {
                return TimeCondition::Unreadable(format!(
                    "{}: `{}` is not a date",
                    c.operator,
                    c.values.join(", ")
                ));
            };
            match op {
                "DateGreaterThan" | "DateGreaterThanEquals" => {
                    let d = *dates.iter().min().unwrap();
                    w.not_before = Some(w.not_before.map_or(d, |x| x.max(d)));
                }
                "DateLessThan" | "DateLessThanEquals" => {
                    let d = *dates.iter().max().unwrap();
                    w.not_after = Some(w.not_after.map_or(d, |x| x.min(d)));
                }
                other => {
                    return TimeCondition::Unreadable(format!(
                        "operator `{other}` on aws:CurrentTime"
                    ));
                }
            }
        }
        if seen {
            TimeCondition::Window(w)
        } else {
            TimeCondition::None
        }
    }

    /// The `aws:TokenIssueTime` bound of a Deny (`AWSRevokeOlderSessions`).
    pub fn token_issue_deny(&self) -> Option<DateTime<Utc>> {
        if self.effect != Effect::Deny {
            return None;
        }
        self.conditions
            .iter()
            .filter(|c| {
                c.key.eq_ignore_ascii_case("aws:TokenIssueTime")
                    && c.operator.starts_with("DateLessThan")
            })
            .flat_map(|c| {
                c.values
                    .iter()
                    .filter_map(|v| crate::time::parse_timestamp(v))
            })
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_object_urlencoded_and_json_string_forms() {
        let obj = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}});
        let text = obj.to_string();
        let encoded: String =
            percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for v in [obj.clone(), Value::String(text), Value::String(encoded)] {
            let d = parse_document(&v).unwrap();
            assert_eq!(d.statements.len(), 1);
            assert_eq!(d.statements[0].actions, vec!["s3:GetObject"]);
            assert_eq!(d.statements[0].resources, vec!["*"]);
        }
    }

    #[test]
    fn reads_windows_and_token_issue_denies() {
        let d = parse_document(&json!({"Statement": [
            {"Effect": "Allow", "Action": ["s3:*"], "Resource": "*", "Condition": {
                "DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
                "DateLessThan": {"aws:CurrentTime": ["2026-01-01T04:00:00Z"]}}},
            {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
                "DateLessThan": {"aws:TokenIssueTime": "2026-08-29T14:05:12.000Z"}}}]}))
        .unwrap();
        let TimeCondition::Window(w) = d.statements[0].time_condition() else {
            panic!()
        };
        assert_eq!(
            w.not_after.unwrap() - w.not_before.unwrap(),
            chrono::Duration::hours(4)
        );
        assert!(d.statements[1].token_issue_deny().is_some());
        assert_eq!(d.statements[1].time_condition(), TimeCondition::None);
    }

    #[test]
    fn rejects_broken_documents_with_a_reason() {
        assert!(
            parse_document(&json!({"Statement": [{"Action": "s3:*"}]}))
                .unwrap_err()
                .contains("no Effect")
        );
        assert!(
            parse_document(&json!("{not json"))
                .unwrap_err()
                .contains("not JSON")
        );
        assert!(parse_document(&json!(5)).unwrap_err().contains("number"));
        let unreadable = parse_document(
            &json!({"Statement": {"Effect": "Allow", "Action": "*", "Condition": {
            "DateLessThan": {"aws:CurrentTime": "soon"}}}}),
        )
        .unwrap();
        assert!(matches!(
            unreadable.statements[0].time_condition(),
            TimeCondition::Unreadable(_)
        ));
    }
}
