//! Timestamps and durations as users write them (`8h`, `90d`, RFC 3339 in any of its forms).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// Parse RFC 3339 (`Z` or offset, 0–9 fraction digits), the `2006-01-02 15:04:05-0700` form
/// Vault and PostgreSQL print, a naive `YYYY-MM-DD HH:MM:SS` (taken as UTC) or a bare date.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(t, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap().and_utc())
}

/// Parse `30s`, `15m`, `8h`, `90d`, `2w` (and combinations such as `1d12h`).
/// `2026-08-31T16:00:00Z`: RFC 3339 in UTC, whole seconds.
pub fn fmt_utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Why a duration does not parse; the text quotes what was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration")]
    Empty,
    #[error("`{0}` is not a duration like 8h, 90d or 1d12h")]
    NotADuration(String),
    #[error("`{text}`: unknown unit `{unit}` (use s, m, h, d or w)")]
    UnknownUnit { text: String, unit: char },
    #[error("`{text}` needs a unit, e.g. {num}h or {num}d")]
    NoUnit { text: String, num: String },
    #[error("`{0}` is too long a duration")]
    TooLong(String),
}

pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut total = Duration::zero();
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num
            .parse()
            .map_err(|_| DurationError::NotADuration(t.to_string()))?;
        num.clear();
        let part = match c {
            's' => Duration::try_seconds(n),
            'm' => Duration::try_minutes(n),
            'h' => Duration::try_hours(n),
            'd' => Duration::try_days(n),
            'w' => Duration::try_weeks(n),
            _ => {
                return Err(DurationError::UnknownUnit {
                    text: t.to_string(),
                    unit: c,
                });
            }
        };
        total = part
            .and_then(|p| total.checked_add(&p))
            .ok_or_else(|| DurationError::TooLong(t.to_string()))?;
    }
    if !num.is_empty() {
        return Err(DurationError::NoUnit {
            text: t.to_string(),
            num: num.clone(),
        });
    }
    Ok(total)
}

/// Human form of a duration for messages: `8h`, `90d`, `1d12h`.
pub fn format_duration(d: Duration) -> String {
    let secs = d.num_seconds();
    if secs <= 0 {
        return "0s".into();
    }
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (hours, rem) = (rem / 3600, rem % 3600);
    let (mins, s) = (rem / 60, rem % 60);
    // The largest unit and the one after it are precise enough (60d14h, not 60d14h59m59s).
    let units = [(days, 'd'), (hours, 'h'), (mins, 'm'), (s, 's')];
    let first = units.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    units[first..(first + 2).min(4)]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_form() {
        let want = parse_timestamp("2026-08-29T14:49:47Z").unwrap();
        for t in [
            "2026-08-29T14:49:47+00:00",
            "2026-08-29T14:49:47.000Z",
            "2026-08-29 14:49:47+0000",
            "2026-08-29 14:49:47",
            "2026-08-29T16:49:47+02:00",
        ] {
            assert_eq!(parse_timestamp(t), Some(want), "{t}");
        }
        assert_eq!(parse_timestamp("N/A"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("8h").unwrap(), Duration::hours(8));
        assert_eq!(parse_duration("90d").unwrap(), Duration::days(90));
        assert_eq!(parse_duration("1d12h").unwrap(), Duration::hours(36));
        assert!(
            parse_duration("8")
                .unwrap_err()
                .to_string()
                .contains("needs a unit")
        );
        assert!(
            parse_duration("8y")
                .unwrap_err()
                .to_string()
                .contains("unknown unit")
        );
        assert_eq!(format_duration(Duration::hours(36)), "1d12h");
        assert_eq!(
            format_duration(Duration::seconds(60 * 86_400 + 14 * 3600 + 3599)),
            "60d14h"
        );
        assert_eq!(format_duration(Duration::minutes(90)), "1h30m");
    }

    #[test]
    fn a_duration_past_the_calendar_is_an_error_not_a_panic() {
        // Found by tests/parser_props.rs: `max_jit_window = "99999999999999d"` panicked.
        let e = parse_duration("99999999999999d").unwrap_err().to_string();
        assert!(e.contains("too long"), "{e}");
        assert!(parse_duration("9223372036854775807s9223372036854775807s").is_err());
    }
}
