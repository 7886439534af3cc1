//! Active revocation proof through the library: real aws-sdk-sts against moto with IAM
//! authentication enforced, real PostgreSQL and MariaDB servers, and the input file,
//! renderers and exit codes — with seeded secrets searched for in every output.

mod support;

use std::sync::Once;

use jitgap::model::Revocation;
use jitgap::revocation::{
    ProbeInput, ProbeKind, ProbeOptions, ProbeResult, Secret, exit_code, read_inputs, render,
    verify,
};
use support::moto::Moto;
// moto authenticates every request after the first SEED_CALLS (see probe_keys.rs);
// GetCallerIdentity needs no policy (moto/iam/access_control.py always allows it).
use support::probe_keys::{SEED_CALLS, seed};

const SECRET_ENV: &str = "JITGAP_TEST_PROBE_SECRET";
const SECRET_FROM_ENV: &str = "env-secret-Vb7Qx2Lm9Rt4Zp0Kc3";

/// Sets the variables once, before any test does anything else (every test calls this first,
/// so no other thread reads the environment while it is written).
fn env() {
    static ONCE: Once = Once::new();
    // SAFETY: runs once, as the first statement of every test, before any test spawns threads.
    ONCE.call_once(|| unsafe { std::env::set_var(SECRET_ENV, SECRET_FROM_ENV) });
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

fn aws(id: &str, secret: &str) -> ProbeInput {
    ProbeInput::new(ProbeKind::AwsAccessKey, id, Secret::new(secret)).unwrap()
}

fn opts(endpoint: &str) -> ProbeOptions {
    ProbeOptions {
        aws_endpoint_url: Some(endpoint.to_string()),
        ..ProbeOptions::default()
    }
}

fn verdicts(results: &[ProbeResult]) -> Vec<Revocation> {
    results.iter().map(|r| r.verdict).collect()
}

#[test]
fn aws_keys_against_moto_with_authentication_enforced() {
    env();
    let moto = Moto::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", SEED_CALLS)]);
    let rt = rt();
    let (live, deleted) = rt.block_on(seed(&moto.endpoint));
    let unknown_secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY0";

    let inputs = vec![
        aws(&deleted.id, &deleted.secret),
        aws(&live.id, &live.secret),
        aws(&live.id, unknown_secret),
        aws("AKIAJITGAPNEVERMADE1", unknown_secret),
    ];
    moto.start_recording();
    let results = rt.block_on(verify(inputs, &opts(&moto.endpoint)));
    assert_eq!(
        moto.recorded_actions(),
        ["GetCallerIdentity"; 4],
        "each key tried once, with GetCallerIdentity only"
    );
    let log = moto.log();
    assert_eq!(
        verdicts(&results),
        [
            Revocation::Effective,
            Revocation::NotEffective,
            Revocation::Effective,
            Revocation::Effective
        ],
        "{results:#?}\nmoto log:\n{log}"
    );
    assert!(
        results[0].reason.contains("InvalidClientTokenId"),
        "{results:#?}"
    );
    assert!(
        results[1]
            .reason
            .contains("arn:aws:iam::123456789012:user/probe-svc"),
        "the reason names the ARN: {results:#?}"
    );
    assert!(
        results[2].reason.contains("SignatureDoesNotMatch"),
        "{results:#?}"
    );
    assert_eq!(results[0].id, deleted.id);

    let unreachable = rt.block_on(verify(
        vec![aws(&deleted.id, &deleted.secret)],
        &opts("http://127.0.0.1:9"),
    ));
    assert_eq!(verdicts(&unreachable), [Revocation::Inconclusive]);
    assert!(
        unreachable[0].reason.contains("127.0.0.1:9"),
        "{unreachable:#?}"
    );

    let (gone, works, unsure) = (&results[0], &results[1], &unreachable[0]);
    let code =
        |rs: &[&ProbeResult]| exit_code(&rs.iter().map(|r| (*r).clone()).collect::<Vec<_>>());
    assert_eq!(code(&[gone]), 0);
    assert_eq!(code(&[works]), 1);
    assert_eq!(code(&[unsure]), 3);
    assert_eq!(code(&[gone, unsure]), 3);
    assert_eq!(code(&[gone, works]), 1);
    assert_eq!(code(&[works, unsure]), 1);
    assert_eq!(code(&[gone, works, unsure]), 1);

    for r in results.iter().chain(&unreachable) {
        for s in [
            live.secret.as_str(),
            deleted.secret.as_str(),
            unknown_secret,
        ] {
            assert!(!r.reason.contains(s), "a secret leaked into {r:?}");
        }
    }
}

#[test]
fn secrets_never_appear_in_results_or_rendered_output() {
    env();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("creds.jsonl");
    let aws_secret = "Zq9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1HgFeDcBa0Yx9W";
    let pg_secret = "pg-Secret-Hq2Lm9Rt4Vw6";
    let my_secret = "my-Secret-Kc3Zp0Vb7Qx2";
    std::fs::write(
        &file,
        format!(
            "{}\n\n{}\n{}\n{}\n",
            serde_json::json!({"kind": "aws-access-key", "id": "AKIAJITGAPPROBE00001", "secret": aws_secret}),
            serde_json::json!({"kind": "aws-access-key", "id": "AKIAJITGAPPROBE00002", "secret_env": SECRET_ENV}),
            serde_json::json!({"kind": "postgres-login", "id": "postgres://svc@127.0.0.1:9/app", "secret": pg_secret}),
            serde_json::json!({"kind": "mysql-login", "id": "mysql://svc@127.0.0.1:9/app", "secret": my_secret}),
        ),
    )
    .unwrap();
    let inputs = read_inputs(&file).expect("read the credentials");
    assert_eq!(inputs.len(), 4);
    let debug = format!("{inputs:?}");

    let results = rt().block_on(verify(inputs, &opts("http://127.0.0.1:9")));
    assert_eq!(
        verdicts(&results),
        [Revocation::Inconclusive; 4],
        "{results:#?}"
    );
    assert_eq!(exit_code(&results), 3);

    let table = render(&results, "table");
    let json = render(&results, "json");
    let doc: serde_json::Value = serde_json::from_str(&json).expect("json output parses");
    let rows = doc["results"].as_array().expect("{\"results\": […]}");
    assert_eq!(rows.len(), 4);
    for row in rows {
        let mut keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "kind", "reason", "verdict"], "{row}");
    }
    assert_eq!(rows[2]["kind"], "postgres-login");
    assert_eq!(rows[2]["verdict"], "inconclusive");
    assert!(table.contains("inconclusive") && table.contains("AKIAJITGAPPROBE00001"));

    let reasons: String = results
        .iter()
        .map(|r| format!("{} {}\n", r.id, r.reason))
        .collect();
    for secret in [aws_secret, SECRET_FROM_ENV, pg_secret, my_secret] {
        for (name, text) in [
            ("table", &table),
            ("json", &json),
            ("reasons", &reasons),
            ("debug", &debug),
        ] {
            assert!(
                !text.contains(secret),
                "{secret} leaked into the {name} output:\n{text}"
            );
        }
    }
}

