//! `gcp-service-account-key`: one signed-JWT token grant (RFC 7523) at the Google OAuth 2.0
//! token endpoint.
//!
//! The key is the JSON file `gcloud iam service-accounts keys create` writes (`type:
//! service_account`, `project_id`, `private_key_id`, `private_key` (PKCS#8 PEM),
//! `client_email`, `client_id`, `token_uri`, …); `secret_env` names a variable holding either
//! that JSON or the path of the file. A JWT with header `{"alg": "RS256", "typ": "JWT", "kid":
//! private_key_id}` and claims `iss` = `sub` = `client_email`, `scope` =
//! `https://www.googleapis.com/auth/cloud-platform`, `aud` = the token URL, `iat` = now and
//! `exp` = now + 1 h is signed with the private key (RSASSA-PKCS1-v1_5 SHA-256) and POSTed
//! form-encoded: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT`.
//!
//! The token URL is `--gcp-token-url`, `token_url` in `[sources.gcp]`, else
//! `https://oauth2.googleapis.com/token` — never the key file's own `token_uri`: a file must
//! not be able to send a signed assertion to a host the user did not choose.
//!
//! - HTTP 200 with an `access_token` → `not-effective` (the token is skipped unread);
//! - HTTP 400 `invalid_grant` → `effective`: "Invalid JWT Signature." (the key is deleted or
//!   disabled), "Invalid grant: account not found" (the service account is deleted or
//!   disabled). Two `invalid_grant` answers say nothing about the key and stay
//!   `inconclusive`: a JWT outside its time window (this machine's clock) and a failed
//!   audience check (the token URL is not Google's);
//! - anything else (401 `invalid_client`, 403, 429, 5xx, a body that is not OAuth JSON, a
//!   network error, a timeout), and a key that cannot be read or is not an RSA service-account
//!   key → `inconclusive`.
//!
//! One request is sent, never retried. Neither the private key, the assertion nor a token
//! reaches a reason: the answer is read with the assertion taken out of it, and every reason
//! is scrubbed of the key and the assertion before it leaves.

use aws_lc_rs::signature::RsaKeyPair;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::{IdError, Outcome, ProbeOptions, form_urlencode};
use crate::net::jwt::{KeyProblem, rsa_key, sign_rs256};
use crate::redact::REDACTED;

/// The access asked for; the token is never used.
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Lifetime of the assertion (Google accepts at most one hour).
const ASSERTION_SECONDS: i64 = 3600;
/// A key file larger than this is no key file.
const MAX_KEY_BYTES: u64 = 64 * 1024;
/// Characters of `error_description` kept in a reason.
const DESCRIPTION_CHARS: usize = 200;

/// `id`: the key's resource name `projects/P/serviceAccounts/SA/keys/KEY_ID` (as `gcloud iam
/// service-accounts keys list` and jitgap's findings name it; `P` may be `-`, `SA` the email
/// or the unique id) or the service account's email.
pub(super) fn check_id(id: &str) -> Result<(), IdError> {
    if key_name(id).is_some() || is_email(id) {
        Ok(())
    } else {
        Err(IdError::NotGcpKey)
    }
}

/// `(project, account, key id)` of a key's resource name.
fn key_name(id: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["projects", p, "serviceAccounts", sa, "keys", k]
            if !p.is_empty()
                && (is_email(sa) || (!sa.is_empty() && sa.bytes().all(|b| b.is_ascii_digit())))
                && !k.is_empty()
                && k.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Some((p, sa, k))
        }
        _ => None,
    }
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && text.bytes().all(|b| b.is_ascii_graphic() && b != b'/')
}

/// The part of a `secret_env` value that is secret: the key JSON when it is given inline;
/// nothing when it is a path (the file's content is scrubbed by the probe itself, and the
/// path names the file in reasons).
pub(super) fn secret_text(secret: &str) -> &str {
    if inline(secret) { secret } else { "" }
}

fn inline(secret: &str) -> bool {
    secret.trim_start().starts_with('{')
}

/// A service-account key, as much of it as the probe needs.
struct Key {
    email: String,
    client_id: Option<String>,
    project: Option<String>,
    key_id: String,
    pem: String,
    pair: RsaKeyPair,
}

