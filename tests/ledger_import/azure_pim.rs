//! Azure PIM `roleAssignmentScheduleRequests` (ARM and Graph) read into grants.

use super::{docs, fixture, one, pointers, t};
use jitgap::ledger::import::{Doc, azure_pim};
use jitgap::ledger::{Grant, ImportKind, import_file};
use jitgap::model::Boundary;
use serde_json::json;

pub const PROD: &str = "00000000-1111-2222-3333-444444444444";
pub const OPS_RUNNER: &str = "6b1f0c3e-4d2a-4e8b-9f10-a1b2c3d4e5f6";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const RG_WEB: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-web";
const ADMIN: &str = "11111111-2222-3333-4444-555555555555";
pub const ACTIVATION: &str = "3b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";

fn label<'g>(g: &'g Grant, key: &str) -> Option<&'g str> {
    g.labels.get(key).map(String::as_str)
}

fn by_id<'g>(grants: &'g [Grant], id: &str) -> &'g Grant {
    one(grants, id, |g| g.grant_id == id)
}

#[test]
fn azure_pim_arm_requests_become_grants() {
    let out = azure_pim::import_docs(&docs("azure-pim/arm-requests.json")).unwrap();
    assert_eq!(out.grants.len(), 4, "{:#?}", out.grants);
    assert_eq!(
        (out.refused, out.pending, out.ignored),
        (1, 0, 0),
        "the denied activation"
    );
    assert_eq!(out.removals_applied, 1);
    assert_eq!(out.next_links, 1, "the saved page links a next one");
    assert!(
        out.grants
            .iter()
            .all(|g| g.grant_id != "2a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d")
    );

    let g = by_id(&out.grants, ACTIVATION);
    assert_eq!(
        (g.boundary, g.scope.as_str(), g.identity.as_str()),
        (Boundary::new("azure"), PROD, OPS_RUNNER)
    );
    assert_eq!(
        (g.entitlement.as_str(), g.target.as_str()),
        ("Contributor", RG_WEB)
    );
    assert_eq!(g.source, "azure-pim");
    assert_eq!(
        g.issued_at,
        Some(t("2026-09-01T09:00:00Z")),
        "the schedule start"
    );
    assert_eq!(
        g.expires_at,
        Some(t("2026-09-01T17:00:00Z")),
        "start + PT8H"
    );
    assert_eq!(
        g.revoked_at,
        Some(t("2026-09-01T11:30:00.42Z")),
        "the AdminRemove's createdOn, its scope spelt in another case"
    );
    assert_eq!(g.requested_by.as_deref(), Some(OPS_RUNNER));
    assert!(
        g.approved_by
            .as_deref()
            .is_some_and(|a| a.ends_with("/6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c"))
    );
    assert_eq!(g.task.as_deref(), Some("INC-4411 (ServiceNow 1234)"));
    assert_eq!(label(g, "pim_request_type"), Some("SelfActivate"));
    assert_eq!(label(g, "pim_status"), Some("Provisioned"));
    assert!(label(g, "role_definition_id").is_some_and(|r| r.ends_with(CONTRIBUTOR)));
    assert_eq!(label(g, "principal_name"), Some("ops-runner"));
    assert!(label(g, "linked_eligibility_id").is_some());
    assert_eq!(label(g, "revoked_with"), Some("AdminRemove"));
    assert_eq!(label(g, "revoked_by"), Some(ADMIN));
    assert_eq!(label(g, "revoked_reason"), Some("INC-4411 finished early"));
    assert_eq!(
        label(g, "revocation_request"),
        Some("1f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c")
    );
    // The file lists the removal first: requests are paired in time order.
    assert_eq!(pointers(g), ["/value/2", "/value/0"]);
    assert!(
        g.evidence[0]
            .excerpt
            .starts_with("SelfActivate Provisioned 2026-09-01T09:00:00Z by "),
        "{:?}",
        g.evidence[0]
    );

    // No display name anywhere in the export: the role definition GUID; ids lower-cased.
    let blob = by_id(&out.grants, "4c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f");
    assert_eq!(blob.entitlement, "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
    assert_eq!(
        (blob.identity.as_str(), blob.scope.as_str()),
        (OPS_RUNNER, PROD)
    );
    assert_eq!(
        blob.expires_at,
        Some(t("2027-08-01T00:00:00Z")),
        "AfterDateTime"
    );
    assert_eq!(
        (blob.task.as_deref(), blob.approved_by.as_deref()),
        (None, None)
    );

    // A management group is no subscription; NoExpiration has no end; a ticket alone is the task.
    let mg = by_id(&out.grants, "5d0e1f2a-3b4c-4d5e-9f6a-7b8c9d0e1f2a");
    assert_eq!((mg.scope.as_str(), mg.entitlement.as_str()), ("", "Reader"));
    assert_eq!(
        mg.target,
        "/providers/Microsoft.Management/managementGroups/mg-platform"
    );
    assert_eq!((mg.expires_at, mg.task.as_deref()), (None, Some("CAB-9")));

    // The role's name comes from another request of the export naming the same GUID.
    let later = by_id(&out.grants, "6e1f2a3b-4c5d-4e6f-8a7b-8c9d0e1f2a3b");
    assert_eq!(later.entitlement, "Contributor");
    assert_eq!(
        later.expires_at,
        Some(t("2026-09-02T15:45:00Z")),
        "start + PT1H45M"
    );
    assert_eq!(
        (later.task.as_deref(), later.revoked_at),
        (Some("CHG-77 deploy"), None)
    );

    let path = fixture("azure-pim/arm-requests.json");
    assert_eq!(
        import_file(ImportKind::AzurePim, &path).unwrap(),
        out.grants
    );
}

#[test]
fn azure_pim_graph_requests_become_directory_grants() {
    let out = azure_pim::import_docs(&docs("azure-pim/graph-requests.json")).unwrap();
    assert_eq!(out.grants.len(), 1, "{:#?}", out.grants);
    assert_eq!(
        (out.refused, out.pending),
        (1, 1),
        "the canceled and the pending request"
    );
    assert_eq!(out.removals_applied, 1);
    let g = &out.grants[0];
    assert_eq!(g.grant_id, "a1b2c3d4-0001-4e5f-8a9b-0c1d2e3f4a5b");
    assert_eq!(
        (g.scope.as_str(), g.target.as_str()),
        ("", "directory:/"),
        "no tenant in the record"
    );
    assert_eq!(
        (g.identity.as_str(), g.entitlement.as_str()),
        (OPS_RUNNER, "Application Administrator")
    );
    assert_eq!(
        g.requested_by.as_deref(),
        Some("3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f"),
        "createdBy.application"
    );
    assert_eq!(g.issued_at, Some(t("2026-09-03T10:00:00Z")));
    assert_eq!(
        g.expires_at,
        Some(t("2026-09-03T12:00:00Z")),
        "afterDuration PT2H"
    );
    assert_eq!(
        g.revoked_at,
        Some(t("2026-09-03T11:00:00Z")),
        "the selfDeactivate's createdDateTime"
    );
    assert_eq!(
        g.task.as_deref(),
        Some("Rotate app secrets (Jira CHG-5521)")
    );
    assert_eq!(label(g, "pim_request_type"), Some("selfActivate"));
    assert_eq!(label(g, "revoked_with"), Some("selfDeactivate"));
    assert_eq!(
        label(g, "target_schedule_id"),
        Some("a1b2c3d4-0001-4e5f-8a9b-0c1d2e3f4a5b")
    );
    assert_eq!(pointers(g), ["/value/0", "/value/1"]);
}

#[test]
fn azure_pim_removal_without_its_activation_is_a_grant_of_its_own() {
    let grants = import_file(
        ImportKind::AzurePim,
        &fixture("azure-pim/removal-alone.json"),
    )
    .unwrap();
    assert_eq!(grants.len(), 1, "{grants:#?}");
    let g = &grants[0];
    assert_eq!(g.grant_id, "7f2a3b4c-5d6e-4f7a-9b8c-9d0e1f2a3b4c");
    assert_eq!((g.scope.as_str(), g.entitlement.as_str()), (PROD, "Owner"));
    assert_eq!((g.issued_at, g.expires_at), (None, None));
    assert_eq!(g.revoked_at, Some(t("2026-09-01T12:00:00Z")));
    assert_eq!(label(g, "opened"), Some("before the export"));
    assert_eq!(label(g, "revoked_with"), Some("SelfDeactivate"));
    assert!(
        label(g, "target_instance_id")
            .is_some_and(|i| i.ends_with("/0e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b"))
    );
    assert_eq!(pointers(g), [""], "the document is the request");
}

fn arm_request(name: &str, kind: &str, status: &str, at: &str) -> serde_json::Value {
    json!({"name": name, "type": "Microsoft.Authorization/RoleAssignmentScheduleRequests",
        "properties": {"scope": RG_WEB, "principalId": OPS_RUNNER, "principalType": "ServicePrincipal",
            "roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/{CONTRIBUTOR}"),
            "requestType": kind, "status": status, "createdOn": at,
            "scheduleInfo": {"startDateTime": at, "expiration": {"type": "AfterDuration", "duration": "PT8H"}}}})
}

