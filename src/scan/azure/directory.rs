//! A tenant's directory: its service principals with their credentials (on the service
//! principal and on its application), federated credentials, group memberships and sign-ins.

use super::BOUNDARY;
use super::credentials::{certificates, passwords};
use super::docs;
use super::graph::{Application, DirectoryObject, FederatedCredential, ServicePrincipal, SignIns};
use super::raw::*;
use crate::model::{Credential, CredentialLifetime, Decision, Evidence, Identity, Signal};
use crate::policy::Policy;
use crate::scan::scanner::RawScope;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// One service principal as the rest of normalization needs it.
#[derive(Debug, Clone)]
pub struct Principal {
    pub identity: Identity,
    pub lifetime: (CredentialLifetime, Decision),
    /// Owner tenant when it is not this one (a multi-tenant app from elsewhere).
    pub foreign_owner: Option<String>,
    /// Federated credentials trusting GitHub Actions with a `pull_request` subject.
    pub pull_request_trust: Vec<(String, Evidence)>,
}

#[derive(Debug, Default)]
pub struct Directory {
    pub tenant: String,
    /// By lower-case object id.
    pub principals: BTreeMap<String, Principal>,
    /// Group id (lower-case) → (display name, member service principal ids).
    pub groups: BTreeMap<String, (String, Vec<String>)>,
    /// Whether group memberships were read (else group-held roles cannot be expanded).
    pub memberships_read: bool,
    pub credentials: Vec<Credential>,
    pub signals: Vec<Signal>,
    /// Federated identity credentials, for the bridges from their issuers' boundaries.
    pub federations: Vec<crate::model::Federation>,
}

