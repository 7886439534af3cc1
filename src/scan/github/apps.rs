//! GitHub App installations: a standing grant of the App's permissions on the organization,
//! exercised with installation tokens that live an hour.

use super::normalize::OrgScan;
use super::raw::{APPS, INSTALLATIONS};
use super::shapes::{App, Installations};
use crate::model::*;
use crate::scan::json::parsed;
use crate::scan::scanner::RawScope;
use std::collections::BTreeMap;

impl OrgScan<'_> {
    pub(super) fn installations(&mut self, raw: &RawScope) {
        let Some(doc) = parsed::<Installations>(raw, INSTALLATIONS, &mut self.errors) else {
            return;
        };
        let apps = parsed::<BTreeMap<String, App>>(raw, APPS, &mut self.errors);
        for (i, inst) in doc.value.installations.iter().enumerate() {
            let ptr = format!("/installations/{i}");
            let ev = doc.ev(&ptr);
            let id = format!("github:{}/installations/{}", self.org, inst.id);
            let slug = &inst.app_slug;
            let created = self.time(&doc.source, &format!("{ptr}/created_at"), &inst.created_at);
            let suspended = self.time(
                &doc.source,
                &format!("{ptr}/suspended_at"),
                &inst.suspended_at,
            );
            let owner = apps
                .as_ref()
                .and_then(|a| a.value.get(slug))
                .and_then(|a| a.owner.as_ref())
                .map(|o| o.login.clone())
                .filter(|l| !l.is_empty());
            let mut attributes = BTreeMap::from([
                ("id".to_string(), inst.id.to_string()),
                ("app_slug".to_string(), slug.clone()),
                (
                    "repository_selection".to_string(),
                    inst.repository_selection
                        .clone()
                        .unwrap_or_else(|| "unknown".into()),
                ),
            ]);
            if let Some(a) = inst.app_id {
                attributes.insert("app_id".into(), a.to_string());
            }
            let mut evidence = vec![ev.clone()];
            match &owner {
                Some(o) => {
                    attributes.insert("app_owner".into(), o.clone());
                    if let Some(a) = &apps {
                        evidence.push(a.ev(&format!("/{}/owner", crate::scan::json::escape(slug))));
                    }
                }
                None => {
                    attributes.insert(
                        "app_owner".into(),
                        if apps.is_none() {
                            format!("unknown ({APPS} was not collected)")
                        } else {
                            "unknown (the App is not in apps.json: deleted, or private to its owner)".into()
                        },
                    );
                }
            }
            if inst.repository_selection.as_deref() == Some("all") {
                attributes.insert(
                    "note".into(),
                    "installed on all repositories, including the ones created later".into(),
                );
            }
            if let Some(t) = suspended {
                attributes.insert(
                    "note".into(),
                    format!(
                        "suspended {}: no live path until it is unsuspended",
                        crate::time::fmt_utc(t)
                    ),
                );
            }
            self.identity(
                &id,
                slug,
                "github-app-installation",
                created,
                None,
                attributes,
                ev.clone(),
            );
            self.credential(
                &id,
                "installation-token",
                if suspended.is_some() {
                    "inactive"
                } else {
                    "active"
                },
                CredentialLifetime::Ephemeral,
                created,
                None,
                None,
                ev.clone(),
            );
            if suspended.is_some() {
                continue;
            }
            let privilege = self
                .cat
                .permissions(&format!("App {slug}"), [&inst.permissions]);
            let target = self.org_target(inst.repository_selection.as_deref());
            let level = privilege.0;
            self.path(
                &id,
                "installation permissions",
                &target,
                privilege,
                (
                    Enforcement::Standing,
                    Decision::new(
                        "github.enforcement.installation",
                        "an installation holds its permissions until it is uninstalled or suspended",
                    ),
                    None,
                ),
                (
                    CredentialLifetime::Ephemeral,
                    Decision::new(
                        "github.lifetime.installation-token",
                        "installation tokens live an hour and are minted per use from the App's private key",
                    ),
                ),
                evidence.clone(),
            );
            if level == Privilege::Admin && inst.repository_selection.as_deref() == Some("all") {
                self.signal(
                    "github-app-admin-all-repositories",
                    &id,
                    "installation permissions",
                    &target,
                    format!(
                        "App {slug} holds admin permissions ({}) on every repository of {}",
                        admin_names(&inst.permissions, &self.cat.admin_permissions),
                        self.org
                    ),
                    evidence.clone(),
                    None,
                );
            }
            let third = owner
                .as_ref()
                .filter(|o| !o.eq_ignore_ascii_case(&self.org));
            if let Some(o) = third
                && matches!(level, Privilege::Write | Privilege::Admin)
            {
                self.signal(
                    "github-third-party-app-privileged",
                    &id,
                    "installation permissions",
                    &target,
                    format!(
                        "App {slug}, owned by {o} (not {}), holds {level} permissions on {target}",
                        self.org
                    ),
                    evidence,
                    None,
                );
            }
        }
    }
}

/// The permissions that made an App admin, for the message.
fn admin_names(perms: &BTreeMap<String, String>, admin: &[String]) -> String {
    perms
        .iter()
        .filter(|(k, v)| *v == "admin" || (*v == "write" && admin.contains(k)))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
