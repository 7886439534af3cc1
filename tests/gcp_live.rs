//! The live GCP collector (IAM, Resource Manager, PAM, Policy Analyzer) against the fake
//! estate in `tests/fixtures/gcp/estate/` through the library: only GETs and the version-3
//! `getIamPolicy` POST, each an allowed operation, with the bearer token; pages (two items
//! each) merged into the estate's documents; folders, organizations and roles read once per
//! run; the organization mode; faults (403 `SERVICE_DISABLED` / `PERMISSION_DENIED`, 429
//! `RESOURCE_EXHAUSTED`, 401, 500, a malformed body, a body of the wrong shape, a page-token
//! loop) kept to their own document; and the token in no error. `gcp_live_cli.rs` goes
//! through the binary.

mod support;

use support::pipeline::{doc, scope};

use jitgap::net::NetLimits;
use jitgap::scan::RawScope;
use jitgap::scan::gcp::collect::{self, Credentials, GcpOptions};
use jitgap::scan::gcp::raw;
use jitgap::scan::scanner::Live;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use support::cli::copy_dir;
use support::fake_gcp::{
    DATA, FakeGcp, Fault, ORG, PROD, comparable, doc_in, estate_dir, estate_doc,
};
use support::fake_http::Recorded;

const TOKEN: &str = "ya29.test-token-SECRET";
const ENTITLEMENTS: &str = "/v1/projects/acme-prod/locations/global/entitlements";
const ACCOUNTS: &str = "/v1/projects/acme-prod/serviceAccounts";

fn quick() -> Live {
    Live {
        net: NetLimits {
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            ..NetLimits::default()
        },
    }
}

fn named(fake: &FakeGcp) -> GcpOptions {
    GcpOptions {
        projects: vec![PROD.into(), DATA.into()],
        organization: None,
        endpoint: Some(fake.url.clone()),
    }
}

fn org(fake: &FakeGcp) -> GcpOptions {
    GcpOptions {
        projects: Vec::new(),
        organization: Some(ORG.into()),
        endpoint: Some(fake.url.clone()),
    }
}

/// Plans, lists and collects every scope, as `jitgap collect` does.
async fn run(o: GcpOptions, token: &str) -> Vec<RawScope> {
    let live = quick();
    let targets = collect::list_scopes_with(collect::targets(o), &live, Credentials::bearer(token))
        .await
        .expect("listing never fails the run");
    let mut out = Vec::new();
    for t in &targets {
        out.push(collect::collect(t, &live).await);
    }
    out
}

/// The documents of `raw` are those of project `raw.scope` in `dir`, except `skip`: the
/// same files, equal as JSON values.
fn assert_docs(dir: &Path, raw: &RawScope, skip: &[&str]) {
    for name in raw::DOCUMENTS.iter().filter(|n| !skip.contains(n)) {
        let want = doc_in(dir, &raw.scope, name);
        let got = raw.document(name).map(|_| doc(raw, name));
        assert_eq!(
            got.map(|v| comparable(name, v)),
            want.map(|v| comparable(name, v)),
            "{} {name}",
            raw.scope
        );
    }
}

fn assert_estate(raw: &RawScope, skip: &[&str]) {
    assert_docs(&estate_dir(), raw, skip);
}

fn complete(scopes: &[RawScope], name: &str) {
    let s = scope(scopes, name);
    assert!(s.errors.is_empty(), "{name}: {:?}", s.errors);
    assert_estate(s, &[]);
}

fn path_of(r: &Recorded) -> &str {
    r.path.split('?').next().unwrap()
}

fn calls_to(fake: &FakeGcp, method: &str, path: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == method && path_of(r) == path)
        .count()
}

#[tokio::test]
async fn every_request_is_a_get_or_the_version_3_get_iam_policy_and_an_allowed_operation() {
    let fake = FakeGcp::start(TOKEN);
    let scopes = run(named(&fake), TOKEN).await;
    assert_eq!(scopes.len(), 2);
    run(org(&fake), TOKEN).await;
    let requests = fake.requests();
    assert!(requests.len() > 60, "{} requests", requests.len());
    let version_3: Value = serde_json::from_str(raw::GET_IAM_POLICY_BODY).unwrap();
    assert_eq!(version_3, json!({"options": {"requestedPolicyVersion": 3}}));
    let mut seen = std::collections::BTreeSet::new();
    for r in &requests {
        match r.method.as_str() {
            "GET" => assert!(r.body.is_empty(), "{} has a body", r.path),
            "POST" => {
                assert!(path_of(r).ends_with(":getIamPolicy"), "{}", r.path);
                let body: Value = serde_json::from_str(&r.body).unwrap();
                assert_eq!(body, version_3, "{}", r.path);
            }
            other => panic!("{other} {}", r.path),
        }
        let op = raw::operation_of(&r.method, &r.path)
            .unwrap_or_else(|| panic!("not allowed: {} {}", r.method, r.path));
        seen.insert(op);
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{}",
            r.path
        );
    }
    let unused: Vec<_> = raw::ALLOWED_OPERATIONS
        .iter()
        .filter(|op| !seen.contains(*op))
        .collect();
    assert!(unused.is_empty(), "never sent: {unused:?}");
}

