//! The ledger through the command line: the acceptance cases of reconciliation.

mod support;

use predicates::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use support::cli::{jitgap, repo};

/// A snapshot of account 111122223333 holding the given roles (name, attached managed policy ARNs).
fn snapshot(dir: &Path, roles: &[(&str, &[&str])]) {
    let roles: Vec<Value> = roles
        .iter()
        .map(|(name, attached)| {
            json!({"RoleName": name, "Arn": format!("arn:aws:iam::111122223333:role/{name}"), "Path": "/",
                   "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}},
                   "RolePolicyList": [], "RoleLastUsed": {"LastUsedDate": "2026-09-01T11:00:00Z"},
                   "AttachedManagedPolicies": attached.iter().map(|a| json!({"PolicyArn": a, "PolicyName": a.rsplit('/').next().unwrap()})).collect::<Vec<_>>()})
        })
        .collect();
    let acct = dir.join("snap/aws/111122223333");
    std::fs::create_dir_all(&acct).unwrap();
    std::fs::write(
        acct.join("authorization-details.json"),
        json!({"RoleDetailList": roles, "UserDetailList": [], "Policies": []}).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("snap/manifest.json"),
        r#"{"collected_at": "2026-09-01T12:00:00Z"}"#,
    )
    .unwrap();
}

