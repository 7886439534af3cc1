//! What a principal holds → access paths of the service principals it stands for: itself,
//! or every service principal of a group. People (users, foreign groups, devices) are not
//! non-human identities and are left out.

use super::BOUNDARY;
use super::directory::Directory;
use super::pim::Held;
use crate::classify::fingerprint;
use crate::model::{
    AccessPath, Basis, CredentialLifetime, Decision, Evidence, Identity, Inventory, Privilege,
};
use std::collections::BTreeMap;

/// Where the paths go and what they resolve principals against.
pub struct Paths<'a> {
    pub dir: Option<&'a Directory>,
    /// The scope the paths belong to (a subscription or tenant id).
    pub scope: &'a str,
    pub inv: &'a mut Inventory,
}

impl Paths<'_> {
    pub fn add(&mut self, held: &Held, role: &str, tier: &(Privilege, Decision), target: &str) {
        let kind = held.principal_type.as_deref().unwrap_or("");
        if ["User", "ForeignGroup", "Device"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(kind))
        {
            return;
        }
        let key = held.principal.to_ascii_lowercase();
        if let Some(dir) = self.dir {
            if let Some(p) = dir.principals.get(&key) {
                let lifetime = p.lifetime.clone();
                self.push(
                    held,
                    &p.identity.id,
                    role.to_string(),
                    tier,
                    target,
                    lifetime,
                    Vec::new(),
                );
                return;
            }
            if let Some((group, members)) = dir.groups.get(&key) {
                for m in members {
                    let Some(p) = dir.principals.get(m) else {
                        continue;
                    };
                    let lifetime = p.lifetime.clone();
                    let via = format!("{role} via group {group}");
                    self.push(
                        held,
                        &p.identity.id,
                        via,
                        tier,
                        target,
                        lifetime,
                        Vec::new(),
                    );
                }
                return;
            }
            let is_group = kind.eq_ignore_ascii_case("Group");
            if is_group && dir.memberships_read {
                return; // a group no service principal belongs to
            }
            if kind.is_empty() {
                return; // Graph names no type: a principal that is no service principal is a person
            }
        }
        // Not in the directory: keep the path, with what is unknown said.
        let (what, why) = if kind.eq_ignore_ascii_case("Group") {
            (
                "azure-group",
                "a group whose members were not read: the service principals it stands for are unknown",
            )
        } else if self.dir.is_none() {
            (
                "azure-service-principal",
                "the tenant's directory is not in this scan: the principal's name and credentials are unknown",
            )
        } else {
            (
                "azure-service-principal",
                "not in the tenant's service principals (deleted, or from another tenant): its credentials are unknown",
            )
        };
        let id = held.principal.to_ascii_lowercase();
        if !self.inv.identities.iter().any(|i| i.id == id) {
            let mut attributes = BTreeMap::new();
            attributes.insert("unresolved".to_string(), why.to_string());
            self.inv.identities.push(Identity {
                id: id.clone().into(),
                name: id.clone(),
                boundary: BOUNDARY,
                scope: self.scope.into(),
                kind: what.into(),
                created_at: None,
                last_used: None,
                attributes: crate::model::text_map(attributes),
                evidence: held.evidence.iter().take(1).cloned().collect(),
            });
        }
        let lifetime = (
            CredentialLifetime::Unknown,
            Decision::new("azure.lifetime.unresolved-principal", why),
        );
        self.push(
            held,
            &id,
            role.to_string(),
            tier,
            target,
            lifetime,
            Vec::new(),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        held: &Held,
        identity: &str,
        entitlement: String,
        tier: &(Privilege, Decision),
        target: &str,
        lifetime: (CredentialLifetime, Decision),
        extra: Vec<Evidence>,
    ) {
        let lifetime = if held.eligible_only {
            (
                CredentialLifetime::None,
                Decision::new(
                    "azure.lifetime.eligible-only",
                    "eligible only: no credential reaches the role until an activation",
                ),
            )
        } else {
            lifetime
        };
        let mut evidence = held.evidence.clone();
        evidence.extend(extra);
        // An eligibility and an active assignment of one role at one target are two paths
        // (one standing, one waiting for activation): they need two ids.
        let id = if held.eligible_only {
            fingerprint(&[
                "azure",
                self.scope,
                identity,
                &entitlement,
                target,
                "eligible",
            ])
        } else {
            fingerprint(&["azure", self.scope, identity, &entitlement, target])
        };
        self.inv.access_paths.push(AccessPath {
            id: id.into(),
            identity: identity.into(),
            boundary: BOUNDARY,
            scope: self.scope.into(),
            entitlement: entitlement.into(),
            target: target.into(),
            privilege: tier.0,
            enforcement: held.enforcement,
            credential_lifetime: lifetime.0,
            window: held.window,
            basis: Basis {
                privilege: tier.1.clone(),
                enforcement: held.decision.clone(),
                credential_lifetime: lifetime.1,
            },
            evidence,
        });
    }
}
