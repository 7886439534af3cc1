//! GitHub's rate limits as an answer shows them (api-shapes §E.8), and how long to wait.
//!
//! - **Primary**: 403 or 429 with `x-ratelimit-remaining: 0`: the credential's hourly budget
//!   is spent until `x-ratelimit-reset` (UTC epoch seconds).
//! - **Secondary**: 403 or 429 with `retry-after`, or a message saying "secondary rate limit"
//!   (bursts, concurrency): wait `retry-after` seconds if given, else back off exponentially
//!   from [`SECONDARY_MINIMUM`].
//! - A 429 with neither is throttling all the same (treated as secondary). A 403 with
//!   neither is a refusal (a missing permission), never retried.
//!
//! Every wait is bounded by `[limits] max_backoff` and the attempts by `max_attempts`: a
//! wait longer than the bound is not waited, and the call fails naming what GitHub asked
//! for (the reset time, the `retry-after`), so a run never sleeps for an hour unasked.

use crate::net::{Answered, NetLimits, Verdict};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;

/// GitHub asks to wait at least a minute after a secondary limit without `retry-after`.
pub(crate) const SECONDARY_MINIMUM: Duration = Duration::from_secs(60);

/// Which rate limit an answer reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Limit {
    /// The budget is spent until this time.
    Primary { reset: Option<DateTime<Utc>> },
    /// Too many requests too fast; `retry_after` when GitHub said how long to wait.
    Secondary { retry_after: Option<Duration> },
}

/// The limit an answer reports, if any (only 403 and 429 report one).
pub(crate) fn limit_of(status: StatusCode, headers: &HeaderMap, body: &str) -> Option<Limit> {
    if !matches!(status.as_u16(), 403 | 429) {
        return None;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let retry_after =
        header(RETRY_AFTER.as_str()).and_then(|v| crate::net::backoff::retry_after(v, Utc::now()));
    if retry_after.is_some() {
        return Some(Limit::Secondary { retry_after });
    }
    if header("x-ratelimit-remaining") == Some("0") {
        let reset = header("x-ratelimit-reset")
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|s| Utc.timestamp_opt(s, 0).single());
        return Some(Limit::Primary { reset });
    }
    let secondary = body.to_ascii_lowercase().contains("secondary rate limit");
    if secondary || status == StatusCode::TOO_MANY_REQUESTS {
        return Some(Limit::Secondary { retry_after: None });
    }
    None
}

/// The wait a limit asks for before attempt `attempt + 1`, at `now`.
pub(crate) fn wait_for(limit: &Limit, attempt: u32, now: DateTime<Utc>) -> Duration {
    match limit {
        Limit::Primary { reset: Some(at) } => (*at - now).to_std().unwrap_or(Duration::ZERO),
        // No reset time given: wait as for a secondary limit.
        Limit::Primary { reset: None } | Limit::Secondary { retry_after: None } => {
            SECONDARY_MINIMUM.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        }
        Limit::Secondary {
            retry_after: Some(d),
        } => *d,
    }
}

/// Whether a limit's wait is too long to wait under `limits` (the call then fails). A
/// secondary limit without `retry-after` is always waited, cut to `max_backoff`: it names
/// no time, and waiting less than GitHub's minute only costs another attempt.
pub(crate) fn too_long(limit: &Limit, wait: Duration, limits: &NetLimits) -> bool {
    match limit {
        Limit::Primary { reset: Some(_) }
        | Limit::Secondary {
            retry_after: Some(_),
        } => wait > limits.max_backoff,
        _ => false,
    }
}

/// The judge of every GitHub answer for [`crate::net::send_with`]: rate limits waited out
/// within `limits` (else answered, for the caller to name), 5xx retried with the shared
/// backoff, everything else answered.
pub(crate) fn judge(a: Answered<'_>, limits: &NetLimits) -> Verdict {
    if a.status.is_server_error() {
        return Verdict::Retry(None);
    }
    let Some(limit) = limit_of(a.status, a.headers, a.body) else {
        return Verdict::Answer;
    };
    let wait = wait_for(&limit, a.attempt, Utc::now());
    if too_long(&limit, wait, limits) || a.attempt >= limits.max_attempts.max(1) {
        return Verdict::Answer;
    }
    Verdict::Retry(Some(wait.min(limits.max_backoff)))
}

