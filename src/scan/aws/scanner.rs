//! AWS IAM as a [`Scanner`]: flags, config section, documents, and what remains after a grant.

use super::BOUNDARY;
use super::catalogue::AwsCatalogue;
use super::collect::{self, AwsLiveOptions};
use super::raw::{
    ACCESS_KEYS, ALL_OPERATIONS, AUTHORIZATION_DETAILS, CREDENTIAL_REPORT, ORGANIZATION,
};
use super::{NormalizeContext, normalize};
use crate::model::{AccessPath, Boundary, Identity, Inventory};
use crate::rules::RuleSet;
use crate::scan::scanner::{
    BoxFuture, Context, DocumentSpec, Ended, Live, LiveTarget, Normalized, PlanError, RawScope,
    Residual, Scanner, still_attached,
};
use chrono::Duration;
use clap::{ArgMatches, Args, FromArgMatches};
use serde::Deserialize;

/// Role sessions already issued live this long at most (the STS maximum).
pub(crate) const MAX_STS_SESSION_HOURS: i64 = 12;

pub struct AwsScanner;

pub static SCANNER: AwsScanner = AwsScanner;

// Live AWS flags (no doc comment: it would become the command's about text).
#[derive(Debug, Clone, Default, Args)]
struct AwsFlags {
    /// Scan the AWS account of the default credential chain (AWS_PROFILE, AWS_* variables, SSO, IMDS…).
    #[arg(long)]
    aws: bool,
    /// AWS endpoint override (implies --aws); AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL")]
    aws_endpoint_url: Option<String>,
    /// AWS named profile (implies --aws).
    #[arg(long, value_name = "NAME")]
    aws_profile: Option<String>,
    /// Scan every active account of the AWS organization (implies --aws): list them
    /// (organizations:ListAccounts) from the management or a delegated-admin account and assume
    /// --aws-member-role in each (sts:AssumeRole, session `jitgap`, 15 minutes).
    #[arg(long)]
    aws_organization: bool,
    /// The role assumed in each member account [default: OrganizationAccountAccessRole].
    #[arg(long, value_name = "NAME")]
    aws_member_role: Option<String>,
}

/// `[sources.aws]` in jitgap.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AwsSection {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    endpoint_url: Option<String>,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    organization: bool,
    #[serde(default)]
    member_role: Option<String>,
}

fn yes() -> bool {
    true
}

const DOCUMENTS: &[DocumentSpec] = &[
    DocumentSpec {
        name: AUTHORIZATION_DETAILS,
        required: true,
    },
    DocumentSpec {
        name: CREDENTIAL_REPORT,
        required: false,
    },
    DocumentSpec {
        name: ACCESS_KEYS,
        required: false,
    },
    DocumentSpec {
        name: ORGANIZATION,
        required: false,
    },
];

const SIGNALS: &[&str] = &[
    "aws-access-key-too-old",
    "aws-access-key-unused",
    "aws-two-active-access-keys",
    "aws-inactive-access-key",
    "aws-oidc-trust-without-sub",
    "aws-oidc-trust-wildcard-sub",
    "aws-cross-account-trust-without-external-id",
    "aws-cross-account-trust",
    "aws-wildcard-principal-trust",
    "aws-expired-time-window",
    "aws-unused-role",
    "aws-sessions-revoked",
];

/// An account id is twelve digits; any other directory name says nothing about the account.
fn account_id(name: &str) -> Option<String> {
    (name.len() == 12 && name.chars().all(|c| c.is_ascii_digit())).then(|| name.to_string())
}

/// Does this JSON text look like an authorization-details export? (sniffs the start only)
pub(crate) fn looks_like_gaad(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    [
        "\"UserDetailList\"",
        "\"RoleDetailList\"",
        "\"GroupDetailList\"",
        "\"Policies\"",
    ]
    .iter()
    .any(|k| head.contains(k))
}

