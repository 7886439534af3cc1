//! Progress on stderr: a spinner for the run, and one line per scope while live collection
//! runs. On a terminal only, unless told otherwise; quiet in CI.

use crate::cli::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

pub(super) struct Spinner {
    multi: Option<MultiProgress>,
    main: Option<ProgressBar>,
}

/// One scope's line; it says how the scope ended and stays on screen.
pub(super) struct ScopeLine(Option<ProgressBar>);

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
        if !show {
            return Spinner {
                multi: None,
                main: None,
            };
        }
        let multi = MultiProgress::new();
        let pb = multi.add(ProgressBar::new_spinner());
        pb.set_style(style("{spinner} {msg} [{elapsed}]"));
        pb.enable_steady_tick(Duration::from_millis(120));
        Spinner {
            multi: Some(multi),
            main: Some(pb),
        }
    }

    pub fn say(&self, msg: impl Into<String>) {
        if let Some(pb) = &self.main {
            pb.set_message(msg.into());
        }
    }

    /// A line for one scope being collected (`aws IAM at http://…`).
    pub fn scope(&self, boundary: &str, label: &str) -> ScopeLine {
        ScopeLine(self.multi.as_ref().map(|m| {
            let pb = m.add(ProgressBar::new_spinner());
            pb.set_style(style("  {spinner} {prefix} {msg} [{elapsed}]"));
            pb.set_prefix(format!("{boundary} {label}"));
            pb.set_message("collecting");
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        }))
    }

    pub fn done(&self) {
        if let Some(pb) = &self.main {
            pb.finish_and_clear();
        }
    }
}

impl ScopeLine {
    pub fn finish(&self, outcome: &str) {
        if let Some(pb) = &self.0 {
            pb.set_style(style("  {prefix} {msg} [{elapsed}]"));
            pb.finish_with_message(outcome.to_string());
        }
    }
}
