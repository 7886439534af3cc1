//! The Google Cloud privilege catalogue from `rules/gcp.toml`: predefined roles by name,
//! role-name patterns, and the permissions that make a role admin.

use super::shapes::Role;
use crate::checks::glob_match;
use crate::model::{Decision, Privilege};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolePattern {
    pub pattern: String,
    pub tier: Privilege,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GcpCatalogue {
    /// Predefined roles by name (`roles/owner`).
    pub roles: BTreeMap<String, Privilege>,
    /// Role-name globs, first match wins, for predefined roles neither named above nor
    /// read from the API.
    pub role_patterns: Vec<RolePattern>,
    /// Permission globs that let a holder grant itself more or become another identity.
    pub admin_permissions: Vec<String>,
    /// The verbs (last part of `service.resource.verb`) that only read.
    pub read_verbs: Vec<String>,
    /// Basic roles (GCP005).
    pub basic_roles: Vec<String>,
    /// Roles that, granted on a project, folder or organization, let their holder act as
    /// every service account below it (GCP006).
    pub impersonation_roles: Vec<String>,
    /// Emails of Google-managed service agents (globs): Google holds their credentials, so
    /// they are listed but not judged.
    pub service_agents: Vec<String>,
}

/// How a role was rated: tier, the decision, and the evidence key (`roles.json` pointer).
pub type Rated = (Privilege, Decision);

impl GcpCatalogue {
    /// The tier of a role from the catalogue alone: its name, else a pattern.
    pub fn by_name(&self, role: &str) -> Option<Rated> {
        if let Some(tier) = self.roles.get(role) {
            return Some((
                *tier,
                Decision::new(
                    "gcp.privilege.catalogue",
                    format!("{role} is a predefined role the catalogue rates {tier}"),
                ),
            ));
        }
        None
    }

    pub fn by_pattern(&self, role: &str) -> Option<Rated> {
        self.role_patterns
            .iter()
            .find(|p| glob_match(&p.pattern, role))
            .map(|p| {
                (
                    p.tier,
                    Decision::new(
                        "gcp.privilege.role-pattern",
                        format!(
                            "{role} matches the catalogue's pattern `{}`, rated {}",
                            p.pattern, p.tier
                        ),
                    ),
                )
            })
    }

    /// The tier of a role from its definition: admin when a permission matches
    /// `admin_permissions`, write when one is not a read verb, else read. A deleted or
    /// disabled role grants nothing (`None`).
    pub fn by_permissions(&self, role: &Role) -> Option<Rated> {
        if role.deleted || role.stage.as_deref() == Some("DISABLED") {
            return None;
        }
        let admin = role
            .included_permissions
            .iter()
            .find(|p| self.admin_permissions.iter().any(|g| glob_match(g, p)));
        if let Some(p) = admin {
            return Some((
                Privilege::Admin,
                Decision::new(
                    "gcp.privilege.admin-permission",
                    format!(
                        "{} includes {p}, which lets its holder grant itself more",
                        role.name
                    ),
                ),
            ));
        }
        let write = role.included_permissions.iter().find(|p| {
            let verb = p.rsplit('.').next().unwrap_or(p);
            !self.read_verbs.iter().any(|v| v == verb)
        });
        Some(match write {
            Some(p) => (
                Privilege::Write,
                Decision::new(
                    "gcp.privilege.write-permission",
                    format!("{} includes {p}, which is not read-only", role.name),
                ),
            ),
            None => (
                Privilege::Read,
                Decision::new(
                    "gcp.privilege.read-only",
                    format!(
                        "the {} permissions of {} only read",
                        role.included_permissions.len(),
                        role.name
                    ),
                ),
            ),
        })
    }

    pub fn is_service_agent(&self, email: &str) -> bool {
        let email = email.to_ascii_lowercase();
        self.service_agents.iter().any(|g| glob_match(g, &email))
    }

    pub fn is_basic(&self, role: &str) -> bool {
        self.basic_roles.iter().any(|r| r == role)
    }

    pub fn is_impersonation(&self, role: &str) -> bool {
        self.impersonation_roles.iter().any(|r| r == role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built_in() -> GcpCatalogue {
        let file: toml::Value = toml::from_str(include_str!("../../../rules/gcp.toml")).unwrap();
        file["catalogue"].clone().try_into().unwrap()
    }

    #[test]
    fn only_google_owned_agent_addresses_are_service_agents() {
        let cat = built_in();
        for agent in [
            "service-123456789012@gcp-sa-logging.iam.gserviceaccount.com",
            "123456789012@cloudservices.gserviceaccount.com",
            "service-123456789012@container-engine-robot.iam.gserviceaccount.com",
        ] {
            assert!(cat.is_service_agent(agent), "{agent}");
        }
        // Accounts any project can create are judged, whatever they are called.
        for account in [
            "service-123456@evil-robot.iam.gserviceaccount.com",
            "deployer@gcp-sa-logging.iam.gserviceaccount.com",
            "123456789012-compute@developer.gserviceaccount.com",
        ] {
            assert!(!cat.is_service_agent(account), "{account}");
        }
    }
}
