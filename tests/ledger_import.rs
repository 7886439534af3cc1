//! Ledger importers on recorded native exports (`tests/fixtures/ledger/`): the neutral JSON Lines
//! ledger, CloudTrail (log files and `lookup-events` output), the Vault file audit device,
//! Teleport audit events, Azure PIM schedule requests (`ledger_import/azure_pim*.rs`),
//! Google Cloud PAM grants (`ledger_import/gcp_pam*.rs`) and GitHub audit-log events
//! (`ledger_import/github_audit*.rs`). What they write conforms to
//! `schemas/ledger.schema.json` and reads back unchanged.

#[path = "ledger_import/azure_pim.rs"]
mod azure_pim;
#[path = "ledger_import/azure_pim_reconcile.rs"]
mod azure_pim_reconcile;
#[path = "ledger_import/gcp_pam.rs"]
mod gcp_pam;
#[path = "ledger_import/gcp_pam_reconcile.rs"]
mod gcp_pam_reconcile;
#[path = "ledger_import/github_audit.rs"]
mod github_audit;
#[path = "ledger_import/github_audit_reconcile.rs"]
mod github_audit_reconcile;
mod support;

use chrono::{DateTime, Utc};
use jitgap::ledger::import::{Doc, cloudtrail, read_docs, teleport, vault_audit};
use jitgap::ledger::{
    Grant, ImportKind, import_file, parse_jsonl, parse_spec, read_ledger, to_jsonl,
};
use jitgap::model::{Boundary, Identity, Inventory};
use jitgap::policy::Policy;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const ACCOUNT: &str = "111122223333";
const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const SEEDED_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSEEDSECRET";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ledger")
        .join(rel)
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn docs(rel: &str) -> Vec<Doc> {
    read_docs(&fixture(rel), &[".json", ".jsonl", ".log"]).unwrap()
}

fn one<'g>(grants: &'g [Grant], what: &str, f: impl Fn(&Grant) -> bool) -> &'g Grant {
    let found: Vec<&Grant> = grants.iter().filter(|g| f(g)).collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one grant {what}, got {}: {grants:#?}",
        found.len()
    );
    found[0]
}

fn pointers(g: &Grant) -> Vec<&str> {
    g.evidence.iter().map(|e| e.pointer.as_str()).collect()
}

/// Every grant each importer produces from the fixtures.
fn all_imported() -> Vec<(ImportKind, Vec<Grant>)> {
    [
        (ImportKind::Jsonl, "jsonl/ledger.jsonl"),
        (ImportKind::Cloudtrail, "cloudtrail"),
        (ImportKind::VaultAudit, "vault_audit/audit.log"),
        (ImportKind::Teleport, "teleport/events.jsonl"),
        (ImportKind::AzurePim, "azure-pim"),
        (ImportKind::GcpPam, "gcp-pam"),
        (ImportKind::GithubAudit, "github-audit"),
    ]
    .into_iter()
    .map(|(kind, rel)| {
        let grants =
            import_file(kind, &fixture(rel)).unwrap_or_else(|e| panic!("{kind} {rel}: {e}"));
        assert!(!grants.is_empty(), "{kind} {rel} imported nothing");
        (kind, grants)
    })
    .collect()
}

// ---- neutral JSON Lines ----

#[test]
fn jsonl_reads_a_file_and_a_directory_in_name_order() {
    let grants = import_file(ImportKind::Jsonl, &fixture("jsonl/ledger.jsonl")).unwrap();
    assert_eq!(
        grants
            .iter()
            .map(|g| g.grant_id.as_str())
            .collect::<Vec<_>>(),
        ["brk-0001", "brk-0002", "brk-0003"]
    );
    assert_eq!(grants[1].ledger_version, 1, "ledger_version defaults to 1");
    assert_eq!(
        grants[1].issued_at,
        Some(t("2026-09-01T08:00:00Z")),
        "offsets are normalised to UTC"
    );
    assert_eq!(grants[2].task, None);
    assert_eq!(read_ledger(&fixture("jsonl/ledger.jsonl")).unwrap(), grants);

    // A directory: only *.jsonl, sorted by name (README.txt is not read).
    let day = import_file(ImportKind::Jsonl, &fixture("jsonl/dir")).unwrap();
    assert_eq!(
        day.iter().map(|g| g.grant_id.as_str()).collect::<Vec<_>>(),
        ["day1-a", "day2-a"]
    );

    let (kind, path) = parse_spec(&fixture("jsonl/ledger.jsonl").display().to_string());
    assert_eq!(kind, ImportKind::Jsonl);
    assert_eq!(import_file(kind, Path::new(&path)).unwrap(), grants);
}

