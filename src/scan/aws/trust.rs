//! Role trust policies: who can assume a role, and how tightly.

use super::document::{Effect, PolicyDoc, Statement};
use serde_json::Value;

/// One way into a role.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Truster {
    /// `*` or `{"AWS": "*"}`; `restricted` when a condition narrows it (org, account, external id).
    Anyone {
        restricted: bool,
    },
    Service(String),
    /// OIDC federation through `provider` with the state of its `sub` condition.
    Oidc {
        provider: String,
        sub: SubCondition,
    },
    Saml(String),
    SameAccount(String),
    CrossAccount {
        principal: String,
        account: String,
        external_id: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SubCondition {
    Missing,
    /// `StringLike` with a wildcard, or a `ForAllValues:` operator on a single-valued key.
    Wildcard(String),
    Exact(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Trust {
    pub statement: usize,
    pub truster: Truster,
}

impl Truster {
    /// Short text for reports: `oidc token.actions.githubusercontent.com sub=repo:acme/api:*`.
    pub fn describe(&self) -> String {
        match self {
            Truster::Anyone { restricted } => {
                format!(
                    "any principal{}",
                    if *restricted {
                        " (narrowed by conditions)"
                    } else {
                        ""
                    }
                )
            }
            Truster::Service(s) => format!("service {s}"),
            Truster::Oidc { provider, sub } => match sub {
                SubCondition::Missing => format!("oidc {provider} (no sub condition)"),
                SubCondition::Wildcard(v) | SubCondition::Exact(v) => {
                    format!("oidc {provider} sub={v}")
                }
            },
            Truster::Saml(p) => format!("saml {p}"),
            Truster::SameAccount(p) => format!("same account {p}"),
            Truster::CrossAccount {
                principal,
                external_id,
                ..
            } => {
                format!(
                    "account {principal}{}",
                    if *external_id {
                        " with sts:ExternalId"
                    } else {
                        ""
                    }
                )
            }
        }
    }
}

pub(crate) fn account_of(principal: &str) -> Option<String> {
    if principal.len() == 12 && principal.chars().all(|c| c.is_ascii_digit()) {
        return Some(principal.to_string());
    }
    let mut parts = principal.split(':');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("arn"), Some(_), Some(_), Some(_), Some(acct)) if !acct.is_empty() => {
            Some(acct.to_string())
        }
        _ => None,
    }
}

fn has_key(s: &Statement, key: &str) -> bool {
    s.conditions.iter().any(|c| c.key.eq_ignore_ascii_case(key))
}

fn sub_condition(s: &Statement, provider: &str) -> SubCondition {
    let key = format!("{provider}:sub");
    let mut found = SubCondition::Missing;
    for c in s
        .conditions
        .iter()
        .filter(|c| c.key.eq_ignore_ascii_case(&key))
    {
        let joined = c.values.join(",");
        let broad = c.operator.starts_with("ForAllValues:")
            || (c.operator.contains("Like")
                && c.values.iter().any(|v| v.contains('*') || v.contains('?')));
        if broad {
            return SubCondition::Wildcard(joined);
        }
        found = SubCondition::Exact(joined);
    }
    found
}

/// The subjects statement `statement` accepts for OIDC `provider`, and how they are
/// compared, for the bridges from the issuer's boundary. Every condition must hold, so an
/// exact one narrows more than a pattern; negated operators pin nothing.
pub(crate) fn oidc_subjects(
    doc: &PolicyDoc,
    statement: usize,
    provider: &str,
) -> (Vec<String>, crate::model::SubjectMatch) {
    use crate::model::SubjectMatch;
    let key = format!("{provider}:sub");
    let Some(s) = doc.statements.iter().find(|s| s.index == statement) else {
        return (Vec::new(), SubjectMatch::Any);
    };
    let mut best: Option<(Vec<String>, SubjectMatch)> = None;
    for c in s
        .conditions
        .iter()
        .filter(|c| c.key.eq_ignore_ascii_case(&key))
    {
        let op = c.operator.rsplit(':').next().unwrap_or(&c.operator);
        let op = op.strip_suffix("IfExists").unwrap_or(op);
        let matching = match op {
            "StringEquals" | "StringEqualsIgnoreCase" => SubjectMatch::Exact,
            "StringLike" => SubjectMatch::Glob,
            _ => continue,
        };
        if best.as_ref().is_none_or(|(_, m)| *m != SubjectMatch::Exact) {
            best = Some((c.values.clone(), matching));
        }
    }
    best.unwrap_or((Vec::new(), SubjectMatch::Any))
}

/// Every principal an Allow statement on `sts:AssumeRole*` lets in.
pub(crate) fn analyze(doc: &PolicyDoc, own_account: &str) -> Vec<Trust> {
    let mut out = Vec::new();
    for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let assumes = s
            .actions
            .iter()
            .any(|a| super::privilege::wildcard_match(a, "sts:AssumeRole"))
            || s.actions
                .iter()
                .any(|a| a.to_ascii_lowercase().starts_with("sts:assumerolewith"));
        if !assumes {
            continue;
        }
        let restricted = [
            "aws:PrincipalOrgID",
            "aws:PrincipalAccount",
            "aws:SourceAccount",
            "aws:PrincipalArn",
            "sts:ExternalId",
            "aws:SourceArn",
            "aws:PrincipalOrgPaths",
        ]
        .iter()
        .any(|k| has_key(s, k));
        let mut push = |truster| {
            out.push(Trust {
                statement: s.index,
                truster,
            })
        };
        match &s.principal {
            Some(Value::String(p)) if p == "*" => push(Truster::Anyone { restricted }),
            Some(Value::Object(map)) => {
                for (kind, v) in map {
                    let values =
                        super::document::string_list(v.clone(), "Principal").unwrap_or_default();
                    for p in values {
                        match kind.as_str() {
                            "AWS" if p == "*" => push(Truster::Anyone { restricted }),
                            "AWS" => match account_of(&p) {
                                Some(acct) if acct == own_account => {
                                    push(Truster::SameAccount(p.clone()))
                                }
                                Some(acct) => push(Truster::CrossAccount {
                                    principal: p.clone(),
                                    account: acct,
                                    external_id: has_key(s, "sts:ExternalId"),
                                }),
                                None => push(Truster::SameAccount(p.clone())),
                            },
                            "Service" => push(Truster::Service(p.clone())),
                            "Federated" => {
                                if let Some((_, provider)) = p.split_once(":oidc-provider/") {
                                    push(Truster::Oidc {
                                        provider: provider.to_string(),
                                        sub: sub_condition(s, provider),
                                    })
                                } else if p.contains(":saml-provider/") {
                                    push(Truster::Saml(p.clone()))
                                } else {
                                    // Web identity through a well-known provider (cognito, accounts.google.com…)
                                    push(Truster::Oidc {
                                        provider: p.clone(),
                                        sub: sub_condition(s, &p),
                                    })
                                }
                            }
                            _ => push(Truster::SameAccount(p.clone())),
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::aws::document_parse::parse_document;
    use serde_json::json;

    fn trust(doc: Value) -> Vec<Truster> {
        analyze(&parse_document(&doc).unwrap(), "111122223333")
            .into_iter()
            .map(|t| t.truster)
            .collect()
    }

    #[test]
    fn oidc_subjects() {
        let fed = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        let p = "token.actions.githubusercontent.com";
        let exact = trust(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Federated": fed}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/api:environment:prod"}}}]}),
        );
        assert_eq!(
            exact,
            vec![Truster::Oidc {
                provider: p.into(),
                sub: SubCondition::Exact("repo:acme/api:environment:prod".into())
            }]
        );
        let wild = trust(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Federated": fed}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}}}]}),
        );
        assert!(matches!(
            &wild[0],
            Truster::Oidc {
                sub: SubCondition::Wildcard(_),
                ..
            }
        ));
        let none = trust(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Federated": fed}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}),
        );
        assert!(matches!(
            &none[0],
            Truster::Oidc {
                sub: SubCondition::Missing,
                ..
            }
        ));
    }

    #[test]
    fn accounts_and_services() {
        let t = trust(json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::999988887777:root", "111122223333"], "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}]}));
        assert!(t.contains(&Truster::CrossAccount {
            principal: "arn:aws:iam::999988887777:root".into(),
            account: "999988887777".into(),
            external_id: false
        }));
        assert!(t.contains(&Truster::SameAccount("111122223333".into())));
        assert!(t.contains(&Truster::Service("lambda.amazonaws.com".into())));
        assert!(t.contains(&Truster::Anyone { restricted: false }));
        assert!(t.contains(&Truster::Anyone { restricted: true }));
    }
}
