//! `github-token`: one authenticated read of the GitHub REST API (api-shapes §E).
//!
//! The token is the `secret` (best through `secret_env`); `id` is free text naming it (the
//! identity jitgap reported, `release-bot (build-bot)`, `github:acme/installations/25381000`,
//! …) and is echoed as is, so it must not hold a token. The API base URL is
//! `--github-api-url`, `api_url` in `[sources.github]`, else `https://api.github.com` (GitHub
//! Enterprise Server: `https://HOST/api/v3`); plain `http://` only to a loopback host, so a
//! token never crosses a network in clear. Headers: `Authorization: Bearer TOKEN`, `Accept:
//! application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`, `User-Agent: jitgap/…`.
//!
//! - A personal access token (classic or fine-grained) or an OAuth token: `GET /user`.
//! - An installation token (`ghs_…`, or an `id` naming an installation, `…/installations/ID`),
//!   or a token `/user` refuses with 403 "Resource not accessible by integration": `GET
//!   /installation/repositories`, the one read such a token always has.
//!
//! Verdicts:
//! - 401 "Bad credentials" → `effective` (revoked, expired or deleted);
//! - 200 → `not-effective`, saying what it still reaches (the login `/user` names, the
//!   repositories an installation lists). A fine-grained token whose access to one
//!   organization was revoked still authenticates and can read public data (§E.1), as can a
//!   token whose SSO authorization was removed: then a 200 from `/user` does not show the
//!   organization's access remains, and the reason says so;
//! - anything else (403 without bad credentials, SAML enforcement, rate limits, 404, 5xx, a
//!   redirect, a network error, a timeout) → `inconclusive`, with the status.
//!
//! Each call is sent once, never retried. The token reaches no reason: every text leaving the
//! probe is scrubbed of it (see [`super::scrub`]).

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};

use super::{IdError, Outcome, PROBE_TIMEOUT, ProbeOptions};
use crate::net::{NetError, NetLimits};
use crate::scan::github::raw::API_VERSION;

/// Characters of an API message kept in a reason.
const MESSAGE_CHARS: usize = 200;
/// Repositories an installation reaches named in a reason.
const NAMED_REPOSITORIES: usize = 3;
/// The prefixes GitHub gives its tokens (`ghs_`: an App installation's).
const TOKEN_PREFIXES: &[&str] = &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"];
const INSTALLATION_PREFIX: &str = "ghs_";

/// `id` is free text, but not empty and not a token (it is echoed in every result).
pub(super) fn check_id(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::EmptyGithubId);
    }
    if TOKEN_PREFIXES.iter().any(|p| id.contains(p)) {
        return Err(IdError::GithubTokenInId);
    }
    Ok(())
}

/// Whether the token is an App installation's: its prefix, or an `id` naming an installation.
fn installation(id: &str, token: &str) -> bool {
    token.starts_with(INSTALLATION_PREFIX) || id.contains("/installations/")
}

/// Which read a probe sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    User,
    InstallationRepositories,
}

impl Call {
    fn path(self) -> &'static str {
        match self {
            Call::User => "/user",
            Call::InstallationRepositories => "/installation/repositories",
        }
    }
}

pub(super) async fn probe(id: &str, token: &str, opts: &ProbeOptions) -> Outcome {
    let base = opts.github_api_url.trim().trim_end_matches('/').to_string();
    if let Err(why) = check_url(&base) {
        return Outcome::inconclusive(format!(
            "the GitHub API URL `{base}` {why}: check --github-api-url; nothing was sent"
        ));
    }
    if installation(id, token) {
        return call(&base, Call::InstallationRepositories, token).await.0;
    }
    match call(&base, Call::User, token).await {
        // An installation token presented as a personal one: ask what it can read instead.
        (_, true) => call(&base, Call::InstallationRepositories, token).await.0,
        (outcome, false) => outcome,
    }
}

/// GitHub's 403 message to an installation token on `/user`.
const NOT_BY_INTEGRATION: &str = "Resource not accessible by integration";

/// `http(s)://HOST…`, and plain `http` only to loopback.
fn check_url(base: &str) -> Result<(), String> {
    crate::net::check_token_base_url(base)
}

