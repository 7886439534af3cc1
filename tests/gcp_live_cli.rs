//! `jitgap scan` and `jitgap collect` against the fake Google Cloud
//! (`tests/support/fake_gcp.rs`) with `--gcp-endpoint-url`: the verdicts per service
//! account, the coverage per project and the PAM zombie; `collect` writes the estate and
//! `scan --from` of it gives the same report; PAM not enabled leaves acme-prod partial,
//! names the API and exits 3 with the rest reported; the token is in no output; without any
//! credential the error says what to set; Application Default Credentials from an
//! authorized_user file get their token from the file's token endpoint, once per run.

mod support;

use jitgap::scan::gcp::raw;
use serde_json::{Value, json};
use std::path::Path;
use support::cli::{files, jitgap, json_file};
use support::fake_gcp::{DATA, FakeGcp, Fault, PROD, comparable, estate_dir};
use support::fake_http::FakeHttp;

const TOKEN: &str = "ya29.test-token-SECRET";
const AS_OF: &str = "2026-09-01T12:00:00Z";
const ENTITLEMENTS: &str = "/v1/projects/acme-prod/locations/global/entitlements";

/// jitgap with the token and the fake's URL, in `work`: (exit code, stdout, stderr).
fn run(fake: &FakeGcp, work: &Path, args: &[&str]) -> (i32, String, String) {
    let o = jitgap(work)
        .env("JITGAP_GCP_TOKEN", TOKEN)
        .args(args)
        .args(["--gcp-project", PROD, "--gcp-project", DATA])
        .args(["--gcp-endpoint-url", &fake.url])
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn report(dir: &Path) -> Value {
    std::fs::read_to_string(dir.join("jitgap-report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// A live scan judged at the estate's time, its report in `work/report`.
fn live_scan(fake: &FakeGcp, work: &Path) -> (i32, Value, String) {
    let (code, _, stderr) = run(
        fake,
        work,
        &[
            "scan", "--as-of", AS_OF, "--format", "json", "--out", "report",
        ],
    );
    (code, report(&work.join("report")), stderr)
}

/// The local part of a service account's email, else the identity's name.
fn short_name(r: &Value, id: &str) -> String {
    let name = r["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .and_then(|i| i["name"].as_str())
        .unwrap_or(id)
        .to_string();
    name.split('@').next().unwrap_or(&name).to_string()
}

/// What a report decided, without the evidence (its sources name API calls live and files
/// from a snapshot): identities, every path with its verdicts and the rules behind them,
/// every finding, the coverage and the scopes' states.
fn verdicts(r: &Value) -> Vec<String> {
    let list = |k: &str| r[k].as_array().cloned().unwrap_or_default();
    let mut out: Vec<String> = list("identities")
        .iter()
        .map(|i| format!("identity {} {} {}", i["id"], i["name"], i["kind"]))
        .chain(list("access_paths").iter().map(|p| {
            format!(
                "path {} {} {} {} {} {} {} [{} {} {}]",
                p["id"],
                p["identity"],
                p["entitlement"],
                p["target"],
                p["privilege"],
                p["enforcement"],
                p["credential_lifetime"],
                p["basis"]["privilege"]["rule"],
                p["basis"]["enforcement"]["rule"],
                p["basis"]["credential_lifetime"]["rule"]
            )
        }))
        .chain(list("findings").iter().map(|f| {
            format!(
                "finding {} {} {} {} {}",
                f["id"], f["rule_id"], f["identity"], f["revocation"], f["message"]
            )
        }))
        .chain(
            list("scopes")
                .iter()
                .map(|s| format!("scope {} {} {}", s["scope"], s["status"], s["errors"])),
        )
        .collect();
    out.push(r["coverage"].to_string());
    out.sort();
    out
}

fn path_verdict(r: &Value, account: &str, entitlement: &str) -> (String, String, String) {
    let p = r["access_paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            short_name(r, p["identity"].as_str().unwrap()) == account
                && p["entitlement"] == entitlement
        })
        .unwrap_or_else(|| panic!("no path {account} {entitlement}"));
    let s = |k: &str| p[k].as_str().unwrap().to_string();
    (s("privilege"), s("enforcement"), s("credential_lifetime"))
}

#[test]
fn a_live_scan_gives_the_verdicts_and_the_zombie_and_a_rescan_of_its_snapshot_agrees() {
    let fake = FakeGcp::start(TOKEN);
    let work = tempfile::tempdir().unwrap();
    let (code, live, stderr) = live_scan(&fake, work.path());
    assert_eq!(code, 0, "{stderr}");
    let v = |a: &str, e: &str, p: &str, enf: &str, c: &str| {
        assert_eq!(
            path_verdict(&live, a, e),
            (p.to_string(), enf.to_string(), c.to_string()),
            "{a} {e}"
        );
    };
    v("deployer", "roles/owner", "admin", "standing", "long-lived");
    v(
        "reporter",
        "roles/bigquery.admin (condition \"incident-4711\")",
        "write",
        "jit",
        "ephemeral",
    );
    v(
        "migrator",
        "roles/cloudsql.admin via PAM entitlement db-breakglass",
        "write",
        "jit",
        "none",
    );
    v(
        "ci-runner",
        "roles/iam.serviceAccountUser (inherited from folders/345678901234)",
        "admin",
        "standing",
        "ephemeral",
    );
    v(
        "etl-runner",
        "roles/bigquery.admin",
        "write",
        "standing",
        "long-lived",
    );
    // The ENDED PAM grant whose binding is still there.
    let zombie: Vec<String> = live["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "GCP008" && f["revocation"] == "not-effective")
        .map(|f| short_name(&live, f["identity"].as_str().unwrap()))
        .collect();
    assert_eq!(zombie, ["migrator"]);
    let covered: Vec<&str> = live["coverage"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["scope"].as_str())
        .collect();
    assert!(
        covered.contains(&PROD) && covered.contains(&DATA),
        "{covered:?}"
    );
    for s in live["scopes"].as_array().unwrap() {
        assert_eq!(s["status"], "complete", "{s}");
    }
    // Collect, then scan the snapshot: the same report.
    let (code, _, stderr) = run(&fake, work.path(), &["collect", "--out", "snap"]);
    assert_eq!(code, 0, "{stderr}");
    let again = jitgap(work.path())
        .args([
            "scan", "--from", "snap", "--as-of", AS_OF, "--format", "json", "--out", "again",
        ])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let from = report(&work.path().join("again"));
    assert!(from["access_paths"].as_array().unwrap().len() > 20);
    let (a, b) = (verdicts(&live), verdicts(&from));
    let only = |x: &[String], y: &[String]| -> Vec<String> {
        x.iter().filter(|v| !y.contains(v)).cloned().collect()
    };
    assert_eq!(
        (only(&a, &b), only(&b, &a)),
        (Vec::new(), Vec::new()),
        "(only live, only from the snapshot)"
    );
}

#[test]
fn collect_writes_the_estate_as_the_api_returns_it() {
    let fake = FakeGcp::start(TOKEN);
    let work = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&fake, work.path(), &["collect", "--out", "snap"]);
    assert_eq!(code, 0, "{stderr}");
    let (want_root, got_root) = (estate_dir().join("gcp"), work.path().join("snap/gcp"));
    let rel = |root: &Path| -> Vec<String> {
        files(root)
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    };
    assert_eq!(rel(&got_root), rel(&want_root));
    for name in rel(&want_root) {
        let doc = Path::new(&name)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(
            comparable(&doc, json_file(&got_root.join(&name))),
            comparable(&doc, json_file(&want_root.join(&name))),
            "{name}"
        );
    }
}

#[test]
fn pam_not_enabled_leaves_the_project_partial_names_the_api_and_exits_3() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(ENTITLEMENTS, Fault::ServiceDisabled);
    let work = tempfile::tempdir().unwrap();
    let (code, r, stderr) = live_scan(&fake, work.path());
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("privilegedaccessmanager.googleapis.com"),
        "{stderr}"
    );
    let scope = |name: &str| {
        r["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scope"] == name)
            .unwrap_or_else(|| panic!("scope {name}"))
            .clone()
    };
    let prod = scope(PROD);
    assert_eq!(prod["status"], "partial");
    let errors = prod["errors"].to_string();
    assert!(
        errors.contains("SERVICE_DISABLED")
            && errors.contains("gcloud services enable privilegedaccessmanager.googleapis.com"),
        "{errors}"
    );
    assert_eq!(scope(DATA)["status"], "complete");
    // Everything but PAM is still reported; the eligibility only PAM shows is not.
    assert_eq!(path_verdict(&r, "deployer", "roles/owner").1, "standing");
    assert_eq!(
        path_verdict(&r, "etl-runner", "roles/bigquery.admin").1,
        "standing"
    );
    assert!(
        !r["access_paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["entitlement"]
                .as_str()
                .unwrap()
                .contains("via PAM entitlement")),
        "no PAM path without the entitlements"
    );
    // `collect` keeps what it read and exits 3 too.
    let (code, _, stderr) = run(&fake, work.path(), &["collect", "--out", "snap"]);
    assert_eq!(code, 3, "{stderr}");
    let prod_dir = work.path().join("snap/gcp").join(PROD);
    assert!(!prod_dir.join(raw::ENTITLEMENTS).exists());
    assert!(prod_dir.join(raw::IAM_POLICY).exists());
}

#[test]
fn the_token_appears_in_no_output_report_or_snapshot() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault("/v1/projects/acme-prod/serviceAccounts", Fault::EchoToken)
        .fault(ENTITLEMENTS, Fault::Malformed)
        .fault("/v3/projects/acme-data:getIamPolicy", Fault::ServerError)
        .fault(
            "/v1/projects/acme-data/serviceAccounts",
            Fault::Exhausted(1),
        );
    let work = tempfile::tempdir().unwrap();
    let mut texts: Vec<(String, String)> = Vec::new();
    for (args, name) in [
        (
            vec![
                "scan",
                "--as-of",
                AS_OF,
                "--format",
                "json,markdown,sarif",
                "--out",
                "report",
            ],
            "scan",
        ),
        (vec!["collect", "--out", "snap"], "collect"),
    ] {
        let (code, stdout, stderr) = run(&fake, work.path(), &args);
        assert_eq!(code, 3, "{name}: {stderr}");
        texts.push((format!("{name} stdout"), stdout));
        texts.push((format!("{name} stderr"), stderr));
    }
    assert!(
        texts[1].1.contains("does not have permission"),
        "{}",
        texts[1].1
    );
    for f in files(work.path()) {
        texts.push((
            f.display().to_string(),
            std::fs::read_to_string(&f).unwrap(),
        ));
    }
    assert!(texts.len() > 15, "{} outputs", texts.len());
    for (what, text) in &texts {
        assert!(
            !text.contains("test-token-SECRET"),
            "the token is in {what}"
        );
    }
}

