//! The GCP scanner's verdicts on the fake estate (tests/fixtures/gcp/estate: two projects of
//! one organization, in the documented IAM, Resource Manager, PAM and Policy Analyzer shapes),
//! read as a snapshot through the real program, and what it does with incomplete or bad
//! snapshots.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{copy_dir, repo, scan_report};

const PROD: &str = "acme-prod";
const DATA: &str = "acme-data";

fn estate() -> PathBuf {
    repo().join("tests/fixtures/gcp/estate")
}

fn scan(dir: &Path) -> (i32, Value, String) {
    scan_report(dir)
}

/// The local part of a service account's email (`deployer`), else the identity's name.
fn short_name(r: &Value, id: &str) -> String {
    let name = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .map(|i| i["name"].as_str().unwrap().to_string())
        .unwrap_or_else(|| id.to_string());
    match name.split_once('@') {
        Some((local, _)) => local.to_string(),
        None => name,
    }
}

/// (account, entitlement, privilege, enforcement, credential lifetime, scope) of every path.
fn paths(r: &Value) -> Vec<[String; 6]> {
    r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            [
                short_name(r, p["identity"].as_str().unwrap()),
                s("entitlement"),
                s("privilege"),
                s("enforcement"),
                s("credential_lifetime"),
                s("scope"),
            ]
        })
        .collect()
}

fn findings<'a>(r: &'a Value, rule: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

