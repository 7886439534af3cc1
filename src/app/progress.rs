//! Progress on stderr: a spinner for the run, and one line per scope while live collection
//! runs. On a terminal only, unless told otherwise; quiet in CI. `--progress always` where
//! stderr is no terminal (a CI log, a pipe) prints plain lines instead, as indicatif draws
//! nothing there.

use crate::cli::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

pub(super) struct Spinner {
    multi: Option<MultiProgress>,
    main: Option<ProgressBar>,
    /// Plain lines, one per message and per finished scope.
    plain: bool,
}

/// One scope's line; it says how the scope ended and stays on screen. Dropped unfinished
/// (its collector panicked), it says so.
pub(super) struct ScopeLine {
    draw: Draw,
    done: bool,
}

enum Draw {
    Hidden,
    Bar(ProgressBar),
    /// `boundary label`, printed with the outcome when the scope ends.
    Plain(String),
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("progress template")
}

impl Spinner {
    pub fn new(mode: Progress) -> Spinner {
        let show = match mode {
            Progress::Always => true,
            Progress::Never => false,
            Progress::Auto => std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        };
        let plain = show && ProgressDrawTarget::stderr().is_hidden();
        if !show || plain {
            return Spinner {
                multi: None,
                main: None,
                plain,
            };
        }
        let multi = MultiProgress::new();
        let pb = multi.add(ProgressBar::new_spinner());
        pb.set_style(style("{spinner} {msg} [{elapsed}]"));
        pb.enable_steady_tick(Duration::from_millis(120));
        Spinner {
            multi: Some(multi),
            main: Some(pb),
            plain: false,
        }
    }

    pub fn say(&self, msg: impl Into<String>) {
        if let Some(pb) = &self.main {
            pb.set_message(msg.into());
        } else if self.plain {
            eprintln!("{}", msg.into());
        }
    }

    /// A line for one scope to collect (`aws IAM at http://…`); it waits for its turn
    /// until [`ScopeLine::collecting`].
    pub fn scope(&self, boundary: &str, label: &str) -> ScopeLine {
        let draw = match &self.multi {
            Some(m) => {
                let pb = m.add(ProgressBar::new_spinner());
                pb.set_style(style("  {spinner} {prefix} {msg} [{elapsed}]"));
                pb.set_prefix(format!("{boundary} {label}"));
                pb.set_message("waiting");
                pb.enable_steady_tick(Duration::from_millis(120));
                Draw::Bar(pb)
            }
            None if self.plain => Draw::Plain(format!("{boundary} {label}")),
            None => Draw::Hidden,
        };
        ScopeLine { draw, done: false }
    }

    pub fn done(&self) {
        if let Some(pb) = &self.main {
            pb.finish_and_clear();
        }
    }
}

impl ScopeLine {
    /// Its collector got its turn (a permit of the boundary's concurrency).
    pub fn collecting(&self) {
        if let Draw::Bar(pb) = &self.draw {
            pb.reset_elapsed();
            pb.set_message("collecting");
        }
    }

    pub fn finish(mut self, outcome: &str) {
        self.end(outcome);
    }

    fn end(&mut self, outcome: &str) {
        self.done = true;
        match &self.draw {
            Draw::Hidden => {}
            Draw::Bar(pb) => {
                pb.set_style(style("  {prefix} {msg} [{elapsed}]"));
                pb.finish_with_message(outcome.to_string());
            }
            Draw::Plain(prefix) => eprintln!("  {prefix} {outcome}"),
        }
    }
}

impl Drop for ScopeLine {
    fn drop(&mut self) {
        if !self.done {
            self.end("stopped unexpectedly");
        }
    }
}
