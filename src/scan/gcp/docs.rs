//! Reading one document of a project: typed, with the source it came from, and times and
//! durations parsed with the JSON pointer of any that is bad.

use chrono::{DateTime, Utc};

pub use crate::scan::json::{Parsed as Doc, parsed as object};
pub use crate::scan::json::{escape, time};

/// `9999-12-31T23:59:59Z` and later: what IAM writes for "never expires".
pub fn never(t: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    t.year() >= 9999
}
