//! The GitHub scanner's verdicts on the fake organization (tests/fixtures/github/estate: org
//! `acme` in the documented REST shapes), read as a snapshot through the real program; the
//! Actions OIDC bridge into an AWS account read in the same run; and what it does with
//! incomplete or bad snapshots.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{copy_dir, jitgap, repo, scan_report};

fn estate() -> PathBuf {
    repo().join("tests/fixtures/github/estate")
}

fn acme(dir: &Path) -> PathBuf {
    dir.join("github/acme")
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

/// (identity name, entitlement, target, privilege, enforcement, credential lifetime).
fn paths(r: &Value) -> Vec<[String; 6]> {
    let mut out: Vec<[String; 6]> = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["boundary"] == "github")
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            [
                name_of(r, p["identity"].as_str().unwrap()),
                s("entitlement"),
                s("target"),
                s("privilege"),
                s("enforcement"),
                s("credential_lifetime"),
            ]
        })
        .collect();
    out.sort();
    out
}

/// The identity names of a rule's findings, sorted.
fn flagged(r: &Value, rule: &str) -> Vec<String> {
    let mut v: Vec<String> = findings(r, rule)
        .iter()
        .map(|f| name_of(r, f["identity"].as_str().unwrap()))
        .collect();
    v.sort();
    v
}

fn findings<'a>(r: &'a Value, rule: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

fn identity<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no identity {name}"))
}

