use crate::model::{Decision, Enforcement, Window};
use crate::policy::Policy;
use crate::time::format_duration;
use chrono::{DateTime, Utc};

/// What a time window means now.
#[derive(Debug, Clone, PartialEq)]
pub enum WindowVerdict {
    /// The window is over: the entitlement grants nothing now (a stale grant if still present).
    Over(DateTime<Utc>),
    Live(Enforcement, Decision, Window),
}

/// Classify an entitlement bounded by a window. `start` is the window's start when the grant
/// states one, else when it was created if known; with neither, the remaining time from `now`
/// is judged. No end means no expiry: standing.
pub fn classify_window(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    policy: &Policy,
    rule_prefix: &str,
) -> WindowVerdict {
    let window = Window {
        not_before: start,
        not_after: end,
    };
    let Some(end) = end else {
        return WindowVerdict::Live(
            Enforcement::Standing,
            Decision::new(
                &format!("{rule_prefix}.no-end"),
                "the window has a start but no end: it never expires",
            ),
            window,
        );
    };
    if end <= now {
        return WindowVerdict::Over(end);
    }
    let from = start.unwrap_or(now).min(end);
    let length = end - from;
    let measured = if start.is_some() {
        "window"
    } else {
        "remaining window"
    };
    let max = policy.max_jit_window;
    if length <= max {
        WindowVerdict::Live(
            Enforcement::Jit,
            Decision::new(
                &format!("{rule_prefix}.window-fits"),
                format!(
                    "{measured} of {} fits max_jit_window {}",
                    format_duration(length),
                    format_duration(max)
                ),
            ),
            window,
        )
    } else {
        WindowVerdict::Live(
            Enforcement::TimeBound,
            Decision::new(
                &format!("{rule_prefix}.window-too-long"),
                format!(
                    "{measured} of {} is longer than max_jit_window {}",
                    format_duration(length),
                    format_duration(max)
                ),
            ),
            window,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn windows() {
        let p = Policy::default();
        let now = crate::time::parse_timestamp("2026-09-01T12:00:00Z").unwrap();
        let jit = classify_window(
            Some(now - Duration::hours(1)),
            Some(now + Duration::hours(3)),
            now,
            &p,
            "t",
        );
        assert!(matches!(jit, WindowVerdict::Live(Enforcement::Jit, ..)));
        let long = classify_window(
            Some(now - Duration::days(1)),
            Some(now + Duration::days(30)),
            now,
            &p,
            "t",
        );
        assert!(matches!(
            long,
            WindowVerdict::Live(Enforcement::TimeBound, ..)
        ));
        let over = classify_window(None, Some(now - Duration::days(1)), now, &p, "t");
        assert!(matches!(over, WindowVerdict::Over(_)));
        let open = classify_window(Some(now), None, now, &p, "t");
        assert!(matches!(
            open,
            WindowVerdict::Live(Enforcement::Standing, ..)
        ));
        let remaining = classify_window(None, Some(now + Duration::minutes(30)), now, &p, "t");
        assert!(matches!(
            remaining,
            WindowVerdict::Live(Enforcement::Jit, ..)
        ));
    }
}
