//! The native GitHub documents an organization is read from. Live collection and snapshot
//! files hold the same documents (a [`crate::scan::RawScope`]), so there is one parse path.
//!
//! Lists are stored as the API returns them, pages merged (the `Link` header dropped).
//! Per-repository lists are one object keyed by the repository's `full_name`.
//!
//! Snapshot layout, per organization: `github/<org>/`
//! - `org.json` — `GET /orgs/{org}`: marks the folder as an organization (required)
//! - `repos.json` — `GET /orgs/{org}/repos?type=all` (a plain array)
//! - `deploy-keys.json` — `GET /repos/{owner}/{repo}/keys`, keyed by `full_name`:
//!   `{"acme/api": [...]}`
//! - `oidc-sub.json` — the Actions OIDC subject templates:
//!   `{"org": GET /orgs/{org}/actions/oidc/customization/sub,
//!     "repos": {"acme/api": GET /repos/{o}/{r}/actions/oidc/customization/sub}}`
//! - `installations.json` — `GET /orgs/{org}/installations` (`{total_count, installations[]}`)
//! - `apps.json` — `GET /apps/{app_slug}` of each installed App, keyed by slug (the App's
//!   owner tells a first-party App from a third-party one)
//! - `personal-access-tokens.json` — `GET /orgs/{org}/personal-access-tokens` (fine-grained
//!   PATs approved for the org; only a GitHub App may read it)
//! - `credential-authorizations.json` — `GET /orgs/{org}/credential-authorizations` (SAML
//!   SSO authorizations of classic PATs and SSH keys; Enterprise Cloud only)
//! - `admins.json` — `GET /orgs/{org}/members?role=admin` (who may have added a key)
//! - `notes.json` — `{"<document>": "why it is absent"}`: what the collector knows about a
//!   document it did not write (a 404 on credential authorizations: the org does not use
//!   SAML SSO)
//!
//! A document that is absent from a snapshot was not collected: the verdicts that need it
//! are `unknown` and say which. A list that could not be read live is absent too, and the
//! scope carries the error (partial).

pub const ORG: &str = "org.json";
pub const REPOS: &str = "repos.json";
pub const DEPLOY_KEYS: &str = "deploy-keys.json";
pub const OIDC_SUB: &str = "oidc-sub.json";
pub const INSTALLATIONS: &str = "installations.json";
pub const APPS: &str = "apps.json";
pub const PATS: &str = "personal-access-tokens.json";
pub const CREDENTIAL_AUTHORIZATIONS: &str = "credential-authorizations.json";
pub const ADMINS: &str = "admins.json";
pub const NOTES: &str = "notes.json";

/// The documents of an organization folder (`org.json` first: it is the required one).
pub const DOCUMENTS: &[&str] = &[
    ORG,
    REPOS,
    DEPLOY_KEYS,
    OIDC_SUB,
    INSTALLATIONS,
    APPS,
    PATS,
    CREDENTIAL_AUTHORIZATIONS,
    ADMINS,
    NOTES,
];

/// The REST API version every request names (`X-GitHub-Api-Version`).
pub const API_VERSION: &str = "2022-11-28";

/// The default API base URL (GitHub Enterprise Server: `https://HOST/api/v3`).
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// The only calls the collector may send: a method and a path template (`{id}` is one path
/// segment). Only GETs, and one POST: exchanging the App's JWT for an installation token,
/// which changes nothing in the organization. Anything else is refused before it is sent.
pub const ALLOWED_OPERATIONS: &[&str] = &[
    "GET /orgs/{id}",
    "GET /orgs/{id}/repos",
    "GET /repos/{id}/{id}/keys",
    "GET /orgs/{id}/actions/oidc/customization/sub",
    "GET /repos/{id}/{id}/actions/oidc/customization/sub",
    "GET /orgs/{id}/installations",
    "GET /apps/{id}",
    "GET /orgs/{id}/personal-access-tokens",
    "GET /orgs/{id}/credential-authorizations",
    "GET /orgs/{id}/members",
    "GET /orgs/{id}/installation",
    "POST /app/installations/{id}/access_tokens",
];

/// The operation template a request matches (`GET`, `/repos/acme/api/keys` →
/// `GET /repos/{id}/{id}/keys`); `None` when it is not allowed. A GitHub Enterprise Server
/// base path (`/api/v3`) is stripped before matching.
pub fn operation_of(method: &str, path: &str) -> Option<&'static str> {
    let path = path.strip_prefix("/api/v3").unwrap_or(path);
    crate::scan::json::operation_of(ALLOWED_OPERATIONS, method, path, false)
}

/// The permission a document needs, for the error of a 401/403/404 on it: a GitHub App's
/// permission, then a classic token's scope.
pub fn permission_for(document: &str) -> &'static str {
    match document {
        ORG | REPOS => {
            "App: Repository Metadata read; classic token: read:org (and repo for private repositories)"
        }
        DEPLOY_KEYS => {
            "App: Repository Administration read; classic token: repo (as an org owner or repository admin)"
        }
        OIDC_SUB => {
            "App: Organization Administration read and Repository Actions read; classic token: read:org and repo"
        }
        INSTALLATIONS => {
            "App: Organization Administration read; classic token: read:org as an org owner"
        }
        APPS => "none (public App metadata); the App may have been deleted",
        PATS => {
            "a GitHub App with Organization Personal access tokens read (--github-app-id and --github-app-key): GitHub refuses this list to personal access tokens"
        }
        CREDENTIAL_AUTHORIZATIONS => {
            "classic token: read:org as an org owner (SAML SSO orgs on Enterprise Cloud)"
        }
        ADMINS => "App: Organization Members read; classic token: read:org",
        _ => "the GitHub permissions jitgap reads (README: GitHub permissions)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_match_templates_only() {
        assert_eq!(
            operation_of("GET", "/repos/acme/api/keys?per_page=100"),
            Some("GET /repos/{id}/{id}/keys")
        );
        assert_eq!(
            operation_of("GET", "/api/v3/orgs/acme/members?role=admin"),
            Some("GET /orgs/{id}/members")
        );
        assert_eq!(
            operation_of("POST", "/app/installations/42/access_tokens"),
            Some("POST /app/installations/{id}/access_tokens")
        );
        assert_eq!(
            operation_of("POST", "/orgs/acme/personal-access-tokens"),
            None
        );
        assert_eq!(operation_of("DELETE", "/repos/acme/api/keys/1"), None);
        assert_eq!(operation_of("GET", "/repos/acme/api/keys/1"), None);
        assert_eq!(
            operation_of("DELETE", "/orgs/acme/credential-authorizations/1"),
            None
        );
        assert_eq!(operation_of("GET", "/user"), None);
    }
}
