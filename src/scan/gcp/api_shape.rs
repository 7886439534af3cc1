//! The shapes the collector checks an answer against before keeping it: a list field holds
//! objects (or strings), a policy's bindings name a role, and `nextPageToken` is a string.
//! A body that is not the shape is named by its URL and the JSON pointer.

use super::error::GcpError;
use serde_json::{Map, Value};

/// What a list field of a single object holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Items {
    Objects,
    Strings,
}

/// Removes `nextPageToken` from a page; the token, when there is one (absent or `""` on
/// the last page).
pub(super) fn take_token(page: &mut Value, url: &str) -> Result<Option<String>, GcpError> {
    let Some(obj) = page.as_object_mut() else {
        return Ok(None);
    };
    match obj.remove("nextPageToken") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(GcpError::Shape {
            url: url.to_string(),
            pointer: "/nextPageToken".into(),
            expected: "a string",
        }),
    }
}

/// `key`, when present, is a list of strings.
pub(super) fn check_strings(v: &Value, key: &str, url: &str) -> Result<(), GcpError> {
    let shape = |pointer: String, expected| GcpError::Shape {
        url: url.to_string(),
        pointer,
        expected,
    };
    match v.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) => match items.iter().position(|i| !i.is_string()) {
            Some(i) => Err(shape(format!("/{key}/{i}"), "a string")),
            None => Ok(()),
        },
        Some(_) => Err(shape(format!("/{key}"), "a list")),
    }
}

/// `key`, when present, is a list of objects.
pub(super) fn check_items(v: &Value, key: &str, url: &str) -> Result<(), GcpError> {
    let shape = |pointer: String, expected| GcpError::Shape {
        url: url.to_string(),
        pointer,
        expected,
    };
    match v.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) => match items.iter().position(|i| !i.is_object()) {
            Some(i) => Err(shape(format!("/{key}/{i}"), "an object")),
            None => Ok(()),
        },
        Some(_) => Err(shape(format!("/{key}"), "a list")),
    }
}

/// A `Policy`: `bindings`, when present, each with a `role` string and a `members` list.
pub(super) fn check_policy(v: &Value, url: &str) -> Result<(), GcpError> {
    check_items(v, "bindings", url)?;
    let empty = Vec::new();
    let bindings = v["bindings"].as_array().unwrap_or(&empty);
    for (i, b) in bindings.iter().enumerate() {
        let b: &Map<String, Value> = b.as_object().expect("checked above");
        let bad = |field: &str, expected| GcpError::Shape {
            url: url.to_string(),
            pointer: format!("/bindings/{i}/{field}"),
            expected,
        };
        if !b.get("role").is_some_and(Value::is_string) {
            return Err(bad("role", "a role name"));
        }
        if b.get("members").is_some_and(|m| !m.is_array()) {
            return Err(bad("members", "a list"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_give_up_their_token_and_lists_must_be_lists_of_objects() {
        let mut page = serde_json::json!({"accounts": [], "nextPageToken": "abc"});
        assert_eq!(take_token(&mut page, "u").unwrap().as_deref(), Some("abc"));
        assert_eq!(page, serde_json::json!({"accounts": []}));
        let mut last = serde_json::json!({"accounts": [], "nextPageToken": ""});
        assert_eq!(take_token(&mut last, "u").unwrap(), None);
        let mut bad = serde_json::json!({"nextPageToken": 7});
        let e = take_token(&mut bad, "u").unwrap_err().to_string();
        assert_eq!(e, "u: /nextPageToken: expected a string");
        let e = check_items(&serde_json::json!({"keys": {"a": 1}}), "keys", "u").unwrap_err();
        assert_eq!(e.to_string(), "u: /keys: expected a list");
        let e = check_items(&serde_json::json!({"keys": [{}, 3]}), "keys", "u").unwrap_err();
        assert_eq!(e.to_string(), "u: /keys/1: expected an object");
        assert!(check_items(&serde_json::json!({}), "keys", "u").is_ok());
        let perms = serde_json::json!({"includedPermissions": ["a.b.get", 1]});
        let e = check_strings(&perms, "includedPermissions", "u").unwrap_err();
        assert_eq!(
            e.to_string(),
            "u: /includedPermissions/1: expected a string"
        );
        let e = check_policy(&serde_json::json!({"bindings": [{"members": []}]}), "u").unwrap_err();
        assert_eq!(e.to_string(), "u: /bindings/0/role: expected a role name");
    }
}