/// `jitgap ARGS --format json --out TMP` in `dir`: the exit code and the report.
fn run(dir: &Path, args: &[&std::ffi::OsStr]) -> (i32, Value, String) {
    let out = tempfile::tempdir().unwrap();
    let o = jitgap(dir)
        .args(args)
        .args(["--format", "json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(o.status.code().is_some(), "{o:?}");
    let text = std::fs::read_to_string(out.path().join("jitgap-report.json"))
        .unwrap_or_else(|e| panic!("no report ({e}): {}", String::from_utf8_lossy(&o.stderr)));
    (
        o.status.code().unwrap(),
        serde_json::from_str(&text).unwrap(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn row(v: [&str; 6]) -> [String; 6] {
    v.map(str::to_string)
}

#[test]
fn every_credential_gets_the_documented_verdicts() {
    let (code, r, stderr) = scan_report(&estate());
    assert_eq!(code, 0, "{stderr}");
    let mut expect = vec![
        // A deploy key that can push never expires.
        row([
            "prod-deployer (acme/api)",
            "deploy key (read-write)",
            "repo acme/api",
            "write",
            "standing",
            "long-lived",
        ]),
        row([
            "backup-reader (acme/api)",
            "deploy key (read-only)",
            "repo acme/api",
            "read",
            "standing",
            "long-lived",
        ]),
        // A write key on an archived repository can only read while it stays archived.
        row([
            "legacy-deploy (acme/old-site)",
            "deploy key (read-write)",
            "repo acme/old-site",
            "read",
            "standing",
            "long-lived",
        ]),
        // Installations: standing grants used with hour-long tokens.
        row([
            "release-bot",
            "installation permissions",
            "org acme (selected repositories)",
            "write",
            "standing",
            "ephemeral",
        ]),
        row([
            "acme-admin-automation",
            "installation permissions",
            "org acme (all repositories)",
            "admin",
            "standing",
            "ephemeral",
        ]),
        row([
            "lint-cloud",
            "installation permissions",
            "org acme (all repositories)",
            "write",
            "standing",
            "ephemeral",
        ]),
        // Fine-grained tokens: by their expiry.
        row([
            "release-bot (build-bot)",
            "token permissions",
            "org acme (selected repositories)",
            "write",
            "standing",
            "long-lived",
        ]),
        row([
            "hotfix-deploy (deploy-bot)",
            "token permissions",
            "org acme (selected repositories)",
            "write",
            "jit",
            "ephemeral",
        ]),
        row([
            "yearly-sync (sync-bot)",
            "token permissions",
            "org acme (all repositories)",
            "read",
            "time-bound",
            "long-lived",
        ]),
        // SSO-authorized classic tokens by their scopes; an SSH key by its owner's access (unread).
        row([
            "nightly release (build-bot)",
            "SSO authorization",
            "org acme",
            "write",
            "standing",
            "long-lived",
        ]),
        row([
            "org automation (octo-ops)",
            "SSO authorization",
            "org acme",
            "admin",
            "time-bound",
            "long-lived",
        ]),
        row([
            "deploy laptop (deploy-bot)",
            "SSO authorization",
            "org acme",
            "unknown",
            "standing",
            "long-lived",
        ]),
    ];
    expect.sort();
    assert_eq!(paths(&r), expect);
    // Present, but no live path: a key disabled by policy, a suspended App, an expired token,
    // an expired SSO authorization.
    for (name, note) in [
        ("ci-old (acme/infra)", "disabled by an organization policy"),
        ("old-notifier", "suspended 2026-05-01T10:00:00Z"),
        ("old-admin-token (build-bot)", "the token has expired"),
        (
            "temporary ci (old-ci)",
            "the SSO authorization expired 2026-08-01T10:00:00Z",
        ),
    ] {
        let i = identity(&r, name);
        assert!(
            i["attributes"]["note"].as_str().unwrap().contains(note),
            "{name}: {i:#}"
        );
    }
    // Names as a person knows them; the API's ids kept.
    let key = identity(&r, "prod-deployer (acme/api)");
    assert_eq!(key["id"], "github:acme/api/keys/1");
    assert_eq!(key["attributes"]["id"], "1");
    assert_eq!(key["attributes"]["added_by"], "octo-admin (an org owner)");
    assert!(
        key["attributes"]["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("SHA256:")
    );
    let app = identity(&r, "lint-cloud");
    assert_eq!(app["attributes"]["app_owner"], "lintcorp");
    let sso = identity(&r, "nightly release (build-bot)");
    assert_eq!(
        sso["id"],
        "github:acme/credential-authorizations/build-bot/161195"
    );
    assert_eq!(sso["kind"], "github-classic-pat");
    // Every path says the rule and the reason behind each verdict.
    for p in r["access_paths"].as_array().unwrap() {
        for v in ["privilege", "enforcement", "credential_lifetime"] {
            assert!(
                p["basis"][v]["rule"]
                    .as_str()
                    .unwrap()
                    .starts_with("github."),
                "{p:#}"
            );
            assert!(!p["basis"][v]["reason"].as_str().unwrap().is_empty());
        }
        assert!(!p["evidence"].as_array().unwrap().is_empty());
    }
    let scope = &r["scopes"][0];
    assert_eq!(
        (scope["boundary"].as_str(), scope["status"].as_str()),
        (Some("github"), Some("complete"))
    );
    // A token's last eight characters are part of it: never in a report.
    let text = r.to_string();
    for last8 in ["71c3fc11", "9a8b7c6d", "00ff00ff"] {
        assert!(!text.contains(last8), "{last8} leaked");
    }
}

#[test]
fn the_checks_name_the_credentials() {
    let (_, r, _) = scan_report(&estate());
    assert_eq!(flagged(&r, "GH001"), ["prod-deployer (acme/api)"]);
    assert_eq!(
        flagged(&r, "GH002"),
        ["backup-reader (acme/api)", "legacy-deploy (acme/old-site)"]
    );
    assert_eq!(flagged(&r, "GH003"), ["org automation (octo-ops)"]);
    assert_eq!(
        flagged(&r, "GH004"),
        ["nightly release (build-bot)", "release-bot (build-bot)"]
    );
    assert_eq!(flagged(&r, "GH005"), ["yearly-sync (sync-bot)"]);
    assert_eq!(flagged(&r, "GH006"), ["acme-admin-automation"]);
    // Third-party and writing: lint-cloud. old-notifier is third-party too, but suspended.
    assert_eq!(flagged(&r, "GH007"), ["lint-cloud"]);
    let gh005 = findings(&r, "GH005")[0]["message"].as_str().unwrap();
    assert!(
        gh005.contains("374d") && gh005.contains("max_pat_lifetime 366d"),
        "{gh005}"
    );
    // Used after its SSO authorization expired: the end did not take.
    let gh010 = findings(&r, "GH010");
    assert_eq!(gh010.len(), 1, "{gh010:#?}");
    assert_eq!(gh010[0]["revocation"], "not-effective");
    assert!(
        gh010[0]["message"]
            .as_str()
            .unwrap()
            .contains("reached acme at 2026-08-20T10:00:00Z"),
        "{:#}",
        gh010[0]
    );
}

#[test]
fn max_pat_lifetime_comes_from_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    let config = dir.path().join("jitgap.toml");
    std::fs::write(&config, "[policy]\nmax_pat_lifetime = \"90d\"\n").unwrap();
    let (code, r, stderr) = run(
        dir.path(),
        &[
            "scan".as_ref(),
            "--from".as_ref(),
            dir.path().as_os_str(),
            "--config".as_ref(),
            config.as_os_str(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["policy"]["max_pat_lifetime"], "90d");
    // org automation: 183 days now exceeds the limit too.
    assert_eq!(
        flagged(&r, "GH005"),
        ["org automation (octo-ops)", "yearly-sync (sync-bot)"]
    );
}

/// The estate and an AWS account whose roles trust Actions tokens, in one snapshot.
fn with_aws() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    copy_dir(&repo().join("tests/fixtures/github/bridge"), dir.path());
    dir
}

const ACCOUNT: &str = "444455556666";

#[test]
fn the_oidc_bridge_says_which_repositories_can_assume_which_role() {
    let dir = with_aws();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 0, "{stderr}");
    let bridged: Vec<[String; 6]> = paths(&r)
        .into_iter()
        .filter(|p| p[0].ends_with(" workflows"))
        .map(|mut p| {
            p[1] = p[1].replace(&format!("arn:aws:iam::{ACCOUNT}:role/"), "");
            p
        })
        .collect();
    let t = |role: &str| format!("aws {role} ({ACCOUNT})");
    let mut expect = Vec::new();
    for repo in ["acme/api", "acme/infra", "acme/web"] {
        // `repo:acme/*` (StringLike): every repository, with the role's write.
        expect.push([
            format!("{repo} workflows"),
            "OIDC trust of aws org-wide-deploy".into(),
            t("org-wide-deploy"),
            "write".into(),
            "standing".into(),
            "ephemeral".into(),
        ]);
        // `repo:acm*`: a look-alike pattern reaches them too (and others' repositories).
        expect.push([
            format!("{repo} workflows"),
            "OIDC trust of aws look-alike".into(),
            t("look-alike"),
            "write".into(),
            "standing".into(),
            "ephemeral".into(),
        ]);
    }
    // Exact subjects: one repository each; iam:CreateRole and iam:PassRole make api-prod admin.
    expect.push([
        "acme/api workflows".into(),
        "OIDC trust of aws api-prod".into(),
        t("api-prod"),
        "admin".into(),
        "standing".into(),
        "ephemeral".into(),
    ]);
    expect.push([
        "acme/web workflows".into(),
        "OIDC trust of aws web-previews".into(),
        t("web-previews"),
        "read".into(),
        "standing".into(),
        "ephemeral".into(),
    ]);
    // acme/infra uses a custom subject template (repo, context, job_workflow_ref): the trust
    // written for it matches; the one written in the default form can never match.
    expect.push([
        "acme/infra workflows".into(),
        "OIDC trust of aws infra-plan".into(),
        t("infra-plan"),
        "read".into(),
        "standing".into(),
        "ephemeral".into(),
    ]);
    expect.sort();
    assert_eq!(bridged, expect);
    // Roles of other organizations' repositories reach none of acme's.
    let text: String = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["boundary"] == "github")
        .map(|p| p.to_string())
        .collect();
    assert!(!text.contains("other-org") && !text.contains("infra-default-form"));
    // The path carries the cloud side's reasons and evidence.
    let api = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["identity"] == "github:acme/api/actions"
                && p["entitlement"].as_str().unwrap().ends_with("api-prod")
        })
        .unwrap();
    let why = api["basis"]["privilege"]["reason"].as_str().unwrap();
    assert!(why.contains("(environments) can assume api-prod"), "{why}");
    let sources: Vec<&str> = api["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s.ends_with("authorization-details.json")),
        "{sources:?}"
    );
    assert!(
        sources.iter().any(|s| s.ends_with("repos.json")),
        "{sources:?}"
    );
    // Findings: every repository (and outside the org), and pull requests.
    let role = |f: &&Value| {
        f["identity"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string()
    };
    let mut gh008: Vec<String> = findings(&r, "GH008").iter().map(role).collect();
    gh008.sort();
    assert_eq!(gh008, ["look-alike", "org-wide-deploy"]);
    let look = findings(&r, "GH008")
        .into_iter()
        .find(|f| role(f) == "look-alike")
        .unwrap();
    let m = look["message"].as_str().unwrap();
    assert!(
        m.contains("repositories outside acme") && m.contains("acme/api, acme/web, acme/infra"),
        "{m}"
    );
    let mut gh009: Vec<String> = findings(&r, "GH009").iter().map(role).collect();
    gh009.sort();
    assert_eq!(gh009, ["look-alike", "org-wide-deploy", "web-previews"]);
    // The AWS checks stay as they were.
    assert_eq!(findings(&r, "AWS006").len(), 4);
}

#[test]
fn without_github_the_aws_side_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/github/bridge"), dir.path());
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(findings(&r, "GH008").is_empty() && findings(&r, "GH009").is_empty());
    assert!(
        r["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["boundary"] == "aws")
    );
    assert_eq!(findings(&r, "AWS006").len(), 4);
}

#[test]
fn the_demo_bridges_github_into_aws_and_azure() {
    let (code, r, stderr) = run(&repo(), &["scan".as_ref(), "--demo".as_ref()]);
    assert_eq!(code, 0, "{stderr}");
    let targets: Vec<String> = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["identity"] == "github:acme/web/actions")
        .map(|p| p["target"].as_str().unwrap().to_string())
        .collect();
    assert!(
        targets.iter().any(|t| t.starts_with("aws gha-preview")),
        "{targets:?}"
    );
    assert!(
        targets.iter().any(|t| t.starts_with("azure gha-preview")),
        "{targets:?}"
    );
}

#[test]
fn an_uncollected_list_makes_the_org_partial_and_a_note_does_not() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    std::fs::remove_file(acme(dir.path()).join("personal-access-tokens.json")).unwrap();
    std::fs::remove_file(acme(dir.path()).join("credential-authorizations.json")).unwrap();
    std::fs::write(
        acme(dir.path()).join("notes.json"),
        r#"{"credential-authorizations.json": "the organization does not use SAML SSO (GitHub answered 404)"}"#,
    )
    .unwrap();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 3, "{stderr}");
    let scope = &r["scopes"][0];
    assert_eq!(scope["status"], "partial");
    let errors = scope["errors"].to_string();
    assert!(
        errors.contains("personal-access-tokens.json was not collected"),
        "{errors}"
    );
    assert!(!errors.contains("credential-authorizations"), "{errors}");
    assert!(
        scope["notes"][0]
            .as_str()
            .unwrap()
            .contains("does not use SAML SSO"),
        "{scope:#}"
    );
    // What was read is still reported.
    assert_eq!(flagged(&r, "GH001"), ["prod-deployer (acme/api)"]);
    // With the note alone the org is complete.
    copy_dir(&estate(), dir.path());
    std::fs::remove_file(acme(dir.path()).join("credential-authorizations.json")).unwrap();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["scopes"][0]["status"], "complete");
}

