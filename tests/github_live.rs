//! The live GitHub collector against the fake GitHub (`tests/support/fake_github.rs`, the
//! estate in `tests/fixtures/github/estate/`) through the library: only GETs and the App's
//! token POST, each an allowed operation, with GitHub's headers; pages (two items each)
//! followed through `Link` and merged into the estate's documents; a next page on another
//! host refused; rate limits waited out within `[limits]` or named; faults (403, 404, 5xx, a
//! malformed body) kept to their own document; the fine-grained token list read as an App
//! only; the SAML SSO 404 as a note; and no token, JWT or installation token in any scope.
//! `github_live_cli.rs` goes through the binary.

mod support;

use jitgap::net::NetLimits;
use jitgap::scan::github::collect::{self, AppAuth, Credentials, GithubOptions};
use jitgap::scan::github::raw;
use jitgap::scan::scanner::Live;
use jitgap::scan::{RawScope, Registry};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::fake_github::{
    APP_ID, Auth, Call, FakeGithub, Fault, ORG, PAT_REFUSED, estate_dir, estate_doc,
    without_token_parts,
};
use support::gcp_key::jwt_parts;
use support::pipeline::doc;

const TOKEN: &str = "ghp_testTokenSECRET0123456789abcdefXYZ";
const KEYS: &str = "/repos/acme/infra/keys";
const REPOS: &str = "/orgs/acme/repos";

fn quick() -> Live {
    Live {
        net: NetLimits {
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            ..NetLimits::default()
        },
    }
}

fn options(fake: &FakeGithub, app: Option<AppAuth>) -> GithubOptions {
    GithubOptions {
        orgs: vec![ORG.into()],
        app,
        api_url: fake.url.clone(),
    }
}

/// Collects the organization as `jitgap collect` does, with `creds`.
async fn run_with(fake: &FakeGithub, app: Option<AppAuth>, creds: Credentials) -> RawScope {
    let targets = collect::targets(options(fake, app));
    assert_eq!(targets.len(), 1);
    collect::collect_with(&targets[0], &quick(), creds).await
}

async fn run(fake: &FakeGithub) -> RawScope {
    run_with(fake, None, Credentials::token(TOKEN)).await
}

/// The App's key written as GitHub hands it out (PKCS#1), in `dir`.
fn app_key(fake: &FakeGithub, dir: &Path) -> AppAuth {
    let key = dir.join("jitgap-reader.private-key.pem");
    std::fs::write(&key, fake.pkcs1_pem()).unwrap();
    AppAuth {
        app_id: APP_ID,
        key,
    }
}

async fn run_as_app(fake: &FakeGithub, app: AppAuth) -> RawScope {
    run_with(fake, Some(app.clone()), Credentials::App(app)).await
}

/// The documents of `raw` are the estate's, except `skip`: the same files, equal as JSON.
fn assert_estate(raw: &RawScope, skip: &[&str]) {
    for name in raw::DOCUMENTS.iter().filter(|n| !skip.contains(n)) {
        let got = raw.document(name).map(|_| doc(raw, name));
        assert_eq!(got, estate_doc(name), "{name}");
    }
}

fn calls_to(fake: &FakeGithub, path: &str) -> Vec<Call> {
    fake.calls()
        .into_iter()
        .filter(|c| c.path() == path)
        .collect()
}

#[tokio::test]
async fn only_allowed_gets_and_the_token_post_are_sent_with_github_s_headers() {
    let fake = FakeGithub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    run(&fake).await;
    let with_token = fake.calls().len();
    run_as_app(&fake, app_key(&fake, dir.path())).await;
    let calls = fake.calls();
    assert!(
        with_token > 15 && calls.len() > with_token + 15,
        "{} calls",
        calls.len()
    );
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in calls.iter().enumerate() {
        let op = raw::operation_of(&c.method, &c.target)
            .unwrap_or_else(|| panic!("not allowed: {} {}", c.method, c.target));
        seen.insert(op);
        let r = &c.request;
        match c.method.as_str() {
            "GET" => assert!(r.body.is_empty(), "{} has a body", c.target),
            "POST" => assert_eq!(op, "POST /app/installations/{id}/access_tokens"),
            other => panic!("{other} {}", c.target),
        }
        assert_eq!(
            r.header("accept"),
            Some("application/vnd.github+json"),
            "{}",
            c.target
        );
        assert_eq!(
            r.header("x-github-api-version"),
            Some(raw::API_VERSION),
            "{}",
            c.target
        );
        let agent = r.header("user-agent").unwrap_or_default();
        assert_eq!(
            agent,
            format!("jitgap/{}", env!("CARGO_PKG_VERSION")),
            "{}",
            c.target
        );
        let expected = if i < with_token {
            Auth::Token
        } else if op.ends_with("/installation") || op.starts_with("POST") {
            Auth::Jwt
        } else {
            Auth::Installation
        };
        assert_eq!(c.auth, expected, "{} {}", c.method, c.target);
    }
    let unused: Vec<_> = raw::ALLOWED_OPERATIONS
        .iter()
        .filter(|op| !seen.contains(*op))
        .collect();
    assert!(unused.is_empty(), "never sent: {unused:?}");
}

