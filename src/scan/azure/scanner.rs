//! Azure (Entra ID and Azure Resource Manager) as a [`Scanner`]: flags, config section,
//! documents, and normalization of a tenant together with its subscriptions.

use super::BOUNDARY;
use super::catalogue::AzureCatalogue;
use super::collect::{self, AzureOptions};
use super::raw::{ALLOWED_OPERATIONS, SUBSCRIPTION_DOCUMENTS, TENANT_DOCUMENTS};
use crate::model::Boundary;
use crate::rules::RuleSet;
use crate::scan::scanner::{
    BoxFuture, Context, DocumentSpec, Live, LiveTarget, Normalized, PlanError, RawScope, Scanner,
};
use clap::{ArgMatches, Args, FromArgMatches};
use serde::Deserialize;

pub struct AzureScanner;

pub static SCANNER: AzureScanner = AzureScanner;

/// Microsoft Graph and Azure Resource Manager in the public cloud.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
pub const DEFAULT_ARM_URL: &str = "https://management.azure.com";
pub const DEFAULT_AUTHORITY_URL: &str = "https://login.microsoftonline.com";

// Live Azure flags (no doc comment: it would become the command's about text).
#[derive(Debug, Clone, Default, Args)]
struct AzureFlags {
    /// Scan Azure: the Entra tenant and the subscriptions of the credential (client secret,
    /// workload identity, managed identity or Azure CLI; JITGAP_AZURE_TOKEN: a bearer token used as is).
    #[arg(long)]
    azure: bool,
    /// The Entra tenant id (implies --azure; default: the credential's).
    #[arg(long, value_name = "ID")]
    azure_tenant: Option<String>,
    /// A subscription to scan (repeatable; implies --azure; default: every subscription the credential lists).
    #[arg(long, value_name = "ID")]
    azure_subscription: Vec<String>,
    /// Microsoft Graph base URL (implies --azure) [default: https://graph.microsoft.com].
    #[arg(long, value_name = "URL")]
    azure_graph_url: Option<String>,
    /// Azure Resource Manager base URL (implies --azure) [default: https://management.azure.com].
    #[arg(long, value_name = "URL")]
    azure_arm_url: Option<String>,
    /// Entra authority `verify` tries client secrets against [default: https://login.microsoftonline.com].
    #[arg(long, value_name = "URL")]
    azure_authority_url: Option<String>,
}

/// `[sources.azure]` in jitgap.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AzureSection {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    subscriptions: Vec<String>,
    #[serde(default)]
    graph_url: Option<String>,
    #[serde(default)]
    arm_url: Option<String>,
    /// Read by [`authority_url`] for `verify`; listed so the section accepts it.
    #[serde(default)]
    #[allow(dead_code)]
    authority_url: Option<String>,
}

fn yes() -> bool {
    true
}

const DOCUMENTS: &[DocumentSpec] = &{
    const fn spec(name: &'static str) -> DocumentSpec {
        DocumentSpec {
            name,
            required: false,
        }
    }
    let mut out = [spec(""); TENANT_DOCUMENTS.len() + SUBSCRIPTION_DOCUMENTS.len()];
    let mut i = 0;
    while i < TENANT_DOCUMENTS.len() {
        out[i] = spec(TENANT_DOCUMENTS[i]);
        i += 1;
    }
    let mut j = 0;
    while j < SUBSCRIPTION_DOCUMENTS.len() {
        out[i + j] = spec(SUBSCRIPTION_DOCUMENTS[j]);
        j += 1;
    }
    out
};

pub(crate) const SIGNALS: &[&str] = &[
    "azure-credential-too-long",
    "azure-several-valid-secrets",
    "azure-expired-credential",
    "azure-federation-broad-subject",
    "azure-third-party-privileged",
    "azure-pim-removal",
    "azure-unused-service-principal",
];

