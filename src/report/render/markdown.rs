use crate::report::{Counts, Report};
use crate::rules::RuleSet;

fn esc(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn counts_row(label: &str, scope: &str, c: &Counts) -> String {
    format!(
        "| {label} | {} | {} | {} | {} | {} | {} | **{}** |\n",
        esc(scope),
        c.privileged_paths,
        c.jit,
        c.time_bound,
        c.standing,
        c.unknown,
        c.percent_text()
    )
}

pub fn render(r: &Report, rules: &RuleSet) -> String {
    let mut s = format!(
        "# jitgap report\n\nVerdicts as of {} · jitgap {} · policy: max_jit_window {}, max_credential_age {}, stale_after {}\n\n",
        r.generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        r.tool.version,
        r.policy.max_jit_window.as_deref().unwrap_or("-"),
        r.policy.max_credential_age.as_deref().unwrap_or("-"),
        r.policy.stale_after.as_deref().unwrap_or("-"),
    );
    s += "## Coverage\n\nShare of privileged access paths (admin, write or unknown) that are just-in-time. \
          Time-bound (JIT in name only) and unknown paths count as not JIT.\n\n";
    s += "| boundary | scope | privileged | jit | time-bound | standing | unknown | coverage |\n|---|---|--:|--:|--:|--:|--:|--:|\n";
    for c in &r.coverage.scopes {
        s += &counts_row(c.boundary.as_str(), &c.scope, &c.counts);
    }
    s += &counts_row("**overall**", "", &r.coverage.overall);
    // The connection column only when a scope was read over a database connection.
    let connections = r.scopes.iter().any(|sc| sc.connection.is_some());
    s += if connections {
        "\n| boundary | scope | status | connection | errors |\n|---|---|---|---|---|\n"
    } else {
        "\n| boundary | scope | status | errors |\n|---|---|---|---|\n"
    };
    for sc in &r.scopes {
        let connection = match (&sc.connection, connections) {
            (Some(c), _) => format!(" {} |", esc(&c.summary())),
            (None, true) => " |".to_string(),
            (None, false) => String::new(),
        };
        s += &format!(
            "| {} | {} | {} |{connection} {} |\n",
            sc.boundary,
            esc(&sc.scope),
            sc.status,
            esc(&sc.errors.join("; "))
        );
    }
    if let Some(g) = &r.gate
        && (!g.fail_on.is_empty() || g.baseline.is_some())
    {
        s += &format!(
            "\n## Gate: {}\n\nnew {} · unchanged {} · fixed {} · suppressed {} · expired waivers {}\n\n",
            if g.failed { "failed" } else { "passed" },
            g.new,
            g.unchanged,
            g.fixed,
            g.suppressed,
            g.expired_waivers
        );
        for reason in &g.reasons {
            s += &format!("- {}\n", esc(reason));
        }
    }
    if let Some(l) = &r.ledger {
        s += &format!(
            "\n## Ledger\n\nSources: {}\n\n| grants | active | ended | reconciled | zombies | orphans | stretched | untraceable | revocations verified |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            esc(&l.sources.join(", ")),
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
    let mut findings: Vec<_> = r.findings.iter().collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.rule_id.cmp(&b.rule_id))
            .then(a.id.cmp(&b.id))
    });
    s += &format!("\n## Findings ({})\n\n", findings.len());
    if !findings.is_empty() {
        s += "| severity | rule | identity | revocation | message |\n|---|---|---|---|---|\n";
        for f in &findings {
            let sup = if f.is_suppressed() {
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
                esc(r.identity_name(&f.identity)),
                f.revocation.map(|x| x.as_str()).unwrap_or(""),
                esc(&f.message)
            );
        }
        s += "\n### Evidence\n\n";
        for f in &findings {
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
    let privileged: Vec<_> = r
        .access_paths
        .iter()
        .filter(|p| p.privilege.is_privileged())
        .collect();
    s += &format!("\n## Privileged access paths ({})\n\n", privileged.len());
    if !privileged.is_empty() {
        s += "| identity | entitlement | privilege | enforcement | credential | basis |\n|---|---|---|---|---|---|\n";
        for p in privileged {
            s += &format!(
                "| {} | {} | {} | {} | {} | {}: {} |\n",
                esc(r.identity_name(&p.identity)),
                esc(&p.entitlement),
                p.privilege,
                p.enforcement,
                p.credential_lifetime,
                p.basis.enforcement.rule,
                esc(&p.basis.enforcement.reason)
            );
        }
    }
    let mut used: Vec<_> = rules
        .checks
        .iter()
        .filter(|c| r.findings.iter().any(|f| f.rule_id == c.id))
        .collect();
    used.sort_by(|a, b| a.id.cmp(&b.id));
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
