//! Live collection from the Google Cloud APIs (GET, and the `getIamPolicy` POST that reads).
//!
//! [`targets`] plans one target; [`list_scopes`] gets the credentials once (`token.rs`),
//! and turns the projects named and, with an organization, every active project under it
//! (Resource Manager `projects:search`, parents walked up to the organization) into one
//! scope each, sharing one cache of folders, organizations and role definitions
//! (`collect_ancestors.rs`). [`collect`] reads one project (`collect_project.rs`, through
//! `api.rs`). A failure is an error inside the scope, never a panic; a listing that fails
//! is one failed scope that says why.

use super::BOUNDARY;
use super::api::{Api, Service};
use super::collect_ancestors::{Cache, Reach};
use super::error::GcpError;
use crate::scan::scanner::{Live, LiveTarget, Origin, PlanError, RawScope};
use serde_json::Value;
use std::sync::Arc;

pub use super::token::Credentials;

/// What the flags and `[sources.gcp]` ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcpOptions {
    /// The projects named (ids).
    pub projects: Vec<String>,
    /// Every active project under this organization (its number).
    pub organization: Option<String>,
    /// One base URL for every `https://*.googleapis.com` host, without a trailing slash.
    pub endpoint: Option<String>,
}

/// `projects:search` asks for this many a page (servers cap it at their maximum).
const SEARCH_PAGE: u32 = 1000;

/// What one run shares between its projects: the credentials and the cache.
pub(crate) struct Run {
    pub creds: Credentials,
    pub endpoint: Option<String>,
    pub cache: Cache,
}

impl Run {
    /// The APIs with a fresh token (ADC caches and refreshes it).
    pub(crate) async fn api(&self, live: &Live) -> Result<Api, GcpError> {
        let bearer = self.creds.token(live.net.request_timeout).await?;
        Api::new(self.endpoint.as_deref(), bearer, &live.net)
    }
}

/// A scope as [`list_scopes`] planned it.
enum Planned {
    /// A project: its id, and its `projects:search` entry when it was listed.
    Project {
        run: Arc<Run>,
        id: String,
        listed: Option<Value>,
    },
    /// A scope that cannot be collected, and why.
    Failed { error: String },
}

/// The target before listing.
pub fn targets(opts: GcpOptions) -> Vec<LiveTarget> {
    vec![LiveTarget::new("gcp", opts)]
}

/// Expands the target into one scope per project, with the credentials of the environment.
pub async fn list_scopes(
    targets: Vec<LiveTarget>,
    live: &Live,
) -> Result<Vec<LiveTarget>, PlanError> {
    list_scopes_with(targets, live, Credentials::from_env()).await
}

/// [`list_scopes`] with the credentials given.
pub async fn list_scopes_with(
    targets: Vec<LiveTarget>,
    live: &Live,
    creds: Credentials,
) -> Result<Vec<LiveTarget>, PlanError> {
    let mut out = Vec::new();
    for target in targets {
        match target.spec::<GcpOptions>() {
            Some(opts) => out.extend(plan(opts, &creds, live).await),
            None => out.push(target),
        }
    }
    Ok(out)
}

/// Collects one project.
pub async fn collect(target: &LiveTarget, live: &Live) -> RawScope {
    if let Some(opts) = target.spec::<GcpOptions>() {
        // Not listed first: the first project alone, with the environment's credentials.
        let planned = plan(opts, &Credentials::from_env(), live).await;
        return match planned.first() {
            Some(first) => Box::pin(collect(first, live)).await,
            None => failed(&target.label, "nothing to collect".into()),
        };
    }
    let planned = match target.spec_or_failed::<Planned>(BOUNDARY) {
        Ok(p) => p,
        Err(raw) => return raw,
    };
    match planned {
        Planned::Project { run, id, listed } => {
            super::collect_project::collect(run, id, listed.as_ref(), live).await
        }
        Planned::Failed { error } => failed(&target.label, error.clone()),
    }
}

fn failed(scope: &str, error: String) -> RawScope {
    let mut raw = RawScope::new(BOUNDARY, scope, Origin::Live);
    raw.errors.push(error);
    raw
}

fn failed_target(label: impl Into<String>, error: String) -> LiveTarget {
    LiveTarget::new(label, Planned::Failed { error })
}

/// The projects named and those under the organization, once each, in project-id order
/// (the order a snapshot of them is read back in); a failed listing last.
async fn plan(opts: &GcpOptions, creds: &Credentials, live: &Live) -> Vec<LiveTarget> {
    let mut out = plan_unordered(opts, creds, live).await;
    let listing = opts
        .organization
        .as_ref()
        .map(|o| format!("organizations/{o}"));
    out.sort_by(|a, b| {
        let last = |t: &LiveTarget| Some(&t.label) == listing.as_ref();
        (last(a), &a.label).cmp(&(last(b), &b.label))
    });
    out
}

