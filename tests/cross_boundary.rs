//! Cross-boundary reconciliation with real parts: a real PostgreSQL holding Vault-style dynamic
//! roles, and a fake Vault API (the documented envelope) reporting their leases — one live, one
//! revoked, one expired. The revoked role is still present with an open session.

mod support;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use support::fake_http::FakeHttp;
use support::postgres::Pg;

const TOKEN: &str = "hvs.CROSSBOUNDARYtestTOKEN0123456789";

fn envelope(data: Value) -> String {
    json!({"request_id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "lease_id": "", "renewable": false, "lease_duration": 0,
           "data": data, "wrap_info": null, "warnings": null, "auth": null})
    .to_string()
}

fn lease(id: &str, issued: chrono::DateTime<Utc>, expires: chrono::DateTime<Utc>) -> String {
    envelope(
        json!({"id": id, "issue_time": issued.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
                    "expire_time": expires.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
                    "last_renewal": null, "renewable": true, "ttl": (expires - Utc::now()).num_seconds().max(0)}),
    )
}

/// Vault's default username: v-<display 8>-<role 8>-<random 20>-<unix time>.
fn vault_user(random: &str, issued: chrono::DateTime<Utc>) -> String {
    format!("v-approle-app-rw-{random}-{}", issued.timestamp())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vault_leases_against_a_real_postgres() {
    let pg = Pg::start();
    let now = Utc::now();
    let (live_at, revoked_at, expired_at) = (
        now - Duration::minutes(10),
        now - Duration::minutes(50),
        now - Duration::hours(3),
    );
    let live = vault_user("Qm7Tz2Lk9Rx4Wv6Yb8Nc", live_at);
    let revoked = vault_user("Hd3Jk5Lm7Np9Qr1St3Uv", revoked_at);
    // The expired lease's role (never created here: Vault dropped it) would be:
    let _expired = vault_user("Zz1Yy2Xx3Ww4Vv5Uu6Tt", expired_at);
    let until = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S+00").to_string();
    pg.exec(&format!(
        "CREATE TABLE orders (id int); \
         CREATE ROLE app_rw NOLOGIN; GRANT INSERT, SELECT ON orders TO app_rw; \
         CREATE ROLE \"{live}\" LOGIN PASSWORD 'live-pw-1' VALID UNTIL '{}' IN ROLE app_rw; \
         CREATE ROLE \"{revoked}\" LOGIN PASSWORD 'revoked-pw-1' VALID UNTIL '{}' IN ROLE app_rw; \
         CREATE ROLE jitgap_reader LOGIN PASSWORD 'reader-pw-1'; GRANT pg_read_all_stats TO jitgap_reader;",
        until(now + Duration::minutes(50)),
        until(now + Duration::minutes(10))
    ))
    .await;
    // The expired lease's role was dropped by Vault: a clean revocation. It never exists here.
    // The revoked lease's role is still there, and a session it opened is still running.
    let session = pg
        .connect(&revoked, "revoked-pw-1")
        .await
        .expect("the revoked role can still log in");
    session
        .simple_query("SELECT count(*) FROM orders")
        .await
        .unwrap();

    let vault = FakeHttp::start();
    vault
        .on(
            "GET",
            "/v1/sys/leases/lookup/database/creds/?list=true",
            200,
            envelope(json!({"keys": ["app-rw/"]})),
        )
        .on(
            "GET",
            "/v1/sys/leases/lookup/database/creds/app-rw/?list=true",
            200,
            envelope(json!({"keys": ["L1live", "L2revoked", "L3expired"]})),
        )
        .on_body(
            "PUT",
            "/v1/sys/leases/lookup",
            "L1live",
            200,
            lease(
                "database/creds/app-rw/L1live",
                live_at,
                now + Duration::minutes(50),
            ),
        )
        .on_body(
            "PUT",
            "/v1/sys/leases/lookup",
            "L2revoked",
            400,
            json!({"errors": ["invalid lease"]}).to_string(),
        )
        .on_body(
            "PUT",
            "/v1/sys/leases/lookup",
            "L3expired",
            200,
            lease(
                "database/creds/app-rw/L3expired",
                expired_at,
                now - Duration::hours(2),
            ),
        );

    let out = support::cli::jitgap_in_repo()
        .args([
            "scan",
            "--postgres-url",
            &pg.url_for("jitgap_reader", "reader-pw-1"),
            "--ledger",
            &format!("vault:{}", pg.scope()),
            "--format",
            "json",
        ])
        .env("VAULT_ADDR", &vault.url)
        .env("VAULT_TOKEN", TOKEN)
        .env_remove("PGPASSWORD")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "the Vault token reached an output"
    );
    let r: Value = serde_json::from_str(&stdout).unwrap();
    let find = |rule: &str| -> Vec<Value> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == rule)
            .cloned()
            .collect()
    };

    // One zombie: the revoked lease's role still exists and its session still runs; both pieces of evidence.
    let zombies = find("LED002");
    assert_eq!(zombies.len(), 1, "{:#}", r["findings"]);
    let z = &zombies[0];
    assert_eq!(z["revocation"], "not-effective");
    assert!(z["identity"].as_str().unwrap().ends_with(&revoked), "{z:#}");
    let evidence = z["evidence"].to_string();
    assert!(
        evidence.contains("L2revoked"),
        "the ledger (Vault lookup) evidence: {evidence}"
    );
    assert!(
        evidence.contains("/stat_activity/"),
        "the live session evidence: {evidence}"
    );
    assert!(
        z["message"].as_str().unwrap().contains("session"),
        "{}",
        z["message"]
    );

    // One clean revocation: the expired lease's role is gone.
    let verified = find("LED005");
    assert_eq!(verified.len(), 1, "{:#}", r["findings"]);
    assert_eq!(verified[0]["revocation"], "effective");
    assert!(
        verified[0]["message"]
            .as_str()
            .unwrap()
            .contains("L3expired")
    );

    // One JIT path: the live lease's role.
    let live_paths: Vec<&Value> = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["identity"].as_str().unwrap().ends_with(&live))
        .collect();
    assert!(!live_paths.is_empty());
    assert!(
        live_paths.iter().all(|p| p["enforcement"] == "jit"),
        "{live_paths:#?}"
    );
    assert_eq!(r["ledger"]["zombies"], 1);
    assert_eq!(r["ledger"]["revocations_verified"], 1);

    // The Vault token went in the header, and only list/lookup calls were made.
    for req in vault.requests() {
        assert_eq!(req.header("x-vault-token"), Some(TOKEN));
        assert!(
            req.path.starts_with("/v1/sys/leases/lookup"),
            "{}",
            req.path
        );
    }
    drop(session);
}
