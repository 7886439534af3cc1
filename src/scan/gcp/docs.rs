//! Reading one document of a project: typed, with the source it came from, and times and
//! durations parsed with the JSON pointer of any that is bad.

use crate::model::Evidence;
use crate::scan::scanner::RawScope;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

/// A parsed document and where it came from.
pub struct Doc<T> {
    pub source: String,
    pub value: T,
}

impl<T> Doc<T> {
    pub fn ev(&self, pointer: &str) -> Evidence {
        Evidence::new(self.source.clone(), pointer)
    }
}

/// One object document; `None` when it is absent, an error (line and column) when it is bad.
pub fn object<T: DeserializeOwned>(
    raw: &RawScope,
    name: &str,
    errors: &mut Vec<String>,
) -> Option<Doc<T>> {
    let doc = raw.document(name)?;
    match serde_json::from_str::<T>(&doc.text) {
        Ok(value) => Some(Doc {
            source: doc.source.clone(),
            value,
        }),
        Err(e) => {
            errors.push(crate::scan::json::bad(doc, &e));
            None
        }
    }
}

pub use crate::scan::json::{escape, time};

/// `9999-12-31T23:59:59Z` and later: what IAM writes for "never expires".
pub fn never(t: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    t.year() >= 9999
}
