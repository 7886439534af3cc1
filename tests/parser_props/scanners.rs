//! The scanners' documents, through `Scanner::normalize` as a snapshot feeds them: AWS
//! authorization details, credential report and access-key listing, PostgreSQL and
//! MySQL/MariaDB catalogs, Azure tenants and subscriptions, GCP projects.

use crate::mutate::{Shape, inputs, text};
use jitgap::model::ScopeState;
use jitgap::policy::Policy;
use jitgap::rules::RuleSet;
use jitgap::scan::{Context, Doc, Origin, RawScope, Scanner};
use proptest::prelude::*;
use serde::de::IgnoredAny;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

const GAAD: &str = include_str!("../../demo/aws/111122223333/authorization-details.json");
const GAAD_SMALL: &str = include_str!("../../demo/aws/222233334444/authorization-details.json");
const GAAD_GRANTS_NOTHING: &str =
    include_str!("../fixtures/aws/grants-nothing/authorization-details.json");
const CREDENTIAL_REPORT: &str = include_str!("../../demo/aws/111122223333/credential-report.csv");
const ACCESS_KEYS: &str = include_str!("../../demo/aws/111122223333/access-keys.json");
const PG_DEMO: &str = include_str!("../../demo/postgres/db.prod.internal_5432_app/catalog.json");
const PG15: &str = include_str!("../fixtures/postgres/pg15.json");
const PG16: &str = include_str!("../fixtures/postgres/pg16.json");
const MARIADB_DEMO: &str = include_str!("../../demo/mysql/mariadb.prod.internal_3306/catalog.json");
const MARIADB: &str = include_str!("../fixtures/mysql/mariadb/catalog.json");
const MYSQL8: &str = include_str!("../fixtures/mysql/mysql8/catalog.json");

/// The built-in rules and policy, loaded once.
pub fn rules() -> &'static (RuleSet, Policy) {
    static RULES: OnceLock<(RuleSet, Policy)> = OnceLock::new();
    RULES.get_or_init(|| {
        let rules = jitgap::scan::registry::embedded_rules().expect("built-in rules load");
        let policy = Policy::from_layers(&[&rules.policy]).expect("built-in policy");
        (rules, policy)
    })
}

fn now() -> chrono::DateTime<chrono::Utc> {
    jitgap::time::parse_timestamp("2026-09-01T12:00:00Z").unwrap()
}

/// One document of a scope: its name in the snapshot, the source it is cited by, its text.
pub struct Part {
    pub name: &'static str,
    pub source: String,
    pub text: String,
}

/// Strings a document itself lists as collection errors (`"errors": [...]` in a catalog):
/// the scanner reports them as they are.
fn listed_errors(text: &str) -> BTreeSet<String> {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("errors").cloned())
        .and_then(|e| serde_json::from_value::<Vec<Value>>(e).ok())
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

