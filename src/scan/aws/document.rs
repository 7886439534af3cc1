//! IAM policy documents as jitgap reads them (see `document_parse` for how), and what their
//! conditions say about time.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Why a policy document cannot be read. Cloned into every entitlement it backs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DocumentError {
    #[error("document is missing")]
    Missing,
    /// serde_json's message, kept as text so the error stays `Clone`.
    #[error("document is not JSON: {0}")]
    NotJson(String),
    #[error("document is a {0}, expected an object or a string")]
    NotADocument(&'static str),
    #[error("URL-encoded document is not UTF-8: {0}")]
    NotUtf8(String),
    #[error("Statement is a {0}, expected an object or an array")]
    NotStatements(&'static str),
    #[error("document has no Statement")]
    NoStatement,
    #[error("Statement[{index}]: {problem}")]
    Statement {
        index: usize,
        problem: StatementError,
    },
}

/// What is wrong with one statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StatementError {
    #[error("Effect `{0}` is neither Allow nor Deny")]
    Effect(String),
    #[error("no Effect")]
    NoEffect,
    #[error(transparent)]
    List(#[from] ListError),
    #[error("Condition is not an object")]
    ConditionNotObject,
    #[error("Condition.{0} is not an object")]
    OperatorNotObject(String),
    #[error("neither Action nor NotAction")]
    NoAction,
}

/// A field that should be a string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ListError {
    #[error("{what} holds a {kind}, expected strings")]
    Holds { what: String, kind: &'static str },
    #[error("{what} is a {kind}, expected a string or an array")]
    Is { what: String, kind: &'static str },
}

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

pub(super) fn type_name(v: &Value) -> &'static str {
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
pub(crate) fn string_list(v: Value, what: &str) -> Result<Vec<String>, ListError> {
    match v {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => Ok(s),
                Value::Bool(b) => Ok(b.to_string()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(ListError::Holds {
                    what: what.to_string(),
                    kind: type_name(&other),
                }),
            })
            .collect(),
        Value::Bool(b) => Ok(vec![b.to_string()]),
        Value::Number(n) => Ok(vec![n.to_string()]),
        other => Err(ListError::Is {
            what: what.to_string(),
            kind: type_name(&other),
        }),
    }
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

    /// The `aws:TokenIssueTime` bound of an Allow: only credentials issued before it (at the
    /// latest at it) get what the statement grants. `DateLessThan` and `DateLessThanEquals`
    /// only: requests signed with an access key carry no issue time and fail them, while the
    /// `…IfExists` forms let those requests through. Conditions with a value that is not a
    /// date are left out (they bound nothing jitgap can read).
    pub fn token_issued_before(&self) -> Option<DateTime<Utc>> {
        if self.effect != Effect::Allow {
            return None;
        }
        self.conditions
            .iter()
            .filter(|c| {
                c.key.eq_ignore_ascii_case("aws:TokenIssueTime")
                    && matches!(c.operator.as_str(), "DateLessThan" | "DateLessThanEquals")
            })
            .filter_map(|c| {
                let dates: Option<Vec<_>> = c
                    .values
                    .iter()
                    .map(|v| crate::time::parse_timestamp(v))
                    .collect();
                // Any value may match (OR); several conditions must all match (AND).
                dates?.into_iter().max()
            })
            .min()
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
    use crate::scan::aws::document_parse::parse_document;
    use serde_json::json;

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
    fn unreadable_time_conditions() {
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

    #[test]
    fn reads_token_issue_bounds_of_allows() {
        let d = parse_document(&json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
                "DateLessThan": {"aws:TokenIssueTime": ["2019-01-01T00:00:00Z", "2020-01-01T00:00:00Z"]}}},
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
                "DateLessThanIfExists": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}}},
            {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
                "DateLessThanEquals": {"aws:TokenIssueTime": "yesterday"}}},
            {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
                "DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}}}]}))
        .unwrap();
        let bound = |i: usize| d.statements[i].token_issued_before();
        // Any of the values may match: the latest bounds.
        assert_eq!(
            bound(0),
            crate::time::parse_timestamp("2020-01-01T00:00:00Z")
        );
        assert_eq!(bound(1), None, "access keys pass …IfExists");
        assert_eq!(bound(2), None, "not a date: nothing is bounded");
        assert_eq!(bound(3), None, "a Deny revokes, it does not bound a grant");
    }
}
