//! What one Allow statement grants: the strongest tier of its actions (see `privilege.rs`),
//! or nothing, when unconditional Denies remove them all or it only names AWS-managed policies.

use super::document::{Effect, Statement};
use super::privilege::{TierCache, covers, wildcard_match};
use crate::model::Privilege;

/// What one Allow statement grants.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Grant {
    /// The strongest tier it grants, and why.
    Tier(Privilege, String),
    /// Nothing: every action it allows is removed by an unconditional Deny.
    Denied,
    /// Nothing: the only resources it names are AWS-managed policies, which only AWS can change.
    Inert,
}

/// Does a Deny action pattern remove every action?
pub(crate) fn denies_everything(denies: &[&str]) -> bool {
    denies.iter().any(|d| *d == "*" || *d == "*:*")
}

/// `arn:<partition>:iam::aws:policy/…`: an AWS-managed policy. Account `aws` exists for
/// nothing else, and no one but AWS can create, change or delete those policies.
fn names_aws_managed_policy(resource: &str) -> bool {
    let mut part = resource.splitn(6, ':');
    let mut next = || part.next().unwrap_or_default();
    let (arn, _partition, service, region, account, rest) =
        (next(), next(), next(), next(), next(), next());
    arn == "arn"
        && service.eq_ignore_ascii_case("iam")
        && region.is_empty()
        && account == "aws"
        && rest.starts_with("policy/")
}

/// The strongest tier an Allow statement grants, minus unconditional denies.
pub(crate) fn statement_tier(s: &Statement, denies: &[&str], tiers: &mut TierCache<'_>) -> Grant {
    debug_assert_eq!(s.effect, Effect::Allow);
    let any_resource = s.not_resource || s.resources.iter().any(|r| r == "*");
    // Actions on AWS-managed policies can read them; every change is refused by AWS.
    let aws_managed_only = !s.not_resource
        && !s.resources.is_empty()
        && s.resources.iter().all(|r| names_aws_managed_policy(r));
    if let Some(not) = &s.not_actions {
        // Allow + NotAction grants everything except the listed actions.
        if denies_everything(denies) {
            return Grant::Denied;
        }
        if aws_managed_only {
            return Grant::Tier(
                Privilege::Read,
                format!(
                    "`NotAction` allows every action except {} on AWS-managed policies only, which only AWS can change",
                    not.join(", ")
                ),
            );
        }
        let keeps_iam = !not
            .iter()
            .any(|n| covers(n, "iam:PassRole") && covers(n, "iam:PutRolePolicy"));
        return if keeps_iam {
            Grant::Tier(
                Privilege::Admin,
                format!("`NotAction` allows every action except {}", not.join(", ")),
            )
        } else {
            Grant::Tier(
                Privilege::Write,
                format!(
                    "`NotAction` allows every action except {} (IAM excluded)",
                    not.join(", ")
                ),
            )
        };
    }
    // The first action of the highest tier.
    let mut best: Option<(Privilege, String)> = None;
    let mut denied = false;
    for a in &s.actions {
        if denies.iter().any(|d| wildcard_match(d, a)) {
            denied = true;
            continue;
        }
        let t = tiers.tier(a, any_resource);
        let t = if aws_managed_only && t.0 != Privilege::Read {
            if !a.contains(['*', '?']) {
                continue; // a change to an AWS-managed policy: refused, grants nothing
            }
            (
                Privilege::Read,
                format!("`{a}` on AWS-managed policies only: only AWS can change them"),
            )
        } else {
            t.clone()
        };
        if best.as_ref().is_none_or(|b| t.0.rank() > b.0.rank()) {
            best = Some(t);
        }
    }
    match best {
        Some((tier, why)) => Grant::Tier(tier, why),
        None if denied => Grant::Denied,
        None => Grant::Inert,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> crate::scan::aws::AwsCatalogue {
        crate::scan::registry::embedded_rules()
            .unwrap()
            .catalogue("aws")
            .unwrap()
    }

    fn grant(stmt: serde_json::Value, denies: &[&str]) -> Grant {
        let doc = crate::scan::aws::document_parse::parse_document(
            &serde_json::json!({"Statement": [stmt]}),
        )
        .unwrap();
        let c = cat();
        statement_tier(&doc.statements[0], denies, &mut TierCache::new(&c))
    }

    #[test]
    fn changes_to_aws_managed_policies_grant_nothing() {
        use serde_json::json;
        let on = |action: &str, resource: &str| {
            grant(
                json!({"Effect": "Allow", "Action": action, "Resource": resource}),
                &[],
            )
        };
        let aws = "arn:aws:iam::aws:policy/AdministratorAccess";
        assert_eq!(on("iam:CreatePolicyVersion", aws), Grant::Inert);
        assert_eq!(
            on(
                "iam:SetDefaultPolicyVersion",
                "arn:aws-us-gov:iam::aws:policy/*"
            ),
            Grant::Inert
        );
        assert!(matches!(on("iam:*", aws), Grant::Tier(Privilege::Read, _)));
        assert!(matches!(
            on("iam:GetPolicy", aws),
            Grant::Tier(Privilege::Read, _)
        ));
        // The account's own policies, or any account's, stay admin.
        for own in [
            "arn:aws:iam::123456789012:policy/x",
            "arn:aws:iam::*:policy/*",
            "*",
        ] {
            assert!(
                matches!(
                    on("iam:CreatePolicyVersion", own),
                    Grant::Tier(Privilege::Admin, _)
                ),
                "{own}"
            );
        }
    }

    #[test]
    fn denied_statements_grant_nothing() {
        use serde_json::json;
        let s3 =
            json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"});
        assert_eq!(grant(s3.clone(), &["s3:*"]), Grant::Denied);
        assert!(matches!(
            grant(s3, &["s3:Get*"]),
            Grant::Tier(Privilege::Write, _)
        ));
        let not = json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"});
        assert_eq!(grant(not, &["*"]), Grant::Denied);
    }
}