#[test]
fn azure_pim_denied_requests_grant_and_revoke_nothing() {
    let body = json!({"value": [
        arm_request("act", "SelfActivate", "Provisioned", "2026-09-01T09:00:00Z"),
        arm_request("act-denied", "SelfActivate", "Denied", "2026-09-01T09:30:00Z"),
        arm_request("remove-denied", "AdminRemove", "AdminDenied", "2026-09-01T10:00:00Z"),
        arm_request("remove-timed-out", "AdminRemove", "TimedOut", "2026-09-01T10:05:00Z"),
        arm_request("act-pending", "SelfActivate", "PendingApproval", "2026-09-01T10:10:00Z"),
        arm_request("act", "SelfActivate", "Provisioned", "2026-09-01T09:00:00Z"),
    ]});
    let doc = Doc::new("denied.json", body.to_string());
    let out = azure_pim::import_docs(&[doc]).unwrap();
    assert_eq!(
        out.grants.len(),
        1,
        "a request listed twice counts once: {:#?}",
        out.grants
    );
    assert_eq!((out.refused, out.pending, out.removals_applied), (3, 1, 0));
    let g = &out.grants[0];
    assert_eq!(
        (g.grant_id.as_str(), g.revoked_at),
        ("act", None),
        "denied removals revoke nothing"
    );
    assert_eq!(g.entitlement, CONTRIBUTOR, "no display name: the GUID");
    assert_eq!(g.expires_at, Some(t("2026-09-01T17:00:00Z")));
}

