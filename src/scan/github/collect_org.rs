//! The documents of one organization (raw.rs names them), read in turn: the organization
//! (without it the scope fails), its repositories, each repository's deploy keys and OIDC
//! subject template (at most [`PER_REPO_CONCURRENCY`] calls at once), the organization's
//! template, the App installations and each installed App, the fine-grained tokens (a GitHub
//! App only), the SAML SSO credential authorizations and the owners.
//!
//! A 401, 403 or 404 leaves its document out with one error naming the document, the call and
//! the permission it needs ([`raw::permission_for`]); everything else is still read. Two
//! answers say something instead: a 404 on the credential authorizations (the organization
//! does not use SAML SSO: a note in `notes.json`), and a 404 on the organization's OIDC
//! template (none is set: `"org": null`). A refused credential or a spent rate limit stops
//! the organization: every later call would fail the same way.

use super::BOUNDARY;
use super::api::{Api, Items};
use super::error::{GithubError, HOW_TO_AUTHENTICATE};
use super::raw::*;
use crate::scan::Doc;
use crate::scan::scanner::{Origin, RawScope};
use serde_json::{Map, Value, json};

/// Per-repository (and per-App) calls in flight at once, per organization.
pub(crate) const PER_REPO_CONCURRENCY: usize = 8;

/// What a token (not an App) is told about the fine-grained token list.
pub(crate) const PATS_NEED_AN_APP: &str = "fine-grained personal access tokens are listed to GitHub Apps only: scan with --github-app-id and --github-app-key";

/// Collects organization `org` with `api` (`app`: read as a GitHub App).
pub(crate) async fn collect(api: Api, org: &str, app: bool) -> RawScope {
    let mut o = Org {
        raw: RawScope::new(BOUNDARY, org, Origin::Live),
        api,
        org: org.to_string(),
        app,
        stopped: false,
        notes: Map::new(),
    };
    o.read_all().await;
    let mut raw = o.raw;
    raw.errors = raw
        .errors
        .iter()
        .map(|e| format!("org {}: {e}", o.org))
        .collect();
    raw
}

struct Org {
    raw: RawScope,
    api: Api,
    /// As GitHub spells it, once `org.json` is read.
    org: String,
    app: bool,
    /// The credential was refused or its rate limit spent: nothing more is asked.
    stopped: bool,
    notes: Map<String, Value>,
}

impl Org {
    async fn read_all(&mut self) {
        let org = self.org.clone();
        let got = self.api.get(&["orgs", &org]).await;
        let Some(found) = self.keep(ORG, &["orgs", &org], got) else {
            return;
        };
        if let Some(login) = found["login"].as_str().filter(|l| !l.is_empty()) {
            self.org = login.to_string();
            self.raw.scope = login.to_string();
        }
        let org = self.org.clone();
        let repos = self
            .list(
                REPOS,
                &["orgs", &org, "repos"],
                &[("type", "all")],
                Items::Array,
            )
            .await;
        if let Some(repos) = &repos {
            self.per_repo(repos).await;
        }
        let installations = self
            .list(
                INSTALLATIONS,
                &["orgs", &org, "installations"],
                &[],
                Items::Under("installations"),
            )
            .await;
        if let Some(installations) = &installations {
            self.apps(installations).await;
        }
        if self.app {
            self.list(
                PATS,
                &["orgs", &org, "personal-access-tokens"],
                &[],
                Items::Array,
            )
            .await;
        } else if !self.stopped {
            self.raw.errors.push(format!("{PATS}: {PATS_NEED_AN_APP}"));
        }
        self.credential_authorizations().await;
        self.list(
            ADMINS,
            &["orgs", &org, "members"],
            &[("role", "admin")],
            Items::Array,
        )
        .await;
        if !self.notes.is_empty() {
            let notes = Value::Object(std::mem::take(&mut self.notes));
            self.put(NOTES, "jitgap", &notes);
        }
    }

    async fn list(
        &mut self,
        doc: &'static str,
        segments: &[&str],
        params: &[(&str, &str)],
        items: Items,
    ) -> Option<Value> {
        if self.stopped {
            return None;
        }
        let got = self.api.list(segments, params, items).await;
        self.keep(doc, segments, got)
    }

    /// Stores an answer, or the error of its document; the answer when there was one.
    fn keep(
        &mut self,
        doc: &'static str,
        segments: &[&str],
        got: Result<Value, GithubError>,
    ) -> Option<Value> {
        match got {
            Ok(v) => {
                self.put(doc, &format!("GET {}", Api::path(segments)), &v);
                Some(v)
            }
            Err(e) => {
                self.fail(doc, &e);
                None
            }
        }
    }

    fn put(&mut self, name: &'static str, call: &str, v: &Value) {
        let text = serde_json::to_string_pretty(v).expect("JSON serializes") + "\n";
        let source = format!("{BOUNDARY}:{call}");
        self.raw.put(name, Doc::new(source, self.api.scrub(&text)));
    }

