//! Every snapshot parser survives truncated, mutated and random input.
//!
//! Each parser gets truncations of a valid document (at any byte, at structural characters,
//! inside a multi-byte character), mutations of it (byte flips, deleted and duplicated spans,
//! spliced tokens, JSON nodes replaced by other types, huge numbers, odd dates and deep
//! nesting, swapped or removed nodes, CSV rows with the wrong column count, invalid UTF-8 where
//! the API reads bytes) and random text. The seeds are the documents of `demo/` and
//! `tests/fixtures/`. Each property asserts no panic; that a rejected input is rejected with an
//! error naming the document (and a line and column where the parser knows them); and that an
//! accepted one is well-formed: a scope status exists, and it is never `complete` with an error.
//!
//! Every property runs 10,000 cases. `PROPTEST_CASES` sets another count for a longer run:
//! `PROPTEST_CASES=200000 cargo test --release --test parser_props`.

#[path = "parser_props/files.rs"]
mod files;
#[path = "parser_props/ledger.rs"]
mod ledger;
#[path = "parser_props/mutate.rs"]
mod mutate;
#[path = "parser_props/scanners.rs"]
mod scanners;
#[path = "parser_props/values.rs"]
mod values;

use proptest::test_runner::Config;

/// Cases per property: 10,000, or `PROPTEST_CASES`.
pub fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    Config {
        cases,
        // Failures found here are kept as unit tests next to the fix, not as seed files.
        failure_persistence: None,
        ..Config::default()
    }
}