impl Key {
    /// `projects/P/serviceAccounts/EMAIL/keys/KEY_ID`.
    fn name(&self) -> String {
        format!(
            "projects/{}/serviceAccounts/{}/keys/{}",
            self.project.as_deref().unwrap_or("-"),
            self.email,
            self.key_id
        )
    }

    /// Whether `id` names this key (or its service account).
    fn named_by(&self, id: &str) -> bool {
        match key_name(id) {
            Some((p, sa, k)) => {
                k.eq_ignore_ascii_case(&self.key_id)
                    && (sa.eq_ignore_ascii_case(&self.email)
                        || self.client_id.as_deref() == Some(sa))
                    && (p == "-" || self.project.as_deref().is_none_or(|own| own == p))
            }
            None => id.eq_ignore_ascii_case(&self.email),
        }
    }
}

/// The key JSON from the variable or the file it names. Errors quote no part of the key.
fn load(secret: &str) -> Result<(Key, String), String> {
    let text = if inline(secret) {
        secret.to_string()
    } else {
        let path = secret.trim();
        let size = std::fs::metadata(path)
            .map_err(|e| format!("cannot read the key file {path}: {e}"))?
            .len();
        if size > MAX_KEY_BYTES {
            return Err(format!(
                "the key file {path} holds {size} bytes: not a service-account key file"
            ));
        }
        std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the key file {path}: {e}"))?
    };
    let where_ = if inline(secret) {
        "the key in secret_env".to_string()
    } else {
        format!("the key file {}", secret.trim())
    };
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{where_} is not JSON ({} at line {} column {})",
            match e.classify() {
                serde_json::error::Category::Eof => "it ends early",
                _ => "syntax error",
            },
            e.line(),
            e.column()
        )
    })?;
    let field = |name: &str| {
        v.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match field("type").as_deref() {
        Some("service_account") => {}
        Some(other) => {
            return Err(format!(
                "{where_} is of type `{other}`, not a service-account key (`type: service_account`)"
            ));
        }
        None => {
            return Err(format!(
                "{where_} has no `type`: expected a service-account key file (`type: service_account`)"
            ));
        }
    }
    let need = |name: &str| field(name).ok_or_else(|| format!("{where_} has no `{name}`"));
    let (email, key_id, pem) = (
        need("client_email")?,
        need("private_key_id")?,
        need("private_key")?,
    );
    let pair = rsa_key(&pem).map_err(|e| match e {
        KeyProblem::NotPem => format!(
            "the `private_key` of {where_} is not a PEM private key (-----BEGIN PRIVATE KEY-----)"
        ),
        other => format!("the `private_key` of {where_} {other}"),
    })?;
    let key = Key {
        email,
        client_id: field("client_id"),
        project: field("project_id"),
        key_id,
        pem,
        pair,
    };
    Ok((key, text))
}

/// The signed assertion for `key` at `audience`, issued at `now` (Unix seconds).
fn assertion(key: &Key, audience: &str, now: i64) -> Result<String, String> {
    let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": key.key_id});
    let claims = serde_json::json!({
        "iss": key.email,
        "sub": key.email,
        "scope": SCOPE,
        "aud": audience,
        "iat": now,
        "exp": now + ASSERTION_SECONDS,
    });
    sign_rs256(&key.pair, &header, &claims)
        .ok_or_else(|| "the key could not sign the assertion".to_string())
}

/// Takes every piece of key material and the assertion out of `text`.
struct Scrubber {
    needles: Vec<String>,
}

impl Scrubber {
    fn new(key_text: &str, pem: &str) -> Scrubber {
        let mut needles = vec![key_text.to_string(), pem.to_string()];
        let body: Vec<&str> = pem
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----") && !l.is_empty())
            .collect();
        needles.push(body.concat());
        needles.extend(body.iter().filter(|l| l.len() >= 16).map(|l| l.to_string()));
        Scrubber { needles }
    }

    fn add(&mut self, assertion: &str) {
        self.needles.push(assertion.to_string());
        if let Some((_, signature)) = assertion.rsplit_once('.') {
            self.needles.push(signature.to_string());
        }
    }

    fn clean(&self, text: &str) -> String {
        let mut needles: Vec<&String> = self.needles.iter().filter(|n| n.len() >= 8).collect();
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        needles
            .into_iter()
            .fold(text.to_string(), |t, n| t.replace(n.as_str(), REDACTED))
    }
}

