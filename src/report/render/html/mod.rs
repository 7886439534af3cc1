//! `--format html`: one self-contained page. The summary (problems, coverage, gate, ledger,
//! rules) is rendered here from the report view; the long lists (findings, privileged paths)
//! travel as data in the page and are listed, filtered and paged by its script, so a 50k-role
//! report opens without building half a million elements. Nothing is fetched: the style and the
//! script are inline and allowed by their hashes under a Content-Security-Policy that forbids
//! everything else.

mod data;

use crate::report::{Report, view};
use crate::rules::RuleSet;
use base64::Engine;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// The `'sha256-…'` source that allows exactly `text` inline.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's policy: its own inline style and script, data: images, nothing else.
pub(crate) fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

pub fn render(r: &Report, rules: &RuleSet, trend: Option<&[crate::history::TrendPoint]>) -> String {
    let head = view::header(r);
    let problems = view::scope_problems(r);
    let findings = view::findings(r, view::Include::All);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(content_security_policy());
                meta name="color-scheme" content="light";
                title { "jitgap report — " (head.as_of) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#findings" { "Skip to findings" }
                header {
                    h1 { "jitgap report" }
                    p.meta {
                        "Verdicts as of " time datetime=(head.as_of) { (head.as_of) }
                        " · jitgap " (head.version)
                        " · policy: max_jit_window " (head.max_jit_window)
                        ", max_credential_age " (head.max_credential_age)
                        ", stale_after " (head.stale_after)
                    }
                    nav aria-label="Sections" {
                        @if !problems.is_empty() { a href="#problems" { "Problems" } }
                        a href="#coverage" { "Coverage" }
                        @if trend.is_some() { a href="#trend" { "Trend" } }
                        @if view::gate(r).is_some() { a href="#gate" { "Gate" } }
                        @if r.ledger.is_some() { a href="#ledger" { "Ledger" } }
                        a href="#findings" { "Findings" }
                        a href="#paths" { "Privileged paths" }
                        a href="#rules" { "Rules" }
                    }
                }
                main {
                    @if !problems.is_empty() { (problems_section(&problems)) }
                    (coverage_section(r))
                    @if let Some(points) = trend { (trend_section(points)) }
                    (gate_section(r))
                    (ledger_section(r))
                    (lists(r, rules, &findings))
                    (rules_section(r, rules))
                }
                footer { p { (super::FRAMEWORK_NOTE) } }
                script id="jitgap-data" type="application/json" { (PreEscaped(data::json(r, &findings))) }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    page.into_string() + "\n"
}

fn problems_section(problems: &[view::ScopeProblem]) -> Markup {
    html! {
        section #problems .alert aria-labelledby="problems-h" {
            h2 #problems-h { "Scan errors and incomplete scopes" }
            p { "These scopes were not read completely: their coverage is a lower bound and what they hide is unknown, not clean." }
            table {
                thead { tr { th { "boundary" } th { "scope" } th { "status" } th { "error" } } }
                tbody {
                    @for p in problems {
                        tr { td { (p.boundary) } td { (p.scope) } td { (p.status) } td { (p.error) } }
                    }
                }
            }
        }
    }
}

/// One stacked bar: JIT, time-bound, standing and unknown shares of the privileged paths,
/// each with its own fill pattern so the chart reads in grey-scale too.
fn bar(counts: &[usize; 5]) -> Markup {
    let total = counts[0].max(1) as f64;
    let mut x = 0.0;
    let parts: Vec<(f64, f64, &str, &str, usize)> = [
        (counts[1], "jit", "JIT"),
        (counts[2], "tb", "time-bound"),
        (counts[3], "st", "standing"),
        (counts[4], "un", "unknown"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, class, label)| {
        let w = 100.0 * n as f64 / total;
        let part = (x, w, class, label, n);
        x += w;
        part
    })
    .collect();
    html! {
        svg.bar viewBox="0 0 100 6" preserveAspectRatio="none" role="img"
            aria-label=(format!("{} privileged: {} JIT, {} time-bound, {} standing, {} unknown", counts[0], counts[1], counts[2], counts[3], counts[4])) {
            rect.empty x="0" y="0" width="100" height="6" {}
            @for (x, w, class, label, n) in parts {
                rect class=(class) x=(format!("{x:.3}")) y="0" width=(format!("{w:.3}")) height="6" {
                    title { (label) ": " (n) }
                }
            }
        }
    }
}

