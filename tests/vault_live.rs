//! The live Vault importer through the real reqwest client against a local fake that replays
//! Vault's documented envelope (api-shapes.md §G): leases become grants with the right state,
//! failures are errors naming the address, the token goes only into `X-Vault-Token`, and
//! only list and lookup calls are made.

mod support;

use chrono::{Duration, Utc};
use jitgap::ledger::import::vault::{VaultOptions, import_vault};
use jitgap::ledger::{Grant, LedgerError};
use jitgap::net::NetLimits;
use serde_json::{Value, json};
use std::sync::Once;
use support::fake_http::FakeHttp;

const TOKEN: &str = "hvs.CAESIJitgapFakeVaultToken0123456789abcdefXYZ";
const TOKEN_ENV: &str = "JITGAP_TEST_VAULT_TOKEN";
const SCOPE: &str = "127.0.0.1:5432";
const LIST_ROOT: &str = "/v1/sys/leases/lookup/database/creds/?list=true";
const LOOKUP: &str = "/v1/sys/leases/lookup";

const LIVE: &str = "database/creds/app-readonly/Zk4qT8vN2mR5";
const EXPIRED: &str = "database/creds/etl/Qp7Lm2Xy9Rt4";
const REVOKED: &str = "database/creds/app-readonly/Old0Lm2Xy9Rt";

/// Sets the token variable once, before any test does anything else (every test calls this
/// first, so no other thread reads the environment while it is written).
fn env() {
    static ONCE: Once = Once::new();
    // SAFETY: runs once, as the first statement of every test, before any test spawns threads.
    ONCE.call_once(|| unsafe { std::env::set_var(TOKEN_ENV, TOKEN) });
}

fn envelope(data: Value) -> String {
    json!({
        "request_id": "5e2a1c3d-7b8f-4a90-b1c2-d3e4f5a6b7c8",
        "lease_id": "",
        "renewable": false,
        "lease_duration": 0,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": null
    })
    .to_string()
}

fn keys(keys: &[&str]) -> String {
    envelope(json!({ "keys": keys }))
}

fn lease(id: &str, issued: chrono::DateTime<Utc>, expires: chrono::DateTime<Utc>) -> String {
    let ttl = (expires - Utc::now()).num_seconds().max(0);
    envelope(json!({
        "id": id,
        "issue_time": issued.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "expire_time": expires.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "last_renewal": null,
        "renewable": true,
        "ttl": ttl
    }))
}

fn options(addr: &str) -> VaultOptions {
    VaultOptions {
        addr: addr.to_string(),
        token_env: TOKEN_ENV.into(),
        namespace: Some("team-a".into()),
        prefix: "database/creds/".into(),
        scope: SCOPE.into(),
        known_leases: vec![REVOKED.into()],
        limits: quick(),
    }
}

/// The default attempts with millisecond backoffs, so retries cost no test time.
fn quick() -> NetLimits {
    NetLimits {
        base_backoff: std::time::Duration::from_millis(1),
        max_backoff: std::time::Duration::from_millis(5),
        ..NetLimits::default()
    }
}

fn import(opts: &VaultOptions) -> Result<Vec<Grant>, LedgerError> {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(import_vault(opts))
}

/// A Vault with one live lease, one expired (still held past its expire_time) and, known from
/// an earlier ledger, one revoked.
fn vault() -> FakeHttp {
    let now = Utc::now();
    let fake = FakeHttp::start();
    fake.on("GET", LIST_ROOT, 200, keys(&["app-readonly/", "etl/"]))
        .on(
            "GET",
            "/v1/sys/leases/lookup/database/creds/app-readonly/?list=true",
            200,
            keys(&["Zk4qT8vN2mR5"]),
        )
        .on(
            "GET",
            "/v1/sys/leases/lookup/database/creds/etl/?list=true",
            200,
            keys(&["Qp7Lm2Xy9Rt4"]),
        )
        .on_body(
            "PUT",
            LOOKUP,
            LIVE,
            200,
            lease(
                LIVE,
                now - Duration::minutes(10),
                now + Duration::minutes(50),
            ),
        )
        .on_body(
            "PUT",
            LOOKUP,
            EXPIRED,
            200,
            lease(EXPIRED, now - Duration::hours(3), now - Duration::hours(2)),
        )
        .on_body(
            "PUT",
            LOOKUP,
            REVOKED,
            400,
            json!({"errors": ["invalid lease"]}).to_string(),
        );
    fake
}

fn grant<'a>(grants: &'a [Grant], id: &str) -> &'a Grant {
    grants
        .iter()
        .find(|g| g.grant_id == id)
        .unwrap_or_else(|| panic!("no grant {id} in {grants:#?}"))
}

