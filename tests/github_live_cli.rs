//! `jitgap collect` and `jitgap scan` against the fake GitHub
//! (`tests/support/fake_github.rs`) with `--github-api-url`: as a GitHub App, `collect`
//! writes the estate (without `token_last_eight`) and a manifest, one progress line for the
//! organization, and a live scan agrees with `scan --from` of what it wrote; with a token the fine-grained token list is missing, named, and the run
//! exits 3 (scan too); `--github-app-id` without its key and an `http://` URL off this
//! machine are usage errors (exit 2); without credentials the error says what to set; no
//! token, JWT or installation token reaches an output, a report or a snapshot.

mod support;

use jitgap::scan::github::raw;
use serde_json::Value;
use std::path::Path;
use support::cli::{files, jitgap, json_file};
use support::fake_github::{APP_ID, FakeGithub, Fault, ORG, estate_dir, without_token_parts};

const TOKEN: &str = "ghp_cliTestTokenSECRET0123456789abcdefXY";
const AS_OF: &str = "2026-09-01T12:00:00Z";

/// jitgap in `work` with no GitHub token from the environment.
fn bare(work: &Path) -> assert_cmd::Command {
    let mut cmd = jitgap(work);
    cmd.env_remove("GITHUB_TOKEN").env_remove("GH_TOKEN");
    cmd
}

