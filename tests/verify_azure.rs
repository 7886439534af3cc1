//! `azure-client-secret` probes through the library: the real probe code (reqwest, the shared
//! client) against a fake Entra token endpoint on 127.0.0.1 answering in Entra's shapes,
//! with seeded secrets and tokens searched for in every output.

mod support;

use jitgap::model::Revocation;
use jitgap::revocation::{
    ProbeInput, ProbeKind, ProbeOptions, ProbeResult, Secret, exit_code, read_inputs, render,
    verify,
};
use support::fake_http::{FakeHttp, Recorded};

const TENANT: &str = "9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a";
const TOKEN_PATH: &str = "/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/oauth2/v2.0/token";
/// A secret with characters that form encoding changes (`~`, `+`, `/`, space, `=`).
const SECRET: &str = "Qx8~Fz.Lm2_Vb7+Rt4/Kc3 pW9=";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fake-token-Hq2Lm9Rt4Vw6";

const INVALID: &str = "11111111-1111-4111-8111-111111111111";
const EXPIRED: &str = "22222222-2222-4222-8222-222222222222";
const MISSING: &str = "33333333-3333-4333-8333-333333333333";
const LIVE: &str = "44444444-4444-4444-8444-444444444444";

/// An Entra error body, as the token endpoint sends it.
fn entra_error(error: &str, code: u64, description: &str) -> String {
    serde_json::json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {description} Trace ID: 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 \
             Correlation ID: 1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809 Timestamp: 2025-06-01 10:00:00Z"
        ),
        "error_codes": [code],
        "timestamp": "2025-06-01 10:00:00Z",
        "trace_id": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        "correlation_id": "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809",
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}")
    })
    .to_string()
}

fn token_answer() -> String {
    serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": TOKEN})
        .to_string()
}

fn azure(tenant: &str, client: &str, secret: &str) -> ProbeInput {
    ProbeInput::with_tenant(
        ProbeKind::AzureClientSecret,
        Some(tenant),
        client,
        Secret::new(secret),
    )
    .unwrap()
}

fn opts(authority: &str) -> ProbeOptions {
    ProbeOptions {
        azure_authority_url: authority.to_string(),
        ..ProbeOptions::default()
    }
}

fn run(inputs: Vec<ProbeInput>, authority: &str) -> Vec<ProbeResult> {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(verify(inputs, &opts(authority)))
}

fn verdicts(results: &[ProbeResult]) -> Vec<Revocation> {
    results.iter().map(|r| r.verdict).collect()
}

/// The form fields of a request body, decoded.
fn form(body: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    body.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Every output a user could see: reasons, ids, both renderings.
fn outputs(results: &[ProbeResult]) -> String {
    let reasons: String = results
        .iter()
        .map(|r| format!("{} {}\n", r.id, r.reason))
        .collect();
    reasons + &render(results, "table") + &render(results, "json")
}

#[test]
fn rejected_secrets_are_effective_and_each_is_one_form_post() {
    let fake = FakeHttp::start();
    let description = [
        (
            INVALID,
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        ),
        (
            EXPIRED,
            401,
            "invalid_client",
            7000222,
            "The provided client secret keys for app '22222222-2222-4222-8222-222222222222' are expired.",
        ),
        (
            MISSING,
            400,
            "unauthorized_client",
            700016,
            "Application with identifier '33333333-3333-4333-8333-333333333333' was not found in the directory 'Contoso'.",
        ),
    ];
    for (client, status, error, code, text) in description {
        fake.on_body(
            "POST",
            TOKEN_PATH,
            &format!("client_id={client}"),
            status,
            entra_error(error, code, text),
        );
    }
    let results = run(
        vec![
            azure(TENANT, INVALID, SECRET),
            azure(TENANT, EXPIRED, SECRET),
            azure(TENANT, MISSING, SECRET),
        ],
        &fake.url,
    );
    assert_eq!(
        verdicts(&results),
        [Revocation::Effective; 3],
        "{results:#?}"
    );
    for (r, code) in results.iter().zip(["7000215", "7000222", "700016"]) {
        assert!(r.reason.contains(&format!("AADSTS{code}")), "{r:?}");
        assert!(
            r.reason.contains(TENANT),
            "the reason names the tenant: {r:?}"
        );
        assert_eq!(r.kind, ProbeKind::AzureClientSecret);
    }
    assert_eq!(results[0].id, INVALID);
    assert_eq!(exit_code(&results), 0);

    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "one request a credential: {requests:#?}");
    let mut clients: Vec<String> = Vec::new();
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, TOKEN_PATH);
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let fields = form(&r.body);
        assert_eq!(field(&fields, "grant_type"), Some("client_credentials"));
        assert_eq!(
            field(&fields, "scope"),
            Some("https://graph.microsoft.com/.default")
        );
        assert_eq!(field(&fields, "client_secret"), Some(SECRET));
        assert_eq!(
            fields.iter().filter(|(_, v)| v == SECRET).count(),
            1,
            "the secret is sent once, as client_secret only: {fields:?}"
        );
        assert!(!r.body.contains(SECRET), "the secret is form-encoded");
        assert!(
            !r.path.contains(SECRET) && r.headers.iter().all(|(_, v)| !v.contains(SECRET)),
            "the secret is in no path or header: {r:?}"
        );
        clients.push(field(&fields, "client_id").unwrap_or_default().to_string());
    }
    clients.sort();
    assert_eq!(clients, [INVALID, EXPIRED, MISSING]);
    assert_no_secret(&results, &requests);
}

