//! AWS raw documents → Inventory (pure).

use super::credentials::{UserCredentials, parse_access_keys, parse_credential_report};
use super::document::parse_document;
use super::entitlement::{Entitlement, Evaluated, Source, evaluate, unconditional_denies};
use super::gaad::{Gaad, InlinePolicy, ManagedPolicy, Tag};
use super::raw::AwsRaw;
use super::trust::{SubCondition, Truster, analyze};
use crate::classify::fingerprint;
use crate::model::*;
use crate::policy::Policy;
use crate::rules::AwsCatalogue;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

pub struct NormalizeContext<'a> {
    pub policy: &'a Policy,
    pub catalogue: &'a AwsCatalogue,
    pub now: DateTime<Utc>,
}

struct Scope<'a> {
    ctx: &'a NormalizeContext<'a>,
    account: String,
    source: String,
    inv: Inventory,
}

/// Normalize one AWS account. Errors in documents are recorded on the scope (`partial` or
/// `failed`) and returned too, so the caller can tell bad input from a failed call.
pub fn normalize(raw: &AwsRaw, ctx: &NormalizeContext<'_>) -> (Inventory, Vec<String>) {
    let mut errors = raw.errors.clone();
    let mut sources = Vec::new();
    let gaad = match &raw.authorization_details {
        None => {
            if errors.is_empty() {
                errors.push(
                    "no authorization-details document (aws iam get-account-authorization-details)"
                        .into(),
                );
            }
            None
        }
        Some(doc) => {
            sources.push(doc.source.clone());
            match serde_json::from_str::<Gaad>(&doc.text) {
                Ok(g) => Some(g),
                Err(e) => {
                    errors.push(format!(
                        "{}: line {} column {}: not a readable authorization-details document: {e}",
                        doc.source,
                        e.line(),
                        e.column()
                    ));
                    None
                }
            }
        }
    };
    let account = raw
        .scope_hint
        .clone()
        .or_else(|| gaad.as_ref().and_then(first_account))
        .unwrap_or_else(|| "unknown-account".into());
    let Some(gaad) = gaad else {
        let inv = Inventory {
            scopes: vec![ScopeStatus {
                boundary: Boundary::Aws,
                scope: account,
                status: ScopeState::Failed,
                errors: errors.clone(),
                sources,
            }],
            ..Default::default()
        };
        return (inv, errors);
    };
    if gaad.is_truncated == Some(true) {
        errors.push(format!(
            "{}: IsTruncated is true: the export holds one page only; export with the CLI (which pages) or `jitgap collect`",
            raw.authorization_details.as_ref().unwrap().source
        ));
    }
    let mut creds: Option<BTreeMap<String, UserCredentials>> = None;
    for (doc, parse) in [
        (&raw.access_keys, parse_access_keys as fn(&_, &mut _) -> _),
        (&raw.credential_report, parse_credential_report),
    ] {
        if let Some(doc) = doc {
            sources.push(doc.source.clone());
            let map = creds.get_or_insert_with(BTreeMap::new);
            if let Err(e) = parse(doc, map) {
                errors.push(e);
            }
        }
    }
    let mut scope = Scope {
        ctx,
        account: account.clone(),
        source: raw.authorization_details.as_ref().unwrap().source.clone(),
        inv: Inventory::default(),
    };
    let managed = ManagedIndex::new(&gaad);
    for (i, u) in gaad.user_detail_list.iter().enumerate() {
        scope.user(i, u, &gaad, &managed, creds.as_ref());
    }
    for (i, r) in gaad.role_detail_list.iter().enumerate() {
        scope.role(i, r, &managed);
    }
    let status = if errors.is_empty() {
        ScopeState::Complete
    } else {
        ScopeState::Partial
    };
    scope.inv.scopes.push(ScopeStatus {
        boundary: Boundary::Aws,
        scope: account,
        status,
        errors: errors.clone(),
        sources,
    });
    (scope.inv, errors)
}

fn first_account(g: &Gaad) -> Option<String> {
    g.user_detail_list
        .iter()
        .map(|u| u.arn.as_str())
        .chain(g.role_detail_list.iter().map(|r| r.arn.as_str()))
        .find_map(super::trust::account_of)
}

