//! Why a live Google Cloud call or collection did not give its document, and what a Google
//! error body (`{"error": {"code", "message", "status", "details": [ErrorInfo…]}}`) says.

use crate::net::NetError;
use reqwest::StatusCode;
use serde_json::Value;

/// What to do when no credential works, for every error that says so.
pub(crate) const HOW_TO_AUTHENTICATE: &str = "set JITGAP_GCP_TOKEN to a bearer token (`gcloud auth print-access-token`), \
     or GOOGLE_APPLICATION_CREDENTIALS to a service-account or authorized_user key file, \
     or run `gcloud auth application-default login`, or run on Google Cloud with a service account attached (metadata server)";

#[derive(Debug, thiserror::Error)]
pub enum GcpError {
    #[error("no Google Cloud credential worked (tried {tried}: {reason}); {HOW_TO_AUTHENTICATE}")]
    Credential { tried: String, reason: String },
    #[error(
        "refusing to send {method} {path}: not one of the read calls jitgap makes to Google Cloud"
    )]
    Refused { method: String, path: String },
    #[error("{url}: not a URL under {base} ({reason})")]
    BadUrl {
        url: String,
        base: String,
        reason: String,
    },
    #[error(
        "the token holds characters an HTTP header cannot carry (is JITGAP_GCP_TOKEN one token on one line?)"
    )]
    BadToken,
    #[error("{url}: more than {pages} pages; stopped following nextPageToken")]
    TooManyPages { url: String, pages: usize },
    #[error(
        "{url}: the API gave a nextPageToken it had given before; stopped paging (the list would never end)"
    )]
    PageLoop { url: String },
    #[error("{0}")]
    Net(#[from] NetError),
    #[error("a call stopped unexpectedly: {0}")]
    Stopped(String),
    #[error("{method} {url} answered {status}{}", detail_suffix(.detail))]
    Status {
        method: &'static str,
        url: String,
        status: StatusCode,
        detail: Box<Detail>,
    },
    #[error("{url}: the body is not JSON: {reason} at line {line}, column {column}")]
    Malformed {
        url: String,
        reason: String,
        line: usize,
        column: usize,
    },
    #[error("{url}: {pointer}: expected {expected}")]
    Shape {
        url: String,
        pointer: String,
        expected: &'static str,
    },
}

impl GcpError {
    /// The HTTP status of a failed answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            GcpError::Status { status, .. } => Some(*status),
            GcpError::Net(e) => e.status(),
            _ => None,
        }
    }

    /// A refused credential or a missing permission (401/403), which no retry fixes.
    pub fn is_denied(&self) -> bool {
        matches!(
            self.status(),
            Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
        )
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// The API to enable, when the answer was `SERVICE_DISABLED`.
    pub fn disabled_service(&self) -> Option<&str> {
        match self {
            GcpError::Status { detail, .. } if detail.reason == "SERVICE_DISABLED" => Some(
                detail
                    .service
                    .as_deref()
                    .unwrap_or("the API this call needs"),
            ),
            _ => None,
        }
    }
}

/// What a Google error body says, redacted and shortened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detail {
    /// The canonical code (`PERMISSION_DENIED`, `RESOURCE_EXHAUSTED`).
    pub status: String,
    /// `ErrorInfo.reason` (`SERVICE_DISABLED`, `IAM_PERMISSION_DENIED`).
    pub reason: String,
    /// `ErrorInfo.metadata.service` (`privilegedaccessmanager.googleapis.com`).
    pub service: Option<String>,
    /// `ErrorInfo.metadata.permission`, when the API names the one it checked.
    pub permission: Option<String>,
    pub message: String,
}

impl Detail {
    /// The detail of a Google error body; empty when the body is not one.
    pub(crate) fn parse(body: &str) -> Detail {
        let Ok(v) = serde_json::from_str::<Value>(body) else {
            return Detail::default();
        };
        let e = &v["error"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let info = e["details"].as_array().and_then(|d| {
            d.iter().find(|x| {
                x["@type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("google.rpc.ErrorInfo"))
            })
        });
        let meta = |k: &str| {
            info.and_then(|i| i["metadata"][k].as_str())
                .filter(|s| !s.is_empty())
                .map(crate::redact::redact)
        };
        let message: String = text(&e["message"])
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(300)
            .collect();
        Detail {
            status: text(&e["status"]),
            reason: info.map(|i| text(&i["reason"])).unwrap_or_default(),
            service: meta("service"),
            permission: meta("permission"),
            message: crate::redact::redact(&message),
        }
    }
}

fn detail_suffix(d: &Detail) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in [&d.status, &d.reason] {
        if !p.is_empty() && !parts.contains(&p.as_str()) {
            parts.push(p);
        }
    }
    let code = parts.join(" ");
    match (code.is_empty(), d.message.is_empty()) {
        (true, true) => String::new(),
        (false, true) => format!(" ({code})"),
        (true, false) => format!(" ({})", d.message),
        (false, false) => format!(" ({code}: {})", d.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DISABLED: &str = r#"{"error": {"code": 403,
        "message": "Privileged Access Manager API has not been used in project 123456789012 before or it is disabled.",
        "status": "PERMISSION_DENIED",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
                     "domain": "googleapis.com",
                     "metadata": {"service": "privilegedaccessmanager.googleapis.com", "consumer": "projects/123456789012"}}]}}"#;

    #[test]
    fn service_disabled_names_the_api_to_enable() {
        let e = GcpError::Status {
            method: "GET",
            url: "https://privilegedaccessmanager.googleapis.com/v1/projects/p/locations/global/entitlements".into(),
            status: StatusCode::FORBIDDEN,
            detail: Box::new(Detail::parse(DISABLED)),
        };
        assert!(e.is_denied() && !e.is_unauthorized());
        assert_eq!(
            e.disabled_service(),
            Some("privilegedaccessmanager.googleapis.com")
        );
        let text = e.to_string();
        assert!(
            text.starts_with("GET https://privilegedaccessmanager.googleapis.com/v1/projects/p/locations/global/entitlements answered 403 Forbidden (PERMISSION_DENIED SERVICE_DISABLED: Privileged Access Manager API has not been used"),
            "{text}"
        );
    }

    #[test]
    fn bodies_that_are_not_google_errors_give_no_detail() {
        assert_eq!(Detail::parse("<html>"), Detail::default());
        assert_eq!(Detail::parse(r#"{"error": "x"}"#), Detail::default());
        let plain = Detail::parse(
            r#"{"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}"#,
        );
        assert_eq!(plain.status, "NOT_FOUND");
        assert_eq!(plain.reason, "");
        assert_eq!(
            detail_suffix(&plain),
            " (NOT_FOUND: Requested entity was not found.)"
        );
        let e = GcpError::Status {
            method: "GET",
            url: "u".into(),
            status: StatusCode::TOO_MANY_REQUESTS,
            detail: Box::new(plain),
        };
        assert_eq!(e.disabled_service(), None);
    }

    #[test]
    fn permission_metadata_is_kept_and_secrets_redacted() {
        let d = Detail::parse(
            r#"{"error": {"code": 403, "message": "Permission 'iam.serviceAccounts.list' denied; token: 'ya29.abcdefghijklmnop'", "status": "PERMISSION_DENIED",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "IAM_PERMISSION_DENIED",
                             "metadata": {"permission": "iam.serviceAccounts.list"}}]}}"#,
        );
        assert_eq!(d.permission.as_deref(), Some("iam.serviceAccounts.list"));
        assert!(!d.message.contains("abcdefghijklmnop"), "{}", d.message);
    }
}
