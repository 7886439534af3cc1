//! `github-token` probes through the library: the real probe code (reqwest, the shared client)
//! against a fake GitHub REST API on 127.0.0.1 answering in the documented shapes (api-shapes
//! §E: `{"message", "documentation_url"}` errors, `/user`, `/installation/repositories`); the
//! tokens are searched for in every output, including answers that echo them back.

mod support;

use jitgap::model::Revocation;
use jitgap::revocation::{
    ProbeInput, ProbeKind, ProbeOptions, ProbeResult, Secret, exit_code, read_inputs, render,
    verify,
};
use serde_json::json;
use support::fake_http::{Canned, FakeHttp, Recorded};

/// A personal token shape the redactor does not know: only the probe's own scrub hides it.
const PAT: &str = "tok-live-7Qp2Lm9Rt4Vw6Zb8Nc3Xy";
/// An App installation token (`ghs_`).
const INSTALLATION: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

fn line(id: &str, token: &str) -> ProbeInput {
    ProbeInput::new(ProbeKind::GithubToken, id, Secret::new(token)).unwrap()
}

fn run(inputs: Vec<ProbeInput>, api_url: &str) -> Vec<ProbeResult> {
    let opts = ProbeOptions {
        github_api_url: api_url.to_string(),
        ..ProbeOptions::default()
    };
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(verify(inputs, &opts))
}

fn verdicts(results: &[ProbeResult]) -> Vec<Revocation> {
    results.iter().map(|r| r.verdict).collect()
}

fn error(message: &str) -> String {
    json!({"message": message, "documentation_url": "https://docs.github.com/rest"}).to_string()
}

fn user(login: &str) -> String {
    json!({"login": login, "id": 9001, "node_id": "MDQ6VXNlcjkwMDE=", "type": "User", "site_admin": false})
        .to_string()
}

fn repositories(names: &[&str]) -> String {
    let repos: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"id": 1296269 + i, "name": n.rsplit('/').next(), "full_name": n, "private": true}))
        .collect();
    json!({"total_count": names.len(), "repository_selection": "selected", "repositories": repos})
        .to_string()
}

/// Every output a user could see: ids, reasons, both renderings.
fn outputs(results: &[ProbeResult]) -> String {
    let lines: String = results
        .iter()
        .map(|r| format!("{} {}\n", r.id, r.reason))
        .collect();
    lines + &render(results, "table") + &render(results, "json")
}

fn assert_no_token(text: &str) {
    for t in [
        PAT,
        INSTALLATION,
        "7Qp2Lm9Rt4Vw6Zb8Nc3Xy",
        "16C7e42F292c6912E",
    ] {
        assert!(!text.contains(t), "{t} reached an output:\n{text}");
    }
}

fn paths(requests: &[Recorded]) -> Vec<&str> {
    requests.iter().map(|r| r.path.as_str()).collect()
}

#[test]
fn a_revoked_token_is_effective_and_the_request_is_one_get_of_user() {
    let fake = FakeHttp::start();
    fake.on("GET", "/user", 401, error("Bad credentials"));
    let results = run(vec![line("release-bot (build-bot)", PAT)], &fake.url);
    assert_eq!(verdicts(&results), [Revocation::Effective], "{results:#?}");
    let r = &results[0];
    assert_eq!(
        (r.kind, r.id.as_str()),
        (ProbeKind::GithubToken, "release-bot (build-bot)")
    );
    assert!(
        r.reason.contains(&format!("GET {}/user", fake.url))
            && r.reason.contains("HTTP 401 \"Bad credentials\""),
        "{r:?}"
    );
    assert_eq!(exit_code(&results), 0);

    let requests = fake.requests();
    assert_eq!(paths(&requests), ["/user"], "sent once, never retried");
    let req = &requests[0];
    assert_eq!(req.method, "GET");
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {PAT}").as_str())
    );
    assert_eq!(req.header("accept"), Some("application/vnd.github+json"));
    assert_eq!(req.header("x-github-api-version"), Some("2022-11-28"));
    assert!(
        req.header("user-agent")
            .is_some_and(|u| u.starts_with("jitgap/")),
        "{req:?}"
    );
    assert!(req.body.is_empty());
    assert_no_token(&outputs(&results));
}

#[test]
fn a_token_that_still_works_is_not_effective_with_the_organization_caveat() {
    let fake = FakeHttp::start();
    fake.on("GET", "/api/v3/user", 200, user("build-bot"));
    // GitHub Enterprise Server: the API under /api/v3, given with a trailing slash.
    let results = run(
        vec![line("release-bot (build-bot)", PAT)],
        &format!("{}/api/v3/", fake.url),
    );
    assert_eq!(
        verdicts(&results),
        [Revocation::NotEffective],
        "{results:#?}"
    );
    let reason = &results[0].reason;
    assert!(
        reason.contains("the token still works")
            && reason.contains("answered 200 as build-bot")
            && reason.contains("still reads public data")
            && reason.contains("check the organization's list"),
        "{reason}"
    );
    assert_eq!(exit_code(&results), 1);
    assert_eq!(paths(&fake.requests()), ["/api/v3/user"]);
    assert_no_token(&outputs(&results));
}