#[test]
fn every_service_account_gets_the_documented_verdicts() {
    let (code, r, stderr) = scan(&estate());
    assert_eq!(code, 0, "{stderr}");
    let got = paths(&r);
    let expect = [
        // A never-expiring user-managed key on an Owner.
        (
            "deployer",
            "roles/owner",
            "admin",
            "standing",
            "long-lived",
            PROD,
        ),
        // Four hours of request.time: JIT. Ninety days: JIT in name only.
        (
            "reporter",
            "roles/bigquery.admin (condition \"incident-4711\")",
            "write",
            "jit",
            "ephemeral",
            PROD,
        ),
        (
            "batch",
            "roles/storage.objectAdmin (condition \"q3-backfill\")",
            "write",
            "time-bound",
            "long-lived",
            PROD,
        ),
        // A condition jitgap cannot read as a window is unknown, never JIT.
        (
            "reporter",
            "roles/cloudsql.client (condition \"office-hours\")",
            "write",
            "unknown",
            "ephemeral",
            PROD,
        ),
        // Only Google-managed keys: the account's tokens are ephemeral; a read role reads.
        (
            "reporter",
            "roles/bigquery.dataViewer",
            "read",
            "standing",
            "ephemeral",
            PROD,
        ),
        // PAM eligibility: jit within max_jit_window, time-bound past it, nothing to steal.
        (
            "migrator",
            "roles/cloudsql.admin via PAM entitlement db-breakglass",
            "write",
            "jit",
            "none",
            PROD,
        ),
        (
            "reporter",
            "roles/bigquery.admin via PAM entitlement analytics-admin",
            "write",
            "time-bound",
            "none",
            PROD,
        ),
        // The binding of an ACTIVE grant is JIT, not standing.
        (
            "pam-operator",
            "roles/owner (condition \"PAM grant prod-owner\")",
            "admin",
            "jit",
            "ephemeral",
            PROD,
        ),
        // The ENDED grant's role, still bound: standing.
        (
            "migrator",
            "roles/cloudsql.admin",
            "write",
            "standing",
            "ephemeral",
            PROD,
        ),
        (
            "impersonator",
            "roles/iam.serviceAccountTokenCreator",
            "admin",
            "standing",
            "ephemeral",
            PROD,
        ),
        // A custom role with iam.serviceAccounts.actAs; a folder's binding, inherited.
        (
            "ci-runner",
            "projects/acme-prod/roles/ciDeployer",
            "admin",
            "standing",
            "ephemeral",
            PROD,
        ),
        (
            "ci-runner",
            "roles/iam.serviceAccountUser (inherited from folders/345678901234)",
            "admin",
            "standing",
            "ephemeral",
            PROD,
        ),
        (
            "ci-runner",
            "organizations/111111111111/roles/auditReader (inherited from organizations/111111111111)",
            "read",
            "standing",
            "ephemeral",
            PROD,
        ),
        // An account of the other scanned project, with its own key lifetime.
        (
            "etl-runner",
            "roles/bigquery.dataEditor",
            "write",
            "standing",
            "long-lived",
            PROD,
        ),
        (
            "etl-runner",
            "roles/bigquery.admin",
            "write",
            "standing",
            "long-lived",
            DATA,
        ),
        // An account of a project outside the scan: its keys are unknown.
        (
            "vendor-sync",
            "roles/storage.objectAdmin",
            "write",
            "standing",
            "unknown",
            PROD,
        ),
        // Workload identity federation: tokens of an hour.
        (
            "workload identity pool github: attribute.repository/acme/infra",
            "roles/run.developer",
            "write",
            "standing",
            "ephemeral",
            PROD,
        ),
    ];
    for (name, ent, privilege, enforcement, lifetime, scope) in expect {
        assert!(
            got.iter().any(|p| p[0] == name
                && p[1] == ent
                && p[2] == privilege
                && p[3] == enforcement
                && p[4] == lifetime
                && p[5] == scope),
            "no path {name} {ent} {privilege} {enforcement} {lifetime} in {scope}; paths: {got:#?}"
        );
    }
    // No live path: the disabled account, the expired condition, the deleted role, the
    // deleted member, Google's service agents, people.
    for gone in [
        "legacy-etl",
        "old-bot",
        "123456789012",
        "service-123456789012",
        "alice",
        "admin",
    ] {
        assert!(
            !got.iter().any(|p| p[0] == gone),
            "{gone} has a path: {got:#?}"
        );
    }
    assert!(
        !got.iter()
            .any(|p| p[1].starts_with("roles/storage.admin (condition"))
    );
    assert!(!got.iter().any(|p| p[1].contains("oldDeployer")));
    // Every path names the rule that decided each verdict, with evidence.
    for p in r["access_paths"].as_array().unwrap() {
        for v in ["privilege", "enforcement", "credential_lifetime"] {
            let rule = p["basis"][v]["rule"].as_str().unwrap();
            assert!(rule.starts_with("gcp."), "{rule}");
        }
        assert!(!p["evidence"].as_array().unwrap().is_empty());
    }
    // An identity is the unique id, named by its email, with its display name beside it.
    let deployer = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "104857600000000000001")
        .unwrap();
    assert_eq!(
        deployer["name"],
        "deployer@acme-prod.iam.gserviceaccount.com"
    );
    assert_eq!(deployer["attributes"]["display_name"], "CI deployer");
    assert_eq!(deployer["last_used"], "2026-08-28T07:00:00Z");
    // A disabled account is listed as such, and never called unused.
    let legacy = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "104857600000000000002")
        .unwrap();
    assert!(legacy["attributes"]["disabled"].is_string());
}

#[test]
fn keys_are_credentials_and_google_managed_ones_are_not_long_lived() {
    let (_, r, _) = scan(&estate());
    let creds = r["credentials"].as_array().unwrap();
    let of = |id: &str| -> Vec<&Value> { creds.iter().filter(|c| c["identity"] == id).collect() };
    let deployer = of("104857600000000000001");
    assert_eq!(deployer.len(), 3, "{deployer:#?}");
    let by_kind = |kind: &str, status: &str| {
        deployer
            .iter()
            .filter(|c| c["kind"] == kind && c["status"] == status)
            .count()
    };
    assert_eq!(by_kind("user-managed-key", "active"), 1);
    assert_eq!(by_kind("user-managed-key", "inactive"), 1, "a disabled key");
    assert_eq!(by_kind("google-managed-key", "active"), 1);
    let user = deployer
        .iter()
        .find(|c| c["kind"] == "user-managed-key" && c["status"] == "active")
        .unwrap();
    assert_eq!(user["lifetime"], "long-lived");
    assert!(
        user.get("expires_at").is_none(),
        "9999-12-31 means no expiry"
    );
    for c in of("104857600000000000004") {
        assert_eq!(c["kind"], "google-managed-key");
        assert_eq!(c["lifetime"], "ephemeral");
    }
}

