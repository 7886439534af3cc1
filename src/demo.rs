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
