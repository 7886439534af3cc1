//! Live collection of one organization (GETs only, and the one POST that issues an App
//! installation token).
//!
//! [`targets`] plans one target per organization; [`collect`] finds the credentials
//! ([`Credentials::from_env`]: a GitHub App when `--github-app-id` is given, else
//! `GITHUB_TOKEN`, else `GH_TOKEN`) and reads the organization's documents
//! (`collect_org.rs`, through `api.rs`; the App's token from `app_auth.rs`). A failure is an
//! error inside the scope, never a panic: without credentials, or when the organization
//! itself cannot be read, the scope fails and says why.

use super::BOUNDARY;
use super::api::Api;
use super::error::GithubError;
use crate::net::Bearer;
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

/// What an organization is read with.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A token (classic or fine-grained PAT, OAuth or Actions token), sent as a bearer.
    Token(Bearer),
    /// A GitHub App: its JWT, then an installation token per organization.
    App(AppAuth),
    /// Nothing to read with.
    Missing,
}

impl Credentials {
    /// The App when one is configured, else `GITHUB_TOKEN`, else `GH_TOKEN`.
    pub fn from_env(app: Option<&AppAuth>) -> Credentials {
        Self::from_lookup(app, |name| std::env::var(name).ok())
    }

    /// [`Credentials::from_env`] with the variables read through `var`.
    pub fn from_lookup(app: Option<&AppAuth>, var: impl Fn(&str) -> Option<String>) -> Credentials {
        if let Some(app) = app {
            return Credentials::App(app.clone());
        }
        ["GITHUB_TOKEN", "GH_TOKEN"]
            .iter()
            .filter_map(|name| var(name))
            .map(|t| t.trim().to_string())
            .find(|t| !t.is_empty())
            .map_or(Credentials::Missing, |t| Credentials::Token(Bearer::new(t)))
    }

    /// A token.
    pub fn token(token: impl Into<String>) -> Credentials {
        Credentials::Token(Bearer::new(token))
    }

    pub(crate) fn is_app(&self) -> bool {
        matches!(self, Credentials::App(_))
    }
}

pub fn targets(opts: GithubOptions) -> Vec<LiveTarget> {
    opts.orgs
        .iter()
        .map(|org| {
            LiveTarget::new(
                org.clone(),
                OrgTarget {
                    org: org.clone(),
                    app: opts.app.clone(),
                    api_url: opts.api_url.clone(),
                },
            )
        })
        .collect()
}

/// Collects one organization with the credentials of the environment (or the App).
pub async fn collect(target: &LiveTarget, live: &Live) -> RawScope {
    let t = match target.spec_or_failed::<OrgTarget>(BOUNDARY) {
        Ok(t) => t,
        Err(raw) => return raw,
    };
    collect_with(target, live, Credentials::from_env(t.app.as_ref())).await
}

/// [`collect`] with the credentials given.
pub async fn collect_with(target: &LiveTarget, live: &Live, creds: Credentials) -> RawScope {
    let t = match target.spec_or_failed::<OrgTarget>(BOUNDARY) {
        Ok(t) => t,
        Err(raw) => return raw,
    };
    let app = creds.is_app();
    match api(t, &creds, live).await {
        Ok(api) => super::collect_org::collect(api, &t.org, app).await,
        Err(e) => {
            let mut raw = RawScope::new(BOUNDARY, t.org.clone(), Origin::Live);
            raw.errors.push(format!("org {}: {e}", t.org));
            raw
        }
    }
}

/// The API reading `t.org` with `creds`.
async fn api(t: &OrgTarget, creds: &Credentials, live: &Live) -> Result<Api, GithubError> {
    match creds {
        Credentials::Token(bearer) => Api::new(&t.api_url, bearer.clone(), &live.net),
        Credentials::App(app) => {
            super::app_auth::installation_api(&t.api_url, app, &t.org, &live.net).await
        }
        Credentials::Missing => Err(GithubError::NoCredentials),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_the_app_then_github_token_then_gh_token() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let token = |c: Credentials| match c {
            Credentials::Token(b) => b.secret().to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            token(Credentials::from_lookup(
                None,
                env(&[("GITHUB_TOKEN", "ghp_one"), ("GH_TOKEN", "ghp_two")])
            )),
            "ghp_one"
        );
        assert_eq!(
            token(Credentials::from_lookup(
                None,
                env(&[("GITHUB_TOKEN", "  "), ("GH_TOKEN", "ghp_two\n")])
            )),
            "ghp_two"
        );
        assert!(matches!(
            Credentials::from_lookup(None, env(&[])),
            Credentials::Missing
        ));
        let app = AppAuth {
            app_id: 7,
            key: "k.pem".into(),
        };
        assert!(Credentials::from_lookup(Some(&app), env(&[("GITHUB_TOKEN", "ghp_one")])).is_app());
    }

    #[tokio::test]
    async fn without_credentials_the_scope_fails_naming_what_to_set() {
        let opts = GithubOptions {
            orgs: vec!["acme".into()],
            app: None,
            // Nothing listens on port 9, and nothing is sent.
            api_url: "http://127.0.0.1:9".into(),
        };
        let t = &targets(opts)[0];
        assert_eq!(t.label, "acme");
        let raw = collect_with(t, &Live::default(), Credentials::Missing).await;
        assert!(raw.documents.is_empty());
        let e = &raw.errors[0];
        for part in [
            "org acme: no GitHub credentials",
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "--github-app-id",
        ] {
            assert!(e.contains(part), "{part}: {e}");
        }
    }
}