#[tokio::test]
async fn a_token_collects_the_estate_but_the_fine_grained_tokens_and_says_why() {
    let fake = FakeGithub::start(TOKEN);
    let raw = run(&fake).await;
    assert_eq!(raw.scope, ORG);
    assert_estate(&raw, &[raw::PATS]);
    assert!(raw.document(raw::PATS).is_none());
    assert_eq!(
        raw.errors,
        [
            "org acme: personal-access-tokens.json: fine-grained personal access tokens are listed to GitHub Apps only: scan with --github-app-id and --github-app-key"
        ]
    );
    assert!(
        calls_to(&fake, "/orgs/acme/personal-access-tokens").is_empty(),
        "not asked with a token"
    );
    // Asked anyway, the fake refuses it as GitHub does.
    let refused = reqwest::Client::new()
        .get(format!("{}/orgs/acme/personal-access-tokens", fake.url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(refused.text().await.unwrap().contains(PAT_REFUSED));
    assert_eq!(
        raw.document(raw::DEPLOY_KEYS).unwrap().source,
        "github:GET /repos/{owner}/{repo}/keys"
    );
    assert_eq!(
        raw.document(raw::REPOS).unwrap().source,
        "github:GET /orgs/acme/repos"
    );
}

#[tokio::test]
async fn an_app_reads_everything_with_an_installation_token_from_a_signed_jwt() {
    let fake = FakeGithub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let raw = run_as_app(&fake, app_key(&fake, dir.path())).await;
    assert!(raw.errors.is_empty(), "{:?}", raw.errors);
    assert_estate(&raw, &[]);
    let pats = calls_to(&fake, "/orgs/acme/personal-access-tokens");
    assert!(
        pats.len() == 2 && pats.iter().all(|c| c.auth == Auth::Installation),
        "{pats:?}"
    );
    assert_eq!(calls_to(&fake, "/orgs/acme/installation").len(), 1);
    assert_eq!(
        fake.issued().len(),
        1,
        "one installation token per organization"
    );
    let jwts = fake.jwts();
    assert_eq!(jwts.len(), 2, "the installation lookup and the token POST");
    let (header, claims) = jwt_parts(&jwts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], APP_ID.to_string());
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 600, "backdated a minute, nine minutes ahead");
}

