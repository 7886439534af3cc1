//! GitHub as a [`Scanner`]: flags, config section, documents, normalization of organizations,
//! and the Actions OIDC bridge into the clouds scanned in the same run.

use super::BOUNDARY;
use super::catalogue::GithubCatalogue;
use super::collect::{self, AppAuth, GithubOptions};
use super::raw::{
    ALLOWED_OPERATIONS, CREDENTIAL_AUTHORIZATIONS, DEFAULT_API_URL, DOCUMENTS as DOCUMENT_NAMES,
    ORG,
};
use crate::model::{AccessPath, Boundary, Identity, Inventory};
use crate::rules::RuleSet;
use crate::scan::scanner::{
    BoxFuture, Context, DocumentSpec, Ended, Live, LiveTarget, Normalized, PlanError, RawScope,
    Residual, Scanner,
};
use clap::{ArgMatches, Args, FromArgMatches};
use serde::Deserialize;
use std::path::PathBuf;

pub struct GithubScanner;

pub static SCANNER: GithubScanner = GithubScanner;

// Live GitHub flags (no doc comment: it would become the command's about text).
#[derive(Debug, Clone, Default, Args)]
struct GithubFlags {
    /// A GitHub organization to scan (repeatable; credentials: GITHUB_TOKEN or GH_TOKEN, or a
    /// GitHub App with --github-app-id and --github-app-key).
    #[arg(long, value_name = "ORG")]
    github_org: Vec<String>,
    /// The GitHub App to read as (its App ID): jitgap signs a JWT with --github-app-key and
    /// reads each organization with that App's installation token. Needed for fine-grained
    /// personal access tokens, which GitHub lists to Apps only.
    #[arg(long, value_name = "ID", requires = "github_app_key")]
    github_app_id: Option<u64>,
    /// The App's private key (the PEM file GitHub generates).
    #[arg(long, value_name = "FILE", requires = "github_app_id")]
    github_app_key: Option<PathBuf>,
    /// The REST API base URL [default: https://api.github.com; GitHub Enterprise Server:
    /// https://HOST/api/v3]; http:// works on loopback.
    #[arg(long, value_name = "URL")]
    github_api_url: Option<String>,
}

/// `[sources.github]` in jitgap.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GithubSection {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    orgs: Vec<String>,
    #[serde(default)]
    app_id: Option<u64>,
    #[serde(default)]
    app_key: Option<PathBuf>,
    #[serde(default)]
    api_url: Option<String>,
}

fn yes() -> bool {
    true
}

// `org.json` marks an organization folder; every other document is optional.
const DOCUMENTS: &[DocumentSpec] =
    &crate::scan::scanner::first_required::<{ DOCUMENT_NAMES.len() }>(DOCUMENT_NAMES);

const _: () = assert!(matches!(DOCUMENT_NAMES[0].as_bytes(), b"org.json"));

pub(crate) const SIGNALS: &[&str] = &[
    "github-deploy-key-write",
    "github-deploy-key-unused",
    "github-classic-token-admin-scopes",
    "github-token-without-expiry",
    "github-token-beyond-max-lifetime",
    "github-app-admin-all-repositories",
    "github-third-party-app-privileged",
    "github-oidc-trust-every-repository",
    "github-oidc-trust-pull-request",
    "github-credential-used-after-end",
];

/// An organization login as GitHub allows it: letters, digits and single hyphens, not at
/// either end, at most 39 characters.
fn check_org(org: &str) -> Result<(), String> {
    let ok = !org.is_empty()
        && org.len() <= 39
        && org.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !org.starts_with('-')
        && !org.ends_with('-')
        && !org.contains("--");
    if ok {
        Ok(())
    } else {
        Err("not an organization login (letters, digits and single hyphens; the `ORG` of github.com/ORG)".into())
    }
}

