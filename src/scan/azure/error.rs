//! Why a live Azure call or collection did not give its document.

use crate::net::NetError;
use reqwest::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    #[error(
        "no Azure credential worked for {scope} (tried: {tried}); set JITGAP_AZURE_TOKEN to a bearer token, \
         or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (client secret), or AZURE_FEDERATED_TOKEN_FILE \
         with AZURE_TENANT_ID and AZURE_CLIENT_ID (workload identity), or run on a managed identity, or sign in with `az login`"
    )]
    Credential { scope: String, tried: String },
    #[error("refusing to send {method} {path}: not one of the read calls jitgap makes to Azure")]
    Refused { method: String, path: String },
    #[error("{url}: not a URL under {base} ({reason})")]
    BadUrl {
        url: String,
        base: String,
        reason: String,
    },
    #[error(
        "{from}: the next-page link points to {link}, not to {base}; not following it (the token must not leave that host)"
    )]
    ForeignLink {
        from: String,
        link: String,
        base: String,
    },
    #[error("{url}: more than {pages} pages; stopped following next-page links")]
    TooManyPages { url: String, pages: usize },
    #[error("{0}")]
    Net(#[from] NetError),
    #[error("GET {url} answered {status}{}", detail_suffix(.detail))]
    Status {
        url: String,
        status: StatusCode,
        /// `code: message` from the API's error body, redacted.
        detail: String,
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

impl AzureError {
    /// The HTTP status of a failed answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            AzureError::Status { status, .. } => Some(*status),
            AzureError::Net(e) => e.status(),
            _ => None,
        }
    }

    /// A missing permission (401/403), which no retry fixes.
    pub fn is_denied(&self) -> bool {
        matches!(
            self.status(),
            Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
        )
    }
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

/// `code: message` of a Graph or ARM error body (`{"error": {"code", "message"}}`), redacted
/// and shortened; empty when the body is not one.
pub(crate) fn error_detail(body: &str) -> String {
    let v: serde_json::Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return String::new(),
    };
    let e = &v["error"];
    let code = e["code"].as_str().unwrap_or_default();
    let message: String = e["message"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    let text = match (code.is_empty(), message.is_empty()) {
        (true, true) => String::new(),
        (false, true) => code.to_string(),
        (true, false) => message,
        (false, false) => format!("{code}: {message}"),
    };
    crate::redact::redact(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_give_code_and_message() {
        let body = r#"{"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}"#;
        assert_eq!(
            error_detail(body),
            "Authorization_RequestDenied: Insufficient privileges to complete the operation."
        );
        assert_eq!(error_detail("<html>"), "");
        let e = AzureError::Status {
            url: "https://graph.microsoft.com/v1.0/applications".into(),
            status: StatusCode::FORBIDDEN,
            detail: error_detail(body),
        };
        assert!(e.is_denied());
        assert!(
            e.to_string()
                .starts_with("GET https://graph.microsoft.com/v1.0/applications answered 403 Forbidden (Authorization_RequestDenied"),
            "{e}"
        );
    }
}