fn report(dir: &Path, extra: &[&str]) -> Value {
    let out = jitgap(dir)
        .args(["scan", "--from", "snap", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn findings<'a>(r: &'a Value, rule: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

/// A broker attached and later detached an admin policy (CloudTrail), but live state still has it.
#[test]
fn cloudtrail_attach_then_detach_with_the_policy_still_attached_is_a_zombie() {
    let t = tempfile::tempdir().unwrap();
    snapshot(
        t.path(),
        &[(
            "jit-admin",
            &["arn:aws:iam::aws:policy/AdministratorAccess"],
        )],
    );
    let trail = repo().join("tests/fixtures/ledger/cloudtrail/jit-admin-trail.json");
    let r = report(
        t.path(),
        &["--ledger", &format!("cloudtrail:{}", trail.display())],
    );
    let zombies = findings(&r, "LED002");
    assert_eq!(zombies.len(), 1, "{:#}", r["findings"]);
    let z = zombies[0];
    assert_eq!(z["name"], "zombie-grant");
    assert_eq!(z["revocation"], "not-effective");
    assert_eq!(z["identity"], "arn:aws:iam::111122223333:role/jit-admin");
    let ev: Vec<String> = z["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["source"], e["pointer"]))
        .collect();
    let joined = ev.join("\n");
    assert!(
        joined.contains("jit-admin-trail.json\" \"/Records/2"),
        "attach event: {joined}"
    );
    assert!(
        joined.contains("jit-admin-trail.json\" \"/Records/0"),
        "detach event: {joined}"
    );
    assert!(
        joined
            .contains("authorization-details.json\" \"/RoleDetailList/0/AttachedManagedPolicies/0"),
        "live policy: {joined}"
    );
    assert!(z["frameworks"].to_string().contains("AC-3(8)"));
    assert_eq!(r["ledger"]["zombies"], 1);
    // The gate fails on it, baseline or not.
    jitgap(t.path())
        .args([
            "scan",
            "--from",
            "snap",
            "--ledger",
            &format!("cloudtrail:{}", trail.display()),
            "--fail-on",
            "not-effective",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not-effective"));
    // Once the policy is gone from live state, the revocation is verified instead.
    snapshot(t.path(), &[("jit-admin", &[])]);
    let r = report(
        t.path(),
        &["--ledger", &format!("cloudtrail:{}", trail.display())],
    );
    assert!(findings(&r, "LED002").is_empty());
    assert_eq!(findings(&r, "LED005").len(), 1);
}

/// Three 8-hour grants chained for the same agent role are stretched.
#[test]
fn three_chained_eight_hour_grants_are_stretched() {
    let t = tempfile::tempdir().unwrap();
    snapshot(
        t.path(),
        &[(
            "agent-runner",
            &["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
        )],
    );
    let grant = |id: &str, from: &str, to: &str| {
        json!({"grant_id": id, "boundary": "aws", "scope": "111122223333", "identity": "arn:aws:iam::111122223333:role/agent-runner",
               "entitlement": "arn:aws:iam::aws:policy/AmazonS3FullAccess", "task": "AGENT-9", "requested_by": "agent:planner",
               "issued_at": from, "expires_at": to, "source": "broker"}).to_string()
    };
    let ledger = [
        grant("g1", "2026-08-31T04:00:00Z", "2026-08-31T12:00:00Z"),
        grant("g2", "2026-08-31T12:01:00Z", "2026-08-31T20:01:00Z"),
        grant("g3", "2026-08-31T20:02:00Z", "2026-09-01T04:02:00Z"),
    ]
    .join("\n");
    std::fs::write(t.path().join("ledger.jsonl"), ledger + "\n").unwrap();
    let r = report(t.path(), &["--ledger", "ledger.jsonl"]);
    let s = findings(&r, "LED003");
    assert_eq!(s.len(), 1, "{:#}", r["findings"]);
    assert!(s[0]["message"].as_str().unwrap().contains("3 grants"));
    assert_eq!(r["ledger"]["stretched"], 1);
}

/// An active broker grant with a short expiry makes a standing attachment JIT; without one it is an orphan.
#[test]
fn an_active_grant_makes_a_path_jit_and_its_absence_an_orphan() {
    let t = tempfile::tempdir().unwrap();
    snapshot(
        t.path(),
        &[
            (
                "jit-admin",
                &["arn:aws:iam::aws:policy/AdministratorAccess"],
            ),
            ("other", &["arn:aws:iam::aws:policy/AdministratorAccess"]),
        ],
    );
    let g = json!({"grant_id": "g1", "boundary": "aws", "scope": "111122223333", "identity": "jit-admin",
                   "entitlement": "arn:aws:iam::aws:policy/AdministratorAccess", "task": "INC-1", "requested_by": "alice",
                   "issued_at": "2026-09-01T10:00:00Z", "expires_at": "2026-09-01T14:00:00Z", "source": "broker"});
    std::fs::write(t.path().join("ledger.jsonl"), g.to_string() + "\n").unwrap();
    let r = report(t.path(), &["--ledger", "ledger.jsonl"]);
    let path = |role: &str| {
        r["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["identity"].as_str().unwrap().ends_with(role))
            .unwrap()
            .clone()
    };
    assert_eq!(path("/jit-admin")["enforcement"], "jit");
    assert!(
        path("/jit-admin")["basis"]["enforcement"]["reason"]
            .as_str()
            .unwrap()
            .contains("ledger grant g1")
    );
    assert_eq!(path("/other")["enforcement"], "standing");
    let orphans = findings(&r, "LED001");
    assert_eq!(orphans.len(), 1);
    assert!(orphans[0]["identity"].as_str().unwrap().ends_with("/other"));
    assert_eq!(r["coverage"]["overall"]["jit"], 1);
}

#[test]
fn ledger_import_writes_json_lines_and_names_bad_input() {
    let t = tempfile::tempdir().unwrap();
    let trail = repo().join("tests/fixtures/ledger/cloudtrail/jit-admin-trail.json");
    jitgap(t.path())
        .args(["ledger", "import", "--from", "cloudtrail"])
        .arg(&trail)
        .args(["--out", "l/ledger.jsonl"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(t.path().join("l/ledger.jsonl")).unwrap();
    assert!(text.lines().count() >= 1 && text.contains("\"grant_id\""));
    // The written ledger reads back as the default kind.
    snapshot(t.path(), &[("jit-admin", &[])]);
    report(t.path(), &["--ledger", "l/ledger.jsonl"]);
    jitgap(t.path())
        .args(["ledger", "import", "--from", "nope", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cloudtrail"));
    std::fs::write(t.path().join("bad.jsonl"), "{\"grant_id\": \"x\"}\n").unwrap();
    jitgap(t.path())
        .args(["scan", "--from", "snap", "--ledger", "bad.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.jsonl:1"));
}
