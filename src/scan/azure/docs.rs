//! Reading one document of a scope: typed items with the evidence that points at each.

use super::graph::{Keyed, List};
use crate::model::Evidence;
use crate::scan::scanner::RawScope;
use serde::de::DeserializeOwned;

/// Items of a list document, each with its JSON pointer (`/value/3`).
pub struct Items<T> {
    pub source: String,
    pub items: Vec<(String, T)>,
}

impl<T> Items<T> {
    pub fn ev(&self, pointer: &str) -> Evidence {
        Evidence::new(self.source.clone(), pointer)
    }
}

use crate::scan::json::escape;
pub use crate::scan::json::{bad, time};

/// Parses `{"value": [...]}`; `None` when the document is absent, an error when it is bad.
pub fn list<T: DeserializeOwned>(
    raw: &RawScope,
    name: &str,
    errors: &mut Vec<String>,
) -> Option<Items<T>> {
    let doc = raw.document(name)?;
    match serde_json::from_str::<List<T>>(&doc.text) {
        Ok(l) => Some(Items {
            source: doc.source.clone(),
            items: l
                .value
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("/value/{i}"), t))
                .collect(),
        }),
        Err(e) => {
            errors.push(bad(doc, &e));
            None
        }
    }
}

/// Parses `{"<parent id>": {"value": [...]}}` into (parent id, items) with pointers
/// `/<parent id>/value/N`.
pub fn keyed<T: DeserializeOwned>(
    raw: &RawScope,
    name: &str,
    errors: &mut Vec<String>,
) -> Option<Items<(String, T)>> {
    let doc = raw.document(name)?;
    match serde_json::from_str::<Keyed<T>>(&doc.text) {
        Ok(map) => Some(Items {
            source: doc.source.clone(),
            items: map
                .into_iter()
                .flat_map(|(parent, l)| {
                    l.value.into_iter().enumerate().map(move |(i, t)| {
                        (
                            format!("/{}/value/{i}", escape(&parent)),
                            (parent.clone(), t),
                        )
                    })
                })
                .collect(),
        }),
        Err(e) => {
            errors.push(bad(doc, &e));
            None
        }
    }
}

/// One object document (`subscription.json`, `tenant.json`).
pub fn object<T: DeserializeOwned>(
    raw: &RawScope,
    name: &str,
    errors: &mut Vec<String>,
) -> Option<(String, T)> {
    let doc = raw.document(name)?;
    match serde_json::from_str::<T>(&doc.text) {
        Ok(t) => Some((doc.source.clone(), t)),
        Err(e) => {
            errors.push(bad(doc, &e));
            None
        }
    }
}

/// The last path segment of a resource id (a role definition GUID), lower-cased.
pub fn guid(id: &str) -> String {
    id.rsplit('/').next().unwrap_or(id).to_ascii_lowercase()
}

/// Resource ids compare case-insensitively.
pub fn same_id(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}
