//! The credential behind an account's paths: password lifetime, socket or external
//! authentication (pure).

use super::catalog::Account;
use super::normalize::Scope;
use crate::classify::classify_static_credential;
use crate::model::*;
use chrono::{DateTime, Duration, Utc};

/// `days` after `t`; `None` past the calendar's end (a lifetime that long never expires).
pub(super) fn after_days(t: DateTime<Utc>, days: i64) -> Option<DateTime<Utc>> {
    Duration::try_days(days).and_then(|d| t.checked_add_signed(d))
}

impl Scope<'_> {
    /// The account's credential record and the lifetime its paths carry.
    pub(super) fn credential(
        &mut self,
        id: &str,
        index: Option<usize>,
        a: &Account,
        ev: Evidence,
    ) -> (CredentialLifetime, Decision) {
        let plugin = a.plugin.clone().unwrap_or_default().to_ascii_lowercase();
        let (kind, verdict) = if index.is_none() {
            (
                "password",
                (
                    CredentialLifetime::Unknown,
                    Decision::new(
                        "mysql.lifetime.no-account-row",
                        "mysql.user was not readable: the authentication method and password lifetime are unknown",
                    ),
                ),
            )
        } else if ["unix_socket", "auth_socket"].contains(&plugin.as_str()) {
            (
                "unix-socket",
                (
                    CredentialLifetime::None,
                    Decision::new(
                        "mysql.lifetime.unix-socket",
                        format!(
                            "{plugin}: authenticated by the OS user of a local process; there is no password to steal"
                        ),
                    ),
                ),
            )
        } else if plugin == "mysql_no_login" {
            (
                "no-login",
                (
                    CredentialLifetime::None,
                    Decision::new(
                        "mysql.lifetime.no-login",
                        "mysql_no_login: the account cannot log in",
                    ),
                ),
            )
        } else if is_password_plugin(&plugin) {
            ("password", self.password_lifetime(a, &plugin))
        } else {
            (
                "external",
                (
                    CredentialLifetime::Unknown,
                    Decision::new(
                        "mysql.lifetime.external-plugin",
                        format!(
                            "{plugin}: authenticated outside the server (PAM, LDAP, Kerberos…): the credential's lifetime is not visible here"
                        ),
                    ),
                ),
            )
        };
        let expired = self.password_expiry(a);
        let status = if a.account_locked == Some(true) {
            "locked"
        } else if kind == "password" && expired.is_some() {
            "expired"
        } else {
            "active"
        };
        let last_changed = a
            .password_last_changed
            .as_deref()
            .and_then(crate::time::parse_timestamp);
        let expires_at = match (self.lifetime_days(a), last_changed) {
            (Some(d), Some(c)) if d > 0 && kind == "password" => after_days(c, d),
            _ => expired.flatten(),
        };
        self.inv.credentials.push(Credential {
            id: format!("{id}#{kind}"),
            identity: id.into(),
            kind: kind.into(),
            status: status.into(),
            lifetime: verdict.0,
            created_at: last_changed,
            last_used: None,
            expires_at,
            evidence: vec![ev],
        });
        verdict
    }

    fn password_lifetime(&self, a: &Account, plugin: &str) -> (CredentialLifetime, Decision) {
        let what = if plugin.is_empty() {
            "password".to_string()
        } else {
            format!("{plugin} password")
        };
        let from = if a.password_lifetime.is_some() {
            "the account's password_lifetime"
        } else {
            "default_password_lifetime"
        };
        match self.lifetime_days(a) {
            None => (
                CredentialLifetime::Unknown,
                Decision::new(
                    "mysql.lifetime.default-unknown",
                    format!(
                        "{what}: the account uses default_password_lifetime, which could not be read"
                    ),
                ),
            ),
            Some(d) if d <= 0 => (
                CredentialLifetime::LongLived,
                Decision::new(
                    "mysql.lifetime.no-expiry",
                    format!("{what} never expires ({from} is 0)"),
                ),
            ),
            Some(d) => {
                let issued = a
                    .password_last_changed
                    .as_deref()
                    .and_then(crate::time::parse_timestamp);
                match issued {
                    Some(i) => {
                        let (l, dec) = classify_static_credential(
                            &what,
                            Some(i),
                            after_days(i, d),
                            self.ctx.policy,
                            "mysql.lifetime",
                        );
                        (
                            l,
                            Decision::new(&dec.rule, format!("{} ({from} {d} days)", dec.reason)),
                        )
                    }
                    None => (
                        CredentialLifetime::LongLived,
                        Decision::new(
                            "mysql.lifetime.long-ttl",
                            format!(
                                "{what} lives {d} days ({from}), longer than max_ephemeral_ttl"
                            ),
                        ),
                    ),
                }
            }
        }
    }
}

fn is_password_plugin(plugin: &str) -> bool {
    plugin.is_empty()
        || [
            "mysql_native_password",
            "caching_sha2_password",
            "sha256_password",
            "ed25519",
            "parsec",
            "mysql_old_password",
            "mysql_clear_password",
        ]
        .contains(&plugin)
}