    fn fail(&mut self, document: &str, e: &GithubError) {
        let hint = if e.is_unauthorized() {
            format!(
                "; the credential was refused (expired, revoked, or not one for this GitHub): {HOW_TO_AUTHENTICATE}; nothing more is read from {}",
                self.org
            )
        } else if e.stops_the_scope() {
            format!("; nothing more is read from {}", self.org)
        } else if e.is_denied() {
            format!("; it needs {}", permission_for(document))
        } else {
            String::new()
        };
        self.stopped |= e.stops_the_scope();
        let text = format!("{document} not collected: {e}{hint}");
        self.raw.errors.push(self.api.scrub(&text));
    }

    /// `deploy-keys.json` and `oidc-sub.json`: one call per repository each.
    async fn per_repo(&mut self, repos: &Value) {
        let names = strings(repos, "full_name");
        let calls = |tail: &'static [&'static str]| -> Vec<(String, Vec<String>)> {
            names
                .iter()
                .filter_map(|full| {
                    let (owner, name) = full.split_once('/')?;
                    let mut segs = vec!["repos".to_string(), owner.to_string(), name.to_string()];
                    segs.extend(tail.iter().map(|s| s.to_string()));
                    Some((full.clone(), segs))
                })
                .collect()
        };
        if self.stopped {
            return;
        }
        let keys = each(&self.api, calls(&["keys"]), Some(Items::Array)).await;
        self.keyed(DEPLOY_KEYS, "GET /repos/{owner}/{repo}/keys", keys);
        if self.stopped {
            return;
        }
        let sub = &["actions", "oidc", "customization", "sub"];
        let repo_subs = match each(&self.api, calls(sub), None).await {
            Ok(subs) => subs,
            Err(e) => return self.fail(OIDC_SUB, &e),
        };
        let org = self.org.clone();
        let org_sub = match self
            .api
            .get(&["orgs", &org, "actions", "oidc", "customization", "sub"])
            .await
        {
            Ok(v) => v,
            // No template set for the organization: its repositories use theirs or the default.
            Err(e) if e.is_not_found() => Value::Null,
            Err(e) => return self.fail(OIDC_SUB, &e),
        };
        let repos: Map<String, Value> = repo_subs.into_iter().collect();
        self.put(
            OIDC_SUB,
            &format!(
                "GET /orgs/{org}/actions/oidc/customization/sub, GET /repos/{{owner}}/{{repo}}/actions/oidc/customization/sub"
            ),
            &json!({"org": org_sub, "repos": repos}),
        );
    }

    /// `apps.json`: each installed App (`GET /apps/{slug}`), keyed by slug.
    async fn apps(&mut self, installations: &Value) {
        if self.stopped {
            return;
        }
        let slugs = strings(&installations["installations"], "app_slug");
        let calls = slugs
            .into_iter()
            .map(|s| (s.clone(), vec!["apps".to_string(), s]))
            .collect();
        let got = each(&self.api, calls, None).await;
        self.keyed(APPS, "GET /apps/{app_slug}", got);
    }

    /// `credential-authorizations.json`, or a note when the organization has no SAML SSO.
    async fn credential_authorizations(&mut self) {
        if self.stopped {
            return;
        }
        let org = self.org.clone();
        let segments = ["orgs", org.as_str(), "credential-authorizations"];
        match self.api.list(&segments, &[], Items::Array).await {
            Err(e) if e.is_not_found() => {
                let note = format!(
                    "GET {} answered 404: the organization does not use SAML single sign-on (an Enterprise Cloud feature), so no credential is authorized for it",
                    Api::path(&segments)
                );
                self.notes
                    .insert(CREDENTIAL_AUTHORIZATIONS.to_string(), Value::String(note));
            }
            got => {
                self.keep(CREDENTIAL_AUTHORIZATIONS, &segments, got);
            }
        }
    }

    fn keyed(
        &mut self,
        doc: &'static str,
        call: &str,
        got: Result<Vec<(String, Value)>, GithubError>,
    ) {
        match got {
            Ok(items) => {
                let map: Map<String, Value> = items.into_iter().collect();
                self.put(doc, call, &Value::Object(map));
            }
            Err(e) => self.fail(doc, &e),
        }
    }
}

/// `list[*][field]`, once each, in order.
fn strings(list: &Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in list.as_array().into_iter().flatten() {
        if let Some(s) = item[field].as_str().filter(|s| !s.is_empty())
            && !out.iter().any(|o| o == s)
        {
            out.push(s.to_string());
        }
    }
    out
}

/// One call per `(key, path segments)`: a list when `items` is given, else one object; at
/// most [`PER_REPO_CONCURRENCY`] at once, the answers in the order given. The first failure
/// stops the calls not yet made.
async fn each(
    api: &Api,
    calls: Vec<(String, Vec<String>)>,
    items: Option<Items>,
) -> Result<Vec<(String, Value)>, GithubError> {
    let futures: Vec<_> = calls
        .iter()
        .map(|(_, segments)| {
            let (api, segments) = (api.clone(), segments.clone());
            async move {
                let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
                match items {
                    Some(items) => api.list(&segs, &[], items).await,
                    None => api.get(&segs).await,
                }
            }
        })
        .collect();
    let answers = crate::net::bounded(PER_REPO_CONCURRENCY, futures, GithubError::Stopped)
        .await
        .map_err(|(_, e)| e)?;
    Ok(calls.into_iter().map(|(k, _)| k).zip(answers).collect())
}
