//! The live Azure collector (Graph and ARM) against the fake tenant in
//! `tests/fixtures/azure/estate/`, through the library and through `jitgap collect`: only
//! allowed GETs with the bearer token, pages merged into the estate's documents, faults
//! (403, 429, 500, a malformed body, a next-page link to another host) kept to their own
//! document, and the token in no error. `azure_live_cli.rs` does the same through
//! `jitgap collect`.

mod support;

use support::pipeline::{doc, scope};

use jitgap::net::NetLimits;
use jitgap::scan::RawScope;
use jitgap::scan::azure::collect::{self, AzureOptions, Credentials};
use jitgap::scan::azure::raw;
use jitgap::scan::scanner::Live;
use std::time::Duration;
use support::fake_azure::{DEV, FakeAzure, Fault, PROD, TENANT, arm_path, estate_doc};
use support::fake_http::FakeHttp;

/// A JWT naming the tenant (`tid`), with a distinctive signature to search outputs for.
const SIGNATURE: &str = "SeededJitgapAzureToken7f3a9c2e5b1d4f60a8e2c7b9d1f3a5e7c9b1d3f5";
fn token() -> String {
    // {"tid":"9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a","appid":"jitgap-test"}
    format!(
        "eyJhbGciOiJub25lIn0.eyJ0aWQiOiI5ZThkN2M2Yi01YTQ5LTQ4MzctYTI2MS0wZjFlMmQzYzRiNWEiLCJhcHBpZCI6ImppdGdhcC10ZXN0In0.{SIGNATURE}"
    )
}
/// A token that is no JWT: it names no tenant.
const OPAQUE: &str = "opaque-jitgap-test-token-4b8d2f6a0c1e3579";

fn quick() -> Live {
    Live {
        net: NetLimits {
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            ..NetLimits::default()
        },
    }
}

fn opts(fake: &FakeAzure) -> AzureOptions {
    AzureOptions {
        tenant: None,
        subscriptions: Vec::new(),
        graph_url: fake.url.clone(),
        arm_url: fake.url.clone(),
    }
}

/// Plans, lists and collects every scope, as `jitgap collect` does.
async fn run(o: AzureOptions, bearer: &str) -> Vec<RawScope> {
    let live = quick();
    let targets =
        collect::list_scopes_with(collect::targets(o), &live, Credentials::bearer(bearer))
            .await
            .expect("listing never fails the run");
    let mut out = Vec::new();
    for t in &targets {
        out.push(collect::collect(t, &live).await);
    }
    out
}

/// Every document of the estate for `scope`, except `skip`, equals the collected one.
fn assert_estate(raw: &RawScope, documents: &[&str], skip: &[&str]) {
    for name in documents.iter().filter(|n| !skip.contains(n)) {
        assert_eq!(
            doc(raw, name),
            estate_doc(&raw.scope, name),
            "{} {name}",
            raw.scope
        );
    }
}

fn tenant_is_complete(scopes: &[RawScope]) {
    let t = scope(scopes, TENANT);
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    assert_estate(t, raw::TENANT_DOCUMENTS, &[]);
}

#[tokio::test]
async fn every_request_is_an_allowed_get_with_the_bearer_token() {
    let fake = FakeAzure::start(&token());
    let scopes = run(opts(&fake), &token()).await;
    assert_eq!(scopes.len(), 3, "tenant, prod, dev");
    let requests = fake.requests();
    assert!(requests.len() > 40, "{} requests", requests.len());
    let mut seen = std::collections::BTreeSet::new();
    for r in &requests {
        assert_eq!(r.method, "GET", "{}", r.path);
        let op = raw::operation_of(&r.method, &r.path)
            .unwrap_or_else(|| panic!("not allowed: {}", r.path));
        seen.insert(op);
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {}", token()).as_str()),
            "{}",
            r.path
        );
        if r.path.starts_with("/subscriptions") {
            assert!(r.path.contains("api-version="), "{}", r.path);
        }
    }
    for listed in ["/v1.0/servicePrincipals?", "/v1.0/applications?"] {
        let first = requests
            .iter()
            .find(|r| r.path.starts_with(listed))
            .unwrap();
        assert!(first.path.contains("top=999"), "{}", first.path);
    }
    // Every allowed call was made, except reading one subscription by id (named ones only).
    let unused: Vec<_> = raw::ALLOWED_OPERATIONS
        .iter()
        .filter(|op| !seen.contains(*op))
        .collect();
    assert_eq!(unused, [&"GET /subscriptions/{id}"]);
}