async fn plan_unordered(opts: &GcpOptions, creds: &Credentials, live: &Live) -> Vec<LiveTarget> {
    let mut named: Vec<String> = Vec::new();
    for p in &opts.projects {
        if !named.contains(p) {
            named.push(p.clone());
        }
    }
    let org_label = opts
        .organization
        .as_ref()
        .map(|o| format!("organizations/{o}"));
    let run = Arc::new(Run {
        creds: creds.clone(),
        endpoint: opts.endpoint.clone(),
        cache: Cache::default(),
    });
    // The credentials are tried once: without a token nothing can be read.
    let api = match run.api(live).await {
        Ok(api) => api,
        Err(e) => {
            let e = e.to_string();
            let mut out: Vec<LiveTarget> = named
                .iter()
                .map(|p| failed_target(p.clone(), format!("project {p}: {e}")))
                .collect();
            out.extend(org_label.map(|o| failed_target(o.clone(), format!("{o}: {e}"))));
            return out;
        }
    };
    let project = |id: &str, listed: Option<Value>| {
        LiveTarget::new(
            id,
            Planned::Project {
                run: run.clone(),
                id: id.to_string(),
                listed,
            },
        )
    };
    let mut out: Vec<LiveTarget> = named.iter().map(|p| project(p, None)).collect();
    let (Some(org), Some(label)) = (&opts.organization, org_label) else {
        return out;
    };
    let listed = match search(&api).await {
        Ok(projects) => projects,
        Err(e) => {
            let hint = if e.is_denied() {
                "; the credential needs resourcemanager.projects.get (roles/browser) on the projects under it"
            } else {
                ""
            };
            out.push(failed_target(
                label.clone(),
                api.scrub(&format!("{label}: projects not listed: {e}{hint}")),
            ));
            return out;
        }
    };
    let target = format!("organizations/{org}");
    for entry in listed {
        let Some(id) = entry["projectId"].as_str().filter(|s| !s.is_empty()) else {
            continue;
        };
        if !is_active(&entry) || named.iter().any(|n| n == id) {
            continue;
        }
        let parent = entry["parent"].as_str().unwrap_or_default();
        match run.cache.reaches(&api, parent, &target).await {
            Reach::Yes => {
                named.push(id.to_string());
                out.push(project(id, Some(entry.clone())));
            }
            Reach::No => {}
            Reach::Unknown(why) => out.push(failed_target(
                id,
                api.scrub(&format!(
                    "project {id}: not known to be under {target} or not: {why}"
                )),
            )),
        }
    }
    out
}

/// Every project the credential sees that is active (`projects:search`, paged).
async fn search(api: &Api) -> Result<Vec<Value>, GcpError> {
    let mut v = api
        .list(
            Service::ResourceManager,
            "/v3/projects:search",
            &[("query", "state:ACTIVE")],
            "projects",
            SEARCH_PAGE,
        )
        .await?;
    Ok(match v["projects"].take() {
        Value::Array(items) => items,
        _ => Vec::new(),
    })
}

/// `ACTIVE` (or no state given); `DELETE_REQUESTED` projects are left out.
fn is_active(project: &Value) -> bool {
    project["state"].as_str().is_none_or(|s| s == "ACTIVE")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projects_pending_deletion_are_left_out() {
        assert!(is_active(&json!({"projectId": "a", "state": "ACTIVE"})));
        assert!(is_active(&json!({"projectId": "a"})));
        assert!(!is_active(
            &json!({"projectId": "a", "state": "DELETE_REQUESTED"})
        ));
    }

    #[tokio::test]
    async fn without_a_token_every_named_project_and_the_organization_fail_saying_why() {
        let opts = GcpOptions {
            projects: vec!["acme-prod".into(), "acme-data".into(), "acme-prod".into()],
            organization: Some("111111111111".into()),
            endpoint: Some("http://127.0.0.1:9".into()),
        };
        // A token no header can carry: Api::new refuses it before anything is sent.
        let targets = list_scopes_with(
            targets(opts),
            &Live::default(),
            Credentials::bearer("bad\ntoken-0123456789"),
        )
        .await
        .unwrap();
        let labels: Vec<&str> = targets.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            ["acme-data", "acme-prod", "organizations/111111111111"]
        );
        for t in &targets {
            let raw = collect(t, &Live::default()).await;
            assert!(raw.documents.is_empty());
            assert!(
                raw.errors[0].contains("HTTP header cannot carry"),
                "{:?}",
                raw.errors
            );
            assert!(
                !raw.errors[0].contains("token-0123456789"),
                "{:?}",
                raw.errors
            );
        }
    }
}
