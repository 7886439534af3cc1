//! The shared HTTP client and retry policy (`jitgap::net`) against the local fake server,
//! directly and through the live Vault ledger source: throttling is retried until answered,
//! `Retry-After` is honoured (and capped), refusals are not retried, and a Vault that never
//! stops throttling ends as a failed ledger scope while the rest of the scan completes.
//! Nothing here measures time: waits are `Retry-After: 0` or millisecond backoffs.

mod support;

use std::sync::Once;
use std::time::Duration;

use jitgap::ledger::import::vault::{VaultOptions, import_vault};
use jitgap::net::{NetError, NetLimits, Reply};
use serde_json::{Value, json};
use support::fake_http::{Canned, FakeHttp};

const TOKEN: &str = "hvs.CAESIJitgapRetryVaultToken0123456789abcdefXYZ";
const TOKEN_ENV: &str = "JITGAP_TEST_RETRY_VAULT_TOKEN";
const SCOPE: &str = "127.0.0.1:5432";
const LIST_ROOT: &str = "/v1/sys/leases/lookup/database/creds/?list=true";
const LIST_ROLE: &str = "/v1/sys/leases/lookup/database/creds/app/?list=true";
const LOOKUP: &str = "/v1/sys/leases/lookup";
const LEASE: &str = "database/creds/app/Zk4qT8vN2mR5";

fn env() {
    static ONCE: Once = Once::new();
    // SAFETY: runs once, as the first statement of every test that reads the token.
    ONCE.call_once(|| unsafe { std::env::set_var(TOKEN_ENV, TOKEN) });
}

fn quick() -> NetLimits {
    NetLimits {
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..NetLimits::default()
    }
}

fn throttled() -> Canned {
    Canned::new(
        429,
        json!({"errors": ["rate limit quota exceeded"]}).to_string(),
    )
    .header("Retry-After", "0")
}

fn keys(keys: &[&str]) -> String {
    json!({"data": {"keys": keys}}).to_string()
}

fn lease() -> String {
    let now = chrono::Utc::now();
    json!({"data": {
        "id": LEASE,
        "issue_time": (now - chrono::Duration::minutes(5)).to_rfc3339(),
        "expire_time": (now + chrono::Duration::minutes(55)).to_rfc3339(),
        "last_renewal": null,
        "ttl": 3300
    }})
    .to_string()
}