/// jitgap without JITGAP_GCP_TOKEN, and without any ADC but what `adc` sets.
fn without_token(work: &Path, home: &Path) -> assert_cmd::Command {
    let mut cmd = jitgap(work);
    for v in [
        "JITGAP_GCP_TOKEN",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "CLOUDSDK_CONFIG",
    ] {
        cmd.env_remove(v);
    }
    // No gcloud ADC file, and a metadata server that refuses connections at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    cmd.env("HOME", home)
        .env("GCE_METADATA_HOST", format!("127.0.0.1:{port}"))
        .env("NO_PROXY", "127.0.0.1,localhost");
    cmd
}

#[test]
fn without_any_credential_the_error_says_what_to_set() {
    let fake = FakeGcp::start(TOKEN);
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let o = without_token(work.path(), &home)
        .args([
            "collect",
            "--gcp-project",
            PROD,
            "--gcp-endpoint-url",
            &fake.url,
            "--out",
            "snap",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    for part in [
        "no Google Cloud credential worked",
        "metadata server",
        "JITGAP_GCP_TOKEN",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "gcloud auth application-default login",
    ] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    assert!(
        fake.requests().is_empty(),
        "nothing is sent without a token"
    );
}

#[test]
fn application_default_credentials_from_an_authorized_user_file_are_used_once_per_run() {
    const ADC_TOKEN: &str = "ya29.adc-access-token-SECRET";
    const REFRESH: &str = "1//adc-refresh-token-SECRET";
    let oauth = FakeHttp::start();
    oauth.on(
        "POST",
        "/token",
        200,
        json!({"access_token": ADC_TOKEN, "expires_in": 3599, "token_type": "Bearer",
               "scope": "https://www.googleapis.com/auth/cloud-platform"})
        .to_string(),
    );
    let fake = FakeGcp::start(ADC_TOKEN);
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let adc = work.path().join("adc.json");
    std::fs::write(
        &adc,
        json!({"type": "authorized_user", "client_id": "764086051850-test.apps.googleusercontent.com",
               "client_secret": "adc-client-secret-SECRET", "refresh_token": REFRESH,
               "token_uri": format!("{}/token", oauth.url)})
        .to_string(),
    )
    .unwrap();
    let o = without_token(work.path(), &home)
        .env("GOOGLE_APPLICATION_CREDENTIALS", &adc)
        .args(["collect", "--gcp-project", PROD, "--gcp-project", DATA])
        .args(["--gcp-endpoint-url", &fake.url, "--out", "snap"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let exchanges = oauth.requests();
    assert_eq!(exchanges.len(), 1, "one token for the run: {exchanges:?}");
    let body: Value = serde_json::from_str(&exchanges[0].body).unwrap();
    assert_eq!(body["grant_type"], "refresh_token");
    assert_eq!(body["refresh_token"], REFRESH);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {ADC_TOKEN}"))),
    );
    assert!(
        work.path()
            .join("snap/gcp")
            .join(DATA)
            .join(raw::PROJECT)
            .exists()
    );
    let mut outputs = vec![stderr, String::from_utf8_lossy(&o.stdout).into_owned()];
    for f in files(&work.path().join("snap")) {
        outputs.push(std::fs::read_to_string(f).unwrap());
    }
    for text in &outputs {
        assert!(!text.contains("SECRET"), "a credential is in an output");
    }
}