#[test]
fn jsonl_errors_name_the_file_the_line_and_the_field() {
    let err = |rel: &str| {
        import_file(ImportKind::Jsonl, &fixture(rel))
            .unwrap_err()
            .to_string()
    };
    let e = err("jsonl/missing-grant-id.jsonl");
    assert!(
        e.ends_with("missing-grant-id.jsonl:7: missing field `grant_id`"),
        "{e}"
    );
    let e = err("jsonl/unknown-field.jsonl");
    assert!(
        e.contains("unknown-field.jsonl:1: unknown field `expiry`"),
        "{e}"
    );
    let e = err("jsonl/version-2.jsonl");
    assert!(
        e.contains("version-2.jsonl:2: ledger_version 2 is not supported"),
        "{e}"
    );
    let e = err("jsonl/nope.jsonl");
    assert!(e.contains("nope.jsonl: cannot read"), "{e}");
    let e = err("cloudtrail");
    assert!(e.contains("no *.jsonl file"), "{e}");
}

// ---- CloudTrail ----

#[test]
fn cloudtrail_attach_then_detach_is_one_grant_with_both_events() {
    let out = cloudtrail::import_docs(&docs("cloudtrail/jit-admin-trail.json")).unwrap();
    let role = format!("arn:aws:iam::{ACCOUNT}:role/jit-admin");
    let g = one(&out.grants, "on jit-admin", |g| g.identity == role);
    assert_eq!(g.entitlement, ADMIN);
    assert_eq!(
        g.grant_id, "3f1c2a9e-0b7d-4c55-9a61-1d2e3f4a5b6c",
        "grant_id is the opening event's eventID"
    );
    assert_eq!(
        (g.boundary, g.scope.as_str(), g.target.as_str()),
        (Boundary::new("aws"), ACCOUNT, ACCOUNT)
    );
    assert_eq!(g.issued_at, Some(t("2026-09-01T09:00:00Z")));
    assert_eq!(g.revoked_at, Some(t("2026-09-01T10:00:00Z")));
    assert_eq!(
        g.requested_by.as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/jit-broker/grant-7f3a")
    );
    assert_eq!(g.source, "cloudtrail");
    // The file lists the detach first: events are paired in time order, not file order.
    // Evidence: the attach, the AssumeRole that fell inside the grant, the detach.
    assert_eq!(pointers(g), ["/Records/2", "/Records/1", "/Records/0"]);
    assert!(
        g.evidence[0]
            .excerpt
            .starts_with("AttachRolePolicy 2026-09-01T09:00:00Z by arn:aws:sts::"),
        "{:?}",
        g.evidence[0]
    );
    assert!(
        g.evidence[2].excerpt.starts_with("DetachRolePolicy"),
        "{:?}",
        g.evidence[2]
    );
    assert!(
        g.evidence
            .iter()
            .all(|e| e.source.ends_with("jit-admin-trail.json"))
    );
    assert_eq!(
        g.labels.get("last_assumed_at").map(String::as_str),
        Some("2026-09-01T09:15:00Z")
    );
    assert_eq!(g.labels.get("assumed_count").map(String::as_str), Some("1"));
    assert_eq!(
        g.labels.get("revoked_with").map(String::as_str),
        Some("DetachRolePolicy")
    );

    // The failed attach on ci-deployer is no grant, but it is counted.
    assert_eq!(out.failed_events, 1);
    assert!(
        out.grants
            .iter()
            .all(|g| !g.identity.ends_with("ci-deployer"))
    );
    // Both AssumeRole calls are uses; the one after the detach is on no grant.
    assert_eq!(out.assume_role_uses.len(), 2);
    assert_eq!(out.assume_role_uses[1].at, t("2026-09-01T11:00:00Z"));
    assert_eq!(
        out.assume_role_uses[1].by.as_deref(),
        Some("arn:aws:iam::111122223333:user/oncall-bot")
    );

    // An inline policy put and never deleted: an open grant named the way jitgap names it.
    let inline = one(&out.grants, "on etl-runner", |g| {
        g.identity.ends_with(":role/etl-runner")
    });
    assert_eq!(inline.entitlement, "inline:jit-s3-write");
    assert_eq!(inline.revoked_at, None);
    assert_eq!(out.grants.len(), 2);

    // Through import_file the same grants come out.
    assert_eq!(
        import_file(
            ImportKind::Cloudtrail,
            &fixture("cloudtrail/jit-admin-trail.json")
        )
        .unwrap(),
        out.grants
    );
}

