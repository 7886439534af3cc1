//! Kubernetes as a [`Scanner`]: flags, config section, documents, normalization of clusters,
//! and the workload identity bridges into the clouds scanned in the same run.

use super::BOUNDARY;
use super::catalogue::KubeCatalogue;
use super::collect::{self, KubeTarget};
use super::raw::{ALLOWED_OPERATIONS, CLUSTER, DOCUMENTS as DOCUMENT_NAMES};
use super::shapes::Settings;
use crate::model::{Boundary, Inventory};
use crate::rules::RuleSet;
use crate::scan::scanner::{
    BoxFuture, Context, DocumentSpec, Live, LiveTarget, Normalized, PlanError, RawScope, Scanner,
};
use clap::{ArgMatches, Args, FromArgMatches};
use serde::Deserialize;
use std::path::PathBuf;

pub struct KubeScanner;

pub static SCANNER: KubeScanner = KubeScanner;

// Live Kubernetes flags (no doc comment: it would become the command's about text).
#[derive(Debug, Clone, Default, Args)]
struct KubeFlags {
    /// Scan the kubeconfig's current context (credentials as kubectl uses them: tokens,
    /// client certificates, exec plugins).
    #[arg(long)]
    kubernetes: bool,
    /// A kubeconfig context to scan (repeatable; each is a cluster scope; implies --kubernetes).
    #[arg(long, value_name = "NAME")]
    kube_context: Vec<String>,
    /// The kubeconfig file [default: KUBECONFIG, then ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
}

/// `[sources.kubernetes]` in jitgap.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KubeSection {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    contexts: Vec<String>,
    #[serde(default)]
    kubeconfig: Option<PathBuf>,
    #[serde(default)]
    extend_token_expiration: Option<bool>,
    #[serde(default)]
    max_token_expiration: Option<String>,
    #[serde(default)]
    expiry_annotation: Option<String>,
}

fn yes() -> bool {
    true
}

// Every document is optional: a directory of `kubectl get -o json` outputs is a snapshot.
const DOCUMENTS: &[DocumentSpec] = &{
    let mut out = crate::scan::scanner::first_required::<{ DOCUMENT_NAMES.len() }>(DOCUMENT_NAMES);
    out[0].required = false;
    out
};

pub(crate) const SIGNALS: &[&str] = &[
    "kubernetes-cluster-admin",
    "kubernetes-rbac-escalation",
    "kubernetes-legacy-token-privileged",
    "kubernetes-legacy-token-unused",
    "kubernetes-manual-token-secret",
    "kubernetes-default-account-privileged",
    "kubernetes-automount-privileged",
    "kubernetes-binding-every-account",
    "kubernetes-dangling-binding",
    "kubernetes-workload-identity-unresolved",
    "kubernetes-workload-identity-trust-wide",
];

/// What the flags and `[sources.kubernetes]` ask for; empty when Kubernetes is not asked for.
fn options(flags: &ArgMatches, config: Option<&toml::Value>) -> Result<Vec<KubeTarget>, PlanError> {
    let f = KubeFlags::from_arg_matches(flags).unwrap_or_default();
    let section: Option<KubeSection> =
        config
            .map(|v| v.clone().try_into())
            .transpose()
            .map_err(|e: toml::de::Error| {
                PlanError(format!("[sources.kubernetes]: {}", e.message()))
            })?;
    let section = section.filter(|s| s.enabled);
    let flagged = f.kubernetes || !f.kube_context.is_empty();
    if !flagged && section.is_none() {
        if f.kubeconfig.is_some() {
            // `--kubeconfig FILE` alone means its current context.
        } else {
            return Ok(Vec::new());
        }
    }
    let s = section.unwrap_or_default();
    let mut settings = Settings::default();
    if let Some(e) = s.extend_token_expiration {
        settings.extend_token_expiration = e;
    }
    if let Some(m) = s.max_token_expiration {
        crate::time::parse_duration(&m).map_err(|e| {
            PlanError(format!(
                "[sources.kubernetes] max_token_expiration `{m}`: {e}"
            ))
        })?;
        settings.max_token_expiration = Some(m);
    }
    if let Some(a) = s.expiry_annotation.filter(|a| !a.is_empty()) {
        settings.expiry_annotation = a;
    }
    let kubeconfig = f.kubeconfig.or(s.kubeconfig);
    let mut contexts: Vec<Option<String>> =
        if flagged || kubeconfig.is_some() && s.contexts.is_empty() {
            f.kube_context.into_iter().map(Some).collect()
        } else {
            s.contexts.into_iter().map(Some).collect()
        };
    if contexts.is_empty() {
        contexts.push(None); // the current context
    }
    contexts.dedup();
    Ok(contexts
        .into_iter()
        .map(|context| KubeTarget {
            kubeconfig: kubeconfig.clone(),
            context,
            settings: settings.clone(),
        })
        .collect())
}