#[test]
fn each_gcp_check_fires_on_its_account() {
    let (_, r, _) = scan(&estate());
    let named = |rule: &str| -> Vec<String> {
        let mut v: Vec<String> = findings(&r, rule)
            .iter()
            .map(|f| short_name(&r, f["identity"].as_str().unwrap()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(named("GCP001"), ["batch", "deployer"]);
    assert_eq!(named("GCP002"), ["batch", "deployer", "etl-runner"]);
    assert_eq!(named("GCP003"), ["batch"]);
    assert_eq!(named("GCP004"), ["batch"]);
    // Basic roles: deployer's standing Owner; not pam-operator's JIT Owner, not the disabled
    // legacy-etl's, not the service agent's Editor.
    assert_eq!(named("GCP005"), ["deployer"]);
    assert_eq!(named("GCP006"), ["ci-runner", "impersonator"]);
    assert_eq!(named("GCP007"), ["contractor-sync"]);
    assert_eq!(named("GCP009"), ["batch"]);
    assert_eq!(named("GCP010"), ["pam-operator"]);
    assert_eq!(named("GCP011"), ["vendor-sync"]);
    // The key GCP004 names is the old one nobody used, not the one used on 2026-08-30.
    let unused = findings(&r, "GCP004");
    assert!(
        unused[0]["message"]
            .as_str()
            .unwrap()
            .contains("7c6b5a4938271605f4e3d2c1b0a9988776655443"),
        "{unused:#?}"
    );
}

#[test]
fn an_ended_pam_grant_whose_binding_is_still_there_is_not_effective() {
    let (_, r, _) = scan(&estate());
    let gcp008 = findings(&r, "GCP008");
    let verdict_of = |who: &str| -> Vec<(&str, &str)> {
        gcp008
            .iter()
            .filter(|f| short_name(&r, f["identity"].as_str().unwrap()) == who)
            .map(|f| {
                (
                    f["revocation"].as_str().unwrap(),
                    f["severity"].as_str().unwrap(),
                )
            })
            .collect()
    };
    // The PAM zombie: ENDED, access removed at 15:00:04, the binding still in the policy.
    assert_eq!(verdict_of("migrator"), [("not-effective", "high")]);
    let zombie = gcp008
        .iter()
        .find(|f| f["revocation"] == "not-effective")
        .unwrap();
    let sources: Vec<String> = zombie["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}#{}",
                e["source"].as_str().unwrap(),
                e["pointer"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        sources[0].contains("pam-grants.json#/projects"),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|s| s.contains("iam-policy.json#/bindings/2")),
        "{sources:?}"
    );
    // Revoked early, then granted again (ACTIVE): the binding now is the new grant's.
    // Ended and externally modified, binding gone: effective.
    assert_eq!(verdict_of("pam-operator"), [("effective", "info")]);
    assert_eq!(verdict_of("batch"), [("effective", "info")]);
    // An EXPIRED grant (never approved) gave no access and is not checked.
    assert_eq!(gcp008.len(), 3, "{gcp008:#?}");
}

#[test]
fn coverage_is_per_project() {
    let (_, r, _) = scan(&estate());
    for s in [PROD, DATA] {
        let row = r["coverage"]["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["scope"] == s)
            .unwrap_or_else(|| panic!("no coverage row for {s}: {:#}", r["coverage"]));
        assert_eq!(row["boundary"], "gcp");
        let scope = r["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["scope"] == s)
            .unwrap();
        assert_eq!(scope["status"], "complete", "{scope}");
    }
}

#[test]
fn a_project_alone_keeps_other_projects_accounts_unresolved() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &estate().join("gcp").join(PROD),
        &dir.path().join("gcp").join(PROD),
    );
    std::fs::copy(
        estate().join("manifest.json"),
        dir.path().join("manifest.json"),
    )
    .unwrap();
    let (code, r, stderr) = scan(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let got = paths(&r);
    assert!(
        got.iter().any(|p| p[0] == "etl-runner"
            && p[1] == "roles/bigquery.dataEditor"
            && p[4] == "unknown"),
        "{got:#?}"
    );
    // ... and, outside the scan, it is a third-party candidate too.
    let third: Vec<String> = findings(&r, "GCP011")
        .iter()
        .map(|f| short_name(&r, f["identity"].as_str().unwrap()))
        .collect();
    assert!(third.contains(&"etl-runner".to_string()), "{third:?}");
}

#[test]
fn absent_documents_leave_verdicts_unknown_not_passing() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    let prod = dir.path().join("gcp").join(PROD);
    std::fs::remove_file(prod.join("service-account-keys.json")).unwrap();
    std::fs::remove_file(prod.join("roles.json")).unwrap();
    let (code, r, stderr) = scan(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let got = paths(&r);
    // Keys not read: the lifetime of the project's accounts is unknown.
    assert!(
        got.iter()
            .any(|p| p[0] == "deployer" && p[1] == "roles/owner" && p[4] == "unknown"),
        "{got:#?}"
    );
    // A custom role whose definition was not read: its privilege is unknown.
    assert!(
        got.iter().any(|p| p[0] == "ci-runner"
            && p[1] == "projects/acme-prod/roles/ciDeployer"
            && p[2] == "unknown"),
        "{got:#?}"
    );
    // Its deleted custom role is no longer known to be deleted: fail closed, a path.
    assert!(
        got.iter()
            .any(|p| p[1] == "projects/acme-prod/roles/oldDeployer" && p[2] == "unknown")
    );
}

#[test]
fn bad_documents_name_the_file_and_the_place() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    let prod = dir.path().join("gcp").join(PROD);
    std::fs::write(
        prod.join("iam-policy.json"),
        "{\"bindings\": [ {\"role\": }",
    )
    .unwrap();
    let (code, _, stderr) = scan(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("iam-policy.json: line 1 column"),
        "{stderr}"
    );
    // A time that is not RFC 3339: file and JSON pointer.
    copy_dir(&estate(), dir.path());
    let keys = std::fs::read_to_string(prod.join("service-account-keys.json")).unwrap();
    let broken = keys.replacen(
        "\"validAfterTime\": \"2025-03-01T12:00:00Z\"",
        "\"validAfterTime\": \"last spring\"",
        1,
    );
    assert_ne!(broken, keys);
    std::fs::write(prod.join("service-account-keys.json"), broken).unwrap();
    let (code, _, stderr) = scan(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "service-account-keys.json: /deployer@acme-prod.iam.gserviceaccount.com/keys/0/validAfterTime: `last spring`"
        ),
        "{stderr}"
    );
    // A PAM duration that is not one.
    copy_dir(&estate(), dir.path());
    let grants = std::fs::read_to_string(prod.join("pam-grants.json")).unwrap();
    std::fs::write(
        prod.join("pam-grants.json"),
        grants.replacen(
            "\"requestedDuration\": \"7200s\"",
            "\"requestedDuration\": \"2h\"",
            1,
        ),
    )
    .unwrap();
    let (code, _, stderr) = scan(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/requestedDuration: `2h`"), "{stderr}");
    // A folder without project.json.
    copy_dir(&estate(), dir.path());
    std::fs::remove_file(prod.join("project.json")).unwrap();
    let (code, _, stderr) = scan(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("project.json"), "{stderr}");
}

#[test]
fn an_entitlement_without_approval_on_a_role_of_unknown_privilege_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    let prod = dir.path().join("gcp").join(PROD);
    let text = std::fs::read_to_string(prod.join("pam-entitlements.json")).unwrap();
    // prod-owner (no approval step) now gives a custom role whose definition was not read.
    let changed = text.replacen(
        "\"role\": \"roles/owner\"",
        "\"role\": \"projects/acme-prod/roles/mystery\"",
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(prod.join("pam-entitlements.json"), changed).unwrap();
    let (code, r, stderr) = scan(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let gcp010 = findings(&r, "GCP010");
    assert_eq!(gcp010.len(), 1, "{gcp010:#?}");
    let message = gcp010[0]["message"].as_str().unwrap();
    assert!(
        message.contains("projects/acme-prod/roles/mystery (unknown)"),
        "{message}"
    );
}