/// Managed policies of the export by ARN, with the pointer to their default version.
struct ManagedIndex<'a> {
    by_arn: HashMap<&'a str, (usize, &'a ManagedPolicy)>,
}

impl<'a> ManagedIndex<'a> {
    fn new(g: &'a Gaad) -> Self {
        ManagedIndex {
            by_arn: g
                .policies
                .iter()
                .enumerate()
                .map(|(i, p)| (p.arn.as_str(), (i, p)))
                .collect(),
        }
    }
}

fn tags_attr(tags: &[Tag], attrs: &mut BTreeMap<String, String>) {
    for t in tags {
        attrs.insert(format!("tag:{}", t.key), t.value.clone());
    }
}

fn ts(v: &Option<String>) -> Option<DateTime<Utc>> {
    v.as_deref().and_then(crate::time::parse_timestamp)
}

impl Scope<'_> {
    fn ev(&self, pointer: String) -> Evidence {
        Evidence::new(self.source.clone(), pointer)
    }

    fn inline<'p>(
        &self,
        prefix: &str,
        pointer: &str,
        list: &'p [InlinePolicy],
    ) -> Vec<Entitlement<'p>> {
        list.iter()
            .enumerate()
            .map(|(j, p)| Entitlement {
                name: format!("{prefix}inline:{}", p.policy_name),
                source: Source::Document {
                    value: &p.policy_document,
                    evidence: self.ev(format!("{pointer}/{j}/PolicyDocument")),
                    created: None,
                },
            })
            .collect()
    }

    fn managed<'p>(
        &self,
        prefix: &str,
        arn: &str,
        pointer: String,
        idx: &ManagedIndex<'p>,
    ) -> Entitlement<'p> {
        let name = format!("{prefix}{arn}");
        let short = arn.rsplit('/').next().unwrap_or(arn);
        let aws_managed = arn.contains(":iam::aws:policy/");
        let document = idx
            .by_arn
            .get(arn)
            .and_then(|(i, p)| p.default_version().map(|(v, version)| (*i, v, version, p)));
        // AWS-managed policies in the catalogue are tiered by the catalogue: their documents run to
        // thousands of actions whose verbs no heuristic reads reliably, and only AWS can change them.
        if aws_managed && let Some(tier) = self.ctx.catalogue.managed_policies.get(short) {
            let evidence = match &document {
                Some((i, v, ..)) => {
                    self.ev(format!("/Policies/{i}/PolicyVersionList/{v}/Document"))
                }
                None => self.ev(pointer),
            };
            return Entitlement {
                name,
                source: Source::Catalogue {
                    tier: *tier,
                    evidence,
                },
            };
        }
        if let Some((i, v, version, p)) = document {
            return Entitlement {
                name,
                source: Source::Document {
                    value: &version.document,
                    evidence: self.ev(format!("/Policies/{i}/PolicyVersionList/{v}/Document")),
                    created: ts(&version.create_date).or(ts(&p.update_date)),
                },
            };
        }
        Entitlement {
            name,
            source: Source::Missing {
                evidence: self.ev(pointer),
                why: format!(
                    "the document of `{arn}` is not in the snapshot{}",
                    if aws_managed {
                        " and the policy is not in the rules/aws.toml catalogue"
                    } else {
                        ""
                    }
                ),
            },
        }
    }

    fn user(
        &mut self,
        i: usize,
        u: &super::gaad::UserDetail,
        g: &Gaad,
        idx: &ManagedIndex<'_>,
        creds: Option<&BTreeMap<String, UserCredentials>>,
    ) {
        let arn = if u.arn.is_empty() {
            format!(
                "arn:aws:iam::{}:user{}{}",
                self.account, u.path, u.user_name
            )
        } else {
            u.arn.clone()
        };
        let base = format!("/UserDetailList/{i}");
        let mut ents = self.inline("", &format!("{base}/UserPolicyList"), &u.user_policy_list);
        for (j, a) in u.attached_managed_policies.iter().enumerate() {
            ents.push(self.managed(
                "",
                &a.policy_arn,
                format!("{base}/AttachedManagedPolicies/{j}"),
                idx,
            ));
        }
        for group in &u.group_list {
            if let Some((gi, gd)) = g
                .group_detail_list
                .iter()
                .enumerate()
                .find(|(_, gd)| &gd.group_name == group)
            {
                let prefix = format!("group:{group}/");
                ents.extend(self.inline(
                    &prefix,
                    &format!("/GroupDetailList/{gi}/GroupPolicyList"),
                    &gd.group_policy_list,
                ));
                for (j, a) in gd.attached_managed_policies.iter().enumerate() {
                    ents.push(self.managed(
                        &prefix,
                        &a.policy_arn,
                        format!("/GroupDetailList/{gi}/AttachedManagedPolicies/{j}"),
                        idx,
                    ));
                }
            }
        }
        let mut attributes = BTreeMap::from([("path".to_string(), u.path.clone())]);
        tags_attr(&u.tags, &mut attributes);
        let user_creds = creds.map(|c| c.get(&u.user_name).cloned().unwrap_or_default());
        let lifetime = self.user_lifetime(&arn, &u.user_name, user_creds.as_ref());
        let last_used = user_creds.as_ref().and_then(|c| {
            c.keys
                .iter()
                .filter_map(|k| k.last_used)
                .chain(c.password_last_used)
                .max()
        });
        self.inv.identities.push(Identity {
            id: arn.clone(),
            name: u.user_name.clone(),
            boundary: Boundary::Aws,
            scope: self.account.clone(),
            kind: "iam-user".into(),
            created_at: ts(&u.create_date),
            last_used,
            attributes,
            evidence: vec![self.ev(base)],
        });
        self.paths(&arn, &ents, lifetime);
    }

    /// Credential lifetime of a user's paths, plus the key records and key signals.
    fn user_lifetime(
        &mut self,
        arn: &str,
        name: &str,
        creds: Option<&UserCredentials>,
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
            self.inv.credentials.push(Credential {
                id: label.clone(),
                identity: arn.to_string(),
                kind: "access-key".into(),
                status: if k.active { "active" } else { "inactive" }.into(),
                lifetime: CredentialLifetime::LongLived,
                created_at: k.created,
                last_used: k.last_used,
                expires_at: None,
                evidence: vec![ev.clone()],
            });
            let mut signal = |kind: &str, message: String| {
                self.inv.signals.push(Signal {
                    kind: kind.into(),
                    boundary: Boundary::Aws,
                    scope: self.account.clone(),
                    identity: arn.to_string(),
                    entitlement: label.clone(),
                    target: self.account.clone(),
                    message,
                    revocation: None,
                    severity: None,
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
            self.inv.signals.push(Signal {
                kind: "aws-two-active-access-keys".into(),
                boundary: Boundary::Aws,
                scope: self.account.clone(),
                identity: arn.to_string(),
                entitlement: String::new(),
                target: self.account.clone(),
                message: format!("user {name} has {active} active access keys"),
                revocation: None,
                severity: None,
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

    fn role(&mut self, i: usize, r: &super::gaad::RoleDetail, idx: &ManagedIndex<'_>) {
        let arn = if r.arn.is_empty() {
            format!(
                "arn:aws:iam::{}:role{}{}",
                self.account, r.path, r.role_name
            )
        } else {
            r.arn.clone()
        };
        let base = format!("/RoleDetailList/{i}");
        let mut attributes = BTreeMap::from([("path".to_string(), r.path.clone())]);
        tags_attr(&r.tags, &mut attributes);
        let service_linked = r.path.starts_with("/aws-service-role/");
        let last_used = r
            .role_last_used
            .as_ref()
            .and_then(|l| ts(&l.last_used_date));
        let trust_ev = self.ev(format!("{base}/AssumeRolePolicyDocument"));
        let mut trust_text = Vec::new();
        match parse_document(&r.assume_role_policy_document) {
            Err(e) => trust_text.push(format!("unreadable trust policy: {e}")),
            Ok(doc) => {
                for (n, t) in analyze(&doc, &self.account).into_iter().enumerate() {
                    trust_text.push(t.truster.describe());
                    let ev = trust_ev.clone().with_excerpt(format!(
                        "Statement[{}]: {}",
                        t.statement,
                        t.truster.describe()
                    ));
                    let kind = match &t.truster {
                        Truster::Oidc { .. } => "federated-trust",
                        Truster::Saml(_) => "saml-trust",
                        Truster::Service(_) => "service-trust",
                        _ => "role-trust",
                    };
                    self.inv.credentials.push(Credential {
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
                        self.trust_signal(&arn, &r.role_name, &t.truster, ev);
                    }
                }
            }
        }
        attributes.insert("trust".into(), trust_text.join("; "));
        if service_linked {
            attributes.insert(
                "note".into(),
                "service-linked role: managed by AWS, its permissions are not assessed".into(),
            );
        }
        self.inv.identities.push(Identity {
            id: arn.clone(),
            name: r.role_name.clone(),
            boundary: Boundary::Aws,
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
        self.stale_role(&arn, r, &base);
        let mut ents = self.inline("", &format!("{base}/RolePolicyList"), &r.role_policy_list);
        for (j, a) in r.attached_managed_policies.iter().enumerate() {
            ents.push(self.managed(
                "",
                &a.policy_arn,
                format!("{base}/AttachedManagedPolicies/{j}"),
                idx,
            ));
        }
        let lifetime = (
            CredentialLifetime::Ephemeral,
            Decision::new(
                "aws.lifetime.sts-session",
                "role credentials are STS sessions (1 h by default, 12 h at most)",
            ),
        );
        self.paths(&arn, &ents, lifetime);
    }

    fn stale_role(&mut self, arn: &str, r: &super::gaad::RoleDetail, base: &str) {
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
        self.inv.signals.push(Signal {
            kind: "aws-unused-role".into(),
            boundary: Boundary::Aws,
            scope: self.account.clone(),
            identity: arn.to_string(),
            entitlement: String::new(),
            target: self.account.clone(),
            message,
            revocation: None,
            severity: None,
            evidence: vec![self.ev(format!("{base}/RoleLastUsed"))],
        });
    }

    fn trust_signal(&mut self, arn: &str, role: &str, t: &Truster, ev: Evidence) {
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
        self.inv.signals.push(Signal {
            kind: kind.into(),
            boundary: Boundary::Aws,
            scope: self.account.clone(),
            identity: arn.to_string(),
            entitlement,
            target: self.account.clone(),
            message,
            revocation: None,
            severity: None,
            evidence: vec![ev],
        });
    }

    /// Evaluate the entitlements of one identity into access paths and signals.
    fn paths(
        &mut self,
        arn: &str,
        ents: &[Entitlement<'_>],
        lifetime: (CredentialLifetime, Decision),
    ) {
        let denies: Vec<String> = ents
            .iter()
            .filter_map(|e| match &e.source {
                Source::Document { value, .. } => parse_document(value).ok(),
                _ => None,
            })
            .flat_map(|d| unconditional_denies(&d))
            .collect();
        for ent in ents {
            let Evaluated {
                live,
                expired,
                evidence,
                token_issue_denies,
            } = evaluate(
                ent,
                &denies,
                self.ctx.catalogue,
                self.ctx.policy,
                self.ctx.now,
            );
            for w in expired {
                self.inv.signals.push(Signal {
                    kind: "aws-expired-time-window".into(),
                    boundary: Boundary::Aws,
                    scope: self.account.clone(),
                    identity: arn.to_string(),
                    entitlement: ent.name.clone(),
                    target: self.account.clone(),
                    message: format!("{} Statement[{}]: its aws:CurrentTime window ended {}, but the policy is still attached", ent.name, w.statement, w.ended.to_rfc3339()),
                    revocation: None,
 severity: None,
                    evidence: vec![evidence.clone()],
                });
            }
            if let Some(t) = token_issue_denies.into_iter().max() {
                self.inv.signals.push(Signal {
                    kind: "aws-sessions-revoked".into(),
                    boundary: Boundary::Aws,
                    scope: self.account.clone(),
                    identity: arn.to_string(),
                    entitlement: ent.name.clone(),
                    target: self.account.clone(),
                    message: format!(
                        "sessions issued before {} are denied by {}",
                        t.to_rfc3339(),
                        ent.name
                    ),
                    revocation: Some(Revocation::Effective),
                    severity: None,
                    evidence: vec![evidence.clone()],
                });
            }
            let Some(live) = live else { continue };
            let target = self.account.clone();
            self.inv.access_paths.push(AccessPath {
                id: fingerprint(&["aws", &self.account, arn, &ent.name, &target]),
                identity: arn.to_string(),
                boundary: Boundary::Aws,
                scope: self.account.clone(),
                entitlement: ent.name.clone(),
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
    }
}
