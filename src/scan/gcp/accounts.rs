//! A project's service accounts and their keys → identities, credentials, the lifetime of
//! the secrets that exercise each account's paths, and key signals.

use super::BOUNDARY;
use super::docs::{self, Doc, escape, never};
use super::raw::*;
use super::shapes::{Accounts, Activities, KeyedKeys};
use crate::model::{Credential, CredentialLifetime, Decision, Evidence, Identity, Signal};
use crate::scan::scanner::{Context, RawScope};
use crate::time::format_duration;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A service account of a scanned project, as its paths need it.
#[derive(Debug, Clone)]
pub struct Account {
    pub identity: Identity,
    pub email: String,
    pub disabled: bool,
    pub lifetime: (CredentialLifetime, Decision),
    /// Active user-managed keys that never expire: (key id, evidence).
    pub never_expiring: Vec<(String, Evidence)>,
}

/// Everything a project's accounts yield.
#[derive(Default)]
pub struct ProjectAccounts {
    /// By lower-cased email.
    pub accounts: BTreeMap<String, Account>,
    pub credentials: Vec<Credential>,
    pub signals: Vec<Signal>,
}

/// An active user-managed key: id, created, expiry, evidence.
type ActiveKey = (
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Evidence,
);

pub fn signal(
    kind: &str,
    scope: &str,
    identity: &str,
    entitlement: &str,
    target: &str,
    message: String,
    evidence: Vec<Evidence>,
) -> Signal {
    Signal {
        kind: kind.into(),
        boundary: BOUNDARY,
        scope: scope.into(),
        identity: identity.into(),
        entitlement: entitlement.into(),
        target: target.into(),
        message,
        revocation: None,
        severity: None,
        at: None,
        evidence,
    }
}

