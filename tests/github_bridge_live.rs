//! The Actions OIDC bridge read live on both sides in one run: a real moto server holding an
//! Actions OIDC provider and two roles (`repo:acme/*` with write, `repo:acme/api:environment:prod`
//! with AdministratorAccess), read through the real aws-sdk-iam client, and the fake GitHub API
//! serving org `acme` (three active repositories and an archived one), read through the real
//! GitHub client as its App.

mod support;

use serde_json::Value;
use support::fake_github::{APP_ID, FakeGithub, ORG};
use support::moto::Moto;

const TOKEN: &str = "ghp_bridgeTestTokenSECRET0123456789abcdef";
const ACCOUNT: &str = "123456789012";

fn scan(moto: &Moto, fake: &FakeGithub) -> (i32, Value, String) {
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("jitgap-reader.private-key.pem");
    std::fs::write(&key, fake.pkcs1_pem()).unwrap();
    let out = support::cli::jitgap(work.path())
        .args(["scan", "--aws-endpoint-url", &moto.endpoint])
        .args(["--github-org", ORG, "--github-api-url", &fake.url])
        .args(["--github-app-id", &APP_ID.to_string()])
        .arg("--github-app-key")
        .arg(&key)
        .args(["--format", "json", "--progress", "never"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr:\n{stderr}\nmoto log:\n{}",
            moto.log()
        )
    });
    (out.status.code().unwrap_or(-1), v, stderr)
}

#[test]
fn the_report_shows_which_repositories_can_assume_the_moto_roles() {
    let moto = Moto::start();
    moto.seed("github-oidc");
    let fake = FakeGithub::start(TOKEN);
    let (code, r, stderr) = scan(&moto, &fake);
    assert_eq!(code, 0, "{stderr}");
    for s in r["scopes"].as_array().unwrap() {
        assert_eq!(s["status"], "complete", "{s:#}");
    }
    let role = |name: &str| format!("arn:aws:iam::{ACCOUNT}:role/{name}");
    let mut bridged: Vec<(String, String, String, String)> = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["boundary"] == "github" && p["identity"].as_str().unwrap().ends_with("/actions")
        })
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            (
                s("identity"),
                s("entitlement"),
                s("privilege"),
                s("enforcement"),
            )
        })
        .collect();
    bridged.sort();
    let row = |repo: &str, r: &str, privilege: &str| {
        (
            format!("github:acme/{repo}/actions"),
            format!("OIDC trust of aws {}", role(r)),
            privilege.to_string(),
            "standing".to_string(),
        )
    };
    // `repo:acme/*`: the three repositories that run workflows (old-site is archived), with the
    // role's write; `repo:acme/api:environment:prod`: acme/api alone, with admin.
    let mut expect = vec![
        row("api", "gha-api-prod", "admin"),
        row("api", "gha-org-wide", "write"),
        row("infra", "gha-org-wide", "write"),
        row("web", "gha-org-wide", "write"),
    ];
    expect.sort();
    assert_eq!(bridged, expect);
    let gh008: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "GH008")
        .collect();
    assert_eq!(gh008.len(), 1, "{gh008:#?}");
    assert_eq!(gh008[0]["identity"], role("gha-org-wide").as_str());
    let m = gh008[0]["message"].as_str().unwrap();
    assert!(
        m.contains("every repository of acme") && m.contains("acme/api, acme/web, acme/infra"),
        "{m}"
    );
    // Neither side's secrets reach the report.
    let text = r.to_string();
    assert!(!text.contains(TOKEN) && !text.contains("testing"));
    for t in fake.issued() {
        assert!(!text.contains(&t));
    }
}