/// One read, and whether the answer was GitHub's refusal of `/user` to an installation token.
async fn call(base: &str, c: Call, token: &str) -> (Outcome, bool) {
    let url = format!("{base}{}", c.path());
    let at = format!("GET {url}");
    let limits = NetLimits {
        request_timeout: PROBE_TIMEOUT,
        max_attempts: 1,
        ..NetLimits::default()
    };
    let client = match crate::net::client(&limits) {
        Ok(c) => c,
        Err(e) => {
            return (
                Outcome::inconclusive(format!("no request sent to {url}: {e}")),
                false,
            );
        }
    };
    let mut auth = match HeaderValue::from_str(&format!("Bearer {token}")) {
        Ok(v) => v,
        Err(_) => {
            return (
                Outcome::inconclusive(
                    "the token holds characters an HTTP header cannot carry; nothing was sent",
                ),
                false,
            );
        }
    };
    auth.set_sensitive(true);
    let sent = crate::net::send(&limits, || {
        client
            .get(&url)
            .header(AUTHORIZATION, auth.clone())
            .header(ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
    })
    .await;
    let outcome = match sent {
        Ok(reply) => {
            let status = reply.status.as_u16();
            if c == Call::User
                && status == 403
                && message(&reply.body).as_deref() == Some(NOT_BY_INTEGRATION)
            {
                return (classify(c, status, None, &reply.body, &at), true);
            }
            let remaining = reply
                .headers
                .get("x-ratelimit-remaining")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .map(str::to_string);
            classify(c, status, remaining.as_deref(), &reply.body, &at)
        }
        Err(NetError::Status { status, .. }) => Outcome::inconclusive(format!(
            "{at} answered HTTP {} ({}); try again later",
            status.as_u16(),
            status.canonical_reason().unwrap_or("no reason")
        )),
        Err(NetError::Transport { reason, .. }) => {
            Outcome::inconclusive(format!("{at}: no answer: {reason}"))
        }
        Err(e) => Outcome::inconclusive(format!("{at}: {e}")),
    };
    (outcome, false)
}

/// The `message` of a GitHub error body, shortened.
fn message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let m = v.get("message")?.as_str()?.trim();
    if m.is_empty() {
        return None;
    }
    let mut short: String = m.chars().take(MESSAGE_CHARS).collect();
    if m.chars().count() > MESSAGE_CHARS {
        short.push('…');
    }
    Some(short)
}

/// The verdict for one answer. Pure, so it is tested without a server. `remaining`: the
/// `x-ratelimit-remaining` header.
pub(super) fn classify(
    c: Call,
    status: u16,
    remaining: Option<&str>,
    body: &str,
    at: &str,
) -> Outcome {
    let msg = message(body);
    let said = msg
        .as_deref()
        .map(|m| format!(" \"{m}\""))
        .unwrap_or_default();
    match status {
        200 => reached(c, body, at),
        401 if msg
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().contains("bad credentials")) =>
        {
            Outcome::effective(format!(
                "{at} rejected the token (HTTP 401{said}): it is revoked, expired or deleted"
            ))
        }
        403 | 429
            if remaining == Some("0")
                || msg
                    .as_deref()
                    .is_some_and(|m| m.to_ascii_lowercase().contains("rate limit")) =>
        {
            Outcome::inconclusive(format!(
                "{at} throttled the probe (HTTP {status}{said}); try again after the rate limit resets"
            ))
        }
        403 if c == Call::User && msg.as_deref() == Some(NOT_BY_INTEGRATION) => {
            Outcome::inconclusive(format!(
                "{at} answered HTTP 403{said}: an installation token (asking /installation/repositories)"
            ))
        }
        403 if msg.as_deref().is_some_and(|m| m.contains("SAML")) => {
            Outcome::inconclusive(format!(
                "{at} answered HTTP 403{said}: the token is valid but not authorized for the \
             organization's SAML SSO, which says nothing certain about its revocation"
            ))
        }
        300..=399 => Outcome::inconclusive(format!(
            "{at} answered HTTP {status} (a redirect: is --github-api-url the API itself, e.g. https://HOST/api/v3?)"
        )),
        500..=599 => Outcome::inconclusive(format!(
            "{at} failed with HTTP {status}{said}; try again later"
        )),
        _ => Outcome::inconclusive(format!(
            "{at} answered HTTP {status}{said}, which says nothing certain about the token"
        )),
    }
}

