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

/// Parse an ISO 8601 duration as Azure and Graph write them: `PT8H`, `P1D`, `PT1H45M`,
/// `P1DT12H`, `PT1.5S` (the `PnW` week form too). Years and months have no fixed length and are
/// refused, and so are negative values, fractions on any unit but seconds, units out of order,
/// and an empty `P` or `T` part. Fractions below a nanosecond are dropped.
pub fn parse_iso8601_duration(text: &str) -> Option<Duration> {
    let rest = text.trim().to_ascii_uppercase();
    let rest = rest.strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return None;
    }
    let mut total = Duration::zero();
    for (part, units) in [(date, "WD"), (time.unwrap_or(""), "HMS")] {
        let mut next = 0; // units must come in order, each at most once
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' || c == ',' {
                num.push(if c == ',' { '.' } else { c });
                continue;
            }
            let at = units[next..].find(c)? + next;
            next = at + 1;
            total = total.checked_add(&iso_part(&num, c)?)?;
            num.clear();
        }
        if !num.is_empty() {
            return None; // a number without its unit
        }
    }
    Some(total)
}

/// One `<number><unit>` of an ISO 8601 duration; only seconds take a fraction.
fn iso_part(num: &str, unit: char) -> Option<Duration> {
    let (whole, frac) = match num.split_once('.') {
        Some((w, f)) if unit == 'S' && !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()) => {
            (w, f)
        }
        Some(_) => return None,
        None => (num, ""),
    };
    if whole.is_empty() {
        return None;
    }
    let n: i64 = whole.parse().ok()?;
    let whole = match unit {
        'W' => Duration::try_weeks(n),
        'D' => Duration::try_days(n),
        'H' => Duration::try_hours(n),
        'M' => Duration::try_minutes(n),
        _ => Duration::try_seconds(n),
    }?;
    let nanos: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    whole.checked_add(&Duration::nanoseconds(nanos.parse().ok()?))
}

/// Parse a protobuf `Duration` as Google Cloud APIs write it in JSON: seconds with an `s`
/// suffix and up to nine fraction digits (`"7200s"`, `"0.5s"`, `"3.000000001s"`). Negative
/// values, other units and a missing `s` are refused.
pub fn parse_protobuf_duration(text: &str) -> Option<Duration> {
    let secs = text.trim().strip_suffix('s')?;
    let (whole, frac) = secs.split_once('.').unwrap_or((secs, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if secs.contains('.') && (frac.is_empty() || frac.len() > 9) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: i64 = format!("{frac:0<9}").parse().ok()?;
    Duration::try_seconds(whole.parse().ok()?)?.checked_add(&Duration::nanoseconds(nanos))
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

/// A limit as `[limits]` writes it: `2s`, `15m`, `500ms` (whole seconds alone would say
/// `0s` for a sub-second limit).
pub fn format_limit(d: std::time::Duration) -> String {
    if d.subsec_millis() != 0 && d < std::time::Duration::from_secs(60) {
        return format!("{}ms", d.as_millis());
    }
    Duration::from_std(d).map_or_else(|_| format!("{d:?}"), format_duration)
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
    fn protobuf_durations() {
        let d = parse_protobuf_duration;
        assert_eq!(d("7200s"), Some(Duration::hours(2)));
        assert_eq!(d(" 28800s "), Some(Duration::hours(8)));
        assert_eq!(d("0.5s"), Some(Duration::milliseconds(500)));
        assert_eq!(
            d("3.000000001s"),
            Some(Duration::nanoseconds(3_000_000_001))
        );
        assert_eq!(d("0s"), Some(Duration::zero()));
        for bad in [
            "",
            "s",
            "2h",
            "7200",
            "-1s",
            "+1s",
            "1.s",
            ".5s",
            "1.0000000001s",
            "1e3s",
            "PT2H",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    #[test]
    fn iso8601_durations() {
        let d = |s: &str| parse_iso8601_duration(s);
        assert_eq!(d("PT8H"), Some(Duration::hours(8)));
        assert_eq!(d("P1D"), Some(Duration::days(1)));
        assert_eq!(d("PT1H45M"), Some(Duration::minutes(105)));
        assert_eq!(d("P1DT12H"), Some(Duration::hours(36)));
        assert_eq!(d("P2W"), Some(Duration::days(14)));
        assert_eq!(d("PT90M"), Some(Duration::minutes(90)));
        assert_eq!(d(" pt30s "), Some(Duration::seconds(30)));
        assert_eq!(d("PT0S"), Some(Duration::zero()));
        assert_eq!(d("PT1.5S"), Some(Duration::milliseconds(1500)));
        assert_eq!(d("PT0,25S"), Some(Duration::milliseconds(250)));
        assert_eq!(
            d("PT1.1234567891S"),
            Some(Duration::nanoseconds(1_123_456_789))
        );
    }

    #[test]
    fn iso8601_durations_without_a_fixed_length_or_sign_are_refused() {
        for bad in [
            "P1Y",
            "P1M",
            "P1Y2M3D",
            "-PT1H",
            "PT-1H",
            "+PT1H",
            "P",
            "PT",
            "P1DT",
            "8h",
            "PT8",
            "PT1.5H",
            "P1.5D",
            "PT.5S",
            "PT1.S",
            "PT1M1H",
            "PT1H1H",
            "P1DT1D",
            "PT1X",
            "",
            "T1H",
            "P9999999999999999999D",
            "P99999999999999W",
        ] {
            assert_eq!(parse_iso8601_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_duration_past_the_calendar_is_an_error_not_a_panic() {
        // Found by tests/parser_props.rs: `max_jit_window = "99999999999999d"` panicked.
        let e = parse_duration("99999999999999d").unwrap_err().to_string();
        assert!(e.contains("too long"), "{e}");
        assert!(parse_duration("9223372036854775807s9223372036854775807s").is_err());
    }
}