fn coverage_section(r: &Report) -> Markup {
    let rows = view::coverage_rows(r);
    html! {
        section #coverage aria-labelledby="coverage-h" {
            h2 #coverage-h { "Coverage" }
            p { "Share of privileged access paths (admin, write or unknown) that are just-in-time. Time-bound (JIT in name only) and unknown paths count as not JIT." }
            svg.defs width="0" height="0" aria-hidden="true" {
                defs {
                    pattern #p-tb width="2" height="2" patternUnits="userSpaceOnUse" {
                        rect width="2" height="2" fill="#9ca3af" {}
                        path d="M0,2 L2,0" stroke="#111" stroke-width="0.4" {}
                    }
                    pattern #p-un width="2" height="2" patternUnits="userSpaceOnUse" {
                        rect width="2" height="2" fill="#fff" {}
                        circle cx="1" cy="1" r="0.45" fill="#111" {}
                    }
                }
            }
            p.legend aria-hidden="true" {
                span.key.jit {} "JIT " span.key.tb {} "time-bound " span.key.st {} "standing " span.key.un {} "unknown"
            }
            div.scroll {
                table.coverage {
                    thead {
                        tr {
                            th { "boundary" } th { "scope" } th.narrow-hide { "status" }
                            @for c in view::COUNT_COLUMNS { th.num.narrow-hide { (c) } }
                            th.num { "coverage" } th.chart { "paths" }
                        }
                    }
                    tbody {
                        @for row in &rows {
                            tr class=(match row.level { view::CoverageLevel::Scope => "scope", view::CoverageLevel::Boundary => "total", view::CoverageLevel::Overall => "overall" }) {
                                td { (row.boundary) } td { (row.scope) } td.narrow-hide { (row.status) }
                                @for n in row.counts { td.num.narrow-hide { (n) } }
                                td.num { strong { (row.percent) } }
                                td.chart { (bar(&row.counts)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn trend_section(points: &[crate::history::TrendPoint]) -> Markup {
    html! {
        section #trend aria-labelledby="trend-h" {
            h2 #trend-h { "Trend" }
            p { "JIT coverage per boundary over the " (points.len()) " scan(s) of the history this scan was recorded in (the heavy line is overall)." }
            div.scroll { (PreEscaped(crate::history::trend_svg(points, false))) }
        }
    }
}

fn gate_section(r: &Report) -> Markup {
    let Some(g) = view::gate(r) else {
        return html! {};
    };
    html! {
        section #gate aria-labelledby="gate-h" {
            h2 #gate-h { "Gate: " span class=(if g.failed { "fail" } else { "pass" }) { (if g.failed { "failed" } else { "passed" }) } }
            p {
                @for (k, n) in g.tally {
                    @if k == "new" && n > 0 {
                        a href="#status=new" { (k) " " (n) } " · "
                    } @else {
                        (k) " " (n) " · "
                    }
                }
                "expired waivers " (g.expired_waivers)
            }
            @if !g.reasons.is_empty() { ul { @for reason in g.reasons { li { (reason) } } } }
        }
    }
}

fn ledger_section(r: &Report) -> Markup {
    let Some(l) = view::ledger(r) else {
        return html! {};
    };
    html! {
        section #ledger aria-labelledby="ledger-h" {
            h2 #ledger-h { "Ledger" }
            p { "Sources: " (l.sources.join(", ")) }
            p { "Zombies: grants that ended but whose access lives on. Orphans: standing access no grant explains. Stretched: access that outlived its grant's window. Untraceable: grants naming no identity the scan found." }
            div.scroll {
                table {
                    thead { tr { @for (k, _) in l.columns { th.num { (k) } } } }
                    tbody { tr { @for (_, n) in l.columns { td.num { (n) } } } }
                }
            }
        }
    }
}

/// The distinct values a filter offers, sorted.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    values
        .filter(|v| !v.is_empty())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn select(name: &str, label: &str, options: &[&str]) -> Markup {
    html! {
        label {
            span { (label) }
            select name=(name) {
                option value="" { "all" }
                @for o in options { option value=(o) { (o) } }
            }
        }
    }
}

fn lists(r: &Report, rules: &RuleSet, findings: &view::FindingsView) -> Markup {
    let boundaries = distinct(r.scopes.iter().map(|s| s.boundary.as_str()));
    // Every scope a path names is in the coverage; findings may name others (a ledger grant's).
    let scopes = distinct(
        r.coverage
            .scopes
            .iter()
            .map(|s| s.scope.as_str())
            .chain(r.findings.iter().map(|f| f.scope.as_str())),
    );
    let severities: Vec<&str> = crate::model::Severity::ALL
        .iter()
        .rev()
        .map(|s| s.as_str())
        .collect();
    let enforcement: Vec<&str> = crate::model::Enforcement::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let privilege: Vec<&str> = crate::model::Privilege::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let revocation: Vec<&str> = crate::model::Revocation::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let fired = view::fired_checks_by_id(r, rules);
    let rule_ids: Vec<&str> = fired.iter().map(|c| c.id.as_str()).collect();
    // Active and suppressed findings of each rule, in one pass.
    let mut per_rule: std::collections::HashMap<&str, (usize, usize)> = Default::default();
    for f in &r.findings {
        let n = per_rule.entry(f.rule_id.as_str()).or_default();
        if f.is_suppressed() {
            n.1 += 1;
        } else {
            n.0 += 1;
        }
    }
    html! {
        section #findings aria-labelledby="findings-h" {
            h2 #findings-h { "Findings" }
            p { (findings.active) " active, " (findings.suppressed) " suppressed." }
            div.scroll {
                table.rules {
                    thead { tr { th { "rule" } th { "name" } th { "severity" } th.num { "active" } th.num { "suppressed" } } }
                    tbody {
                        @for c in &fired {
                            @let (active, suppressed) = per_rule.get(c.id.as_str()).copied().unwrap_or_default();
                            tr {
                                td { a href=(format!("#rule={}", c.id)) title="show only this rule" { (c.id) } }
                                td { (c.name) }
                                td { span class=(format!("sev sev-{}", c.severity)) { (c.severity) } }
                                td.num { (active) } td.num { (suppressed) }
                            }
                        }
                    }
                }
            }
            form #filters role="search" aria-label="Filter findings and paths" {
                (select("boundary", "boundary", &boundaries))
                (select("scope", "scope", &scopes))
                (select("severity", "severity", &severities))
                (select("enforcement", "enforcement", &enforcement))
                (select("privilege", "privilege", &privilege))
                (select("revocation", "revocation", &revocation))
                (select("rule", "rule", &rule_ids))
                (select("status", "status", &["active", "new", "suppressed"]))
                label.q { span { "search" } input type="search" name="q" placeholder="identity, entitlement, message…" autocomplete="off"; }
                button type="reset" { "Clear filters" }
            }
            p.count #findings-count aria-live="polite" { "Findings are listed by the page's script." }
            noscript { p { "The lists need JavaScript; every finding is also in the JSON, Markdown and SARIF reports." } }
            div #findings-list .list {}
            nav.pager #findings-pager aria-label="Findings pages" {}
        }
        section #paths aria-labelledby="paths-h" {
            h2 #paths-h { "Privileged access paths" }
            p { "Every admin, write or unknown path, with the rule and evidence behind each verdict. The filters above apply (severity, revocation, rule and status are about findings and do not narrow paths)." }
            p.count #paths-count aria-live="polite" {}
            div #paths-list .list {}
            nav.pager #paths-pager aria-label="Path pages" {}
        }
    }
}

fn rules_section(r: &Report, rules: &RuleSet) -> Markup {
    let used = view::fired_checks_by_id(r, rules);
    html! {
        section #rules aria-labelledby="rules-h" {
            h2 #rules-h { "Rules" }
            @if used.is_empty() { p { "No rule fired." } }
            @for c in used {
                article.rule id=(format!("doc-{}", c.id.to_lowercase())) {
                    h3 { (c.id) " " (c.name) " " span class=(format!("sev sev-{}", c.severity)) { (c.severity) } }
                    p { (super::summary_line(c)) }
                    p { (c.why.trim()) }
                    p { strong { "Remediation: " } (c.remediation.trim()) }
                    p.frameworks {
                        "Frameworks (evidence toward, not compliance): "
                        @for fr in rules.frameworks.refs_for(&c.frameworks) {
                            span.fw title=(fr.title) { (fr.framework) " " (fr.version) " " code { (fr.id) } " (" (fr.relation) ")" } " "
                        }
                    }
                }
            }
        }
    }
}