#[test]
fn azure_pim_errors_name_the_file_and_the_pointer_or_line() {
    let err = |rel: &str| import_file(ImportKind::AzurePim, &fixture(rel)).unwrap_err();
    let e = err("azure-pim/bad/bad-time.json");
    assert_eq!(e.line, None);
    assert!(
        e.to_string().ends_with(
            "bad-time.json: /value/1/properties/scheduleInfo/startDateTime: `2026-09-31T25:00:00Z` is not a time"
        ),
        "{e}"
    );
    let e = err("azure-pim/bad/bad-duration.jsonl");
    assert!(
        e.to_string().contains(
            "bad-duration.jsonl:2: /value/0/scheduleInfo/expiration/duration: `P1M` is not an ISO 8601 duration"
        ),
        "{e}"
    );
    let e = err("azure-pim/bad/missing-principal.json");
    assert!(
        e.to_string()
            .ends_with("missing-principal.json: /0/properties/principalId: missing"),
        "{e}"
    );
    let e = err("azure-pim/bad/broken.json");
    assert_eq!(e.line, Some(4), "{e}");
    assert!(e.to_string().contains("broken.json:4: "), "{e}");
    // A directory: its files in name order, the first bad one named.
    let e = err("azure-pim/bad");
    assert!(
        e.file.ends_with("bad-duration.jsonl") && e.line == Some(2),
        "{e}"
    );
}

#[test]
fn azure_pim_removal_ends_the_assignment_and_the_activation_it_extended() {
    let extend = |name: &str, kind: &str, at: &str| arm_request(name, kind, "Provisioned", at);
    let body = json!({"value": [
        extend("act", "SelfActivate", "2026-09-01T09:00:00Z"),
        extend("ext", "SelfExtend", "2026-09-01T10:00:00Z"),
        extend("off", "SelfDeactivate", "2026-09-01T11:00:00Z"),
        extend("later", "SelfActivate", "2026-09-01T12:00:00Z"),
    ]});
    let out = azure_pim::import_docs(&[Doc::new("ext.json", body.to_string())]).unwrap();
    assert_eq!(
        (out.grants.len(), out.removals_applied),
        (3, 1),
        "{:#?}",
        out.grants
    );
    let revoked = |id: &str| by_id(&out.grants, id).revoked_at;
    assert_eq!(
        revoked("ext"),
        Some(t("2026-09-01T11:00:00Z")),
        "the latest activation before it"
    );
    assert_eq!(
        revoked("act"),
        Some(t("2026-09-01T11:00:00Z")),
        "still running when removed"
    );
    assert_eq!(revoked("later"), None, "activated after the removal");
    assert_eq!(
        pointers(by_id(&out.grants, "ext")),
        ["/value/1", "/value/2"]
    );
}
