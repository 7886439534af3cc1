//! Reading IAM policy documents: URL-encoded strings or objects, `Statement` as object or
//! array, `Action`/`Resource`/condition values as string or array.
//!
//! A document is read straight from its JSON text ([`super::document_de`]) into the few
//! fields jitgap looks at, then checked here. The text is validated exactly as a parse into
//! `serde_json::Value` would, so a document that is not JSON fails with the same message.

#[cfg(test)]
use super::document::type_name;
use super::document::{
    Condition, DocumentError, Effect, PolicyDoc, Statement, StatementError, string_list,
};
use super::document_de::{Fields, RawDoc, RawStatement, RawStatements};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A document as held in an export, still raw: an object (the CLI), a URL-encoded string (the
/// API) or a JSON string (a tool). `None` when the field is absent or `null`.
pub(crate) fn parse_raw_document(raw: Option<&RawValue>) -> Result<PolicyDoc, DocumentError> {
    let Some(raw) = raw else {
        return Err(DocumentError::Missing);
    };
    let text = raw.get().trim_start();
    let kind = match text.as_bytes().first() {
        Some(b'{') => return parse_json(text),
        Some(b'"') => {
            // Borrowed when the string has no escapes (URL-encoded documents never do).
            let s = match serde_json::from_str::<&str>(text) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => Cow::Owned(
                    serde_json::from_str::<String>(text)
                        .map_err(|e| DocumentError::NotJson(e.to_string()))?,
                ),
            };
            return parse_text(&s);
        }
        Some(b'n') => return Err(DocumentError::Missing),
        Some(b'[') => "array",
        Some(b't' | b'f') => "boolean",
        _ => "number",
    };
    Err(DocumentError::NotADocument(kind))
}

/// A document as the API (URL-encoded string), the CLI (object) or a tool (JSON string) gives it.
#[cfg(test)]
pub(crate) fn parse_document(v: &Value) -> Result<PolicyDoc, DocumentError> {
    match v {
        Value::Object(_) => build(RawDoc::from_value(v.clone())),
        Value::String(s) => parse_text(s),
        Value::Null => Err(DocumentError::Missing),
        other => Err(DocumentError::NotADocument(type_name(other))),
    }
}

/// A document given as a string: JSON text, URL-encoded when it starts with `%`.
fn parse_text(s: &str) -> Result<PolicyDoc, DocumentError> {
    let decoded = if s.trim_start().starts_with('%') {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map_err(|e| DocumentError::NotUtf8(e.to_string()))?
    } else {
        Cow::Borrowed(s)
    };
    parse_json(&decoded)
}

/// A document's JSON text, whatever its top-level type.
fn parse_json(text: &str) -> Result<PolicyDoc, DocumentError> {
    let raw: RawDoc =
        serde_json::from_str(text).map_err(|e| DocumentError::NotJson(e.to_string()))?;
    build(raw)
}

/// Checks the statements in order; the first problem is the document's error.
fn build(doc: RawDoc) -> Result<PolicyDoc, DocumentError> {
    let stmts = match doc.statement {
        Some(RawStatements::List(a)) => a,
        Some(RawStatements::One(o)) => vec![*o],
        Some(RawStatements::Not(kind)) => return Err(DocumentError::NotStatements(kind)),
        None => return Err(DocumentError::NoStatement),
    };
    let mut statements = Vec::with_capacity(stmts.len());
    for (index, s) in stmts.into_iter().enumerate() {
        statements.push(statement(index, s)?);
    }
    Ok(PolicyDoc { statements })
}

