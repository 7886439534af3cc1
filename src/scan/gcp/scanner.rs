//! Google Cloud as a [`Scanner`]: flags, config section, documents, and normalization of
//! projects together (a service account of one project can hold roles in another).

use super::BOUNDARY;
use super::catalogue::GcpCatalogue;
use super::collect::{self, GcpOptions};
use super::raw::{ALLOWED_OPERATIONS, DOCUMENTS as DOCUMENT_NAMES, PROJECT};
use crate::model::Boundary;
use crate::rules::RuleSet;
use crate::scan::scanner::{
    BoxFuture, Context, DocumentSpec, Live, LiveTarget, Normalized, PlanError, RawScope, Scanner,
};
use clap::{ArgMatches, Args, FromArgMatches};
use serde::Deserialize;

pub struct GcpScanner;

pub static SCANNER: GcpScanner = GcpScanner;

/// Where `verify` exchanges a service-account key's signed JWT for a token.
pub const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

// Live GCP flags (no doc comment: it would become the command's about text).
#[derive(Debug, Clone, Default, Args)]
struct GcpFlags {
    /// A Google Cloud project to scan (repeatable; credentials: Application Default
    /// Credentials, or JITGAP_GCP_TOKEN: a bearer token used as is).
    #[arg(long, value_name = "ID")]
    gcp_project: Vec<String>,
    /// Scan every active project under this organization (its and its folders' policies are
    /// inherited by the projects below them).
    #[arg(long, value_name = "ID")]
    gcp_organization: Option<String>,
    /// One base URL that replaces every https://*.googleapis.com service host (a proxy, or a
    /// local server in tests; http:// works).
    #[arg(long, value_name = "URL")]
    gcp_endpoint_url: Option<String>,
    /// Token endpoint `verify` tries service-account keys against [default: https://oauth2.googleapis.com/token].
    #[arg(long, value_name = "URL")]
    gcp_token_url: Option<String>,
}

/// `[sources.gcp]` in jitgap.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GcpSection {
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    projects: Vec<String>,
    #[serde(default)]
    organization: Option<String>,
    #[serde(default)]
    endpoint_url: Option<String>,
    /// Read by [`token_url`] for `verify`; a section holding only it asks for no scan.
    #[serde(default)]
    token_url: Option<String>,
}

fn yes() -> bool {
    true
}

// `project.json` marks a project folder; every other document is optional.
const DOCUMENTS: &[DocumentSpec] =
    &crate::scan::scanner::first_required::<{ DOCUMENT_NAMES.len() }>(DOCUMENT_NAMES);

const _: () = assert!(matches!(DOCUMENT_NAMES[0].as_bytes(), b"project.json"));

pub(crate) const SIGNALS: &[&str] = &[
    "gcp-key-too-old",
    "gcp-key-never-expires",
    "gcp-several-user-keys",
    "gcp-key-unused",
    "gcp-basic-role",
    "gcp-project-wide-impersonation",
    "gcp-expired-condition",
    "gcp-pam-grant-removal",
    "gcp-pam-externally-modified",
    "gcp-pam-without-approval",
    "gcp-third-party-privileged",
];

/// What the flags and `[sources.gcp]` ask for; `None` when GCP is not asked for.
fn options(
    flags: &ArgMatches,
    config: Option<&toml::Value>,
) -> Result<Option<GcpOptions>, PlanError> {
    let f = GcpFlags::from_arg_matches(flags).unwrap_or_default();
    let section: Option<GcpSection> = config
        .map(|v| v.clone().try_into())
        .transpose()
        .map_err(|e: toml::de::Error| PlanError(format!("[sources.gcp]: {}", e.message())))?;
    // A section holding only `token_url` is for `scan --probe`, not a request to scan.
    let section = section.filter(|s| {
        s.enabled
            && !(s.token_url.is_some()
                && s.projects.is_empty()
                && s.organization.is_none()
                && s.endpoint_url.is_none())
    });
    let flagged = !f.gcp_project.is_empty() || f.gcp_organization.is_some();
    if !flagged && section.is_none() {
        if f.gcp_endpoint_url.is_some() {
            return Err(PlanError(
                "--gcp-endpoint-url needs --gcp-project or --gcp-organization (or [sources.gcp] with projects)"
                    .into(),
            ));
        }
        return Ok(None);
    }
    let s = section.unwrap_or_default();
    let (projects, organization) = if flagged {
        (f.gcp_project, f.gcp_organization)
    } else {
        (s.projects, s.organization)
    };
    if projects.is_empty() && organization.is_none() {
        return Err(PlanError(
            "[sources.gcp] names no project: set `projects = [\"…\"]` or `organization = \"…\"`"
                .into(),
        ));
    }
    for p in &projects {
        check_project_id(p).map_err(|e| PlanError(format!("--gcp-project `{p}`: {e}")))?;
    }
    let organization = organization
        .map(|o| o.trim_start_matches("organizations/").to_string())
        .map(|o| {
            if !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()) {
                Ok(o)
            } else {
                Err(PlanError(format!(
                    "--gcp-organization `{o}`: an organization id is its number (`gcloud organizations list`)"
                )))
            }
        })
        .transpose()?;
    let endpoint = f
        .gcp_endpoint_url
        .or(s.endpoint_url)
        .map(|u| u.trim_end_matches('/').to_string());
    if let Some(url) = &endpoint {
        crate::net::check_base_url(url)
            .map_err(|e| PlanError(format!("--gcp-endpoint-url `{url}`: {e}")))?;
    }
    let mut projects = projects;
    projects.dedup();
    Ok(Some(GcpOptions {
        projects,
        organization,
        endpoint,
    }))
}

