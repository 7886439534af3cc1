//! The retry policy's pure parts: what is retried, how long to wait (capped exponential
//! backoff with full jitter) and what `Retry-After` asks for. See [`super::retry`].

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::StatusCode;

use super::NetLimits;

const THROTTLE_MARKERS: [&str; 4] = [
    "throttling", // also ThrottlingException
    "toomanyrequests",
    "too many requests",
    "rate exceeded",
];

/// Whether an answer is throttling or a transient failure.
pub(crate) fn retryable(status: StatusCode, body: &str) -> bool {
    match status.as_u16() {
        429 | 502 | 503 | 504 => true,
        401 | 403 | 404 => false,
        _ if status.is_success() || status.is_redirection() => false,
        _ => says_throttled(body),
    }
}

/// The body (or an error code in it) says the caller is being throttled.
pub(crate) fn says_throttled(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    THROTTLE_MARKERS.iter().any(|m| lower.contains(m))
}

/// The wait after failed attempt `attempt` (1-based) with no `Retry-After`: full jitter over
/// `[0, min(max_backoff, base_backoff × 2^(attempt-1))]`, `unit` in `[0, 1]` choosing where.
pub(crate) fn backoff(attempt: u32, limits: &NetLimits, unit: f64) -> Duration {
    let doubling = 2u32.saturating_pow(attempt.saturating_sub(1));
    let ceiling = limits
        .base_backoff
        .saturating_mul(doubling)
        .min(limits.max_backoff);
    Duration::try_from_secs_f64(ceiling.as_secs_f64() * unit.clamp(0.0, 1.0))
        .unwrap_or(ceiling)
        .min(ceiling)
}

/// A number in `[0, 1)`, different on every call.
pub(crate) fn jitter() -> f64 {
    static KEYS: LazyLock<RandomState> = LazyLock::new(RandomState::new);
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = KEYS.build_hasher();
    Instant::now().hash(&mut h);
    COUNTER.fetch_add(1, Ordering::Relaxed).hash(&mut h);
    // The top 53 bits make an exact f64 fraction.
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` as a wait from `now`: delta-seconds (`120`) or an HTTP-date in any of the
/// three forms RFC 9110 §5.6.7 makes recipients accept. A date in the past is no wait.
pub(crate) fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse().unwrap_or(u64::MAX)));
    }
    let at = DateTime::parse_from_rfc2822(v)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
                .map(|n| n.and_utc())
        })?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn limits() -> NetLimits {
        NetLimits {
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            ..NetLimits::default()
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let l = limits();
        assert_eq!(backoff(1, &l, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(2, &l, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(4, &l, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(7, &l, 1.0), Duration::from_secs(30), "capped");
        assert_eq!(backoff(u32::MAX, &l, 1.0), Duration::from_secs(30));
    }

    #[test]
    fn full_jitter_stays_between_zero_and_the_ceiling() {
        let l = limits();
        assert_eq!(backoff(3, &l, 0.0), Duration::ZERO);
        assert_eq!(backoff(3, &l, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(3, &l, 7.0), Duration::from_secs(2), "unit clamped");
        for attempt in 1..12 {
            let ceiling = (l.base_backoff * 2u32.pow(attempt - 1)).min(l.max_backoff);
            for _ in 0..50 {
                let u = jitter();
                assert!((0.0..1.0).contains(&u), "{u}");
                assert!(backoff(attempt, &l, u) <= ceiling);
            }
        }
        let draws: std::collections::BTreeSet<u64> = (0..20).map(|_| jitter().to_bits()).collect();
        assert!(draws.len() > 1, "jitter varies");
    }

    #[test]
    fn retry_after_in_seconds_and_http_dates() {
        let now = Utc.with_ymd_and_hms(1994, 11, 6, 8, 49, 0).unwrap();
        assert_eq!(retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                retry_after(date, now),
                Some(Duration::from_secs(37)),
                "{date}"
            );
        }
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO),
            "a past date is no wait"
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
        assert_eq!(retry_after("", now), None);
    }

    #[test]
    fn what_is_retried() {
        for s in [429, 502, 503, 504] {
            assert!(retryable(StatusCode::from_u16(s).unwrap(), ""), "{s}");
        }
        for s in [200, 204, 301, 400, 401, 403, 404, 409, 500] {
            assert!(!retryable(StatusCode::from_u16(s).unwrap(), "{}"), "{s}");
        }
        let throttled = r#"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"#;
        assert!(retryable(StatusCode::BAD_REQUEST, throttled));
        assert!(retryable(
            StatusCode::BAD_REQUEST,
            r#"{"__type":"ThrottlingException"}"#
        ));
        assert!(retryable(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error":{"code":"TooManyRequests"}}"#
        ));
        assert!(!retryable(StatusCode::FORBIDDEN, throttled), "403 never");
        assert!(!retryable(StatusCode::OK, throttled));
    }
}
