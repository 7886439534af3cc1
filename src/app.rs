//! The commands, wired together. `main` only maps the result to an exit code.

use crate::cli::{
    BaselineCommand, Cli, CollectArgs, Command, ExplainArgs, InitArgs, Progress, RulesArgs,
    ScanArgs, SourceArgs,
};
use crate::config::Config;
use crate::gate::{Baseline, FailOn, WaiverFile};
use crate::model::Inventory;
use crate::policy::Policy;
use crate::report::render::{Format, render};
use crate::report::{Coverage, Report, Tool};
use crate::rules::RuleSet;
use crate::scan::Snapshot;
use crate::scan::aws::collect::AwsLiveOptions;
use crate::scan::aws::{self, AwsRaw, NormalizeContext};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
        Command::Scan(a) => scan(a),
        Command::Collect(a) => collect(a),
        Command::Baseline(BaselineCommand::Update(a)) => {
            baseline_update(a.source, &a.baseline, a.allow_incomplete)
        }
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

/// Everything read from the sources, before normalization.
#[derive(Default)]
struct Gathered {
    aws: Vec<(AwsRaw, Origin)>,
    collected_at: Option<DateTime<Utc>>,
    /// Unreadable input: reported, and the run exits 2 after writing what it has.
    input_errors: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    File,
    Live,
}

fn live_aws(src: &SourceArgs, config: &Config) -> Option<AwsLiveOptions> {
    let cfg = config.sources.aws.as_ref().filter(|a| a.enabled);
    let wanted =
        src.aws || src.aws_endpoint_url.is_some() || src.aws_profile.is_some() || cfg.is_some();
    wanted.then(|| AwsLiveOptions {
        endpoint_url: src
            .aws_endpoint_url
            .clone()
            .or_else(|| cfg.and_then(|c| c.endpoint_url.clone())),
        profile: src
            .aws_profile
            .clone()
            .or_else(|| cfg.and_then(|c| c.profile.clone())),
    })
}

fn gather(src: &SourceArgs, config: &Config, spin: &Spinner) -> Result<Gathered, Fatal> {
    let mut from: Vec<PathBuf> = src.from.clone();
    if from.is_empty() && !src.demo {
        from = config.sources.from.clone();
    }
    let live = live_aws(src, config);
    if !src.demo && from.is_empty() && live.is_none() {
        return Err(Fatal(
            "no source to scan. Sources: --demo (built-in estate), --from PATH (a snapshot directory or an \
             authorization-details JSON), --aws / --aws-endpoint-url URL / --aws-profile NAME (live AWS); \
             or set [sources] in jitgap.toml (`jitgap init` writes one)"
                .into(),
        ));
    }
    let mut g = Gathered::default();
    let add = |snap: Snapshot, g: &mut Gathered| {
        g.collected_at = g.collected_at.or(snap.collected_at);
        g.aws
            .extend(snap.aws.into_iter().map(|r| (r, Origin::File)));
    };
    if src.demo {
        add(crate::demo::snapshot(), &mut g);
    }
    for path in &from {
        spin.say(format!("reading {}", path.display()));
        match crate::scan::load_snapshot(path) {
            Ok(s) => add(s, &mut g),
            Err(e) => g.input_errors.push(e.to_string()),
        }
    }
    if let Some(opts) = live {
        spin.say(format!(
            "collecting AWS IAM{}",
            opts.endpoint_url
                .as_deref()
                .map(|e| format!(" at {e}"))
                .unwrap_or_default()
        ));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Fatal(format!("cannot start the async runtime: {e}")))?;
        let raw = rt.block_on(aws::collect::collect(&opts));
        g.aws.push((raw, Origin::Live));
    }
    Ok(g)
}

/// What a run produced beyond the report.
struct Run {
    report: Report,
    rules: RuleSet,
    input_errors: Vec<String>,
}