/// A project id as Google allows it: 6–30 lower-case letters, digits and hyphens, starting
/// with a letter (a few legacy ids carry a `domain:` prefix).
fn check_project_id(id: &str) -> Result<(), String> {
    let bare = id.rsplit(':').next().unwrap_or(id);
    let ok = (6..=30).contains(&bare.len())
        && bare.starts_with(|c: char| c.is_ascii_lowercase())
        && bare
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("not a project id (6–30 lower-case letters, digits and hyphens; `gcloud projects list` shows them)".into())
    }
}

/// The token endpoint `verify` sends signed-JWT grants to (flag, config, default).
pub fn token_url(flags: Option<&ArgMatches>, config: Option<&toml::Value>) -> String {
    let flag = flags.and_then(|f| {
        f.try_get_one::<String>("gcp_token_url")
            .ok()
            .flatten()
            .cloned()
    });
    let conf = config
        .and_then(|v| v.get("token_url"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    flag.or(conf)
        .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_string())
}

impl Scanner for GcpScanner {
    fn boundary(&self) -> Boundary {
        BOUNDARY
    }
    fn title(&self) -> &'static str {
        "Google Cloud"
    }
    fn rules_file(&self) -> (&'static str, &'static str) {
        ("gcp.toml", include_str!("../../../rules/gcp.toml"))
    }
    fn check_rules(&self, rules: &RuleSet) -> Result<(), String> {
        rules
            .catalogue::<GcpCatalogue>("gcp")
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
        GcpFlags::augment_args(cmd)
    }
    fn config_template(&self) -> &'static str {
        "# [sources.gcp]\n\
         # projects = [\"acme-prod\"]              # Application Default Credentials, or JITGAP_GCP_TOKEN\n\
         # organization = \"123456789012\"         # instead of projects: every active project under it\n\
         # endpoint_url = \"http://127.0.0.1:8080\" # replaces every https://*.googleapis.com host\n\
         # token_url = \"https://oauth2.googleapis.com/token\"   # where `scan --probe` tries service-account keys\n"
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
    fn snapshot_scope(&self, dir: &str, raw: &RawScope) -> String {
        // The project id as the project document names it; else the folder's name.
        raw.document(PROJECT)
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d.text).ok())
            .and_then(|v| v["projectId"].as_str().map(str::to_string))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| dir.to_string())
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
    /// Projects resolve each other's service accounts and share their organization's custom
    /// roles, so every GCP project of a run goes to one shard.
    fn target_shard_unit(&self, _target: &LiveTarget) -> String {
        "gcp".into()
    }
    fn shard_unit(&self, _raw: &RawScope) -> String {
        "gcp".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_with_only_a_token_url_asks_for_no_scan() {
        let flags = GcpFlags::augment_args(clap::Command::new("t")).get_matches_from(["t"]);
        let section = |text: &str| toml::from_str::<toml::Value>(text).unwrap();
        let probe_only = section("token_url = \"http://127.0.0.1:8444/token\"");
        assert!(options(&flags, Some(&probe_only)).unwrap().is_none());
        assert_eq!(
            token_url(None, Some(&probe_only)),
            "http://127.0.0.1:8444/token"
        );
        let err = options(&flags, Some(&section(""))).unwrap_err();
        assert!(err.0.contains("names no project"), "{}", err.0);
        let both = section("projects = [\"acme-prod\"]\ntoken_url = \"http://x/token\"");
        assert_eq!(
            options(&flags, Some(&both)).unwrap().unwrap().projects,
            ["acme-prod"]
        );
    }

    #[test]
    fn project_ids() {
        assert!(check_project_id("acme-prod").is_ok());
        assert!(check_project_id("example.com:legacy-app").is_ok());
        assert!(check_project_id("Acme").is_err());
        assert!(check_project_id("123456").is_err());
        assert!(check_project_id("a-b").is_err());
    }
}