pub(super) async fn probe(id: &str, secret: &str, opts: &ProbeOptions) -> Outcome {
    let url = opts.gcp_token_url.trim().to_string();
    let (key, text) = match load(secret) {
        Ok(loaded) => loaded,
        Err(why) => return Outcome::inconclusive(format!("{why}; nothing was sent")),
    };
    let mut scrubber = Scrubber::new(&text, &key.pem);
    let outcome = send(id, &key, &url, &mut scrubber).await;
    Outcome {
        verdict: outcome.verdict,
        reason: scrubber.clean(&outcome.reason),
    }
}

async fn send(id: &str, key: &Key, url: &str, scrubber: &mut Scrubber) -> Outcome {
    let name = key.name();
    if !key.named_by(id) {
        return Outcome::inconclusive(format!(
            "the key in secret_env is {name}, not the key `id` names; nothing was sent"
        ));
    }
    let at = format!("the token endpoint {url}");
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "https" | "http") => {}
        _ => {
            return Outcome::inconclusive(format!(
                "the token URL `{url}` is not an http(s) URL: check --gcp-token-url; nothing was sent"
            ));
        }
    }
    let jwt = match assertion(key, url, chrono::Utc::now().timestamp()) {
        Ok(jwt) => jwt,
        Err(why) => return Outcome::inconclusive(format!("{why}; nothing was sent")),
    };
    scrubber.add(&jwt);
    let body = format!(
        "grant_type={}&assertion={}",
        form_urlencode(GRANT_TYPE),
        form_urlencode(&jwt)
    );
    match super::post_form(url, &at, body).await {
        Ok((status, text)) => classify(status, &scrubber.clean(&text), &at, &name),
        Err(outcome) => outcome,
    }
}

/// The token endpoint's answer. Only the presence of `access_token` is read; its value is
/// skipped, never held.
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    access_token: Option<IgnoredAny>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl Answer {
    /// `error: description`, the description shortened.
    fn summary(&self) -> String {
        let mut text = self
            .error_description
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_string();
        if text.chars().count() > DESCRIPTION_CHARS {
            text = text.chars().take(DESCRIPTION_CHARS).collect::<String>() + "…";
        }
        match (self.error.as_deref(), text.is_empty()) {
            (Some(e), false) => format!("{e}: {text}"),
            (Some(e), true) => e.to_string(),
            (None, false) => text,
            (None, true) => "no error description".to_string(),
        }
    }
}

