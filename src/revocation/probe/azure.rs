//! `azure-client-secret`: one client-credentials token request to the Entra authority.
//!
//! `POST {authority}/{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, the
//! client id, the secret and `scope=https://graph.microsoft.com/.default`. The request
//! grants nothing by itself: it asks for an app-only token, which is dropped unread. The
//! answer speaks to the secret:
//!
//! - `AADSTS7000215` (invalid client secret), `AADSTS7000222` (expired client secret) or
//!   `AADSTS700016` (no such application in the tenant) → `effective`;
//! - HTTP 200 with an `access_token` → `not-effective` (the token is neither kept nor shown);
//! - anything else — another AADSTS code (`AADSTS90002` tenant not found, …), 429, 5xx, a
//!   redirect, a body that is not Entra's JSON, a network error, a timeout → `inconclusive`.
//!
//! Codes are read from `error_codes`, else from the `AADSTS<digits>` prefix of
//! `error_description`. Exactly one attempt is made, whatever the answer: a second one
//! proves nothing more and adds a failed sign-in to the tenant's logs.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{IdError, Outcome, ProbeOptions, form_urlencode};

/// The token audience asked for: Microsoft Graph, app-only.
const SCOPE: &str = "https://graph.microsoft.com/.default";

/// The AADSTS codes that prove the secret no longer signs in, with what each means.
const GONE: &[(u64, &str)] = &[
    (
        7000215,
        "invalid client secret: the secret is deleted or was never this application's",
    ),
    (7000222, "the client secret has expired"),
    (700016, "no application with this client id in the tenant"),
];

/// Characters of `error_description` kept in a reason.
const DESCRIPTION_CHARS: usize = 200;

/// A client (application) id: a GUID.
pub(super) fn check_id(id: &str) -> Result<(), IdError> {
    if is_guid(id) {
        Ok(())
    } else {
        Err(IdError::NotClientId)
    }
}

