//! A tenant's directory: its service principals with their credentials (on the service
//! principal and on its application), federated credentials, group memberships and sign-ins.

use super::BOUNDARY;
use super::docs::{self, Items};
use super::graph::{
    Application, DirectoryObject, FederatedCredential, KeyCredential, PasswordCredential,
    ServicePrincipal, SignIns,
};
use super::raw::*;
use crate::classify::classify_static_credential;
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
}

struct Cred {
    kind: &'static str,
    key: String,
    name: String,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    evidence: Evidence,
}

fn passwords(
    items: &Items<impl Sized>,
    base: &str,
    list: &[PasswordCredential],
    errors: &mut Vec<String>,
) -> Vec<Cred> {
    list.iter()
        .enumerate()
        .map(|(n, p)| {
            let ptr = format!("{base}/passwordCredentials/{n}");
            Cred {
                kind: "client-secret",
                key: p.key_id.clone().unwrap_or_else(|| n.to_string()),
                name: p
                    .display_name
                    .clone()
                    .or_else(|| p.hint.as_ref().map(|h| format!("{h}…")))
                    .unwrap_or_else(|| "client secret".into()),
                start: docs::time(
                    &items.source,
                    &format!("{ptr}/startDateTime"),
                    &p.start_date_time,
                    errors,
                ),
                end: docs::time(
                    &items.source,
                    &format!("{ptr}/endDateTime"),
                    &p.end_date_time,
                    errors,
                ),
                evidence: items.ev(&ptr),
            }
        })
        .collect()
}