#[tokio::test]
async fn a_pkcs8_key_works_too_and_a_bad_key_file_is_named_before_anything_is_sent() {
    let fake = FakeGithub::start(TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let pkcs8 = dir.path().join("pkcs8.pem");
    std::fs::write(&pkcs8, &fake.key.pem).unwrap();
    let raw = run_as_app(
        &fake,
        AppAuth {
            app_id: APP_ID,
            key: pkcs8,
        },
    )
    .await;
    assert!(raw.errors.is_empty(), "{:?}", raw.errors);
    let sent = fake.calls().len();
    let bad = dir.path().join("not-a-key.pem");
    std::fs::write(
        &bad,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let raw = run_as_app(
        &fake,
        AppAuth {
            app_id: APP_ID,
            key: bad.clone(),
        },
    )
    .await;
    assert!(raw.documents.is_empty());
    let e = &raw.errors[0];
    assert!(
        e.contains(&format!(
            "--github-app-key {}: is not a PEM private key",
            bad.display()
        )),
        "{e}"
    );
    let missing = dir.path().join("missing.pem");
    let raw = run_as_app(
        &fake,
        AppAuth {
            app_id: APP_ID,
            key: missing.clone(),
        },
    )
    .await;
    assert!(
        raw.errors[0].contains(&format!("{}: cannot read it", missing.display())),
        "{:?}",
        raw.errors
    );
    assert_eq!(fake.calls().len(), sent, "nothing sent without a key");
}

#[tokio::test]
async fn an_app_not_installed_on_the_organization_says_so() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault("/orgs/acme/installation", Fault::NotFound);
    let dir = tempfile::tempdir().unwrap();
    let raw = run_as_app(&fake, app_key(&fake, dir.path())).await;
    assert!(raw.documents.is_empty());
    assert!(
        raw.errors[0].contains(&format!(
            "GitHub App {APP_ID} is not installed on organization acme"
        )),
        "{:?}",
        raw.errors
    );
    // The key of another App does not verify: GitHub refuses the JWT.
    let other = support::gcp_key::TestKey::generate();
    let key = dir.path().join("other.pem");
    std::fs::write(&key, &other.pem).unwrap();
    let fresh = FakeGithub::start(TOKEN);
    let raw = run_as_app(
        &fresh,
        AppAuth {
            app_id: APP_ID,
            key,
        },
    )
    .await;
    assert!(
        raw.errors[0].contains("GitHub refused the JWT"),
        "{:?}",
        raw.errors
    );
}

#[tokio::test]
async fn lists_follow_link_next_two_by_two_and_are_merged() {
    let fake = FakeGithub::start(TOKEN);
    let raw = run(&fake).await;
    let repos = calls_to(&fake, REPOS);
    assert_eq!(repos.len(), 2, "four repositories, two a page");
    assert!(
        repos[0].target.contains("type=all") && repos[0].target.contains("per_page=100"),
        "{}",
        repos[0].target
    );
    assert!(repos[1].target.ends_with("page=2"), "{}", repos[1].target);
    assert_eq!(doc(&raw, raw::REPOS).as_array().unwrap().len(), 4);
    // Wrapped lists are merged under their key, the first page's other fields kept.
    assert_eq!(calls_to(&fake, "/orgs/acme/installations").len(), 2);
    let installations = doc(&raw, raw::INSTALLATIONS);
    assert_eq!(installations["installations"].as_array().unwrap().len(), 4);
    assert_eq!(installations["total_count"], 4);
    let members = calls_to(&fake, "/orgs/acme/members");
    assert!(
        members[0].target.contains("role=admin"),
        "{}",
        members[0].target
    );
}

#[tokio::test]
async fn a_next_page_on_another_host_is_refused_not_followed() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault(REPOS, Fault::ForeignNext);
    let raw = run(&fake).await;
    assert_eq!(
        calls_to(&fake, REPOS).len(),
        1,
        "page 2 was never asked for"
    );
    assert!(raw.document(raw::REPOS).is_none());
    assert!(
        raw.document(raw::DEPLOY_KEYS).is_none(),
        "no repositories, no keys"
    );
    let e = raw
        .errors
        .iter()
        .find(|e| e.contains("repos.json"))
        .expect("a repos error");
    assert!(
        e.contains("http://localhost:") && e.contains("not followed"),
        "{e}"
    );
    assert_estate(
        &raw,
        &[raw::REPOS, raw::DEPLOY_KEYS, raw::OIDC_SUB, raw::PATS],
    );
}

#[tokio::test]
async fn a_secondary_rate_limit_is_waited_out() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault(
        KEYS,
        Fault::Secondary {
            retry_after: Some("0"),
            times: 1,
        },
    )
    .fault(
        "/orgs/acme/installations",
        Fault::Secondary {
            retry_after: None,
            times: 2,
        },
    )
    .fault("/orgs/acme", Fault::ServerError(2));
    let raw = run(&fake).await;
    assert_estate(&raw, &[raw::PATS]);
    assert_eq!(
        raw.errors.len(),
        1,
        "only the fine-grained tokens: {:?}",
        raw.errors
    );
    assert_eq!(calls_to(&fake, KEYS).len(), 2, "asked again once");
    assert_eq!(
        calls_to(&fake, "/orgs/acme/installations").len(),
        4,
        "twice more, then two pages"
    );
    assert_eq!(calls_to(&fake, "/orgs/acme").len(), 3, "502 retried");
}

#[tokio::test]
async fn a_secondary_limit_asking_for_longer_than_max_backoff_is_named() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault(
        KEYS,
        Fault::Secondary {
            retry_after: Some("120"),
            times: 5,
        },
    );
    let raw = run(&fake).await;
    let e = raw
        .errors
        .iter()
        .find(|e| e.contains("deploy-keys.json"))
        .expect("a keys error");
    assert!(
        e.contains("secondary rate limit asks to wait 2m (retry-after)")
            && e.contains("max_backoff (5ms)"),
        "{e}"
    );
    assert_eq!(
        calls_to(&fake, KEYS).len(),
        1,
        "not retried sooner than asked"
    );
    assert!(raw.document(raw::DEPLOY_KEYS).is_none());
    assert!(raw.document(raw::ADMINS).is_some(), "the rest is read");
}

