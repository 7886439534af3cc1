//! A login role's VALID UNTIL → the enforcement and credential verdicts of its paths, its
//! password record, and the stale signals of a role that expired but still exists.

use super::catalog::{HbaRule, Role};
use super::hba;
use super::normalize::Scope;
use crate::classify::{WindowVerdict, classify_static_credential, classify_window};
use crate::model::*;
use chrono::{DateTime, Utc};
use regex::Regex;
use std::sync::LazyLock;

/// Vault's default PostgreSQL username template (`v-<display>-<role>-<20 random>-<unix>`),
/// a little lenient on the two middle parts.
static VAULT_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^v-[A-Za-z0-9_.-]{1,20}-[A-Za-z0-9]{20}-([0-9]{10})$").expect("regex compiles")
});

/// When a Vault-style dynamic role was issued, from the unix time in its name.
pub(crate) fn vault_issued_at(name: &str) -> Option<DateTime<Utc>> {
    let caps = VAULT_NAME.captures(name)?;
    DateTime::from_timestamp(caps[1].parse().ok()?, 0)
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expiry {
    Never,
    At(DateTime<Utc>),
    Unreadable(String),
}

pub(crate) fn expiry(r: &Role) -> Expiry {
    match r.rolvaliduntil.as_deref().map(str::trim) {
        None | Some("") | Some("infinity") => Expiry::Never,
        // Always expired; shown as the epoch rather than year -262143.
        Some("-infinity") => Expiry::At(DateTime::UNIX_EPOCH),
        Some(t) => crate::time::parse_timestamp(t)
            .map(Expiry::At)
            .unwrap_or_else(|| Expiry::Unreadable(t.to_string())),
    }
}

/// The verdicts every path of one login role shares.
pub(crate) struct RoleVerdicts {
    pub enforcement: Enforcement,
    pub enforcement_basis: Decision,
    pub window: Option<Window>,
    pub lifetime: (CredentialLifetime, Decision),
}

impl Scope<'_> {
    pub(crate) fn verdicts(
        &self,
        exp: &Expiry,
        issued: Option<DateTime<Utc>>,
        bypass: Option<&HbaRule>,
        hba_note: &str,
    ) -> RoleVerdicts {
        let (policy, now) = (self.ctx.policy, self.ctx.now);
        let binds = "; VALID UNTIL binds password authentication only: it refuses new password logins, not sessions already open";
        let lifetime_of = |at: DateTime<Utc>| match bypass {
            Some(rule) => (
                CredentialLifetime::LongLived,
                Decision::new(
                    "pg.lifetime.non-password-auth",
                    format!(
                        "{} lets the role in with `{}`, which no VALID UNTIL limits",
                        hba::describe(rule),
                        rule.auth_method.as_deref().unwrap_or("?")
                    ),
                ),
            ),
            None => classify_static_credential(
                "the password (VALID UNTIL)",
                Some(issued.unwrap_or(now).min(at)),
                Some(at),
                policy,
                "pg.lifetime",
            ),
        };
        match (exp, bypass) {
            (Expiry::Unreadable(t), _) => RoleVerdicts {
                enforcement: Enforcement::Unknown,
                enforcement_basis: Decision::new(
                    "pg.enforcement.unreadable-valid-until",
                    format!("rolvaliduntil `{t}` is not a timestamp jitgap can read"),
                ),
                window: None,
                lifetime: (
                    CredentialLifetime::Unknown,
                    Decision::new(
                        "pg.lifetime.unreadable-valid-until",
                        format!("rolvaliduntil `{t}` is not a timestamp jitgap can read"),
                    ),
                ),
            },
            (Expiry::Never, _) => RoleVerdicts {
                enforcement: Enforcement::Standing,
                enforcement_basis: Decision::new(
                    "pg.enforcement.no-valid-until",
                    "login role without VALID UNTIL (NULL or infinity): it can log in with no end",
                ),
                window: None,
                lifetime: (
                    CredentialLifetime::LongLived,
                    Decision::new(
                        "pg.lifetime.no-valid-until",
                        "login role without VALID UNTIL: its password, if it has one, never expires",
                    ),
                ),
            },
            (Expiry::At(at), Some(rule)) => RoleVerdicts {
                enforcement: Enforcement::Standing,
                enforcement_basis: Decision::new(
                    "pg.enforcement.valid-until-not-enforced",
                    format!(
                        "VALID UNTIL {} binds password authentication only, and {} lets the role in with `{}` without its password",
                        at.to_rfc3339(),
                        hba::describe(rule),
                        rule.auth_method.as_deref().unwrap_or("?")
                    ),
                ),
                window: Some(Window {
                    not_before: None,
                    not_after: Some(*at),
                }),
                lifetime: lifetime_of(*at),
            },
            (Expiry::At(at), None) => {
                let start = issued.filter(|i| i <= at);
                match classify_window(start, Some(*at), now, policy, "pg.enforcement") {
                    WindowVerdict::Live(e, d, w) => RoleVerdicts {
                        enforcement: e,
                        enforcement_basis: Decision::new(
                            &d.rule,
                            format!(
                                "VALID UNTIL {}: {}{binds}{hba_note}",
                                at.to_rfc3339(),
                                d.reason
                            ),
                        ),
                        window: Some(w),
                        lifetime: lifetime_of(*at),
                    },
                    // Unreachable: expired roles are handled before; stay fail-closed anyway.
                    WindowVerdict::Over(_) => RoleVerdicts {
                        enforcement: Enforcement::Unknown,
                        enforcement_basis: Decision::new(
                            "pg.enforcement.expired",
                            "VALID UNTIL has passed",
                        ),
                        window: None,
                        lifetime: lifetime_of(*at),
                    },
                }
            }
        }
    }

    pub(crate) fn credential(
        &mut self,
        id: &str,
        exp: &Expiry,
        issued: Option<DateTime<Utc>>,
        v: &RoleVerdicts,
        ev: Evidence,
    ) {
        let expires_at = match exp {
            Expiry::At(at) => Some(*at),
            _ => None,
        };
        let status = match expires_at {
            Some(at) if at <= self.ctx.now => "expired",
            _ => "active",
        };
        self.inv.credentials.push(Credential {
            id: format!("{id}#password"),
            identity: id.into(),
            kind: "password".into(),
            status: status.into(),
            lifetime: v.lifetime.0,
            created_at: issued,
            last_used: None,
            expires_at,
            evidence: vec![ev],
        });
    }

    /// The password record of a role that can no longer log in by password.
    pub(crate) fn expired_credential(
        &mut self,
        role: &Role,
        at: DateTime<Utc>,
        issued: Option<DateTime<Utc>>,
        ev: Evidence,
    ) {
        let id = self.identity_id(&role.rolname);
        let lifetime = match issued {
            Some(i) => classify_static_credential(
                "the password (VALID UNTIL)",
                Some(i.min(at)),
                Some(at),
                self.ctx.policy,
                "pg.lifetime",
            ),
            None => (
                CredentialLifetime::Unknown,
                Decision::new(
                    "pg.lifetime.expired",
                    "the password expired; how long it lived is unknown",
                ),
            ),
        };
        self.inv.credentials.push(Credential {
            id: format!("{id}#password"),
            identity: Text::from(&id),
            kind: "password".into(),
            status: "expired".into(),
            lifetime: lifetime.0,
            created_at: issued,
            last_used: None,
            expires_at: Some(at),
            evidence: vec![ev],
        });
    }

    /// A login role whose VALID UNTIL has passed still exists: a stale signal (for a
    /// Vault-style role, a lease revocation that did not drop it).
    pub(crate) fn expired_role(
        &mut self,
        role: &Role,
        at: DateTime<Utc>,
        issued: Option<DateTime<Utc>>,
        ev: Evidence,
    ) {
        let ago = crate::time::format_duration(self.ctx.now - at);
        let s = if let Some(issued) = issued {
            let mut s = self.signal(
                "pg-vault-role-not-dropped",
                &role.rolname,
                "role",
                format!(
                    "Vault-style dynamic role {} (issued {}) expired {} ({ago} ago) but still exists: the lease's revocation did not drop it",
                    role.rolname,
                    issued.to_rfc3339(),
                    at.to_rfc3339()
                ),
                vec![ev],
            );
            s.revocation = Some(Revocation::NotEffective);
            s
        } else {
            self.signal(
                "pg-expired-login-role",
                &role.rolname,
                "role",
                format!(
                    "login role {} expired {} ({ago} ago) but still exists with its grants",
                    role.rolname,
                    at.to_rfc3339()
                ),
                vec![ev],
            )
        };
        self.inv.signals.push(s);
    }
}
