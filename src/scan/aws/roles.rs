//! IAM roles: who can assume them (trust policy), their policies, and when they were last used.

use super::BOUNDARY;
use super::document_parse::parse_raw_document;
use super::gaad::RoleDetail;
use super::normalize::{Scope, Sink, attributes, ts};
use super::trust::{Truster, analyze};
use crate::model::*;

impl Scope<'_> {
    pub(super) fn role(&self, i: usize, r: &RoleDetail<'_>, out: &mut Sink<'_, '_>) {
        let arn = Text::from(if r.arn.is_empty() {
            format!(
                "arn:aws:iam::{}:role{}{}",
                self.account, r.path, r.role_name
            )
        } else {
            r.arn.clone()
        });
        let base = format!("/RoleDetailList/{i}");
        let mut attributes = attributes(&r.path, &r.tags, &mut out.memo.texts);
        let service_linked = r.path.starts_with("/aws-service-role/");
        let last_used = r
            .role_last_used
            .as_ref()
            .and_then(|l| ts(&l.last_used_date));
        let trust_ev = self.ev(format!("{base}/AssumeRolePolicyDocument"));
        let mut trust_text = Vec::new();
        match parse_raw_document(r.assume_role_policy_document) {
            Err(e) => trust_text.push(format!("unreadable trust policy: {e}")),
            Ok(doc) => {
                for (n, t) in analyze(&doc, &self.account).into_iter().enumerate() {
                    let describe = t.truster.describe();
                    let ev = out.memo.with_excerpt(
                        trust_ev.clone(),
                        format!("Statement[{}]: {describe}", t.statement),
                    );
                    trust_text.push(describe);
                    if let Truster::Oidc { provider, .. } = &t.truster {
                        let (subjects, matching) =
                            super::trust::oidc_subjects(&doc, t.statement, provider);
                        out.inv.federations.push(Federation {
                            boundary: BOUNDARY,
                            scope: self.account.to_string(),
                            identity: arn.to_string(),
                            issuer: format!("https://{}", provider.trim_end_matches('/')),
                            subjects,
                            matching,
                            evidence: vec![ev.clone()],
                        });
                    }
                    let kind = match &t.truster {
                        Truster::Oidc { .. } => "federated-trust",
                        Truster::Saml(_) => "saml-trust",
                        Truster::Service(_) => "service-trust",
                        _ => "role-trust",
                    };
                    out.inv.credentials.push(Credential {
                        id: format!("{arn}#trust/{n}"),
                        identity: arn.clone(),
                        kind: kind.into(),
                        status: "active".into(),
                        lifetime: CredentialLifetime::Ephemeral,
                        created_at: None,
                        last_used: None,
                        expires_at: None,
                        evidence: vec![ev.clone()],
                    });
                    if !service_linked {
                        self.trust_signal(&arn, &r.role_name, &t.truster, ev, out);
                    }
                }
            }
        }
        attributes.insert(
            arcstr::literal!("trust"),
            out.memo.texts.take(trust_text.join("; ")),
        );
        if service_linked {
            attributes.insert(
                "note".into(),
                "service-linked role: managed by AWS, its permissions are not assessed".into(),
            );
        }
        out.inv.identities.push(Identity {
            id: arn.clone(),
            name: r.role_name.clone(),
            boundary: BOUNDARY,
            scope: self.account.clone(),
            kind: "iam-role".into(),
            created_at: ts(&r.create_date),
            last_used,
            attributes,
            evidence: vec![self.ev(base.clone())],
        });
        if service_linked {
            return;
        }
        self.stale_role(&arn, r, &base, out);
        let mut ents: Vec<_> = self
            .inline(&format!("{base}/RolePolicyList"), &r.role_policy_list)
            .collect();
        for (j, a) in r.attached_managed_policies.iter().enumerate() {
            ents.push(self.managed(
                "",
                &a.policy_arn,
                format!("{base}/AttachedManagedPolicies/{j}"),
            ));
        }
        let lifetime = (
            CredentialLifetime::Ephemeral,
            Decision::new(
                "aws.lifetime.sts-session",
                "role credentials are STS sessions (1 h by default, 12 h at most)",
            ),
        );
        self.paths(&arn, &ents, lifetime, out);
    }

    fn stale_role(&self, arn: &Text, r: &RoleDetail<'_>, base: &str, out: &mut Sink<'_, '_>) {
        let Some(lu) = &r.role_last_used else { return }; // not in the document: unknown, not stale
        let (now, stale) = (self.ctx.now, self.ctx.policy.stale_after);
        let message = match (ts(&lu.last_used_date), ts(&r.create_date)) {
            (Some(d), _) if now - d > stale => format!(
                "role {} last used {} ({} days ago)",
                r.role_name,
                d.format("%Y-%m-%d"),
                (now - d).num_days()
            ),
            (None, Some(c)) if now - c > stale => format!(
                "role {} has no recorded use since it was created {}",
                r.role_name,
                c.format("%Y-%m-%d")
            ),
            _ => return,
        };
        out.inv.signals.push(Signal {
            kind: "aws-unused-role".into(),
            boundary: BOUNDARY,
            scope: self.account.clone(),
            identity: arn.into(),
            entitlement: (String::new()).into(),
            target: self.account.clone(),
            message,
            revocation: None,
            severity: None,
            at: None,
            evidence: vec![self.ev(format!("{base}/RoleLastUsed"))],
        });
    }
}
