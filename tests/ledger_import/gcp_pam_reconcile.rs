//! Google Cloud PAM grants reconciled against live state, with the service account as the GCP
//! scanner names it (id = uniqueId, name = email): a renewal chain is stretched, a grant
//! without justification untraceable, an ended grant whose binding is still there a zombie.

use super::gcp_pam::{MIGRATOR, PROJECT, UNJUSTIFIED, estate};
use super::{fixture, t};
use jitgap::ledger::import::gcp_pam;
use jitgap::ledger::{Grant, ImportKind, import_file, reconcile};
use jitgap::model::*;
use jitgap::policy::Policy;
use jitgap::report::LedgerSummary;
use jitgap::scan::Registry;

const MIGRATOR_ID: &str = "104857600000000000003";
const NOW: &str = "2026-09-01T12:00:00Z";

fn policy() -> Policy {
    let rules = jitgap::scan::registry::embedded_rules().unwrap();
    Policy::from_layers(&[&rules.policy]).unwrap()
}

/// acme-prod as read: the migrator service account and, when `bound`, its unconditional
/// `roles/cloudsql.admin` binding (standing admin).
fn acme_prod(bound: bool) -> Inventory {
    let mut inv = Inventory::default();
    inv.identities.push(Identity {
        id: MIGRATOR_ID.into(),
        name: MIGRATOR.into(),
        boundary: Boundary::new("gcp"),
        scope: PROJECT.into(),
        kind: "service-account".into(),
        created_at: None,
        last_used: None,
        attributes: jitgap::model::text_map([("email", MIGRATOR)]),
        evidence: vec![Evidence::new(
            "gcp/acme-prod/service-accounts.json",
            "/accounts/2",
        )],
    });
    if bound {
        let decision = |r: &str| Decision::new(r, "fixture");
        inv.access_paths.push(AccessPath {
            id: format!("gcp:{PROJECT}:{MIGRATOR_ID}:roles/cloudsql.admin").into(),
            identity: MIGRATOR_ID.into(),
            boundary: Boundary::new("gcp"),
            scope: PROJECT.into(),
            entitlement: "roles/cloudsql.admin".into(),
            target: "projects/acme-prod".into(),
            privilege: Privilege::Admin,
            enforcement: Enforcement::Standing,
            credential_lifetime: CredentialLifetime::Unknown,
            window: None,
            basis: Basis {
                privilege: decision("gcp.privilege"),
                enforcement: decision("gcp.enforcement"),
                credential_lifetime: decision("gcp.credential"),
            },
            evidence: vec![Evidence::new(
                "gcp/acme-prod/iam-policy.json",
                "/bindings/2",
            )],
        });
    }
    inv.scopes.push(ScopeStatus {
        boundary: Boundary::new("gcp"),
        scope: PROJECT.into(),
        status: ScopeState::Complete,
        errors: vec![],
        sources: vec![],
        connection: None,
        notes: Vec::new(),
    });
    inv
}

fn run(inv: &mut Inventory, grants: &[Grant]) -> LedgerSummary {
    reconcile(&Registry::builtin(), inv, grants, &[], &policy(), t(NOW))
}

fn signals<'a>(inv: &'a Inventory, kind: &str) -> Vec<&'a Signal> {
    inv.signals.iter().filter(|s| s.kind == kind).collect()
}

#[test]
fn gcp_pam_renewal_chain_is_stretched() {
    let grants = import_file(ImportKind::GcpPam, &fixture("gcp-pam/stretched.json")).unwrap();
    assert_eq!(grants.len(), 3, "{grants:#?}");
    for g in &grants {
        assert_eq!(
            g.expires_at.zip(g.issued_at).map(|(e, i)| e - i),
            Some(chrono::Duration::seconds(8 * 3600 + 1)),
            "8 h each, as PAM removed them"
        );
    }
    // PAM took each binding away: nothing of it is left.
    let mut inv = acme_prod(false);
    let s = run(&mut inv, &grants);
    assert_eq!(s.stretched, 1, "{:#?}", inv.signals);
    let sig = signals(&inv, "ledger-stretched")[0];
    assert!(
        sig.message.starts_with(&format!(
            "3 grants for {MIGRATOR} on roles/cloudsql.admin chained back to back"
        )) && sig
            .message
            .contains("cover 1d, longer than max_jit_window 8h"),
        "{}",
        sig.message
    );
    assert_eq!(
        sig.evidence.len(),
        3,
        "each grant's pointer: {:?}",
        sig.evidence
    );
    assert_eq!(sig.evidence[2].pointer, "/grants/2");
    assert_eq!(
        (s.zombies, s.revocations_verified, s.untraceable),
        (0, 3, 0),
        "{:#?}",
        inv.signals
    );
    // Each ended grant is judged against the service account the scanner names by uniqueId.
    let verified = signals(&inv, "ledger-revocation-verified");
    assert!(
        verified.iter().all(|v| v.identity == MIGRATOR_ID
            && v.message
                .contains(&format!("{MIGRATOR} no longer holds roles/cloudsql.admin"))),
        "{verified:#?}"
    );
}

#[test]
fn gcp_pam_grant_without_justification_is_untraceable() {
    let grants = import_file(ImportKind::GcpPam, &fixture("gcp-pam/page.json")).unwrap();
    // No project was read: still, PAM's accessRemoveTime is revocation evidence.
    let mut inv = Inventory::default();
    let s = run(&mut inv, &grants);
    let found = signals(&inv, "ledger-untraceable");
    assert_eq!(s.untraceable, 1, "{found:#?}");
    assert_eq!(found[0].target, format!("grant:{UNJUSTIFIED}"));
    assert!(
        found[0].message.contains("which task (task)")
            && !found[0].message.contains("revocation evidence"),
        "{}",
        found[0].message
    );
    assert_eq!(found[0].evidence[0].pointer, "/grants/4");
    assert_eq!(s.active, 2, "both role bindings of the ACTIVE grant");
}

#[test]
fn gcp_pam_ended_grant_with_its_binding_left_is_a_zombie() {
    let grants = gcp_pam::import_path(&estate()).unwrap().grants;
    let mut inv = acme_prod(true);
    let s = run(&mut inv, &grants);
    let zombies = signals(&inv, "ledger-zombie");
    assert_eq!(s.zombies, 1, "{:#?}", inv.signals);
    let z = zombies[0];
    assert_eq!(
        (
            z.identity.as_str(),
            z.scope.as_str(),
            z.entitlement.as_str()
        ),
        (MIGRATOR_ID, PROJECT, "roles/cloudsql.admin")
    );
    assert_eq!(z.revocation, Some(Revocation::NotEffective));
    assert!(
        z.message.contains("6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f")
            && z.message.contains("expired 2026-08-29T15:00:04Z")
            && z.message.contains("roles/cloudsql.admin is still attached"),
        "{}",
        z.message
    );
    let sources: Vec<&str> = z.evidence.iter().map(|e| e.source.as_str()).collect();
    assert!(
        sources[0].ends_with("gcp/acme-prod/pam-grants.json")
            && sources.contains(&"gcp/acme-prod/iam-policy.json"),
        "{sources:?}"
    );
    // No active grant covers the binding: it is out-of-band standing access.
    let orphans = signals(&inv, "ledger-orphan");
    assert_eq!(orphans.len(), 1, "{orphans:#?}");
    assert_eq!(orphans[0].identity, MIGRATOR_ID);
}
