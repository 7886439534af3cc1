//! What mutations splice in: tokens, JSON values of every type and extreme ones, TOML values,
//! CSV cells.

use serde_json::Value;

/// Tokens spliced into documents: JSON and TOML syntax, huge numbers, odd dates, bad UTF-8.
pub const TOKENS: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"=",
    b"\n",
    b"\r\n",
    b"#",
    b"null",
    b"true",
    b"-1",
    b"1e999",
    b"-1e999",
    b"123456789012345678901234567890",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"1.0e-400",
    b"\"9999-12-31T23:59:59Z\"",
    b"\"+262143-12-31T23:59:59Z\"",
    b"\"0000-00-00T00:00:00Z\"",
    b"\"infinity\"",
    b"\\u0000",
    b"\\ud800",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    "\u{20ac}\u{1d11e}".as_bytes(),
    b"\x00",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"[table]",
    b"[[check]]",
    b"\"\"\"",
    b"'",
];

/// JSON values a node is replaced with: every type, huge and tiny numbers, odd dates.
pub fn replacement(n: usize) -> Value {
    let long = "A".repeat(10_000);
    let mut deep = Value::Null;
    for _ in 0..200 {
        deep = Value::Array(vec![deep]);
    }
    let mut deep_obj = Value::Bool(true);
    for _ in 0..40 {
        deep_obj = serde_json::json!({ "k": deep_obj });
    }
    let all = [
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        serde_json::json!(0),
        serde_json::json!(-1),
        serde_json::json!(i64::MIN),
        serde_json::json!(i64::MAX),
        serde_json::json!(u64::MAX),
        serde_json::json!(f64::MAX),
        serde_json::json!(-f64::MAX),
        serde_json::json!(1e-300),
        serde_json::json!(""),
        serde_json::json!(long),
        serde_json::json!("9999-12-31T23:59:59Z"),
        serde_json::json!("+262143-12-31T23:59:59Z"),
        serde_json::json!("-262144-01-01T00:00:00Z"),
        serde_json::json!("0001-01-01T00:00:00Z"),
        serde_json::json!("1970-01-01T00:00:00Z"),
        serde_json::json!("2026-02-30T25:61:61Z"),
        serde_json::json!("infinity"),
        serde_json::json!("-infinity"),
        serde_json::json!("*"),
        serde_json::json!("arn:aws:iam::*:*"),
        serde_json::json!("\u{e9}\u{20ac}\u{1d11e}"),
        serde_json::json!("\u{0}"),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!([1, "a", null, {}]),
        deep,
        deep_obj,
    ];
    all[n % all.len()].clone()
}

pub const REPLACEMENTS: usize = 30;

pub const EXTREMES: usize = 12;

/// A value of the same type as `v`, at the edge of what it can hold.
pub fn extreme(v: &Value, n: usize) -> Value {
    let pick = |all: &[Value]| all[n % all.len()].clone();
    match v {
        Value::Number(_) => pick(&[
            serde_json::json!(i64::MAX),
            serde_json::json!(i64::MIN),
            serde_json::json!(u64::MAX),
            serde_json::json!(f64::MAX),
            serde_json::json!(-f64::MAX),
            serde_json::json!(-1),
            serde_json::json!(0),
            serde_json::json!(i32::MAX),
            serde_json::json!(i32::MIN),
            serde_json::json!(0.5),
            serde_json::json!(4_294_967_296u64),
            serde_json::json!(-4_294_967_297i64),
        ]),
        Value::String(_) => pick(&[
            serde_json::json!("9999-12-31T23:59:59Z"),
            serde_json::json!("+262143-12-31T23:59:59Z"),
            serde_json::json!("-262144-01-01T00:00:00Z"),
            serde_json::json!("0001-01-01T00:00:00Z"),
            serde_json::json!("infinity"),
            serde_json::json!("-infinity"),
            serde_json::json!(""),
            serde_json::json!("*"),
            serde_json::json!("\u{e9}\u{20ac}\u{1d11e}"),
            serde_json::json!("A".repeat(5000)),
            serde_json::json!("2026-09-01 12:00:00+99"),
            serde_json::json!("2026-09-01T12:00:00.9999999999999Z"),
        ]),
        Value::Bool(b) => Value::Bool(!b),
        Value::Null => pick(&[
            serde_json::json!(""),
            serde_json::json!(i64::MAX),
            serde_json::json!(true),
        ]),
        other => other.clone(),
    }
}

/// JSON pointers of the scalar leaves of a value.
pub fn leaves(v: &Value, ps: &[String]) -> Vec<String> {
    ps.iter()
        .filter(|p| {
            v.pointer(p)
                .is_some_and(|x| !x.is_object() && !x.is_array())
        })
        .cloned()
        .collect()
}

/// TOML values a key is set to: other types, huge numbers and durations, odd strings.
pub const TOML_VALUES: &[&str] = &[
    " \"99999999999999d\"",
    " \"9223372036854775807s\"",
    " \"106751991167w\"",
    " \"0s\"",
    " \"\"",
    " \"8\"",
    " 9223372036854775807",
    " -9223372036854775808",
    " 1e999",
    " -1",
    " 0",
    " true",
    " []",
    " {}",
    " [[]]",
    " \"*\"",
    " \"\u{e9}\u{20ac}\"",
    " 1979-05-27T07:32:00Z",
    " { nested = { deeper = [1, \"a\"] } }",
];

/// CSV cells: quoting trouble, odd dates, empty and placeholder values.
pub const CELLS: &[&str] = &[
    "",
    "\"",
    "\"unterminated",
    "\"a,b\"",
    "N/A",
    "true",
    "false",
    "<root_account>",
    "9999-12-31T23:59:59+00:00",
    "+262143-12-31T23:59:59Z",
    "0000-01-01T00:00:00+00:00",
    "not_supported",
    "\u{e9}\u{20ac}",
];
