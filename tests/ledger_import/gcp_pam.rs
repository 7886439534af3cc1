//! Google Cloud PAM grants (`grants.list` pages, `gcloud pam grants list` output, a snapshot's
//! `gcp/<project>/pam-grants.json`) read into grants.

use super::{fixture, one, pointers, t};
use jitgap::ledger::import::gcp_pam::{self, GcpPamImport};
use jitgap::ledger::{Grant, ImportKind, import_file, parse_spec};
use jitgap::model::Boundary;
use std::path::{Path, PathBuf};

pub const MIGRATOR: &str = "migrator@acme-prod.iam.gserviceaccount.com";
pub const PROJECT: &str = "acme-prod";
const ENTITLEMENTS: &str = "projects/acme-prod/locations/global/entitlements";
const ACTIVE: &str = "projects/acme-prod/locations/global/entitlements/db-breakglass/grants/1a2b3c4d-0001-4a5b-8c6d-7e8f9a0b1c2d";
const REVOKED: &str = "projects/acme-prod/locations/global/entitlements/prod-owner/grants/1a2b3c4d-0002-4a5b-8c6d-7e8f9a0b1c2d";
pub const UNJUSTIFIED: &str = "projects/acme-prod/locations/global/entitlements/bucket-admin/grants/1a2b3c4d-0005-4a5b-8c6d-7e8f9a0b1c2d";

fn label<'g>(g: &'g Grant, key: &str) -> Option<&'g str> {
    g.labels.get(key).map(String::as_str)
}

fn by_id<'g>(grants: &'g [Grant], id: &str) -> &'g Grant {
    one(grants, id, |g| g.grant_id == id)
}

fn path(rel: &str) -> PathBuf {
    fixture(&format!("gcp-pam/{rel}"))
}

fn import(p: &Path) -> GcpPamImport {
    gcp_pam::import_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The repository's fake GCP estate, a `jitgap collect` snapshot.
pub fn estate() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gcp/estate")
}

#[test]
fn gcp_pam_page_becomes_one_grant_per_role() {
    let out = import(&path("page.json"));
    assert_eq!(out.grants.len(), 4, "{:#?}", out.grants);
    assert_eq!(
        (out.never_active, out.pending, out.unknown_state),
        (1, 1, 0),
        "the DENIED and the APPROVAL_AWAITED grant give nothing"
    );
    assert_eq!(out.next_pages, 1, "the saved page names a next one");
    assert!(out.skipped.is_empty() && out.duplicates == 0);

    // Two role bindings: two grants, each id suffixed with its role.
    let admin = by_id(&out.grants, &format!("{ACTIVE}#roles/cloudsql.admin"));
    let user = by_id(
        &out.grants,
        &format!("{ACTIVE}#roles/cloudsql.instanceUser"),
    );
    assert_eq!(user.entitlement, "roles/cloudsql.instanceUser");
    assert_eq!(
        (
            admin.boundary,
            admin.scope.as_str(),
            admin.identity.as_str()
        ),
        (Boundary::new("gcp"), PROJECT, MIGRATOR)
    );
    assert_eq!(
        (admin.entitlement.as_str(), admin.target.as_str()),
        ("roles/cloudsql.admin", "projects/acme-prod")
    );
    assert_eq!(admin.source, "gcp-pam");
    assert_eq!(admin.task.as_deref(), Some("CHG-7001 index rebuild"));
    assert_eq!(admin.requested_by.as_deref(), Some(MIGRATOR));
    assert_eq!(admin.approved_by.as_deref(), Some("dba-lead@acme.example"));
    assert_eq!(
        admin.issued_at,
        Some(t("2026-09-01T11:31:14Z")),
        "auditTrail.accessGrantTime"
    );
    assert_eq!(
        admin.expires_at,
        Some(t("2026-09-01T12:31:14Z")),
        "issued + requestedDuration 3600s"
    );
    assert_eq!(admin.revoked_at, None);
    assert_eq!(label(admin, "pam_state"), Some("ACTIVE"));
    assert_eq!(
        label(admin, "pam_entitlement"),
        Some(format!("{ENTITLEMENTS}/db-breakglass").as_str())
    );
    assert_eq!(label(admin, "requested_duration"), Some("3600s"));
    assert_eq!(label(admin, "revocation"), None);
    assert_eq!(pointers(admin), ["/grants/0"]);
    assert!(admin.evidence[0].source.ends_with("gcp-pam/page.json"));
    assert_eq!(
        admin.evidence[0].excerpt,
        "ACTIVE grant by migrator@acme-prod.iam.gserviceaccount.com: roles/cloudsql.admin on \
         projects/acme-prod for 3600s, access 2026-09-01T11:31:14Z"
    );

    // Revoked: accessRemoveTime, with the revoked event's actor and reason.
    let r = by_id(&out.grants, REVOKED);
    assert_eq!(r.entitlement, "roles/owner");
    assert_eq!(r.issued_at, Some(t("2026-08-31T09:00:04Z")));
    assert_eq!(r.expires_at, Some(t("2026-08-31T11:00:04Z")));
    assert_eq!(r.revoked_at, Some(t("2026-08-31T09:40:02Z")));
    assert_eq!(r.approved_by, None, "no approval step");
    assert_eq!(label(r, "revoked_by"), Some("alice@acme.example"));
    assert_eq!(label(r, "revoked_reason"), Some("PAGE-2301 resolved"));
    assert_eq!(
        label(r, "revocation"),
        Some("auditTrail.accessRemoveTime 2026-08-31T09:40:02Z")
    );
    assert_eq!(pointers(r), ["/grants/1"]);

    // Ended: its end is when PAM removed the binding; no justification, no approval.
    let e = by_id(&out.grants, UNJUSTIFIED);
    assert_eq!(e.expires_at, Some(t("2026-08-28T10:00:04Z")));
    assert_eq!((e.task.as_deref(), e.approved_by.as_deref()), (None, None));
    assert_eq!(e.revoked_at, None);
    assert!(label(e, "revocation").is_some());
    assert_eq!(pointers(e), ["/grants/4"]);

    // What never gave access is no grant.
    assert!(
        out.grants
            .iter()
            .all(|g| !g.grant_id.contains("-0003-") && !g.grant_id.contains("-0004-"))
    );
}