#[test]
fn live_expired_and_revoked_leases_become_three_grants() {
    env();
    let fake = vault();
    let before = Utc::now();
    let grants = import(&options(&fake.url)).expect("import");
    assert_eq!(grants.len(), 3, "{grants:#?}");
    let now = Utc::now();

    let live = grant(&grants, LIVE);
    assert!(live.is_active(now), "{live:#?}");
    assert_eq!(live.identity, format!("vault-lease:{LIVE}"));
    assert_eq!(live.boundary.as_str(), "postgres");
    assert_eq!(live.scope, SCOPE);
    assert_eq!(live.source, "vault");
    assert_eq!(live.labels["vault_role"], "app-readonly");
    let issued = live.issued_at.expect("issued_at");
    assert_eq!(live.labels["issued_unix"], issued.timestamp().to_string());
    assert!(live.expires_at.is_some_and(|e| e > now));
    assert!(live.revoked_at.is_none() && live.requested_by.is_none() && live.task.is_none());
    assert_eq!(
        live.evidence[0].source,
        format!("vault:PUT /v1/sys/leases/lookup {LIVE}")
    );

    let expired = grant(&grants, EXPIRED);
    assert!(!expired.is_active(now));
    assert!(expired.expires_at.is_some_and(|e| e < before));
    assert!(expired.revoked_at.is_none());
    assert_eq!(expired.labels["vault_role"], "etl");
    assert_eq!(expired.labels["lease_state"], "expired");

    let revoked = grant(&grants, REVOKED);
    let at = revoked.revoked_at.expect("revoked_at");
    assert!(
        at >= before && at <= now,
        "revoked_at is the time of the lookup"
    );
    assert_eq!(revoked.labels["revoked_observed"], "true");
    assert_eq!(revoked.labels["vault_role"], "app-readonly");
    assert!(!revoked.is_active(now));

    let text = serde_json::to_string(&grants).unwrap();
    assert!(!text.contains(TOKEN), "the token leaked into the grants");
}

#[test]
fn sends_the_token_and_namespace_and_makes_only_read_calls() {
    env();
    let fake = vault();
    import(&options(&fake.url)).expect("import");
    let requests = fake.requests();
    assert_eq!(requests.len(), 6, "3 lists + 3 lookups: {requests:#?}");
    for r in &requests {
        assert_eq!(r.header("x-vault-token"), Some(TOKEN), "{r:?}");
        assert_eq!(r.header("x-vault-namespace"), Some("team-a"), "{r:?}");
        let list = r.method == "GET"
            && r.path.starts_with("/v1/sys/leases/lookup/")
            && r.path.ends_with("?list=true");
        let lookup = r.method == "PUT" && r.path == LOOKUP && r.body.contains("\"lease_id\"");
        assert!(list || lookup, "not a read call: {} {}", r.method, r.path);
        assert!(!r.path.contains(TOKEN) && !r.body.contains(TOKEN));
    }
}

#[test]
fn permission_denied_is_an_error_naming_the_address() {
    env();
    let fake = FakeHttp::start();
    fake.on(
        "GET",
        LIST_ROOT,
        403,
        json!({"errors": ["1 error occurred:\n\t* permission denied\n\n"]}).to_string(),
    );
    let err = import(&options(&fake.url)).unwrap_err().to_string();
    assert!(err.contains(&fake.url), "{err}");
    assert!(
        err.contains("403") && err.contains("permission denied"),
        "{err}"
    );
    assert!(
        err.contains("sudo"),
        "says which capability is missing: {err}"
    );
    assert!(!err.contains(TOKEN));
}

#[test]
fn a_refused_lookup_fails_the_whole_import() {
    env();
    let fake = FakeHttp::start();
    fake.on("GET", LIST_ROOT, 200, keys(&["app-readonly/"]))
        .on(
            "GET",
            "/v1/sys/leases/lookup/database/creds/app-readonly/?list=true",
            200,
            keys(&["Zk4qT8vN2mR5"]),
        )
        .on(
            "PUT",
            LOOKUP,
            403,
            json!({"errors": ["permission denied"]}).to_string(),
        );
    let err = import(&options(&fake.url)).unwrap_err().to_string();
    assert!(err.contains(&fake.url) && err.contains("403"), "{err}");
    assert!(!err.contains(TOKEN));
}

#[test]
fn an_unreachable_vault_is_an_error_naming_the_address() {
    env();
    let err = import(&options("http://127.0.0.1:9"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("http://127.0.0.1:9"), "{err}");
    assert!(err.contains("cannot reach"), "{err}");
    assert!(!err.contains(TOKEN));
}

#[test]
fn a_missing_token_is_an_error_naming_the_variable() {
    env();
    let mut opts = options("http://127.0.0.1:9");
    opts.token_env = "JITGAP_TEST_VAULT_TOKEN_NEVER_SET".into();
    let err = import(&opts).unwrap_err().to_string();
    assert!(err.contains("JITGAP_TEST_VAULT_TOKEN_NEVER_SET"), "{err}");
}

#[test]
fn an_empty_mount_is_an_empty_ledger_and_a_busy_vault_is_retried() {
    env();
    let fake = FakeHttp::start();
    fake.on_times(
        "GET",
        LIST_ROOT,
        1,
        503,
        json!({"errors": ["Vault is sealed"]}).to_string(),
    )
    .on("GET", LIST_ROOT, 404, json!({"errors": []}).to_string());
    let mut opts = options(&fake.url);
    opts.known_leases.clear();
    let grants = import(&opts).expect("404 with no errors is Vault's empty list");
    assert!(grants.is_empty());
    assert_eq!(fake.requests().len(), 2, "one retry after the 503");

    let down = FakeHttp::start();
    down.on(
        "GET",
        LIST_ROOT,
        503,
        json!({"errors": ["Vault is sealed"]}).to_string(),
    );
    let err = import(&opts_for(&down.url)).unwrap_err().to_string();
    assert!(
        err.contains("503") && err.contains("sealed") && err.contains(&down.url),
        "{err}"
    );
    assert!(err.contains("after 5 attempts"), "{err}");
    assert_eq!(
        down.requests().len(),
        quick().max_attempts as usize,
        "bounded retries"
    );
}

fn opts_for(addr: &str) -> VaultOptions {
    let mut o = options(addr);
    o.known_leases.clear();
    o
}
