//! The report's long lists (identities, credentials, paths, findings), serialized in parallel
//! when the report is written as compact JSON: each row is serialized on its own on the
//! thread pool and written in order, byte for byte what serializing the list directly gives.
//! Lists shared between rows (a check's framework references, the same `Arc` in each of its
//! findings) are serialized once per thread and copied as text after that.

use crate::model::Text;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
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

/// `serialize_with` for a long list of the report. Batches are serialized on the thread pool
/// while the batch before them is written, so writing never waits for a whole batch.
pub fn serialize<S: Serializer, T: Serialize + Sync>(rows: &[T], s: S) -> Result<S::Ok, S::Error> {
    let call = COMPACT_JSON.get();
    if call == 0 || rows.len() < 2 * BATCH {
        return s.collect_seq(rows);
    }
    let render = |batch: &[T]| -> Vec<Result<Box<RawValue>, serde_json::Error>> {
        batch
            .par_iter()
            .map(|row| in_call(call, || serde_json::value::to_raw_value(row)))
            .collect()
    };
    let mut seq = s.serialize_seq(Some(rows.len()))?;
    let mut write = |texts: Vec<Result<Box<RawValue>, serde_json::Error>>| {
        texts
            .into_iter()
            .try_for_each(|text| seq.serialize_element(&text.map_err(S::Error::custom)?))
    };
    if rayon::current_thread_index().is_some() {
        // On a pool thread, waiting for another thread's batches could hold up the pool
        // that serializes them: one batch at a time instead.
        rows.chunks(BATCH)
            .try_for_each(|batch| write(render(batch)))?;
    } else {
        std::thread::scope(|scope| {
            // No queue: the next batch is serialized while this one is written, no further
            // ahead (what is held at once stays two batches of text).
            let (tx, rx) = std::sync::mpsc::sync_channel(0);
            scope.spawn(move || {
                for batch in rows.chunks(BATCH) {
                    if tx.send(render(batch)).is_err() {
                        break; // the writer failed and stopped reading
                    }
                }
            });
            rx.into_iter().try_for_each(&mut write)
        })?;
    }
    seq.end()
}

/// Small values repeated across many rows (a verdict's rule and reason), cached as text per
/// thread inside `compact_json` by the shared texts they are made of: the same two `Text`s
/// (the same allocations) make the same value.
pub trait Repeated: Serialize {
    /// The two shared texts this value is made of, all of it.
    fn texts(&self) -> [&Text; 2];
}

/// Distinct repeated values remembered per thread; past that they are serialized each time.
const REPEATED: usize = 4096;

/// A repeated value's texts (kept alive while cached) and its JSON.
type RepeatedText = ([Text; 2], Box<RawValue>);

thread_local! {
    /// Keyed by the texts' addresses; each entry keeps its texts alive, so no other text
    /// can take an address while it is in the cache.
    static REPEATED_TEXT: RefCell<(u64, FxHashMap<[usize; 2], RepeatedText>)> =
        RefCell::new((0, FxHashMap::default()));
}

/// Serializes a [`Repeated`] value: inside `compact_json`, the same value's text is written
/// again instead of serializing it again.
pub fn repeated<S: Serializer, T: Repeated>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    let call = COMPACT_JSON.get();
    if call == 0 {
        return v.serialize(s);
    }
    let texts = v.texts();
    let key = texts.map(|t| t.as_ptr() as usize);
    REPEATED_TEXT.with_borrow_mut(|(owner, cache)| {
        if *owner != call {
            cache.clear();
            *owner = call;
        }
        if let Some((_, text)) = cache.get(&key) {
            return text.serialize(s);
        }
        let text = serde_json::value::to_raw_value(v).map_err(S::Error::custom)?;
        let out = text.serialize(s);
        if cache.len() < REPEATED {
            cache.insert(key, (texts.map(Text::clone), text));
        }
        out
    })
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
    use crate::model::Text;
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
        #[serde(serialize_with = "super::repeated")]
        why: Why,
    }

    #[derive(Serialize)]
    struct Why {
        rule: Text,
        reason: Text,
    }

    impl super::Repeated for Why {
        fn texts(&self) -> [&Text; 2] {
            [&self.rule, &self.reason]
        }
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
        let rule = Text::from("rule.\"quoted\"");
        let reasons = [Text::from("reason 0"), Text::from("reason 1")];
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
                    // Two shared reasons, and one of its own (the same text in a fresh
                    // allocation) in every 5th row.
                    why: Why {
                        rule: rule.clone(),
                        reason: if n % 5 == 0 {
                            Text::from(format!("reason {}", n % 2))
                        } else {
                            reasons[n as usize % 2].clone()
                        },
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
        assert!(plain.contains(r#""why":{"rule":"rule.\"quoted\"","reason":"reason 1"}"#));
        // On a pool thread (one thread: nothing else could serialize the batches) the rows are
        // written one batch at a time, the same bytes.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let on_pool = pool.install(|| super::compact_json(|| serde_json::to_string(&doc).unwrap()));
        assert_eq!(plain, on_pool);
        // A writer that fails part-way: the error comes back, nothing waits for it forever.
        struct Full(usize);
        impl std::io::Write for Full {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                if self.0 < b.len() {
                    return Err(std::io::Error::other("disk full"));
                }
                self.0 -= b.len();
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let err = super::compact_json(|| serde_json::to_writer(Full(100_000), &doc)).unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        // Outside compact_json nothing changes: pretty output keeps its indentation.
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        assert!(pretty.contains("\n    {\n      \"id\""));
        // A second call after the first's lists are gone: its own lists, not the cached text.
        drop((doc, shared, rule, reasons));
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
                    why: Why {
                        rule: Text::from("second rule"),
                        reason: Text::from(format!("second {}", n % 3)),
                    },
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
        assert!(plain.contains(r#""why":{"rule":"second rule","reason":"second 2"}"#));
        assert!(!plain.contains("reason 0"));
    }
}