/// A 200: what the token still reaches.
fn reached(c: Call, body: &str, at: &str) -> Outcome {
    let v: Option<serde_json::Value> = serde_json::from_str(body).ok();
    match c {
        Call::User => {
            let Some(login) = v
                .as_ref()
                .and_then(|v| v.get("login"))
                .and_then(|l| l.as_str())
                .filter(|l| !l.is_empty())
            else {
                return Outcome::inconclusive(format!(
                    "{at} answered HTTP 200 without a user's `login`"
                ));
            };
            Outcome::not_effective(format!(
                "the token still works: {at} answered 200 as {login}. If the revocation was an \
                 organization's (a fine-grained token's access to it revoked, an SSO \
                 authorization removed), the token still reads public data, so this alone does \
                 not show the organization's access remains: check the organization's list \
                 (jitgap scan)"
            ))
        }
        Call::InstallationRepositories => {
            let Some(v) = v.filter(|v| v.get("repositories").is_some_and(|r| r.is_array())) else {
                return Outcome::inconclusive(format!(
                    "{at} answered HTTP 200 without a `repositories` list"
                ));
            };
            let names: Vec<&str> = v["repositories"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("full_name").and_then(|n| n.as_str()))
                .collect();
            let total = v
                .get("total_count")
                .and_then(|n| n.as_u64())
                .unwrap_or(names.len() as u64);
            let mut shown: Vec<&str> = names.iter().take(NAMED_REPOSITORIES).copied().collect();
            if total as usize > shown.len() {
                shown.push("…");
            }
            let list = if shown.is_empty() {
                String::new()
            } else {
                format!(" ({})", shown.join(", "))
            };
            Outcome::not_effective(format!(
                "the installation token still works: {at} answered 200: it reaches {total} \
                 repositor{}{list}",
                if total == 1 { "y" } else { "ies" }
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Revocation::*;

    #[test]
    fn ids_are_free_text_but_never_a_token() {
        for good in [
            "release-bot (build-bot)",
            "github:acme/installations/25381000",
            "ci token",
        ] {
            assert!(check_id(good).is_ok(), "{good}");
        }
        for bad in ["", "ghp_abc", "old github_pat_11AB token"] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
        assert!(installation(
            "x",
            "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
        ));
        assert!(installation("github:acme/installations/7", "gho_x"));
        assert!(!installation("release-bot (build-bot)", "github_pat_x"));
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("https://api.github.com").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://localhost:8080/api/v3").is_ok());
        assert!(check_url("http://[::1]:8080").is_ok());
        assert!(check_url("http://github.example.com/api/v3").is_err());
        assert!(check_url("ftp://github.example.com").is_err());
    }

    #[test]
    fn classifies_answers() {
        let v = |c, status, remaining, body: &str| {
            classify(c, status, remaining, body, "GET u").verdict
        };
        let bad = r#"{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}"#;
        assert_eq!(v(Call::User, 401, None, bad), Effective);
        assert_eq!(v(Call::InstallationRepositories, 401, None, bad), Effective);
        assert_eq!(
            v(
                Call::User,
                401,
                None,
                r#"{"message": "Requires authentication"}"#
            ),
            Inconclusive
        );
        assert_eq!(
            v(Call::User, 200, None, r#"{"login": "build-bot"}"#),
            NotEffective
        );
        assert_eq!(v(Call::User, 200, None, "{}"), Inconclusive);
        assert_eq!(
            v(
                Call::InstallationRepositories,
                200,
                None,
                r#"{"total_count": 0, "repositories": []}"#
            ),
            NotEffective
        );
        assert_eq!(
            v(
                Call::InstallationRepositories,
                200,
                None,
                r#"{"login": "x"}"#
            ),
            Inconclusive
        );
        assert_eq!(
            v(
                Call::User,
                403,
                Some("0"),
                r#"{"message": "API rate limit exceeded"}"#
            ),
            Inconclusive
        );
        assert_eq!(
            v(
                Call::User,
                403,
                None,
                r#"{"message": "Resource protected by organization SAML enforcement."}"#
            ),
            Inconclusive
        );
        assert_eq!(
            v(Call::User, 404, None, r#"{"message": "Not Found"}"#),
            Inconclusive
        );
        assert_eq!(v(Call::User, 500, None, "<html>"), Inconclusive);
        assert_eq!(v(Call::User, 301, None, ""), Inconclusive);
        let r = classify(
            Call::InstallationRepositories,
            200,
            None,
            r#"{"total_count": 5, "repositories": [{"full_name": "acme/a"}, {"full_name": "acme/b"}, {"full_name": "acme/c"}, {"full_name": "acme/d"}]}"#,
            "GET u",
        );
        assert!(
            r.reason
                .contains("it reaches 5 repositories (acme/a, acme/b, acme/c, …)"),
            "{}",
            r.reason
        );
        let long = format!(r#"{{"message": "{}"}}"#, "x".repeat(500));
        let r = classify(Call::User, 418, None, &long, "GET u");
        assert!(
            r.reason.len() < 400 && r.reason.contains('…'),
            "{}",
            r.reason
        );
    }
}
