//! `kubernetes-token` probes through the library, against a local fake API server: one GET of
//! `/api/v1/namespaces?limit=1` with the token; 401 effective, 200 and 403 not-effective (a
//! 403 means the token authenticated), anything else inconclusive; the token in no output.

mod support;

use jitgap::model::Revocation;
use jitgap::revocation::{
    ProbeInput, ProbeKind, ProbeOptions, ProbeResult, Secret, exit_code, render, verify,
};
use serde_json::json;
use support::fake_http::{Canned, FakeHttp};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.sa-token-under-test.c2ln";
const PATH: &str = "/api/v1/namespaces?limit=1";

fn status(code: u16, reason: &str, message: &str) -> String {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code}).to_string()
}

fn run(server: &str) -> Vec<ProbeResult> {
    let input = ProbeInput::new(ProbeKind::KubernetesToken, server, Secret::new(TOKEN)).unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(verify(vec![input], &ProbeOptions::default()))
}

#[test]
fn the_api_servers_answer_decides() {
    let cases: Vec<(Canned, Revocation, &str)> = vec![
        (
            Canned::new(401, status(401, "Unauthorized", "Unauthorized")),
            Revocation::Effective,
            "does not accept",
        ),
        (
            Canned::new(
                200,
                json!({"kind": "NamespaceList", "items": [{"metadata": {"name": "default"}}]})
                    .to_string(),
            ),
            Revocation::NotEffective,
            "still authenticates",
        ),
        (
            Canned::new(
                403,
                status(
                    403,
                    "Forbidden",
                    "namespaces is forbidden: User \"system:serviceaccount:ci:deployer\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope",
                ),
            ),
            Revocation::NotEffective,
            "system:serviceaccount:ci:deployer",
        ),
        (
            Canned::new(429, status(429, "TooManyRequests", "slow down"))
                .header("Retry-After", "1"),
            Revocation::Inconclusive,
            "429",
        ),
        (
            Canned::new(503, "unavailable"),
            Revocation::Inconclusive,
            "503",
        ),
    ];
    for (answer, want, says) in cases {
        let fake = FakeHttp::start();
        fake.on_seq("GET", PATH, vec![answer]);
        let results = run(&fake.url);
        assert_eq!(results[0].verdict, want, "{:?}", results[0]);
        assert!(results[0].reason.contains(says), "{:?}", results[0]);
        let reqs = fake.requests();
        assert_eq!(reqs.len(), 1, "one call, never retried: {reqs:?}");
        assert_eq!(reqs[0].method, "GET");
        assert_eq!(reqs[0].path, PATH);
        assert_eq!(
            reqs[0].header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        for format in ["table", "json"] {
            assert!(!render(&results, format).contains(TOKEN));
        }
        let code = exit_code(&results);
        match want {
            Revocation::Effective => assert_eq!(code, 0),
            Revocation::NotEffective => assert_eq!(code, 1),
            Revocation::Inconclusive => assert_eq!(code, 3),
        }
    }
}

#[test]
fn the_server_url_is_checked_before_anything_is_sent() {
    for bad in ["prod-cluster", "http://10.0.0.1:8080", ""] {
        let e = ProbeInput::new(ProbeKind::KubernetesToken, bad, Secret::new(TOKEN)).unwrap_err();
        assert!(
            e.to_string().contains("Kubernetes API server URL"),
            "{bad}: {e}"
        );
    }
    // Nobody listening: inconclusive, the token nowhere.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let results = run(&format!("http://127.0.0.1:{port}"));
    assert_eq!(
        results[0].verdict,
        Revocation::Inconclusive,
        "{:?}",
        results[0]
    );
    assert!(!results[0].reason.contains(TOKEN));
}
