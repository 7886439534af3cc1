//! `jitgap scan --aws-organization` against a real moto server holding an organization of
//! five active member accounts and a suspended one: every member is its own scope, read
//! through the real aws-sdk-organizations and aws-sdk-sts clients and a role assumed in it.
//! moto never refuses `sts:AssumeRole`; `moto_server.py` makes it refuse one account with
//! AccessDenied, as AWS does when the role's trust policy does not let the caller in.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use support::moto::Moto;

const MANAGEMENT: &str = "123456789012";

struct Org {
    moto: Moto,
    members: Vec<String>,
    suspended: String,
}

fn organization() -> Org {
    let moto = Moto::start_with_refusals();
    let out: Value = serde_json::from_str(moto.seed_output("organization").trim())
        .expect("the seed prints the accounts");
    let members: Vec<String> = out["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    assert_eq!(members.len(), 5);
    Org {
        moto,
        members,
        suspended: out["suspended"].as_str().unwrap().to_string(),
    }
}

fn jitgap(moto: &Moto, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("jitgap")
        .unwrap()
        .args(args)
        .args(["--aws-endpoint-url", &moto.endpoint, "--progress", "never"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scope<'a>(report: &'a Value, account: &str) -> Option<&'a Value> {
    report["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["boundary"] == "aws" && s["scope"] == account)
}

fn identities_of(report: &Value, account: &str) -> Vec<String> {
    report["identities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["scope"] == account)
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_member_is_its_own_scope_and_a_refused_one_fails_alone() {
    let org = organization();
    let refused = org.members[2].clone();
    org.moto.refuse_assume_into(&[&refused]);
    org.moto.start_recording();
    let (code, stdout, stderr) = jitgap(
        &org.moto,
        &["scan", "--aws-organization", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr:\n{stderr}"));
    assert_eq!(
        code, 3,
        "one failed account makes the scan incomplete; stderr:\n{stderr}"
    );

    for (n, account) in org.members.iter().enumerate() {
        let s = scope(&report, account).unwrap_or_else(|| panic!("no scope {account}"));
        if *account == refused {
            assert_eq!(s["status"], "failed", "{s}");
            let e = s["errors"].to_string();
            assert!(
                e.contains("sts:AssumeRole")
                    && e.contains("AccessDenied")
                    && e.contains(&format!(
                        "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
                    )),
                "{e}"
            );
            assert!(identities_of(&report, account).is_empty());
            assert!(
                stderr.contains(&refused),
                "the failure is said on stderr: {stderr}"
            );
            continue;
        }
        assert_eq!(s["status"], "complete", "{s}");
        let notes = s["notes"].to_string();
        assert!(
            notes.contains(&format!(
                "read through arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            )),
            "{notes}"
        );
        // Each account's own identities, under its own account id.
        let ids = identities_of(&report, account);
        let role = format!("arn:aws:iam::{account}:role/member-{}-deployer", n + 1);
        assert!(ids.contains(&role), "{account}: {ids:?}");
        assert!(
            ids.iter().all(|i| i.contains(&format!(":{account}:"))),
            "{account}: {ids:?}"
        );
        let admin = report["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["identity"] == role.as_str() && p["privilege"] == "admin");
        assert!(admin, "{role} has AdministratorAccess");
    }
    // The management account is read with the caller's own credentials, and notes the
    // suspended account, which is not a scope.
    let m = scope(&report, MANAGEMENT).expect("the management account is scanned");
    assert_eq!(m["status"], "complete", "{m}");
    let notes = m["notes"].to_string();
    assert!(notes.contains("caller's own credentials"), "{notes}");
    assert!(
        notes.contains(&format!(
            "{} (member-6) not scanned: it is SUSPENDED",
            org.suspended
        )),
        "{notes}"
    );
    assert!(scope(&report, &org.suspended).is_none());
    assert!(
        identities_of(&report, MANAGEMENT)
            .iter()
            .any(|i| i.ends_with(":role/management-auditor"))
    );
    let aws_scopes = report["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["boundary"] == "aws")
        .count();
    assert_eq!(aws_scopes, 6, "management + 5 members");

    // Only the declared operations were sent: IAM reads, ListAccounts, one AssumeRole per
    // member, GetCallerIdentity.
    let actions = org.moto.recorded_actions();
    let allowed = jitgap::scan::Registry::builtin()
        .find_name("aws")
        .unwrap()
        .operations();
    for a in &actions {
        assert!(allowed.contains(&a.as_str()), "{a} was sent");
    }
    let count = |op: &str| actions.iter().filter(|a| *a == op).count();
    assert!(count("ListAccounts") >= 1, "{actions:?}");
    assert_eq!(
        count("AssumeRole"),
        5,
        "one per member account: {actions:?}"
    );
    // One authorization-details sweep per readable account (pages aside).
    assert!(count("GetAccountAuthorizationDetails") >= 5, "{actions:?}");
}

#[test]
fn shards_of_an_organization_split_its_accounts_and_collect_writes_each() {
    let org = organization();
    let dir = tempfile::tempdir().unwrap();
    let mut seen: Vec<String> = Vec::new();
    for i in 1..=2 {
        let out = dir.path().join(format!("shard-{i}"));
        let (code, _, stderr) = jitgap(
            &org.moto,
            &[
                "collect",
                "--aws-organization",
                "--shard",
                &format!("{i}/2"),
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{stderr}");
        let aws = out.join("aws");
        let accounts: Vec<String> = std::fs::read_dir(&aws)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        for a in &accounts {
            assert!(!seen.contains(a), "{a} in two shards");
            assert!(aws.join(a).join("organization.json").is_file());
        }
        seen.extend(accounts);
    }
    seen.sort();
    let mut all: Vec<String> = org.members.clone();
    all.push(MANAGEMENT.to_string());
    all.sort();
    assert_eq!(seen, all, "every active account in exactly one shard");
}

#[test]
fn an_organization_listing_nothing_is_incomplete_and_says_where_to_run_from() {
    let moto = Moto::start_with_refusals();
    moto.seed("empty");
    let (code, stdout, stderr) = jitgap(&moto, &["scan", "--aws-organization", "--format", "json"]);
    assert_eq!(code, 3, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let errors = report["scopes"].to_string();
    assert!(
        // moto answers an empty list where AWS answers AWSOrganizationsNotInUseException:
        // either way the run is incomplete and says where to run from.
        (errors.contains("organizations:ListAccounts failed")
            || errors.contains("listed no account"))
            && errors.contains("management account or of a delegated administrator"),
        "{errors}"
    );
}

#[allow(dead_code)]
#[path = "../examples/gen_estate.rs"]
mod gen_estate;

fn scopes_of(report: &Value) -> Vec<(String, String)> {
    report["scopes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["scope"].as_str().unwrap_or("").to_string(),
                        s["status"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Faults at scale, all in one sharded run: a snapshot of four accounts with one unreadable
/// file, a live organization with one account that refuses AssumeRole, three shards of both,
/// and one shard report truncated before the merge. Each fault is named and fails its own
/// scope; every other scope is merged complete with its identities; the exit code is 2 (bad
/// input wins over an incomplete scan, design.md §9).
#[test]
fn an_unreadable_account_a_refused_account_and_a_truncated_shard_each_fail_alone() {
    let org = organization();
    let refused = org.members[1].clone();
    org.moto.refuse_assume_into(&[&refused]);
    let t = tempfile::tempdir().unwrap();
    let snapshot = t.path().join("snapshot");
    gen_estate::generate(&gen_estate::Args {
        roles: 40,
        out: snapshot.clone(),
        seed: 7,
        account: "210000000000".into(),
        accounts: 4,
    })
    .unwrap();
    let broken = "210000000002";
    let broken_file = snapshot
        .join("aws")
        .join(broken)
        .join("authorization-details.json");
    let text = std::fs::read_to_string(&broken_file).unwrap();
    std::fs::write(&broken_file, &text[..text.len() / 3]).unwrap();

    let mut parts = Vec::new();
    let holder = |scope: &str, reports: &[Value]| {
        reports
            .iter()
            .position(|r| scopes_of(r).iter().any(|(s, _)| s == scope))
    };
    let mut reports = Vec::new();
    for k in 1..=3 {
        let out = t.path().join(format!("shard-{k}"));
        let (code, _, stderr) = jitgap(
            &org.moto,
            &[
                "scan",
                "--from",
                snapshot.to_str().unwrap(),
                "--aws-organization",
                "--shard",
                &format!("{k}/3"),
                "--format",
                "json",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        let path = out.join("jitgap-report.json");
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("shard {k} wrote no report ({e}): {stderr}"));
        let scopes = scopes_of(&report);
        let want = if scopes.iter().any(|(s, _)| s == broken) {
            assert!(
                stderr.contains(&broken_file.display().to_string()),
                "the unreadable file is named: {stderr}"
            );
            2
        } else if scopes.iter().any(|(s, _)| *s == refused) {
            3
        } else {
            0
        };
        assert_eq!(code, want, "shard {k}: {scopes:?}\n{stderr}");
        reports.push(report);
        parts.push(path);
    }
    // Every account, snapshot and live, is in exactly one shard.
    let mut all: Vec<String> = reports.iter().flat_map(scopes_of).map(|(s, _)| s).collect();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "an account in two shards: {all:?}");
    assert_eq!(
        all.len(),
        4 + 6,
        "four snapshot accounts, management + five members"
    );

    // Truncate a shard that holds neither fault (with three shards one always does).
    let spoiled = (0..3)
        .find(|&i| holder(broken, &reports) != Some(i) && holder(&refused, &reports) != Some(i))
        .unwrap();
    let lost: Vec<(String, String)> = scopes_of(&reports[spoiled]);
    let text = std::fs::read_to_string(&parts[spoiled]).unwrap();
    std::fs::write(&parts[spoiled], &text[..text.len() / 2]).unwrap();

    let merged_dir = t.path().join("merged");
    let o = Command::cargo_bin("jitgap")
        .unwrap()
        .arg("merge")
        .args(&parts)
        .args(["--format", "json", "--out"])
        .arg(&merged_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    let merged: Value = serde_json::from_str(
        &std::fs::read_to_string(merged_dir.join("jitgap-report.json")).unwrap(),
    )
    .unwrap();
    let shown = parts[spoiled].display().to_string();
    assert!(
        stderr.contains(&shown),
        "the truncated report is named: {stderr}"
    );
    let merged_scopes = scopes_of(&merged);
    let status = |scope: &str| {
        merged_scopes
            .iter()
            .find(|(s, _)| s == scope)
            .map(|(_, st)| st.as_str())
    };
    assert_eq!(status(&shown), Some("failed"), "{merged_scopes:?}");
    assert_eq!(status(broken), Some("failed"), "{merged_scopes:?}");
    assert_eq!(status(&refused), Some("failed"), "{merged_scopes:?}");
    let errors = merged["scopes"].to_string();
    assert!(errors.contains("AccessDenied"), "{errors}");
    // Everything not faulty and not in the truncated shard is merged complete, with its
    // identities; the truncated shard's scopes are absent rather than guessed.
    for account in &all {
        if lost.iter().any(|(s, _)| s == account) {
            assert_eq!(
                status(account),
                None,
                "{account} came from the truncated shard"
            );
            continue;
        }
        if *account == broken || *account == refused {
            continue;
        }
        assert_eq!(
            status(account),
            Some("complete"),
            "{account}: {merged_scopes:?}"
        );
        assert!(
            !identities_of(&merged, account).is_empty(),
            "{account} lost its identities"
        );
    }
}