#[tokio::test]
async fn a_primary_limit_resetting_far_away_is_an_error_naming_the_reset_not_a_pass() {
    let fake = FakeGithub::start(TOKEN);
    let reset_at = chrono::Utc::now().timestamp() + 3600;
    fake.fault(
        REPOS,
        Fault::Primary {
            reset_at,
            times: 100,
        },
    );
    let raw = run(&fake).await;
    assert_eq!(raw.errors.len(), 1, "{:?}", raw.errors);
    let e = &raw.errors[0];
    let at = jitgap::time::fmt_utc(chrono::DateTime::from_timestamp(reset_at, 0).unwrap());
    for part in [
        "repos.json not collected",
        &format!("spent until {at} (x-ratelimit-reset)"),
        "max_backoff (5ms)",
        "nothing more is read from acme",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    assert_eq!(calls_to(&fake, REPOS).len(), 1, "not retried");
    assert_eq!(
        fake.calls().len(),
        2,
        "the organization, then nothing after the limit"
    );
    assert_eq!(raw.documents.len(), 1);
}

#[tokio::test]
async fn a_primary_limit_that_resets_now_is_waited_out() {
    let fake = FakeGithub::start(TOKEN);
    let reset_at = chrono::Utc::now().timestamp() - 1;
    fake.fault(REPOS, Fault::Primary { reset_at, times: 1 });
    let raw = run(&fake).await;
    assert_estate(&raw, &[raw::PATS]);
    assert_eq!(calls_to(&fake, REPOS).len(), 3, "once more, then two pages");
}

#[tokio::test]
async fn a_403_on_one_repository_s_keys_names_the_permission_and_the_rest_is_read() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault(KEYS, Fault::Forbidden);
    let raw = run(&fake).await;
    let errors: Vec<&String> = raw
        .errors
        .iter()
        .filter(|e| !e.contains(raw::PATS))
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", raw.errors);
    let e = errors[0];
    for part in [
        "org acme: deploy-keys.json not collected",
        &format!(
            "{}{KEYS}?per_page=100 answered 403 Forbidden: Must have admin rights to Repository.",
            fake.url
        ),
        raw::permission_for(raw::DEPLOY_KEYS),
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    assert_eq!(calls_to(&fake, KEYS).len(), 1, "a 403 is not retried");
    assert!(raw.document(raw::DEPLOY_KEYS).is_none());
    assert_estate(&raw, &[raw::DEPLOY_KEYS, raw::PATS]);
}

#[tokio::test]
async fn no_saml_sso_is_a_note_not_an_error() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault("/orgs/acme/credential-authorizations", Fault::NotFound);
    let dir = tempfile::tempdir().unwrap();
    let raw = run_as_app(&fake, app_key(&fake, dir.path())).await;
    assert!(raw.errors.is_empty(), "{:?}", raw.errors);
    assert!(raw.document(raw::CREDENTIAL_AUTHORIZATIONS).is_none());
    let notes = doc(&raw, raw::NOTES);
    let note = notes[raw::CREDENTIAL_AUTHORIZATIONS].as_str().unwrap();
    assert!(
        note.contains("answered 404") && note.contains("does not use SAML single sign-on"),
        "{note}"
    );
    assert_eq!(notes.as_object().unwrap().len(), 1);
    assert_estate(&raw, &[raw::CREDENTIAL_AUTHORIZATIONS, raw::NOTES]);
}

#[tokio::test]
async fn an_organization_without_an_oidc_template_is_null_and_a_refused_one_is_an_error() {
    let fake = FakeGithub::start(TOKEN);
    let raw = run(&fake).await;
    assert_eq!(
        doc(&raw, raw::OIDC_SUB)["org"],
        Value::Null,
        "the estate's org has none: 404"
    );
    let fake = FakeGithub::start(TOKEN);
    fake.fault(
        "/orgs/acme/actions/oidc/customization/sub",
        Fault::Forbidden,
    );
    let raw = run(&fake).await;
    assert!(raw.document(raw::OIDC_SUB).is_none());
    assert!(
        raw.errors
            .iter()
            .any(|e| e.contains("oidc-sub.json not collected")
                && e.contains(raw::permission_for(raw::OIDC_SUB))),
        "{:?}",
        raw.errors
    );
}

#[tokio::test]
async fn a_malformed_body_names_the_url_and_the_position() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault("/orgs/acme/members", Fault::Malformed);
    let raw = run(&fake).await;
    let e = raw
        .errors
        .iter()
        .find(|e| e.contains("admins.json"))
        .expect("an admins error");
    assert!(
        e.contains(&format!(
            "{}/orgs/acme/members?role=admin&per_page=100: line 3 column",
            fake.url
        )),
        "{e}"
    );
    assert!(e.contains("not JSON"), "{e}");
    assert!(raw.document(raw::ADMINS).is_none());
    assert_estate(&raw, &[raw::ADMINS, raw::PATS]);
}

