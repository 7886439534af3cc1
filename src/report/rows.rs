//! The report's long lists (identities, credentials, paths, findings), serialized in parallel
//! when the report is written as compact JSON: each row is serialized on its own on the
//! thread pool and written in order, byte for byte what serializing the list directly gives.

use rayon::prelude::*;
use serde::ser::{Error, SerializeSeq};
use serde::{Serialize, Serializer};
use std::cell::Cell;

thread_local! {
    static COMPACT_JSON: Cell<bool> = const { Cell::new(false) };
}

/// Rows serialized together on one thread, then written before the next batch: bounds what is
/// held at once to one batch of text.
const BATCH: usize = 8192;

/// Runs `f`, which writes compact JSON with `serde_json::to_writer`, with the long lists
/// serialized in parallel. Only a compact serde_json serializer may run inside: the rows are
/// handed to it as raw JSON text.
pub fn compact_json<R>(f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            COMPACT_JSON.set(false);
        }
    }
    COMPACT_JSON.set(true);
    let _reset = Reset;
    f()
}

/// `serialize_with` for a long list of the report.
pub fn serialize<S: Serializer, T: Serialize + Sync>(rows: &[T], s: S) -> Result<S::Ok, S::Error> {
    if !COMPACT_JSON.get() || rows.len() < 2 * BATCH {
        return s.collect_seq(rows);
    }
    let mut seq = s.serialize_seq(Some(rows.len()))?;
    for batch in rows.chunks(BATCH) {
        let texts: Vec<Result<Box<serde_json::value::RawValue>, serde_json::Error>> = batch
            .par_iter()
            .map(serde_json::value::to_raw_value)
            .collect();
        for text in texts {
            seq.serialize_element(&text.map_err(S::Error::custom)?)?;
        }
    }
    seq.end()
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    #[derive(Serialize)]
    struct Row {
        id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<&'static str>,
        n: u32,
    }

    #[derive(Serialize)]
    struct Doc {
        #[serde(serialize_with = "super::serialize")]
        rows: Vec<Row>,
        tail: &'static str,
    }

    #[test]
    fn parallel_rows_are_byte_for_byte_the_plain_serialization() {
        let doc = Doc {
            rows: (0..50_000u32)
                .map(|n| Row {
                    id: format!("r\"{n}\u{e9}\n"),
                    note: (n % 3 == 0).then_some("third"),
                    n,
                })
                .collect(),
            tail: "end",
        };
        let plain = serde_json::to_string(&doc).unwrap();
        let parallel = super::compact_json(|| serde_json::to_string(&doc).unwrap());
        assert!(plain.len() > 1_000_000);
        assert_eq!(plain, parallel);
        // Outside compact_json nothing changes: pretty output keeps its indentation.
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        assert!(pretty.contains("\n    {\n      \"id\""));
    }
}
