//! GitHub audit-log grants reconciled through the command line against the estate snapshot
//! `tests/fixtures/github/estate` (collected 2026-09-01), whose identities the GitHub scanner
//! names: a revoked fine-grained token and a deleted deploy key still listed are zombies, an
//! uninstalled App the estate shows suspended (no live path) and a key created and deleted
//! that the estate never listed are verified revocations.

use super::fixture;
use crate::support::cli::{copy_dir, jitgap, repo};
use serde_json::Value;
use std::path::Path;

const PAT: &str = "github:acme/personal-access-tokens/25381";
const LEGACY_KEY: &str = "github:acme/old-site/keys/3";
const OLD_NOTIFIER: &str = "github:acme/installations/25381003";

fn audit_log() -> String {
    format!(
        "github-audit:{}",
        fixture("github-audit/audit-log.json").display()
    )
}

/// `jitgap scan --from ESTATE --ledger github-audit:… --format json` (plus `extra`): exit
/// code, report and standard error.
fn scan(estate: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = jitgap(&repo())
        .args(["scan", "--from"])
        .arg(estate)
        .args(["--ledger", &audit_log(), "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}), exit {code}: {stderr}"));
    (code, report, stderr)
}

fn findings<'a>(r: &'a Value, rule: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

fn by_identity<'a>(found: &[&'a Value], identity: &str) -> &'a Value {
    let hits: Vec<&&Value> = found.iter().filter(|f| f["identity"] == identity).collect();
    assert_eq!(hits.len(), 1, "{identity} in {found:#?}");
    hits[0]
}

/// `source pointer` of each evidence item.
fn evidence(f: &Value) -> Vec<String> {
    f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["source"].as_str().unwrap(),
                e["pointer"].as_str().unwrap()
            )
        })
        .collect()
}

fn estate() -> std::path::PathBuf {
    repo().join("tests/fixtures/github/estate")
}

#[test]
fn github_audit_revoked_token_and_deleted_key_still_listed_are_zombies() {
    let (code, r, _) = scan(&estate(), &[]);
    assert_eq!(code, 0, "findings alone never change the exit code");
    let ledger = &r["ledger"];
    assert_eq!(
        (
            ledger["grants"].as_u64(),
            ledger["ended"].as_u64(),
            ledger["zombies"].as_u64(),
            ledger["revocations_verified"].as_u64()
        ),
        (Some(4), Some(4), Some(2), Some(2)),
        "{ledger:#}"
    );

    let zombies = findings(&r, "LED002");
    assert_eq!(zombies.len(), 2, "{zombies:#?}");
    let pat = by_identity(&zombies, PAT);
    assert_eq!(pat["revocation"], "not-effective");
    assert_eq!(pat["scope"], "acme");
    let m = pat["message"].as_str().unwrap();
    assert!(
        m.contains("grant Ab1cD2eF3gH4iJ5kL6mN7o revoked 2026-08-30T09:15:00Z"),
        "{m}"
    );
    let ev = evidence(pat);
    assert!(
        ev[0].ends_with("github-audit/audit-log.json /1")
            && ev[1].ends_with("github-audit/audit-log.json /0"),
        "the granting then the revoking event: {ev:?}"
    );
    assert!(
        ev.iter()
            .any(|e| e.ends_with("github/acme/personal-access-tokens.json /0")),
        "the token as still listed: {ev:?}"
    );
    assert!(
        pat["evidence"][0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("joined on owner login and token name"),
        "{:#}",
        pat["evidence"][0]
    );

    let key = by_identity(&zombies, LEGACY_KEY);
    assert_eq!(key["revocation"], "not-effective");
    assert!(
        key["message"]
            .as_str()
            .unwrap()
            .contains("revoked 2026-08-20T14:00:00Z"),
        "{key:#}"
    );
    let ev = evidence(key);
    assert!(
        ev[0].ends_with("github-audit/audit-log.json /2")
            && ev
                .iter()
                .any(|e| e.contains("github/acme/deploy-keys.json /acme~1old-site/0")),
        "{ev:?}"
    );

    let verified = findings(&r, "LED005");
    assert_eq!(verified.len(), 2, "{verified:#?}");
    let app = by_identity(&verified, OLD_NOTIFIER);
    assert_eq!(app["revocation"], "effective");
    assert!(
        app["message"]
            .as_str()
            .unwrap()
            .contains("old-notifier no longer holds it"),
        "suspended in the estate: no live path ({app:#})"
    );
    let gone = by_identity(&verified, "temp-deploy (acme/api)");
    assert!(
        gone["message"]
            .as_str()
            .unwrap()
            .contains("the identity temp-deploy (acme/api) no longer exists"),
        "{gone:#}"
    );

    // The gate fails on the zombies (and on the estate's own GH010: a credential used after
    // its SSO authorization expired).
    let (code, _, stderr) = scan(&estate(), &["--fail-on", "not-effective"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("3 finding(s)")
            && stderr.contains("LED002 release-bot (build-bot)")
            && stderr.contains("LED002 legacy-deploy (acme/old-site)"),
        "{stderr}"
    );
}

#[test]
fn github_audit_revocations_are_verified_once_the_estate_lost_the_credentials() {
    let t = tempfile::tempdir().unwrap();
    let copy = t.path().join("estate");
    copy_dir(&estate(), &copy);
    let org = copy.join("github/acme");
    // The token's org access and the key are gone.
    let pats = org.join("personal-access-tokens.json");
    let mut list: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&pats).unwrap()).unwrap();
    list.retain(|p| p["token_name"] != "release-bot");
    std::fs::write(&pats, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    let keys = org.join("deploy-keys.json");
    let mut by_repo: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(&keys).unwrap()).unwrap();
    by_repo.insert("acme/old-site".into(), Value::Array(vec![]));
    std::fs::write(&keys, serde_json::to_string_pretty(&by_repo).unwrap()).unwrap();

    let (code, r, stderr) = scan(&copy, &["--fail-on", "not-effective"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("1 finding(s), e.g. GH010") && !stderr.contains("LED002"),
        "only the estate's own GH010 is left: {stderr}"
    );
    assert!(findings(&r, "LED002").is_empty(), "{:#}", r["findings"]);
    assert_eq!(r["ledger"]["zombies"], 0);
    assert_eq!(r["ledger"]["revocations_verified"], 4);
    let verified = findings(&r, "LED005");
    for identity in ["release-bot (build-bot)", "legacy-deploy (acme/old-site)"] {
        let f = by_identity(&verified, identity);
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains(&format!("the identity {identity} no longer exists")),
            "{f:#}"
        );
    }
}
