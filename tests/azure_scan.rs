//! The Azure scanner's verdicts on the fake estate (tests/fixtures/azure/estate: one tenant,
//! two subscriptions, in the documented Graph and ARM shapes), read as a snapshot through the
//! real program, and what it does with incomplete or bad snapshots.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{copy_dir, repo, scan_report};

const TENANT: &str = "9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a";
const PROD: &str = "00000000-1111-2222-3333-444444444444";
const DEV: &str = "55555555-6666-7777-8888-999999999999";

fn estate() -> PathBuf {
    repo().join("tests/fixtures/azure/estate")
}

fn scan(dir: &Path) -> (i32, Value, String) {
    scan_report(dir)
}

fn name_of(r: &Value, id: &str) -> String {
    r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .map(|i| i["name"].as_str().unwrap().to_string())
        .unwrap_or_else(|| id.to_string())
}

/// (name, entitlement, privilege, enforcement, credential lifetime, scope) of every path.
fn paths(r: &Value) -> Vec<[String; 6]> {
    r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            [
                name_of(r, p["identity"].as_str().unwrap()),
                s("entitlement"),
                s("privilege"),
                s("enforcement"),
                s("credential_lifetime"),
                s("scope"),
            ]
        })
        .collect()
}

#[test]
fn every_service_principal_gets_the_documented_verdicts() {
    let (code, r, stderr) = scan(&estate());
    assert_eq!(code, 0, "{stderr}");
    let got = paths(&r);
    let expect = [
        (
            "billing-sync",
            "Owner",
            "admin",
            "standing",
            "long-lived",
            PROD,
        ),
        (
            "deploy-eligible",
            "Contributor",
            "write",
            "jit",
            "none",
            PROD,
        ),
        (
            "deploy-eligible",
            "Application Administrator",
            "admin",
            "jit",
            "none",
            TENANT,
        ),
        (
            "etl-contractor",
            "Contributor",
            "write",
            "time-bound",
            "long-lived",
            DEV,
        ),
        (
            "ops-runner",
            "Contributor",
            "write",
            "jit",
            "long-lived",
            PROD,
        ),
        ("mi-batch", "Reader", "read", "standing", "ephemeral", PROD),
        (
            "tenant-automation",
            "Global Administrator",
            "admin",
            "standing",
            "long-lived",
            TENANT,
        ),
        (
            "report-writer",
            "Contributor via group platform-admins",
            "write",
            "standing",
            "long-lived",
            DEV,
        ),
        (
            "incident-bot",
            "Owner",
            "admin",
            "standing",
            "long-lived",
            PROD,
        ),
        (
            "vendor-backup",
            "Contributor",
            "write",
            "standing",
            "unknown",
            PROD,
        ),
        (
            "gha-preview",
            "Contributor",
            "write",
            "standing",
            "ephemeral",
            DEV,
        ),
        (
            "docs-reader",
            "Reader",
            "read",
            "standing",
            "ephemeral",
            DEV,
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
    // The activation's role assignment is the activation, not a second, standing path.
    let ops: Vec<_> = got.iter().filter(|p| p[0] == "ops-runner").collect();
    assert_eq!(ops.len(), 1, "{ops:#?}");
    // Every path names the rule that decided each verdict.
    for p in r["access_paths"].as_array().unwrap() {
        for v in ["privilege", "enforcement", "credential_lifetime"] {
            let rule = p["basis"][v]["rule"].as_str().unwrap();
            assert!(rule.starts_with("azure."), "{rule}");
            assert!(!p["evidence"].as_array().unwrap().is_empty());
        }
    }
    // Identities carry the object id as id, the display name as name, the app id beside them.
    let billing = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "billing-sync")
        .unwrap();
    assert_eq!(billing["scope"], TENANT);
    assert!(billing["attributes"]["app_id"].as_str().unwrap().len() == 36);
}

#[test]
fn coverage_is_per_tenant_and_subscription() {
    let (_, r, _) = scan(&estate());
    let scopes: Vec<(&str, &str)> = r["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["scope"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    for s in [TENANT, PROD, DEV] {
        assert!(scopes.contains(&(s, "complete")), "{scopes:?}");
        assert!(
            r["coverage"]["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["scope"] == s),
            "no coverage row for {s}"
        );
    }
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
fn each_azure_check_fires_on_its_service_principal() {
    let (_, r, _) = scan(&estate());
    let named = |rule: &str| -> Vec<String> {
        findings(&r, rule)
            .iter()
            .map(|f| name_of(&r, f["identity"].as_str().unwrap()))
            .collect()
    };
    let mut az001 = named("AZ001");
    az001.sort();
    assert_eq!(
        az001,
        ["billing-sync", "etl-contractor", "tenant-automation"]
    );
    assert_eq!(named("AZ002"), ["billing-sync"]);
    assert_eq!(named("AZ003"), ["billing-sync"]);
    // pull_request on a privileged app; the pinned subject of docs-reader is no finding.
    assert_eq!(named("AZ004"), ["gha-preview"]);
    assert_eq!(named("AZ005"), ["vendor-backup"]);
    assert_eq!(named("AZ007"), ["etl-contractor"]);
}

#[test]
fn a_pim_removal_whose_assignment_is_still_there_is_not_effective() {
    let (_, r, _) = scan(&estate());
    let az006 = findings(&r, "AZ006");
    let bot = az006
        .iter()
        .find(|f| name_of(&r, f["identity"].as_str().unwrap()) == "incident-bot")
        .expect("incident-bot's removal is checked");
    assert_eq!(bot["revocation"], "not-effective");
    let sources: Vec<&str> = bot["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert!(
        sources[0].ends_with("role-assignment-schedule-requests.json"),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|s| s.ends_with("/role-assignments.json")),
        "{sources:?}"
    );
    let ops = az006
        .iter()
        .find(|f| name_of(&r, f["identity"].as_str().unwrap()) == "ops-runner")
        .expect("ops-runner's deactivation is checked");
    assert_eq!(ops["revocation"], "effective");
    assert_eq!(ops["severity"], "info");
}

#[test]
fn a_subscription_without_its_tenant_keeps_its_paths_with_principals_unresolved() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &estate().join("azure").join(DEV),
        &dir.path().join("azure").join(DEV),
    );
    std::fs::copy(
        estate().join("manifest.json"),
        dir.path().join("manifest.json"),
    )
    .unwrap();
    let (code, r, stderr) = scan(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let paths = r["access_paths"].as_array().unwrap();
    assert!(!paths.is_empty());
    for p in paths {
        assert_eq!(p["credential_lifetime"], "unknown", "{p}");
    }
    // The group's role stays visible, held by the group, since its members are unknown.
    assert!(
        r["identities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "azure-group"),
        "{:#}",
        r["identities"]
    );
}

#[test]
fn bad_documents_name_the_file_and_the_place() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    let sub = dir.path().join("azure").join(PROD);
    // Malformed JSON: file, line and column.
    std::fs::write(
        sub.join("role-assignments.json"),
        "{\"value\": [ {\"id\": }",
    )
    .unwrap();
    let (code, _, stderr) = scan(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("role-assignments.json: line 1 column"),
        "{stderr}"
    );
    // A time that is not RFC 3339: file and JSON pointer.
    copy_dir(&estate(), dir.path());
    let text =
        std::fs::read_to_string(sub.join("role-assignment-schedule-instances.json")).unwrap();
    let broken = text.replacen(
        "\"endDateTime\": \"2026-09-01T02:00:00Z\"",
        "\"endDateTime\": \"soon\"",
        1,
    );
    assert_ne!(broken, text, "the estate has ops-runner's activation end");
    std::fs::write(sub.join("role-assignment-schedule-instances.json"), broken).unwrap();
    let (code, _, stderr) = scan(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("role-assignment-schedule-instances.json: /value/")
            && stderr.contains("/properties/endDateTime: `soon`"),
        "{stderr}"
    );
    // A folder that is neither a tenant nor a subscription.
    copy_dir(&estate(), dir.path());
    std::fs::remove_file(sub.join("subscription.json")).unwrap();
    let (code, _, stderr) = scan(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("needs tenant.json") && stderr.contains("subscription.json"),
        "{stderr}"
    );
}
