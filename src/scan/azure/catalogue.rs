//! The Azure privilege catalogue from `rules/azure.toml`.

use crate::model::{Decision, Privilege};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A role known by its id: its display name and tier.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownRole {
    pub name: String,
    pub tier: Privilege,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureCatalogue {
    /// Tenants whose multi-tenant apps are not third-party (Microsoft's own).
    pub first_party_tenants: Vec<String>,
    /// Built-in Azure roles by role definition GUID (the same in every tenant).
    pub arm_roles: BTreeMap<String, KnownRole>,
    /// Actions (globs, case-insensitive) that let a role grant itself more: a role whose
    /// `actions` reach one that its `notActions` do not take away is admin.
    pub arm_admin_actions: Vec<String>,
    /// Built-in Entra roles by template id.
    pub directory_roles: BTreeMap<String, KnownRole>,
    /// Directory actions (globs, case-insensitive) that make a custom Entra role admin.
    pub directory_admin_actions: Vec<String>,
}

impl KnownRole {
    /// (tier, the decision naming the catalogue, display name).
    pub fn verdict(&self, rule: &str, what: &str) -> (Privilege, Decision, String) {
        let reason = format!(
            "{} is a {what} the catalogue rates {}",
            self.name, self.tier
        );
        (self.tier, Decision::new(rule, reason), self.name.clone())
    }
}

/// A role by id, ids compared case-insensitively.
fn by_id<'a>(roles: &'a BTreeMap<String, KnownRole>, id: &str) -> Option<&'a KnownRole> {
    roles
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(id))
        .map(|(_, v)| v)
}

impl AzureCatalogue {
    pub fn arm_role(&self, guid: &str) -> Option<&KnownRole> {
        by_id(&self.arm_roles, guid)
    }

    pub fn directory_role(&self, id: &str) -> Option<&KnownRole> {
        by_id(&self.directory_roles, id)
    }

    pub fn is_first_party(&self, tenant: &str) -> bool {
        self.first_party_tenants
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tenant))
    }
}