#[tokio::test]
async fn pages_are_followed_and_merged_into_the_estate_documents() {
    let fake = FakeAzure::start(&token());
    let scopes = run(opts(&fake), &token()).await;
    tenant_is_complete(&scopes);
    for sub in [PROD, DEV] {
        let s = scope(&scopes, sub);
        assert!(s.errors.is_empty(), "{sub}: {:?}", s.errors);
        assert_estate(s, raw::SUBSCRIPTION_DOCUMENTS, &[]);
    }
    let paged = fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("skiptoken=skip"))
        .count();
    assert!(paged > 20, "{paged} follow-up pages");
    let t = scope(&scopes, TENANT);
    assert_eq!(
        t.document(raw::SERVICE_PRINCIPALS).unwrap().source,
        "azure:graph:GET /v1.0/servicePrincipals"
    );
    assert!(
        !t.document(raw::SERVICE_PRINCIPALS)
            .unwrap()
            .text
            .contains("nextLink")
    );
}

#[tokio::test]
async fn named_subscriptions_are_read_by_id_and_others_left_out() {
    let fake = FakeAzure::start(&token());
    let mut o = opts(&fake);
    o.subscriptions = vec![DEV.to_string()];
    let scopes = run(o, &token()).await;
    let names: Vec<&str> = scopes.iter().map(|s| s.scope.as_str()).collect();
    assert_eq!(names, [TENANT, DEV]);
    assert_estate(scope(&scopes, DEV), raw::SUBSCRIPTION_DOCUMENTS, &[]);
    assert!(fake.requests().iter().any(|r| {
        r.path
            .starts_with(&format!("/subscriptions/{DEV}?api-version="))
    }));
    assert!(
        !fake
            .requests()
            .iter()
            .any(|r| r.path.starts_with("/subscriptions?"))
    );
}

#[tokio::test]
async fn a_forbidden_collection_is_one_error_naming_the_permission() {
    let fake = FakeAzure::start(&token());
    fake.fault(
        &arm_path(PROD, "roleEligibilityScheduleInstances"),
        Fault::Forbidden,
    );
    let scopes = run(opts(&fake), &token()).await;
    let prod = scope(&scopes, PROD);
    assert_eq!(prod.errors.len(), 1, "{:?}", prod.errors);
    let e = &prod.errors[0];
    assert!(
        e.contains(raw::ELIGIBILITY_INSTANCES) && e.contains("roleEligibilityScheduleInstances"),
        "{e}"
    );
    assert!(
        e.contains("403") && e.contains("AuthorizationFailed"),
        "{e}"
    );
    assert!(
        e.contains(raw::permission_for(raw::ELIGIBILITY_INSTANCES)),
        "{e}"
    );
    assert!(prod.document(raw::ELIGIBILITY_INSTANCES).is_none());
    assert_estate(
        prod,
        raw::SUBSCRIPTION_DOCUMENTS,
        &[raw::ELIGIBILITY_INSTANCES],
    );
    tenant_is_complete(&scopes);
    assert!(scope(&scopes, DEV).errors.is_empty());
}

#[tokio::test]
async fn a_forbidden_graph_list_names_the_graph_permission() {
    let fake = FakeAzure::start(&token());
    fake.fault(
        "/v1.0/roleManagement/directory/roleAssignments",
        Fault::Forbidden,
    );
    let scopes = run(opts(&fake), &token()).await;
    let t = scope(&scopes, TENANT);
    assert_eq!(t.errors.len(), 1, "{:?}", t.errors);
    assert!(
        t.errors[0].contains("RoleManagement.Read.Directory"),
        "{}",
        t.errors[0]
    );
    assert!(
        t.errors[0].contains("Authorization_RequestDenied"),
        "{}",
        t.errors[0]
    );
    assert_estate(t, raw::TENANT_DOCUMENTS, &[raw::DIR_ROLE_ASSIGNMENTS]);
}

#[tokio::test]
async fn throttling_is_waited_out_and_the_result_is_complete() {
    let fake = FakeAzure::start(&token());
    fake.fault("/v1.0/servicePrincipals", Fault::Throttle);
    fake.fault(&arm_path(DEV, "roleAssignments"), Fault::Throttle);
    let scopes = run(opts(&fake), &token()).await;
    tenant_is_complete(&scopes);
    assert_estate(scope(&scopes, DEV), raw::SUBSCRIPTION_DOCUMENTS, &[]);
    assert!(scope(&scopes, DEV).errors.is_empty());
    let first_pages = fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v1.0/servicePrincipals?") && !r.path.contains("skiptoken"))
        .count();
    assert_eq!(first_pages, 2, "the throttled page was asked for again");
}

#[tokio::test]
async fn a_malformed_body_names_the_url_and_the_position() {
    let fake = FakeAzure::start(&token());
    fake.fault("/v1.0/applications", Fault::Malformed);
    let scopes = run(opts(&fake), &token()).await;
    let t = scope(&scopes, TENANT);
    let e = t
        .errors
        .iter()
        .find(|e| e.contains(raw::APPLICATIONS))
        .unwrap_or_else(|| panic!("{:?}", t.errors));
    assert!(
        e.contains(&format!("{}/v1.0/applications", fake.url)),
        "{e}"
    );
    assert!(e.contains("line 3, column"), "{e}");
    assert!(t.document(raw::APPLICATIONS).is_none());
    assert!(t.document(raw::SERVICE_PRINCIPALS).is_some());
}