/// Whether an error message carries a `line N column M` position.
pub fn has_line_column(e: &str) -> bool {
    let Some(i) = e.find("line ") else {
        return false;
    };
    let rest = &e[i + 5..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with(" column ")
}

/// Normalizes one scope and checks it is well-formed. `mutated` is the index of the part
/// that was mutated; `required` whether the scope cannot be read without it.
pub fn check_scope(
    scanner: &dyn Scanner,
    scope: &str,
    parts: &[Part],
    mutated: usize,
    required: bool,
) -> Result<(), TestCaseError> {
    let (rules, policy) = rules();
    let mut raw = RawScope::new(scanner.boundary(), scope, Origin::File);
    for p in parts {
        raw.put(p.name, Doc::new(p.source.clone(), p.text.clone()));
    }
    let ctx = Context {
        policy,
        rules,
        now: now(),
    };
    let n = scanner.normalize(&raw, &ctx);
    let statuses: Vec<_> = n
        .inventory
        .scopes
        .iter()
        .filter(|s| s.boundary == scanner.boundary())
        .collect();
    prop_assert_eq!(
        statuses.len(),
        1,
        "one scope status: {:?}",
        n.inventory.scopes
    );
    let status = statuses[0];
    prop_assert_eq!(&status.errors, &n.errors);
    if status.status == ScopeState::Complete {
        prop_assert!(n.errors.is_empty(), "complete with errors: {:?}", n.errors);
    } else {
        prop_assert!(!n.errors.is_empty(), "{:?} without an error", status.status);
    }
    let target = &parts[mutated];
    let is_json = target.name.ends_with(".json");
    if is_json && serde_json::from_str::<IgnoredAny>(&target.text).is_err() {
        if required {
            prop_assert_eq!(status.status, ScopeState::Failed);
        }
        prop_assert!(
            n.errors
                .iter()
                .any(|e| e.contains(&target.source) && has_line_column(e)),
            "unreadable {} without an error naming it at a line and column: {:?}",
            target.name,
            n.errors
        );
    }
    let listed: BTreeSet<String> = parts.iter().flat_map(|p| listed_errors(&p.text)).collect();
    for e in &n.errors {
        prop_assert!(
            listed.contains(e) || parts.iter().any(|p| e.contains(&p.source)),
            "an error that names no document: {e}"
        );
    }
    if status.status == ScopeState::Failed {
        prop_assert!(n.inventory.identities.is_empty() && n.inventory.access_paths.is_empty());
    }
    let ids: BTreeSet<&str> = n
        .inventory
        .identities
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    for p in &n.inventory.access_paths {
        prop_assert!(
            ids.contains(p.identity.as_str()),
            "access path of an unknown identity {}",
            p.identity
        );
    }
    Ok(())
}

fn part(name: &'static str, source: &str, text: String) -> Part {
    Part {
        name,
        source: source.to_string(),
        text,
    }
}

fn aws() -> &'static dyn Scanner {
    &jitgap::scan::aws::SCANNER
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn aws_authorization_details(
        doc in prop_oneof![
            2 => inputs(GAAD, Shape::Json),
            1 => inputs(GAAD_GRANTS_NOTHING, Shape::Json),
        ]
    ) {
        let parts = [part(
            "authorization-details.json",
            "aws/111122223333/authorization-details.json",
            text(&doc),
        )];
        check_scope(aws(), "111122223333", &parts, 0, true)?;
    }

    #[test]
    fn aws_credential_report(doc in inputs(CREDENTIAL_REPORT, Shape::Csv)) {
        let parts = [
            part("authorization-details.json", "aws/1/authorization-details.json", GAAD_SMALL.into()),
            part("credential-report.csv", "aws/1/credential-report.csv", text(&doc)),
        ];
        check_scope(aws(), "111122223333", &parts, 1, false)?;
    }

    #[test]
    fn aws_access_keys(doc in inputs(ACCESS_KEYS, Shape::Json)) {
        let parts = [
            part("authorization-details.json", "aws/1/authorization-details.json", GAAD_SMALL.into()),
            part("access-keys.json", "aws/1/access-keys.json", text(&doc)),
        ];
        check_scope(aws(), "111122223333", &parts, 1, false)?;
    }

    #[test]
    fn postgres_catalog(
        doc in prop_oneof![
            inputs(PG_DEMO, Shape::Json),
            inputs(PG15, Shape::Json),
            inputs(PG16, Shape::Json),
        ]
    ) {
        let parts = [part("catalog.json", "postgres/db_5432_app/catalog.json", text(&doc))];
        check_scope(&jitgap::scan::postgres::SCANNER, "db:5432/app", &parts, 0, true)?;
    }

    #[test]
    fn mysql_catalog(
        doc in prop_oneof![
            inputs(MARIADB_DEMO, Shape::Json),
            inputs(MARIADB, Shape::Json),
            inputs(MYSQL8, Shape::Json),
        ]
    ) {
        let parts = [part("catalog.json", "mysql/db_3306/catalog.json", text(&doc))];
        check_scope(&jitgap::scan::mysql::SCANNER, "db:3306", &parts, 0, true)?;
    }
}