/// Neither the secret nor its form-encoded form is in any output.
fn assert_no_secret(results: &[ProbeResult], requests: &[Recorded]) {
    let text = outputs(results);
    let encoded = requests
        .iter()
        .flat_map(|r| form_raw(&r.body, "client_secret"))
        .collect::<Vec<_>>();
    assert!(!encoded.is_empty());
    for needle in encoded.iter().map(String::as_str).chain([SECRET]) {
        assert!(
            !text.contains(needle),
            "{needle} reached an output:\n{text}"
        );
    }
}

/// A field's value as sent (still encoded).
fn form_raw(body: &str, name: &str) -> Option<String> {
    body.split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .map(str::to_string)
}

#[test]
fn a_token_answer_is_not_effective_and_the_token_is_never_shown() {
    let fake = FakeHttp::start();
    fake.on("POST", TOKEN_PATH, 200, token_answer());
    let input = azure(TENANT, LIVE, SECRET);
    let debug = format!("{input:?}");
    let results = run(vec![input], &fake.url);
    assert_eq!(
        verdicts(&results),
        [Revocation::NotEffective],
        "{results:#?}"
    );
    assert!(results[0].reason.contains("still works"), "{results:#?}");
    assert_eq!(exit_code(&results), 1);
    let text = outputs(&results) + &debug;
    assert!(
        !text.contains(TOKEN),
        "the token reached an output:\n{text}"
    );
    assert!(
        !text.contains("fake-token"),
        "part of the token reached an output:\n{text}"
    );
    assert_no_secret(&results, &fake.requests());
    assert!(!debug.contains(SECRET), "{debug}");
}