fn certificates(
    items: &Items<impl Sized>,
    base: &str,
    list: &[KeyCredential],
    errors: &mut Vec<String>,
) -> Vec<Cred> {
    list.iter()
        .enumerate()
        .map(|(n, k)| {
            let ptr = format!("{base}/keyCredentials/{n}");
            Cred {
                kind: "certificate",
                key: k.key_id.clone().unwrap_or_else(|| n.to_string()),
                name: k
                    .display_name
                    .clone()
                    .unwrap_or_else(|| "certificate".into()),
                start: docs::time(
                    &items.source,
                    &format!("{ptr}/startDateTime"),
                    &k.start_date_time,
                    errors,
                ),
                end: docs::time(
                    &items.source,
                    &format!("{ptr}/endDateTime"),
                    &k.end_date_time,
                    errors,
                ),
                evidence: items.ev(&ptr),
            }
        })
        .collect()
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
                id: sp.id.clone(),
                name: name.clone(),
                boundary: BOUNDARY,
                scope: tenant.to_string(),
                kind: if managed {
                    "azure-managed-identity"
                } else {
                    "azure-service-principal"
                }
                .into(),
                created_at: None,
                last_used: used.as_ref().map(|(t, _)| *t),
                attributes,
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
            if let (Some(s), Some((t, ev))) = (&sign_ins, used)
                && now - t > policy.stale_after
            {
                let _ = s;
                dir.signals.push(signal(
                    "azure-unused-service-principal",
                    tenant,
                    &sp.id,
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
            for (ptr, (sp, obj)) in &m.items {
                let is_group = obj
                    .odata_type
                    .as_deref()
                    .is_none_or(|t| t.eq_ignore_ascii_case("#microsoft.graph.group"));
                if !is_group || obj.id.is_empty() {
                    continue; // directory roles and other object types are read elsewhere
                }
                let _ = ptr;
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

    /// Records the credentials of one principal and raises their signals; returns the
    /// lifetime its paths share and its pull_request trusts.
    #[allow(clippy::too_many_arguments)]
    fn credentials_of(
        &mut self,
        identity: &Identity,
        managed: bool,
        creds: &[Cred],
        fed: &[(String, &FederatedCredential, Evidence)],
        apps_read: bool,
        fics_read: bool,
        has_app: bool,
        foreign_owner: &Option<String>,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> ((CredentialLifetime, Decision), Vec<(String, Evidence)>) {
        let (tenant, sp) = (self.tenant.clone(), identity.id.clone());
        let mut valid_secrets = Vec::new();
        let mut longest: Option<&Cred> = None;
        for c in creds {
            let expired = c.end.is_some_and(|e| e <= now);
            let (lifetime, _) =
                classify_static_credential("it", c.start, c.end, policy, "azure.lifetime");
            self.credentials.push(Credential {
                id: format!("{sp}/{}/{}", c.kind, c.key),
                identity: sp.clone(),
                kind: c.kind.into(),
                status: if expired { "expired" } else { "active" }.into(),
                lifetime,
                created_at: c.start,
                last_used: None,
                expires_at: c.end,
                evidence: vec![c.evidence.clone()],
            });
            if expired {
                self.signals.push(signal(
                    "azure-expired-credential",
                    &tenant,
                    &sp,
                    &c.name,
                    format!(
                        "{} {} `{}` expired {} and is still kept on the app",
                        identity.name,
                        c.kind,
                        c.name,
                        crate::time::fmt_utc(c.end.unwrap_or(now))
                    ),
                    vec![c.evidence.clone()],
                ));
                continue;
            }
            if c.kind == "client-secret" {
                valid_secrets.push(c);
            }
            let too_long = match (c.start, c.end) {
                (_, None) => Some("never expires".to_string()),
                (Some(s), Some(e)) if e - s > policy.max_credential_age => Some(format!(
                    "is valid {} ({} → {})",
                    crate::time::format_duration(e - s),
                    crate::time::fmt_utc(s),
                    crate::time::fmt_utc(e)
                )),
                (None, Some(e)) if e - now > policy.max_credential_age => {
                    Some(format!("is valid until {}", crate::time::fmt_utc(e)))
                }
                _ => None,
            };
            if let Some(why) = too_long {
                self.signals.push(signal(
                    "azure-credential-too-long",
                    &tenant,
                    &sp,
                    &c.name,
                    format!(
                        "{} {} `{}` {why}, longer than max_credential_age {}",
                        identity.name,
                        c.kind,
                        c.name,
                        crate::time::format_duration(policy.max_credential_age)
                    ),
                    vec![c.evidence.clone()],
                ));
            }
            let lives = |c: &Cred| c.end.map(|e| e - c.start.unwrap_or(now));
            longest = match longest {
                None => Some(c),
                Some(l) if l.end.is_some() && (c.end.is_none() || lives(c) > lives(l)) => Some(c),
                keep => keep,
            };
        }
        if valid_secrets.len() >= 2 {
            let names: Vec<String> = valid_secrets
                .iter()
                .map(|c| format!("`{}`", c.name))
                .collect();
            self.signals.push(signal(
                "azure-several-valid-secrets", &tenant, &sp, "",
                format!("{} has {} valid client secrets ({}): each is a separate way in, and rotation that leaves the old one valid is not rotation", identity.name, valid_secrets.len(), names.join(", ")),
                valid_secrets.iter().map(|c| c.evidence.clone()).collect(),
            ));
        }
        let mut pull_requests = Vec::new();
        for (fptr, fc, ev) in fed {
            let subject = fc.subject.clone().unwrap_or_default();
            let name = fc.name.clone().unwrap_or_else(|| fptr.clone());
            self.credentials.push(Credential {
                id: format!(
                    "{sp}/federated-credential/{}",
                    fc.id.clone().unwrap_or(name.clone())
                ),
                identity: sp.clone(),
                kind: "federated-credential".into(),
                status: "active".into(),
                lifetime: CredentialLifetime::Ephemeral,
                created_at: None,
                last_used: None,
                expires_at: None,
                evidence: vec![ev.clone().with_excerpt(format!(
                    "issuer {} subject {subject}",
                    fc.issuer.clone().unwrap_or_default()
                ))],
            });
            let github = fc
                .issuer
                .as_deref()
                .is_some_and(|i| i.trim_end_matches('/').eq_ignore_ascii_case(GITHUB_ISSUER));
            if !github {
                continue;
            }
            let wildcard = subject.contains('*')
                || fc
                    .claims_matching_expression
                    .as_ref()
                    .is_some_and(|v| v.to_string().contains('*'));
            if wildcard {
                self.signals.push(signal(
                    "azure-federation-broad-subject", &tenant, &sp, &name,
                    format!("{} trusts GitHub Actions tokens matching `{}`: any workflow of every repository it covers can sign in as it", identity.name, if subject.is_empty() { "a claims expression".to_string() } else { subject.clone() }),
                    vec![ev.clone()],
                ));
            } else if subject.ends_with(":pull_request") {
                pull_requests.push((format!("{name}: `{subject}`"), ev.clone()));
            }
        }
        let lifetime = if managed {
            (
                CredentialLifetime::Ephemeral,
                Decision::new(
                    "azure.lifetime.managed-identity",
                    "a managed identity: the platform issues its tokens, there is no secret to hold",
                ),
            )
        } else if let Some(c) = longest {
            let (l, d) = classify_static_credential(
                &format!("its {} `{}`", c.kind, c.name),
                c.start,
                c.end,
                policy,
                "azure.lifetime",
            );
            (l, d)
        } else if let Some(owner) = foreign_owner.as_ref().filter(|_| !has_app) {
            (
                CredentialLifetime::Unknown,
                Decision::new(
                    "azure.lifetime.foreign-app",
                    format!(
                        "a multi-tenant app owned by tenant {owner}: its secrets live on the application there, which this scan does not read"
                    ),
                ),
            )
        } else if !apps_read {
            (
                CredentialLifetime::Unknown,
                Decision::new(
                    "azure.lifetime.applications-unread",
                    format!(
                        "the applications list was not read (needs {}): its secrets are unknown",
                        permission_for(APPLICATIONS)
                    ),
                ),
            )
        } else if !fed.is_empty() {
            (
                CredentialLifetime::Ephemeral,
                Decision::new(
                    "azure.lifetime.federated",
                    "signs in only by federated token exchange: no stored secret",
                ),
            )
        } else if has_app && !fics_read {
            (
                CredentialLifetime::Unknown,
                Decision::new(
                    "azure.lifetime.federation-unread",
                    "no valid secret or certificate, and its federated credentials were not read",
                ),
            )
        } else {
            (
                CredentialLifetime::None,
                Decision::new(
                    "azure.lifetime.no-credential",
                    "no valid secret, certificate or federated credential: nothing to sign in with",
                ),
            )
        };
        (lifetime, pull_requests)
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
