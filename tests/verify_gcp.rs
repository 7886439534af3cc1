//! `gcp-service-account-key` probes through the library: the real probe code (the JWT signed
//! with aws-lc-rs, reqwest, the shared client) against a fake Google token endpoint on
//! 127.0.0.1 answering in the OAuth 2.0 shapes, with a throwaway RSA key generated for the
//! run; the key, the assertion and the token are searched for in every output.

mod support;

use jitgap::model::Revocation;
use jitgap::revocation::{
    ProbeInput, ProbeKind, ProbeOptions, ProbeResult, Secret, exit_code, read_inputs, render,
    verify,
};
use serde_json::json;
use support::fake_http::{FakeHttp, Recorded};
use support::gcp_key::{EMAIL, KEY_ID, TestKey, form, jwt_parts, key_name};

const TOKEN: &str = "ya29.c.fake-access-token-Hq2Lm9Rt4Vw6Zb8Nc";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn key_line(secret: &str) -> ProbeInput {
    ProbeInput::new(
        ProbeKind::GcpServiceAccountKey,
        key_name(EMAIL, KEY_ID),
        Secret::new(secret),
    )
    .unwrap()
}

fn run(inputs: Vec<ProbeInput>, token_url: &str) -> Vec<ProbeResult> {
    let opts = ProbeOptions {
        gcp_token_url: token_url.to_string(),
        ..ProbeOptions::default()
    };
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(verify(inputs, &opts))
}

fn verdicts(results: &[ProbeResult]) -> Vec<Revocation> {
    results.iter().map(|r| r.verdict).collect()
}

fn oauth_error(error: &str, description: &str) -> String {
    json!({"error": error, "error_description": description}).to_string()
}

fn token_answer() -> String {
    json!({"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"}).to_string()
}

/// The assertion of a recorded token request.
fn assertion(r: &Recorded) -> String {
    let fields = form(&r.body);
    fields
        .iter()
        .find(|(k, _)| k == "assertion")
        .map(|(_, v)| v.clone())
        .expect("an assertion field")
}

/// Every output a user could see: ids, reasons, both renderings.
fn outputs(results: &[ProbeResult]) -> String {
    let lines: String = results
        .iter()
        .map(|r| format!("{} {}\n", r.id, r.reason))
        .collect();
    lines + &render(results, "table") + &render(results, "json")
}

/// No line of the private key, no assertion sent, no token is in `text`.
fn assert_nothing_secret(text: &str, key: &TestKey, requests: &[Recorded]) {
    let mut needles: Vec<String> = key.body_lines();
    for r in requests {
        let jwt = assertion(r);
        needles.push(jwt.rsplit_once('.').unwrap().1.to_string());
        needles.push(jwt);
    }
    needles.push(TOKEN.to_string());
    needles.push("fake-access-token".to_string());
    for n in &needles {
        assert!(!text.contains(n.as_str()), "{n} reached an output:\n{text}");
    }
}

#[test]
fn a_deleted_key_is_effective_and_the_request_is_one_signed_jwt_grant() {
    let fake = FakeHttp::start();
    let own = FakeHttp::start();
    fake.on(
        "POST",
        "/token",
        400,
        oauth_error("invalid_grant", "Invalid JWT Signature."),
    );
    let key = TestKey::generate();
    let token_url = format!("{}/token", fake.url);
    // The file names its own token endpoint: it must not be used.
    let text = key.json(EMAIL, KEY_ID, &format!("{}/token", own.url));
    let before = chrono::Utc::now().timestamp();
    let results = run(vec![key_line(&text)], &token_url);
    let after = chrono::Utc::now().timestamp();

    assert_eq!(verdicts(&results), [Revocation::Effective], "{results:#?}");
    let r = &results[0];
    assert_eq!(r.kind, ProbeKind::GcpServiceAccountKey);
    assert_eq!(
        r.id,
        key_name(EMAIL, KEY_ID),
        "the key's name is shown as is"
    );
    assert!(
        r.reason.contains("Invalid JWT Signature.")
            && r.reason.contains(&key_name(EMAIL, KEY_ID))
            && r.reason.contains(&token_url),
        "{r:?}"
    );
    assert_eq!(exit_code(&results), 0);

    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert!(
        own.requests().is_empty(),
        "the key file's token_uri was called"
    );
    let req = &requests[0];
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/token"));
    assert_eq!(
        req.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let fields = form(&req.body);
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["grant_type", "assertion"]);
    assert_eq!(fields[0].1, GRANT_TYPE);

    let jwt = assertion(req);
    assert!(
        key.verifies(&jwt),
        "the signature verifies with the public key"
    );
    let (head, body) = jwt.rsplit_once('.').unwrap();
    let forged = format!("{}x.{body}", &head[..head.len() - 1]);
    assert!(!key.verifies(&forged), "a changed JWT does not verify");
    assert!(
        !TestKey::generate().verifies(&jwt),
        "another key's public key does not verify it"
    );
    let (header, claims) = jwt_parts(&jwt);
    assert_eq!(header, json!({"alg": "RS256", "typ": "JWT", "kid": KEY_ID}));
    assert_eq!(claims["iss"], EMAIL);
    assert_eq!(claims["sub"], EMAIL);
    assert_eq!(
        claims["scope"],
        "https://www.googleapis.com/auth/cloud-platform"
    );
    assert_eq!(claims["aud"], token_url.as_str());
    let iat = claims["iat"].as_i64().unwrap();
    assert!(before <= iat && iat <= after, "iat {iat} is now");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 3600));
    assert_eq!(claims.as_object().unwrap().len(), 6, "{claims}");

    assert_nothing_secret(&outputs(&results), &key, &requests);
}

