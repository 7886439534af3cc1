//! Why a live GitHub call or collection did not give its document, and what a GitHub error
//! body (`{"message", "documentation_url"}`) says.

use crate::net::NetError;
use reqwest::StatusCode;
use serde_json::Value;

/// What to do when there is no credential or it was refused.
pub(crate) const HOW_TO_AUTHENTICATE: &str = "set GITHUB_TOKEN (or GH_TOKEN) to a token that can read the organization \
     (classic: read:org and repo), or read as a GitHub App with --github-app-id and --github-app-key";

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("no GitHub credentials: {HOW_TO_AUTHENTICATE}")]
    NoCredentials,
    #[error("{0}")]
    Credential(String),
    #[error("refusing to send {method} {path}: not one of the read calls jitgap makes to GitHub")]
    Refused { method: String, path: String },
    #[error("{url}: not a URL under {base} ({reason})")]
    BadUrl {
        url: String,
        base: String,
        reason: String,
    },
    #[error(
        "the token holds characters an HTTP header cannot carry (is GITHUB_TOKEN one token on one line?)"
    )]
    BadToken,
    #[error(
        "{url}: the next page (Link rel=\"next\") is {next}, not a page of this list under {base}: not followed"
    )]
    ForeignNext {
        url: String,
        next: String,
        base: String,
    },
    #[error("{url}: more than {pages} pages; stopped following Link rel=\"next\"")]
    TooManyPages { url: String, pages: usize },
    #[error("{url}: the next page (Link rel=\"next\") is one already read; stopped paging")]
    PageLoop { url: String },
    #[error("{0}")]
    Net(#[from] NetError),
    #[error("a call stopped unexpectedly: {0}")]
    Stopped(String),
    #[error("{method} {url} answered {status}{}", message_suffix(.message))]
    Status {
        method: &'static str,
        url: String,
        status: StatusCode,
        /// GitHub's `message`, shortened and redacted.
        message: String,
    },
    #[error("{method} {url}: {detail}")]
    RateLimited {
        method: &'static str,
        url: String,
        /// Which limit, what GitHub asked for, and why it was not waited for.
        detail: String,
        /// The credential's hourly budget is spent: every other call would fail too.
        primary: bool,
    },
    #[error("{url}: line {line} column {column}: the body is not JSON: {reason}")]
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

fn message_suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

impl GithubError {
    /// The HTTP status of a failed answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            GithubError::Status { status, .. } => Some(*status),
            GithubError::Net(e) => e.status(),
            _ => None,
        }
    }

    /// The credential was refused (401): nothing more can be read with it.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// 401, 403 or 404: GitHub answers 404 for what the credential may not see.
    pub fn is_denied(&self) -> bool {
        matches!(
            self.status(),
            Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
        )
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Nothing more is asked after it: the credential was refused, or its budget is spent.
    pub fn stops_the_scope(&self) -> bool {
        self.is_unauthorized() || matches!(self, GithubError::RateLimited { primary: true, .. })
    }
}

/// GitHub's `message` of an error body, on one line, shortened and redacted; empty when the
/// body is not one.
pub(crate) fn message_of(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return String::new();
    };
    let text: String = v["message"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(300)
        .collect();
    crate::redact::redact(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_github_s_message() {
        assert_eq!(
            message_of(
                r#"{"message": "Bad   credentials", "documentation_url": "https://docs.github.com/rest"}"#
            ),
            "Bad credentials"
        );
        assert_eq!(message_of("<html>"), "");
        assert!(
            !message_of(r#"{"message": "token ghp_abcdefghijklmnopqrstuvwxyz0123 refused"}"#)
                .contains("ghp_abc")
        );
        let e = GithubError::Status {
            method: "GET",
            url: "https://api.github.com/repos/acme/api/keys?per_page=100".into(),
            status: StatusCode::FORBIDDEN,
            message: "Must have admin rights to Repository.".into(),
        };
        assert_eq!(
            e.to_string(),
            "GET https://api.github.com/repos/acme/api/keys?per_page=100 answered 403 Forbidden: Must have admin rights to Repository."
        );
        assert!(e.is_denied() && !e.is_unauthorized() && !e.stops_the_scope());
    }
}
