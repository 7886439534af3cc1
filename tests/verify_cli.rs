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
