//! Renderers: pure functions of `&Report` (and the rule docs).

mod html;
mod json;
mod markdown;
pub mod sarif;
mod table;

use super::Report;
use crate::rules::{Check, RuleSet};

crate::model::kebab_enum!(Format { Table => "table", Json => "json", Sarif => "sarif", Markdown => "markdown", Html => "html" });

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Table => "txt",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

/// Width tables are laid out for: fixed, so files and snapshots do not depend on the terminal.
pub const TABLE_WIDTH: u16 = 160;

/// How a report is written beyond its format.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Indent the JSON report (compact by default: a large estate's report is smaller and
    /// faster to write and read).
    pub pretty: bool,
    /// The table lists every finding instead of the top ones.
    pub all: bool,
    /// Where the full JSON report of this run is written, for formats that leave some out.
    pub full_json: Option<String>,
    /// Coverage over the scans of the history this run was recorded in (the HTML report's
    /// trend panel).
    pub trend: Option<Vec<crate::history::TrendPoint>>,
}

/// Write a report straight to `out`: the JSON report is streamed rather than built as one
/// string. What the reader must know about the output (SARIF left findings out) is returned.
pub fn write(
    format: Format,
    report: &Report,
    rules: &RuleSet,
    options: &Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<Option<String>> {
    match format {
        Format::Json => {
            if options.pretty {
                serde_json::to_writer_pretty(&mut *out, report)
            } else {
                super::rows::compact_json(|| serde_json::to_writer(&mut *out, report))
            }
            .map_err(std::io::Error::other)?;
            out.write_all(b"\n")?;
            Ok(None)
        }
        Format::Sarif => {
            let s = sarif::render(report, rules, options.full_json.as_deref());
            out.write_all(s.text.as_bytes())?;
            Ok((s.left_out.findings > 0).then(|| {
                format!(
                    "SARIF left out {} finding(s) ({}); every finding is in {}",
                    s.left_out.findings,
                    s.left_out.why,
                    options
                        .full_json
                        .as_deref()
                        .unwrap_or("the JSON report (--format json)")
                )
            }))
        }
        other => {
            out.write_all(render_with(other, report, rules, options).as_bytes())?;
            Ok(None)
        }
    }
}

/// [`render`] with [`Options`].
pub fn render_with(format: Format, report: &Report, rules: &RuleSet, options: &Options) -> String {
    match format {
        Format::Table => table::render(report, TABLE_WIDTH, options.all),
        Format::Json if !options.pretty => {
            serde_json::to_string(report).expect("report serializes") + "\n"
        }
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, rules, options.full_json.as_deref()).text,
        Format::Markdown => markdown::render(report, rules),
        Format::Html => html::render(report, rules, options.trend.as_deref()),
    }
}

/// The report in `format` with the default options (compact JSON, top findings, SARIF
/// within GitHub's limits).
pub fn render(format: Format, report: &Report, rules: &RuleSet) -> String {
    render_with(format, report, rules, &Options::default())
}

pub use table::rules_table;

/// The README's rule index (between `<!-- rules:start -->` and `<!-- rules:end -->`).
pub fn rules_markdown(rules: &RuleSet) -> String {
    let mut s = String::from("| id | name | severity | summary |\n|---|---|---|---|\n");
    for c in &rules.checks {
        s += &format!(
            "| `{}` | {} | {} | {} |\n",
            c.id,
            c.name,
            c.severity,
            summary_line(c).replace('|', "\\|")
        );
    }
    s
}

/// The summary a rule list shows; a deprecated check says so first (its id is never reused).
pub(crate) fn summary_line(c: &Check) -> String {
    match &c.deprecated {
        Some(why) => format!("Deprecated ({why}). {}", c.summary),
        None => c.summary.clone(),
    }
}

/// The honest framework note every human-readable format carries.
pub const FRAMEWORK_NOTE: &str = "Framework references are evidence toward OWASP NHI Top 10 2025 and NIST CSF 2.0 PR.AA-05, not a statement of compliance. \
The requested label \"OWASP NHI-03\" is shown beside the official ids (NHI5:2025 standing privilege, NHI7:2025 long-lived secrets, \
NHI1:2025 stale access and revocation; NHI3:2025 Vulnerable Third-Party NHI only for third-party trust); \"NIST PR.AC-4\" is CSF 1.1, moved to PR.AA-05 in CSF 2.0.";

/// `jitgap explain ID`.
pub fn explain(c: &Check, rules: &RuleSet) -> String {
    let mut s = format!("{} {}\n\n{}\n\n", c.id, c.name, summary_line(c));
    s += &format!(
        "severity: {}   confidence: {}   since: {}\n",
        c.severity, c.confidence, c.since
    );
    if !c.gate.is_empty() {
        s += &format!("counts as: {}\n", c.gate.join(", "));
    }
    s += &format!(
        "\nWhy it matters\n{}\n\nRemediation\n{}\n",
        c.why.trim(),
        c.remediation.trim()
    );
    if !c.references.is_empty() {
        s += "\nReferences\n";
        for r in &c.references {
            s += &format!("  {r}\n");
        }
    }
    s += "\nFrameworks (evidence toward, not compliance)\n";
    for r in rules.frameworks.refs_for(&c.frameworks) {
        s += &format!(
            "  {} {} {} — {} [{}]\n",
            r.framework, r.version, r.id, r.title, r.relation
        );
    }
    s
}
