//! Azure PIM grants reconciled: a chain of renewals is stretched, and a grant on a subscription
//! reaches a service principal that lives in its tenant through its access paths there.

use super::azure_pim::{ACTIVATION, OPS_RUNNER, PROD};
use super::{fixture, pointers, t};
use jitgap::ledger::{ImportKind, import_file, reconcile};
use jitgap::model::*;
use jitgap::policy::Policy;
use jitgap::scan::Registry;

const TENANT: &str = "9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a";
const DEV: &str = "00000000-1111-2222-3333-555555555555";

fn policy() -> Policy {
    let rules = jitgap::scan::registry::embedded_rules().unwrap();
    Policy::from_layers(&[&rules.policy]).unwrap()
}

#[test]
fn azure_pim_renewal_chain_is_stretched() {
    let grants = import_file(ImportKind::AzurePim, &fixture("azure-pim/stretched.jsonl")).unwrap();
    assert_eq!(grants.len(), 3, "{grants:#?}");
    for g in &grants {
        assert_eq!(
            (
                g.scope.as_str(),
                g.identity.as_str(),
                g.entitlement.as_str()
            ),
            (PROD, OPS_RUNNER, "Contributor")
        );
        assert_eq!(
            g.expires_at.zip(g.issued_at).map(|(e, i)| e - i),
            Some(chrono::Duration::hours(4))
        );
    }
    assert_eq!(pointers(&grants[2]), ["line 4 /value/0"]);
    let mut inv = Inventory::default();
    let s = reconcile(
        &Registry::builtin(),
        &mut inv,
        &grants,
        &[],
        &policy(),
        t("2026-08-31T00:00:00Z"),
    );
    assert_eq!(s.stretched, 1, "{:#?}", inv.signals);
    let sig = inv
        .signals
        .iter()
        .find(|s| s.kind == "ledger-stretched")
        .unwrap();
    assert!(
        sig.message
            .starts_with("3 grants for 6b1f0c3e-4d2a-4e8b-9f10-a1b2c3d4e5f6 on Contributor")
            && sig.message.contains("cover 11h59m"),
        "{}",
        sig.message
    );
}

fn contributor_path(subscription: &str) -> AccessPath {
    let decision = |r: &str| Decision::new(r, "fixture");
    AccessPath {
        id: format!("azure:{subscription}:{OPS_RUNNER}:contributor").into(),
        identity: OPS_RUNNER.into(),
        boundary: Boundary::new("azure"),
        scope: subscription.into(),
        entitlement: "Contributor".into(),
        target: format!("/subscriptions/{subscription}/resourceGroups/rg-web").into(),
        privilege: Privilege::Write,
        enforcement: Enforcement::Standing,
        credential_lifetime: CredentialLifetime::LongLived,
        window: None,
        basis: Basis {
            privilege: decision("azure.privilege"),
            enforcement: decision("azure.enforcement"),
            credential_lifetime: decision("azure.credential"),
        },
        evidence: vec![Evidence::new("role-assignments.json", "/value/0")],
    }
}

/// ops-runner lives in its tenant; its Contributor paths in the prod and dev subscriptions.
fn estate(subscriptions: &[&str]) -> Inventory {
    let mut inv = Inventory::default();
    inv.identities.push(Identity {
        id: OPS_RUNNER.into(),
        name: "ops-runner".into(),
        boundary: Boundary::new("azure"),
        scope: TENANT.into(),
        kind: "service-principal".into(),
        created_at: None,
        last_used: None,
        attributes: Default::default(),
        evidence: vec![],
    });
    inv.access_paths = subscriptions.iter().map(|s| contributor_path(s)).collect();
    inv
}

#[test]
fn azure_pim_grants_reach_a_tenant_identity_through_its_subscription_paths() {
    let mut grants = import_file(
        ImportKind::AzurePim,
        &fixture("azure-pim/arm-requests.json"),
    )
    .unwrap();
    grants.extend(
        import_file(
            ImportKind::AzurePim,
            &fixture("azure-pim/removal-alone.json"),
        )
        .unwrap(),
    );
    let run = |inv: &mut Inventory, now: &str| {
        reconcile(&Registry::builtin(), inv, &grants, &[], &policy(), t(now))
    };
    let path = |inv: &Inventory, sub: &str| {
        inv.access_paths
            .iter()
            .find(|p| p.scope == sub)
            .unwrap()
            .clone()
    };

    // While the activation is live, it makes the prod path JIT, and only that one.
    let mut inv = estate(&[PROD, DEV]);
    run(&mut inv, "2026-09-01T10:00:00Z");
    let prod = path(&inv, PROD);
    assert_eq!(
        prod.enforcement,
        Enforcement::Jit,
        "{:?}",
        prod.basis.enforcement
    );
    assert!(
        prod.basis.enforcement.reason.contains(ACTIVATION),
        "{:?}",
        prod.basis.enforcement
    );
    assert_eq!(
        path(&inv, DEV).enforcement,
        Enforcement::Standing,
        "a prod grant does not cover dev"
    );
    let orphans: Vec<&str> = inv
        .signals
        .iter()
        .filter(|s| s.kind == "ledger-orphan")
        .map(|s| s.scope.as_str())
        .collect();
    assert_eq!(orphans, [DEV]);

    // After the AdminRemove the prod assignment is still there: a zombie of that grant.
    let mut inv = estate(&[PROD, DEV]);
    let s = run(&mut inv, "2026-09-01T13:00:00Z");
    let zombies: Vec<&Signal> = inv
        .signals
        .iter()
        .filter(|s| s.kind == "ledger-zombie")
        .collect();
    assert_eq!(zombies.len(), 1, "{:#?}", inv.signals);
    assert_eq!(
        (zombies[0].identity.as_str(), zombies[0].scope.as_str()),
        (OPS_RUNNER, TENANT)
    );
    assert!(
        zombies[0].message.contains(ACTIVATION)
            && zombies[0].message.contains("Contributor is still attached"),
        "{}",
        zombies[0].message
    );
    // The Owner deactivation (no activation in the export): ops-runner holds no Owner path.
    let verified: Vec<&str> = inv
        .signals
        .iter()
        .filter(|s| s.kind == "ledger-revocation-verified")
        .map(|s| s.message.as_str())
        .collect();
    assert!(
        verified
            .iter()
            .any(|m| m.contains("7f2a3b4c-5d6e-4f7a-9b8c-9d0e1f2a3b4c")
                && m.contains("ops-runner no longer holds Owner")),
        "{verified:#?}"
    );
    assert_eq!(s.zombies, 1);

    // With the prod assignment gone, the dev one does not keep the prod grant alive.
    let mut inv = estate(&[DEV]);
    run(&mut inv, "2026-09-01T13:00:00Z");
    assert!(
        inv.signals.iter().all(|s| s.kind != "ledger-zombie"),
        "{:#?}",
        inv.signals
    );
    assert!(
        inv.signals
            .iter()
            .any(|s| s.kind == "ledger-revocation-verified" && s.message.contains(ACTIVATION)),
        "{:#?}",
        inv.signals
    );
}