#[test]
fn bad_documents_name_the_file_and_the_place() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate(), dir.path());
    std::fs::write(acme(dir.path()).join("repos.json"), "[{\"name\": }").unwrap();
    let (code, r, stderr) = scan_report(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("repos.json: line 1 column"), "{stderr}");
    // The rest of the org is still read and reported; without the repository list nobody
    // knows old-site is archived, so its write key counts as one (fail closed).
    assert_eq!(
        flagged(&r, "GH001"),
        ["legacy-deploy (acme/old-site)", "prod-deployer (acme/api)"]
    );
    // A time that is not RFC 3339: file and JSON pointer.
    copy_dir(&estate(), dir.path());
    let pats = acme(dir.path()).join("personal-access-tokens.json");
    let text = std::fs::read_to_string(&pats).unwrap();
    let broken = text.replacen("\"2027-01-10T00:00:00Z\"", "\"next january\"", 1);
    assert_ne!(broken, text);
    std::fs::write(&pats, broken).unwrap();
    let (code, _, stderr) = scan_report(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("personal-access-tokens.json: /2/token_expires_at: `next january`"),
        "{stderr}"
    );
    // A deploy-key time, under its repository's key.
    copy_dir(&estate(), dir.path());
    let keys = acme(dir.path()).join("deploy-keys.json");
    let text = std::fs::read_to_string(&keys).unwrap();
    std::fs::write(
        &keys,
        text.replacen("\"2024-06-02T12:00:00Z\"", "\"June\"", 1),
    )
    .unwrap();
    let (code, _, stderr) = scan_report(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("deploy-keys.json: /acme~1api/0/created_at: `June`"),
        "{stderr}"
    );
    // A folder without org.json.
    copy_dir(&estate(), dir.path());
    std::fs::remove_file(acme(dir.path()).join("org.json")).unwrap();
    let (code, _, stderr) = scan_report(dir.path());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("org.json"), "{stderr}");
}

#[test]
fn a_later_as_of_ends_the_short_token() {
    let estate = estate();
    let (code, r, stderr) = run(
        &repo(),
        &[
            "scan".as_ref(),
            "--from".as_ref(),
            estate.as_os_str(),
            "--as-of".as_ref(),
            "2026-09-02T00:00:00Z".as_ref(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !paths(&r)
            .iter()
            .any(|p| p[0] == "hotfix-deploy (deploy-bot)")
    );
    let i = identity(&r, "hotfix-deploy (deploy-bot)");
    assert!(
        i["attributes"]["note"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}