#[test]
fn gcp_pam_bare_lists_and_folder_grants() {
    let out = import(&path("gcloud-list.json"));
    assert_eq!(out.grants.len(), 3, "{:#?}", out.grants);
    assert_eq!(out.never_active, 1, "the WITHDRAWN request");
    let folder = one(&out.grants, "on the folder", |g| {
        g.scope.starts_with("folders/")
    });
    assert_eq!(
        (folder.scope.as_str(), folder.target.as_str()),
        ("folders/345678901234", "folders/345678901234")
    );
    assert_eq!(
        folder.identity, "deployer@acme-prod.iam.gserviceaccount.com",
        "the identity is the requester's email, lower-cased"
    );
    assert_eq!(
        folder.requested_by.as_deref(),
        Some("Deployer@acme-prod.iam.gserviceaccount.com"),
        "requested_by as PAM wrote it"
    );
    assert_eq!(folder.expires_at, Some(t("2026-09-01T16:00:02Z")), "28800s");
    assert_eq!(pointers(folder), ["/0"]);
    let revoked = by_id(&out.grants, &format!("{ACTIVE}#roles/cloudsql.admin"));
    assert_eq!(revoked.revoked_at, Some(t("2026-09-01T11:50:02Z")));
    assert_eq!(pointers(revoked), ["/1"]);
}

#[test]
fn gcp_pam_directory_counts_a_grant_once_as_last_updated() {
    let out = import(&fixture("gcp-pam"));
    assert_eq!(
        out.duplicates, 1,
        "the ACTIVE grant is in page.json and gcloud-list.json"
    );
    assert_eq!(out.grants.len(), 8, "{:#?}", out.grants);
    let g = by_id(&out.grants, &format!("{ACTIVE}#roles/cloudsql.admin"));
    assert_eq!(
        label(g, "pam_state"),
        Some("REVOKED"),
        "the later updateTime (gcloud-list.json) wins over the page"
    );
    assert!(g.evidence[0].source.ends_with("gcloud-list.json"));
    assert_eq!(
        import_file(ImportKind::GcpPam, &fixture("gcp-pam")).unwrap(),
        out.grants
    );
}

#[test]
fn gcp_pam_reads_every_project_of_a_snapshot() {
    let (kind, spec) = parse_spec(&format!("gcp-pam:{}", estate().display()));
    assert_eq!(kind, ImportKind::GcpPam);
    let out = import(Path::new(&spec));
    let ids: Vec<&str> = out
        .grants
        .iter()
        .map(|g| g.grant_id.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cc33d4e5-f607-4182-93a4-b5c6d7e8f901",
            "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
            "aa11b2c3-d4e5-4f60-8172-93a4b5c6d7e8",
            "bb22c3d4-e5f6-4071-8293-a4b5c6d7e8f9"
        ],
        "entitlements in name order, grants in list order; acme-data's document is empty"
    );
    assert_eq!(
        out.never_active, 1,
        "the EXPIRED request (approval timed out)"
    );
    assert_eq!(out.skipped.len(), 1, "{:?}", out.skipped);
    assert!(out.skipped[0].ends_with("manifest.json"));

    let g = by_id(
        &out.grants,
        "projects/acme-prod/locations/global/entitlements/db-breakglass/grants/6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
    );
    assert_eq!(
        pointers(g),
        ["/projects~1acme-prod~1locations~1global~1entitlements~1db-breakglass/grants/0"]
    );
    assert!(
        g.evidence[0]
            .source
            .ends_with("gcp/acme-prod/pam-grants.json")
    );
    assert_eq!(
        (
            g.identity.as_str(),
            g.entitlement.as_str(),
            g.scope.as_str()
        ),
        (MIGRATOR, "roles/cloudsql.admin", PROJECT)
    );
    assert_eq!(g.approved_by.as_deref(), Some("dba-lead@acme.example"));
    assert_eq!(g.expires_at, Some(t("2026-08-29T15:00:04Z")));
    let modified = by_id(
        &out.grants,
        "projects/acme-prod/locations/global/entitlements/bucket-admin/grants/cc33d4e5-f607-4182-93a4-b5c6d7e8f901",
    );
    assert_eq!(label(modified, "externally_modified"), Some("true"));

    // The snapshot's gcp/ folder, and one project folder (its other documents are skipped).
    assert_eq!(import(&estate().join("gcp")).grants, out.grants);
    let project = import(&estate().join("gcp/acme-prod"));
    assert_eq!(project.grants, out.grants);
    assert_eq!(project.skipped.len(), 8, "{:?}", project.skipped);
    assert!(
        project
            .skipped
            .iter()
            .any(|s| s.ends_with("pam-entitlements.json"))
    );
}

