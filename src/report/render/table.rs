use crate::report::{Report, view};
use crate::rules::RuleSet;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

fn table(width: u16, header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(header.iter().map(Cell::new));
    t
}

fn coverage_cells(row: &view::CoverageRow) -> Vec<Cell> {
    [row.boundary, row.scope, row.status]
        .into_iter()
        .map(Cell::new)
        .chain(
            row.counts
                .iter()
                .map(|n| Cell::new(n).set_alignment(CellAlignment::Right)),
        )
        .chain(std::iter::once(
            Cell::new(&row.percent).set_alignment(CellAlignment::Right),
        ))
        .collect()
}

/// Rows of the paths and findings tables shown without `--all`.
pub const TOP: usize = 50;

pub fn render(r: &Report, width: u16, all: bool) -> String {
    let head = view::header(r);
    let mut out = format!(
        "jitgap {} — verdicts as of {}\n\n",
        head.version, head.as_of
    );
    out += "Coverage: privileged access paths that are just-in-time (time-bound and unknown count as not JIT)\n";
    let mut header = vec!["boundary", "scope", "status"];
    header.extend(view::COUNT_COLUMNS);
    header.push("coverage");
    let mut t = table(width, &header);
    for row in view::coverage_rows(r) {
        t.add_row(coverage_cells(&row));
    }
    out += &format!("{t}\n");
    for row in view::scope_rows(r) {
        if let Some(c) = &row.connection {
            out += &format!("connection {}/{}: {c}\n", row.boundary, row.scope);
        }
    }
    for p in view::scope_problems(r) {
        out += &format!("! {} {}/{}: {}\n", p.status, p.boundary, p.scope, p.error);
    }

    if let Some(l) = view::ledger(r) {
        out += &format!("\nLedger: {}\n", l.line);
    }

    let mut privileged = view::privileged_paths(r);
    let paths_left = if all {
        0
    } else {
        // The strongest privilege first, standing before JIT, stable within.
        privileged.sort_by(|a, b| {
            (b.privilege.rank(), b.enforcement.weakness())
                .cmp(&(a.privilege.rank(), a.enforcement.weakness()))
        });
        let left = privileged.len().saturating_sub(TOP);
        privileged.truncate(TOP);
        left
    };
    if !privileged.is_empty() {
        out += &format!(
            "\nPrivileged access paths ({})\n",
            privileged.len() + paths_left
        );
        let mut t = table(
            width,
            &[
                "identity",
                "entitlement",
                "privilege",
                "enforcement",
                "credential",
                "why",
            ],
        );
        for p in privileged {
            t.add_row(vec![
                Cell::new(p.identity),
                Cell::new(p.entitlement),
                Cell::new(p.privilege),
                Cell::new(p.enforcement),
                Cell::new(p.credential),
                Cell::new(p.reason),
            ]);
        }
        out += &format!("{t}\n");
        if paths_left > 0 {
            out += &format!(
                "… and {paths_left} more privileged path(s) (--all lists every one; the JSON report has them all)\n"
            );
        }
    }

    let mut findings = view::findings(r, view::Include::Active);
    out += &format!(
        "\nFindings: {} ({} suppressed)\n",
        findings.active, findings.suppressed
    );
    let findings_left = if all {
        0
    } else {
        findings.rows.len().saturating_sub(TOP)
    };
    if findings_left > 0 {
        // A summary by rule first: what a reader needs when the rows are cut.
        let mut t = table(width, &["severity", "rule", "findings"]);
        for (severity, rule, n) in by_rule(&findings.rows) {
            t.add_row(vec![
                Cell::new(severity),
                Cell::new(rule),
                Cell::new(n).set_alignment(CellAlignment::Right),
            ]);
        }
        out += &format!("{t}\n");
        out += &format!("Top {TOP} by severity:\n");
        findings.rows.truncate(TOP);
    }
    if !findings.rows.is_empty() {
        let mut header = vec!["severity", "rule", "identity", "revocation"];
        if findings.with_baseline {
            header.push("baseline");
        }
        header.push("message");
        let mut t = table(width, &header);
        for row in &findings.rows {
            let f = row.finding;
            let mut cells = vec![
                Cell::new(f.severity),
                Cell::new(format!("{} {}", f.rule_id, f.name)),
                Cell::new(row.identity),
                Cell::new(row.revocation),
            ];
            if findings.with_baseline {
                cells.push(Cell::new(row.baseline));
            }
            cells.push(Cell::new(&f.message));
            t.add_row(cells);
        }
        out += &format!("{t}\n");
        if findings_left > 0 {
            out += &format!(
                "… and {findings_left} more finding(s) (--all lists every one; the JSON report has them all)\n"
            );
        }
    }
    for w in view::waiver_notices(r) {
        out += &format!(
            "! waiver #{} ({}, owner {}): {}\n",
            w.index, w.file, w.owner, w.status
        );
    }
    if let Some(g) = view::gate(r) {
        let tally: Vec<String> = g.tally.iter().map(|(k, n)| format!("{k} {n}")).collect();
        out += &format!(
            "\nGate: {} — {}\n",
            if g.failed { "FAILED" } else { "passed" },
            tally.join(", ")
        );
        for reason in g.reasons {
            out += &format!("  {reason}\n");
        }
    }
    out += &format!("\n{}\n", super::FRAMEWORK_NOTE);
    out
}

/// (severity, "ID name", count) per rule, the most severe rules first.
fn by_rule(rows: &[view::FindingRow<'_>]) -> Vec<(crate::model::Severity, String, usize)> {
    let mut counts: std::collections::BTreeMap<
        (std::cmp::Reverse<crate::model::Severity>, &str),
        (&str, usize),
    > = std::collections::BTreeMap::new();
    for row in rows {
        let f = row.finding;
        counts
            .entry((std::cmp::Reverse(f.severity), f.rule_id.as_str()))
            .or_insert((f.name.as_str(), 0))
            .1 += 1;
    }
    counts
        .into_iter()
        .map(|((s, id), (name, n))| (s.0, format!("{id} {name}"), n))
        .collect()
}

/// `jitgap rules`.
pub fn rules_table(rules: &RuleSet) -> String {
    let mut t = table(super::TABLE_WIDTH, &["id", "name", "severity", "summary"]);
    for c in &rules.checks {
        t.add_row(vec![
            Cell::new(&c.id),
            Cell::new(&c.name),
            Cell::new(c.severity),
            Cell::new(super::summary_line(c)),
        ]);
    }
    format!("{t}\n")
}
