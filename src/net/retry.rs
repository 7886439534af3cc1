//! Sending with retries: throttling and transient failures are re-sent with capped
//! exponential backoff and full jitter, `Retry-After` honoured; anything else is answered
//! at once.
//!
//! Retried: HTTP 429, 502, 503 and 504; connection errors and timeouts; and any other
//! failed answer whose body or error code says `Throttling`, `ThrottlingException`,
//! `TooManyRequests` or `Rate exceeded` (AWS-style APIs throttle with a 400). Never retried:
//! 401, 403, 404, whatever their body says — a missing permission does not appear by waiting.
//!
//! The wait before attempt `n + 1` is `Retry-After` when the answer has one (delta-seconds
//! or an HTTP-date), else a uniform draw from `[0, min(max_backoff, base_backoff × 2^(n-1))]`
//! ("full jitter"); either is capped at `max_backoff`. The jitter comes from std's
//! per-process random hasher keys mixed with the current `Instant` and a counter: spreading
//! clients apart needs no cryptographic randomness, so no random-number crate is pulled in.
//!
//! [`send_with`] is the same loop with the caller's judge deciding, per answer, whether it
//! is retried and after how long (an API whose throttling is a 403 with its own headers);
//! transport failures are retried as above, and `max_attempts` still bounds the attempts.

use crate::error_chain::error_chain;
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode, Url};

use super::NetLimits;
use super::backoff::{backoff, jitter, retry_after, retryable};
use crate::redact::{REDACTED, redact};

/// Characters of a failed answer's body kept in an error.
const EXCERPT_CHARS: usize = 300;

/// An answer that is not retried (any status; the caller decides what it means).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// Attempts made, this one included.
    pub attempts: u32,
    /// The wait before each retry, in order (`attempts - 1` of them).
    pub waits: Vec<Duration>,
}

/// Why a call did not produce a [`Reply`]. URLs have their query secrets removed and
/// excerpts are redacted.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("{var} is not a usable proxy URL: {reason}")]
    Proxy { var: String, reason: String },
    #[error("cannot build the request: {0}")]
    Request(String),
    #[error("{method} {url} answered {status} after {attempts} attempt{}{}", plural(*.attempts), excerpt_suffix(.excerpt))]
    Status {
        method: String,
        url: String,
        status: StatusCode,
        /// The last answer's body, shortened and redacted.
        excerpt: String,
        attempts: u32,
    },
    #[error("{method} {url}: cannot reach it: {reason} (after {attempts} attempt{})", plural(*.attempts))]
    Transport {
        method: String,
        url: String,
        reason: String,
        attempts: u32,
    },
}

impl NetError {
    /// The same error with `scrub` applied to every text it carries (a token removed).
    pub fn scrubbed(self, scrub: impl Fn(&str) -> String) -> NetError {
        match self {
            NetError::Status {
                method,
                url,
                status,
                excerpt,
                attempts,
            } => NetError::Status {
                method,
                url: scrub(&url),
                status,
                excerpt: scrub(&excerpt),
                attempts,
            },
            NetError::Transport {
                method,
                url,
                reason,
                attempts,
            } => NetError::Transport {
                method,
                url: scrub(&url),
                reason: scrub(&reason),
                attempts,
            },
            NetError::Request(r) => NetError::Request(scrub(&r)),
            other => other,
        }
    }

    /// Attempts made (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            NetError::Status { attempts, .. } | NetError::Transport { attempts, .. } => *attempts,
            _ => 0,
        }
    }

    /// The last status seen, if an answer came.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            NetError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        String::new()
    } else {
        format!(": {excerpt}")
    }
}

/// Sends `request()` until it is answered with something not worth retrying, or
/// `limits.max_attempts` are spent. `request` is called once per attempt so the request
/// (headers, body) is built afresh each time.
pub async fn send<F>(limits: &NetLimits, request: F) -> Result<Reply, NetError>
where
    F: Fn() -> RequestBuilder,
{
    send_with(limits, request, |a| {
        if !retryable(a.status, a.body) {
            return Verdict::Answer;
        }
        Verdict::Retry(
            a.headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, Utc::now()))
                .map(|d| d.min(limits.max_backoff)),
        )
    })
    .await
}

/// One answer as [`send_with`]'s judge sees it.
#[derive(Debug, Clone, Copy)]
pub struct Answered<'a> {
    pub status: StatusCode,
    pub headers: &'a HeaderMap,
    pub body: &'a str,
    /// This answer's attempt (1-based).
    pub attempt: u32,
}