const AZ_TENANT: &str = "../fixtures/azure/estate/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a";
const AZ_TENANT_DOCS: &[(&str, &str)] = &[
    (
        "tenant.json",
        include_str!(
            "../fixtures/azure/estate/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/tenant.json"
        ),
    ),
    (
        "service-principals.json",
        include_str!(
            "../fixtures/azure/estate/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/service-principals.json"
        ),
    ),
    (
        "applications.json",
        include_str!(
            "../fixtures/azure/estate/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/applications.json"
        ),
    ),
    (
        "federated-identity-credentials.json",
        include_str!(
            "../fixtures/azure/estate/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/federated-identity-credentials.json"
        ),
    ),
    (
        "transitive-member-of.json",
        include_str!(
            "../fixtures/azure/estate/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/transitive-member-of.json"
        ),
    ),
    (
        "directory-role-assignment-schedule-instances.json",
        include_str!(
            "../fixtures/azure/estate/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-assignment-schedule-instances.json"
        ),
    ),
    (
        "directory-role-policy-assignments.json",
        include_str!(
            "../fixtures/azure/estate/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-policy-assignments.json"
        ),
    ),
];
const AZ_PROD: &str = "../fixtures/azure/estate/azure/00000000-1111-2222-3333-444444444444";
const AZ_SUB_DOCS: &[(&str, &str)] = &[
    (
        "subscription.json",
        include_str!(
            "../fixtures/azure/estate/azure/00000000-1111-2222-3333-444444444444/subscription.json"
        ),
    ),
    (
        "role-assignments.json",
        include_str!(
            "../fixtures/azure/estate/azure/00000000-1111-2222-3333-444444444444/role-assignments.json"
        ),
    ),
    (
        "role-assignment-schedule-instances.json",
        include_str!(
            "../fixtures/azure/estate/azure/00000000-1111-2222-3333-444444444444/role-assignment-schedule-instances.json"
        ),
    ),
    (
        "role-eligibility-schedule-instances.json",
        include_str!(
            "../fixtures/azure/estate/azure/00000000-1111-2222-3333-444444444444/role-eligibility-schedule-instances.json"
        ),
    ),
    (
        "role-assignment-schedule-requests.json",
        include_str!(
            "../fixtures/azure/estate/azure/00000000-1111-2222-3333-444444444444/role-assignment-schedule-requests.json"
        ),
    ),
    (
        "role-management-policy-assignments.json",
        include_str!(
            "../fixtures/azure/estate/azure/00000000-1111-2222-3333-444444444444/role-management-policy-assignments.json"
        ),
    ),
    (
        "role-definitions.json",
        include_str!(
            "../fixtures/azure/estate/azure/00000000-1111-2222-3333-444444444444/role-definitions.json"
        ),
    ),
];

/// A snapshot folder with one of its documents mutated.
fn folder_scope(
    dir: &str,
    docs: &[(&'static str, &'static str)],
    mutated: usize,
    doc: String,
) -> Vec<Part> {
    docs.iter()
        .enumerate()
        .map(|(n, (name, valid))| {
            part(
                name,
                &format!("{dir}/{name}"),
                if n == mutated {
                    doc.clone()
                } else {
                    valid.to_string()
                },
            )
        })
        .collect()
}

fn azure() -> &'static dyn Scanner {
    &jitgap::scan::azure::SCANNER
}

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn azure_tenant_documents(
        (n, doc) in (0..AZ_TENANT_DOCS.len()).prop_flat_map(|n| (Just(n), inputs(AZ_TENANT_DOCS[n].1, Shape::Json)))
    ) {
        let parts = folder_scope(AZ_TENANT, AZ_TENANT_DOCS, n, text(&doc));
        check_scope(azure(), "9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a", &parts, n, false)?;
    }

    #[test]
    fn azure_subscription_documents(
        (n, doc) in (0..AZ_SUB_DOCS.len()).prop_flat_map(|n| (Just(n), inputs(AZ_SUB_DOCS[n].1, Shape::Json)))
    ) {
        let parts = folder_scope(AZ_PROD, AZ_SUB_DOCS, n, text(&doc));
        check_scope(azure(), "00000000-1111-2222-3333-444444444444", &parts, n, false)?;
    }
}