fn build(src: &SourceArgs, spin: &Spinner) -> Result<Run, Fatal> {
    let config = Config::discover(src.config.as_deref())?;
    let rules = load_rules(src.rules.as_deref())?;
    let policy = Policy::from_layers(&[&rules.policy, &config.policy]).map_err(|e| {
        Fatal(format!(
            "{}: {e}",
            config
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or("rules/policy.toml".into())
        ))
    })?;
    let as_of = src
        .as_of
        .as_deref()
        .map(|t| {
            crate::time::parse_timestamp(t)
                .ok_or_else(|| Fatal(format!("--as-of `{t}` is not an RFC 3339 time")))
        })
        .transpose()?;
    let g = gather(src, &config, spin)?;
    let now = as_of.or(g.collected_at).unwrap_or_else(Utc::now);
    spin.say(format!("classifying {} AWS account(s)", g.aws.len()));
    let ctx = NormalizeContext {
        policy: &policy,
        catalogue: &rules.aws,
        now,
    };
    let parts: Vec<(Inventory, Vec<String>, Origin)> = g
        .aws
        .par_iter()
        .map(|(raw, origin)| {
            let (inv, errs) = aws::normalize(raw, &ctx);
            (inv, errs, *origin)
        })
        .collect();
    let mut inv = Inventory::default();
    let mut input_errors = g.input_errors;
    let mut inputs: Vec<String> = Vec::new();
    for (part, errs, origin) in parts {
        if origin == Origin::File {
            input_errors.extend(errs);
        }
        inv.extend(part);
    }
    inv.sort();
    for s in &inv.scopes {
        inputs.extend(s.sources.iter().filter(|x| !x.starts_with("aws:")).cloned());
    }
    if let Some(p) = &config.path {
        inputs.push(p.display().to_string());
    }
    let findings = crate::checks::run(&inv, &rules, &config.rules);
    let scope_keys: Vec<_> = inv
        .scopes
        .iter()
        .map(|s| (s.boundary, s.scope.clone()))
        .collect();
    let coverage = Coverage::compute(&inv.access_paths, &scope_keys);
    let report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool {
            name: "jitgap".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        generated_at: now,
        policy: policy.to_file(),
        inputs,
        identities: inv.identities,
        credentials: inv.credentials,
        access_paths: inv.access_paths,
        findings,
        coverage,
        scopes: inv.scopes,
        gate: None,
        waivers: Vec::new(),
        ledger: None,
    };
    Ok(Run {
        report,
        rules,
        input_errors,
    })
}

fn warn_scopes(report: &Report, already_said: &[String]) {
    for s in report.incomplete_scopes() {
        for e in s.errors.iter().filter(|e| !already_said.contains(e)) {
            eprintln!("jitgap: {} scope {}/{}: {e}", s.status, s.boundary, s.scope);
        }
    }
}

fn parse_formats(list: &[String]) -> Result<Vec<Format>, Fatal> {
    let mut out = Vec::new();
    for f in list.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        let fmt: Format = f
            .parse()
            .map_err(|e: String| Fatal(format!("--format: {e}")))?;
        if !out.contains(&fmt) {
            out.push(fmt);
        }
    }
    if out.is_empty() {
        out.push(Format::Table);
    }
    Ok(out)
}