#[test]
fn installation_tokens_are_tried_on_the_installation_repositories() {
    let fake = FakeHttp::start();
    fake.on(
        "GET",
        "/installation/repositories",
        200,
        repositories(&["acme/api", "acme/web", "acme/infra", "acme/old-site"]),
    );
    // A ghs_ token, and a token whose id names an installation: straight to the installation.
    let results = run(
        vec![
            line("release-bot installation token", INSTALLATION),
            line("github:acme/installations/25381000", PAT),
        ],
        &fake.url,
    );
    assert_eq!(
        verdicts(&results),
        [Revocation::NotEffective, Revocation::NotEffective],
        "{results:#?}"
    );
    assert!(
        results[0]
            .reason
            .contains("it reaches 4 repositories (acme/api, acme/web, acme/infra, …)"),
        "{}",
        results[0].reason
    );
    assert_eq!(
        paths(&fake.requests()),
        ["/installation/repositories", "/installation/repositories"],
        "/user is never asked of an installation token"
    );

    // A token presented as a personal one that GitHub says belongs to an integration.
    let other = FakeHttp::start();
    other.on(
        "GET",
        "/user",
        403,
        error("Resource not accessible by integration"),
    );
    other.on(
        "GET",
        "/installation/repositories",
        401,
        error("Bad credentials"),
    );
    let results = run(vec![line("ci token", PAT)], &other.url);
    assert_eq!(verdicts(&results), [Revocation::Effective], "{results:#?}");
    assert!(
        results[0]
            .reason
            .contains(&format!("GET {}/installation/repositories", other.url)),
        "{}",
        results[0].reason
    );
    assert_eq!(
        paths(&other.requests()),
        ["/user", "/installation/repositories"]
    );
    assert_no_token(&outputs(&results));
}

#[test]
fn other_answers_are_inconclusive_and_name_the_status() {
    let fake = FakeHttp::start();
    // Answers that quote the token back must not carry it out.
    fake.on(
        "GET",
        "/e500/user",
        500,
        error(&format!("internal error for {PAT}")),
    );
    fake.on("GET", "/e503/user", 503, error("Service Unavailable"));
    fake.on(
        "GET",
        "/e403/user",
        403,
        error(&format!("Must have admin rights ({PAT})")),
    );
    fake.on(
        "GET",
        "/saml/user",
        403,
        error("Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization."),
    );
    fake.on_seq(
        "GET",
        "/limit/user",
        vec![
            Canned::new(403, error("API rate limit exceeded for user ID 9001."))
                .header("x-ratelimit-remaining", "0"),
        ],
    );
    fake.on(
        "GET",
        "/nf/installation/repositories",
        404,
        error("Not Found"),
    );
    fake.on("GET", "/auth/user", 401, error("Requires authentication"));
    let case = |prefix: &str, id: &str, token: &str| {
        let results = run(vec![line(id, token)], &format!("{}{prefix}", fake.url));
        assert_eq!(
            verdicts(&results),
            [Revocation::Inconclusive],
            "{prefix}: {results:#?}"
        );
        assert_eq!(exit_code(&results), 3);
        assert_no_token(&outputs(&results));
        results[0].reason.clone()
    };
    let r = case("/e500", "t", PAT);
    assert!(
        r.contains("HTTP 500") && r.contains("try again later"),
        "{r}"
    );
    assert!(
        r.contains("[REDACTED]"),
        "the echoed token is scrubbed: {r}"
    );
    let r = case("/e503", "t", PAT);
    assert!(r.contains("HTTP 503"), "{r}");
    let r = case("/e403", "t", PAT);
    assert!(
        r.contains("HTTP 403") && r.contains("says nothing certain"),
        "{r}"
    );
    let r = case("/saml", "t", PAT);
    assert!(r.contains("SAML SSO"), "{r}");
    let r = case("/limit", "t", PAT);
    assert!(r.contains("throttled"), "{r}");
    let r = case("/nf", "t", INSTALLATION);
    assert!(r.contains("HTTP 404"), "{r}");
    let r = case("/auth", "t", PAT);
    assert!(r.contains("HTTP 401 \"Requires authentication\""), "{r}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 7, "one call each, no retry: {requests:#?}");
}

#[test]
fn unreachable_and_cleartext_apis_are_inconclusive() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let results = run(vec![line("t", PAT)], &format!("http://127.0.0.1:{port}"));
    assert_eq!(verdicts(&results), [Revocation::Inconclusive]);
    assert!(results[0].reason.contains("no answer"), "{results:#?}");
    // Plain http to a host that is not loopback: refused before anything is sent.
    let results = run(vec![line("t", PAT)], "http://github.example.com/api/v3");
    assert_eq!(verdicts(&results), [Revocation::Inconclusive]);
    assert!(
        results[0].reason.contains("only sent over https")
            && results[0].reason.contains("nothing was sent"),
        "{results:#?}"
    );
    assert_no_token(&outputs(&results));
}

#[test]
fn input_lines_name_the_token_never_carry_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creds.jsonl");
    let good = json!({"kind": "github-token", "id": "release-bot (build-bot)", "secret": PAT});
    let case = |bad: serde_json::Value| {
        std::fs::write(&path, format!("{good}\n{bad}\n")).unwrap();
        let err = read_inputs(&path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}:2: ", path.display())), "{err}");
        assert_no_token(&err);
        err
    };
    let err = case(json!({"kind": "github-token", "id": INSTALLATION, "secret": PAT}));
    assert!(err.contains("looks like a GitHub token"), "{err}");
    let err = case(json!({"kind": "github-token", "id": "", "secret": PAT}));
    assert!(err.contains("`id` is empty"), "{err}");
    std::fs::write(&path, format!("{good}\n")).unwrap();
    let inputs = read_inputs(&path).unwrap();
    assert_eq!(inputs[0].kind, ProbeKind::GithubToken);
    assert_no_token(&format!("{inputs:?}"));
}
