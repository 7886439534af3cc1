//! The floor `benches/run.sh` measures jitgap against: read a file and parse it into a
//! `serde_json::Value`, nothing else. Analysis cannot be faster than reading its input once.
//!
//! ```text
//! cargo build --release --example parse_floor
//! target/release/examples/parse_floor bench-data/50k/aws/123456789012/authorization-details.json
//! ```

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("usage: parse_floor FILE.json");
        std::process::exit(2)
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        eprintln!("parse_floor: {path}: {e}");
        std::process::exit(2)
    });
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("parse_floor: {path}: {e}");
        std::process::exit(2)
    });
    // Touch the result so the parse cannot be optimised away; exit without freeing, as jitgap does.
    let n = match &v {
        serde_json::Value::Object(m) => m.len(),
        _ => 0,
    };
    println!("{n}");
    std::mem::forget(v);
    std::mem::forget(text);
}
