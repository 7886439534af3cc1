//! scan, collect and baseline update.

use super::pipeline::{Run, build, build_with};
use super::progress::Spinner;
use super::sources::gather;
use super::{EXIT_GATE, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, Fatal, load_config, load_rules};
use crate::cli::{CollectArgs, ReportArgs, ScanArgs, SourceArgs};
use crate::config::Config;
use crate::gate::{Baseline, WaiverFile};
use crate::report::FailOn;
use crate::report::Report;
use crate::report::render::{self, Format};
use crate::rules::RuleSet;
use crate::scan::Registry;
use chrono::Utc;
use std::io::Write;
use std::path::Path;

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
            .map_err(|e: crate::model::NotOneOf| Fatal(format!("--format: {e}")))?;
        if !out.contains(&fmt) {
            out.push(fmt);
        }
    }
    if out.is_empty() {
        out.push(Format::Table);
    }
    Ok(out)
}

/// The formats, output and gate of a report, from the flags and the config.
pub(super) struct Delivery {
    formats: Vec<Format>,
    out_dir: Option<std::path::PathBuf>,
    options: render::Options,
    fail_on: Vec<FailOn>,
    baseline_path: Option<std::path::PathBuf>,
    baseline: Option<Baseline>,
    waivers: Option<WaiverFile>,
    allow_incomplete: bool,
    /// `--history` or `[history] database`.
    history: Option<String>,
}

impl Delivery {
    pub(super) fn new(a: &ReportArgs, config: &Config) -> Result<Delivery, Fatal> {
        let formats = parse_formats(if a.format.is_empty() {
            &config.output.format
        } else {
            &a.format
        })?;
        let out_dir = a.out.clone().or(config.output.out.clone());
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
            config.gate.fail_on.clone()
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
        let baseline_path = a.baseline.clone().or(config.gate.baseline.clone());
        let baseline = baseline_path
            .as_deref()
            .map(Baseline::read)
            .transpose()
            .map_err(|e| e.to_string())?;
        let waivers_path = a.waivers.clone().or(config.gate.waivers.clone());
        let waivers = waivers_path
            .as_deref()
            .map(WaiverFile::read)
            .transpose()
            .map_err(|e| e.to_string())?;
        let full_json = out_dir
            .as_ref()
            .filter(|_| formats.contains(&Format::Json))
            .map(|d| d.join("jitgap-report.json").display().to_string());
        Ok(Delivery {
            options: render::Options {
                pretty: a.pretty,
                all: a.all,
                full_json,
                trend: None,
            },
            formats,
            out_dir,
            fail_on,
            baseline_path,
            baseline,
            waivers,
            allow_incomplete: a.allow_incomplete || config.gate.allow_incomplete,
            history: a.history.clone().or(config.history.database.clone()),
        })
    }

    /// Applies the gate, writes every format, says what went wrong: the exit code.
    pub(super) fn deliver(
        &self,
        mut report: Report,
        rules: &RuleSet,
        input_errors: &[String],
    ) -> Result<i32, Fatal> {
        if let Some(p) = &self.baseline_path {
            report.inputs.push(p.display().to_string());
        }
        let shown = self.baseline_path.as_ref().map(|p| p.display().to_string());
        crate::gate::apply(
            &mut report,
            rules,
            self.baseline
                .as_ref()
                .map(|b| (shown.as_deref().unwrap_or(""), b)),
            self.waivers.as_ref(),
            &self.fail_on,
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
        // The history first, so the HTML report's trend includes this scan; a history that
        // cannot be written is said after the reports are, which are written regardless.
        let mut options = self.options.clone();
        let history_error = match &self.history {
            Some(db) => match record(db, &report) {
                Ok((id, trend)) => {
                    eprintln!(
                        "jitgap: recorded scan {id} in history {}",
                        crate::history::shown(db)
                    );
                    options.trend = Some(trend);
                    None
                }
                Err(e) => Some(e),
            },
            None => None,
        };
        crate::phases::end("gate and history");
        write_outputs(
            &report,
            rules,
            &self.formats,
            self.out_dir.as_deref(),
            &options,
        )?;
        crate::phases::end("write");
        warn_scopes(&report, input_errors);
        if let Some(e) = &history_error {
            eprintln!("jitgap: error: {e}");
        }
        for e in input_errors {
            eprintln!("jitgap: error: {e}");
        }
        let gate = report.gate.as_ref().expect("gate applied");
        for r in &gate.reasons {
            eprintln!("jitgap: gate failed: {r}");
        }
        let code = if history_error.is_some() {
            EXIT_USAGE
        } else {
            exit_code(&report, input_errors, self.allow_incomplete)
        };
        // The process ends right after this; freeing a large report would only cost time.
        std::mem::forget(report);
        Ok(code)
    }
}

/// Appends `report` to the history at `db`: the scan's id and the history's trend.
fn record(
    db: &str,
    report: &Report,
) -> Result<(i64, Vec<crate::history::TrendPoint>), crate::history::HistoryError> {
    let mut store = crate::history::Store::open(db)?;
    let id = store.record(&crate::history::ScanRecord::from_report(report))?;
    let trend = crate::history::trend(&store.scans()?);
    Ok((id, trend))
}

pub(super) fn scan(registry: &Registry, a: ScanArgs) -> Result<i32, Fatal> {
    let spin = Spinner::new(a.source.progress);
    let loaded_rules = load_rules(registry, a.source.rules.as_deref())?;
    let config = load_config(registry, &loaded_rules, a.source.config.as_deref())?;
    let delivery = Delivery::new(&a.report, &config)?;
    let Run {
        mut report,
        rules,
        input_errors,
        ..
    } = build_with(registry, &a.source, loaded_rules, &config, &spin)?;
    if let Some(file) = &a.probe {
        spin.say("probing credentials");
        report.probes =
            super::tools::probe(file, &a.source.boundaries, &config.sources.boundaries)?;
    }
    spin.done();
    delivery.deliver(report, &rules, &input_errors)
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
    options: &render::Options,
) -> Result<(), Fatal> {
    match out {
        None => {
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, stdout());
            // A closed pipe (`| head`) is not an error.
            if let Ok(notice) = render::write(formats[0], report, rules, options, &mut stdout) {
                let _ = stdout.flush();
                if let Some(n) = notice {
                    eprintln!("jitgap: {n}");
                }
            }
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Fatal(format!("{}: cannot create: {e}", dir.display())))?;
            for f in formats {
                let path = dir.join(format!("jitgap-report.{}", f.extension()));
                let file = std::fs::File::create(&path)
                    .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))?;
                let mut file = std::io::BufWriter::with_capacity(1 << 16, file);
                let notice = render::write(*f, report, rules, options, &mut file)
                    .and_then(|n| file.flush().map(|_| n))
                    .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))?;
                eprintln!("jitgap: wrote {}", path.display());
                if let Some(n) = notice {
                    eprintln!("jitgap: {n}");
                }
            }
        }
    }
    Ok(())
}