#[test]
fn input_errors_name_the_file_and_line() {
    env();
    let dir = tempfile::tempdir().unwrap();
    let case = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = read_inputs(&path).unwrap_err().to_string();
        (path.display().to_string(), err)
    };
    let good =
        r#"{"kind": "aws-access-key", "id": "AKIAJITGAPPROBE00001", "secret": "s3cr3t-value-1"}"#;

    let (path, err) = case(
        "both.jsonl",
        &format!(
            "{good}\n{}\n",
            r#"{"kind": "aws-access-key", "id": "AKIAJITGAPPROBE00001", "secret": "s3cr3t-value-1", "secret_env": "X"}"#
        ),
    );
    assert!(
        err.starts_with(&format!("{path}:2: ")) && err.contains("both"),
        "{err}"
    );

    let (path, err) = case(
        "neither.jsonl",
        r#"{"kind": "postgres-login", "id": "postgres://svc@db/app"}"#,
    );
    assert!(
        err.starts_with(&format!("{path}:1: ")) && err.contains("neither"),
        "{err}"
    );

    let (path, err) = case(
        "password.jsonl",
        r#"{"kind": "postgres-login", "id": "postgres://svc:hunter2-in-url@db/app", "secret": "s3cr3t-value-1"}"#,
    );
    assert!(
        err.starts_with(&format!("{path}:1: ")) && err.contains("carries a password"),
        "{err}"
    );
    assert!(!err.contains("hunter2-in-url"), "{err}");

    let (_, err) = case(
        "mysql.jsonl",
        r#"{"kind": "mysql-login", "id": "mysql://svc:hunter2-in-url@db/app", "secret": "s3cr3t-value-1"}"#,
    );
    assert!(
        err.contains(":1: ") && err.contains("carries a password") && !err.contains("hunter2"),
        "{err}"
    );

    let (_, err) = case(
        "kind.jsonl",
        r#"{"kind": "ssh-key", "id": "x", "secret": "s3cr3t-value-1"}"#,
    );
    assert!(
        err.contains(":1: ") && err.contains("aws-access-key, postgres-login, mysql-login"),
        "{err}"
    );

    let (_, err) = case(
        "broken.jsonl",
        &format!("{good}\n{{\"kind\": \"aws-access-key\", \"secret\": \"s3cr3t-value-2\"\n"),
    );
    assert!(
        err.contains(":2: ") && !err.contains("s3cr3t-value-2"),
        "{err}"
    );

    let (_, err) = case("empty.jsonl", "\n\n");
    assert!(err.contains("no credentials"), "{err}");

    let missing = dir.path().join("missing.jsonl");
    let err = read_inputs(&missing).unwrap_err().to_string();
    assert!(
        err.contains("missing.jsonl") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn postgres_logins_against_a_real_server() {
    env();
    let pg = support::postgres::Pg::start();
    let rt = rt();
    rt.block_on(pg.exec(
        "CREATE ROLE probe_expired LOGIN PASSWORD 'pw-expired-Hq2Lm9' VALID UNTIL '2000-01-01 00:00:00+00';
         CREATE ROLE probe_live LOGIN PASSWORD 'pw-live-Rt4Vw6Zb';
         CREATE ROLE probe_nologin NOLOGIN PASSWORD 'pw-nologin-Kc3Zp0';",
    ));
    let url = |user: &str| format!("postgres://{user}@127.0.0.1:{}/postgres", pg.port);
    let input = |user: &str, pw: &str| {
        ProbeInput::new(ProbeKind::PostgresLogin, url(user), Secret::new(pw)).unwrap()
    };
    let results = rt.block_on(verify(
        vec![
            input("probe_expired", "pw-expired-Hq2Lm9"),
            input("probe_live", "pw-live-Rt4Vw6Zb"),
            input("probe_nologin", "pw-nologin-Kc3Zp0"),
            input("probe_dropped", "pw-dropped-Vb7Qx2"),
        ],
        &ProbeOptions::default(),
    ));
    assert_eq!(
        verdicts(&results),
        [
            Revocation::Effective,
            Revocation::NotEffective,
            Revocation::Effective,
            Revocation::Effective
        ],
        "{results:#?}\n{}",
        pg.log()
    );
    assert!(results[0].reason.contains("28P01"), "{results:#?}");
    assert!(results[1].reason.contains("SELECT 1"), "{results:#?}");
    assert!(
        results[2].reason.contains("not permitted to log in"),
        "{results:#?}"
    );
    let log = pg.log();
    let statements: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" jitgap-verify ") && l.contains("statement:"))
        .collect();
    assert!(
        !statements.is_empty()
            && statements
                .iter()
                .all(|l| l.ends_with("jitgap-verify probe_live LOG:  statement: SELECT 1")),
        "the accepted login ran only SELECT 1:\n{log}"
    );
    for r in &results {
        assert!(!r.reason.contains("pw-"), "{r:?}");
    }
}