#[tokio::test]
async fn collect_reproduces_the_estate_documents() {
    let fake = FakeGcp::start(TOKEN);
    let scopes = run(named(&fake), TOKEN).await;
    let names: Vec<&str> = scopes.iter().map(|s| s.scope.as_str()).collect();
    assert_eq!(
        names,
        [DATA, PROD],
        "in project-id order, as a snapshot is read"
    );
    complete(&scopes, PROD);
    complete(&scopes, DATA);
    let prod = scope(&scopes, PROD);
    assert_eq!(
        prod.document(raw::SERVICE_ACCOUNTS).unwrap().source,
        "gcp:iam:GET /v1/projects/acme-prod/serviceAccounts"
    );
    assert_eq!(
        prod.document(raw::IAM_POLICY).unwrap().source,
        "gcp:cloudresourcemanager:POST /v3/projects/acme-prod:getIamPolicy"
    );
    // Keys of every type: no keyTypes filter.
    assert!(
        fake.requests()
            .iter()
            .filter(|r| path_of(r).ends_with("/keys"))
            .all(|r| !r.path.contains("keyTypes")),
    );
    // Roles in name order, the predefined roles IAM does not know left out.
    let roles: Vec<String> = doc(prod, raw::ROLES)["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = roles.clone();
    sorted.sort();
    assert_eq!(roles, sorted);
    assert_eq!(
        calls_to(&fake, "GET", "/v1/roles/owner"),
        1,
        "asked once, though both projects bind it"
    );
}

#[tokio::test]
async fn lists_are_paged_two_by_two_and_merged() {
    let fake = FakeGcp::start(TOKEN);
    let scopes = run(named(&fake), TOKEN).await;
    complete(&scopes, PROD);
    let requests = fake.requests();
    let follow_ups = requests
        .iter()
        .filter(|r| r.path.contains("pageToken="))
        .count();
    // Four for acme-prod's ten accounts, one for its four entitlements, two for its six
    // service-account activities.
    assert_eq!(follow_ups, 7);
    let first = |path: &str| {
        requests
            .iter()
            .find(|r| path_of(r) == path && !r.path.contains("pageToken"))
            .unwrap_or_else(|| panic!("no {path}"))
            .path
            .clone()
    };
    assert!(
        first(ACCOUNTS).contains("pageSize=100"),
        "{}",
        first(ACCOUNTS)
    );
    let activities = "/v1/projects/acme-prod/locations/global/activityTypes/serviceAccountLastAuthentication/activities:query";
    assert!(first(activities).contains("pageSize=1000"));
    // Ten accounts, two a page: five pages, then no token.
    assert_eq!(calls_to(&fake, "GET", ACCOUNTS), 5);
    assert_eq!(
        doc(scope(&scopes, PROD), raw::SERVICE_ACCOUNTS)["accounts"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    for (name, d) in &scope(&scopes, PROD).documents {
        assert!(!d.text.contains("nextPageToken"), "{name}");
    }
}

#[tokio::test]
async fn folders_and_organizations_are_read_once_per_run_and_walked_nearest_first() {
    let fake = FakeGcp::start(TOKEN);
    let scopes = run(named(&fake), TOKEN).await;
    let org = format!("/v3/organizations/{ORG}");
    assert_eq!(calls_to(&fake, "GET", &org), 1);
    assert_eq!(calls_to(&fake, "POST", &format!("{org}:getIamPolicy")), 1);
    assert_eq!(calls_to(&fake, "GET", "/v3/folders/345678901234"), 1);
    let names: Vec<Value> = doc(scope(&scopes, PROD), raw::ANCESTORS)["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("folders/345678901234"),
            json!(format!("organizations/{ORG}"))
        ]
    );
}

/// The estate with two more projects: one under a folder of another organization, and one
/// of this organization pending deletion.
fn wider_estate(dir: &Path) {
    copy_dir(&estate_dir(), dir);
    let add = |id: &str, number: &str, parent: &str, state: &str, ancestors: Value| {
        let d = dir.join("gcp").join(id);
        std::fs::create_dir_all(&d).unwrap();
        let project = json!({"name": format!("projects/{number}"), "parent": parent, "projectId": id,
                             "state": state, "displayName": id});
        std::fs::write(d.join(raw::PROJECT), project.to_string()).unwrap();
        std::fs::write(
            d.join(raw::IAM_POLICY),
            json!({"version": 3, "bindings": []}).to_string(),
        )
        .unwrap();
        std::fs::write(d.join(raw::ANCESTORS), ancestors.to_string()).unwrap();
    };
    add(
        "other-corp-app",
        "923456789012",
        "folders/777",
        "ACTIVE",
        json!({"ancestors": [
            {"name": "folders/777", "resource": {"name": "folders/777", "parent": "organizations/999999999999", "state": "ACTIVE"},
             "policy": {"version": 3}},
            {"name": "organizations/999999999999", "resource": {"name": "organizations/999999999999", "state": "ACTIVE"},
             "policy": {"version": 3}}]}),
    );
    add(
        "acme-old",
        "823456789012",
        &format!("organizations/{ORG}"),
        "DELETE_REQUESTED",
        json!({"ancestors": []}),
    );
}

#[tokio::test]
async fn the_organization_mode_finds_its_projects_and_skips_the_others() {
    let dir = tempfile::tempdir().unwrap();
    wider_estate(dir.path());
    let fake = FakeGcp::serve(dir.path(), TOKEN);
    let scopes = run(org(&fake), TOKEN).await;
    let names: Vec<&str> = scopes.iter().map(|s| s.scope.as_str()).collect();
    assert_eq!(names, [DATA, PROD]);
    for s in &scopes {
        assert!(s.errors.is_empty(), "{}: {:?}", s.scope, s.errors);
        assert_docs(dir.path(), s, &[]);
    }
    let requests = fake.requests();
    let search: Vec<&Recorded> = requests
        .iter()
        .filter(|r| path_of(r) == "/v3/projects:search")
        .collect();
    assert!(search.len() >= 2, "paged");
    assert!(
        search[0].path.contains("query=state%3AACTIVE"),
        "{}",
        search[0].path
    );
    // The other organization's folder was walked to find out, nothing of its project read.
    assert_eq!(calls_to(&fake, "GET", "/v3/folders/777"), 1);
    for r in &requests {
        assert!(
            !r.path.contains("other-corp-app") && !r.path.contains("acme-old"),
            "{}",
            r.path
        );
    }
    // The project's entry of the listing is its project.json, not read again by id.
    assert_eq!(
        scope(&scopes, PROD).document(raw::PROJECT).unwrap().source,
        "gcp:cloudresourcemanager:GET /v3/projects:search"
    );
    assert_eq!(calls_to(&fake, "GET", "/v3/projects/acme-prod"), 0);
}

#[tokio::test]
async fn named_projects_and_an_organization_are_one_union_without_duplicates() {
    let fake = FakeGcp::start(TOKEN);
    let mut o = org(&fake);
    o.projects = vec![PROD.into(), PROD.into()];
    let scopes = run(o, TOKEN).await;
    let names: Vec<&str> = scopes.iter().map(|s| s.scope.as_str()).collect();
    assert_eq!(names, [DATA, PROD]);
    complete(&scopes, PROD);
    complete(&scopes, DATA);
    assert_eq!(calls_to(&fake, "GET", "/v3/projects/acme-prod"), 1);
}

#[tokio::test]
async fn a_failed_listing_is_one_failed_scope_that_says_why() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault("/v3/projects:search", Fault::PermissionDenied);
    let scopes = run(org(&fake), TOKEN).await;
    assert_eq!(scopes.len(), 1);
    assert!(scopes[0].documents.is_empty());
    let e = &scopes[0].errors[0];
    assert!(
        e.starts_with(&format!("organizations/{ORG}: projects not listed")),
        "{e}"
    );
    assert!(
        e.contains("403") && e.contains("resourcemanager.projects.get"),
        "{e}"
    );
}

#[tokio::test]
async fn pam_not_enabled_is_one_error_naming_the_api_and_everything_else_is_collected() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(ENTITLEMENTS, Fault::ServiceDisabled);
    let scopes = run(named(&fake), TOKEN).await;
    let prod = scope(&scopes, PROD);
    assert_eq!(prod.errors.len(), 1, "{:?}", prod.errors);
    let e = &prod.errors[0];
    for part in [
        "project acme-prod: pam-entitlements.json not collected",
        "403",
        "SERVICE_DISABLED",
        "privilegedaccessmanager.googleapis.com",
        "gcloud services enable privilegedaccessmanager.googleapis.com --project acme-prod",
        raw::permission_for(raw::ENTITLEMENTS),
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    assert!(prod.document(raw::ENTITLEMENTS).is_none());
    assert!(prod.document(raw::GRANTS).is_none());
    assert_estate(prod, &[raw::ENTITLEMENTS, raw::GRANTS]);
    assert_eq!(
        calls_to(&fake, "GET", ENTITLEMENTS),
        1,
        "a 403 is not retried"
    );
    complete(&scopes, DATA);
}

#[tokio::test]
async fn a_permission_denied_names_the_permission_and_what_depends_on_it_is_left_out() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(ACCOUNTS, Fault::PermissionDenied);
    let scopes = run(named(&fake), TOKEN).await;
    let prod = scope(&scopes, PROD);
    assert_eq!(prod.errors.len(), 1, "{:?}", prod.errors);
    let e = &prod.errors[0];
    assert!(
        e.contains("PERMISSION_DENIED") && e.contains(raw::permission_for(raw::SERVICE_ACCOUNTS)),
        "{e}"
    );
    assert!(prod.document(raw::SERVICE_ACCOUNTS).is_none());
    assert!(prod.document(raw::KEYS).is_none(), "no accounts, no keys");
    assert_estate(prod, &[raw::SERVICE_ACCOUNTS, raw::KEYS]);
}

