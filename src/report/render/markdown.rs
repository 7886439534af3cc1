use crate::report::{Report, view};
use crate::rules::RuleSet;

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn coverage_line(row: &view::CoverageRow) -> String {
    let label = match row.level {
        view::CoverageLevel::Overall => format!("**{}**", row.boundary),
        _ => row.boundary.to_string(),
    };
    let counts: String = row.counts.iter().map(|n| format!("{n} | ")).collect();
    format!(
        "| {label} | {} | {counts}**{}** |\n",
        esc(row.scope),
        row.percent
    )
}

pub fn render(r: &Report, rules: &RuleSet) -> String {
    let head = view::header(r);
    let mut s = format!(
        "# jitgap report\n\nVerdicts as of {} · jitgap {} · policy: max_jit_window {}, max_credential_age {}, stale_after {}\n\n",
        head.as_of, head.version, head.max_jit_window, head.max_credential_age, head.stale_after,
    );
    s += "## Coverage\n\nShare of privileged access paths (admin, write or unknown) that are just-in-time. \
          Time-bound (JIT in name only) and unknown paths count as not JIT.\n\n";
    s += &format!(
        "| boundary | scope | {} | coverage |\n|---|---|{}--:|\n",
        view::COUNT_COLUMNS.join(" | "),
        "--:|".repeat(view::COUNT_COLUMNS.len())
    );
    for row in view::coverage_rows(r)
        .iter()
        .filter(|row| row.level != view::CoverageLevel::Boundary)
    {
        s += &coverage_line(row);
    }
    // The connection column only when a scope was read over a database connection.
    let rows = view::scope_rows(r);
    let connections = rows.iter().any(|sc| sc.connection.is_some());
    s += if connections {
        "\n| boundary | scope | status | connection | errors |\n|---|---|---|---|---|\n"
    } else {
        "\n| boundary | scope | status | errors |\n|---|---|---|---|\n"
    };
    for sc in rows {
        let connection = match (&sc.connection, connections) {
            (Some(c), _) => format!(" {} |", esc(c)),
            (None, true) => " |".to_string(),
            (None, false) => String::new(),
        };
        s += &format!(
            "| {} | {} | {} |{connection} {} |\n",
            sc.boundary,
            esc(sc.scope),
            sc.status,
            esc(&sc.errors)
        );
    }
    if let Some(g) = view::gate(r) {
        let tally: Vec<String> = g.tally.iter().map(|(k, n)| format!("{k} {n}")).collect();
        s += &format!(
            "\n## Gate: {}\n\n{} · expired waivers {}\n\n",
            if g.failed { "failed" } else { "passed" },
            tally.join(" · "),
            g.expired_waivers
        );
        for reason in g.reasons {
            s += &format!("- {}\n", esc(reason));
        }
    }
    if let Some(l) = view::ledger(r) {
        let labels: Vec<&str> = l.columns.iter().map(|(k, _)| *k).collect();
        let values: Vec<String> = l.columns.iter().map(|(_, n)| n.to_string()).collect();
        s += &format!(
            "\n## Ledger\n\nSources: {}\n\n| {} |\n|{}\n| {} |\n",
            esc(&l.sources.join(", ")),
            labels.join(" | "),
            "--:|".repeat(labels.len()),
            values.join(" | ")
        );
    }
    let findings = view::findings(r, view::Include::All);
    s += &format!("\n## Findings ({})\n\n", findings.rows.len());
    if !findings.rows.is_empty() {
        s += "| severity | rule | identity | revocation | message |\n|---|---|---|---|---|\n";
        for row in &findings.rows {
            let f = row.finding;
            let sup = if row.suppressed {
                " *(suppressed)*"
            } else {
                ""
            };
            s += &format!(
                "| {} | [{}](#{}) {} | {} | {} | {}{sup} |\n",
                f.severity,
                f.rule_id,
                f.rule_id.to_lowercase(),
                f.name,
                esc(row.identity),
                row.revocation,
                esc(&f.message)
            );
        }
        s += "\n### Evidence\n\n";
        for row in &findings.rows {
            let f = row.finding;
            s += &format!("- `{}` {} on `{}`:", f.id, f.rule_id, esc(&f.identity));
            for e in &f.evidence {
                s += &format!(
                    " `{}`{}",
                    e.source,
                    if e.pointer.is_empty() {
                        String::new()
                    } else {
                        format!(" `{}`", e.pointer)
                    }
                );
            }
            s += "\n";
        }
    }
    let privileged = view::privileged_paths(r);
    s += &format!("\n## Privileged access paths ({})\n\n", privileged.len());
    if !privileged.is_empty() {
        s += "| identity | entitlement | privilege | enforcement | credential | basis |\n|---|---|---|---|---|---|\n";
        for p in privileged {
            s += &format!(
                "| {} | {} | {} | {} | {} | {}: {} |\n",
                esc(p.identity),
                esc(p.entitlement),
                p.privilege,
                p.enforcement,
                p.credential,
                p.rule,
                esc(p.reason)
            );
        }
    }
    let used = view::fired_checks_by_id(r, rules);
    if !used.is_empty() {
        s += "\n## Rules\n\n";
        for c in used {
            s += &format!(
                "### {}\n\n**{}** ({}) — {}\n\n{}\n\n*Remediation:* {}\n\n",
                c.id,
                c.name,
                c.severity,
                c.summary,
                c.why.trim(),
                c.remediation.trim()
            );
            s += "Frameworks (evidence toward):";
            for fr in rules.frameworks.refs_for(&c.frameworks) {
                s += &format!(
                    " {} {} `{}` ({});",
                    fr.framework, fr.version, fr.id, fr.relation
                );
            }
            s += "\n\n";
        }
    }
    s += &format!("---\n\n{}\n", super::FRAMEWORK_NOTE);
    s
}
