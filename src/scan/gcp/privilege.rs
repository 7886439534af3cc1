//! The privilege a role grants: the catalogue's rating, else the role's definition (read
//! from IAM), else a role-name pattern; `unknown` when none tells.

use super::catalogue::GcpCatalogue;
use super::docs;
use super::raw::{ROLES, permission_for};
use super::shapes::{Role, Roles};
use crate::model::{Decision, Evidence, Privilege};
use crate::scan::scanner::RawScope;
use std::collections::BTreeMap;

/// What a binding to a role gives.
#[derive(Debug, Clone)]
pub enum Rating {
    Live {
        privilege: Privilege,
        decision: Decision,
        evidence: Option<Evidence>,
    },
    /// The role is deleted or DISABLED: bindings to it grant nothing.
    Inert,
}

/// Role definitions of every project in the run, by name.
#[derive(Default)]
pub struct RoleBook {
    defs: BTreeMap<String, (Role, Evidence)>,
}

impl RoleBook {
    pub fn add(&mut self, raw: &RawScope, errors: &mut Vec<String>) {
        let Some(doc) = docs::object::<Roles>(raw, ROLES, errors) else {
            return;
        };
        for (i, r) in doc.value.roles.iter().enumerate() {
            if !r.name.is_empty() {
                self.defs
                    .entry(r.name.clone())
                    .or_insert_with(|| (r.clone(), doc.ev(&format!("/roles/{i}"))));
            }
        }
    }

    pub fn rate(&self, cat: &GcpCatalogue, role: &str) -> Rating {
        let def = self.defs.get(role);
        if let Some((r, _)) = def {
            if r.deleted {
                return Rating::Inert;
            }
            if r.stage.as_deref() == Some("DISABLED") {
                return Rating::Inert;
            }
        }
        let live = |(privilege, decision): (Privilege, Decision), evidence| Rating::Live {
            privilege,
            decision,
            evidence,
        };
        if let Some(r) = cat.by_name(role) {
            return live(r, None);
        }
        if let Some((r, ev)) = def
            && let Some(rated) = cat.by_permissions(r)
        {
            return live(rated, Some(ev.clone()));
        }
        if role.starts_with("roles/")
            && let Some(r) = cat.by_pattern(role)
        {
            return live(r, None);
        }
        live(
            (
                Privilege::Unknown,
                Decision::new(
                    "gcp.privilege.unknown-role",
                    format!(
                        "{role} is not in the catalogue and its definition was not read (needs {})",
                        permission_for(ROLES)
                    ),
                ),
            ),
            None,
        )
    }
}