#[test]
fn a_key_in_a_file_is_read_from_the_path_in_the_variable() {
    let fake = FakeHttp::start();
    fake.on("POST", "/live", 200, token_answer());
    fake.on(
        "POST",
        "/gone",
        400,
        oauth_error("invalid_grant", "Invalid grant: account not found"),
    );
    let key = TestKey::generate();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deployer-2f9c1e0d.json");
    std::fs::write(
        &path,
        key.json(EMAIL, KEY_ID, "https://oauth2.googleapis.com/token"),
    )
    .unwrap();
    let shown = path.display().to_string();

    let live = key_line(&format!("{shown}\n"));
    let debug = format!("{live:?}");
    let results = run(vec![live], &format!("{}/live", fake.url));
    assert_eq!(
        verdicts(&results),
        [Revocation::NotEffective],
        "{results:#?}"
    );
    assert!(
        results[0].reason.contains("still works") && results[0].reason.contains("discarded unread"),
        "{results:#?}"
    );
    assert_eq!(exit_code(&results), 1);
    let mut text = outputs(&results) + &debug;

    // The service account is gone: effective, by email as `id`.
    let by_email = ProbeInput::new(
        ProbeKind::GcpServiceAccountKey,
        EMAIL,
        Secret::new(shown.clone()),
    )
    .unwrap();
    let gone = run(vec![by_email], &format!("{}/gone", fake.url));
    assert_eq!(verdicts(&gone), [Revocation::Effective], "{gone:#?}");
    assert!(gone[0].reason.contains("account not found"), "{gone:#?}");
    text += &outputs(&gone);

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| key.verifies(&assertion(r))));
    assert_nothing_secret(&text, &key, &requests);
}

#[test]
fn other_answers_are_inconclusive() {
    let fake = FakeHttp::start();
    let answers = [
        (
            "/client",
            401,
            oauth_error("invalid_client", "The OAuth client was not found."),
        ),
        ("/forbidden", 403, oauth_error("access_denied", "Forbidden")),
        (
            "/down",
            500,
            oauth_error("internal_failure", "Backend Error"),
        ),
        (
            "/clock",
            400,
            oauth_error(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
            ),
        ),
        ("/html", 400, "<html>proxy says no</html>".to_string()),
    ];
    let key = TestKey::generate();
    let text = key.json(EMAIL, KEY_ID, "https://oauth2.googleapis.com/token");
    let mut all = Vec::new();
    for (path, status, body) in &answers {
        fake.on("POST", path, *status, body.clone());
        let results = run(vec![key_line(&text)], &format!("{}{path}", fake.url));
        assert_eq!(
            verdicts(&results),
            [Revocation::Inconclusive],
            "{path}: {results:#?}"
        );
        all.extend(results);
    }
    assert!(all[0].reason.contains("HTTP 401") && all[0].reason.contains("invalid_client"));
    assert!(all[1].reason.contains("HTTP 403"), "{:?}", all[1]);
    assert!(all[2].reason.contains("HTTP 500") && all[2].reason.contains("try again later"));
    assert!(all[3].reason.contains("clock"), "{:?}", all[3]);
    assert!(all[4].reason.contains("not an OAuth error"), "{:?}", all[4]);
    assert_eq!(exit_code(&all), 3);
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        5,
        "no retry, whatever the answer: {requests:#?}"
    );

    let unreachable = run(vec![key_line(&text)], "http://127.0.0.1:9/token");
    assert_eq!(verdicts(&unreachable), [Revocation::Inconclusive]);
    assert!(
        unreachable[0]
            .reason
            .contains("could not reach the token endpoint http://127.0.0.1:9/token"),
        "{unreachable:#?}"
    );
    all.extend(unreachable);
    assert_nothing_secret(&outputs(&all), &key, &requests);
}

