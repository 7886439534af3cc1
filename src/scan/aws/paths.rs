//! One identity's entitlements → its access paths, and the signals they raise.

use super::BOUNDARY;
use super::entitlement::{Entitlement, Evaluated, Source, evaluate, unconditional_denies};
use super::normalize::{Scope, Sink};
use crate::classify::fingerprint;
use crate::model::*;

impl Scope<'_> {
    /// Evaluate the entitlements of one identity into access paths and signals.
    pub(super) fn paths(
        &self,
        arn: &Text,
        ents: &[Entitlement<'_>],
        lifetime: (CredentialLifetime, Decision),
        out: &mut Sink<'_, '_>,
    ) {
        // Each document was parsed once, when the entitlement was listed.
        let denies: Vec<&str> = ents
            .iter()
            .filter_map(|e| match &e.source {
                Source::Document { doc, .. } => (**doc).as_ref().ok(),
                _ => None,
            })
            .flat_map(unconditional_denies)
            .collect();
        let mut denied_entirely = Vec::new();
        for ent in ents {
            let Evaluated {
                live,
                expired,
                mut evidence,
                token_issue_denies,
                denied_entirely: denied,
            } = evaluate(
                ent,
                &denies,
                &mut out.memo.tiers,
                self.ctx.policy,
                self.ctx.now,
            );
            // A managed policy's name and document pointer are the same on every identity
            // it is attached to: one copy each.
            let name = out.memo.texts.get(&ent.name);
            if ent.shared() {
                evidence.pointer = out.memo.texts.get(&evidence.pointer);
            }
            for w in expired {
                out.inv.signals.push(Signal {
                    kind: "aws-expired-time-window".into(),
                    boundary: BOUNDARY,
                    scope: self.account.clone(),
                    identity: arn.into(),
                    entitlement: name.clone(),
                    target: self.account.clone(),
                    message: format!("{} Statement[{}]: its aws:CurrentTime window ended {}, but the policy is still attached", ent.name, w.statement, w.ended.to_rfc3339()),
                    revocation: None,
                    severity: None,
                    at: None,
                    evidence: vec![evidence.clone()],
                });
            }
            if let Some(t) = token_issue_denies.into_iter().max() {
                out.inv.signals.push(Signal {
                    kind: "aws-sessions-revoked".into(),
                    boundary: BOUNDARY,
                    scope: self.account.clone(),
                    identity: arn.into(),
                    entitlement: name.clone(),
                    target: self.account.clone(),
                    message: format!(
                        "sessions issued before {} are denied by {}",
                        t.to_rfc3339(),
                        ent.name
                    ),
                    revocation: Some(Revocation::Effective),
                    severity: None,
                    at: Some(t),
                    evidence: vec![evidence.clone()],
                });
            }
            if denied {
                denied_entirely.push(ent.name.as_str());
            }
            let Some(live) = live else { continue };
            let target = self.account.clone();
            out.inv.access_paths.push(AccessPath {
                id: (fingerprint(&["aws", &self.account, arn, &ent.name, &target])).into(),
                identity: arn.into(),
                boundary: BOUNDARY,
                scope: self.account.clone(),
                entitlement: name,
                target,
                privilege: live.privilege,
                enforcement: live.enforcement,
                credential_lifetime: lifetime.0,
                window: live.window,
                basis: Basis {
                    privilege: live.privilege_basis,
                    enforcement: live.enforcement_basis,
                    credential_lifetime: lifetime.1.clone(),
                },
                evidence: vec![evidence],
            });
        }
        // No path for them, like any entitlement that grants nothing; the reviewer sees why.
        if !denied_entirely.is_empty()
            && let Some(identity) = out.inv.identities.last_mut().filter(|i| i.id == *arn)
        {
            identity.attributes.insert(
                "denied-entirely".into(),
                (denied_entirely.join(", ")).into(),
            );
        }
    }
}
