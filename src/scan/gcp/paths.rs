//! Principals of a project's bindings → identities and access paths. Service accounts of
//! scanned projects resolve to their identity (and the lifetime of their keys); others stay
//! unresolved with what is unknown said; Google's service agents are listed, not judged.

use super::BOUNDARY;
use super::accounts::Account;
use super::catalogue::GcpCatalogue;
use super::member::{Member, federated_name, project_number_of, project_of};
use crate::classify::fingerprint;
use crate::model::{
    AccessPath, Basis, CredentialLifetime, Decision, Enforcement, Evidence, Identity, Inventory,
    Privilege, Window,
};
use std::collections::{BTreeMap, BTreeSet};

/// What every project of the run shares.
pub struct World<'a> {
    pub cat: &'a GcpCatalogue,
    /// Service accounts of every scanned project, by lower-cased email.
    pub accounts: &'a BTreeMap<String, Account>,
    /// Ids and numbers of the scanned projects.
    pub projects: &'a BTreeSet<String>,
    pub numbers: &'a BTreeSet<String>,
}

/// A member that is a non-human identity with a live path.
#[derive(Debug, Clone)]
pub struct Principal {
    pub id: String,
    pub email: Option<String>,
    pub lifetime: (CredentialLifetime, Decision),
}

/// How an entitlement lives: its verdict, the rule, and its window.
pub type Lives = (Enforcement, Decision, Option<Window>);

impl World<'_> {
    /// The project of a service account that belongs to no scanned project (a candidate
    /// third party); `None` when it is one of ours or cannot be placed.
    pub fn foreign(&self, email: &str) -> Option<String> {
        if let Some(p) = project_of(email) {
            return (!self.projects.contains(&p)).then_some(p);
        }
        if let Some(n) = project_number_of(email) {
            return (!self.numbers.contains(&n)).then(|| format!("number {n}"));
        }
        None
    }
}

pub struct Paths<'a> {
    pub world: &'a World<'a>,
    /// The project the paths belong to, and what they reach (`projects/P`).
    pub scope: String,
    pub target: String,
    pub inv: Inventory,
}

impl<'a> Paths<'a> {
    pub fn new(world: &'a World<'a>, scope: &str) -> Paths<'a> {
        Paths {
            world,
            scope: scope.to_string(),
            target: format!("projects/{scope}"),
            inv: Inventory::default(),
        }
    }

    /// The identity a member stands for, creating an unresolved, federated or service-agent
    /// identity in this scope when needed. `None` for people, deleted principals, service
    /// agents and disabled accounts: they hold no path jitgap judges.
    pub fn principal(&mut self, member: &str, ev: &Evidence) -> Option<Principal> {
        match super::member::parse(member) {
            Member::ServiceAccount(email) => {
                if self.world.cat.is_service_agent(&email) {
                    self.identity(
                        &email,
                        &email,
                        "gcp-service-agent",
                        [(
                            "google-managed",
                            "a Google service agent: Google holds its credentials and grants its roles; listed, not judged",
                        )],
                        ev,
                    );
                    return None;
                }
                if let Some(a) = self.world.accounts.get(&email) {
                    if a.disabled {
                        return None;
                    }
                    return Some(Principal {
                        id: a.identity.id.to_string(),
                        email: Some(email),
                        lifetime: a.lifetime.clone(),
                    });
                }
                let why = self.unresolved_reason(&email);
                self.identity(
                    &email,
                    &email,
                    "gcp-service-account",
                    [("unresolved", why.as_str())],
                    ev,
                );
                Some(Principal {
                    id: email.clone(),
                    email: Some(email),
                    lifetime: (
                        CredentialLifetime::Unknown,
                        Decision::new("gcp.lifetime.unresolved-account", why),
                    ),
                })
            }
            Member::Federated(m) => {
                let name = federated_name(&m);
                self.identity(
                    &m,
                    &name,
                    "gcp-workload-identity",
                    [("federated", "workload identity federation: an external workload's token is exchanged for a short-lived Google token")],
                    ev,
                );
                Some(Principal {
                    id: m,
                    email: None,
                    lifetime: (
                        CredentialLifetime::Ephemeral,
                        Decision::new(
                            "gcp.lifetime.workload-identity-federation",
                            "workload identity federation: the external token is exchanged for a Google token of an hour",
                        ),
                    ),
                })
            }
            Member::Deleted(_) | Member::Other => None,
        }
    }

    fn unresolved_reason(&self, email: &str) -> String {
        match (project_of(email), self.world.foreign(email)) {
            (_, Some(p)) => format!(
                "a service account of project {p}, which this scan did not read: its keys and whether it is enabled are unknown"
            ),
            (Some(p), None) => format!(
                "not among the service accounts of project {p} (deleted, or listed without permission): its keys are unknown"
            ),
            (None, None) => {
                "a service account jitgap cannot place in a project: its keys are unknown".into()
            }
        }
    }

    fn identity<const N: usize>(
        &mut self,
        id: &str,
        name: &str,
        kind: &str,
        attributes: [(&str, &str); N],
        ev: &Evidence,
    ) {
        if self.inv.identities.iter().any(|i| i.id == id) {
            return;
        }
        self.inv.identities.push(Identity {
            id: id.into(),
            name: name.to_string(),
            boundary: BOUNDARY,
            scope: self.scope.clone().into(),
            kind: kind.into(),
            created_at: None,
            last_used: None,
            attributes: crate::model::text_map(attributes.iter().map(|(k, v)| (*k, *v))),
            evidence: vec![ev.clone()],
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        who: &Principal,
        entitlement: String,
        privilege: (Privilege, Decision),
        lives: &Lives,
        lifetime: Option<(CredentialLifetime, Decision)>,
        evidence: Vec<Evidence>,
    ) {
        let lifetime = lifetime.unwrap_or_else(|| who.lifetime.clone());
        let id = fingerprint(&["gcp", &self.scope, &who.id, &entitlement, &self.target]);
        if self.inv.access_paths.iter().any(|p| p.id == id) {
            return; // the same role held twice (two bindings, or a binding and a group)
        }
        self.inv.access_paths.push(AccessPath {
            id: id.into(),
            identity: who.id.clone().into(),
            boundary: BOUNDARY,
            scope: self.scope.clone().into(),
            entitlement: entitlement.into(),
            target: self.target.clone().into(),
            privilege: privilege.0,
            enforcement: lives.0,
            credential_lifetime: lifetime.0,
            window: lives.2,
            basis: Basis {
                privilege: privilege.1,
                enforcement: lives.1.clone(),
                credential_lifetime: lifetime.1,
            },
            evidence,
        });
    }
}