fn vault_options(addr: &str, limits: NetLimits) -> VaultOptions {
    VaultOptions {
        addr: addr.to_string(),
        token_env: TOKEN_ENV.into(),
        namespace: None,
        prefix: "database/creds/".into(),
        scope: SCOPE.into(),
        known_leases: Vec::new(),
        limits,
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().unwrap().block_on(f)
}

/// `GET url` through the shared client and retry.
fn get(url: &str, limits: NetLimits) -> Result<Reply, NetError> {
    block_on(async {
        let client = jitgap::net::client(&limits).unwrap();
        jitgap::net::send(&limits, || client.get(url)).await
    })
}

#[test]
fn vault_throttling_twice_is_retried_and_the_import_is_complete() {
    env();
    let fake = FakeHttp::start();
    fake.on_seq(
        "GET",
        LIST_ROOT,
        vec![throttled(), throttled(), Canned::new(200, keys(&["app/"]))],
    )
    .on_seq(
        "GET",
        LIST_ROLE,
        vec![
            Canned::new(503, json!({"errors": ["Vault is sealed"]}).to_string()),
            Canned::new(200, keys(&["Zk4qT8vN2mR5"])),
        ],
    )
    .on_seq("PUT", LOOKUP, vec![throttled(), Canned::new(200, lease())]);
    let grants = block_on(import_vault(&vault_options(&fake.url, quick()))).expect("import");
    assert_eq!(grants.len(), 1, "{grants:#?}");
    assert_eq!(grants[0].grant_id, LEASE);
    assert_eq!(grants[0].labels["lease_state"], "active");
    let seen: Vec<(String, String)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    let count = |m: &str, p: &str| seen.iter().filter(|(a, b)| a == m && b == p).count();
    assert_eq!(
        count("GET", LIST_ROOT),
        3,
        "two 429s, then the list: {seen:?}"
    );
    assert_eq!(
        count("GET", LIST_ROLE),
        2,
        "one 503, then the list: {seen:?}"
    );
    assert_eq!(count("PUT", LOOKUP), 2, "one 429, then the lease: {seen:?}");
    for r in fake.requests() {
        assert_eq!(
            r.header("x-vault-token"),
            Some(TOKEN),
            "every attempt authenticates"
        );
        assert!(
            r.header("user-agent")
                .is_some_and(|ua| ua.starts_with("jitgap/")),
            "{r:?}"
        );
    }
}

#[test]
fn a_forbidden_vault_list_is_asked_once() {
    env();
    let fake = FakeHttp::start();
    fake.on(
        "GET",
        LIST_ROOT,
        403,
        json!({"errors": ["permission denied"]}).to_string(),
    );
    let err = block_on(import_vault(&vault_options(&fake.url, quick())))
        .unwrap_err()
        .to_string();
    assert!(err.contains("403") && err.contains("sudo"), "{err}");
    assert_eq!(fake.requests().len(), 1, "403 is not retried");
}

#[test]
fn refusals_and_other_client_errors_are_sent_once() {
    for status in [400, 401, 403, 404, 409] {
        let fake = FakeHttp::start();
        fake.on("GET", "/x", status, json!({"message": "no"}).to_string());
        let reply = get(&format!("{}/x", fake.url), quick()).expect("an answer");
        assert_eq!(reply.status.as_u16(), status);
        assert_eq!(reply.attempts, 1);
        assert_eq!(fake.requests().len(), 1, "{status} is not retried");
    }
    // Not even when the body talks of throttling: a 403 is a permission, not a rate.
    let fake = FakeHttp::start();
    fake.on("GET", "/x", 403, r#"{"message":"Rate exceeded"}"#);
    assert_eq!(
        get(&format!("{}/x", fake.url), quick()).unwrap().attempts,
        1
    );
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn throttling_said_in_the_body_is_retried() {
    let fake = FakeHttp::start();
    fake.on_seq(
        "GET",
        "/x",
        vec![
            Canned::new(
                400,
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            ),
            Canned::new(200, "{}"),
        ],
    );
    let reply = get(&format!("{}/x", fake.url), quick()).unwrap();
    assert_eq!((reply.status.as_u16(), reply.attempts), (200, 2));
    assert_eq!(fake.requests().len(), 2);
}

#[test]
fn retry_after_is_honoured_and_capped() {
    // Backoff alone would draw each wait from [0, 1 ms) here; the waits taken are exactly
    // what the answers asked for, the day-long one cut to `max_backoff`.
    let fake = FakeHttp::start();
    fake.on_seq(
        "GET",
        "/x",
        vec![
            Canned::new(429, "{}").header("Retry-After", "0"),
            Canned::new(503, "{}").header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"),
            Canned::new(429, "{}").header("Retry-After", "86400"),
            Canned::new(200, r#"{"ok":true}"#),
        ],
    );
    let limits = quick();
    let reply = get(&format!("{}/x", fake.url), limits).unwrap();
    assert_eq!((reply.status.as_u16(), reply.attempts), (200, 4));
    assert_eq!(reply.body, r#"{"ok":true}"#);
    assert_eq!(
        reply.waits,
        [Duration::ZERO, Duration::ZERO, limits.max_backoff],
        "0 s, a date in the past, a day capped"
    );
    assert_eq!(fake.requests().len(), 4, "the server saw every attempt");
}

#[test]
fn endless_throttling_gives_up_naming_status_attempts_and_url() {
    let fake = FakeHttp::start();
    fake.on_seq(
        "GET",
        "/x?list=true&access_token=s3cr3tvalue",
        vec![throttled()],
    );
    let limits = NetLimits {
        max_attempts: 3,
        ..quick()
    };
    let err = get(
        &format!("{}/x?list=true&access_token=s3cr3tvalue", fake.url),
        limits,
    )
    .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.attempts(), 3);
    assert_eq!(fake.requests().len(), 3);
    let text = err.to_string();
    assert!(
        text.contains("429") && text.contains("after 3 attempts") && text.contains("rate limit"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}/x?list=true", fake.url)),
        "{text}"
    );
    assert!(!text.contains("s3cr3tvalue"), "query secret in {text}");
}

#[test]
fn an_unreachable_host_is_retried_and_named_without_query_secrets() {
    let err = get("http://127.0.0.1:9/x?list=true&token=s3cr3tvalue", quick()).unwrap_err();
    assert!(matches!(err, NetError::Transport { .. }), "{err:?}");
    assert_eq!(
        err.attempts(),
        quick().max_attempts,
        "connection errors are retried"
    );
    let text = err.to_string();
    assert!(
        text.contains("cannot reach") && text.contains("http://127.0.0.1:9/x?list=true"),
        "{text}"
    );
    assert!(!text.contains("s3cr3tvalue"), "query secret in {text}");
}

fn jitgap_scan(fake: &FakeHttp) -> std::process::Output {
    support::cli::jitgap_in_repo()
        .args([
            "scan",
            "--demo",
            "--ledger",
            &format!("vault:{SCOPE}"),
            "--format",
            "json",
        ])
        .env("CI", "true")
        .env("VAULT_ADDR", &fake.url)
        .env("VAULT_TOKEN", TOKEN)
        .env_remove("VAULT_NAMESPACE")
        // A proxy nobody listens on: loopback must never be sent through it.
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

#[test]
fn scan_with_a_vault_throttling_twice_is_complete() {
    let fake = FakeHttp::start();
    fake.on_seq(
        "GET",
        LIST_ROOT,
        vec![
            throttled(),
            throttled(),
            Canned::new(404, json!({"errors": []}).to_string()),
        ],
    );
    let out = jitgap_scan(&fake);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let scopes = r["scopes"].as_array().unwrap();
    assert!(!scopes.is_empty());
    assert!(
        scopes.iter().all(|s| s["status"] == "complete"),
        "{scopes:#?}"
    );
    assert_eq!(fake.requests().len(), 3, "two 429s then the (empty) list");
}

#[test]
fn scan_with_a_vault_throttling_forever_fails_that_ledger_only() {
    let fake = FakeHttp::start();
    fake.on_seq("GET", LIST_ROOT, vec![throttled()]);
    let out = jitgap_scan(&fake);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "incomplete: {stderr}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    let r: Value = serde_json::from_str(&stdout).unwrap();
    let scopes = r["scopes"].as_array().unwrap();
    let (vault, demo): (Vec<&Value>, Vec<&Value>) =
        scopes.iter().partition(|s| s["boundary"] == "vault");
    assert_eq!(vault.len(), 1, "{scopes:#?}");
    assert_eq!(vault[0]["status"], "failed");
    let reason = vault[0]["errors"].to_string();
    assert!(
        reason.contains("429") && reason.contains("after 5 attempts") && reason.contains(&fake.url),
        "{reason}"
    );
    assert!(!demo.is_empty());
    assert!(demo.iter().all(|s| s["status"] == "complete"), "{demo:#?}");
    assert_eq!(
        fake.requests().len(),
        NetLimits::default().max_attempts as usize
    );
}
