//! The report's long lists (identities, credentials, paths, findings), serialized in parallel
//! when the report is written as compact JSON: each row is serialized on its own on the
//! thread pool and written in order, byte for byte what serializing the list directly gives.
//! Lists shared between rows (a check's framework references, the same `Arc` in each of its
//! findings) are serialized once per thread and copied as text after that.

use rayon::prelude::*;
use serde::ser::{Error, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Each `compact_json` call gets its own number; 0 means "not inside one". The shared-list
/// cache belongs to one call: while it runs the report is borrowed, so no shared list is freed
/// and its address names it; a later call starts a fresh cache.
static CALLS: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static COMPACT_JSON: Cell<u64> = const { Cell::new(0) };
    static SHARED_TEXT: RefCell<(u64, HashMap<usize, Box<RawValue>>)> =
        RefCell::new((0, HashMap::new()));
}

/// Runs `f` on a rayon thread as part of compact call `call`.
fn in_call<R>(call: u64, f: impl FnOnce() -> R) -> R {
    let outer = COMPACT_JSON.replace(call);
    let r = f();
    COMPACT_JSON.set(outer);
    r
}

/// Rows serialized together on one thread, then written before the next batch: bounds what is
/// held at once to one batch of text.
const BATCH: usize = 2048;

/// Runs `f`, which writes compact JSON with `serde_json::to_writer`, with the long lists
/// serialized in parallel. Only a compact serde_json serializer may run inside: the rows are
/// handed to it as raw JSON text.
pub fn compact_json<R>(f: impl FnOnce() -> R) -> R {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            COMPACT_JSON.set(0);
        }
    }
    COMPACT_JSON.set(CALLS.fetch_add(1, Ordering::Relaxed));
    let _reset = Reset;
    f()
}

/// `serialize_with` for a long list of the report.
pub fn serialize<S: Serializer, T: Serialize + Sync>(rows: &[T], s: S) -> Result<S::Ok, S::Error> {
    let call = COMPACT_JSON.get();
    if call == 0 || rows.len() < 2 * BATCH {
        return s.collect_seq(rows);
    }
    let mut seq = s.serialize_seq(Some(rows.len()))?;
    for batch in rows.chunks(BATCH) {
        let texts: Vec<Result<Box<RawValue>, serde_json::Error>> = batch
            .par_iter()
            .map(|row| in_call(call, || serde_json::value::to_raw_value(row)))
            .collect();
        for text in texts {
            seq.serialize_element(&text.map_err(S::Error::custom)?)?;
        }
    }
    seq.end()
}

/// `serialize_with` for a list shared between many rows (`Arc<[T]>`): inside `compact_json`
/// it is serialized once per thread and its text reused; elsewhere it is serialized as is.
pub fn shared<S: Serializer, T: Serialize>(list: &Arc<[T]>, s: S) -> Result<S::Ok, S::Error> {
    let call = COMPACT_JSON.get();
    // A list of one row's own (read back from a report, say) is not worth keeping as text.
    if call == 0 || Arc::strong_count(list) == 1 {
        return s.collect_seq(list.iter());
    }
    let key = Arc::as_ptr(list) as *const T as usize;
    SHARED_TEXT.with_borrow_mut(|(owner, texts)| {
        if *owner != call {
            texts.clear();
            *owner = call;
        }
        let text = match texts.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                e.insert(serde_json::value::to_raw_value(&**list).map_err(S::Error::custom)?)
            }
        };
        text.serialize(s)
    })
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use std::sync::Arc;

    #[derive(Serialize)]
    struct Row {
        id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<&'static str>,
        n: u32,
        #[serde(serialize_with = "super::shared")]
        tags: Arc<[String]>,
    }

    #[derive(Serialize)]
    struct Doc {
        #[serde(serialize_with = "super::serialize")]
        rows: Vec<Row>,
        tail: &'static str,
    }

    #[test]
    fn parallel_rows_are_byte_for_byte_the_plain_serialization() {
        // Three shared lists, each in many rows, and a list of its own in every 7th row.
        let shared: Vec<Arc<[String]>> = (0..3)
            .map(|k| (0..=k).map(|i| format!("t{k}\"{i}")).collect())
            .collect();
        let doc = Doc {
            rows: (0..50_000u32)
                .map(|n| Row {
                    id: format!("r\"{n}\u{e9}\n"),
                    note: (n % 3 == 0).then_some("third"),
                    n,
                    tags: if n % 7 == 0 {
                        Arc::from(vec![format!("own{n}")])
                    } else {
                        shared[n as usize % 3].clone()
                    },
                })
                .collect(),
            tail: "end",
        };
        let plain = serde_json::to_string(&doc).unwrap();
        let parallel = super::compact_json(|| serde_json::to_string(&doc).unwrap());
        assert!(plain.len() > 1_000_000);
        assert_eq!(plain, parallel);
        assert!(plain.contains(r#""tags":["t2\"0","t2\"1","t2\"2"]"#));
        assert!(plain.contains(r#""tags":["own7"]"#));
        // Outside compact_json nothing changes: pretty output keeps its indentation.
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        assert!(pretty.contains("\n    {\n      \"id\""));
        // A second call after the first's lists are gone: its own lists, not the cached text.
        drop((doc, shared));
        let second: Vec<Arc<[String]>> = (0..2)
            .map(|k| Arc::from(vec![format!("second{k}")]))
            .collect();
        let again = Doc {
            rows: (0..40_000u32)
                .map(|n| Row {
                    id: n.to_string(),
                    note: None,
                    n,
                    tags: second[n as usize % 2].clone(),
                })
                .collect(),
            tail: "end",
        };
        let plain = serde_json::to_string(&again).unwrap();
        assert_eq!(
            plain,
            super::compact_json(|| serde_json::to_string(&again).unwrap())
        );
        assert!(plain.contains(r#""tags":["second1"]"#) && !plain.contains("t0"));
    }
}
