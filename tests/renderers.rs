//! Every renderer, snapshotted on the demo estate with a baseline, a waiver and a gate
//! (so the gate and suppression parts render too); and `reports/demo/` kept in step.

mod support;

use std::path::Path;
use support::cli::{jitgap_in_repo, repo};

fn render_demo(dir: &Path, formats: &str, extra: &[&str]) {
    jitgap_in_repo()
        .args(["scan", "--demo", "--format", formats, "--out"])
        .arg(dir)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn renderers_with_gate_and_waivers() {
    let t = tempfile::tempdir().unwrap();
    // A baseline holding some of today's findings, and a waiver for one more.
    let full = jitgap_in_repo()
        .args(["scan", "--demo", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&full.stdout).unwrap();
    let kept: Vec<serde_json::Value> = report["findings"].as_array().unwrap().iter()
        .filter(|f| f["rule_id"] != "GEN001")
        .map(|f| serde_json::json!({"id": f["id"], "rule_id": f["rule_id"], "identity": f["identity"]}))
        .collect();
    std::fs::write(
        t.path().join("base.json"),
        serde_json::json!({"schema_version": 1, "findings": kept}).to_string(),
    )
    .unwrap();
    std::fs::write(
        t.path().join("w.toml"),
        "[[waiver]]\nmatch = { rule = \"GEN001\", identity = \"*:role/vendor-deploy\" }\nowner = \"secops\"\nreason = \"vendor migration\"\nticket = \"SEC-42\"\nexpires = \"2026-12-31\"\n\n\
         [[waiver]]\nmatch = { rule = \"AWS009\" }\nowner = \"secops\"\nreason = \"old exception\"\nexpires = \"2026-01-31\"\n",
    )
    .unwrap();
    let out = t.path().join("out");
    let status = jitgap_in_repo()
        .args([
            "scan",
            "--demo",
            "--format",
            "table,json,sarif,markdown",
            "--pretty",
            "--fail-on",
            "new-standing",
            "--out",
        ])
        .arg(&out)
        .arg("--baseline")
        .arg(t.path().join("base.json"))
        .arg("--waivers")
        .arg(t.path().join("w.toml"))
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(1),
        "the two unwaived new GEN001 findings fail the gate"
    );
    let tmp = t.path().display().to_string();
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(&tmp), "@@TMP@@");
    settings.add_filter(env!("CARGO_PKG_VERSION"), "@@VERSION@@");
    settings.bind(|| {
        for (name, ext) in [
            ("table", "txt"),
            ("json", "json"),
            ("sarif", "sarif"),
            ("markdown", "md"),
        ] {
            let text = std::fs::read_to_string(out.join(format!("jitgap-report.{ext}"))).unwrap();
            insta::assert_snapshot!(name, text);
        }
    });
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// `reports/demo/` holds the demo's rendered reports; this fails when they drift.
/// Regenerate with: cargo run -- scan --demo --format table,json,sarif,markdown,html --pretty --out reports/demo
#[test]
fn reports_demo_is_current() {
    let t = tempfile::tempdir().unwrap();
    // The JSON is indented for reading in the repository (compact is the default).
    render_demo(t.path(), "table,json,sarif,markdown,html", &["--pretty"]);
    for ext in ["txt", "json", "sarif", "md", "html"] {
        let name = format!("jitgap-report.{ext}");
        let want = std::fs::read_to_string(t.path().join(&name)).unwrap();
        let have =
            std::fs::read_to_string(repo().join("reports/demo").join(&name)).unwrap_or_default();
        assert!(
            want == have,
            "reports/demo/{name} is out of date; regenerate with:\n  cargo run -- scan --demo --format table,json,sarif,markdown,html --pretty --out reports/demo"
        );
    }
}

/// Findings name their path by id and the ledger marks paths covered by id: two paths of one
/// report never share one.
#[test]
fn every_access_path_of_the_demo_has_its_own_id() {
    let out = jitgap_in_repo()
        .args(["scan", "--demo", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for p in report["access_paths"].as_array().unwrap() {
        if let Some(first) = seen.insert(p["id"].as_str().unwrap().to_string(), p.clone()) {
            panic!("two paths share id {}:\n{first}\n{p}", p["id"]);
        }
    }
    assert!(seen.len() > 50);
}