fn scan(a: ScanArgs) -> Result<i32, Fatal> {
    let spin = Spinner::new(a.source.progress);
    let config_for_flags = Config::discover(a.source.config.as_deref())?;
    let formats = parse_formats(if a.format.is_empty() {
        &config_for_flags.output.format
    } else {
        &a.format
    })?;
    let out_dir = a.out.clone().or(config_for_flags.output.out.clone());
    if out_dir.is_none() && formats.len() > 1 {
        return Err(Fatal(format!(
            "--format {} writes several reports: add --out DIR",
            formats
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(",")
        )));
    }
    let fail_on_text = if a.fail_on.is_empty() {
        config_for_flags.gate.fail_on.clone()
    } else {
        a.fail_on.clone()
    };
    let fail_on: Vec<FailOn> = fail_on_text
        .iter()
        .map(|s| {
            s.trim()
                .parse::<FailOn>()
                .map_err(|e| Fatal(format!("--fail-on: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let baseline_path = a
        .baseline
        .clone()
        .or(config_for_flags.gate.baseline.clone());
    let baseline = baseline_path.as_deref().map(Baseline::read).transpose()?;
    let waivers_path = a.waivers.clone().or(config_for_flags.gate.waivers.clone());
    let waivers = waivers_path.as_deref().map(WaiverFile::read).transpose()?;
    let allow_incomplete = a.allow_incomplete || config_for_flags.gate.allow_incomplete;

    let Run {
        mut report,
        rules,
        input_errors,
    } = build(&a.source, &spin)?;
    spin.done();
    if let Some(p) = &baseline_path {
        report.inputs.push(p.display().to_string());
    }
    let shown = baseline_path.as_ref().map(|p| p.display().to_string());
    crate::gate::apply(
        &mut report,
        &rules,
        baseline
            .as_ref()
            .map(|b| (shown.as_deref().unwrap_or(""), b)),
        waivers.as_ref(),
        &fail_on,
    );
    for w in report.waivers.iter().filter(|w| w.status == "expired") {
        eprintln!(
            "jitgap: waiver #{} in {} (owner {}, ticket {}) expired {}: it no longer suppresses",
            w.index,
            w.file,
            w.owner,
            if w.ticket.is_empty() { "-" } else { &w.ticket },
            w.expires
        );
    }
    write_outputs(&report, &rules, &formats, out_dir.as_deref())?;
    warn_scopes(&report, &input_errors);
    for e in &input_errors {
        eprintln!("jitgap: error: {e}");
    }
    let gate = report.gate.as_ref().expect("gate applied");
    for r in &gate.reasons {
        eprintln!("jitgap: gate failed: {r}");
    }
    Ok(exit_code(&report, &input_errors, allow_incomplete))
}

/// 2 bad input > 3 incomplete > 1 gate failed > 0. A gate on a partial scan cannot be trusted
/// either way, so incompleteness wins over the gate; the report still carries the gate outcome.
fn exit_code(report: &Report, input_errors: &[String], allow_incomplete: bool) -> i32 {
    if !input_errors.is_empty() {
        EXIT_USAGE
    } else if report.incomplete_scopes().next().is_some() && !allow_incomplete {
        eprintln!(
            "jitgap: scan incomplete: exit 3 (pass --allow-incomplete to accept a partial scan)"
        );
        EXIT_INCOMPLETE
    } else if report.gate.as_ref().is_some_and(|g| g.failed) {
        EXIT_GATE
    } else {
        EXIT_OK
    }
}

fn write_outputs(
    report: &Report,
    rules: &RuleSet,
    formats: &[Format],
    out: Option<&Path>,
) -> Result<(), Fatal> {
    match out {
        None => {
            let text = render(formats[0], report, rules);
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error.
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush());
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Fatal(format!("{}: cannot create: {e}", dir.display())))?;
            for f in formats {
                let path = dir.join(format!("jitgap-report.{}", f.extension()));
                std::fs::write(&path, render(*f, report, rules))
                    .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))?;
                eprintln!("jitgap: wrote {}", path.display());
            }
        }
    }
    Ok(())
}

fn collect(a: CollectArgs) -> Result<i32, Fatal> {
    let spin = Spinner::new(a.source.progress);
    let config = Config::discover(a.source.config.as_deref())?;
    let g = gather(&a.source, &config, &spin)?;
    spin.done();
    let out = &a.out;
    let mut incomplete = false;
    let mut written = 0;
    for (raw, _) in &g.aws {
        for e in &raw.errors {
            eprintln!("jitgap: aws: {e}");
            incomplete = true;
        }
        let account = raw
            .scope_hint
            .clone()
            .unwrap_or_else(|| "unknown-account".into());
        let dir = out.join("aws").join(&account);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Fatal(format!("{}: cannot create: {e}", dir.display())))?;
        for (name, doc) in [
            (aws::raw::AUTHORIZATION_DETAILS, &raw.authorization_details),
            (aws::raw::CREDENTIAL_REPORT, &raw.credential_report),
            (aws::raw::ACCESS_KEYS, &raw.access_keys),
        ] {
            if let Some(doc) = doc {
                let path = dir.join(name);
                std::fs::write(&path, &doc.text)
                    .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))?;
                written += 1;
            }
        }
    }
    let manifest = serde_json::json!({
        "jitgap_version": env!("CARGO_PKG_VERSION"),
        "collected_at": g.collected_at.unwrap_or_else(Utc::now).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    std::fs::create_dir_all(out)
        .map_err(|e| Fatal(format!("{}: cannot create: {e}", out.display())))?;
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap() + "\n",
    )
    .map_err(|e| Fatal(format!("{}: cannot write manifest: {e}", out.display())))?;
    eprintln!("jitgap: wrote {written} document(s) to {}", out.display());
    for e in &g.input_errors {
        eprintln!("jitgap: error: {e}");
    }
    Ok(if !g.input_errors.is_empty() {
        EXIT_USAGE
    } else if incomplete {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    })
}

fn baseline_update(src: SourceArgs, path: &Path, allow_incomplete: bool) -> Result<i32, Fatal> {
    let spin = Spinner::new(src.progress);
    let Run {
        report,
        input_errors,
        ..
    } = build(&src, &spin)?;
    spin.done();
    warn_scopes(&report, &input_errors);
    if !input_errors.is_empty() {
        for e in &input_errors {
            eprintln!("jitgap: error: {e}");
        }
        return Ok(EXIT_USAGE);
    }
    if report.incomplete_scopes().next().is_some() && !allow_incomplete {
        eprintln!(
            "jitgap: the scan is incomplete; not writing a baseline from it (pass --allow-incomplete to write it anyway)"
        );
        return Ok(EXIT_INCOMPLETE);
    }
    let b = Baseline::from_report(&report);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Fatal(format!("{}: cannot create: {e}", dir.display())))?;
    }
    std::fs::write(path, b.to_json())
        .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))?;
    eprintln!(
        "jitgap: wrote {} finding(s) to {}",
        b.findings.len(),
        path.display()
    );
    Ok(EXIT_OK)
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