#[test]
fn cloudtrail_lookup_events_parse_the_embedded_record_and_never_copy_the_secret() {
    let out = cloudtrail::import_docs(&docs("cloudtrail/lookup-events.json")).unwrap();
    let user = format!("arn:aws:iam::{ACCOUNT}:user/svc-reporting");
    let key = one(&out.grants, "for the access key", |g| {
        g.entitlement == "access-key:AKIA3EXAMPLEREPORT01"
    });
    assert_eq!(key.identity, user);
    assert_eq!(key.issued_at, Some(t("2026-09-02T08:00:00Z")));
    assert_eq!(
        key.revoked_at,
        Some(t("2026-09-02T16:00:00Z")),
        "deactivation ends the grant"
    );
    // create, deactivate, then the delete joins the same grant (lookup-events lists newest first).
    assert_eq!(
        pointers(key),
        [
            "/Events/3/CloudTrailEvent",
            "/Events/1/CloudTrailEvent",
            "/Events/0/CloudTrailEvent"
        ]
    );
    let policy = one(&out.grants, "for ReadOnlyAccess", |g| {
        g.entitlement.ends_with("policy/ReadOnlyAccess")
    });
    assert_eq!(
        (policy.identity.as_str(), policy.revoked_at),
        (user.as_str(), None)
    );
    assert_eq!(out.grants.len(), 2);

    // The fixture does carry the secret: the importer must not copy it anywhere.
    let raw = std::fs::read_to_string(fixture("cloudtrail/lookup-events.json")).unwrap();
    assert!(
        raw.contains(SEEDED_SECRET),
        "the fixture seeds a secretAccessKey"
    );
    let written = to_jsonl(&out.grants);
    assert!(
        !written.contains(SEEDED_SECRET),
        "the secret access key leaked:\n{written}"
    );
    assert!(!written.contains("secretAccessKey"), "{written}");
    assert!(!format!("{out:?}").contains(SEEDED_SECRET));
}

#[test]
fn cloudtrail_directory_reads_both_shapes_together() {
    let grants = import_file(ImportKind::Cloudtrail, &fixture("cloudtrail")).unwrap();
    assert_eq!(grants.len(), 4);
    let json = to_jsonl(&grants);
    assert!(!json.contains(SEEDED_SECRET));
    assert!(
        !json.contains("SESSIONTOKEN"),
        "the AssumeRole session token leaked:\n{json}"
    );
}

// ---- Vault file audit device ----