/// A tenant id (GUID) or a domain name (`contoso.onmicrosoft.com`, a verified custom domain).
/// The multi-tenant aliases (`common`, `organizations`, `consumers`) have no dot and are
/// refused: they cannot issue a client-credentials token.
pub(super) fn check_tenant(tenant: &str) -> Result<(), IdError> {
    if is_guid(tenant) || is_domain(tenant) {
        Ok(())
    } else {
        Err(IdError::NotTenant)
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Two or more labels of letters, digits and inner hyphens (1–63 characters each), at most
/// 253 characters, the last label not all digits (no IP address).
fn is_domain(text: &str) -> bool {
    let labels: Vec<&str> = text.split('.').collect();
    text.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|l| !l.bytes().all(|b| b.is_ascii_digit()))
}

pub(super) async fn probe(tenant: &str, id: &str, secret: &str, opts: &ProbeOptions) -> Outcome {
    let authority = opts.azure_authority_url.trim_end_matches('/');
    let at = format!("Entra tenant {tenant} at {authority}");
    let url = format!("{authority}/{tenant}/oauth2/v2.0/token");
    if let Err(e) = reqwest::Url::parse(&url) {
        return Outcome::inconclusive(format!(
            "the Entra authority `{authority}` does not make a URL ({e}): check --azure-authority-url"
        ));
    }
    let body = [
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
        ("scope", SCOPE),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", form_urlencode(v)))
    .collect::<Vec<_>>()
    .join("&");
    match super::post_form(&url, &at, body).await {
        Ok((status, text)) => classify(status, &text, &at, id),
        Err(outcome) => outcome,
    }
}

/// The token endpoint's answer: a token, or Entra's error shape. Only the presence of
/// `access_token` is read; its value is skipped, never held.
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    access_token: Option<IgnoredAny>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Option<Vec<serde_json::Value>>,
}

impl Answer {
    /// `error_codes`, else the `AADSTS<digits>` prefix of `error_description`.
    fn codes(&self) -> Vec<u64> {
        let listed: Vec<u64> = self
            .error_codes
            .iter()
            .flatten()
            .filter_map(serde_json::Value::as_u64)
            .collect();
        if !listed.is_empty() {
            return listed;
        }
        let prefix = self
            .error_description
            .as_deref()
            .and_then(|d| d.trim_start().strip_prefix("AADSTS"))
            .map(|rest| {
                rest.bytes()
                    .take_while(u8::is_ascii_digit)
                    .map(char::from)
                    .collect::<String>()
            });
        prefix.and_then(|p| p.parse().ok()).into_iter().collect()
    }

    /// `error` and the first sentence of `error_description`, without its trace and
    /// correlation ids, shortened.
    fn summary(&self) -> String {
        let description = self.error_description.as_deref().unwrap_or("");
        let cut = [" Trace ID:", "\r\n", "\n"]
            .iter()
            .filter_map(|m| description.find(m))
            .min()
            .unwrap_or(description.len());
        let mut text: String = description[..cut].trim().to_string();
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
pub(super) fn classify(status: u16, body: &str, at: &str, client: &str) -> Outcome {
    let answer = serde_json::from_str::<Answer>(body).ok();
    if status == 200 {
        return match answer {
            Some(Answer {
                access_token: Some(_),
                ..
            }) => Outcome::not_effective(format!(
                "the secret still works: {at} issued an access token to client {client} \
                 (the token was discarded unread)"
            )),
            _ => Outcome::inconclusive(format!("{at} answered HTTP 200 without an access token")),
        };
    }
    let Some(answer) = answer else {
        return Outcome::inconclusive(format!(
            "{at} answered HTTP {status} with a body that is not Entra's JSON{}",
            status_hint(status)
        ));
    };
    let codes = answer.codes();
    let summary = answer.summary();
    if matches!(status, 400 | 401)
        && let Some((code, meaning)) = codes.iter().find_map(|c| GONE.iter().find(|(g, _)| g == c))
    {
        return Outcome::effective(format!(
            "{at} rejected the secret: AADSTS{code} ({meaning})"
        ));
    }
    let named = codes
        .first()
        .map(|c| format!("AADSTS{c}"))
        .unwrap_or_else(|| "no AADSTS code".to_string());
    match (status, codes.first()) {
        (429, _) => Outcome::inconclusive(format!(
            "{at} throttled the probe (HTTP 429, {named}); try again later"
        )),
        (500..=599, _) => Outcome::inconclusive(format!(
            "{at} failed with HTTP {status} ({named}: {summary}); try again later"
        )),
        (_, Some(90002)) => Outcome::inconclusive(format!(
            "{at} answered AADSTS90002: no such tenant, so nothing is known about the secret; \
             check `tenant` ({summary})"
        )),
        _ => Outcome::inconclusive(format!(
            "{at} answered HTTP {status} with {named}, which says nothing certain about the \
             secret ({summary})"
        )),
    }
}

fn status_hint(status: u16) -> &'static str {
    match status {
        300..=399 => " (a redirect: is --azure-authority-url the authority itself?)",
        429 => " (throttled; try again later)",
        500..=599 => " (a server error; try again later)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Revocation;

    fn entra(code: u64, description: &str) -> String {
        serde_json::json!({
            "error": "invalid_client",
            "error_description": format!("AADSTS{code}: {description} Trace ID: 0b1c Correlation ID: 9f8e Timestamp: 2025-01-01 00:00:00Z"),
            "error_codes": [code],
            "timestamp": "2025-01-01 00:00:00Z",
            "trace_id": "0b1c",
            "correlation_id": "9f8e",
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}")
        })
        .to_string()
    }

    #[test]
    fn classifies_token_endpoint_answers() {
        let v = |status, body: &str| classify(status, body, "tenant t", "c").verdict;
        use Revocation::*;
        assert_eq!(
            v(401, &entra(7000215, "Invalid client secret provided.")),
            Effective
        );
        assert_eq!(
            v(
                401,
                &entra(7000222, "The provided client secret keys are expired.")
            ),
            Effective
        );
        assert_eq!(v(400, &entra(700016, "Application not found.")), Effective);
        assert_eq!(
            v(200, r#"{"token_type":"Bearer","access_token":"eyJ0"}"#),
            NotEffective
        );
        assert_eq!(v(200, r#"{"token_type":"Bearer"}"#), Inconclusive);
        assert_eq!(v(400, &entra(90002, "Tenant not found.")), Inconclusive);
        assert_eq!(
            v(400, &entra(50126, "Invalid username or password.")),
            Inconclusive
        );
        assert_eq!(v(429, &entra(7000215, "x")), Inconclusive);
        assert_eq!(v(500, &entra(7000215, "x")), Inconclusive);
        assert_eq!(v(503, "<html>busy</html>"), Inconclusive);
        assert_eq!(v(401, "not json"), Inconclusive);
        assert_eq!(v(302, ""), Inconclusive);
    }

    #[test]
    fn codes_come_from_error_codes_else_the_description() {
        let answer = |body: &str| serde_json::from_str::<Answer>(body).unwrap();
        let both = answer(r#"{"error_codes":[700016],"error_description":"AADSTS7000215: x"}"#);
        assert_eq!(both.codes(), [700016]);
        let prefix =
            answer(r#"{"error":"invalid_client","error_description":"AADSTS7000222: expired"}"#);
        assert_eq!(prefix.codes(), [7000222]);
        assert!(
            answer(r#"{"error":"x","error_description":"no code"}"#)
                .codes()
                .is_empty()
        );
        let reason = classify(
            401,
            &entra(7000215, "Invalid client secret provided."),
            "T",
            "c",
        )
        .reason;
        assert!(reason.contains("AADSTS7000215"), "{reason}");
        let other = classify(400, &entra(90002, "Tenant 'x' not found."), "T", "c").reason;
        assert!(
            other.contains("AADSTS90002") && !other.contains("Trace ID"),
            "{other}"
        );
    }

    #[test]
    fn ids_and_tenants() {
        assert!(check_id("6f1d2c3b-4a59-4e68-9d7c-0b1a2c3d4e5f").is_ok());
        for bad in [
            "6f1d2c3b4a594e689d7c0b1a2c3d4e5f",
            "6f1d2c3b-4a59-4e68-9d7c-0b1a2c3d4e5",
            "app",
            "",
        ] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
        for good in [
            "6F1D2C3B-4A59-4E68-9D7C-0B1A2C3D4E5F",
            "contoso.onmicrosoft.com",
            "corp.example.co.uk",
        ] {
            assert!(check_tenant(good).is_ok(), "{good}");
        }
        for bad in [
            "common",
            "organizations",
            "10.0.0.1",
            "-x.example",
            "a/b.example",
            "x..example",
            "",
        ] {
            assert!(check_tenant(bad).is_err(), "{bad}");
        }
    }
}
