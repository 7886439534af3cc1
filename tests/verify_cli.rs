//! `jitgap verify` as a user runs it: verdicts, JSON shape, exit codes, secrets kept out.

mod support;

use serde_json::Value;
use support::moto::Moto;
use support::probe_keys::{SEED_CALLS, seed};

fn verify(
    dir: &std::path::Path,
    lines: &[String],
    extra: &[&str],
    env: &[(&str, &str)],
) -> (i32, Value, String) {
    std::fs::write(dir.join("creds.jsonl"), lines.join("\n") + "\n").unwrap();
    let out = support::cli::jitgap(dir)
        .args(["verify", "creds.jsonl", "--format", "json"])
        .args(extra)
        .envs(env.iter().copied())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        stderr + &String::from_utf8_lossy(&out.stdout),
    )
}

fn key_line(id: &str, secret_env: &str) -> String {
    serde_json::json!({"kind": "aws-access-key", "id": id, "secret_env": secret_env}).to_string()
}

#[test]
fn deleted_live_and_unreachable_keys() {
    let moto = Moto::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", SEED_CALLS)]);
    let (live, deleted) = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(seed(&moto.endpoint));
    let t = tempfile::tempdir().unwrap();
    let env = [
        ("DELETED_SECRET", deleted.secret.as_str()),
        ("LIVE_SECRET", live.secret.as_str()),
    ];
    let endpoint = ["--aws-endpoint-url", moto.endpoint.as_str()];

    // A deleted key is rejected for the right reason: effective, exit 0.
    let (code, v, all) = verify(
        t.path(),
        &[key_line(&deleted.id, "DELETED_SECRET")],
        &endpoint,
        &env,
    );
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["results"][0]["verdict"], "effective");
    assert_eq!(v["results"][0]["kind"], "aws-access-key");
    assert_eq!(v["results"][0]["id"], deleted.id);
    assert!(v["results"][0]["reason"].is_string());

    // A live key is accepted: not-effective, exit 1 (even beside an effective one).
    let (code, v, all) = verify(
        t.path(),
        &[
            key_line(&deleted.id, "DELETED_SECRET"),
            key_line(&live.id, "LIVE_SECRET"),
        ],
        &endpoint,
        &env,
    );
    assert_eq!(code, 1, "{all}");
    assert_eq!(v["results"][1]["verdict"], "not-effective");

    // An unreachable endpoint proves nothing: inconclusive, exit 3.
    let (code, v, all) = verify(
        t.path(),
        &[key_line(&deleted.id, "DELETED_SECRET")],
        &["--aws-endpoint-url", "http://127.0.0.1:9"],
        &env,
    );
    assert_eq!(code, 3, "{all}");
    assert_eq!(v["results"][0]["verdict"], "inconclusive");

    for s in [&live.secret, &deleted.secret] {
        assert!(!all.contains(s.as_str()), "a secret reached an output");
    }
}

#[test]
fn bad_input_names_the_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    let lines = [
        key_line("AKIAJITGAPEXAMPLE001", "X"),
        "{\"kind\": \"aws-access-key\", \"id\": \"AKIA2\"}".to_string(),
    ];
    let (code, _, all) = verify(t.path(), &lines, &[], &[("X", "not-a-real-secret-1")]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("creds.jsonl:2"), "{all}");
}

const TENANT: &str = "9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a";
const TOKEN_PATH: &str = "/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/oauth2/v2.0/token";

fn azure_line(client: &str, secret: (&str, &str)) -> String {
    let mut line =
        serde_json::json!({"kind": "azure-client-secret", "tenant": TENANT, "id": client});
    line[secret.0] = Value::from(secret.1);
    line.to_string()
}