/// What the flags and `[sources.github]` ask for; `None` when GitHub is not asked for.
fn options(
    flags: &ArgMatches,
    config: Option<&toml::Value>,
) -> Result<Option<GithubOptions>, PlanError> {
    let f = GithubFlags::from_arg_matches(flags).unwrap_or_default();
    let section: Option<GithubSection> = config
        .map(|v| v.clone().try_into())
        .transpose()
        .map_err(|e: toml::de::Error| PlanError(format!("[sources.github]: {}", e.message())))?;
    // A section holding only `api_url` is for `scan --probe`, not a request to scan.
    let section = section.filter(|s| s.enabled && !(s.orgs.is_empty() && s.app_id.is_none()));
    let flagged = !f.github_org.is_empty();
    if !flagged && section.is_none() {
        if f.github_app_id.is_some() {
            return Err(PlanError(
                "--github-app-id needs --github-org (or [sources.github] with orgs)".into(),
            ));
        }
        return Ok(None);
    }
    let s = section.unwrap_or_default();
    let orgs = if flagged { f.github_org } else { s.orgs };
    if orgs.is_empty() {
        return Err(PlanError(
            "[sources.github] names no organization: set `orgs = [\"…\"]`".into(),
        ));
    }
    for o in &orgs {
        check_org(o).map_err(|e| PlanError(format!("--github-org `{o}`: {e}")))?;
    }
    let app = match (f.github_app_id.or(s.app_id), f.github_app_key.or(s.app_key)) {
        (Some(app_id), Some(key)) => Some(AppAuth { app_id, key }),
        (None, None) => None,
        (Some(_), None) => {
            return Err(PlanError(
                "a GitHub App id needs its private key: --github-app-key FILE (or app_key in [sources.github])".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(PlanError(
                "a GitHub App key needs the App's id: --github-app-id ID (or app_id in [sources.github])".into(),
            ));
        }
    };
    let api_url = f
        .github_api_url
        .or(s.api_url)
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    crate::net::check_token_base_url(&api_url)
        .map_err(|e| PlanError(format!("--github-api-url `{api_url}`: {e}")))?;
    let mut orgs = orgs;
    orgs.sort_by_key(|o| o.to_ascii_lowercase());
    orgs.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    Ok(Some(GithubOptions { orgs, app, api_url }))
}

/// The API base URL `verify` tries GitHub tokens against (flag, config, default).
pub fn api_url(flags: Option<&ArgMatches>, config: Option<&toml::Value>) -> String {
    let flag = flags.and_then(|f| {
        f.try_get_one::<String>("github_api_url")
            .ok()
            .flatten()
            .cloned()
    });
    let conf = config
        .and_then(|v| v.get("api_url"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    flag.or(conf)
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string())
}

impl Scanner for GithubScanner {
    fn boundary(&self) -> Boundary {
        BOUNDARY
    }
    fn title(&self) -> &'static str {
        "GitHub"
    }
    fn rules_file(&self) -> (&'static str, &'static str) {
        ("github.toml", include_str!("../../../rules/github.toml"))
    }
    fn check_rules(&self, rules: &RuleSet) -> Result<(), String> {
        rules
            .catalogue::<GithubCatalogue>("github")
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
        GithubFlags::augment_args(cmd)
    }
    fn config_template(&self) -> &'static str {
        "# [sources.github]\n\
         # orgs = [\"acme\"]                      # GITHUB_TOKEN / GH_TOKEN, or the App below\n\
         # app_id = 123456                      # a GitHub App (needed for fine-grained tokens)\n\
         # app_key = \"acme-jitgap.private-key.pem\"\n\
         # api_url = \"https://github.example.com/api/v3\"   # GitHub Enterprise Server\n"
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
    fn collect<'a>(&'a self, target: &'a LiveTarget, live: &'a Live) -> BoxFuture<'a, RawScope> {
        Box::pin(collect::collect(target, live))
    }
    fn snapshot_scope(&self, dir: &str, raw: &RawScope) -> String {
        // The login as the organization document spells it; else the folder's name.
        raw.document(ORG)
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d.text).ok())
            .and_then(|v| v["login"].as_str().map(str::to_string))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| dir.to_string())
    }
    fn snapshot_documents(&self, raw: &RawScope) -> Vec<(&'static str, String)> {
        raw.documents
            .iter()
            .map(|(n, d)| {
                if *n == CREDENTIAL_AUTHORIZATIONS {
                    (*n, super::normalize::without_token_parts(&d.text))
                } else {
                    (*n, d.text.clone())
                }
            })
            .collect()
    }
    fn normalize(&self, raw: &RawScope, ctx: &Context<'_>) -> Normalized {
        super::normalize::normalize(raw, ctx)
    }
    fn bridge(&self, inv: &Inventory, ctx: &Context<'_>) -> Inventory {
        super::bridge::bridge(inv, ctx)
    }
    fn residual_access(
        &self,
        ended: &Ended<'_>,
        identity: &Identity,
        covered: &[&AccessPath],
        _inv: &Inventory,
    ) -> Vec<Residual> {
        super::normalize::residual(ended, identity, covered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> ArgMatches {
        GithubFlags::augment_args(clap::Command::new("t"))
            .try_get_matches_from(std::iter::once("t").chain(args.iter().copied()))
            .unwrap()
    }

    #[test]
    fn orgs_and_app_from_flags_and_config() {
        let o = options(
            &flags(&["--github-org", "acme", "--github-org", "ACME"]),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.orgs, ["acme"]);
        assert_eq!(o.api_url, DEFAULT_API_URL);
        assert!(o.app.is_none());
        assert!(options(&flags(&[]), None).unwrap().is_none());
        let bad = options(&flags(&["--github-org", "acme/api"]), None).unwrap_err();
        assert!(bad.0.contains("not an organization login"), "{}", bad.0);
        let section = |text: &str| toml::from_str::<toml::Value>(text).unwrap();
        let probe_only = section("api_url = \"http://127.0.0.1:9/\"");
        assert!(options(&flags(&[]), Some(&probe_only)).unwrap().is_none());
        assert_eq!(api_url(None, Some(&probe_only)), "http://127.0.0.1:9");
        let half = section("orgs = [\"acme\"]\napp_id = 7");
        let e = options(&flags(&[]), Some(&half)).unwrap_err();
        assert!(e.0.contains("--github-app-key"), "{}", e.0);
        let clear = options(
            &flags(&[
                "--github-org",
                "acme",
                "--github-api-url",
                "http://ghe.example/api/v3",
            ]),
            None,
        )
        .unwrap_err();
        assert!(clear.0.contains("not loopback"), "{}", clear.0);
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:1/api/v3",
            "http://[::1]:2",
        ] {
            let o = options(
                &flags(&["--github-org", "acme", "--github-api-url", local]),
                None,
            );
            assert!(o.is_ok(), "{local}: {o:?}");
        }
        let full = section("orgs = [\"acme\"]\napp_id = 7\napp_key = \"k.pem\"");
        let o = options(&flags(&[]), Some(&full)).unwrap().unwrap();
        assert_eq!(o.app.unwrap().app_id, 7);
    }

    #[test]
    fn org_logins() {
        assert!(check_org("acme").is_ok());
        assert!(check_org("acme-corp2").is_ok());
        assert!(check_org("-acme").is_err());
        assert!(check_org("a--b").is_err());
        assert!(check_org("").is_err());
    }
}