#[test]
fn vault_audit_leases_become_grants_matched_by_name_pattern() {
    let out = vault_audit::import_docs(&docs("vault_audit/audit.log")).unwrap();
    assert_eq!(out.grants.len(), 2, "{:#?}", out.grants);

    let lease = "database/creds/readonly/Zk4qT8vN2mR5pL7xWc3B";
    let g = one(&out.grants, "for the readonly lease", |g| {
        g.grant_id == lease
    });
    // The username is HMAC-ed: the identity names the lease, the labels carry the pattern.
    assert_eq!(g.identity, format!("vault-lease:{lease}"));
    assert_eq!(
        (g.boundary, g.scope.as_str(), g.entitlement.as_str()),
        (Boundary::new("postgres"), "vault", "")
    );
    assert_eq!(g.target, "database/creds/readonly");
    assert_eq!(
        g.labels.get("vault_role").map(String::as_str),
        Some("readonly")
    );
    assert_eq!(
        g.labels.get("vault_mount").map(String::as_str),
        Some("database")
    );
    assert_eq!(
        g.labels.get("issued_unix").map(String::as_str),
        Some("1788256800")
    );
    assert_eq!(g.requested_by.as_deref(), Some("approle"));
    assert_eq!(
        g.task.as_deref(),
        Some("CHG-1042"),
        "from the audited x-task-id header"
    );
    assert_eq!(g.issued_at, Some(t("2026-09-01T10:00:00.202020202Z")));
    assert_eq!(
        g.expires_at, None,
        "the file audit device does not log the lease TTL"
    );
    assert_eq!(g.revoked_at, Some(t("2026-09-01T11:30:00.123456789Z")));
    assert_eq!(g.labels.get("renewals").map(String::as_str), Some("1"));
    assert_eq!(
        pointers(g),
        ["line 2", "line 8", "line 12"],
        "issued, renewed, revoked"
    );
    assert!(
        g.labels
            .get("revocation")
            .is_some_and(|r| r.contains("revoke"))
    );

    // A log_raw line: the clear username is the identity; the clear password goes nowhere.
    let m = one(&out.grants, "for the mysql lease", |g| {
        g.grant_id.starts_with("mysql-prod/creds/reporting/")
    });
    assert_eq!(m.boundary, Boundary::new("mysql"));
    assert_eq!(
        m.identity,
        "v-approle-reportin-x4Jt9QmW2rB7nLpZs8Kd-1788258600"
    );
    assert_eq!(
        m.labels.get("issued_unix").map(String::as_str),
        Some("1788258600")
    );
    assert_eq!(m.task.as_deref(), Some("REQ-77"), "from the token metadata");
    assert_eq!(m.requested_by.as_deref(), Some("approle-reports"));
    assert_eq!(m.revoked_at, None, "its revocation was HMAC-ed");

    assert_eq!(out.hmac_revocations, 1);
    assert_eq!(out.failed, 1, "the denied creds read, once");
    let written = to_jsonl(&out.grants);
    assert!(!written.contains("Sup3rS3cretVaultPassw0rd"), "{written}");
    assert!(!written.contains("hmac-sha256:"), "{written}");
}

#[test]
fn vault_audit_grants_reach_the_database_role_vault_created() {
    // The HMAC-ed lease is found by Vault's username template: role `readonly`, issued 1788256800.
    let grants = import_file(ImportKind::VaultAudit, &fixture("vault_audit/audit.log")).unwrap();
    let mut inv = Inventory::default();
    let name = "v-approle-readonly-Ab3dE5gH7jK9mN1pQ3sT-1788256801";
    inv.identities.push(Identity {
        id: format!("postgres://orders-db.internal:5432/{name}").into(),
        name: name.into(),
        boundary: Boundary::new("postgres"),
        scope: "orders-db.internal:5432".into(),
        kind: "pg-login-role".into(),
        created_at: None,
        last_used: None,
        attributes: Default::default(),
        evidence: vec![],
    });
    jitgap::ledger::reconcile(
        &jitgap::scan::Registry::builtin(),
        &mut inv,
        &grants,
        &[],
        &Policy::from_layers(&[&jitgap::scan::registry::embedded_rules().unwrap().policy]).unwrap(),
        t("2026-09-02T00:00:00Z"),
    );
    let zombie = inv
        .signals
        .iter()
        .find(|s| s.kind == "ledger-zombie")
        .unwrap_or_else(|| panic!("the revoked lease's role still exists: {:#?}", inv.signals));
    assert!(zombie.identity.ends_with(name), "{zombie:?}");
    assert!(
        zombie
            .message
            .contains("database/creds/readonly/Zk4qT8vN2mR5pL7xWc3B"),
        "{}",
        zombie.message
    );
}

// ---- Teleport ----