#[test]
fn azure_client_secrets_against_a_fake_authority() {
    use support::fake_http::FakeHttp;
    let (gone, live, unsure) = (
        "11111111-1111-4111-8111-111111111111",
        "44444444-4444-4444-8444-444444444444",
        "55555555-5555-4555-8555-555555555555",
    );
    let env_secret = "Hq2~Lm9+Rt4/Vw6 Zb=";
    let inline_secret = "Kc3.Zp0_Vb7-Qx2*Fz8";
    let token = "eyJ0eXAiOiJKV1QifQ.cli-fake-token-Tq7Wm3";
    let fake = FakeHttp::start();
    fake.on_body(
        "POST",
        TOKEN_PATH,
        &format!("client_id={gone}"),
        401,
        serde_json::json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided. Trace ID: 0b1c Correlation ID: 9f8e Timestamp: 2025-06-01 10:00:00Z",
            "error_codes": [7000215],
            "timestamp": "2025-06-01 10:00:00Z",
            "trace_id": "0b1c",
            "correlation_id": "9f8e",
            "error_uri": "https://login.microsoftonline.com/error?code=7000215"
        })
        .to_string(),
    );
    fake.on_body(
        "POST",
        TOKEN_PATH,
        &format!("client_id={live}"),
        200,
        serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token})
            .to_string(),
    );
    fake.on_body(
        "POST",
        TOKEN_PATH,
        &format!("client_id={unsure}"),
        503,
        "{}",
    );
    let t = tempfile::tempdir().unwrap();
    let env = [("AZ_OLD_SECRET", env_secret)];
    let authority = ["--azure-authority-url", fake.url.as_str()];
    let (from_env, inline) = (("secret_env", "AZ_OLD_SECRET"), ("secret", inline_secret));
    let mut everything = String::new();

    let (code, v, all) = verify(t.path(), &[azure_line(gone, from_env)], &authority, &env);
    everything += &all;
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["results"][0]["kind"], "azure-client-secret");
    assert_eq!(v["results"][0]["id"], gone);
    assert_eq!(v["results"][0]["verdict"], "effective");
    assert!(
        v["results"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("AADSTS7000215")),
        "{all}"
    );

    let lines = [azure_line(gone, from_env), azure_line(live, inline)];
    let (code, v, all) = verify(t.path(), &lines, &authority, &env);
    everything += &all;
    assert_eq!(code, 1, "{all}");
    assert_eq!(v["results"][1]["verdict"], "not-effective");

    let (code, v, all) = verify(t.path(), &[azure_line(unsure, inline)], &authority, &env);
    everything += &all;
    assert_eq!(code, 3, "{all}");
    assert_eq!(v["results"][0]["verdict"], "inconclusive");

    // The table too.
    std::fs::write(t.path().join("creds.jsonl"), lines.join("\n")).unwrap();
    let out = support::cli::jitgap(t.path())
        .args(["verify", "creds.jsonl"])
        .args(authority)
        .envs(env)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    everything += &String::from_utf8_lossy(&out.stdout);
    everything += &String::from_utf8_lossy(&out.stderr);
    assert!(everything.contains("not-effective"), "{everything}");

    // 1 + 2 + 1 + 2 credentials over the four runs.
    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        6,
        "one request a credential a run: {requests:#?}"
    );
    let encoded: Vec<&str> = requests
        .iter()
        .filter_map(|r| {
            r.body
                .split('&')
                .find_map(|p| p.strip_prefix("client_secret="))
        })
        .collect();
    assert_eq!(encoded.len(), 6);
    for needle in encoded
        .into_iter()
        .chain([env_secret, inline_secret, token, "cli-fake-token"])
    {
        assert!(
            !everything.contains(needle),
            "{needle} reached an output:\n{everything}"
        );
    }
}

#[test]
fn azure_input_errors_name_the_line() {
    let t = tempfile::tempdir().unwrap();
    let secret = ("secret", "not-a-real-secret-Zq9");
    let cases = [
        (
            serde_json::json!({"kind": "azure-client-secret", "id": "11111111-1111-4111-8111-111111111111", "secret": secret.1}),
            "missing `tenant`",
        ),
        (
            serde_json::json!({"kind": "aws-access-key", "tenant": TENANT, "id": "AKIAJITGAPEXAMPLE001", "secret": secret.1}),
            "`tenant` is only for azure-client-secret",
        ),
        (
            serde_json::json!({"kind": "azure-client-secret", "tenant": TENANT, "id": "billing-app", "secret": secret.1}),
            "not an Azure client (application) id",
        ),
    ];
    for (bad, message) in cases {
        let lines = [
            azure_line("11111111-1111-4111-8111-111111111111", secret),
            bad.to_string(),
        ];
        let (code, _, all) = verify(t.path(), &lines, &[], &[]);
        assert_eq!(code, 2, "{all}");
        assert!(
            all.contains("creds.jsonl:2") && all.contains(message),
            "{all}"
        );
        assert!(!all.contains(secret.1), "{all}");
    }
}

fn gcp_line(id: &str, secret_env: &str) -> String {
    serde_json::json!({"kind": "gcp-service-account-key", "id": id, "secret_env": secret_env})
        .to_string()
}

/// Everything of `dir` a run wrote (reports), as text.
fn written(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            text += &written(&p);
        } else if let Ok(t) = std::fs::read_to_string(&p) {
            text += &t;
        }
    }
    text
}

