//! `jitgap scan` live against the fake Graph and ARM (`tests/support/fake_azure.rs`) with
//! `JITGAP_AZURE_TOKEN` set: the verdicts, the coverage and the PIM-removal zombie; the same
//! estate collected and re-scanned with `--from` gives the same report; a 403 on one
//! collection leaves that subscription partial, names the permission, exits 3, and keeps
//! everything else.

mod support;

use jitgap::scan::azure::raw;
use serde_json::Value;
use std::path::Path;
use support::cli::jitgap;
use support::fake_azure::{FakeAzure, Fault, PROD, TENANT, arm_path};

const AS_OF: &str = "2026-09-01T00:00:00Z";

fn token() -> String {
    // {"tid":"9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a"} with an unsigned header.
    "eyJhbGciOiJub25lIn0.eyJ0aWQiOiI5ZThkN2M2Yi01YTQ5LTQ4MzctYTI2MS0wZjFlMmQzYzRiNWEifQ.SeededLiveScanToken7c1e".to_string()
}

/// Runs jitgap with the token and the fake's URLs; (exit code, report, stderr).
fn run(fake: &FakeAzure, work: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = work.join("report");
    let o = jitgap(work)
        .env("JITGAP_AZURE_TOKEN", token())
        .args(args)
        .args(["--azure-graph-url", &fake.url, "--azure-arm-url", &fake.url])
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

fn live_scan(fake: &FakeAzure, work: &Path) -> (i32, Value, String) {
    run(
        fake,
        work,
        &[
            "scan", "--as-of", AS_OF, "--format", "json", "--out", "report",
        ],
    )
}

/// The verdicts of a report, without the evidence (whose sources name API calls live and
/// files from a snapshot).
fn verdicts(r: &Value) -> Vec<String> {
    let mut out: Vec<String> = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {} {} {} {} {} {} [{} {} {}]",
                p["id"],
                p["identity"],
                p["entitlement"],
                p["target"],
                p["privilege"],
                p["enforcement"],
                p["credential_lifetime"],
                p["basis"]["privilege"]["rule"],
                p["basis"]["enforcement"]["rule"],
                p["basis"]["credential_lifetime"]["rule"]
            )
        })
        .chain(r["findings"].as_array().unwrap().iter().map(|f| {
            format!(
                "{} {} {} {}",
                f["id"], f["rule_id"], f["revocation"], f["message"]
            )
        }))
        .collect();
    out.push(r["coverage"].to_string());
    out.sort();
    out
}

fn name_of<'a>(r: &'a Value, id: &str) -> &'a str {
    r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .and_then(|i| i["name"].as_str())
        .unwrap_or("?")
}

#[test]
fn a_live_scan_gives_the_verdicts_and_the_zombie_and_a_rescan_of_its_snapshot_agrees() {
    let fake = FakeAzure::start(&token());
    let work = tempfile::tempdir().unwrap();
    let (code, live, stderr) = live_scan(&fake, work.path());
    assert_eq!(code, 0, "{stderr}");
    let path = |name: &str, ent: &str| {
        live["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| {
                name_of(&live, p["identity"].as_str().unwrap()) == name && p["entitlement"] == ent
            })
            .unwrap_or_else(|| panic!("no {name} {ent}"))
            .clone()
    };
    assert_eq!(path("billing-sync", "Owner")["enforcement"], "standing");
    assert_eq!(path("ops-runner", "Contributor")["enforcement"], "jit");
    assert_eq!(path("deploy-eligible", "Contributor")["enforcement"], "jit");
    assert_eq!(
        path("etl-contractor", "Contributor")["enforcement"],
        "time-bound"
    );
    assert_eq!(
        path("tenant-automation", "Global Administrator")["privilege"],
        "admin"
    );
    let zombie = live["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "AZ006" && f["revocation"] == "not-effective")
        .expect("the PIM removal still in place");
    assert_eq!(
        name_of(&live, zombie["identity"].as_str().unwrap()),
        "incident-bot"
    );
    for scope in [TENANT, PROD] {
        assert!(
            live["coverage"]["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["scope"] == scope),
            "coverage of {scope}"
        );
    }
    // Collect, then scan the snapshot: the same verdicts, findings and coverage.
    let (code, _, stderr) = run(&fake, work.path(), &["collect", "--out", "snap"]);
    assert_eq!(code, 0, "{stderr}");
    let again = jitgap(work.path())
        .args([
            "scan", "--from", "snap", "--as-of", AS_OF, "--format", "json", "--out", "again",
        ])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let from: Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("again/jitgap-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(verdicts(&live), verdicts(&from));
}

#[test]
fn a_forbidden_eligibility_list_leaves_its_subscription_partial_and_the_rest_reported() {
    let fake = FakeAzure::start(&token());
    fake.fault(
        &arm_path(PROD, "roleEligibilityScheduleInstances"),
        Fault::Forbidden,
    );
    let work = tempfile::tempdir().unwrap();
    let (code, r, stderr) = live_scan(&fake, work.path());
    assert_eq!(code, 3, "{stderr}");
    let scope = |s: &str| {
        r["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["scope"] == s)
            .unwrap_or_else(|| panic!("scope {s}"))
            .clone()
    };
    let prod = scope(PROD);
    assert_eq!(prod["status"], "partial");
    assert!(
        prod["errors"]
            .to_string()
            .contains(raw::permission_for(raw::ELIGIBILITY_INSTANCES)),
        "{}",
        prod["errors"]
    );
    assert_eq!(scope(TENANT)["status"], "complete");
    let names: Vec<(String, String)> = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                name_of(&r, p["identity"].as_str().unwrap()).to_string(),
                p["entitlement"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // The other collections of prod, and the tenant, are still reported.
    assert!(
        names.contains(&("billing-sync".into(), "Owner".into())),
        "{names:?}"
    );
    assert!(names.contains(&("tenant-automation".into(), "Global Administrator".into())));
    // What only the eligibility list shows is missing, and the scan says it is incomplete.
    assert!(
        !names.contains(&("deploy-eligible".into(), "Contributor".into())),
        "{names:?}"
    );
}