/// The endpoints and the tenant a run reads; from flags, else `[sources.azure]`, else defaults.
fn options(
    flags: &ArgMatches,
    config: Option<&toml::Value>,
) -> Result<Option<AzureOptions>, PlanError> {
    let f = AzureFlags::from_arg_matches(flags).unwrap_or_default();
    let section: Option<AzureSection> = config
        .map(|v| v.clone().try_into())
        .transpose()
        .map_err(|e: toml::de::Error| PlanError(format!("[sources.azure]: {}", e.message())))?;
    let section = section.filter(|s| s.enabled);
    let wanted = f.azure
        || f.azure_tenant.is_some()
        || !f.azure_subscription.is_empty()
        || f.azure_graph_url.is_some()
        || f.azure_arm_url.is_some()
        || section.is_some();
    if !wanted {
        return Ok(None);
    }
    let s = section.unwrap_or_default();
    let pick = |flag: Option<String>, conf: Option<String>, default: &str| {
        flag.or(conf)
            .unwrap_or_else(|| default.to_string())
            .trim_end_matches('/')
            .to_string()
    };
    let opts = AzureOptions {
        tenant: f.azure_tenant.or(s.tenant),
        subscriptions: if f.azure_subscription.is_empty() {
            s.subscriptions
        } else {
            f.azure_subscription
        },
        graph_url: pick(f.azure_graph_url, s.graph_url, DEFAULT_GRAPH_URL),
        arm_url: pick(f.azure_arm_url, s.arm_url, DEFAULT_ARM_URL),
    };
    for (what, url) in [
        ("--azure-graph-url", &opts.graph_url),
        ("--azure-arm-url", &opts.arm_url),
    ] {
        crate::net::check_base_url(url).map_err(|e| PlanError(format!("{what} `{url}`: {e}")))?;
    }
    Ok(Some(opts))
}

/// The authority `verify` sends client-credential requests to (flag, config, default).
pub fn authority_url(flags: Option<&ArgMatches>, config: Option<&toml::Value>) -> String {
    let flag = flags.and_then(|f| {
        f.try_get_one::<String>("azure_authority_url")
            .ok()
            .flatten()
            .cloned()
    });
    let conf = config
        .and_then(|v| v.get("authority_url"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    flag.or(conf)
        .unwrap_or_else(|| DEFAULT_AUTHORITY_URL.to_string())
        .trim_end_matches('/')
        .to_string()
}

impl Scanner for AzureScanner {
    fn boundary(&self) -> Boundary {
        BOUNDARY
    }
    fn title(&self) -> &'static str {
        "Azure"
    }
    fn rules_file(&self) -> (&'static str, &'static str) {
        ("azure.toml", include_str!("../../../rules/azure.toml"))
    }
    fn check_rules(&self, rules: &RuleSet) -> Result<(), String> {
        rules
            .catalogue::<AzureCatalogue>("azure")
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn documents(&self) -> &'static [DocumentSpec] {
        DOCUMENTS
    }
    fn operations(&self) -> &'static [&'static str] {
        ALLOWED_OPERATIONS
    }
    fn signals(&self) -> &'static [&'static str] {
        SIGNALS
    }
    fn flags(&self, cmd: clap::Command) -> clap::Command {
        AzureFlags::augment_args(cmd)
    }
    fn config_template(&self) -> &'static str {
        "# [sources.azure]\n\
         # enabled = true                       # the tenant and subscriptions of the credential chain\n\
         # tenant = \"9e8d7c6b-5a49-4837-a261-0f1e2d3c4b5a\"\n\
         # subscriptions = [\"00000000-1111-2222-3333-444444444444\"]   # default: every one the credential lists\n\
         # graph_url = \"https://graph.microsoft.com\"\n\
         # arm_url = \"https://management.azure.com\"\n\
         # authority_url = \"https://login.microsoftonline.com\"   # where `scan --probe` tries client secrets\n"
    }
    fn live_targets(
        &self,
        flags: &ArgMatches,
        config: Option<&toml::Value>,
    ) -> Result<Vec<LiveTarget>, PlanError> {
        Ok(match options(flags, config)? {
            Some(opts) => collect::targets(opts),
            None => Vec::new(),
        })
    }
    fn list_scopes<'a>(
        &'a self,
        targets: Vec<LiveTarget>,
        live: &'a Live,
    ) -> BoxFuture<'a, Result<Vec<LiveTarget>, PlanError>> {
        Box::pin(collect::list_scopes(targets, live))
    }
    fn collect<'a>(&'a self, target: &'a LiveTarget, live: &'a Live) -> BoxFuture<'a, RawScope> {
        Box::pin(collect::collect(target, live))
    }
    /// A subscription is normalized against its tenant's directory: both go to one shard.
    fn target_shard_unit(&self, target: &LiveTarget) -> String {
        collect::tenant_of(target).unwrap_or_else(|| target.label.clone())
    }
    fn shard_unit(&self, raw: &RawScope) -> String {
        super::normalize::tenant_of(raw).unwrap_or_else(|| raw.scope.clone())
    }
    fn normalize(&self, raw: &RawScope, ctx: &Context<'_>) -> Normalized {
        super::normalize::normalize_scopes(&[raw], ctx)
            .into_iter()
            .next()
            .unwrap_or_default()
    }
    fn normalize_scopes(&self, raws: &[&RawScope], ctx: &Context<'_>) -> Vec<Normalized> {
        super::normalize::normalize_scopes(raws, ctx)
    }
}