#[test]
fn gcp_service_account_keys_against_a_fake_token_endpoint() {
    use support::fake_http::FakeHttp;
    use support::gcp_key::{EMAIL, TestKey, form, key_name};
    let token = "ya29.c.cli-fake-token-Tq7Wm3Lp0";
    let fake = FakeHttp::start();
    fake.on(
        "POST",
        "/gone",
        400,
        serde_json::json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
            .to_string(),
    );
    fake.on(
        "POST",
        "/live",
        200,
        serde_json::json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
            .to_string(),
    );
    fake.on("POST", "/busy", 503, "{}");
    let (gone, live) = (TestKey::generate(), TestKey::generate());
    let (gone_id, live_id) = (
        "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c",
    );
    let t = tempfile::tempdir().unwrap();
    // One key in the variable, the other in a file the variable names.
    let gone_json = gone.json(EMAIL, gone_id, "https://oauth2.googleapis.com/token");
    let file = t.path().join("live-key.json");
    std::fs::write(
        &file,
        live.json(EMAIL, live_id, "https://oauth2.googleapis.com/token"),
    )
    .unwrap();
    let file_text = file.display().to_string();
    let env = [
        ("GCP_OLD_KEY", gone_json.as_str()),
        ("GCP_KEY_FILE", file_text.as_str()),
    ];
    let gone_line = gcp_line(&key_name(EMAIL, gone_id), "GCP_OLD_KEY");
    let live_line = gcp_line(&key_name(EMAIL, live_id), "GCP_KEY_FILE");
    let url = |path: &str| format!("{}{path}", fake.url);
    let mut everything = String::new();

    let gone_url = url("/gone");
    let (code, v, all) = verify(
        t.path(),
        std::slice::from_ref(&gone_line),
        &["--gcp-token-url", &gone_url],
        &env,
    );
    everything += &all;
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["results"][0]["kind"], "gcp-service-account-key");
    assert_eq!(v["results"][0]["id"], key_name(EMAIL, gone_id));
    assert_eq!(v["results"][0]["verdict"], "effective");

    let live_url = url("/live");
    let (code, v, all) = verify(
        t.path(),
        std::slice::from_ref(&live_line),
        &["--gcp-token-url", &live_url],
        &env,
    );
    everything += &all;
    assert_eq!(code, 1, "{all}");
    assert_eq!(v["results"][0]["verdict"], "not-effective");

    let busy_url = url("/busy");
    let (code, v, all) = verify(
        t.path(),
        &[gone_line.clone(), live_line.clone()],
        &["--gcp-token-url", &busy_url],
        &env,
    );
    everything += &all;
    assert_eq!(code, 3, "{all}");
    assert_eq!(v["results"][1]["verdict"], "inconclusive");

    // scan --probe: the token URL from [sources.gcp], which alone asks for no GCP scan.
    std::fs::write(
        t.path().join("jitgap.toml"),
        format!("[sources.gcp]\ntoken_url = \"{live_url}\"\n"),
    )
    .unwrap();
    std::fs::write(t.path().join("creds.jsonl"), live_line.clone() + "\n").unwrap();
    let out = support::cli::jitgap(t.path())
        .args([
            "scan",
            "--demo",
            "--probe",
            "creds.jsonl",
            "--format",
            "json,markdown",
        ])
        .args(["--out", "reports", "--fail-on", "not-effective"])
        .envs(env)
        .output()
        .unwrap();
    everything += &String::from_utf8_lossy(&out.stdout);
    everything += &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{everything}");
    let reports = written(&t.path().join("reports"));
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(t.path().join("reports/jitgap-report.json")).unwrap(),
    )
    .unwrap();
    let probes = report["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 1, "{probes:#?}");
    assert_eq!(probes[0]["verdict"], "not-effective");
    assert_eq!(probes[0]["kind"], "gcp-service-account-key");
    everything += &reports;

    let requests = fake.requests();
    assert_eq!(
        requests.len(),
        5,
        "1 + 1 + 2 + 1 keys over the four runs: {requests:#?}"
    );
    let mut needles: Vec<String> = gone.body_lines();
    needles.extend(live.body_lines());
    for r in &requests {
        let jwt = form(&r.body)
            .into_iter()
            .find(|(k, _)| k == "assertion")
            .map(|(_, v)| v)
            .unwrap();
        assert!(gone.verifies(&jwt) || live.verifies(&jwt));
        needles.push(jwt.rsplit_once('.').unwrap().1.to_string());
        needles.push(jwt);
    }
    needles.extend([token.to_string(), "cli-fake-token".to_string()]);
    for n in &needles {
        assert!(
            !everything.contains(n.as_str()),
            "{n} reached an output:\n{everything}"
        );
    }
}

fn github_line(id: &str, secret_env: &str) -> String {
    serde_json::json!({"kind": "github-token", "id": id, "secret_env": secret_env}).to_string()
}

#[test]
fn github_tokens_against_a_fake_api() {
    use support::fake_http::FakeHttp;
    let (gone, live) = (
        "tok-cli-gone-Hq2Lm9Rt4Vw6Zb8Nc",
        "ghs_cliLiveInstallationToken0123456789",
    );
    let fake = FakeHttp::start();
    let bad = serde_json::json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
        .to_string();
    fake.on("GET", "/gone/user", 401, bad);
    fake.on(
        "GET",
        "/live/installation/repositories",
        200,
        serde_json::json!({"total_count": 1, "repositories": [{"id": 1, "full_name": "acme/api"}]})
            .to_string(),
    );
    fake.on(
        "GET",
        "/busy/user",
        500,
        serde_json::json!({"message": format!("upstream failed for {gone}")}).to_string(),
    );
    fake.on("GET", "/busy/installation/repositories", 502, "{}");
    let t = tempfile::tempdir().unwrap();
    let env = [("OLD_GH_TOKEN", gone), ("APP_TOKEN", live)];
    let gone_line = github_line("release-bot (build-bot)", "OLD_GH_TOKEN");
    let live_line = github_line("github:acme/installations/25381000", "APP_TOKEN");
    let url = |path: &str| format!("{}{path}", fake.url);
    let mut everything = String::new();

    let (code, v, all) = verify(
        t.path(),
        std::slice::from_ref(&gone_line),
        &["--github-api-url", &url("/gone")],
        &env,
    );
    everything += &all;
    assert_eq!(code, 0, "{all}");
    assert_eq!(v["results"][0]["kind"], "github-token");
    assert_eq!(v["results"][0]["id"], "release-bot (build-bot)");
    assert_eq!(v["results"][0]["verdict"], "effective");

    let (code, v, all) = verify(
        t.path(),
        std::slice::from_ref(&live_line),
        &["--github-api-url", &url("/live")],
        &env,
    );
    everything += &all;
    assert_eq!(code, 1, "{all}");
    assert_eq!(v["results"][0]["verdict"], "not-effective");
    assert!(
        v["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("reaches 1 repository (acme/api)"),
        "{all}"
    );

    let (code, v, all) = verify(
        t.path(),
        &[gone_line.clone(), live_line.clone()],
        &["--github-api-url", &url("/busy")],
        &env,
    );
    everything += &all;
    assert_eq!(code, 3, "{all}");
    assert_eq!(v["results"][0]["verdict"], "inconclusive");
    assert_eq!(v["results"][1]["verdict"], "inconclusive");
    assert!(
        v["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("HTTP 500")
            && v["results"][1]["reason"]
                .as_str()
                .unwrap()
                .contains("HTTP 502"),
        "{all}"
    );

    // scan --probe: the API URL from [sources.github], which alone asks for no GitHub scan.
    std::fs::write(
        t.path().join("jitgap.toml"),
        format!("[sources.github]\napi_url = \"{}\"\n", url("/live")),
    )
    .unwrap();
    std::fs::write(t.path().join("creds.jsonl"), live_line.clone() + "\n").unwrap();
    let out = support::cli::jitgap(t.path())
        .args([
            "scan",
            "--demo",
            "--probe",
            "creds.jsonl",
            "--format",
            "json,markdown",
        ])
        .args(["--out", "reports", "--fail-on", "not-effective"])
        .envs(env)
        .output()
        .unwrap();
    everything += &String::from_utf8_lossy(&out.stdout);
    everything += &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{everything}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(t.path().join("reports/jitgap-report.json")).unwrap(),
    )
    .unwrap();
    let probes = report["probes"].as_array().unwrap();
    assert_eq!(probes.len(), 1, "{probes:#?}");
    assert_eq!(probes[0]["kind"], "github-token");
    assert_eq!(probes[0]["verdict"], "not-effective");
    everything += &written(&t.path().join("reports"));

    let requests = fake.requests();
    // The two probes of the third run go out together: compare in sorted order.
    let mut paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/busy/installation/repositories",
            "/busy/user",
            "/gone/user",
            "/live/installation/repositories",
            "/live/installation/repositories"
        ],
        "one call per token and run, never retried"
    );
    for r in &requests {
        let sent = r.header("authorization").unwrap();
        assert!(sent == format!("Bearer {gone}") || sent == format!("Bearer {live}"));
    }
    for token in [gone, live, "Hq2Lm9Rt4Vw6Zb8Nc", "cliLiveInstallationToken"] {
        assert!(
            !everything.contains(token),
            "{token} reached an output:\n{everything}"
        );
    }
}