#[tokio::test]
async fn resource_exhausted_is_retried_until_it_passes() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(ACCOUNTS, Fault::Exhausted(2));
    fake.fault(
        &format!("/v3/organizations/{ORG}:getIamPolicy"),
        Fault::Exhausted(1),
    );
    let scopes = run(named(&fake), TOKEN).await;
    complete(&scopes, PROD);
    complete(&scopes, DATA);
    let first_pages = fake
        .requests()
        .iter()
        .filter(|r| path_of(r) == ACCOUNTS && !r.path.contains("pageToken"))
        .count();
    assert_eq!(first_pages, 3, "asked again after each 429");
}

#[tokio::test]
async fn a_refused_token_says_so_and_how_to_supply_one() {
    let fake = FakeGcp::start(TOKEN);
    let scopes = run(named(&fake), "ya29.another-token-EXPIRED").await;
    for s in &scopes {
        assert!(s.documents.is_empty(), "{}", s.scope);
        assert_eq!(
            s.errors.len(),
            1,
            "stopped at the first refusal: {:?}",
            s.errors
        );
        let e = &s.errors[0];
        for part in [
            "401",
            "UNAUTHENTICATED",
            "the token was refused",
            "JITGAP_GCP_TOKEN",
            "gcloud auth application-default login",
        ] {
            assert!(e.contains(part), "{part}: {e}");
        }
        assert!(!e.contains("another-token-EXPIRED"), "{e}");
    }
    assert_eq!(fake.requests().len(), 2, "one call per project");
}

