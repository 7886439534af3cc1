//! The commands, wired together. `main` only maps the result to an exit code.

mod commands;
mod pipeline;
mod sources;
mod tools;

use crate::cli::{
    BaselineCommand, Cli, Command, ExplainArgs, InitArgs, LedgerCommand, Progress, RulesArgs,
};
use crate::rules::RuleSet;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

pub const EXIT_OK: i32 = 0;
pub const EXIT_GATE: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INCOMPLETE: i32 = 3;

/// An error that stops a command before it can produce anything: exit 2.
#[derive(Debug)]
pub struct Fatal(pub String);

impl<T: Into<String>> From<T> for Fatal {
    fn from(s: T) -> Self {
        Fatal(s.into())
    }
}

pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Scan(a) => commands::scan(a),
        Command::Collect(a) => commands::collect(a),
        Command::Baseline(BaselineCommand::Update(a)) => {
            commands::baseline_update(a.source, &a.baseline, a.allow_incomplete)
        }
        Command::Verify(a) => tools::verify(a),
        Command::Ledger(LedgerCommand::Import(a)) => tools::ledger_import(a),
        Command::Rules(a) => rules_cmd(a),
        Command::Explain(a) => explain(a),
        Command::Init(a) => init(a),
    };
    match result {
        Ok(code) => code,
        Err(Fatal(msg)) => {
            eprintln!("jitgap: error: {msg}");
            EXIT_USAGE
        }
    }
}

fn load_rules(dir: Option<&Path>) -> Result<RuleSet, Fatal> {
    RuleSet::load(dir).map_err(|errs| {
        Fatal(
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n  "),
        )
    })
}

/// A multi-threaded runtime for the live collectors (2 workers: the work is I/O).
fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fatal(format!("cannot start the async runtime: {e}")))
}

/// Progress on stderr: on a terminal only, unless told otherwise.
struct Spinner(Option<ProgressBar>);

impl Spinner {
    fn new(mode: Progress) -> Spinner {
        let show = match mode {
            Progress::Always => true,
            Progress::Never => false,
            Progress::Auto => std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        };
        Spinner(show.then(|| {
            let pb = ProgressBar::new_spinner();
            pb.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("template"),
            );
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        }))
    }
    fn say(&self, msg: impl Into<String>) {
        if let Some(pb) = &self.0 {
            pb.set_message(msg.into());
        }
    }
    fn done(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

fn rules_cmd(a: RulesArgs) -> Result<i32, Fatal> {
    let rules = load_rules(a.rules.as_deref())?;
    let text = match a.format.as_str() {
        "json" => serde_json::to_string_pretty(&rules.checks).expect("checks serialize") + "\n",
        "table" => crate::report::render::rules_table(&rules),
        "markdown" => crate::report::render::rules_markdown(&rules),
        other => {
            return Err(Fatal(format!(
                "--format `{other}`: use table, json or markdown"
            )));
        }
    };
    print!("{text}");
    Ok(EXIT_OK)
}

fn explain(a: ExplainArgs) -> Result<i32, Fatal> {
    let rules = load_rules(a.rules.as_deref())?;
    let check = rules
        .check(&a.id)
        .ok_or_else(|| Fatal(format!("no check `{}` (see `jitgap rules`)", a.id)))?;
    print!("{}", crate::report::render::explain(check, &rules));
    Ok(EXIT_OK)
}

fn init(a: InitArgs) -> Result<i32, Fatal> {
    if a.path.exists() && !a.force {
        return Err(Fatal(format!(
            "{} exists; pass --force to overwrite",
            a.path.display()
        )));
    }
    std::fs::write(&a.path, crate::config::TEMPLATE)
        .map_err(|e| Fatal(format!("{}: cannot write: {e}", a.path.display())))?;
    eprintln!("jitgap: wrote {}", a.path.display());
    Ok(EXIT_OK)
}