/// The verdict for one answer of the token endpoint. Pure, so it is tested without a server.
pub(super) fn classify(status: u16, body: &str, at: &str, key: &str) -> Outcome {
    let answer = serde_json::from_str::<Answer>(body).ok();
    if status == 200 {
        return match answer {
            Some(Answer {
                access_token: Some(_),
                ..
            }) => Outcome::not_effective(format!(
                "the key still works: {at} issued an access token for {key} \
                 (the token was discarded unread)"
            )),
            _ => Outcome::inconclusive(format!("{at} answered HTTP 200 without an access token")),
        };
    }
    let Some(answer) = answer else {
        let hint = match status {
            300..=399 => " (a redirect: is --gcp-token-url the token endpoint itself?)",
            429 => " (throttled; try again later)",
            500..=599 => " (a server error; try again later)",
            _ => "",
        };
        return Outcome::inconclusive(format!(
            "{at} answered HTTP {status} with a body that is not an OAuth error{hint}"
        ));
    };
    let summary = answer.summary();
    if status == 400 && answer.error.as_deref() == Some("invalid_grant") {
        let description = answer
            .error_description
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        if [
            "timeframe",
            "short-lived",
            "iat and exp",
            "iat value",
            "exp value",
            "clock",
        ]
        .iter()
        .any(|w| description.contains(w))
        {
            return Outcome::inconclusive(format!(
                "{at} refused the assertion's time window ({summary}): check this machine's \
                 clock; nothing is known about {key}"
            ));
        }
        if description.contains("audience") {
            return Outcome::inconclusive(format!(
                "{at} refused the assertion's audience ({summary}): is --gcp-token-url \
                 Google's token endpoint? Nothing is known about {key}"
            ));
        }
        return Outcome::effective(format!(
            "{at} rejected {key} ({summary}): the key, or its service account, is deleted \
             or disabled"
        ));
    }
    match status {
        429 => Outcome::inconclusive(format!(
            "{at} throttled the probe (HTTP 429, {summary}); try again later"
        )),
        500..=599 => Outcome::inconclusive(format!(
            "{at} failed with HTTP {status} ({summary}); try again later"
        )),
        _ => Outcome::inconclusive(format!(
            "{at} answered HTTP {status} ({summary}), which says nothing certain about {key}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Revocation;

    #[test]
    fn ids_are_key_names_or_emails() {
        let email = "deployer@acme-prod.iam.gserviceaccount.com";
        for good in [
            format!(
                "projects/acme-prod/serviceAccounts/{email}/keys/2f9c1e0d7b6a5948372615a4b3c2d1e0f9a8b7c6"
            ),
            format!("projects/-/serviceAccounts/{email}/keys/2f9c1e0d"),
            "projects/acme-prod/serviceAccounts/104857600000000000001/keys/2f9c".to_string(),
            email.to_string(),
        ] {
            assert!(check_id(&good).is_ok(), "{good}");
        }
        for bad in [
            "2f9c1e0d7b6a5948372615a4b3c2d1e0f9a8b7c6",
            "deployer",
            "a@b",
            "a@@b.c",
            "projects/acme-prod/serviceAccounts/deployer/keys/2f9c",
            "projects//serviceAccounts/a@b.c/keys/2f9c",
            "projects/p/serviceAccounts/a@b.c/keys/",
            "",
        ] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn classifies_token_endpoint_answers() {
        let v = |status, body: &str| classify(status, body, "the token endpoint t", "k").verdict;
        use Revocation::*;
        let grant = |d: &str| {
            serde_json::json!({"error": "invalid_grant", "error_description": d}).to_string()
        };
        assert_eq!(v(400, &grant("Invalid JWT Signature.")), Effective);
        assert_eq!(
            v(400, &grant("Invalid grant: account not found")),
            Effective
        );
        assert_eq!(
            v(
                400,
                &grant(
                    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
                )
            ),
            Inconclusive
        );
        assert_eq!(
            v(400, &grant("Invalid JWT: Failed audience check.")),
            Inconclusive
        );
        assert_eq!(
            v(
                200,
                r#"{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}"#
            ),
            NotEffective
        );
        assert_eq!(v(200, r#"{"token_type":"Bearer"}"#), Inconclusive);
        assert_eq!(
            v(
                401,
                r#"{"error":"invalid_client","error_description":"The OAuth client was not found."}"#
            ),
            Inconclusive
        );
        assert_eq!(v(401, &grant("Invalid JWT Signature.")), Inconclusive);
        assert_eq!(v(403, r#"{"error":"access_denied"}"#), Inconclusive);
        assert_eq!(v(429, &grant("x")), Inconclusive);
        assert_eq!(v(503, "<html>busy</html>"), Inconclusive);
        assert_eq!(v(302, ""), Inconclusive);
        let long = "x".repeat(500);
        let reason = classify(400, &grant(&long), "t", "k").reason;
        assert!(reason.len() < 400 && reason.contains('…'), "{reason}");
    }

    #[test]
    fn key_files_that_are_no_rsa_service_account_keys_are_named() {
        let err = |text: &str| load(text).err().unwrap();
        assert!(
            err("{\"type\": ").contains("is not JSON (it ends early"),
            "bad JSON"
        );
        assert!(
            err(r#"{"type": "authorized_user", "client_id": "x"}"#)
                .contains("type `authorized_user`")
        );
        assert!(err(r#"{"client_email": "a@b.c"}"#).contains("has no `type`"));
        assert!(
            err(r#"{"type": "service_account", "client_email": "a@b.c", "private_key_id": "k"}"#)
                .contains("has no `private_key`")
        );
        let e = err(
            r#"{"type": "service_account", "client_email": "a@b.c", "private_key_id": "k", "private_key": "MIIEvQIBADANBg"}"#,
        );
        assert!(
            e.contains("not a PEM private key") && !e.contains("MIIE"),
            "{e}"
        );
        let e = err("/nonexistent/jitgap/key.json");
        assert!(
            e.starts_with("cannot read the key file /nonexistent/jitgap/key.json"),
            "{e}"
        );
        assert_eq!(secret_text(" {\"type\": 1}"), " {\"type\": 1}");
        assert_eq!(secret_text("/etc/key.json"), "");
    }
}
