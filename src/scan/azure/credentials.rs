//! A principal's credentials (secrets and certificates on the service principal and its
//! application, federated credentials) → credential records, their signals, and the lifetime
//! its access paths share.

use super::directory::{Directory, GITHUB_ISSUER, signal};
use super::docs::{self, Items};
use super::graph::{FederatedCredential, KeyCredential, PasswordCredential};
use super::raw::{APPLICATIONS, permission_for};
use crate::classify::classify_static_credential;
use crate::model::{Credential, CredentialLifetime, Decision, Evidence, Identity};
use crate::policy::Policy;
use chrono::{DateTime, Utc};

pub(super) struct Cred {
    kind: &'static str,
    key: String,
    name: String,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    evidence: Evidence,
}

pub(super) fn passwords(
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
                    // Never the `hint`: it is the first characters of the secret itself.
                    .or_else(|| p.key_id.as_ref().map(|k| format!("secret {k}")))
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

pub(super) fn certificates(
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
    /// Records the credentials of one principal and raises their signals; returns the
    /// lifetime its paths share and its pull_request trusts.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn credentials_of(
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
            self.federations
                .push(federation(&tenant, &sp, fc, &subject, ev));
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

/// A federated identity credential as a [`crate::model::Federation`]. Entra compares the
/// subject exactly; a flexible credential's `claimsMatchingExpression` (`claims['sub']
/// matches 'repo:acme/*'`) is a pattern, and one jitgap cannot read accepts any subject.
fn federation(
    tenant: &str,
    sp: &str,
    fc: &FederatedCredential,
    subject: &str,
    ev: &Evidence,
) -> crate::model::Federation {
    use crate::model::SubjectMatch;
    let (subjects, matching) = if !subject.is_empty() {
        (vec![subject.to_string()], SubjectMatch::Exact)
    } else {
        let text = fc
            .claims_matching_expression
            .as_ref()
            .map(|v| {
                v.get("value")
                    .and_then(|x| x.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default();
        match text.split('\'').nth(1) {
            Some(pattern) if text.contains("matches") => {
                (vec![pattern.to_string()], SubjectMatch::Glob)
            }
            _ => (Vec::new(), SubjectMatch::Any),
        }
    };
    crate::model::Federation {
        boundary: super::BOUNDARY,
        scope: tenant.to_string(),
        identity: sp.to_string(),
        issuer: fc
            .issuer
            .clone()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string(),
        subjects,
        matching,
        evidence: vec![ev.clone()],
    }
}