#[test]
fn a_key_that_cannot_sign_is_inconclusive_and_sends_nothing() {
    let fake = FakeHttp::start();
    fake.on("POST", "/token", 200, token_answer());
    let key = TestKey::generate();
    let good = key.json(EMAIL, KEY_ID, "https://oauth2.googleapis.com/token");
    let value: serde_json::Value = serde_json::from_str(&good).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        f(&mut v);
        v.to_string()
    };
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .unwrap()
        .serialize_pem();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-key.json").display().to_string();
    let cases: Vec<(String, &str)> = vec![
        (good[..good.len() / 2].to_string(), "is not JSON"),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("private_key");
            }),
            "has no `private_key`",
        ),
        (
            with(&|v| v["type"] = json!("external_account")),
            "type `external_account`",
        ),
        (
            with(&|v| v["private_key"] = json!(ec.clone())),
            "is not an RSA key",
        ),
        (
            with(&|v| {
                v["private_key"] = json!(key.body_lines().join("\n"));
            }),
            "not a PEM private key",
        ),
        (
            with(&|v| v["private_key_id"] = json!("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678")),
            "not the key `id` names",
        ),
        (missing.clone(), "cannot read the key file"),
    ];
    let mut text = String::new();
    for (secret, why) in &cases {
        let results = run(vec![key_line(secret)], &format!("{}/token", fake.url));
        assert_eq!(
            verdicts(&results),
            [Revocation::Inconclusive],
            "{why}: {results:#?}"
        );
        assert!(
            results[0].reason.contains(why) && results[0].reason.contains("nothing was sent"),
            "{why}: {results:#?}"
        );
        text += &outputs(&results);
    }
    assert!(
        text.contains(&missing),
        "the missing file is named:\n{text}"
    );
    assert!(fake.requests().is_empty(), "{:#?}", fake.requests());
    assert_nothing_secret(&text, &key, &[]);
    assert!(!text.contains("END PRIVATE KEY"), "{text}");
}

#[test]
fn input_errors_name_the_line_and_never_the_key() {
    let key = TestKey::generate();
    let secret = key.json(EMAIL, KEY_ID, "https://oauth2.googleapis.com/token");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creds.jsonl");
    let good =
        json!({"kind": "gcp-service-account-key", "id": key_name(EMAIL, KEY_ID), "secret": secret})
            .to_string();
    let case = |bad: serde_json::Value| {
        std::fs::write(&path, format!("{good}\n{bad}\n")).unwrap();
        let err = read_inputs(&path).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}:2: ", path.display())), "{err}");
        for line in key.body_lines() {
            assert!(!err.contains(&line), "{err}");
        }
        err
    };
    let err = case(json!({"kind": "gcp-service-account-key", "id": KEY_ID, "secret": secret}));
    assert!(
        err.contains("not a Google Cloud service-account key") && err.contains("keys/KEY_ID"),
        "{err}"
    );
    let err = case(
        json!({"kind": "gcp-service-account-key", "tenant": "contoso.onmicrosoft.com",
                          "id": EMAIL, "secret": secret}),
    );
    assert!(
        err.contains("`tenant` is only for azure-client-secret"),
        "{err}"
    );
    std::fs::write(&path, format!("{good}\n")).unwrap();
    let inputs = read_inputs(&path).unwrap();
    assert_eq!(inputs[0].kind, ProbeKind::GcpServiceAccountKey);
    assert!(!format!("{inputs:?}").contains(&key.body_lines()[1]));
}
