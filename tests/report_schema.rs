//! The JSON report (`--format json`) conforms to `schemas/report.schema.json`, and the schema
//! rejects reports that break it (so a green run means the schema checked something).

mod support;

use serde_json::{Value, json};
use std::path::Path;

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn validator() -> jsonschema::Validator {
    let schema = schema();
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "the report schema is written for draft 2020-12"
    );
    // `format` (date-time) is only an annotation in 2020-12 unless asked for.
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schemas/report.schema.json is not a valid schema: {e}"))
}

fn demo_report() -> Value {
    let out = support::cli::jitgap_in_repo()
        .args(["scan", "--demo", "--format", "json"])
        .output()
        .expect("jitgap runs");
    assert!(
        out.status.success(),
        "jitgap scan --demo --format json failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("--format json prints JSON")
}

/// Every violation as `instance path: message (schema path)`.
fn violations(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| {
            let at = e.instance_path.to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            format!("{at}: {e} (schema {})", e.schema_path)
        })
        .collect()
}

#[test]
fn demo_report_conforms_to_the_schema() {
    let v = validator();
    let report = demo_report();
    let errors = violations(&v, &report);
    assert!(
        errors.is_empty(),
        "the demo report breaks schemas/report.schema.json ({} error(s)):\n  {}",
        errors.len(),
        errors.join("\n  ")
    );
    // A scope read over a database connection carries its TLS record.
    let mut with_connection = report.clone();
    with_connection["scopes"][0]["connection"] = json!({"tls": false, "verified": false,
        "mode": "PREFERRED", "note": "the server offers no TLS: the connection fell back to plaintext"});
    let errors = violations(&v, &with_connection);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The demo exercises what the schema describes, so the check above is not vacuous.
    for key in [
        "identities",
        "credentials",
        "access_paths",
        "findings",
        "scopes",
    ] {
        assert!(
            report[key].as_array().is_some_and(|a| !a.is_empty()),
            "the demo report has no {key}"
        );
    }
}

#[test]
fn schema_rejects_broken_reports() {
    let v = validator();
    let report = demo_report();

    // Each mutation must be caught, at the path it broke.
    type Mutation = (&'static str, &'static str, fn(&mut Value));
    let mutations: &[Mutation] = &[
        ("finding without evidence", "/findings/0/evidence", |r| {
            r["findings"][0]["evidence"] = json!([])
        }),
        ("unknown privilege", "/access_paths/0/privilege", |r| {
            r["access_paths"][0]["privilege"] = json!("superuser")
        }),
        ("unknown enforcement", "/access_paths/0/enforcement", |r| {
            r["access_paths"][0]["enforcement"] = json!("temporary")
        }),
        ("finding id not 16 hex", "/findings/0/id", |r| {
            r["findings"][0]["id"] = json!("NOT-A-FINGERPRINT")
        }),
        ("unknown severity", "/findings/0/severity", |r| {
            r["findings"][0]["severity"] = json!("severe")
        }),
        ("unknown revocation", "/findings/0/revocation", |r| {
            r["findings"][0]["revocation"] = json!("maybe")
        }),
        (
            "unknown framework relation",
            "/findings/0/frameworks/0/relation",
            |r| r["findings"][0]["frameworks"][0]["relation"] = json!("related"),
        ),
        ("malformed boundary", "/identities/0/boundary", |r| {
            r["identities"][0]["boundary"] = json!("Oracle DB")
        }),
        ("identity without kind", "/identities/0", |r| {
            r["identities"][0].as_object_mut().unwrap().remove("kind");
        }),
        ("wrong schema_version", "/schema_version", |r| {
            r["schema_version"] = json!(2)
        }),
        ("negative coverage count", "/coverage/overall/jit", |r| {
            r["coverage"]["overall"]["jit"] = json!(-1)
        }),
        ("unknown scope status", "/scopes/0/status", |r| {
            r["scopes"][0]["status"] = json!("done")
        }),
        (
            "connection tls not a boolean",
            "/scopes/0/connection/tls",
            |r| {
                r["scopes"][0]["connection"] =
                    json!({"tls": "yes", "verified": false, "mode": "require"})
            },
        ),
        (
            "unknown connection mode",
            "/scopes/0/connection/mode",
            |r| {
                r["scopes"][0]["connection"] =
                    json!({"tls": true, "verified": true, "mode": "strict"})
            },
        ),
        ("generated_at not a time", "/generated_at", |r| {
            r["generated_at"] = json!("yesterday")
        }),
        ("no findings array", "/", |r| {
            r.as_object_mut().unwrap().remove("findings");
        }),
    ];

    let mut missed = Vec::new();
    for (what, path, mutate) in mutations {
        let mut broken = report.clone();
        mutate(&mut broken);
        let errors = violations(&v, &broken);
        if errors.is_empty() {
            missed.push(format!("{what}: accepted"));
        } else if !errors.iter().any(|e| e.starts_with(&format!("{path}:"))) {
            missed.push(format!(
                "{what}: rejected, but not at {path}:\n    {}",
                errors.join("\n    ")
            ));
        }
    }
    assert!(
        missed.is_empty(),
        "the schema let broken reports through:\n  {}",
        missed.join("\n  ")
    );
}
