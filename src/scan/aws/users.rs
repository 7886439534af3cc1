//! IAM users: their policies (own and through groups), access keys and console password.

use super::BOUNDARY;
use super::credentials::UserCredentials;
use super::gaad::UserDetail;
use super::normalize::{Scope, Sink, attributes, ts};
use crate::model::*;

impl Scope<'_> {
    pub(super) fn user(&self, i: usize, u: &UserDetail<'_>, out: &mut Sink<'_, '_>) {
        let arn = Text::from(if u.arn.is_empty() {
            format!(
                "arn:aws:iam::{}:user{}{}",
                self.account, u.path, u.user_name
            )
        } else {
            u.arn.clone()
        });
        let base = format!("/UserDetailList/{i}");
        let mut ents: Vec<_> = self
            .inline(&format!("{base}/UserPolicyList"), &u.user_policy_list)
            .collect();
        for (j, a) in u.attached_managed_policies.iter().enumerate() {
            ents.push(self.managed(
                "",
                &a.policy_arn,
                format!("{base}/AttachedManagedPolicies/{j}"),
            ));
        }
        for group in &u.group_list {
            if let Some(g) = self.groups.get(group) {
                let prefix = format!("group:{group}/");
                ents.extend(self.group_inline(&prefix, g));
                for (j, a) in g.detail.attached_managed_policies.iter().enumerate() {
                    ents.push(self.managed(
                        &prefix,
                        &a.policy_arn,
                        format!("/GroupDetailList/{}/AttachedManagedPolicies/{j}", g.index),
                    ));
                }
            }
        }
        let attributes = attributes(&u.path, &u.tags, &mut out.memo.texts);
        let user_creds = self
            .creds
            .map(|c| c.get(&u.user_name).cloned().unwrap_or_default());
        let lifetime = self.user_lifetime(&arn, &u.user_name, user_creds.as_ref(), out);
        let last_used = user_creds.as_ref().and_then(|c| {
            c.keys
                .iter()
                .filter_map(|k| k.last_used)
                .chain(c.password_last_used)
                .max()
        });
        out.inv.identities.push(Identity {
            id: arn.clone(),
            name: u.user_name.clone(),
            boundary: BOUNDARY,
            scope: self.account.clone(),
            kind: "iam-user".into(),
            created_at: ts(&u.create_date),
            last_used,
            attributes,
            evidence: vec![self.ev(base)],
        });
        self.paths(&arn, &ents, lifetime, out);
    }

    /// Credential lifetime of a user's paths, plus the key records and key signals.
    fn user_lifetime(
        &self,
        arn: &Text,
        name: &str,
        creds: Option<&UserCredentials>,
        out: &mut Sink<'_, '_>,
    ) -> (CredentialLifetime, Decision) {
        let Some(c) = creds else {
            return (
                CredentialLifetime::Unknown,
                Decision::new(
                    "aws.lifetime.no-credential-document",
                    "no credential report or access-keys.json in the snapshot: whether a static key exists is unknown",
                ),
            );
        };
        let p = self.ctx.policy;
        let now = self.ctx.now;
        let mut active = 0;
        for (n, k) in c.keys.iter().enumerate() {
            let label = k
                .id
                .clone()
                .unwrap_or_else(|| format!("{name} access key {}", k.slot.unwrap_or(n as u8 + 1)));
            let ev = Evidence::new(k.source.clone(), k.pointer.clone());
            out.inv.credentials.push(Credential {
                id: label.clone(),
                identity: arn.into(),
                kind: "access-key".into(),
                status: if k.active { "active" } else { "inactive" }.into(),
                lifetime: CredentialLifetime::LongLived,
                created_at: k.created,
                last_used: k.last_used,
                expires_at: None,
                evidence: vec![ev.clone()],
            });
            let mut signal = |kind: &str, message: String| {
                out.inv.signals.push(Signal {
                    kind: kind.into(),
                    boundary: BOUNDARY,
                    scope: self.account.clone(),
                    identity: arn.into(),
                    entitlement: Text::from(&label),
                    target: self.account.clone(),
                    message,
                    revocation: None,
                    severity: None,
                    at: None,
                    evidence: vec![ev.clone()],
                })
            };
            if !k.active {
                signal(
                    "aws-inactive-access-key",
                    format!("access key {label} is inactive but not deleted"),
                );
                continue;
            }
            active += 1;
            if let Some(created) = k.created.filter(|c| now - *c > p.max_credential_age) {
                signal(
                    "aws-access-key-too-old",
                    format!(
                        "access key {label} is {} days old (max_credential_age {})",
                        (now - created).num_days(),
                        crate::time::format_duration(p.max_credential_age)
                    ),
                );
            }
            let idle_since = k.last_used.or(k.created);
            if let Some(since) = idle_since.filter(|s| now - *s > p.stale_after) {
                let what = if k.last_used.is_some() {
                    "last used"
                } else {
                    "never used; created"
                };
                signal(
                    "aws-access-key-unused",
                    format!(
                        "access key {label} {what} {} ({} days ago; stale_after {})",
                        since.format("%Y-%m-%d"),
                        (now - since).num_days(),
                        crate::time::format_duration(p.stale_after)
                    ),
                );
            }
        }
        if active >= 2 {
            let ev: Vec<Evidence> = c
                .keys
                .iter()
                .filter(|k| k.active)
                .map(|k| Evidence::new(k.source.clone(), k.pointer.clone()))
                .collect();
            out.inv.signals.push(Signal {
                kind: "aws-two-active-access-keys".into(),
                boundary: BOUNDARY,
                scope: self.account.clone(),
                identity: arn.into(),
                entitlement: (String::new()).into(),
                target: self.account.clone(),
                message: format!("user {name} has {active} active access keys"),
                revocation: None,
                severity: None,
                at: None,
                evidence: ev,
            });
        }
        if active > 0 {
            (
                CredentialLifetime::LongLived,
                Decision::new(
                    "aws.lifetime.access-key",
                    format!("{active} active access key(s): static keys never expire"),
                ),
            )
        } else if c.password_enabled == Some(true) {
            (
                CredentialLifetime::LongLived,
                Decision::new("aws.lifetime.password", "console password enabled"),
            )
        } else {
            (
                CredentialLifetime::None,
                Decision::new(
                    "aws.lifetime.no-credential",
                    "no active access key and no console password: nothing to steal until one is created",
                ),
            )
        }
    }
}