/// What [`send_with`] does with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Hand it to the caller as a [`Reply`], whatever its status.
    Answer,
    /// Send again after this wait (`None`: the capped, jittered backoff); once
    /// `max_attempts` are spent, a [`NetError::Status`].
    Retry(Option<Duration>),
}

/// [`send`] with the caller's own judgement of which answers are retried and how long to
/// wait (an API with its own throttling signals: GitHub's 403 rate limits, say). Transport
/// failures are retried as in [`send`]; the judge's wait is used as given.
pub async fn send_with<F, J>(limits: &NetLimits, request: F, judge: J) -> Result<Reply, NetError>
where
    F: Fn() -> RequestBuilder,
    J: Fn(Answered<'_>) -> Verdict,
{
    let max = limits.max_attempts.max(1);
    let mut attempt = 0;
    let mut waits = Vec::new();
    loop {
        attempt += 1;
        let (client, built) = request().build_split();
        let built = built.map_err(|e| NetError::Request(redact(&error_chain(&e.without_url()))))?;
        let (method, url) = (built.method().clone(), safe_url(built.url()));
        let wait = match client.execute(built).await {
            Ok(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = match response.text().await {
                    Ok(body) => body,
                    Err(e) if attempt < max && transient(&e) => {
                        let wait = backoff(attempt, limits, jitter());
                        waits.push(wait);
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    Err(e) => return Err(transport(&method, url, e, attempt)),
                };
                let verdict = judge(Answered {
                    status,
                    headers: &headers,
                    body: &body,
                    attempt,
                });
                let wait = match verdict {
                    Verdict::Answer => {
                        return Ok(Reply {
                            status,
                            headers,
                            body,
                            attempts: attempt,
                            waits,
                        });
                    }
                    Verdict::Retry(wait) => wait,
                };
                if attempt >= max {
                    return Err(NetError::Status {
                        method: method.to_string(),
                        url,
                        status,
                        excerpt: excerpt(&body),
                        attempts: attempt,
                    });
                }
                wait.unwrap_or_else(|| backoff(attempt, limits, jitter()))
            }
            Err(e) if attempt < max && transient(&e) => backoff(attempt, limits, jitter()),
            Err(e) => return Err(transport(&method, url, e, attempt)),
        };
        waits.push(wait);
        tokio::time::sleep(wait).await;
    }
}

/// reqwest's message would repeat the URL with its query: it is dropped (`url` is the safe one).
fn transport(method: &Method, url: String, e: reqwest::Error, attempts: u32) -> NetError {
    NetError::Transport {
        method: method.to_string(),
        url,
        reason: redact(&error_chain(&e.without_url())),
        attempts,
    }
}

/// Connection failures and timeouts (not a malformed request or a redirect loop).
fn transient(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request() || e.is_body() || e.is_decode()
}

/// The URL without secrets: no user info, and query values under secret-looking names
/// replaced (`?list=true` stays, `?access_token=…` does not).
pub(crate) fn safe_url(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret_name(&k) {
                    REDACTED.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    redact(url.as_str())
}

fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "token",
        "secret",
        "key",
        "sig",
        "password",
        "auth",
        "code",
        "credential",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// The first characters of a body, on one line, redacted.
fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = flat.chars().take(EXCERPT_CHARS).collect();
    if flat.chars().count() > EXCERPT_CHARS {
        short.push('…');
    }
    redact(&short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_secrets_and_keep_the_rest() {
        let u = Url::parse(
            "https://bob:pw@api.example/v1/x?list=true&access_token=abc123&sig=zzz&page=2",
        )
        .unwrap();
        let s = safe_url(&u);
        assert!(
            !s.contains("abc123") && !s.contains("zzz") && !s.contains("pw@"),
            "{s}"
        );
        assert!(
            s.contains("list=true") && s.contains("page=2") && s.contains("/v1/x"),
            "{s}"
        );
    }

    #[test]
    fn errors_name_status_attempts_and_a_redacted_excerpt() {
        let e = NetError::Status {
            method: "GET".into(),
            url: "http://127.0.0.1:1/v1/x".into(),
            status: StatusCode::TOO_MANY_REQUESTS,
            excerpt: excerpt("{\"token\": \"hvs.abcdefghijklmnopqrstuvwxyz\"}"),
            attempts: 5,
        };
        let text = e.to_string();
        assert!(
            text.starts_with(
                "GET http://127.0.0.1:1/v1/x answered 429 Too Many Requests after 5 attempts: {"
            ),
            "{text}"
        );
        assert!(!text.contains("hvs.abc"), "{text}");
        assert_eq!(e.attempts(), 5);
        assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        let long = excerpt(&"x".repeat(1000));
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
    }
}