fn statement(index: usize, s: RawStatement) -> Result<Statement, DocumentError> {
    let at = |problem: StatementError| DocumentError::Statement { index, problem };
    // A statement that is not an object has no fields.
    let f: Fields = s.fields.unwrap_or_default();
    let effect = match f.effect.as_ref().and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(at(StatementError::Effect(other.to_string()))),
        None => return Err(at(StatementError::NoEffect)),
    };
    let actions = match f.action {
        Some(a) => string_list(a, "Action").map_err(|e| at(e.into()))?,
        None => Vec::new(),
    };
    let not_actions = f
        .not_action
        .map(|a| string_list(a, "NotAction"))
        .transpose()
        .map_err(|e| at(e.into()))?;
    let (resources, not_resource) = match (f.resource, f.not_resource) {
        (Some(r), _) => (string_list(r, "Resource").map_err(|e| at(e.into()))?, false),
        (None, Some(r)) => (
            string_list(r, "NotResource").map_err(|e| at(e.into()))?,
            true,
        ),
        (None, None) => (vec!["*".to_string()], false),
    };
    let mut conditions = Vec::new();
    if let Some(c) = f.condition {
        let Value::Object(ops) = c else {
            return Err(at(StatementError::ConditionNotObject));
        };
        for (op, keys) in ops {
            let Value::Object(keys) = keys else {
                return Err(at(StatementError::OperatorNotObject(op)));
            };
            for (key, values) in keys {
                conditions.push(Condition {
                    operator: op.clone(),
                    key,
                    values: string_list(values, "condition value").map_err(|e| at(e.into()))?,
                });
            }
        }
    }
    if actions.is_empty() && not_actions.is_none() {
        return Err(at(StatementError::NoAction));
    }
    let sid = match f.sid {
        Some(Value::String(sid)) => Some(sid),
        _ => None,
    };
    Ok(Statement {
        index,
        sid,
        effect,
        actions,
        not_actions,
        resources,
        not_resource,
        principal: f.principal,
        conditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The reading this module replaces: the whole text into a `Value` first.
    fn via_value(text: &str) -> Result<PolicyDoc, DocumentError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| DocumentError::NotJson(e.to_string()))?;
        build(RawDoc::from_value(v))
    }

    fn raw(text: &str) -> Result<PolicyDoc, DocumentError> {
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        parse_raw_document(Some(&raw))
    }

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
            assert_eq!(raw(&v.to_string()), Ok(d));
        }
    }

    #[test]
    fn rejects_broken_documents_with_a_reason() {
        assert!(
            parse_document(&json!({"Statement": [{"Action": "s3:*"}]}))
                .unwrap_err()
                .to_string()
                .contains("no Effect")
        );
        assert!(
            parse_document(&json!("{not json"))
                .unwrap_err()
                .to_string()
                .contains("not JSON")
        );
        assert!(
            parse_document(&json!(5))
                .unwrap_err()
                .to_string()
                .contains("number")
        );
        for (text, why) in [
            ("null", "document is missing"),
            ("5", "document is a number"),
            ("[1]", "document is a array"),
            ("true", "document is a boolean"),
            ("{}", "document has no Statement"),
            (r#"{"Statement": null}"#, "Statement is a null"),
            (r#""[1]""#, "document has no Statement"),
            (r#""%7B%22Statement%22%3A%205%7D""#, "Statement is a number"),
            (r#"{"Statement": ["x"]}"#, "Statement[0]: no Effect"),
        ] {
            let err = raw(text).unwrap_err().to_string();
            assert!(err.contains(why), "{text}: {err}");
        }
        assert_eq!(
            parse_raw_document(None).unwrap_err().to_string(),
            "document is missing"
        );
    }

    #[test]
    fn the_last_of_a_repeated_key_counts_as_in_an_object() {
        let d = raw(
            r#"{"Statement": 1, "Statement": {"Effect": "Deny", "Action": "a", "Effect": "Allow",
            "Sid": 5, "Principal": null, "Action": ["b", 2, true, 1.5]}}"#,
        )
        .unwrap();
        let s = &d.statements[0];
        assert_eq!(s.effect, Effect::Allow);
        assert_eq!(s.actions, vec!["b", "2", "true", "1.5"]);
        assert_eq!(
            (s.sid.clone(), s.principal.clone()),
            (None, Some(Value::Null))
        );
    }

    #[test]
    fn invalid_json_fails_as_a_value_parse_would() {
        for text in [
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:*",}}"#,
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "X": 1e400}}"#,
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "X": "\ud800"}}"#,
            r#"{"Statement": {"Effect": "Allow", "Action": ["s3:*"] "X": 1}}"#,
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:*"}} x"#,
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:*"}"#,
        ] {
            let want = via_value(text);
            assert!(want.is_err(), "{text}");
            assert_eq!(parse_json(text), want, "{text}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let text = format!(r#"{{"Statement": {{"Effect": "Allow", "Action": "*", "X": {deep}}}}}"#);
        assert_eq!(parse_json(&text), via_value(&text));
        assert!(
            parse_json(&text)
                .unwrap_err()
                .to_string()
                .contains("recursion limit")
        );
    }

    /// JSON values built from the keys a statement uses, nested a few levels.
    fn json_value() -> impl Strategy<Value = Value> {
        let key = prop::sample::select(vec![
            "Statement",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
            "Sid",
            "Principal",
            "Version",
            "Allow",
            "Deny",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            prop::sample::select(vec!["Allow", "Deny", "*", "s3:Get*", "iam:PassRole", ""])
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    /// Documents shaped like policies: statements built from the keys jitgap reads.
    fn document() -> impl Strategy<Value = Value> {
        let field = prop_oneof![
            Just(("Effect", json!("Allow"))),
            Just(("Effect", json!("Deny"))),
            Just(("Action", json!("s3:Get*"))),
            Just(("Resource", json!(["*", "arn:aws:s3:::b"]))),
            (
                prop::sample::select(vec![
                    "Action",
                    "NotAction",
                    "Resource",
                    "NotResource",
                    "Sid",
                    "Principal",
                    "Condition",
                    "Version",
                ]),
                json_value()
            ),
            (
                prop::sample::select(vec!["Action", "Resource"]),
                prop::collection::vec(json_value(), 0..3)
            )
                .prop_map(|(k, v)| (k, Value::Array(v))),
            prop::collection::btree_map(
                "StringLike|DateLessThan",
                prop::collection::btree_map("aws:CurrentTime|k", json_value(), 0..2),
                0..3,
            )
            .prop_map(|m| ("Condition", json!(m))),
        ];
        let stmt = prop::collection::vec(field, 0..7).prop_map(|fs| {
            Value::Object(fs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
        });
        prop_oneof![
            json_value(),
            prop::collection::vec(stmt.clone(), 0..4).prop_map(|s| json!({"Statement": s})),
            stmt.prop_map(|s| json!({"Version": "2012-10-17", "Statement": s})),
        ]
    }

    /// Object text with repeated keys, which a `Value` cannot hold.
    fn with_repeats(v: &Value) -> String {
        match v {
            Value::Object(m) => {
                let mut parts: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{}:{}", json!(k), with_repeats(v)))
                    .collect();
                if let Some((k, v)) = m.iter().next() {
                    parts.insert(0, format!("{}:{}", json!(k), with_repeats(&json!([v]))));
                }
                format!("{{{}}}", parts.join(","))
            }
            Value::Array(a) => format!(
                "[{}]",
                a.iter().map(with_repeats).collect::<Vec<_>>().join(",")
            ),
            other => other.to_string(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn reads_like_a_value_parse(v in document(), cut in 0usize..400) {
            let text = v.to_string();
            prop_assert_eq!(parse_json(&text), via_value(&text));
            let repeated = with_repeats(&v);
            prop_assert_eq!(parse_json(&repeated), via_value(&repeated));
            // Truncated text: the same syntax error.
            let mut end = cut.min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            prop_assert_eq!(parse_json(&text[..end]), via_value(&text[..end]));
        }
    }
}
