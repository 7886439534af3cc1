//! The commands, wired together. `main` only maps the result to an exit code.

mod commands;
mod history;
mod merge;
mod pipeline;
mod progress;
mod sources;
mod tools;

use crate::cli::{BaselineCommand, Cli, Command, ExplainArgs, InitArgs, LedgerCommand, RulesArgs};
use crate::config::Config;
use crate::rules::RuleSet;
use crate::scan::Registry;
use std::path::Path;

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

/// The program: parse `args` with every scanner's flags, run, and return the exit code.
pub fn main_with<I, T>(registry: &Registry, args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match crate::cli::parse_from(registry, args) {
        Ok(cli) => run(registry, cli),
        Err(e) => {
            // Help and version go to stdout with exit 0; usage errors exit 2.
            let _ = e.print();
            if e.use_stderr() { EXIT_USAGE } else { EXIT_OK }
        }
    }
}

pub fn run(registry: &Registry, cli: Cli) -> i32 {
    crate::phases::start();
    let result = match cli.command {
        Command::Scan(a) => commands::scan(registry, a),
        Command::Collect(a) => commands::collect(registry, a),
        Command::Merge(a) => merge::merge(registry, a),
        Command::Baseline(BaselineCommand::Update(a)) => {
            commands::baseline_update(registry, a.source, &a.baseline, a.allow_incomplete)
        }
        Command::Verify(a) => tools::verify(a),
        Command::Ledger(LedgerCommand::Import(a)) => tools::ledger_import(a),
        Command::Rules(a) => rules_cmd(registry, a),
        Command::Explain(a) => explain(registry, a),
        Command::Init(a) => init(registry, a),
        Command::History(a) => history::list(a),
        Command::Trend(a) => history::trend(a),
        Command::Diff(a) => history::diff(a),
    };
    match result {
        Ok(code) => code,
        Err(Fatal(msg)) => {
            eprintln!("jitgap: error: {msg}");
            EXIT_USAGE
        }
    }
}

fn load_rules(registry: &Registry, dir: Option<&Path>) -> Result<RuleSet, Fatal> {
    registry.rules(dir).map_err(|errs| {
        Fatal(
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n  "),
        )
    })
}

/// The config, with every problem (syntax, unknown keys, boundaries, rule ids) at once.
fn load_config(registry: &Registry, rules: &RuleSet, path: Option<&Path>) -> Result<Config, Fatal> {
    Config::load(path, registry, rules).map_err(|e| Fatal(e.to_string()))
}

/// A multi-threaded runtime for the live collectors (2 workers: the work is I/O).
fn runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fatal(format!("cannot start the async runtime: {e}")))
}

fn rules_cmd(registry: &Registry, a: RulesArgs) -> Result<i32, Fatal> {
    let rules = load_rules(registry, a.rules.as_deref())?;
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

fn explain(registry: &Registry, a: ExplainArgs) -> Result<i32, Fatal> {
    let rules = load_rules(registry, a.rules.as_deref())?;
    let check = rules
        .check(&a.id)
        .ok_or_else(|| Fatal(format!("no check `{}` (see `jitgap rules`)", a.id)))?;
    print!("{}", crate::report::render::explain(check, &rules));
    Ok(EXIT_OK)
}

fn init(registry: &Registry, a: InitArgs) -> Result<i32, Fatal> {
    if a.path.exists() && !a.force {
        return Err(Fatal(format!(
            "{} exists; pass --force to overwrite",
            a.path.display()
        )));
    }
    std::fs::write(&a.path, crate::config::template(registry))
        .map_err(|e| Fatal(format!("{}: cannot write: {e}", a.path.display())))?;
    eprintln!("jitgap: wrote {}", a.path.display());
    Ok(EXIT_OK)
}