/// `2f9c1e0d7b6a…`: a key id short enough for an entitlement column.
pub fn short_key(id: &str) -> String {
    if id.len() > 12 {
        // By character boundary: a snapshot's key id is whatever the file says.
        format!("{}…", &id[..id.floor_char_boundary(12)])
    } else {
        id.to_string()
    }
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// Last authentication per resource (`…/serviceAccounts/ID` or `…/keys/KEY`), by the
/// resource name's last segment (account unique id, or key id).
fn last_auth(
    doc: &Option<Doc<Activities>>,
    errors: &mut Vec<String>,
) -> BTreeMap<String, (DateTime<Utc>, Evidence)> {
    let mut out = BTreeMap::new();
    let Some(doc) = doc else { return out };
    for (i, a) in doc.value.activities.iter().enumerate() {
        let ptr = format!("/activities/{i}");
        let Some(at) = docs::time(
            &doc.source,
            &format!("{ptr}/activity/lastAuthenticatedTime"),
            &a.last_authenticated().map(str::to_string),
            errors,
        ) else {
            continue;
        };
        let key = a
            .full_resource_name
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let newer = out.get(&key).is_none_or(|(t, _)| *t < at);
        if newer {
            out.insert(key, (at, doc.ev(&ptr)));
        }
    }
    out
}

pub fn read(
    raw: &RawScope,
    scope: &str,
    ctx: &Context<'_>,
    errors: &mut Vec<String>,
) -> ProjectAccounts {
    let mut out = ProjectAccounts::default();
    let Some(accounts) = docs::object::<Accounts>(raw, SERVICE_ACCOUNTS, errors) else {
        return out;
    };
    let keys = docs::object::<KeyedKeys>(raw, KEYS, errors);
    let sa_auth_doc = docs::object::<Activities>(raw, SA_LAST_AUTH, errors);
    let key_auth_doc = docs::object::<Activities>(raw, KEY_LAST_AUTH, errors);
    let sa_auth = last_auth(&sa_auth_doc, errors);
    let key_auth = last_auth(&key_auth_doc, errors);
    let now = ctx.now;
    let policy = ctx.policy;
    for (i, sa) in accounts.value.accounts.iter().enumerate() {
        let email = sa.email.to_ascii_lowercase();
        if email.is_empty() {
            errors.push(format!(
                "{}: /accounts/{i}/email: a service account without an email",
                accounts.source
            ));
            continue;
        }
        let id = sa
            .unique_id
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| email.clone());
        let ev = accounts.ev(&format!("/accounts/{i}"));
        let mut attributes = BTreeMap::new();
        attributes.insert("email".to_string(), email.clone());
        if let Some(d) = sa.display_name.as_ref().filter(|d| !d.is_empty()) {
            attributes.insert("display_name".into(), d.clone());
        }
        if let Some(d) = sa.description.as_ref().filter(|d| !d.is_empty()) {
            attributes.insert("description".into(), d.clone());
        }
        if sa.disabled {
            attributes.insert(
                "disabled".into(),
                "the account is disabled: it cannot authenticate, so it has no live path".into(),
            );
        }
        let last_used = sa_auth
            .get(&id.to_ascii_lowercase())
            .or_else(|| sa_auth.get(&email))
            .map(|(t, _)| *t);
        let identity = Identity {
            id: id.clone().into(),
            name: email.clone(),
            boundary: BOUNDARY,
            scope: scope.into(),
            kind: "gcp-service-account".into(),
            created_at: None,
            last_used,
            attributes: crate::model::text_map(attributes),
            evidence: vec![ev.clone()],
        };
        // Keys: each one a credential; the active user-managed ones decide the lifetime.
        let mut active_user: Vec<ActiveKey> = Vec::new();
        let lifetime = match &keys {
            None => (
                CredentialLifetime::Unknown,
                Decision::new(
                    "gcp.lifetime.keys-not-read",
                    format!(
                        "the service account keys were not read (needs {})",
                        permission_for(KEYS)
                    ),
                ),
            ),
            Some(k) => match k.value.iter().find(|(e, _)| e.eq_ignore_ascii_case(&email)) {
                None => (
                    CredentialLifetime::Unknown,
                    Decision::new(
                        "gcp.lifetime.keys-not-read",
                        format!("{KEYS} has no entry for {email}: its keys were not read"),
                    ),
                ),
                Some((key_email, list)) => {
                    for (j, key) in list.keys.iter().enumerate() {
                        let ptr = format!("/{}/keys/{j}", escape(key_email));
                        let after = docs::time(
                            &k.source,
                            &format!("{ptr}/validAfterTime"),
                            &key.valid_after_time,
                            errors,
                        );
                        let before = docs::time(
                            &k.source,
                            &format!("{ptr}/validBeforeTime"),
                            &key.valid_before_time,
                            errors,
                        );
                        let expired = before.is_some_and(|b| b <= now);
                        let status = if key.disabled {
                            "inactive"
                        } else if expired {
                            "expired"
                        } else {
                            "active"
                        };
                        let user = key.user_managed();
                        let kev = k.ev(&ptr);
                        let used = key_auth
                            .get(&key.id().to_ascii_lowercase())
                            .map(|(t, _)| *t);
                        out.credentials.push(Credential {
                            id: key.name.clone(),
                            identity: id.clone().into(),
                            kind: if user {
                                "user-managed-key".into()
                            } else {
                                "google-managed-key".into()
                            },
                            status: status.into(),
                            lifetime: if user {
                                CredentialLifetime::LongLived
                            } else {
                                CredentialLifetime::Ephemeral
                            },
                            created_at: after,
                            last_used: used,
                            expires_at: before.filter(|b| !never(*b)),
                            evidence: vec![kev.clone()],
                        });
                        if user && status == "active" && !sa.disabled {
                            active_user.push((key.id().to_string(), after, before, kev));
                        }
                    }
                    if active_user.is_empty() {
                        (
                            CredentialLifetime::Ephemeral,
                            Decision::new(
                                "gcp.lifetime.no-user-managed-key",
                                "no active user-managed key: the account authenticates only as an attached, impersonated or federated identity, with tokens of an hour",
                            ),
                        )
                    } else {
                        let forever = active_user
                            .iter()
                            .filter(|(_, _, b, _)| b.is_none_or(never))
                            .count();
                        let oldest = active_user.iter().filter_map(|(_, c, _, _)| *c).min();
                        (
                            CredentialLifetime::LongLived,
                            Decision::new(
                                "gcp.lifetime.user-managed-key",
                                format!(
                                    "{} active user-managed key(s){}{}: whoever holds a copy authenticates as the account",
                                    active_user.len(),
                                    oldest
                                        .map(|o| format!(", the oldest created {}", day(o)))
                                        .unwrap_or_default(),
                                    if forever > 0 {
                                        format!(", {forever} never expiring")
                                    } else {
                                        String::new()
                                    }
                                ),
                            ),
                        )
                    }
                }
            },
        };
        // Key signals.
        for (kid, created, before, kev) in &active_user {
            let short = short_key(kid);
            if let Some(created) = created {
                let age = now - *created;
                if age > policy.max_credential_age {
                    out.signals.push(signal(
                        "gcp-key-too-old",
                        scope,
                        &id,
                        &format!("key {short}"),
                        &email,
                        format!(
                            "user-managed key {kid} of {email} was created {} ({} ago), older than max_credential_age {}{}",
                            day(*created),
                            format_duration(age),
                            format_duration(policy.max_credential_age),
                            if before.is_none_or(never) { "; it never expires" } else { "" }
                        ),
                        vec![kev.clone()],
                    ));
                }
            }
            if let Some(doc) = &key_auth_doc {
                let idle_since = now - policy.stale_after;
                // A key of unknown age may be old: only its use can clear it.
                if created.is_none_or(|c| c < idle_since) {
                    let last = key_auth.get(&kid.to_ascii_lowercase());
                    // Policy Analyzer reports the day (US Pacific): the use may be as late
                    // as that day's end.
                    let unused =
                        last.is_none_or(|(t, _)| *t + chrono::Duration::days(1) < idle_since);
                    if unused {
                        let mut evidence = vec![kev.clone()];
                        let said = match last {
                            Some((t, e)) => {
                                evidence.push(e.clone());
                                format!("last authenticated on {} (US Pacific day)", day(*t))
                            }
                            None => {
                                evidence.push(doc.ev("/activities"));
                                "no authentication recorded in Policy Analyzer's observation period"
                                    .to_string()
                            }
                        };
                        out.signals.push(signal(
                            "gcp-key-unused",
                            scope,
                            &id,
                            &format!("key {short}"),
                            &email,
                            format!(
                                "user-managed key {kid} of {email} is active but unused: {said}, longer than stale_after {}",
                                format_duration(policy.stale_after)
                            ),
                            evidence,
                        ));
                    }
                }
            }
        }
        if active_user.len() > 1 {
            let ids: Vec<&str> = active_user.iter().map(|(k, _, _, _)| k.as_str()).collect();
            out.signals.push(signal(
                "gcp-several-user-keys",
                scope,
                &id,
                "",
                &email,
                format!(
                    "{email} has {} active user-managed keys ({}): each is a separate way to authenticate as it",
                    ids.len(),
                    ids.join(", ")
                ),
                active_user.iter().map(|(_, _, _, e)| e.clone()).collect(),
            ));
        }
        let never_expiring = active_user
            .iter()
            .filter(|(_, _, b, _)| b.is_none_or(never))
            .map(|(k, _, _, e)| (k.clone(), e.clone()))
            .collect();
        out.accounts.insert(
            email.clone(),
            Account {
                identity,
                email,
                disabled: sa.disabled,
                lifetime,
                never_expiring,
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_short_key_is_cut_on_a_character_boundary() {
        assert_eq!(super::short_key("2f9c1e0d7b6a5f4e"), "2f9c1e0d7b6a…");
        assert_eq!(super::short_key("2f9c1e0d7b6a"), "2f9c1e0d7b6a");
        // Byte 12 falls inside the seventh `é`.
        assert_eq!(
            super::short_key(&"é".repeat(8)),
            format!("{}…", "é".repeat(6))
        );
    }
}
