//! The JSON of a policy document, read without building a `serde_json::Value` of it: only the
//! statement fields jitgap uses are kept, everything else is checked and dropped.
//!
//! Every value goes through `deserialize_any`, as it does when parsing into a `Value`, so the
//! text is validated the same way (numbers in range, escapes, nesting depth) and errors carry
//! the same message and position. Nothing is judged here: a `Statement` that is a number, or a
//! statement that is not an object, is recorded as such and reported by `document_parse`,
//! after the whole text has been read. A repeated key keeps its last value, as in a `Value`.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The part of a document jitgap reads.
pub(super) struct RawDoc {
    /// `None` when the document is not an object or has no `Statement`.
    pub statement: Option<RawStatements>,
}

pub(super) enum RawStatements {
    List(Vec<RawStatement>),
    One(Box<RawStatement>),
    /// Neither an array nor an object: the JSON type's name.
    Not(&'static str),
}

pub(super) struct RawStatement {
    /// `None` when the statement is not an object.
    pub fields: Option<Fields>,
}

#[derive(Default)]
pub(super) struct Fields {
    pub effect: Option<Value>,
    pub action: Option<Value>,
    pub not_action: Option<Value>,
    pub resource: Option<Value>,
    pub not_resource: Option<Value>,
    pub condition: Option<Value>,
    pub sid: Option<Value>,
    pub principal: Option<Value>,
}

#[cfg(test)]
impl RawDoc {
    /// The same view of a document already parsed into a `Value`.
    pub fn from_value(v: Value) -> RawDoc {
        let Value::Object(mut m) = v else {
            return RawDoc { statement: None };
        };
        let statement = m.remove("Statement").map(|s| match s {
            Value::Array(a) => {
                RawStatements::List(a.into_iter().map(RawStatement::from_value).collect())
            }
            o @ Value::Object(_) => RawStatements::One(Box::new(RawStatement::from_value(o))),
            other => RawStatements::Not(super::document::type_name(&other)),
        });
        RawDoc { statement }
    }
}

#[cfg(test)]
impl RawStatement {
    fn from_value(v: Value) -> RawStatement {
        let Value::Object(mut m) = v else {
            return RawStatement { fields: None };
        };
        let fields = Fields {
            effect: m.remove("Effect"),
            action: m.remove("Action"),
            not_action: m.remove("NotAction"),
            resource: m.remove("Resource"),
            not_resource: m.remove("NotResource"),
            condition: m.remove("Condition"),
            sid: m.remove("Sid"),
            principal: m.remove("Principal"),
        };
        RawStatement {
            fields: Some(fields),
        }
    }
}

/// A JSON scalar as `deserialize_any` hands it over.
enum Scalar<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(&'a str),
    String(String),
}

impl Scalar<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "boolean",
            Scalar::Number(_) => "number",
            Scalar::Str(_) | Scalar::String(_) => "string",
        }
    }

    /// What `serde_json`'s own `Value` visitor makes of it.
    fn into_value(self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Number(n) => Value::Number(n),
            Scalar::Str(s) => Value::String(s.to_owned()),
            Scalar::String(s) => Value::String(s),
        }
    }
}

/// The scalar half of a visitor that takes any JSON value: each scalar goes to `$scalar`.
macro_rules! visit_scalars {
    ($scalar:expr) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(($scalar)(self, Scalar::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(($scalar)(self, Scalar::Number(v.into())))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(($scalar)(self, Scalar::Number(v.into())))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(match Number::from_f64(v) {
                Some(n) => ($scalar)(self, Scalar::Number(n)),
                None => ($scalar)(self, Scalar::Null),
            })
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(($scalar)(self, Scalar::Str(v)))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(($scalar)(self, Scalar::String(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(($scalar)(self, Scalar::Null))
        }
    };
}

/// Any JSON value, validated and dropped.
struct Discard;

impl<'de> Deserialize<'de> for Discard {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DiscardVisitor)
    }
}

struct DiscardVisitor;

impl<'de> Visitor<'de> for DiscardVisitor {
    type Value = Discard;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    visit_scalars!(|_, _| Discard);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Discard, A::Error> {
        while seq.next_element::<Discard>()?.is_some() {}
        Ok(Discard)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Discard, A::Error> {
        while map.next_key::<Discard>()?.is_some() {
            map.next_value::<Discard>()?;
        }
        Ok(Discard)
    }
}

/// Any JSON value as a `Value`, built as `serde_json` builds one (a repeated key keeps its last
/// value), except that no key has a special meaning.
struct Plain(Value);

impl<'de> Deserialize<'de> for Plain {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PlainVisitor)
    }
}

struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Plain;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    visit_scalars!(|_, s: Scalar<'_>| Plain(s.into_value()));
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Plain, A::Error> {
        let mut items = Vec::new();
        while let Some(Plain(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Plain(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Plain, A::Error> {
        let mut values = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Plain(v) = map.next_value()?;
            values.insert(key, v);
        }
        Ok(Plain(Value::Object(values)))
    }
}

/// The keys jitgap reads, at the top of a document and in a statement.
enum Key {
    Statement,
    Effect,
    Action,
    NotAction,
    Resource,
    NotResource,
    Condition,
    Sid,
    Principal,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    visit_scalars!(|_, s: Scalar<'_>| match s {
        Scalar::Str(k) => Key::named(k),
        Scalar::String(k) => Key::named(&k),
        _ => Key::Other,
    });
}

impl Key {
    fn named(k: &str) -> Key {
        match k {
            "Statement" => Key::Statement,
            "Effect" => Key::Effect,
            "Action" => Key::Action,
            "NotAction" => Key::NotAction,
            "Resource" => Key::Resource,
            "NotResource" => Key::NotResource,
            "Condition" => Key::Condition,
            "Sid" => Key::Sid,
            "Principal" => Key::Principal,
            _ => Key::Other,
        }
    }
}

impl<'de> Deserialize<'de> for RawDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocVisitor)
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = RawDoc;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a policy document")
    }
    visit_scalars!(|_, _| RawDoc { statement: None });
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawDoc, A::Error> {
        DiscardVisitor.visit_seq(seq)?;
        Ok(RawDoc { statement: None })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDoc, A::Error> {
        let mut statement = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Statement => statement = Some(map.next_value()?),
                _ => {
                    map.next_value::<Discard>()?;
                }
            }
        }
        Ok(RawDoc { statement })
    }
}

impl<'de> Deserialize<'de> for RawStatements {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StatementsVisitor)
    }
}

struct StatementsVisitor;

impl<'de> Visitor<'de> for StatementsVisitor {
    type Value = RawStatements;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("policy statements")
    }
    visit_scalars!(|_, s: Scalar<'_>| RawStatements::Not(s.type_name()));
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawStatements, A::Error> {
        let mut list = Vec::new();
        while let Some(s) = seq.next_element()? {
            list.push(s);
        }
        Ok(RawStatements::List(list))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawStatements, A::Error> {
        Ok(RawStatements::One(Box::new(
            StatementVisitor.visit_map(map)?,
        )))
    }
}

impl<'de> Deserialize<'de> for RawStatement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StatementVisitor)
    }
}

struct StatementVisitor;

impl<'de> Visitor<'de> for StatementVisitor {
    type Value = RawStatement;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a policy statement")
    }
    visit_scalars!(|_, _| RawStatement { fields: None });
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawStatement, A::Error> {
        DiscardVisitor.visit_seq(seq)?;
        Ok(RawStatement { fields: None })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStatement, A::Error> {
        let mut f = Fields::default();
        while let Some(key) = map.next_key::<Key>()? {
            let slot = match key {
                Key::Effect => &mut f.effect,
                Key::Action => &mut f.action,
                Key::NotAction => &mut f.not_action,
                Key::Resource => &mut f.resource,
                Key::NotResource => &mut f.not_resource,
                Key::Condition => &mut f.condition,
                Key::Sid => &mut f.sid,
                Key::Principal => &mut f.principal,
                Key::Statement | Key::Other => {
                    map.next_value::<Discard>()?;
                    continue;
                }
            };
            let Plain(v) = map.next_value()?;
            *slot = Some(v);
        }
        Ok(RawStatement { fields: Some(f) })
    }
}