/// (exit code, stdout, stderr).
fn output(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// jitgap reading the fake's `acme` with `GITHUB_TOKEN`.
fn with_token(fake: &FakeGithub, work: &Path, args: &[&str]) -> (i32, String, String) {
    output(bare(work).env("GITHUB_TOKEN", TOKEN).args(args).args([
        "--github-org",
        ORG,
        "--github-api-url",
        &fake.url,
    ]))
}

/// jitgap reading the fake's `acme` as its GitHub App (the key written to `work`).
fn as_app(fake: &FakeGithub, work: &Path, args: &[&str]) -> (i32, String, String) {
    let key = work.join("jitgap-reader.private-key.pem");
    std::fs::write(&key, fake.pkcs1_pem()).unwrap();
    output(
        bare(work)
            .args(args)
            .args(["--github-org", ORG, "--github-api-url", &fake.url])
            .args(["--github-app-id", &APP_ID.to_string()])
            .arg("--github-app-key")
            .arg(&key),
    )
}

/// The files of `root` relative to it.
fn rel(root: &Path) -> Vec<String> {
    files(root)
        .iter()
        .map(|p| p.strip_prefix(root).unwrap().display().to_string())
        .collect()
}

/// The documents under `snap/github/acme` are the estate's, except `skip`, without
/// `token_last_eight`.
fn assert_snapshot(snap: &Path, skip: &[&str]) {
    let (want, got) = (
        estate_dir().join("github").join(ORG),
        snap.join("github").join(ORG),
    );
    let expected: Vec<String> = rel(&want)
        .into_iter()
        .filter(|n| !skip.contains(&n.as_str()))
        .collect();
    assert_eq!(rel(&got), expected);
    for name in &expected {
        let text = std::fs::read_to_string(got.join(name)).unwrap();
        assert!(!text.contains("token_last_eight"), "{name}");
        assert_eq!(
            json_file(&got.join(name)),
            without_token_parts(name, json_file(&want.join(name))),
            "{name}"
        );
    }
}

#[test]
fn collect_as_an_app_writes_the_estate_and_a_manifest() {
    let fake = FakeGithub::start(TOKEN);
    let work = tempfile::tempdir().unwrap();
    let (code, _, stderr) = as_app(
        &fake,
        work.path(),
        &["collect", "--out", "snap", "--progress", "always"],
    );
    assert_eq!(code, 0, "{stderr}");
    let snap = work.path().join("snap");
    assert_snapshot(&snap, &[]);
    let manifest = json_file(&snap.join("manifest.json"));
    assert!(manifest["collected_at"].as_str().is_some(), "{manifest}");
    assert_eq!(manifest["jitgap_version"], env!("CARGO_PKG_VERSION"));
    assert!(stderr.contains("wrote 9 document(s)"), "{stderr}");
    assert!(
        stderr.contains("  github acme done (9 document(s))"),
        "{stderr}"
    );
}

/// What a report decided, without the evidence (its sources name API calls live and files
/// from a snapshot): identities, paths with their verdicts and rules, findings, coverage and
/// the scopes' states.
fn verdicts(r: &Value) -> Vec<String> {
    let list = |k: &str| r[k].as_array().cloned().unwrap_or_default();
    let mut out: Vec<String> = list("identities")
        .iter()
        .map(|i| format!("identity {} {} {}", i["id"], i["name"], i["kind"]))
        .chain(list("access_paths").iter().map(|p| {
            format!(
                "path {} {} {} {} {} {} {} [{} {} {}]",
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
        }))
        .chain(list("findings").iter().map(|f| {
            format!(
                "finding {} {} {} {}",
                f["id"], f["rule_id"], f["identity"], f["message"]
            )
        }))
        .chain(list("scopes").iter().map(|s| {
            format!(
                "scope {} {} {} {}",
                s["scope"], s["status"], s["errors"], s["notes"]
            )
        }))
        .collect();
    out.push(r["coverage"].to_string());
    out.sort();
    out
}

#[test]
fn a_live_scan_as_an_app_agrees_with_a_scan_of_what_collect_wrote() {
    let fake = FakeGithub::start(TOKEN);
    let work = tempfile::tempdir().unwrap();
    let report = [
        "scan", "--as-of", AS_OF, "--format", "json", "--out", "live",
    ];
    let (code, _, stderr) = as_app(&fake, work.path(), &report);
    assert_eq!(code, 0, "{stderr}");
    let live = json_file(&work.path().join("live/jitgap-report.json"));
    let (code, _, stderr) = as_app(&fake, work.path(), &["collect", "--out", "snap"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = output(bare(work.path()).args([
        "scan", "--from", "snap", "--as-of", AS_OF, "--format", "json", "--out", "again",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let again = json_file(&work.path().join("again/jitgap-report.json"));
    assert!(
        live["access_paths"].as_array().unwrap().len() > 5,
        "{}",
        live["access_paths"]
    );
    let scope = live["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["boundary"] == "github")
        .unwrap()
        .clone();
    assert_eq!(scope["status"], "complete", "{scope}");
    let (a, b) = (verdicts(&live), verdicts(&again));
    let only = |x: &[String], y: &[String]| -> Vec<String> {
        x.iter().filter(|v| !y.contains(v)).cloned().collect()
    };
    assert_eq!(
        (only(&a, &b), only(&b, &a)),
        (Vec::new(), Vec::new()),
        "(only live, only from the snapshot)"
    );
}

#[test]
fn with_a_token_the_fine_grained_tokens_are_missing_named_and_the_run_exits_3() {
    let fake = FakeGithub::start(TOKEN);
    let work = tempfile::tempdir().unwrap();
    // GH_TOKEN, as the gh CLI sets it, when GITHUB_TOKEN is not set.
    let (code, _, stderr) = output(
        bare(work.path())
            .env("GH_TOKEN", TOKEN)
            .args(["collect", "--out", "snap"])
            .args(["--github-org", ORG, "--github-api-url", &fake.url]),
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("github: org acme: personal-access-tokens.json: fine-grained personal access tokens are listed to GitHub Apps only: scan with --github-app-id and --github-app-key"),
        "{stderr}"
    );
    assert_snapshot(&work.path().join("snap"), &[raw::PATS]);
    // A live scan of the same organization is incomplete too, the reason in its report.
    let (code, _, stderr) = with_token(
        &fake,
        work.path(),
        &["scan", "--format", "json", "--out", "report"],
    );
    assert_eq!(code, 3, "{stderr}");
    let report = json_file(&work.path().join("report/jitgap-report.json"));
    let scope = report["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["boundary"] == "github" && s["scope"] == ORG)
        .unwrap_or_else(|| panic!("no github scope: {}", report["scopes"]))
        .clone();
    assert_ne!(scope["status"], "complete", "{scope}");
    assert!(
        scope["errors"]
            .to_string()
            .contains("listed to GitHub Apps only"),
        "{scope}"
    );
}

#[test]
fn an_app_id_without_its_key_and_clear_text_off_this_machine_are_usage_errors() {
    let work = tempfile::tempdir().unwrap();
    let (code, _, stderr) = output(
        bare(work.path())
            .args(["collect", "--out", "snap", "--github-org", ORG])
            .args(["--github-app-id", "424242"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--github-app-key"), "{stderr}");
    let (code, _, stderr) = output(
        bare(work.path())
            .env("GITHUB_TOKEN", TOKEN)
            .args(["collect", "--out", "snap", "--github-org", ORG])
            .args(["--github-api-url", "http://ghe.example.com/api/v3"]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("a token is only sent over https"),
        "{stderr}"
    );
    assert!(!work.path().join("snap").exists());
}

#[test]
fn without_credentials_the_error_says_what_to_set() {
    let fake = FakeGithub::start(TOKEN);
    let work = tempfile::tempdir().unwrap();
    let (code, _, stderr) = output(bare(work.path()).args(["collect", "--out", "snap"]).args([
        "--github-org",
        ORG,
        "--github-api-url",
        &fake.url,
    ]));
    assert_eq!(code, 3, "{stderr}");
    for part in [
        "org acme: no GitHub credentials",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "--github-app-id",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    assert!(
        fake.calls().is_empty(),
        "nothing is sent without a credential"
    );
}

#[test]
fn no_token_jwt_or_installation_token_appears_in_any_output_report_or_snapshot() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault("/orgs/acme/members", Fault::EchoToken)
        .fault("/repos/acme/api/keys", Fault::EchoToken)
        .fault("/orgs/acme/credential-authorizations", Fault::Malformed);
    let work = tempfile::tempdir().unwrap();
    let mut texts: Vec<(String, String)> = Vec::new();
    let scan = ["scan", "--format", "json,markdown,sarif", "--out", "report"];
    for (name, (code, stdout, stderr)) in [
        ("token scan", with_token(&fake, work.path(), &scan)),
        (
            "token collect",
            with_token(&fake, work.path(), &["collect", "--out", "snap"]),
        ),
        (
            "app collect",
            as_app(&fake, work.path(), &["collect", "--out", "snap-app"]),
        ),
    ] {
        assert_eq!(code, 3, "{name}: {stderr}");
        texts.push((format!("{name} stdout"), stdout));
        texts.push((format!("{name} stderr"), stderr));
    }
    assert!(
        texts[3]
            .1
            .contains("Resource not accessible with Bearer [REDACTED]"),
        "the echo came back: {}",
        texts[3].1
    );
    for f in files(work.path()) {
        if f.extension().is_some_and(|e| e == "pem") {
            continue;
        }
        texts.push((
            f.display().to_string(),
            std::fs::read_to_string(&f).unwrap(),
        ));
    }
    assert!(texts.len() > 15, "{} outputs", texts.len());
    let mut secrets = vec![TOKEN.to_string()];
    secrets.extend(fake.issued());
    secrets.extend(fake.jwts());
    assert!(secrets.len() >= 3, "{secrets:?}");
    for (what, text) in &texts {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "a credential is in {what}");
        }
        for line in fake.key.body_lines() {
            assert!(!text.contains(&line), "the App's key is in {what}");
        }
        assert!(!text.contains("token_last_eight"), "{what}");
    }
}