#[test]
fn teleport_approved_requests_are_grants_per_role() {
    let out = teleport::import_docs(&docs("teleport/events.jsonl")).unwrap();
    assert_eq!(out.grants.len(), 2, "{:#?}", out.grants);
    assert_eq!(out.ignored_events, 1, "user.login");

    let g = one(&out.grants, "for bot-release", |g| {
        g.identity == "bot-release"
    });
    assert_eq!(g.grant_id, "018f6c1e-2b3a-7c4d-9e5f-a1b2c3d4e5f6");
    assert_eq!(g.entitlement, "aws-prod-admin");
    assert_eq!(
        (g.boundary, g.scope.as_str()),
        (Boundary::new("aws"), "teleport:teleport.example.com")
    );
    assert_eq!(
        g.labels.get("boundary_from").map(String::as_str),
        Some("role name")
    );
    assert_eq!(g.requested_by.as_deref(), Some("bot-release"));
    assert_eq!(g.approved_by.as_deref(), Some("alice"));
    assert_eq!(
        g.task.as_deref(),
        Some("CHG-2211 rotate the release KMS keys")
    );
    assert_eq!(
        g.issued_at,
        Some(t("2026-09-01T10:05:30.5Z")),
        "issued when approved"
    );
    assert_eq!(
        g.expires_at,
        Some(t("2026-09-01T14:00:00Z")),
        "the reviewed access expiry"
    );
    assert_eq!(
        g.revoked_at,
        Some(t("2026-09-01T12:00:00Z")),
        "the request was deleted"
    );
    assert_eq!(
        g.labels.get("max_duration").map(String::as_str),
        Some("2026-09-01T18:00:00Z")
    );
    assert_eq!(pointers(g), ["line 1", "line 3", "line 4"]);

    // Approved with fewer roles than asked: only the approved one is a grant.
    let etl = one(&out.grants, "for svc-etl", |g| g.identity == "svc-etl");
    assert_eq!(etl.grant_id, "018f6c1e-2b3a-7c4d-9e5f-a1b2c3d4e5f7");
    assert_eq!(etl.entitlement, "pg-readonly");
    assert_eq!(etl.boundary, Boundary::new("postgres"));
    assert_eq!(
        etl.labels.get("boundary_from").map(String::as_str),
        Some("resource")
    );
    assert_eq!(etl.target, "db/orders-pg");
    assert_eq!(etl.approved_by.as_deref(), Some("bob"));
    assert_eq!(etl.expires_at, Some(t("2026-09-02T17:00:00Z")));
    assert_eq!(
        etl.labels.get("revocation").map(String::as_str),
        Some("access_request.expire")
    );

    // The denied request granted nothing.
    assert_eq!(out.not_granted.len(), 1);
    let denied = &out.not_granted[0];
    assert_eq!(denied.identity, "agent-triage");
    assert_eq!(
        denied.labels.get("teleport_state").map(String::as_str),
        Some("DENIED")
    );
    assert_eq!(
        (denied.issued_at, denied.approved_by.as_deref()),
        (None, None)
    );

    // A JSON array export reads the same.
    let lines = std::fs::read_to_string(fixture("teleport/events.jsonl")).unwrap();
    let array: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let as_array = teleport::import_docs(&[Doc::new(
        "events.json",
        serde_json::to_string_pretty(&array).unwrap(),
    )])
    .unwrap();
    let strip = |gs: &[Grant]| {
        gs.iter()
            .map(|g| Grant {
                evidence: vec![],
                ..g.clone()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&as_array.grants), strip(&out.grants));
    assert_eq!(pointers(&as_array.grants[0]), ["/0", "/2", "/3"]);
}

// ---- the written ledger ----

#[test]
fn every_import_round_trips_through_the_neutral_ledger() {
    for (kind, grants) in all_imported() {
        let text = to_jsonl(&grants);
        assert_eq!(
            text.lines().count(),
            grants.len(),
            "{kind}: one line per grant"
        );
        let back =
            parse_jsonl("written.jsonl", &text).unwrap_or_else(|e| panic!("{kind}: {e}\n{text}"));
        assert_eq!(
            back, grants,
            "{kind}: import -> to_jsonl -> read changed the grants"
        );
        assert_eq!(to_jsonl(&back), text, "{kind}: writing is stable");
    }
}

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/ledger.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schemas/ledger.schema.json is not a valid schema: {e}"))
}