const GCP_PROD: &str = "../fixtures/gcp/estate/gcp/acme-prod";
const GCP_DOCS: &[(&str, &str)] = &[
    (
        "project.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/project.json"),
    ),
    (
        "iam-policy.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/iam-policy.json"),
    ),
    (
        "ancestors.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/ancestors.json"),
    ),
    (
        "service-accounts.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/service-accounts.json"),
    ),
    (
        "service-account-keys.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/service-account-keys.json"),
    ),
    (
        "roles.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/roles.json"),
    ),
    (
        "pam-entitlements.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/pam-entitlements.json"),
    ),
    (
        "pam-grants.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/pam-grants.json"),
    ),
    (
        "sa-last-authentication.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/sa-last-authentication.json"),
    ),
    (
        "key-last-authentication.json",
        include_str!("../fixtures/gcp/estate/gcp/acme-prod/key-last-authentication.json"),
    ),
];

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn gcp_project_documents(
        (n, doc) in (0..GCP_DOCS.len()).prop_flat_map(|n| (Just(n), inputs(GCP_DOCS[n].1, Shape::Json)))
    ) {
        let parts = folder_scope(GCP_PROD, GCP_DOCS, n, text(&doc));
        check_scope(&jitgap::scan::gcp::SCANNER, "acme-prod", &parts, n, false)?;
    }
}

const GH_ACME: &str = "../fixtures/github/estate/github/acme";
const GH_DOCS: &[(&str, &str)] = &[
    (
        "org.json",
        include_str!("../fixtures/github/estate/github/acme/org.json"),
    ),
    (
        "repos.json",
        include_str!("../fixtures/github/estate/github/acme/repos.json"),
    ),
    (
        "deploy-keys.json",
        include_str!("../fixtures/github/estate/github/acme/deploy-keys.json"),
    ),
    (
        "oidc-sub.json",
        include_str!("../fixtures/github/estate/github/acme/oidc-sub.json"),
    ),
    (
        "installations.json",
        include_str!("../fixtures/github/estate/github/acme/installations.json"),
    ),
    (
        "apps.json",
        include_str!("../fixtures/github/estate/github/acme/apps.json"),
    ),
    (
        "personal-access-tokens.json",
        include_str!("../fixtures/github/estate/github/acme/personal-access-tokens.json"),
    ),
    (
        "credential-authorizations.json",
        include_str!("../fixtures/github/estate/github/acme/credential-authorizations.json"),
    ),
    (
        "admins.json",
        include_str!("../fixtures/github/estate/github/acme/admins.json"),
    ),
];

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn github_org_documents(
        (n, doc) in (0..GH_DOCS.len()).prop_flat_map(|n| (Just(n), inputs(GH_DOCS[n].1, Shape::Json)))
    ) {
        let parts = folder_scope(GH_ACME, GH_DOCS, n, text(&doc));
        check_scope(&jitgap::scan::github::SCANNER, "acme", &parts, n, false)?;
    }
}

const K8S_PROD: &str = "../fixtures/kubernetes/estate/kubernetes/prod";
const K8S_DOCS: &[(&str, &str)] = &[
    (
        "cluster.json",
        include_str!("../fixtures/kubernetes/estate/kubernetes/prod/cluster.json"),
    ),
    (
        "serviceaccounts.json",
        include_str!("../fixtures/kubernetes/estate/kubernetes/prod/serviceaccounts.json"),
    ),
    (
        "secrets.json",
        include_str!("../fixtures/kubernetes/estate/kubernetes/prod/secrets.json"),
    ),
    (
        "roles.json",
        include_str!("../fixtures/kubernetes/estate/kubernetes/prod/roles.json"),
    ),
    (
        "clusterroles.json",
        include_str!("../fixtures/kubernetes/estate/kubernetes/prod/clusterroles.json"),
    ),
    (
        "rolebindings.json",
        include_str!("../fixtures/kubernetes/estate/kubernetes/prod/rolebindings.json"),
    ),
    (
        "clusterrolebindings.json",
        include_str!("../fixtures/kubernetes/estate/kubernetes/prod/clusterrolebindings.json"),
    ),
    (
        "pods.json",
        include_str!("../fixtures/kubernetes/estate/kubernetes/prod/pods.json"),
    ),
];

proptest! {
    #![proptest_config(crate::config())]

    #[test]
    fn kubernetes_cluster_documents(
        (n, doc) in (0..K8S_DOCS.len()).prop_flat_map(|n| (Just(n), inputs(K8S_DOCS[n].1, Shape::Json)))
    ) {
        let parts = folder_scope(K8S_PROD, K8S_DOCS, n, text(&doc));
        check_scope(&jitgap::scan::kubernetes::SCANNER, "prod", &parts, n, false)?;
    }
}
