//! `jitgap collect` against the fake Graph and ARM (`tests/support/fake_azure.rs`) with
//! `JITGAP_AZURE_TOKEN` set: the snapshot it writes is the estate (pages merged), a forbidden
//! collection exits 3 naming the permission, the token is in no output even on errors, and
//! without any credential the error says which were tried.

mod support;

use jitgap::scan::azure::raw;
use std::path::{Path, PathBuf};
use support::cli::{files, jitgap, json_file};
use support::fake_azure::{DEV, FakeAzure, Fault, PROD, TENANT, arm_path, estate_dir, estate_doc};
use support::fake_http::FakeHttp;

/// A JWT naming the tenant (`tid`), with a distinctive signature to search outputs for.
const SIGNATURE: &str = "SeededJitgapAzureCliToken3e9a7c1f5b2d4068a1e3c5b7d9f1a3c5e7b9d1";
fn token() -> String {
    // {"tid":"9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a","appid":"jitgap-test"}
    format!(
        "eyJhbGciOiJub25lIn0.eyJ0aWQiOiI5ZThkN2M2Yi01YTQ5LTQ4MzctYTI2MS0wZjFlMmQzYzRiNWEiLCJhcHBpZCI6ImppdGdhcC10ZXN0In0.{SIGNATURE}"
    )
}

fn cli_collect(fake: &FakeAzure, out: &Path) -> assert_cmd::assert::Assert {
    let work = out.parent().unwrap();
    jitgap(work)
        .env("JITGAP_AZURE_TOKEN", token())
        .args([
            "collect",
            "--azure-graph-url",
            &fake.url,
            "--azure-arm-url",
            &fake.url,
            "--out",
        ])
        .arg(out)
        .assert()
}

#[test]
fn collect_writes_the_estate_as_the_api_returns_it() {
    let fake = FakeAzure::start(&token());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    cli_collect(&fake, &out).code(0);
    let want = files(&estate_dir().join("azure"));
    let got = files(&out.join("azure"));
    let rel = |root: &Path, v: &[PathBuf]| -> Vec<String> {
        v.iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect()
    };
    assert_eq!(
        rel(&out.join("azure"), &got),
        rel(&estate_dir().join("azure"), &want)
    );
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(json_file(g), json_file(w), "{}", g.display());
    }
}

#[test]
fn collect_exits_3_when_a_collection_is_forbidden() {
    let fake = FakeAzure::start(&token());
    fake.fault(
        &arm_path(PROD, "roleEligibilityScheduleInstances"),
        Fault::Forbidden,
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let a = cli_collect(&fake, &out).code(3);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        stderr.contains(raw::permission_for(raw::ELIGIBILITY_INSTANCES)),
        "{stderr}"
    );
    let prod = out.join("azure").join(PROD);
    assert!(!prod.join(raw::ELIGIBILITY_INSTANCES).exists());
    assert_eq!(
        json_file(&prod.join(raw::ROLE_ASSIGNMENTS)),
        estate_doc(PROD, raw::ROLE_ASSIGNMENTS)
    );
    assert!(
        out.join("azure")
            .join(TENANT)
            .join(raw::SERVICE_PRINCIPALS)
            .exists()
    );
}

#[test]
fn the_token_appears_in_no_output_even_on_errors() {
    let fake = FakeAzure::start(&token());
    let elsewhere = FakeHttp::start();
    fake.fault(&arm_path(PROD, "roleAssignments"), Fault::Forbidden)
        .fault("/v1.0/applications", Fault::Malformed)
        .fault(&arm_path(DEV, "roleDefinitions"), Fault::ServerError)
        .fault(
            "/v1.0/servicePrincipals",
            Fault::NextLinkTo(elsewhere.url.clone()),
        )
        .fault(
            "/v1.0/roleManagement/directory/roleDefinitions",
            Fault::Throttle,
        );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let a = cli_collect(&fake, &out).code(3);
    let o = a.get_output();
    let mut texts = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        ),
        (
            "stderr".to_string(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ),
    ];
    for f in files(&out) {
        texts.push((
            f.display().to_string(),
            std::fs::read_to_string(&f).unwrap(),
        ));
    }
    assert!(texts.len() > 20, "{} outputs", texts.len());
    assert!(texts[1].1.contains("not collected"), "{}", texts[1].1);
    for (what, text) in &texts {
        assert!(
            !text.contains(SIGNATURE) && !text.contains(&token()),
            "the token is in {what}"
        );
    }
}

#[test]
fn collect_without_any_credential_says_which_were_tried() {
    let fake = FakeAzure::start(&token());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snap");
    let empty = tmp.path().join("no-tools");
    std::fs::create_dir_all(&empty).unwrap();
    let mut cmd = jitgap(tmp.path());
    for v in [
        "JITGAP_AZURE_TOKEN",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_FEDERATED_TOKEN_FILE",
        "IDENTITY_ENDPOINT",
        "MSI_ENDPOINT",
    ] {
        cmd.env_remove(v);
    }
    let a = cmd
        .env("PATH", &empty)
        .args([
            "collect",
            "--azure-tenant",
            TENANT,
            "--azure-graph-url",
            &fake.url,
            "--azure-arm-url",
            &fake.url,
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        stderr.contains("no Azure credential worked") && stderr.contains("Azure CLI"),
        "{stderr}"
    );
    assert!(
        stderr.contains("JITGAP_AZURE_TOKEN") && stderr.contains("az login"),
        "{stderr}"
    );
    assert!(
        fake.requests().is_empty(),
        "nothing is sent without a token"
    );
}