#[tokio::test]
async fn a_malformed_body_names_the_url_and_the_position() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(ACCOUNTS, Fault::Malformed);
    let scopes = run(named(&fake), TOKEN).await;
    let prod = scope(&scopes, PROD);
    let e = &prod.errors[0];
    assert!(
        e.contains(&format!("{}{ACCOUNTS}?pageSize=100", fake.url)),
        "{e}"
    );
    assert!(
        e.contains("not JSON") && e.contains("line 3, column"),
        "{e}"
    );
    assert!(prod.document(raw::SERVICE_ACCOUNTS).is_none());
    assert!(prod.document(raw::IAM_POLICY).is_some());
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_names_the_url_and_the_pointer() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(ENTITLEMENTS, Fault::WrongShape);
    fake.fault("/v3/projects/acme-data:getIamPolicy", Fault::WrongShape);
    let scopes = run(named(&fake), TOKEN).await;
    let e = &scope(&scopes, PROD).errors[0];
    assert!(
        e.contains(&format!("{}{ENTITLEMENTS}", fake.url))
            && e.contains(": /entitlements: expected a list"),
        "{e}"
    );
    let e = &scope(&scopes, DATA).errors[0];
    assert!(
        e.contains("/v3/projects/acme-data:getIamPolicy: /bindings: expected a list"),
        "{e}"
    );
    assert!(scope(&scopes, DATA).document(raw::IAM_POLICY).is_none());
}

