//! Every object of a cluster's documents, by kind, whatever file holds it (a collected
//! `serviceaccounts.json`, or any `kubectl get … -o json` output).

use super::raw::{KINDS, OBJECTS, document_of};
use super::shapes::*;
use crate::model::Evidence;
use crate::scan::scanner::RawScope;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;

/// One object and where it was read.
#[derive(Debug, Clone)]
pub struct Item<T> {
    pub value: T,
    pub source: String,
    pub pointer: String,
}

impl<T> Item<T> {
    pub fn ev(&self) -> Evidence {
        Evidence::new(self.source.clone(), self.pointer.clone())
    }
}

#[derive(Debug, Default)]
pub struct Objects {
    pub accounts: Vec<Item<ServiceAccount>>,
    pub secrets: Vec<Item<Secret>>,
    pub roles: Vec<Item<Role>>,
    pub cluster_roles: Vec<Item<Role>>,
    pub role_bindings: Vec<Item<Binding>>,
    pub cluster_role_bindings: Vec<Item<Binding>>,
    pub pods: Vec<Item<Pod>>,
    /// The kinds some document held (or was collected for, even when empty).
    pub read: BTreeSet<&'static str>,
}

/// The document a file of `kubectl get -o json` output belongs in: by the kinds it holds
/// (one kind: that kind's document; several: `objects.json`); `None` when it holds none of
/// the kinds jitgap reads.
pub fn claim(text: &str) -> Option<&'static str> {
    let head = text.trim_start();
    if !head.starts_with('{') || !text.contains("\"apiVersion\"") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let kind = v.get("kind")?.as_str()?;
    if let Some(items) = v.get("items").and_then(|i| i.as_array()) {
        let kinds: BTreeSet<&str> = items
            .iter()
            .filter_map(|i| i.get("kind").and_then(|k| k.as_str()))
            .collect();
        let listed = kind.strip_suffix("List").filter(|k| !k.is_empty());
        return match (kinds.len(), listed) {
            (0, Some(k)) => document_of(k),
            (0, None) => None,
            (1, _) => kinds
                .iter()
                .next()
                .and_then(|k| document_of(k))
                .or(Some(OBJECTS))
                .filter(|_| kinds.iter().any(|k| document_of(k).is_some())),
            _ => kinds
                .iter()
                .any(|k| document_of(k).is_some())
                .then_some(OBJECTS),
        };
    }
    document_of(kind)
}

fn take<T: DeserializeOwned>(
    item: &serde_json::Value,
    source: &str,
    pointer: String,
    out: &mut Vec<Item<T>>,
    errors: &mut Vec<String>,
) {
    match T::deserialize(item) {
        Ok(value) => out.push(Item {
            value,
            source: source.to_string(),
            pointer,
        }),
        Err(e) => errors.push(format!("{source}: {pointer}: {e}")),
    }
}

impl Objects {
    pub fn read(raw: &RawScope, errors: &mut Vec<String>) -> Objects {
        let mut out = Objects::default();
        for (name, doc) in &raw.documents {
            if *name == super::raw::CLUSTER {
                continue;
            }
            // A kind's own document counts as read even when it is bad: its error says so.
            if let Some((kind, _, _)) = KINDS.iter().find(|(_, d, _)| d == name) {
                out.read.insert(kind);
            }
            let v: serde_json::Value = match serde_json::from_str(&doc.text) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(crate::scan::json::bad(doc, &e));
                    continue;
                }
            };
            let list_kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            match v.get("items") {
                Some(serde_json::Value::Array(items)) => {
                    // A `…List` names the kind of items that omit theirs (API list responses).
                    let default = list_kind.strip_suffix("List").unwrap_or("");
                    for (i, item) in items.iter().enumerate() {
                        let kind = item.get("kind").and_then(|k| k.as_str()).unwrap_or(default);
                        out.one(kind, item, &doc.source, format!("/items/{i}"), errors);
                    }
                }
                Some(serde_json::Value::Null) => {}
                Some(_) => errors.push(format!("{}: /items: not a list", doc.source)),
                None if !list_kind.is_empty() => {
                    out.one(list_kind, &v, &doc.source, String::new(), errors)
                }
                None => errors.push(format!(
                    "{}: neither a Kubernetes list (`items`) nor an object (`kind`)",
                    doc.source
                )),
            }
        }
        out
    }

    fn one(
        &mut self,
        kind: &str,
        item: &serde_json::Value,
        source: &str,
        pointer: String,
        errors: &mut Vec<String>,
    ) {
        if let Some((k, _, _)) = KINDS.iter().find(|(k, _, _)| *k == kind) {
            self.read.insert(k);
        }
        match kind {
            "ServiceAccount" => take(item, source, pointer, &mut self.accounts, errors),
            // Only token Secrets are read; any other a dump holds is not looked at.
            "Secret"
                if item.get("type").and_then(|t| t.as_str())
                    == Some(super::raw::TOKEN_SECRET_TYPE) =>
            {
                take(item, source, pointer, &mut self.secrets, errors)
            }
            "Secret" => {}
            "Role" => take(item, source, pointer, &mut self.roles, errors),
            "ClusterRole" => take(item, source, pointer, &mut self.cluster_roles, errors),
            "RoleBinding" => take(item, source, pointer, &mut self.role_bindings, errors),
            "ClusterRoleBinding" => take(
                item,
                source,
                pointer,
                &mut self.cluster_role_bindings,
                errors,
            ),
            "Pod" => take(item, source, pointer, &mut self.pods, errors),
            _ => {} // other kinds in a dump are not read
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_claimed_by_what_they_hold() {
        let sa = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a"}}]}"#;
        assert_eq!(claim(sa), Some(super::super::raw::SERVICE_ACCOUNTS));
        let mixed = r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"ServiceAccount"},{"kind":"ClusterRole"}]}"#;
        assert_eq!(claim(mixed), Some(OBJECTS));
        let empty = r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBindingList","items":[]}"#;
        assert_eq!(claim(empty), Some(super::super::raw::CLUSTER_ROLE_BINDINGS));
        let one = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"#;
        assert_eq!(claim(one), Some(super::super::raw::PODS));
        assert_eq!(claim(r#"{"apiVersion":"v1","kind":"ConfigMap"}"#), None);
        assert_eq!(claim(r#"{"UserDetailList": []}"#), None);
        assert_eq!(claim("not json"), None);
    }
}