#[tokio::test]
async fn the_organization_unreadable_fails_the_scope() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault("/orgs/acme", Fault::NotFound);
    let raw = run(&fake).await;
    assert!(raw.documents.is_empty());
    assert_eq!(raw.errors.len(), 1, "{:?}", raw.errors);
    assert!(
        raw.errors[0].contains("org.json not collected") && raw.errors[0].contains("404"),
        "{}",
        raw.errors[0]
    );
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test]
async fn a_refused_token_stops_at_the_first_call_and_says_what_to_set() {
    let fake = FakeGithub::start(TOKEN);
    let raw = run_with(
        &fake,
        None,
        Credentials::token("ghp_wrongTokenEXPIRED0123456789abcd"),
    )
    .await;
    assert!(raw.documents.is_empty());
    assert_eq!(raw.errors.len(), 1, "{:?}", raw.errors);
    for part in ["401", "Bad credentials", "GITHUB_TOKEN", "--github-app-id"] {
        assert!(raw.errors[0].contains(part), "{part}: {}", raw.errors[0]);
    }
    assert!(!raw.errors[0].contains("wrongTokenEXPIRED"));
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test]
async fn without_credentials_the_scope_fails_naming_the_variables() {
    let fake = FakeGithub::start(TOKEN);
    let raw = run_with(&fake, None, Credentials::from_lookup(None, |_| None)).await;
    assert!(raw.documents.is_empty());
    for part in [
        "no GitHub credentials",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "--github-app-id",
    ] {
        assert!(raw.errors[0].contains(part), "{part}: {}", raw.errors[0]);
    }
    assert!(fake.calls().is_empty());
}

#[tokio::test]
async fn a_ghes_base_path_works() {
    let fake = FakeGithub::serve(&estate_dir(), TOKEN, "/api/v3");
    assert!(fake.url.ends_with("/api/v3"));
    let dir = tempfile::tempdir().unwrap();
    let raw = run_as_app(&fake, app_key(&fake, dir.path())).await;
    assert!(raw.errors.is_empty(), "{:?}", raw.errors);
    assert_estate(&raw, &[]);
    assert!(
        fake.http
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/api/v3/"))
    );
}

#[tokio::test]
async fn a_snapshot_of_the_collection_holds_no_token_last_eight() {
    let fake = FakeGithub::start(TOKEN);
    let raw = run(&fake).await;
    assert!(
        raw.document(raw::CREDENTIAL_AUTHORIZATIONS)
            .unwrap()
            .text
            .contains("token_last_eight")
    );
    let github = Registry::builtin()
        .find_name("github")
        .expect("the GitHub scanner");
    let written = github.snapshot_documents(&raw);
    assert_eq!(written.len(), raw.documents.len());
    for (name, text) in &written {
        assert!(!text.contains("token_last_eight"), "{name}");
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            Some(v),
            estate_doc(name).map(|e| without_token_parts(name, e)),
            "{name}"
        );
    }
}

#[tokio::test]
async fn no_token_jwt_or_installation_token_is_in_a_scope_even_on_errors() {
    let fake = FakeGithub::start(TOKEN);
    fake.fault("/orgs/acme/members", Fault::EchoToken)
        .fault(KEYS, Fault::EchoToken)
        .fault("/orgs/acme/credential-authorizations", Fault::Malformed)
        .fault("/orgs/acme/installations", Fault::ServerError(10));
    let with_token = run(&fake).await;
    let dir = tempfile::tempdir().unwrap();
    let as_app = run_as_app(&fake, app_key(&fake, dir.path())).await;
    let all = format!("{with_token:?}{as_app:?}");
    assert!(
        all.contains("Resource not accessible with Bearer [REDACTED]"),
        "the echo came back: {all}"
    );
    assert!(
        with_token.errors.len() >= 4 && as_app.errors.len() >= 3,
        "{all}"
    );
    let mut secrets = vec![TOKEN.to_string()];
    secrets.extend(fake.issued());
    secrets.extend(fake.jwts());
    assert!(secrets.len() >= 4);
    for s in &secrets {
        assert!(!all.contains(s.as_str()), "a secret is in a scope");
        let signature = s.rsplit('.').next().unwrap();
        assert!(!all.contains(signature));
    }
    for line in fake.key.body_lines() {
        assert!(!all.contains(&line), "the key is in a scope");
    }
}