#[test]
fn other_answers_are_inconclusive() {
    let fake = FakeHttp::start();
    let domain = "contoso.onmicrosoft.com";
    fake.on(
        "POST",
        &format!("/{domain}/oauth2/v2.0/token"),
        400,
        entra_error(
            "invalid_request",
            90002,
            "Tenant 'contoso.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
        ),
    );
    let clients = [
        "55555555-5555-4555-8555-555555555555",
        "66666666-6666-4666-8666-666666666666",
        "77777777-7777-4777-8777-777777777777",
        "88888888-8888-4888-8888-888888888888",
    ];
    fake.on_body(
        "POST",
        TOKEN_PATH,
        &format!("client_id={}", clients[0]),
        500,
        entra_error("server_error", 50000, "There was an error issuing a token."),
    );
    fake.on_body(
        "POST",
        TOKEN_PATH,
        &format!("client_id={}", clients[1]),
        429,
        entra_error(
            "temporarily_unavailable",
            50196,
            "The server terminated an operation because it encountered a client request loop.",
        ),
    );
    fake.on_body(
        "POST",
        TOKEN_PATH,
        &format!("client_id={}", clients[2]),
        401,
        "<html><body>Sign-in blocked by proxy</body></html>",
    );
    fake.on_body(
        "POST",
        TOKEN_PATH,
        &format!("client_id={}", clients[3]),
        400,
        entra_error(
            "invalid_grant",
            50126,
            "Error validating credentials due to invalid username or password.",
        ),
    );
    let mut inputs = vec![azure(domain, LIVE, SECRET)];
    inputs.extend(clients.iter().map(|c| azure(TENANT, c, SECRET)));
    let results = run(inputs, &fake.url);
    assert_eq!(
        verdicts(&results),
        [Revocation::Inconclusive; 5],
        "{results:#?}"
    );
    assert!(results[0].reason.contains("AADSTS90002"), "{results:#?}");
    assert!(results[1].reason.contains("HTTP 500"), "{results:#?}");
    assert!(results[2].reason.contains("429"), "{results:#?}");
    assert!(
        results[3].reason.contains("not Entra's JSON"),
        "{results:#?}"
    );
    assert!(results[4].reason.contains("AADSTS50126"), "{results:#?}");
    assert!(
        results.iter().all(|r| !r.reason.contains("Trace ID")),
        "trace ids are left out: {results:#?}"
    );
    assert_eq!(exit_code(&results), 3);
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        5,
        "no retry, whatever the answer: {requests:#?}"
    );
    assert_no_secret(&results, &requests);

    let unreachable = run(vec![azure(TENANT, INVALID, SECRET)], "http://127.0.0.1:9");
    assert_eq!(verdicts(&unreachable), [Revocation::Inconclusive]);
    assert!(
        unreachable[0].reason.contains("127.0.0.1:9"),
        "{unreachable:#?}"
    );
    assert!(!outputs(&unreachable).contains(SECRET));
}

#[test]
fn input_errors_name_the_line_and_never_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creds.jsonl");
    let good = serde_json::json!({"kind": "azure-client-secret", "tenant": TENANT, "id": INVALID, "secret": SECRET}).to_string();
    let case = |bad: serde_json::Value| {
        std::fs::write(&path, format!("{good}\n\n{bad}\n")).unwrap();
        let err = read_inputs(&path).unwrap_err().to_string();
        let at = format!("{}:3: ", path.display());
        assert!(err.starts_with(&at), "{err}");
        assert!(!err.contains(SECRET) && !err.contains("Qx8"), "{err}");
        err
    };
    let err =
        case(serde_json::json!({"kind": "azure-client-secret", "id": INVALID, "secret": SECRET}));
    assert!(err.contains("missing `tenant`"), "{err}");
    let err = case(
        serde_json::json!({"kind": "aws-access-key", "tenant": TENANT, "id": "AKIAJITGAPPROBE00001", "secret": SECRET}),
    );
    assert!(
        err.contains("`tenant` is only for azure-client-secret"),
        "{err}"
    );
    let err = case(
        serde_json::json!({"kind": "azure-client-secret", "tenant": TENANT, "id": "my-app", "secret": SECRET}),
    );
    assert!(
        err.contains("not an Azure client (application) id"),
        "{err}"
    );
    let err = case(
        serde_json::json!({"kind": "azure-client-secret", "tenant": "common", "id": INVALID, "secret": SECRET}),
    );
    assert!(err.contains("`tenant` is neither"), "{err}");
    let err = case(
        serde_json::json!({"kind": "azure-client-secret", "tenant": 42, "id": INVALID, "secret": SECRET}),
    );
    assert!(err.contains("`tenant` must be a string"), "{err}");

    std::fs::write(&path, format!("{good}\n")).unwrap();
    let inputs = read_inputs(&path).unwrap();
    assert_eq!(inputs[0].tenant.as_deref(), Some(TENANT));
    assert_eq!(inputs[0].id, INVALID);
}
