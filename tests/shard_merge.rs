//! `scan --shard I/N` and `jitgap merge`: the shards of the demo estate (every boundary, the
//! bridges between them, the ledger) merge into the report one unsharded scan writes; a
//! missing, truncated or foreign shard report is named and costs nothing else.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{jitgap_in_repo, json_file};

/// The parts of a report a merge must reproduce exactly.
const SAME: [&str; 7] = [
    "identities",
    "credentials",
    "access_paths",
    "findings",
    "coverage",
    "scopes",
    "ledger",
];

fn scan_demo(out: &Path, extra: &[&str]) -> (i32, String) {
    let o = jitgap_in_repo()
        .args(["scan", "--demo", "--format", "json", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The three shard reports of the demo.
fn shards(dir: &Path, extra: &[&str]) -> Vec<PathBuf> {
    (1..=3)
        .map(|i| {
            let out = dir.join(format!("shard-{i}"));
            let shard = format!("{i}/3");
            let mut args = vec!["--shard", shard.as_str()];
            args.extend_from_slice(extra);
            let (code, stderr) = scan_demo(&out, &args);
            assert!(code == 0 || code == 1, "shard {i}: exit {code}: {stderr}");
            out.join("jitgap-report.json")
        })
        .collect()
}

fn merge(reports: &[PathBuf], out: &Path, extra: &[&str]) -> (i32, Value, String) {
    let o = jitgap_in_repo()
        .arg("merge")
        .args(reports)
        .args(["--format", "json", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let report = std::fs::read_to_string(out.join("jitgap-report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (
        o.status.code().unwrap_or(-1),
        report,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn three_shards_merge_into_the_unsharded_report() {
    let t = tempfile::tempdir().unwrap();
    let (code, stderr) = scan_demo(&t.path().join("whole"), &[]);
    assert_eq!(code, 0, "{stderr}");
    let whole = json_file(&t.path().join("whole/jitgap-report.json"));
    let parts = shards(t.path(), &[]);

    // The shards split the scopes: each holds some, none holds all, none holds one twice.
    let scope_keys = |r: &Value| -> Vec<String> {
        r["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{}/{}", s["boundary"], s["scope"]))
            .collect()
    };
    let mut union = Vec::new();
    for p in &parts {
        let r = json_file(p);
        assert!(r["shard"]["count"] == 3, "a shard report says so");
        let keys = scope_keys(&r);
        assert!(
            !keys.is_empty() && keys.len() < scope_keys(&whole).len(),
            "{keys:?}"
        );
        union.extend(keys);
    }
    union.sort();
    let mut all = scope_keys(&whole);
    all.sort();
    assert_eq!(union, all, "every scope in exactly one shard");
    // Some path joins two shards (a bridge between boundaries): no shard has it, the merge must.
    let in_shards: Vec<String> = parts
        .iter()
        .flat_map(|p| ids(&json_file(p), "access_paths"))
        .collect();
    let crossing: Vec<String> = ids(&whole, "access_paths")
        .into_iter()
        .filter(|id| !in_shards.contains(id))
        .collect();
    assert!(!crossing.is_empty(), "the demo's bridges cross shards");

    let (code, merged, stderr) = merge(&parts, &t.path().join("merged"), &[]);
    assert_eq!(code, 0, "{stderr}");
    for key in SAME {
        assert!(
            merged[key] == whole[key],
            "merged {key} differs from the unsharded scan:\nmerged: {}\nwhole:  {}",
            merged[key]
                .to_string()
                .chars()
                .take(600)
                .collect::<String>(),
            whole[key].to_string().chars().take(600).collect::<String>()
        );
    }
    assert_eq!(merged["generated_at"], whole["generated_at"]);
    assert!(
        merged.get("shard").is_none(),
        "the merged report is a whole report"
    );

    // The gate applies to the merged report with scan's flags.
    let (code, merged, stderr) = merge(&parts, &t.path().join("gated"), &["--fail-on", "any"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(merged["gate"]["failed"], true);
}

#[test]
fn a_missing_shard_makes_the_merge_incomplete_and_names_it() {
    let t = tempfile::tempdir().unwrap();
    let parts = shards(t.path(), &[]);
    let (code, merged, stderr) = merge(&parts[..2], &t.path().join("m"), &[]);
    assert_eq!(code, 3, "{stderr}");
    let missing = merged["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == "shard 3/3")
        .expect("the missing shard is a failed scope");
    assert_eq!(missing["status"], "failed");
    assert!(stderr.contains("shard 3/3"), "{stderr}");
}

#[test]
fn a_truncated_shard_report_is_named_and_the_others_are_kept() {
    let t = tempfile::tempdir().unwrap();
    let parts = shards(t.path(), &[]);
    let text = std::fs::read_to_string(&parts[1]).unwrap();
    std::fs::write(&parts[1], &text[..text.len() / 2]).unwrap();
    let (code, merged, stderr) = merge(&parts, &t.path().join("m"), &[]);
    assert_eq!(code, 2, "bad input; {stderr}");
    let shown = parts[1].display().to_string();
    assert!(
        stderr.contains(&shown) && stderr.contains("truncated at line 1, column"),
        "{stderr}"
    );
    // The other two shards' identities are all in the merged report.
    let merged_ids = ids(&merged, "identities");
    for p in [&parts[0], &parts[2]] {
        for id in ids(&json_file(p), "identities") {
            assert!(merged_ids.contains(&id), "{id} lost");
        }
    }
    let failed = merged["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == shown.as_str())
        .expect("the truncated report is a failed scope");
    assert_eq!(failed["status"], "failed");
}

#[test]
fn foreign_reports_are_refused_with_the_reason() {
    let t = tempfile::tempdir().unwrap();
    let parts = shards(t.path(), &[]);
    let refused = |reports: &[PathBuf], extra: &[&str], want: &str| {
        let (code, _, stderr) = merge(reports, &t.path().join("m"), extra);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(want), "want {want:?} in {stderr}");
    };
    // Another schema version.
    let mut v = json_file(&parts[0]);
    v["schema_version"] = 2.into();
    let other = t.path().join("v2.json");
    std::fs::write(&other, v.to_string()).unwrap();
    refused(
        &[other, parts[1].clone(), parts[2].clone()],
        &[],
        "report schema version 2",
    );
    // Not a shard report.
    let (code, stderr) = scan_demo(&t.path().join("whole"), &[]);
    assert_eq!(code, 0, "{stderr}");
    refused(
        &[t.path().join("whole/jitgap-report.json")],
        &[],
        "not a shard report",
    );
    // The same shard twice.
    refused(&[parts[0].clone(), parts[0].clone()], &[], "given twice");
    // Judged too far apart.
    let late = t.path().join("late");
    let o = jitgap_in_repo()
        .args([
            "scan",
            "--demo",
            "--shard",
            "2/3",
            "--as-of",
            "2027-06-01T00:00:00Z",
        ])
        .args(["--format", "json", "--out"])
        .arg(&late)
        .output()
        .unwrap();
    assert!(o.status.code().is_some_and(|c| c <= 1));
    refused(
        &[
            parts[0].clone(),
            late.join("jitgap-report.json"),
            parts[2].clone(),
        ],
        &[],
        "more than --max-skew 6h",
    );
}

#[test]
fn shard_flags_are_checked() {
    for bad in ["0/3", "4/3", "1/0", "x"] {
        let o = jitgap_in_repo()
            .args(["scan", "--demo", "--shard", bad])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("expected I/N"), "{stderr}");
    }
}