/// Why a rate-limited answer was not waited out: what GitHub asked for, against `limits`.
pub(crate) fn describe(
    limit: &Limit,
    attempts: u32,
    limits: &NetLimits,
    now: DateTime<Utc>,
) -> String {
    let bound = crate::time::format_limit(limits.max_backoff);
    let wait = wait_for(limit, attempts, now);
    let spent = format!(
        "after {attempts} attempt{} ([limits] max_attempts)",
        if attempts == 1 { "" } else { "s" }
    );
    match limit {
        Limit::Primary { reset: Some(at) } if too_long(limit, wait, limits) => {
            let at = crate::time::fmt_utc(*at);
            format!(
                "GitHub's rate limit for this credential is spent until {at} (x-ratelimit-reset), {} from now: longer than [limits] max_backoff ({bound}) allows waiting; scan again after {at}, or raise max_backoff",
                crate::time::format_limit(wait)
            )
        }
        Limit::Primary { reset } => format!(
            "GitHub's rate limit for this credential is still spent {spent}; it resets at {}",
            reset.map_or_else(
                || "a time GitHub did not give".to_string(),
                crate::time::fmt_utc
            )
        ),
        Limit::Secondary {
            retry_after: Some(d),
        } if too_long(limit, wait, limits) => format!(
            "GitHub's secondary rate limit asks to wait {} (retry-after): longer than [limits] max_backoff ({bound}) allows waiting; scan again later, or raise max_backoff",
            crate::time::format_limit(*d)
        ),
        Limit::Secondary { .. } => format!("GitHub's secondary rate limit still holds {spent}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    const SECONDARY: &str = r#"{"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"}"#;

    #[test]
    fn the_limits_are_told_apart_by_their_headers_and_message() {
        let forbidden = StatusCode::FORBIDDEN;
        let spent = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1788264000"),
        ]);
        assert_eq!(
            limit_of(forbidden, &spent, "{}"),
            Some(Limit::Primary {
                reset: Utc.timestamp_opt(1_788_264_000, 0).single()
            })
        );
        assert_eq!(
            limit_of(
                StatusCode::TOO_MANY_REQUESTS,
                &headers(&[("retry-after", "30")]),
                ""
            ),
            Some(Limit::Secondary {
                retry_after: Some(Duration::from_secs(30))
            })
        );
        assert_eq!(
            limit_of(
                forbidden,
                &headers(&[("x-ratelimit-remaining", "4999")]),
                SECONDARY
            ),
            Some(Limit::Secondary { retry_after: None })
        );
        assert_eq!(
            limit_of(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), ""),
            Some(Limit::Secondary { retry_after: None })
        );
        // A plain 403 is a refusal; other statuses report no limit.
        let plain = r#"{"message": "Must have admin rights to Repository."}"#;
        assert_eq!(
            limit_of(
                forbidden,
                &headers(&[("x-ratelimit-remaining", "4999")]),
                plain
            ),
            None
        );
        assert_eq!(limit_of(StatusCode::NOT_FOUND, &spent, SECONDARY), None);
        assert_eq!(limit_of(StatusCode::OK, &spent, ""), None);
    }

    #[test]
    fn waits_follow_the_reset_the_retry_after_or_double_from_a_minute() {
        let now = Utc.timestamp_opt(1_788_260_400, 0).unwrap();
        let reset = Limit::Primary {
            reset: Utc.timestamp_opt(1_788_264_000, 0).single(),
        };
        assert_eq!(wait_for(&reset, 1, now), Duration::from_secs(3600));
        let past = Limit::Primary {
            reset: Utc.timestamp_opt(1_788_260_000, 0).single(),
        };
        assert_eq!(wait_for(&past, 1, now), Duration::ZERO);
        let unnamed = Limit::Secondary { retry_after: None };
        assert_eq!(wait_for(&unnamed, 1, now), Duration::from_secs(60));
        assert_eq!(wait_for(&unnamed, 3, now), Duration::from_secs(240));
        let limits = NetLimits::default();
        assert!(too_long(&reset, Duration::from_secs(3600), &limits));
        assert!(!too_long(&past, Duration::ZERO, &limits));
        assert!(!too_long(&unnamed, Duration::from_secs(240), &limits));
        let asked = Limit::Secondary {
            retry_after: Some(Duration::from_secs(60)),
        };
        assert!(too_long(&asked, Duration::from_secs(60), &limits));
    }

    #[test]
    fn the_judge_retries_within_the_limits_and_answers_past_them() {
        let limits = NetLimits {
            max_backoff: Duration::from_millis(5),
            ..NetLimits::default()
        };
        let answered = |status: u16, h: &HeaderMap, body: &str, attempt: u32| {
            judge(
                Answered {
                    status: StatusCode::from_u16(status).unwrap(),
                    headers: h,
                    body,
                    attempt,
                },
                &limits,
            )
        };
        let none = HeaderMap::new();
        assert_eq!(answered(200, &none, "[]", 1), Verdict::Answer);
        assert_eq!(answered(502, &none, "", 1), Verdict::Retry(None));
        assert_eq!(answered(500, &none, "", 1), Verdict::Retry(None));
        assert_eq!(answered(403, &none, "{}", 1), Verdict::Answer);
        assert_eq!(
            answered(403, &none, SECONDARY, 1),
            Verdict::Retry(Some(Duration::from_millis(5))),
            "a minute cut to max_backoff"
        );
        assert_eq!(
            answered(403, &none, SECONDARY, 5),
            Verdict::Answer,
            "attempts spent"
        );
        let zero = headers(&[("retry-after", "0")]);
        assert_eq!(
            answered(403, &zero, SECONDARY, 1),
            Verdict::Retry(Some(Duration::ZERO))
        );
        let far = (Utc::now().timestamp() + 3600).to_string();
        let spent = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &far)]);
        assert_eq!(
            answered(403, &spent, "{}", 1),
            Verdict::Answer,
            "an hour is too long"
        );
        let now = (Utc::now().timestamp() - 1).to_string();
        let reset = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &now)]);
        assert_eq!(
            answered(429, &reset, "{}", 1),
            Verdict::Retry(Some(Duration::ZERO))
        );
    }

    #[test]
    fn what_was_not_waited_for_is_named() {
        let now = Utc.timestamp_opt(1_788_260_400, 0).unwrap();
        let limits = NetLimits::default();
        let reset = Limit::Primary {
            reset: Utc.timestamp_opt(1_788_264_000, 0).single(),
        };
        let text = describe(&reset, 1, &limits, now);
        assert!(
            text.starts_with("GitHub's rate limit for this credential is spent until 2026-09-01T12:00:00Z (x-ratelimit-reset), 1h from now: longer than [limits] max_backoff (30s)"),
            "{text}"
        );
        let asked = Limit::Secondary {
            retry_after: Some(Duration::from_secs(120)),
        };
        assert!(describe(&asked, 1, &limits, now).contains("asks to wait 2m (retry-after)"));
        let unnamed = Limit::Secondary { retry_after: None };
        assert_eq!(
            describe(&unnamed, 5, &limits, now),
            "GitHub's secondary rate limit still holds after 5 attempts ([limits] max_attempts)"
        );
    }
}