#[test]
fn mariadb_logins_against_a_real_server() {
    env();
    let maria = support::mariadb::Maria::start();
    let rt = rt();
    rt.block_on(async {
        maria.drop_anonymous().await;
        maria
            .exec(&[
                "CREATE USER 'probe_live'@'127.0.0.1' IDENTIFIED BY 'pw-live-Rt4Vw6Zb'",
                "CREATE USER 'probe_locked'@'127.0.0.1' IDENTIFIED BY 'pw-locked-Hq2Lm9' ACCOUNT LOCK",
            ])
            .await;
    });
    let url = |user: &str| format!("mysql://{user}@127.0.0.1:{}/", maria.port);
    let input = |user: &str, pw: &str| {
        ProbeInput::new(ProbeKind::MysqlLogin, url(user), Secret::new(pw)).unwrap()
    };
    let results = rt.block_on(verify(
        vec![
            input("probe_locked", "pw-locked-Hq2Lm9"),
            input("probe_live", "pw-live-Rt4Vw6Zb"),
            input("probe_dropped", "pw-dropped-Vb7Qx2"),
        ],
        &ProbeOptions::default(),
    ));
    assert_eq!(
        verdicts(&results),
        [
            Revocation::Effective,
            Revocation::NotEffective,
            Revocation::Effective
        ],
        "{results:#?}\n{}",
        maria.error_log()
    );
    assert!(results[0].reason.contains("4151"), "{results:#?}");
    assert!(results[2].reason.contains("1045"), "{results:#?}");
    for r in &results {
        assert!(!r.reason.contains("pw-"), "{r:?}");
    }
}