impl Directory {
    pub fn read(
        raw: &RawScope,
        tenant: &str,
        policy: &Policy,
        now: DateTime<Utc>,
        errors: &mut Vec<String>,
    ) -> Directory {
        let mut dir = Directory {
            tenant: tenant.to_string(),
            ..Default::default()
        };
        let sps = docs::list::<ServicePrincipal>(raw, SERVICE_PRINCIPALS, errors);
        let apps = docs::list::<Application>(raw, APPLICATIONS, errors);
        let fics = docs::keyed::<FederatedCredential>(raw, FEDERATED_CREDENTIALS, errors);
        let member_of = docs::keyed::<DirectoryObject>(raw, MEMBER_OF, errors);
        let sign_ins = docs::list::<SignIns>(raw, SIGN_INS, errors);
        dir.memberships_read = member_of.is_some();
        let Some(sps) = sps else {
            return dir;
        };
        let last_sign_in = |app_id: &str| -> Option<(DateTime<Utc>, Evidence)> {
            let s = sign_ins.as_ref()?;
            s.items.iter().find_map(|(ptr, si)| {
                (si.app_id
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(app_id)))
                .then(|| {
                    si.last_sign_in_activity
                        .as_ref()
                        .and_then(|a| a.last_sign_in_date_time.as_deref())
                        .and_then(crate::time::parse_timestamp)
                        .map(|t| (t, s.ev(ptr)))
                })
                .flatten()
            })
        };
        for (ptr, sp) in &sps.items {
            let name = sp.display_name.clone().unwrap_or_else(|| sp.id.clone());
            let app_id = sp.app_id.clone().unwrap_or_default();
            let managed = sp
                .service_principal_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"));
            let mut attributes = BTreeMap::new();
            attributes.insert("app_id".to_string(), app_id.clone());
            if let Some(t) = &sp.service_principal_type {
                attributes.insert("type".to_string(), t.clone());
            }
            if sp.account_enabled == Some(false) {
                attributes.insert("account_enabled".into(), "false (sign-in blocked)".into());
            }
            let foreign_owner = sp
                .app_owner_organization_id
                .clone()
                .filter(|o| !o.is_empty() && !o.eq_ignore_ascii_case(tenant) && !managed);
            if let Some(o) = &foreign_owner {
                attributes.insert("owner_tenant".into(), o.clone());
            }
            let used = last_sign_in(&app_id);
            match (&sign_ins, &used) {
                (None, _) => {
                    attributes.insert(
                        "last_sign_in".into(),
                        format!("unknown: sign-in activity not read (beta reports/servicePrincipalSignInActivities needs {})", permission_for(SIGN_INS)),
                    );
                }
                (Some(_), None) => {
                    attributes.insert("last_sign_in".into(), "none recorded".into());
                }
                _ => {}
            }
            let identity = Identity {
                id: sp.id.to_ascii_lowercase().into(),
                name: name.clone(),
                boundary: BOUNDARY,
                scope: tenant.into(),
                kind: if managed {
                    "azure-managed-identity"
                } else {
                    "azure-service-principal"
                }
                .into(),
                created_at: None,
                last_used: used.as_ref().map(|(t, _)| *t),
                attributes: crate::model::text_map(attributes),
                evidence: vec![sps.ev(ptr)],
            };
            // Credentials on the service principal and on its application.
            let mut creds = Vec::new();
            let mut fed: Vec<(String, &FederatedCredential, Evidence)> = Vec::new();
            if !managed {
                creds.extend(passwords(&sps, ptr, &sp.password_credentials, errors));
                creds.extend(certificates(&sps, ptr, &sp.key_credentials, errors));
            }
            let app = apps.as_ref().and_then(|a| {
                a.items.iter().find(|(_, app)| {
                    app.app_id
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(&app_id))
                })
            });
            if let (Some(apps), Some((aptr, app))) = (&apps, app) {
                creds.extend(passwords(apps, aptr, &app.password_credentials, errors));
                creds.extend(certificates(apps, aptr, &app.key_credentials, errors));
                if let Some(f) = &fics {
                    for (fptr, (parent, fc)) in &f.items {
                        if parent.eq_ignore_ascii_case(&app.id) {
                            fed.push((fptr.clone(), fc, f.ev(fptr)));
                        }
                    }
                }
            }
            let p = dir.credentials_of(
                &identity,
                managed,
                &creds,
                &fed,
                apps.is_some(),
                fics.is_some(),
                app.is_some(),
                &foreign_owner,
                policy,
                now,
            );
            dir.principals.insert(
                sp.id.to_ascii_lowercase(),
                Principal {
                    identity,
                    lifetime: p.0,
                    foreign_owner,
                    pull_request_trust: p.1,
                },
            );
            if let Some((t, ev)) = used
                && now - t > policy.stale_after
            {
                dir.signals.push(signal(
                    "azure-unused-service-principal",
                    tenant,
                    &sp.id.to_ascii_lowercase(),
                    "",
                    format!(
                        "{name} last signed in {} ({} ago), longer than stale_after {}",
                        crate::time::fmt_utc(t),
                        crate::time::format_duration(now - t),
                        crate::time::format_duration(policy.stale_after)
                    ),
                    vec![ev],
                ));
            }
        }
        if let Some(m) = &member_of {
            for (_, (sp, obj)) in &m.items {
                let is_group = obj
                    .odata_type
                    .as_deref()
                    .is_none_or(|t| t.eq_ignore_ascii_case("#microsoft.graph.group"));
                if !is_group || obj.id.is_empty() {
                    continue; // directory roles and other object types are read elsewhere
                }
                let entry = dir
                    .groups
                    .entry(obj.id.to_ascii_lowercase())
                    .or_insert_with(|| {
                        (
                            obj.display_name.clone().unwrap_or_else(|| obj.id.clone()),
                            Vec::new(),
                        )
                    });
                entry.1.push(sp.to_ascii_lowercase());
            }
        }
        dir
    }
}

pub fn signal(
    kind: &str,
    scope: &str,
    identity: &str,
    entitlement: &str,
    message: String,
    evidence: Vec<Evidence>,
) -> Signal {
    Signal {
        kind: kind.into(),
        boundary: BOUNDARY,
        scope: scope.into(),
        identity: identity.into(),
        entitlement: entitlement.into(),
        target: scope.into(),
        message,
        revocation: None,
        severity: None,
        at: None,
        evidence,
    }
}
