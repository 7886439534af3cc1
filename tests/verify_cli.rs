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