#[tokio::test]
async fn a_page_token_loop_is_stopped() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(ACCOUNTS, Fault::TokenLoop);
    let scopes = run(named(&fake), TOKEN).await;
    let prod = scope(&scopes, PROD);
    assert_eq!(prod.errors.len(), 1, "{:?}", prod.errors);
    assert!(
        prod.errors[0].contains("nextPageToken it had given before"),
        "{}",
        prod.errors[0]
    );
    assert_eq!(
        calls_to(&fake, "GET", ACCOUNTS),
        2,
        "the first page, then its token once"
    );
    assert_estate(prod, &[raw::SERVICE_ACCOUNTS, raw::KEYS]);
}

#[tokio::test]
async fn a_server_error_on_one_entitlement_fails_only_the_grants() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(
        &format!("{ENTITLEMENTS}/prod-owner/grants"),
        Fault::ServerError,
    );
    let scopes = run(named(&fake), TOKEN).await;
    let prod = scope(&scopes, PROD);
    assert_eq!(prod.errors.len(), 1, "{:?}", prod.errors);
    assert!(
        prod.errors[0].contains("pam-grants.json not collected") && prod.errors[0].contains("500"),
        "{}",
        prod.errors[0]
    );
    assert_estate(prod, &[raw::GRANTS]);
}

#[tokio::test]
async fn an_ancestor_policy_refused_keeps_the_rest_of_the_chain() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(
        "/v3/folders/345678901234:getIamPolicy",
        Fault::PermissionDenied,
    );
    let scopes = run(named(&fake), TOKEN).await;
    let prod = scope(&scopes, PROD);
    assert_eq!(prod.errors.len(), 1, "{:?}", prod.errors);
    let e = &prod.errors[0];
    assert!(
        e.contains("ancestors.json incomplete") && e.contains(raw::permission_for(raw::ANCESTORS)),
        "{e}"
    );
    let mut want = estate_doc(PROD, raw::ANCESTORS).unwrap();
    want["ancestors"][0]
        .as_object_mut()
        .unwrap()
        .remove("policy");
    assert_eq!(doc(prod, raw::ANCESTORS), want);
    assert_estate(prod, &[raw::ANCESTORS]);
}

#[tokio::test]
async fn a_custom_role_iam_does_not_find_is_an_error_a_predefined_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&estate_dir(), dir.path());
    let roles = dir.path().join("gcp").join(PROD).join(raw::ROLES);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&roles).unwrap()).unwrap();
    v["roles"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["name"] != "projects/acme-prod/roles/ciDeployer");
    std::fs::write(&roles, v.to_string()).unwrap();
    let fake = FakeGcp::serve(dir.path(), TOKEN);
    let scopes = run(named(&fake), TOKEN).await;
    let prod = scope(&scopes, PROD);
    assert_eq!(prod.errors.len(), 1, "{:?}", prod.errors);
    assert!(
        prod.errors[0].contains("roles.json not collected")
            && prod.errors[0].contains("/v1/projects/acme-prod/roles/ciDeployer answered 404"),
        "{}",
        prod.errors[0]
    );
    assert!(prod.document(raw::ROLES).is_none());
    assert!(scope(&scopes, DATA).errors.is_empty());
}

#[tokio::test]
async fn activity_the_reader_may_not_see_is_left_out_without_an_error() {
    let fake = FakeGcp::start(TOKEN);
    let activities = "/v1/projects/acme-prod/locations/global/activityTypes/serviceAccountKeyLastAuthentication/activities:query";
    fake.fault(activities, Fault::ServiceDisabled);
    let scopes = run(named(&fake), TOKEN).await;
    let prod = scope(&scopes, PROD);
    assert!(prod.errors.is_empty(), "{:?}", prod.errors);
    assert!(prod.document(raw::KEY_LAST_AUTH).is_none());
    assert_estate(prod, &[raw::KEY_LAST_AUTH]);
    // acme-data's reader lacks the role (403): both absent, no error.
    complete(&scopes, DATA);
}

#[tokio::test]
async fn the_token_is_in_no_scope_even_on_errors() {
    let fake = FakeGcp::start(TOKEN);
    fake.fault(ACCOUNTS, Fault::EchoToken)
        .fault(ENTITLEMENTS, Fault::Malformed)
        .fault("/v3/projects/acme-data:getIamPolicy", Fault::ServerError)
        .fault("/v1/projects/acme-data/serviceAccounts", Fault::TokenLoop);
    let scopes = run(named(&fake), TOKEN).await;
    let errors: usize = scopes.iter().map(|s| s.errors.len()).sum();
    assert_eq!(errors, 4, "{scopes:?}");
    let all = format!("{scopes:?}");
    assert!(
        all.contains("does not have permission"),
        "the echo came back"
    );
    assert!(
        !all.contains("test-token-SECRET"),
        "the token is in a scope"
    );
}