impl Scanner for KubeScanner {
    fn boundary(&self) -> Boundary {
        BOUNDARY
    }
    fn title(&self) -> &'static str {
        "Kubernetes"
    }
    fn rules_file(&self) -> (&'static str, &'static str) {
        (
            "kubernetes.toml",
            include_str!("../../../rules/kubernetes.toml"),
        )
    }
    fn check_rules(&self, rules: &RuleSet) -> Result<(), String> {
        rules
            .catalogue::<KubeCatalogue>("kubernetes")
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
        KubeFlags::augment_args(cmd)
    }
    fn config_template(&self) -> &'static str {
        "# [sources.kubernetes]\n\
         # contexts = [\"prod\", \"staging\"]      # kubeconfig contexts; none = the current one\n\
         # kubeconfig = \"~/.kube/config\"\n\
         # extend_token_expiration = true       # kube-apiserver --service-account-extend-token-expiration\n\
         # max_token_expiration = \"24h\"         # kube-apiserver --service-account-max-token-expiration\n\
         # expiry_annotation = \"jitgap.io/expires-at\"   # what your JIT broker writes on bindings\n"
    }
    fn live_targets(
        &self,
        flags: &ArgMatches,
        config: Option<&toml::Value>,
    ) -> Result<Vec<LiveTarget>, PlanError> {
        Ok(options(flags, config)?
            .into_iter()
            .map(|t| LiveTarget::new(t.label(), t))
            .collect())
    }
    fn collect<'a>(&'a self, target: &'a LiveTarget, live: &'a Live) -> BoxFuture<'a, RawScope> {
        Box::pin(collect::collect(target, live))
    }
    fn accepts_file(&self, _name: &str, text: &str) -> Option<&'static str> {
        super::normalize::claim(text)
    }
    fn claim_file(&self, text: &str) -> Option<&'static str> {
        super::normalize::claim(text)
    }
    fn lone_file(&self) -> Option<&'static str> {
        Some("a `kubectl get … -o json` output")
    }
    fn snapshot_scope(&self, dir: &str, raw: &RawScope) -> String {
        raw.document(CLUSTER)
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d.text).ok())
            .and_then(|v| v["context"].as_str().map(str::to_string))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| dir.to_string())
    }
    fn normalize(&self, raw: &RawScope, ctx: &Context<'_>) -> Normalized {
        super::normalize::normalize(raw, ctx)
    }
    fn bridge(&self, inv: &Inventory, ctx: &Context<'_>) -> Inventory {
        super::bridge::bridge(inv, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> ArgMatches {
        KubeFlags::augment_args(clap::Command::new("t"))
            .try_get_matches_from(std::iter::once("t").chain(args.iter().copied()))
            .unwrap()
    }

    #[test]
    fn contexts_from_flags_and_config() {
        assert!(options(&flags(&[]), None).unwrap().is_empty());
        let t = options(&flags(&["--kubernetes"]), None).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].context, None);
        assert!(t[0].settings.extend_token_expiration);
        let t = options(
            &flags(&[
                "--kube-context",
                "prod",
                "--kube-context",
                "dev",
                "--kubeconfig",
                "k.yaml",
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            t.iter()
                .map(|t| t.context.clone().unwrap())
                .collect::<Vec<_>>(),
            ["prod", "dev"]
        );
        assert_eq!(
            t[0].kubeconfig.as_deref(),
            Some(std::path::Path::new("k.yaml"))
        );
        let alone = options(&flags(&["--kubeconfig", "k.yaml"]), None).unwrap();
        assert_eq!(alone.len(), 1);
        let section = |text: &str| toml::from_str::<toml::Value>(text).unwrap();
        let c = section(
            "contexts = [\"a\"]\nextend_token_expiration = false\nmax_token_expiration = \"24h\"",
        );
        let t = options(&flags(&[]), Some(&c)).unwrap();
        assert_eq!(t[0].context.as_deref(), Some("a"));
        assert!(!t[0].settings.extend_token_expiration);
        let bad = section("max_token_expiration = \"soon\"");
        assert!(
            options(&flags(&[]), Some(&bad))
                .unwrap_err()
                .0
                .contains("max_token_expiration")
        );
        let off = section("enabled = false\ncontexts = [\"a\"]");
        assert!(options(&flags(&[]), Some(&off)).unwrap().is_empty());
    }
}
