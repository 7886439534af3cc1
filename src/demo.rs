//! The built-in demo estate: a snapshot embedded in the binary that shows every verdict.
//! Its files live in `demo/` so reports can point at them.

use crate::scan::{Registry, Snapshot};
use std::path::PathBuf;

const FILES: &[(&str, &str)] = &[
    ("demo/manifest.json", include_str!("../demo/manifest.json")),
    (
        "demo/aws/111122223333/authorization-details.json",
        include_str!("../demo/aws/111122223333/authorization-details.json"),
    ),
    (
        "demo/aws/111122223333/credential-report.csv",
        include_str!("../demo/aws/111122223333/credential-report.csv"),
    ),
    (
        "demo/aws/111122223333/access-keys.json",
        include_str!("../demo/aws/111122223333/access-keys.json"),
    ),
    (
        "demo/aws/222233334444/authorization-details.json",
        include_str!("../demo/aws/222233334444/authorization-details.json"),
    ),
    (
        "demo/azure/00000000-1111-2222-3333-444444444444/role-assignment-schedule-instances.json",
        include_str!("../demo/azure/00000000-1111-2222-3333-444444444444/role-assignment-schedule-instances.json"),
    ),
    (
        "demo/azure/00000000-1111-2222-3333-444444444444/role-assignment-schedule-requests.json",
        include_str!("../demo/azure/00000000-1111-2222-3333-444444444444/role-assignment-schedule-requests.json"),
    ),
    (
        "demo/azure/00000000-1111-2222-3333-444444444444/role-assignments.json",
        include_str!("../demo/azure/00000000-1111-2222-3333-444444444444/role-assignments.json"),
    ),
    (
        "demo/azure/00000000-1111-2222-3333-444444444444/role-definitions.json",
        include_str!("../demo/azure/00000000-1111-2222-3333-444444444444/role-definitions.json"),
    ),
    (
        "demo/azure/00000000-1111-2222-3333-444444444444/role-eligibility-schedule-instances.json",
        include_str!("../demo/azure/00000000-1111-2222-3333-444444444444/role-eligibility-schedule-instances.json"),
    ),
    (
        "demo/azure/00000000-1111-2222-3333-444444444444/role-management-policies.json",
        include_str!("../demo/azure/00000000-1111-2222-3333-444444444444/role-management-policies.json"),
    ),
    (
        "demo/azure/00000000-1111-2222-3333-444444444444/role-management-policy-assignments.json",
        include_str!("../demo/azure/00000000-1111-2222-3333-444444444444/role-management-policy-assignments.json"),
    ),
    (
        "demo/azure/00000000-1111-2222-3333-444444444444/subscription.json",
        include_str!("../demo/azure/00000000-1111-2222-3333-444444444444/subscription.json"),
    ),
    (
        "demo/azure/55555555-6666-7777-8888-999999999999/role-assignment-schedule-instances.json",
        include_str!("../demo/azure/55555555-6666-7777-8888-999999999999/role-assignment-schedule-instances.json"),
    ),
    (
        "demo/azure/55555555-6666-7777-8888-999999999999/role-assignment-schedule-requests.json",
        include_str!("../demo/azure/55555555-6666-7777-8888-999999999999/role-assignment-schedule-requests.json"),
    ),
    (
        "demo/azure/55555555-6666-7777-8888-999999999999/role-assignments.json",
        include_str!("../demo/azure/55555555-6666-7777-8888-999999999999/role-assignments.json"),
    ),
    (
        "demo/azure/55555555-6666-7777-8888-999999999999/role-definitions.json",
        include_str!("../demo/azure/55555555-6666-7777-8888-999999999999/role-definitions.json"),
    ),
    (
        "demo/azure/55555555-6666-7777-8888-999999999999/role-eligibility-schedule-instances.json",
        include_str!("../demo/azure/55555555-6666-7777-8888-999999999999/role-eligibility-schedule-instances.json"),
    ),
    (
        "demo/azure/55555555-6666-7777-8888-999999999999/role-management-policies.json",
        include_str!("../demo/azure/55555555-6666-7777-8888-999999999999/role-management-policies.json"),
    ),
    (
        "demo/azure/55555555-6666-7777-8888-999999999999/role-management-policy-assignments.json",
        include_str!("../demo/azure/55555555-6666-7777-8888-999999999999/role-management-policy-assignments.json"),
    ),
    (
        "demo/azure/55555555-6666-7777-8888-999999999999/subscription.json",
        include_str!("../demo/azure/55555555-6666-7777-8888-999999999999/subscription.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/applications.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/applications.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-assignment-schedule-instances.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-assignment-schedule-instances.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-assignment-schedule-requests.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-assignment-schedule-requests.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-assignments.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-assignments.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-definitions.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-definitions.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-eligibility-schedule-instances.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-eligibility-schedule-instances.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-policy-assignments.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/directory-role-policy-assignments.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/federated-identity-credentials.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/federated-identity-credentials.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/service-principals.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/service-principals.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/sign-in-activities.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/sign-in-activities.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/tenant.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/tenant.json"),
    ),
    (
        "demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/transitive-member-of.json",
        include_str!("../demo/azure/9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a/transitive-member-of.json"),
    ),
    (
        "demo/postgres/db.prod.internal_5432_app/catalog.json",
        include_str!("../demo/postgres/db.prod.internal_5432_app/catalog.json"),
    ),
    (
        "demo/mysql/mariadb.prod.internal_3306/catalog.json",
        include_str!("../demo/mysql/mariadb.prod.internal_3306/catalog.json"),
    ),
];

pub fn snapshot(registry: &Registry) -> Snapshot {
    let entries = FILES
        .iter()
        .map(|(p, t)| (p.to_string(), PathBuf::from(p), t.to_string()))
        .collect();
    crate::scan::snapshot::assemble(entries, false, registry)
        .expect("the embedded demo estate is valid")
}

/// The demo ledger: grants a broker recorded for the demo account (text, name).
pub fn ledger() -> (&'static str, &'static str) {
    (
        include_str!("../demo/ledger/ledger.jsonl"),
        "demo/ledger/ledger.jsonl",
    )
}
