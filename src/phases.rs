//! Phase clocks for measuring a run: with `JITGAP_PHASES=1` in the environment, each phase's
//! wall time (since the previous phase ended) goes to stderr as `jitgap: phase NAME: S s`.
//! Off by default; reading the clock costs nothing when it is off.

use std::sync::{Mutex, OnceLock};
use std::time::Instant;

static CLOCK: OnceLock<Option<Mutex<Instant>>> = OnceLock::new();

fn clock() -> Option<&'static Mutex<Instant>> {
    CLOCK
        .get_or_init(|| {
            (std::env::var_os("JITGAP_PHASES").is_some_and(|v| v == "1"))
                .then(|| Mutex::new(Instant::now()))
        })
        .as_ref()
}

/// Starts the clock (the first phase counts from here).
pub fn start() {
    let _ = clock();
}

/// Ends phase `name`: prints its wall time when the clock is on.
pub fn end(name: &str) {
    if let Some(m) = clock() {
        let mut last = m.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        eprintln!(
            "jitgap: phase {name}: {:.3} s",
            now.duration_since(*last).as_secs_f64()
        );
        *last = now;
    }
}
