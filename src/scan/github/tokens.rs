//! Personal access tokens: fine-grained ones approved for the organization, and classic
//! tokens and SSH keys authorized for its SAML SSO.

use super::normalize::OrgScan;
use super::raw::{CREDENTIAL_AUTHORIZATIONS, PATS};
use super::shapes::{CredentialAuthorization, FineGrainedPat};
use crate::classify::{WindowVerdict, classify_static_credential, classify_window};
use crate::model::*;
use crate::scan::json::parsed;
use crate::scan::scanner::RawScope;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

impl OrgScan<'_> {
    pub(super) fn fine_grained_tokens(&mut self, raw: &RawScope) {
        let Some(doc) = parsed::<Vec<FineGrainedPat>>(raw, PATS, &mut self.errors) else {
            return;
        };
        for (i, p) in doc.value.iter().enumerate() {
            let ptr = format!("/{i}");
            let ev = doc.ev(&ptr);
            let id = format!("github:{}/personal-access-tokens/{}", self.org, p.id);
            let token = p
                .token_name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("token {}", p.token_id.unwrap_or(p.id)));
            let owner = p.owner.login.clone();
            let name = format!("{token} ({owner})");
            let granted = self.time(
                &doc.source,
                &format!("{ptr}/access_granted_at"),
                &p.access_granted_at,
            );
            let expires = self.time(
                &doc.source,
                &format!("{ptr}/token_expires_at"),
                &p.token_expires_at,
            );
            let last = self.time(
                &doc.source,
                &format!("{ptr}/token_last_used_at"),
                &p.token_last_used_at,
            );
            let mut attributes = BTreeMap::from([
                ("id".to_string(), p.id.to_string()),
                ("token_name".to_string(), token.clone()),
                ("owner".to_string(), owner.clone()),
                (
                    "repository_selection".to_string(),
                    p.repository_selection
                        .clone()
                        .unwrap_or_else(|| "unknown".into()),
                ),
            ]);
            if let Some(t) = p.token_id {
                attributes.insert("token_id".into(), t.to_string());
            }
            let expired = p.token_expired || expires.is_some_and(|e| e <= self.now());
            if expired {
                attributes.insert("note".into(), "the token has expired: no live path".into());
            }
            self.identity(
                &id,
                &name,
                "github-fine-grained-pat",
                granted,
                last,
                attributes,
                ev.clone(),
            );
            let lifetime = classify_static_credential(
                "the token",
                granted,
                expires,
                self.ctx.policy,
                "github.lifetime.fine-grained-pat",
            );
            self.credential(
                &id,
                "fine-grained-pat",
                if expired { "expired" } else { "active" },
                lifetime.0,
                granted,
                last,
                expires,
                ev.clone(),
            );
            if expired {
                continue;
            }
            let perms = &p.permissions;
            let privilege = self.cat.permissions(
                &format!("token {token}"),
                [&perms.organization, &perms.repository, &perms.other],
            );
            let target = self.org_target(p.repository_selection.as_deref());
            let Some(enforcement) = self.window(
                "the token",
                granted,
                expires,
                "github.enforcement.fine-grained-pat",
            ) else {
                continue;
            };
            self.path(
                &id,
                "token permissions",
                &target,
                privilege,
                enforcement,
                lifetime,
                vec![ev.clone()],
            );
            self.lifetime_signals(&id, &name, &target, granted, expires, ev);
        }
    }

    pub(super) fn credential_authorizations(&mut self, raw: &RawScope) {
        let Some(doc) = parsed::<Vec<CredentialAuthorization>>(
            raw,
            CREDENTIAL_AUTHORIZATIONS,
            &mut self.errors,
        ) else {
            return;
        };
        for (i, c) in doc.value.iter().enumerate() {
            let ptr = format!("/{i}");
            let ev = doc.ev(&ptr);
            let typ = c.credential_type.to_ascii_lowercase();
            let (kind, cred_kind) = if typ.contains("ssh") {
                ("github-ssh-key", "ssh-key")
            } else if typ.contains("personal access token") {
                ("github-classic-pat", "classic-pat")
            } else {
                ("github-credential", "sso-credential")
            };
            let token = kind != "github-ssh-key";
            let label = c
                .authorized_credential_note
                .clone()
                .or(c.authorized_credential_title.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("{} {}", c.credential_type, c.credential_id));
            let id = format!(
                "github:{}/credential-authorizations/{}/{}",
                self.org, c.login, c.credential_id
            );
            let name = format!("{label} ({})", c.login);
            let authorized = self.time(
                &doc.source,
                &format!("{ptr}/credential_authorized_at"),
                &c.credential_authorized_at,
            );
            let accessed = self.time(
                &doc.source,
                &format!("{ptr}/credential_accessed_at"),
                &c.credential_accessed_at,
            );
            let expires = self.time(
                &doc.source,
                &format!("{ptr}/authorized_credential_expires_at"),
                &c.authorized_credential_expires_at,
            );
            let mut attributes = BTreeMap::from([
                ("id".to_string(), c.credential_id.to_string()),
                ("owner".to_string(), c.login.clone()),
                ("credential_type".to_string(), c.credential_type.clone()),
            ]);
            if let Some(a) = authorized {
                attributes.insert("authorized_at".into(), crate::time::fmt_utc(a));
            }
            if let Some(f) = &c.fingerprint {
                attributes.insert("fingerprint".into(), f.clone());
            }
            if !c.scopes.is_empty() {
                attributes.insert("scopes".into(), c.scopes.join(","));
            }
            let ended = expires.filter(|e| *e <= self.now());
            if let Some(e) = ended {
                attributes.insert(
                    "note".into(),
                    format!(
                        "the SSO authorization expired {}: no live path",
                        crate::time::fmt_utc(e)
                    ),
                );
            }
            self.identity(
                &id,
                &name,
                kind,
                authorized,
                accessed,
                attributes,
                ev.clone(),
            );
            let lifetime = (
                CredentialLifetime::LongLived,
                Decision::new(
                    "github.lifetime.classic-credential",
                    if token {
                        "a classic token lives until its owner deletes it or it expires; its SSO authorization is not the token's lifetime"
                    } else {
                        "an SSH key lives until its owner deletes it"
                    },
                ),
            );
            self.credential(
                &id,
                cred_kind,
                if ended.is_some() { "expired" } else { "active" },
                lifetime.0,
                authorized,
                accessed,
                expires,
                ev.clone(),
            );
            if let Some(end) = ended {
                let used_after = accessed.filter(|a| *a > end);
                self.signal(
                    "github-credential-used-after-end",
                    &id,
                    "SSO authorization",
                    &format!("org {}", self.org),
                    match used_after {
                        Some(a) => format!(
                            "{name}'s SSO authorization expired {} but the credential reached {} at {}",
                            crate::time::fmt_utc(end),
                            self.org,
                            crate::time::fmt_utc(a)
                        ),
                        None => format!(
                            "{name}'s SSO authorization expired {}; it has not been used since",
                            crate::time::fmt_utc(end)
                        ),
                    },
                    vec![ev.clone()],
                    Some((
                        if used_after.is_some() {
                            Revocation::NotEffective
                        } else {
                            Revocation::Effective
                        },
                        end,
                    )),
                );
                continue;
            }
            let privilege = if token {
                self.cat.scopes(&format!("token {label}"), &c.scopes)
            } else {
                (
                    Privilege::Unknown,
                    Decision::new(
                        "github.privilege.ssh-key",
                        format!(
                            "an SSH key acts with {}'s own repository access, which this scan does not read",
                            c.login
                        ),
                    ),
                )
            };
            let target = format!("org {}", self.org);
            let Some(enforcement) = self.window(
                if token {
                    "the SSO authorization"
                } else {
                    "the SSH key's SSO authorization"
                },
                authorized,
                expires,
                "github.enforcement.sso-credential",
            ) else {
                continue;
            };
            self.path(
                &id,
                "SSO authorization",
                &target,
                privilege,
                enforcement,
                lifetime,
                vec![ev.clone()],
            );
            if token {
                let admin = self.cat.admin_scopes_of(&c.scopes);
                if !admin.is_empty() {
                    self.signal(
                        "github-classic-token-admin-scopes",
                        &id,
                        "SSO authorization",
                        &target,
                        format!(
                            "classic token {name} is authorized for {}'s SSO with the admin scope(s) {}",
                            self.org,
                            admin.join(", ")
                        ),
                        vec![ev.clone()],
                        None,
                    );
                }
                self.lifetime_signals(&id, &name, &target, authorized, expires, ev);
            }
        }
    }

    /// The enforcement of a token's access: by its expiry; `None` when it is over.
    fn window(
        &self,
        what: &str,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
        rule: &str,
    ) -> Option<(Enforcement, Decision, Option<Window>)> {
        if end.is_none() {
            return Some((
                Enforcement::Standing,
                Decision::new(
                    &format!("{rule}.no-expiry"),
                    format!("{what} never expires: its access is standing"),
                ),
                None,
            ));
        }
        match classify_window(start, end, self.now(), self.ctx.policy, rule) {
            WindowVerdict::Over(_) => None,
            WindowVerdict::Live(e, d, w) => Some((e, d, Some(w))),
        }
    }

    /// GH004 and GH005: no expiry, or a lifetime beyond `max_pat_lifetime`.
    fn lifetime_signals(
        &mut self,
        id: &str,
        name: &str,
        target: &str,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
        ev: Evidence,
    ) {
        let max = self.ctx.policy.max_pat_lifetime;
        match end {
            None => self.signal(
                "github-token-without-expiry",
                id,
                "",
                target,
                format!("token {name} never expires"),
                vec![ev],
                None,
            ),
            Some(e) => {
                let from = start.unwrap_or(self.now());
                if e - from > max {
                    self.signal(
                        "github-token-beyond-max-lifetime",
                        id,
                        "",
                        target,
                        format!(
                            "token {name} lives {} ({} → {}), longer than max_pat_lifetime {}",
                            crate::time::format_duration(e - from),
                            crate::time::fmt_utc(from),
                            crate::time::fmt_utc(e),
                            crate::time::format_duration(max)
                        ),
                        vec![ev],
                        None,
                    );
                }
            }
        }
    }
}