#[test]
fn gcp_pam_project_numbers_become_the_project_ids_beside_them() {
    let out = import(&path("by-number"));
    let g = &out.grants[0];
    assert_eq!(
        (g.scope.as_str(), g.target.as_str()),
        (PROJECT, "projects/acme-prod"),
        "project.json says projects/123456789012 is acme-prod"
    );
    assert!(g.grant_id.starts_with("projects/123456789012/"));
    assert_eq!(out.skipped.len(), 1);
    assert!(out.skipped[0].ends_with("service-accounts.json"));
    // Alone, the number stays.
    let alone = import(&path("by-number/grants.json"));
    assert_eq!(alone.grants[0].scope, "123456789012");
}

#[test]
fn gcp_pam_errors_name_the_file_and_the_pointer() {
    let err = |p: &Path| import_file(ImportKind::GcpPam, p).unwrap_err().to_string();
    let e = err(&path("bad/bad-time.json"));
    assert!(
        e.ends_with(
            "bad/bad-time.json: /grants/1/auditTrail/accessRemoveTime: `31/08/2026 09:40` is not an RFC 3339 time"
        ),
        "{e}"
    );
    let e = err(&path("bad/bad-duration.json"));
    assert!(
        e.ends_with(
            "bad/bad-duration.json: /0/requestedDuration: `4h` is not a duration in seconds (\"7200s\")"
        ),
        "{e}"
    );
    let e = err(&path("bad/no-roles.json"));
    assert!(
        e.contains(
            "no-roles.json: /projects~1acme-prod~1locations~1global~1entitlements~1db-breakglass/grants/0/privilegedAccess/gcpIamAccess/roleBindings: missing"
        ),
        "{e}"
    );
    let e = err(&path("bad/entitlements.json"));
    assert!(
        e.contains("entitlements.json: the document is not a PAM grant list")
            && e.contains("`entitlements`"),
        "{e}"
    );
    let e = err(&path("bad/truncated.json"));
    assert!(
        e.contains("truncated.json:") && e.contains("EOF while parsing"),
        "{e}"
    );
    // A file named on its own must be a grant list; in a directory it is skipped.
    let e = err(&estate().join("gcp/acme-prod/service-accounts.json"));
    assert!(
        e.contains("not a PAM grant list") && e.contains("`accounts`"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.json"), r#"{"collected_at": "x"}"#).unwrap();
    let e = err(dir.path());
    assert!(e.contains("no PAM grant list in the directory"), "{e}");
    let e = err(&dir.path().join("sub"));
    assert!(e.contains("cannot read"), "{e}");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let e = err(&dir.path().join("empty"));
    assert!(e.contains("no *.json file"), "{e}");
}

/// A grant a person requested is no non-human access: counted, not imported.
#[test]
fn gcp_pam_grants_of_people_are_left_out_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let page: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("page.json")).unwrap()).unwrap();
    let before = import(&path("page.json"));
    assert!(!before.grants.is_empty());
    let mut people = page.clone();
    for g in people["grants"].as_array_mut().unwrap() {
        g["requester"] = serde_json::json!("alice@acme.example");
    }
    let file = dir.path().join("people.json");
    std::fs::write(&file, people.to_string()).unwrap();
    let out = import(&file);
    assert!(out.grants.is_empty(), "{:#?}", out.grants);
    assert!(out.people > 0);
    assert_eq!(
        out.people + out.never_active + out.pending + out.unknown_state,
        before.never_active
            + before.pending
            + before.unknown_state
            + before
                .grants
                .iter()
                .map(|g| g.grant_id.split('#').next().unwrap().to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .len()
    );
}
