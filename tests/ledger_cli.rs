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

/// A GCP snapshot of acme-prod: the migrator service account with its unconditional
/// `roles/cloudsql.admin` binding, and the project's PAM grants as `jitgap collect` keeps them.
fn gcp_snapshot(dir: &Path, grants: &Value) {
    let project = dir.join("snap/gcp/acme-prod");
    std::fs::create_dir_all(&project).unwrap();
    let email = "migrator@acme-prod.iam.gserviceaccount.com";
    let docs = [
        (
            "project.json",
            json!({"name": "projects/123456789012", "parent": "folders/345678901234",
                   "projectId": "acme-prod", "state": "ACTIVE"}),
        ),
        (
            "service-accounts.json",
            json!({"accounts": [{"name": format!("projects/acme-prod/serviceAccounts/{email}"),
                   "projectId": "acme-prod", "uniqueId": "104857600000000000003", "email": email,
                   "displayName": "Schema migrator", "oauth2ClientId": "104857600000000000003"}]}),
        ),
        (
            "iam-policy.json",
            json!({"version": 3, "etag": "BwYb3xR8aQA=", "bindings": [
                {"role": "roles/cloudsql.admin", "members": [format!("serviceAccount:{email}")]}]}),
        ),
        (
            "pam-grants.json",
            json!({"projects/acme-prod/locations/global/entitlements/db-breakglass": grants}),
        ),
    ];
    for (name, doc) in docs {
        std::fs::write(project.join(name), doc.to_string()).unwrap();
    }
    std::fs::write(
        dir.join("snap/manifest.json"),
        r#"{"collected_at": "2026-09-01T12:00:00Z"}"#,
    )
    .unwrap();
}

/// `--ledger gcp-pam:SNAPSHOT` reads the PAM grants `jitgap collect` saved: three 8-hour grants
/// renewed back to back are stretched; a bad grant list stops the run naming file and pointer.
#[test]
fn gcp_pam_grants_of_a_snapshot_feed_the_ledger() {
    let t = tempfile::tempdir().unwrap();
    let chain: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/fixtures/ledger/gcp-pam/stretched.json"))
            .unwrap(),
    )
    .unwrap();
    gcp_snapshot(t.path(), &chain);
    let out = jitgap(t.path())
        .args(["scan", "--from", "snap", "--format", "json"])
        .args(["--ledger", "gcp-pam:snap", "--allow-incomplete"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["ledger"]["grants"], 3, "{:#}", r["ledger"]);
    assert_eq!(r["ledger"]["ended"], 3);
    assert_eq!(r["ledger"]["stretched"], 1);
    assert_eq!(r["ledger"]["untraceable"], 0);
    let s = findings(&r, "LED003");
    assert_eq!(s.len(), 1, "{:#}", r["findings"]);
    assert_eq!(
        s[0]["identity"],
        "migrator@acme-prod.iam.gserviceaccount.com"
    );
    let message = s[0]["message"].as_str().unwrap();
    assert!(
        message.contains("3 grants") && message.contains("roles/cloudsql.admin"),
        "{message}"
    );
    let evidence = s[0]["evidence"].to_string();
    assert!(
        evidence.contains("pam-grants.json")
            && evidence.contains(
                "/projects~1acme-prod~1locations~1global~1entitlements~1db-breakglass/grants/2"
            ),
        "{evidence}"
    );

    // With the project normalized, the unconditional binding PAM did not add outlives each
    // grant: three zombies, and the binding is standing access no active grant covers.
    let scope = r["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["boundary"] == "gcp" && s["scope"] == "acme-prod")
        .cloned()
        .unwrap_or_default();
    assert_eq!(scope["status"], "complete", "{scope}");
    assert_eq!(r["ledger"]["zombies"], 3, "{:#}", r["ledger"]);
    // One finding for the one binding (the same identity, role and target), three zombies.
    assert_eq!(findings(&r, "LED002").len(), 1, "{:#}", r["findings"]);
    assert_eq!(r["ledger"]["orphans"], 1, "{:#}", r["ledger"]);

    // A time that is not one: exit 2, the file and the pointer named.
    let mut bad = chain.clone();
    bad["grants"][1]["auditTrail"]["accessGrantTime"] = json!("yesterday");
    std::fs::write(t.path().join("bad.json"), bad.to_string()).unwrap();
    jitgap(t.path())
        .args(["scan", "--from", "snap", "--ledger", "gcp-pam:bad.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.json: /grants/1/auditTrail/accessGrantTime: `yesterday` is not an RFC 3339 time",
        ));
}
