//! The command line as a user meets it: exit codes, messages naming the file, the gate.

mod support;

use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;
use support::cli::{copy_dir, jitgap, repo};

/// A copy of the demo snapshot in a temp dir, to edit.
fn demo_copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("demo"), &t.path().join("snap"));
    t
}

fn gaad_path(t: &tempfile::TempDir) -> PathBuf {
    t.path()
        .join("snap/aws/111122223333/authorization-details.json")
}

fn add_admin_role(t: &tempfile::TempDir, name: &str) {
    let p = gaad_path(t);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["RoleDetailList"].as_array_mut().unwrap().push(serde_json::json!({
        "Path": "/", "RoleName": name, "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
        "CreateDate": "2026-08-30T00:00:00Z",
        "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}},
        "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
        "RoleLastUsed": {}
    }));
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
}

#[test]
fn demo_prints_a_coverage_table_and_exits_zero() {
    jitgap(&repo())
        .args(["scan", "--demo"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Coverage").and(predicate::str::contains("overall")))
        .stdout(predicate::str::contains("GEN001 standing-admin-access"))
        .stdout(predicate::str::contains("evidence toward"));
}

#[test]
fn no_source_exits_2_and_names_the_sources() {
    let t = tempfile::tempdir().unwrap();
    jitgap(t.path())
        .arg("scan")
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("--demo")
                .and(predicate::str::contains("--from PATH"))
                .and(predicate::str::contains("--aws")),
        );
}

#[test]
fn one_format_without_out_is_the_only_thing_on_stdout() {
    let out = jitgap(&repo())
        .args(["scan", "--demo", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value =
        serde_json::from_slice(&out.stdout).expect("stdout is exactly one JSON document");
    assert_eq!(v["schema_version"], 1);
}

#[test]
fn several_formats_need_out_and_write_files() {
    let t = tempfile::tempdir().unwrap();
    jitgap(&repo())
        .args(["scan", "--demo", "--format", "table,json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("add --out DIR"));
    jitgap(&repo())
        .args([
            "scan",
            "--demo",
            "--format",
            "table,json,sarif,markdown",
            "--out",
        ])
        .arg(t.path())
        .assert()
        .code(0)
        .stdout("");
    for ext in ["txt", "json", "sarif", "md"] {
        assert!(
            t.path().join(format!("jitgap-report.{ext}")).is_file(),
            "{ext}"
        );
    }
}

#[test]
fn truncated_json_names_the_file_and_line_and_keeps_other_results() {
    let t = demo_copy();
    let p = gaad_path(&t);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, &text[..text.len() / 2]).unwrap();
    let out = jitgap(t.path())
        .args(["scan", "--from", "snap", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("authorization-details.json: line "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // The other account of the snapshot is still reported, the broken one is `failed`.
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let scopes = v["scopes"].as_array().unwrap();
    assert!(
        scopes
            .iter()
            .any(|s| s["scope"] == "222233334444" && s["status"] == "complete"),
        "{scopes:?}"
    );
    assert!(
        scopes
            .iter()
            .any(|s| s["scope"] == "111122223333" && s["status"] == "failed"),
        "{scopes:?}"
    );
}

#[test]
fn a_wrong_file_is_named() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("policy.json"),
        r#"{"Version": "2012-10-17", "Statement": []}"#,
    )
    .unwrap();
    jitgap(t.path())
        .args(["scan", "--from", "policy.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "policy.json: not an AWS authorization-details export",
        ));
    std::fs::write(t.path().join("cr.csv"), "user,arn\n").unwrap();
    jitgap(t.path())
        .args(["scan", "--from", "cr.csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cr.csv"));
}

#[test]
fn unknown_config_key_names_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("jitgap.toml"),
        "[policy]\nmax_jit_window = \"8h\"\nmax_jit_windw = \"4h\"\n",
    )
    .unwrap();
    jitgap(t.path())
        .args(["scan", "--demo"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("jitgap.toml:3:")
                .and(predicate::str::contains("max_jit_windw")),
        );
}

#[test]
fn config_policy_changes_verdicts() {
    // With a 40-day JIT window, incident-admin's 31-day window counts as jit.
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("j.toml"),
        "[policy]\nmax_jit_window = \"40d\"\n",
    )
    .unwrap();
    let out = jitgap(&repo())
        .args(["scan", "--demo", "--format", "json", "--config"])
        .arg(t.path().join("j.toml"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = v["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["entitlement"] == "inline:incident-2026-08")
        .unwrap();
    assert_eq!(p["enforcement"], "jit");
}

#[test]
fn unreachable_endpoint_is_incomplete_and_named() {
    let t = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut c = jitgap(t.path());
        c.args([
            "scan",
            "--aws-endpoint-url",
            "http://127.0.0.1:9",
            "--format",
            "json",
        ])
        .args(extra)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .timeout(std::time::Duration::from_secs(120));
        c.output().unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("http://127.0.0.1:9"), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scopes"][0]["status"], "failed");
    let out = run(&["--allow-incomplete"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn gate_new_standing_with_baseline_and_waivers() {
    let t = demo_copy();
    let dir = t.path();
    // Baseline of today's findings: nothing new.
    jitgap(dir)
        .args([
            "baseline",
            "update",
            "--baseline",
            "base.json",
            "--from",
            "snap",
        ])
        .assert()
        .code(0);
    jitgap(dir)
        .args([
            "scan",
            "--from",
            "snap",
            "--baseline",
            "base.json",
            "--fail-on",
            "new-standing",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Gate: passed"));
    // A new standing admin role appears: the gate fails and names it.
    add_admin_role(&t, "shadow-admin");
    jitgap(dir)
        .args([
            "scan",
            "--from",
            "snap",
            "--baseline",
            "base.json",
            "--fail-on",
            "new-standing",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("new-standing").and(predicate::str::contains("shadow-admin")),
        );
    // A waiver with an owner and a future expiry accepts it.
    let waivers = |expires: &str| {
        format!(
            "[[waiver]]\nmatch = {{ identity = \"arn:aws:iam::111122223333:role/shadow-admin\" }}\nowner = \"platform\"\nreason = \"migration\"\nticket = \"SEC-1\"\nexpires = \"{expires}\"\n"
        )
    };
    std::fs::write(dir.join("w.toml"), waivers("2027-01-31")).unwrap();
    jitgap(dir)
        .args([
            "scan",
            "--from",
            "snap",
            "--baseline",
            "base.json",
            "--fail-on",
            "new-standing",
            "--waivers",
            "w.toml",
        ])
        .assert()
        .code(0);
    // Expired: it stops suppressing, is reported, and the gate fails again.
    std::fs::write(dir.join("w.toml"), waivers("2026-08-01")).unwrap();
    jitgap(dir)
        .args([
            "scan",
            "--from",
            "snap",
            "--baseline",
            "base.json",
            "--fail-on",
            "new-standing",
            "--waivers",
            "w.toml",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("expired"));
}

#[test]
fn fail_on_not_effective_and_any() {
    // The demo has no not-effective AWS finding; `any` fails on every unwaived finding.
    jitgap(&repo())
        .args(["scan", "--demo", "--fail-on", "any"])
        .assert()
        .code(1);
    jitgap(&repo())
        .args(["scan", "--demo", "--fail-on", "bogus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("new-standing"));
}

#[test]
fn bad_waivers_and_baseline_files_are_named() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("w.toml"), "[[waiver]]\nmatch = { rule = \"GEN001\" }\nowner = \"x\"\nreason = \"y\"\nexpires = \"soon\"\n").unwrap();
    jitgap(&repo())
        .args(["scan", "--demo", "--waivers"])
        .arg(t.path().join("w.toml"))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("w.toml: waiver #1").and(predicate::str::contains("soon")),
        );
    std::fs::write(t.path().join("b.json"), "{\"findings\": [").unwrap();
    jitgap(&repo())
        .args(["scan", "--demo", "--baseline"])
        .arg(t.path().join("b.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("b.json: line 1"));
}

#[test]
fn rules_explain_and_init() {
    jitgap(&repo()).arg("rules").assert().code(0).stdout(
        predicate::str::contains("AWS005")
            .and(predicate::str::contains("oidc-trust-without-subject")),
    );
    jitgap(&repo())
        .args(["explain", "oidc-trust-without-subject"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Remediation").and(predicate::str::contains("NHI6:2025")));
    jitgap(&repo())
        .args(["explain", "NOPE01"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("jitgap rules"));
    let t = tempfile::tempdir().unwrap();
    jitgap(t.path()).arg("init").assert().code(0);
    assert!(t.path().join("jitgap.toml").is_file());
    jitgap(t.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    // The written config is valid and picked up by default.
    jitgap(t.path()).args(["scan", "--demo"]).assert().code(0);
}

#[test]
fn help_shows_examples() {
    for cmd in ["scan", "collect", "rules", "explain", "init"] {
        jitgap(&repo())
            .args([cmd, "--help"])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("Example"));
    }
    jitgap(&repo())
        .args(["baseline", "update", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Example"));
}

#[test]
fn collect_then_scan_gives_the_same_report() {
    let t = tempfile::tempdir().unwrap();
    jitgap(&repo())
        .args(["collect", "--demo", "--out"])
        .arg(t.path().join("snap"))
        .assert()
        .code(0);
    let a = jitgap(&repo())
        .args(["scan", "--demo", "--format", "json"])
        .output()
        .unwrap();
    let b = jitgap(t.path())
        .args(["scan", "--from", "snap", "--format", "json"])
        .output()
        .unwrap();
    let strip = |o: &[u8]| {
        let mut v: Value = serde_json::from_slice(o).unwrap();
        v["inputs"] = Value::Null;
        v["scopes"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .for_each(|s| s["sources"] = Value::Null);
        let mut text = v.to_string();
        for f in ["demo/", "snap/"] {
            text = text.replace(f, "");
        }
        text
    };
    assert_eq!(strip(&a.stdout), strip(&b.stdout));
}

#[test]
fn every_config_problem_is_reported_at_once_at_its_line() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("bad.toml"),
        "[sources]\npostgres = \"not-a-list\"\nnosuch = [\"x\"]\n[limits]\nconcurrency = 0\nfoo = 1\n[rules.XX001]\ndisable = true\n",
    )
    .unwrap();
    let out = jitgap(t.path())
        .args(["scan", "--demo", "--config", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "bad.toml:2:1: [sources] postgres: expected a list of URLs",
        "bad.toml:3:1: [sources.nosuch]: no boundary is named `nosuch`",
        "bad.toml:5:15: limits.concurrency: must be at least 1",
        "bad.toml:6:1: unknown key `foo`",
        "bad.toml:7:8: [rules.XX001]: no check has this id",
    ] {
        assert!(err.contains(want), "missing `{want}` in:\n{err}");
    }
}

#[test]
fn help_groups_each_boundarys_flags_under_its_heading() {
    let out = jitgap(&repo()).args(["scan", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let at = |h: &str| {
        help.find(h)
            .unwrap_or_else(|| panic!("no `{h}` in:\n{help}"))
    };
    let (aws, pg, my) = (
        at("\nAWS:\n"),
        at("\nPostgreSQL:\n"),
        at("\nMySQL / MariaDB:\n"),
    );
    assert!(aws < at("--aws-endpoint-url") && at("--aws-endpoint-url") < pg);
    assert!(pg < at("--postgres-url") && at("--postgres-url") < my);
    assert!(my < at("--mysql-url"));
    assert!(at("\nSources:\n") < at("--demo"));
    assert!(at("\nReport and gate:\n") < at("--fail-on"));
}