fn violations(v: &jsonschema::Validator, line: &Value) -> Vec<String> {
    v.iter_errors(line)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

#[test]
fn written_ledgers_conform_to_the_schema() {
    let v = validator();
    for (kind, grants) in all_imported() {
        for (n, line) in to_jsonl(&grants).lines().enumerate() {
            let value: Value = serde_json::from_str(line).unwrap();
            let errors = violations(&v, &value);
            assert!(
                errors.is_empty(),
                "{kind} line {}: {line}\n  {}",
                n + 1,
                errors.join("\n  ")
            );
        }
    }
}

#[test]
fn the_schema_accepts_every_scanned_boundary() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/ledger.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let pattern = regex::Regex::new(
        schema["properties"]["boundary"]["pattern"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let registry = jitgap::scan::registry::Registry::builtin();
    let mut names: Vec<String> = registry
        .scanners()
        .iter()
        .map(|s| s.boundary().to_string())
        .collect();
    names.push("vault".into());
    for name in names {
        assert!(
            pattern.is_match(&name),
            "{name} does not match the ledger schema"
        );
    }
    assert!(!pattern.is_match("AWS") && !pattern.is_match(""));
}

#[test]
fn the_schema_rejects_what_the_reader_rejects() {
    let v = validator();
    let good = json!({"grant_id": "g1", "boundary": "aws", "scope": ACCOUNT, "identity": "jit-admin", "source": "broker"});
    assert!(violations(&v, &good).is_empty());
    type Mutation = (&'static str, fn(&mut Value));
    let mutations: &[Mutation] = &[
        ("unknown field", |g| {
            g["expiry"] = json!("2026-09-01T00:00:00Z")
        }),
        ("ledger_version 2", |g| g["ledger_version"] = json!(2)),
        ("malformed boundary", |g| g["boundary"] = json!("Oracle DB")),
        ("no grant_id", |g| {
            g.as_object_mut().unwrap().remove("grant_id");
        }),
        ("issued_at not a time", |g| {
            g["issued_at"] = json!("yesterday")
        }),
        ("label not a string", |g| g["labels"] = json!({"n": 1})),
        ("evidence without source", |g| {
            g["evidence"] = json!([{"pointer": "/Records/0"}])
        }),
    ];
    for (what, mutate) in mutations {
        let mut broken = good.clone();
        mutate(&mut broken);
        assert!(
            !violations(&v, &broken).is_empty(),
            "the schema accepts a line with {what}"
        );
        let line = serde_json::to_string(&broken).unwrap();
        assert!(
            parse_jsonl("x.jsonl", &line).is_err(),
            "the reader accepts a line with {what}"
        );
    }
}

// ---- sources ----

#[test]
fn sources_name_their_kind_and_refuse_what_they_cannot_read() {
    assert_eq!(
        parse_spec("vault-audit:/var/log/vault/audit.log"),
        (ImportKind::VaultAudit, "/var/log/vault/audit.log".into())
    );
    assert_eq!(
        parse_spec("teleport:exports/2026:09.jsonl"),
        (ImportKind::Teleport, "exports/2026:09.jsonl".into())
    );
    assert_eq!(parse_spec("exports/2026:09.jsonl").0, ImportKind::Jsonl);

    let e = import_file(ImportKind::Vault, Path::new("anything")).unwrap_err();
    assert!(
        e.to_string().contains("VAULT_ADDR") && e.to_string().contains("vault-audit:PATH"),
        "{e}"
    );

    let dir = tempfile::tempdir().unwrap();
    let gz = dir
        .path()
        .join("111122223333_CloudTrail_us-east-1_20260901T1000Z_x.json");
    std::fs::write(&gz, [0x1f, 0x8b, 0x08, 0x00]).unwrap();
    let e = import_file(ImportKind::Cloudtrail, &gz).unwrap_err();
    assert!(e.message.contains("gzip"), "{e}");
    let bad = dir.path().join("audit.log");
    std::fs::write(
        &bad,
        "{\"time\":\"2026-09-01T10:00:00Z\",\"type\":\"request\"}\n{not json\n",
    )
    .unwrap();
    let e = import_file(ImportKind::VaultAudit, &bad).unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    assert!(
        e.to_string().contains("audit.log:2: key must be a string"),
        "{e}"
    );
}
