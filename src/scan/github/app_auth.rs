//! Reading as a GitHub App: the App's private key (the PEM file GitHub generates, PKCS#1
//! `BEGIN RSA PRIVATE KEY`; PKCS#8 accepted too) signs an RS256 JWT (`iat` a minute in the
//! past against clock drift, `exp` nine minutes ahead, `iss` the App id); with it,
//! `GET /orgs/{org}/installation` finds the App's installation on the organization and
//! `POST /app/installations/{id}/access_tokens` issues the installation token every other
//! call uses. Neither the key, the JWT nor the token reaches an output: the key is never
//! quoted, and both bearers are scrubbed from everything the API returns.

use super::api::Api;
use super::collect::AppAuth;
use super::error::GithubError;
use crate::net::jwt::{rsa_key, sign_rs256};
use crate::net::{Bearer, NetLimits};
use aws_lc_rs::signature::RsaKeyPair;
use serde_json::json;
use std::io::Read;

/// A key file larger than this is no key file.
const MAX_KEY_BYTES: u64 = 64 * 1024;
/// How far back `iat` is set (GitHub's advice against clock drift).
const BACKDATE_SECONDS: i64 = 60;
/// How far ahead `exp` is set (GitHub accepts at most ten minutes).
const LIFETIME_SECONDS: i64 = 9 * 60;

/// The App's signing key, read from its file.
pub(crate) fn load_key(app: &AppAuth) -> Result<RsaKeyPair, GithubError> {
    let shown = app.key.display();
    let bad = |why: String| GithubError::Credential(format!("--github-app-key {shown}: {why}"));
    let file = std::fs::File::open(&app.key).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let mut text = String::new();
    file.take(MAX_KEY_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| bad(format!("cannot read it as text: {e}")))?;
    if text.len() as u64 > MAX_KEY_BYTES {
        return Err(bad(format!(
            "is larger than {} KiB: not a private key file",
            MAX_KEY_BYTES / 1024
        )));
    }
    rsa_key(&text).map_err(|e| {
        bad(format!(
            "{e}; use the private key GitHub generated for App {} (Settings → Developer settings → GitHub Apps → Private keys)",
            app.app_id
        ))
    })
}

/// The App's JWT at `now` (Unix seconds).
pub(crate) fn jwt(app_id: u64, key: &RsaKeyPair, now: i64) -> Result<Bearer, GithubError> {
    let header = json!({"alg": "RS256", "typ": "JWT"});
    let claims = json!({
        "iat": now - BACKDATE_SECONDS,
        "exp": now + LIFETIME_SECONDS,
        "iss": app_id.to_string(),
    });
    sign_rs256(key, &header, &claims)
        .map(Bearer::new)
        .ok_or_else(|| GithubError::Credential("the App's key could not sign its JWT".into()))
}

/// An API reading organization `org` with the App's installation token (scrubbing the JWT
/// too).
pub(crate) async fn installation_api(
    base: &str,
    app: &AppAuth,
    org: &str,
    limits: &NetLimits,
) -> Result<Api, GithubError> {
    let key = load_key(app)?;
    let jwt = jwt(app.app_id, &key, chrono::Utc::now().timestamp())?;
    let api = Api::new(base, jwt, limits)?;
    let id = app.app_id;
    let installation = api
        .get(&["orgs", org, "installation"])
        .await
        .map_err(|e| {
            let why = if e.is_unauthorized() {
                format!(
                    "GitHub refused the JWT of App {id}: check that --github-app-id is the App's id and --github-app-key its current private key, and this machine's clock"
                )
            } else if e.is_not_found() {
                format!(
                    "GitHub App {id} is not installed on organization {org}: install it there (read-only permissions: README, GitHub permissions), or scan with GITHUB_TOKEN"
                )
            } else {
                format!("the installation of GitHub App {id} on {org} was not found")
            };
            GithubError::Credential(api.scrub(&format!("{why} ({e})")))
        })?;
    let Some(installation_id) = installation["id"].as_u64() else {
        return Err(GithubError::Credential(format!(
            "GET /orgs/{org}/installation gave no installation id (/id)"
        )));
    };
    let installation_id = installation_id.to_string();
    let issued = api
        .post(&["app", "installations", &installation_id, "access_tokens"])
        .await
        .map_err(|e| {
            GithubError::Credential(api.scrub(&format!(
                "GitHub did not issue an installation token for App {id} on {org} ({e})"
            )))
        })?;
    let token = issued["token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            GithubError::Credential(format!(
                "POST /app/installations/{installation_id}/access_tokens gave no token (/token)"
            ))
        })?;
    api.with_bearer(Bearer::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn app(dir: &std::path::Path, name: &str, text: &str) -> AppAuth {
        let key = dir.join(name);
        std::fs::write(&key, text).unwrap();
        AppAuth { app_id: 42, key }
    }

    #[test]
    fn a_bad_key_file_is_named_with_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let missing = AppAuth {
            app_id: 42,
            key: PathBuf::from("/nonexistent/acme.private-key.pem"),
        };
        let e = load_key(&missing).unwrap_err().to_string();
        assert!(
            e.starts_with("--github-app-key /nonexistent/acme.private-key.pem: cannot read it"),
            "{e}"
        );
        let e = load_key(&app(dir.path(), "k.pem", "not a key"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("k.pem: is not a PEM private key"), "{e}");
        assert!(e.contains("GitHub generated for App 42"), "{e}");
        let truncated =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";
        let e = load_key(&app(dir.path(), "t.pem", truncated))
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.pem: is not a usable RSA key"), "{e}");
        assert!(
            !e.contains("MIIEowIBAAKCAQEA"),
            "the key is not quoted: {e}"
        );
        let big = app(dir.path(), "big.pem", &"A".repeat(70_000));
        assert!(
            load_key(&big)
                .unwrap_err()
                .to_string()
                .contains("larger than 64 KiB")
        );
    }
}