/// Standard output for a report. On Unix, the descriptor itself: the standard library's
/// stdout looks for a line end in everything written to it, and a compact JSON report of
/// hundreds of megabytes has none. Nothing else writes to stdout while a report is written.
fn stdout() -> Box<dyn Write> {
    let _ = std::io::stdout().flush();
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() {
            return Box::new(std::fs::File::from(fd));
        }
    }
    Box::new(std::io::stdout().lock())
}

/// A directory name for a scope (`127.0.0.1:5432/app` → `127.0.0.1_5432_app`).
fn dir_name(scope: &str) -> String {
    scope
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn write_doc(dir: &Path, name: &str, text: &str) -> Result<(), Fatal> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Fatal(format!("{}: cannot create: {e}", dir.display())))?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display())))
}

pub(super) fn collect(registry: &Registry, a: CollectArgs) -> Result<i32, Fatal> {
    let spin = Spinner::new(a.source.progress);
    let rules = load_rules(registry, a.source.rules.as_deref())?;
    let config = load_config(registry, &rules, a.source.config.as_deref())?;
    let g = gather(registry, &a.source, &config, &spin)?;
    spin.done();
    let out = &a.out;
    let mut errors: Vec<String> = Vec::new();
    let mut written = 0;
    for raw in &g.scopes {
        let boundary = raw.boundary.to_string();
        errors.extend(raw.errors.iter().map(|e| format!("{boundary}: {e}")));
        let Some(scanner) = registry.find(raw.boundary) else {
            continue;
        };
        let scope = if raw.scope.is_empty() {
            format!("unknown-{boundary}")
        } else {
            raw.scope.clone()
        };
        let dir = out.join(&boundary).join(dir_name(&scope));
        for (name, text) in scanner.snapshot_documents(raw) {
            write_doc(&dir, name, &text)?;
            written += 1;
        }
    }
    if !g.grants.is_empty() {
        write_doc(
            &out.join("ledger"),
            "ledger.jsonl",
            &crate::ledger::to_jsonl(&g.grants),
        )?;
        written += 1;
    }
    errors.extend(g.ledger_errors.iter().map(|e| format!("ledger: {e}")));
    let manifest = serde_json::json!({
        "jitgap_version": env!("CARGO_PKG_VERSION"),
        "collected_at": g.collected_at.unwrap_or_else(Utc::now).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    write_doc(
        out,
        "manifest.json",
        &(serde_json::to_string_pretty(&manifest).expect("manifest") + "\n"),
    )?;
    eprintln!("jitgap: wrote {written} document(s) to {}", out.display());
    for e in &errors {
        eprintln!("jitgap: {e}");
    }
    for e in &g.input_errors {
        eprintln!("jitgap: error: {e}");
    }
    Ok(if !g.input_errors.is_empty() {
        EXIT_USAGE
    } else if !errors.is_empty() {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    })
}

pub(super) fn baseline_update(
    registry: &Registry,
    src: SourceArgs,
    path: &Path,
    allow_incomplete: bool,
) -> Result<i32, Fatal> {
    let spin = Spinner::new(src.progress);
    let Run {
        report,
        input_errors,
        ..
    } = build(registry, &src, &spin)?;
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