impl Scanner for AwsScanner {
    fn boundary(&self) -> Boundary {
        BOUNDARY
    }
    fn title(&self) -> &'static str {
        "AWS"
    }
    fn rules_file(&self) -> (&'static str, &'static str) {
        ("aws.toml", include_str!("../../../rules/aws.toml"))
    }
    fn check_rules(&self, rules: &RuleSet) -> Result<(), String> {
        rules
            .catalogue::<AwsCatalogue>("aws")
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn documents(&self) -> &'static [DocumentSpec] {
        DOCUMENTS
    }
    fn operations(&self) -> &'static [&'static str] {
        ALL_OPERATIONS
    }
    fn signals(&self) -> &'static [&'static str] {
        SIGNALS
    }
    fn flags(&self, cmd: clap::Command) -> clap::Command {
        AwsFlags::augment_args(cmd)
    }
    fn config_template(&self) -> &'static str {
        "# [sources.aws]\n\
         # enabled = true                       # scan the account of the default credential chain\n\
         # profile = \"security-audit\"           # a named profile instead\n\
         # endpoint_url = \"http://127.0.0.1:5000\"\n\
         # organization = true                  # every active account of the organization\n\
         # member_role = \"OrganizationAccountAccessRole\"   # assumed in each member account\n"
    }
    fn live_targets(
        &self,
        flags: &ArgMatches,
        config: Option<&toml::Value>,
    ) -> Result<Vec<LiveTarget>, PlanError> {
        let f = AwsFlags::from_arg_matches(flags).unwrap_or_default();
        let section: Option<AwsSection> = config
            .map(|v| v.clone().try_into())
            .transpose()
            .map_err(|e: toml::de::Error| PlanError(format!("[sources.aws]: {}", e.message())))?;
        let section = section.filter(|s| s.enabled);
        let organization = f.aws_organization || section.as_ref().is_some_and(|s| s.organization);
        let wanted = f.aws
            || f.aws_endpoint_url.is_some()
            || f.aws_profile.is_some()
            || organization
            || section.is_some();
        if !wanted {
            return Ok(Vec::new());
        }
        let opts = AwsLiveOptions {
            endpoint_url: f
                .aws_endpoint_url
                .or_else(|| section.as_ref().and_then(|s| s.endpoint_url.clone())),
            profile: f
                .aws_profile
                .or_else(|| section.as_ref().and_then(|s| s.profile.clone())),
            organization,
            member_role: f
                .aws_member_role
                .or_else(|| section.as_ref().and_then(|s| s.member_role.clone()))
                .unwrap_or_else(|| super::organization::DEFAULT_MEMBER_ROLE.to_string()),
            member: None,
        };
        if opts.member_role.is_empty() || opts.member_role.contains([':', '/']) {
            return Err(PlanError(format!(
                "--aws-member-role `{}`: a role name (e.g. OrganizationAccountAccessRole), not a path or an ARN",
                opts.member_role
            )));
        }
        if opts.organization {
            return Ok(vec![LiveTarget::new("organization", opts)]);
        }
        let label = match (&opts.profile, &opts.endpoint_url) {
            (_, Some(url)) => format!("IAM at {url}"),
            (Some(p), None) => format!("IAM (profile {p})"),
            (None, None) => "IAM".to_string(),
        };
        Ok(vec![LiveTarget::new(label, opts)])
    }
    fn list_scopes<'a>(
        &'a self,
        targets: Vec<LiveTarget>,
        _live: &'a Live,
    ) -> BoxFuture<'a, Result<Vec<LiveTarget>, PlanError>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for t in targets {
                match t.spec::<AwsLiveOptions>() {
                    Some(opts) if opts.organization => {
                        out.extend(super::organization::members(opts).await?)
                    }
                    _ => out.push(t),
                }
            }
            Ok(out)
        })
    }
    fn target_shard_unit(&self, target: &LiveTarget) -> String {
        target
            .spec::<AwsLiveOptions>()
            .and_then(|o| o.member.as_ref())
            .map(|m| m.account.clone())
            .unwrap_or_else(|| target.label.clone())
    }
    fn collect<'a>(&'a self, target: &'a LiveTarget, _live: &'a Live) -> BoxFuture<'a, RawScope> {
        Box::pin(async move {
            match target.spec_or_failed::<AwsLiveOptions>(BOUNDARY) {
                Ok(opts) => collect::collect(opts).await,
                Err(failed) => failed,
            }
        })
    }
    fn normalize(&self, raw: &RawScope, ctx: &Context<'_>) -> Normalized {
        let catalogue = ctx
            .rules
            .catalogue::<AwsCatalogue>("aws")
            .unwrap_or_default();
        let nctx = NormalizeContext {
            policy: ctx.policy,
            catalogue: &catalogue,
            now: ctx.now,
        };
        let (inventory, errors) = normalize(raw, account_id(&raw.scope), &nctx);
        Normalized { inventory, errors }
    }
    fn accepts_file(&self, name: &str, text: &str) -> Option<&'static str> {
        (name.ends_with(".json") && looks_like_gaad(text)).then_some(AUTHORIZATION_DETAILS)
    }
    fn lone_file(&self) -> Option<&'static str> {
        Some(
            "an AWS authorization-details export (no UserDetailList, RoleDetailList or Policies key; \
             the JSON of `aws iam get-account-authorization-details`)",
        )
    }
    fn check_document(&self, name: &str, text: &str) -> Result<(), String> {
        if name == AUTHORIZATION_DETAILS && !looks_like_gaad(text) && !text.trim().is_empty() {
            return Err("not an AWS authorization-details export (no UserDetailList, RoleDetailList or Policies key)".into());
        }
        Ok(())
    }
    fn residual_access(
        &self,
        ended: &Ended<'_>,
        identity: &Identity,
        covered: &[&AccessPath],
        inv: &Inventory,
    ) -> Vec<Residual> {
        if !covered.is_empty() {
            return still_attached(covered);
        }
        // Access to assume the role ended, but sessions already issued live on unless a
        // TokenIssueTime deny covers them.
        if !ended.entitlement.is_empty()
            || ended.now - ended.end >= Duration::hours(MAX_STS_SESSION_HOURS)
        {
            return Vec::new();
        }
        let denied = inv.signals.iter().any(|s| {
            s.identity == identity.id
                && s.kind == "aws-sessions-revoked"
                && s.at.is_some_and(|t| t >= ended.end)
        });
        if denied {
            return Vec::new();
        }
        vec![Residual {
            reason: format!(
                "no aws:TokenIssueTime deny covers sessions issued before {}: they stay valid up to {MAX_STS_SESSION_HOURS} h",
                crate::time::fmt_utc(ended.end)
            ),
            evidence: identity.evidence.clone(),
        }]
    }
}
