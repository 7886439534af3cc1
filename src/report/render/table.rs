use crate::report::{Counts, Report};
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

fn count_cells(c: &Counts) -> Vec<Cell> {
    [
        c.privileged_paths,
        c.jit,
        c.time_bound,
        c.standing,
        c.unknown,
    ]
    .iter()
    .map(|n| Cell::new(n).set_alignment(CellAlignment::Right))
    .chain(std::iter::once(
        Cell::new(c.percent_text()).set_alignment(CellAlignment::Right),
    ))
    .collect()
}

pub fn render(r: &Report, width: u16) -> String {
    let mut out = format!(
        "jitgap {} — verdicts as of {}\n\n",
        r.tool.version,
        r.generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    out += "Coverage: privileged access paths that are just-in-time (time-bound and unknown count as not JIT)\n";
    let mut t = table(
        width,
        &[
            "boundary",
            "scope",
            "status",
            "privileged",
            "jit",
            "time-bound",
            "standing",
            "unknown",
            "coverage",
        ],
    );
    for s in &r.coverage.scopes {
        let status = r
            .scopes
            .iter()
            .find(|x| x.boundary == s.boundary && x.scope == s.scope)
            .map(|x| x.status.as_str())
            .unwrap_or("");
        let mut row = vec![
            Cell::new(s.boundary),
            Cell::new(&s.scope),
            Cell::new(status),
        ];
        row.extend(count_cells(&s.counts));
        t.add_row(row);
    }
    for b in r
        .coverage
        .boundaries
        .iter()
        .filter(|_| r.coverage.boundaries.len() > 1)
    {
        let mut row = vec![
            Cell::new(b.boundary),
            Cell::new("(all scopes)"),
            Cell::new(""),
        ];
        row.extend(count_cells(&b.counts));
        t.add_row(row);
    }
    let mut row = vec![Cell::new("overall"), Cell::new(""), Cell::new("")];
    row.extend(count_cells(&r.coverage.overall));
    t.add_row(row);
    out += &format!("{t}\n");
    for s in &r.scopes {
        if let Some(c) = &s.connection {
            out += &format!("connection {}/{}: {}\n", s.boundary, s.scope, c.summary());
        }
    }
    for s in r.incomplete_scopes() {
        for e in &s.errors {
            out += &format!("! {} {}/{}: {e}\n", s.status, s.boundary, s.scope);
        }
    }

    if let Some(l) = &r.ledger {
        out += &format!(
            "\nLedger: {} grant(s) ({} active, {} ended), {} reconciled — zombies {}, orphans {}, stretched {}, untraceable {}, revocations verified {}\n",
            l.grants,
            l.active,
            l.ended,
            l.reconciled,
            l.zombies,
            l.orphans,
            l.stretched,
            l.untraceable,
            l.revocations_verified
        );
    }

    let privileged: Vec<_> = r
        .access_paths
        .iter()
        .filter(|p| p.privilege.is_privileged())
        .collect();
    if !privileged.is_empty() {
        out += &format!("\nPrivileged access paths ({})\n", privileged.len());
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
                Cell::new(r.identity_name(&p.identity)),
                Cell::new(&p.entitlement),
                Cell::new(p.privilege),
                Cell::new(p.enforcement),
                Cell::new(p.credential_lifetime),
                Cell::new(&p.basis.enforcement.reason),
            ]);
        }
        out += &format!("{t}\n");
    }

    let active: Vec<_> = r.active_findings().collect();
    let suppressed = r.findings.len() - active.len();
    out += &format!("\nFindings: {} ({} suppressed)\n", active.len(), suppressed);
    if !active.is_empty() {
        let mut sorted = active.clone();
        sorted.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.rule_id.cmp(&b.rule_id))
                .then(a.id.cmp(&b.id))
        });
        let with_baseline = r.gate.as_ref().is_some_and(|g| g.baseline.is_some());
        let mut header = vec!["severity", "rule", "identity", "revocation"];
        if with_baseline {
            header.push("baseline");
        }
        header.push("message");
        let mut t = table(width, &header);
        for f in sorted {
            let mut row = vec![
                Cell::new(f.severity),
                Cell::new(format!("{} {}", f.rule_id, f.name)),
                Cell::new(r.identity_name(&f.identity)),
                Cell::new(f.revocation.map(|x| x.as_str()).unwrap_or("")),
            ];
            if with_baseline {
                row.push(Cell::new(f.baseline.as_deref().unwrap_or("")));
            }
            row.push(Cell::new(&f.message));
            t.add_row(row);
        }
        out += &format!("{t}\n");
    }
    for w in r.waivers.iter().filter(|w| w.status != "active") {
        out += &format!(
            "! waiver #{} ({}, owner {}): {}\n",
            w.index, w.file, w.owner, w.status
        );
    }
    if let Some(g) = &r.gate
        && (!g.fail_on.is_empty() || g.baseline.is_some())
    {
        out += &format!(
            "\nGate: {} — new {}, unchanged {}, fixed {}, suppressed {}\n",
            if g.failed { "FAILED" } else { "passed" },
            g.new,
            g.unchanged,
            g.fixed,
            g.suppressed
        );
        for reason in &g.reasons {
            out += &format!("  {reason}\n");
        }
    }
    out += &format!("\n{}\n", super::FRAMEWORK_NOTE);
    out
}

/// `jitgap rules`.
pub fn rules_table(rules: &RuleSet) -> String {
    let mut t = table(super::TABLE_WIDTH, &["id", "name", "severity", "summary"]);
    for c in &rules.checks {
        t.add_row(vec![
            Cell::new(&c.id),
            Cell::new(&c.name),
            Cell::new(c.severity),
            Cell::new(&c.summary),
        ]);
    }
    format!("{t}\n")
}
