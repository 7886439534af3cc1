//! Signals about the way into a role: anyone, OIDC without a pinned subject, other accounts.

use super::BOUNDARY;
use super::normalize::{Scope, Sink};
use super::trust::{SubCondition, Truster};
use crate::model::*;

impl Scope<'_> {
    pub(super) fn trust_signal(
        &self,
        arn: &Text,
        role: &str,
        t: &Truster,
        ev: Evidence,
        out: &mut Sink<'_, '_>,
    ) {
        let (kind, message) = match t {
            Truster::Anyone { restricted: false } => (
                "aws-wildcard-principal-trust",
                format!("role {role} can be assumed by any principal"),
            ),
            Truster::Oidc {
                provider,
                sub: SubCondition::Missing,
            } => (
                "aws-oidc-trust-without-sub",
                format!("role {role} trusts OIDC provider {provider} without a sub condition"),
            ),
            Truster::Oidc {
                provider,
                sub: SubCondition::Wildcard(v),
            } => (
                "aws-oidc-trust-wildcard-sub",
                format!(
                    "role {role} trusts OIDC provider {provider} for any subject matching `{v}`"
                ),
            ),
            Truster::CrossAccount {
                principal,
                external_id: false,
                ..
            } => (
                "aws-cross-account-trust-without-external-id",
                format!("role {role} trusts {principal} without sts:ExternalId"),
            ),
            Truster::CrossAccount {
                principal,
                external_id: true,
                ..
            } => (
                "aws-cross-account-trust",
                format!("role {role} can be assumed from {principal} (with sts:ExternalId)"),
            ),
            _ => return,
        };
        let entitlement = match t {
            Truster::CrossAccount { principal, .. } => principal.clone(),
            Truster::Oidc { provider, .. } => provider.clone(),
            _ => "trust".into(),
        };
        out.inv.signals.push(Signal {
            kind: kind.into(),
            boundary: BOUNDARY,
            scope: self.account.clone(),
            identity: arn.into(),
            entitlement: entitlement.into(),
            target: self.account.clone(),
            message,
            revocation: None,
            severity: None,
            at: None,
            evidence: vec![ev],
        });
    }
}
