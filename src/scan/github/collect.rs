//! Live collection of one organization (GETs only).

use super::BOUNDARY;
use crate::scan::scanner::{Live, LiveTarget, Origin, RawScope};
use std::path::PathBuf;

/// A GitHub App to read as.
#[derive(Debug, Clone)]
pub struct AppAuth {
    pub app_id: u64,
    /// The PEM private key file.
    pub key: PathBuf,
}

/// What the flags and config asked for.
#[derive(Debug, Clone)]
pub struct GithubOptions {
    pub orgs: Vec<String>,
    pub app: Option<AppAuth>,
    /// Without a trailing `/`.
    pub api_url: String,
}

/// One organization to read.
#[derive(Debug, Clone)]
pub struct OrgTarget {
    pub org: String,
    pub app: Option<AppAuth>,
    pub api_url: String,
}

pub fn targets(opts: GithubOptions) -> Vec<LiveTarget> {
    opts.orgs
        .iter()
        .map(|org| {
            LiveTarget::new(
                format!("github {org}"),
                OrgTarget {
                    org: org.clone(),
                    app: opts.app.clone(),
                    api_url: opts.api_url.clone(),
                },
            )
        })
        .collect()
}

pub async fn collect(target: &LiveTarget, _live: &Live) -> RawScope {
    let t = match target.spec_or_failed::<OrgTarget>(BOUNDARY) {
        Ok(t) => t,
        Err(raw) => return raw,
    };
    let mut raw = RawScope::new(BOUNDARY, t.org.clone(), Origin::Live);
    raw.errors.push(format!(
        "github {}: live collection is not built yet",
        t.org
    ));
    raw
}
