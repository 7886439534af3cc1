//! Policies that look powerful but grant nothing today (the false-positive traps of
//! Cloudsplaining's labelled example): edits of AWS-managed policies, Allows bounded by an
//! `aws:TokenIssueTime` long past, and Allows whose every action an unconditional Deny removes.
//! Fixture: `tests/fixtures/aws/grants-nothing/authorization-details.json`.

mod support;

use jitgap::model::{Inventory, Text};
use support::pipeline::Pipeline;

const ACCT: &str = "012345678901";
const NOW: &str = "2026-09-01T12:00:00Z";

fn inventory() -> Inventory {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/aws/grants-nothing/authorization-details.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    Pipeline::at(NOW).inventory(&Pipeline::scope(
        "aws",
        ACCT,
        &[("authorization-details.json", path, &text)],
    ))
}

/// (entitlement, privilege) of every path of one identity.
fn paths(inv: &Inventory, kind: &str, name: &str) -> Vec<(String, String)> {
    let id = format!("arn:aws:iam::{ACCT}:{kind}/{name}");
    inv.access_paths
        .iter()
        .filter(|p| p.identity == id)
        .map(|p| (p.entitlement.to_string(), p.privilege.to_string()))
        .collect()
}

#[test]
fn editing_aws_managed_policies_is_not_admin() {
    let inv = inventory();
    let edits = paths(&inv, "role", "edits-aws-managed-policies");
    // CreatePolicyVersion & co. on AWS-managed policies only: AWS refuses every change.
    assert!(
        !edits
            .iter()
            .any(|(e, _)| e == "inline:CreatePolicyVersionOnAwsManaged"),
        "{edits:?}"
    );
    // `iam:*` on them can still read them, and no more.
    assert_eq!(
        edits,
        [(
            "inline:EverythingOnAwsManaged".to_string(),
            "read".to_string()
        )]
    );
    // The same action on the account's own policies stays admin.
    assert_eq!(
        paths(&inv, "role", "edits-own-policies"),
        [(
            "inline:CreatePolicyVersionOnOwn".to_string(),
            "admin".to_string()
        )]
    );
}

#[test]
fn an_allow_for_tokens_issued_long_ago_grants_nothing() {
    let inv = inventory();
    // Inline and customer-managed, DateLessThan and DateLessThanEquals: no session issued
    // before 2020 is alive, and access keys carry no token issue time.
    assert_eq!(paths(&inv, "user", "old-sessions-only"), []);
    // `…IfExists` lets requests without an issue time (access keys) through.
    assert_eq!(
        paths(&inv, "user", "if-exists"),
        [("inline:KeysPassIfExists".to_string(), "admin".to_string())]
    );
    // A bound an hour ago still reaches the sessions issued before it.
    assert_eq!(
        paths(&inv, "role", "recent-cutoff"),
        [(
            "inline:SessionsIssuedBeforeAnHourAgo".to_string(),
            "write".to_string()
        )]
    );
}

#[test]
fn a_policy_whose_every_action_is_denied_grants_nothing() {
    let inv = inventory();
    let identity = |name: &str| {
        inv.identities
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no identity {name}"))
    };
    // The S3 policy is denied entirely: no path, noted on the role; the rest still counts.
    assert_eq!(
        paths(&inv, "role", "denied-s3"),
        [("inline:Logs".to_string(), "write".to_string())]
    );
    assert_eq!(
        identity("denied-s3")
            .attributes
            .get("denied-entirely")
            .map(Text::as_str),
        Some("inline:S3ReadWrite")
    );
    // A Deny of everything removes NotAction and catalogued policies too.
    assert_eq!(paths(&inv, "role", "denied-everything"), []);
    let note = &identity("denied-everything").attributes["denied-entirely"];
    assert!(
        note.contains("inline:AllButIam") && note.contains("PowerUserAccess"),
        "{note}"
    );
    // Identities with nothing denied carry no such note.
    assert!(
        !identity("edits-own-policies")
            .attributes
            .contains_key("denied-entirely")
    );
}
