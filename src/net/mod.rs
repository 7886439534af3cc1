//! One HTTP client configuration and one retry policy for every REST API jitgap reads
//! (design.md §10 "Polite to APIs"): the live Vault ledger source today, and the Azure, GCP,
//! GitHub and Kubernetes scanners to come.
//!
//! - [`http::client`] builds the [`reqwest::Client`]: user agent, timeouts, proxies from the
//!   standard environment variables (never for loopback), no redirects followed.
//! - [`retry::send`] sends a request built by a closure and re-sends it on throttling and
//!   transient failures, with capped exponential backoff, full jitter and `Retry-After`;
//!   `backoff` holds the pure part (what is retried, how long to wait).
//!   [`retry::send_with`] is the same loop with the caller judging each answer (an API
//!   that throttles with its own signals, as GitHub does with 403 and `x-ratelimit-*`).
//! - [`bounded::bounded`] runs a collection's per-object calls a few at a time, in order.
//! - [`jwt`] signs RS256 JWTs (the Google token probe's assertion, a GitHub App's JWT).
//! - [`NetLimits`] holds the knobs, with defaults; it deserializes from a `[limits]` table
//!   (`request_timeout = "30s"`, `max_attempts = 5`, `base_backoff = "500ms"`,
//!   `max_backoff = "30s"`).

pub(crate) mod backoff;
pub mod bearer;
pub(crate) mod bounded;
pub(crate) mod http;
pub(crate) mod jwt;
pub(crate) mod retry;

use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub use bearer::Bearer;
pub(crate) use bounded::bounded;
pub use http::{check_base_url, check_token_base_url, client};
pub use retry::{Answered, NetError, Reply, Verdict, send, send_with};

/// Timeouts and retry bounds shared by every HTTP call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetLimits {
    /// The whole of one attempt (connect, send, read the body).
    #[serde(deserialize_with = "de_duration")]
    pub request_timeout: Duration,
    /// Attempts in all, the first included (at least 1).
    #[serde(deserialize_with = "de_attempts")]
    pub max_attempts: u32,
    /// Backoff before the second attempt, doubled for each one after (before jitter).
    #[serde(deserialize_with = "de_duration")]
    pub base_backoff: Duration,
    /// No wait between attempts is longer, `Retry-After` included.
    #[serde(deserialize_with = "de_duration")]
    pub max_backoff: Duration,
}

impl Default for NetLimits {
    fn default() -> Self {
        NetLimits {
            request_timeout: Duration::from_secs(30),
            max_attempts: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Why a network limit's duration does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LimitDurationError {
    #[error("`{0}` is too large")]
    TooLarge(String),
    #[error("`{0}` must not be negative")]
    Negative(String),
    #[error(transparent)]
    Duration(#[from] crate::time::DurationError),
}

/// A duration as `policy.rs` writes them (`30s`, `2m`, `1h30m`, via
/// [`crate::time::parse_duration`]), plus whole milliseconds (`500ms`) for backoffs.
pub(crate) fn parse_limit_duration(text: &str) -> Result<Duration, LimitDurationError> {
    let t = text.trim();
    if let Some(ms) = t.strip_suffix("ms")
        && !ms.is_empty()
        && ms.bytes().all(|b| b.is_ascii_digit())
    {
        return ms
            .parse()
            .map(Duration::from_millis)
            .map_err(|_| LimitDurationError::TooLarge(t.to_string()));
    }
    let d = crate::time::parse_duration(t)?;
    d.to_std()
        .map_err(|_| LimitDurationError::Negative(t.to_string()))
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_limit_duration(&text).map_err(serde::de::Error::custom)
}

fn de_attempts<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    match u32::deserialize(d)? {
        0 => Err(serde::de::Error::custom(
            "max_attempts must be at least 1 (the first attempt counts)",
        )),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_deserialize_from_a_limits_table() {
        let l: NetLimits = toml::from_str(
            "request_timeout = \"1m\"\nmax_attempts = 3\nbase_backoff = \"250ms\"\nmax_backoff = \"10s\"",
        )
        .unwrap();
        assert_eq!(
            l,
            NetLimits {
                request_timeout: Duration::from_secs(60),
                max_attempts: 3,
                base_backoff: Duration::from_millis(250),
                max_backoff: Duration::from_secs(10),
            }
        );
        let partial: NetLimits = toml::from_str("max_attempts = 2").unwrap();
        assert_eq!(partial.request_timeout, Duration::from_secs(30));
        assert_eq!(partial.max_attempts, 2);
    }

    #[test]
    fn bad_limits_are_refused_with_the_reason() {
        let zero = toml::from_str::<NetLimits>("max_attempts = 0").unwrap_err();
        assert!(zero.to_string().contains("at least 1"), "{zero}");
        let unit = toml::from_str::<NetLimits>("base_backoff = \"5x\"").unwrap_err();
        assert!(unit.to_string().contains("unknown unit"), "{unit}");
        let unknown = toml::from_str::<NetLimits>("retries = 3").unwrap_err();
        assert!(unknown.to_string().contains("retries"), "{unknown}");
    }

    #[test]
    fn durations_take_the_policy_units_and_milliseconds() {
        assert_eq!(
            parse_limit_duration("500ms"),
            Ok(Duration::from_millis(500))
        );
        assert_eq!(parse_limit_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert!(parse_limit_duration("ms").is_err());
        assert!(
            parse_limit_duration("30")
                .unwrap_err()
                .to_string()
                .contains("needs a unit")
        );
    }
}