#[tokio::test]
async fn a_server_error_fails_only_its_document() {
    let fake = FakeAzure::start(&token());
    fake.fault(&arm_path(DEV, "roleManagementPolicies"), Fault::ServerError);
    let scopes = run(opts(&fake), &token()).await;
    let dev = scope(&scopes, DEV);
    assert_eq!(dev.errors.len(), 1, "{:?}", dev.errors);
    assert!(
        dev.errors[0].contains("500") && dev.errors[0].contains(raw::POLICIES),
        "{}",
        dev.errors[0]
    );
    assert_estate(dev, raw::SUBSCRIPTION_DOCUMENTS, &[raw::POLICIES]);
}

#[tokio::test]
async fn a_next_link_to_another_host_is_not_followed() {
    let elsewhere = FakeHttp::start();
    let fake = FakeAzure::start(&token());
    fake.fault(
        "/v1.0/servicePrincipals",
        Fault::NextLinkTo(elsewhere.url.clone()),
    );
    let scopes = run(opts(&fake), &token()).await;
    let t = scope(&scopes, TENANT);
    let e = t
        .errors
        .iter()
        .find(|e| e.contains(raw::SERVICE_PRINCIPALS))
        .unwrap_or_else(|| panic!("{:?}", t.errors));
    assert!(
        e.contains("not following") && e.contains(&elsewhere.url),
        "{e}"
    );
    assert!(t.document(raw::SERVICE_PRINCIPALS).is_none());
    assert!(
        elsewhere.requests().is_empty(),
        "the token went to {}",
        elsewhere.url
    );
}

#[tokio::test]
async fn beta_sign_ins_refused_leave_the_document_out_without_an_error() {
    let fake = FakeAzure::start(&token());
    fake.fault(
        "/beta/reports/servicePrincipalSignInActivities",
        Fault::Forbidden,
    );
    let scopes = run(opts(&fake), &token()).await;
    let t = scope(&scopes, TENANT);
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    assert!(t.document(raw::SIGN_INS).is_none());
    assert_estate(t, raw::TENANT_DOCUMENTS, &[raw::SIGN_INS]);
}

#[tokio::test]
async fn a_failed_listing_still_collects_the_tenant() {
    let fake = FakeAzure::start(&token());
    fake.fault("/subscriptions", Fault::Forbidden);
    let scopes = run(opts(&fake), &token()).await;
    assert_eq!(scopes.len(), 2, "the tenant and the failed listing");
    tenant_is_complete(&scopes);
    let failed = &scopes[1];
    assert!(failed.documents.is_empty());
    assert!(
        failed.errors[0].contains("Microsoft.Resources/subscriptions/read"),
        "{:?}",
        failed.errors
    );
}

#[tokio::test]
async fn the_tenant_id_comes_from_the_flag_the_token_or_the_subscriptions() {
    // An opaque token: the listed subscriptions name the tenant.
    let fake = FakeAzure::start(OPAQUE);
    let scopes = run(opts(&fake), OPAQUE).await;
    assert_eq!(scopes[0].scope, TENANT);
    // Nothing names it: the tenant scope fails and says what to pass.
    let fake = FakeAzure::start(OPAQUE);
    fake.fault("/subscriptions", Fault::Forbidden);
    let scopes = run(opts(&fake), OPAQUE).await;
    assert!(scopes[0].documents.is_empty());
    assert!(
        scopes[0].errors[0].contains("pass --azure-tenant"),
        "{:?}",
        scopes[0].errors
    );
    // The flag wins.
    let mut o = opts(&fake);
    o.tenant = Some(TENANT.into());
    let scopes = run(o, OPAQUE).await;
    tenant_is_complete(&scopes);
}

#[tokio::test]
async fn the_token_is_in_no_scope_even_on_errors() {
    let elsewhere = FakeHttp::start();
    let fake = FakeAzure::start(&token());
    fake.fault("/v1.0/applications", Fault::Forbidden)
        .fault(
            "/v1.0/roleManagement/directory/roleDefinitions",
            Fault::Malformed,
        )
        .fault(&arm_path(PROD, "roleAssignments"), Fault::ServerError)
        .fault(
            "/v1.0/servicePrincipals",
            Fault::NextLinkTo(elsewhere.url.clone()),
        );
    let scopes = run(opts(&fake), &token()).await;
    let errors: usize = scopes.iter().map(|s| s.errors.len()).sum();
    assert_eq!(errors, 4, "{scopes:?}");
    let all = format!("{scopes:?}");
    assert!(
        all.contains("roleDefinitions") && !all.contains(SIGNATURE),
        "the token is in a scope"
    );
}
