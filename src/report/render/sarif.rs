//! SARIF 2.1.0 that GitHub code scanning accepts: every result has a file location,
//! `partialFingerprints` and a `security-severity` on its rule.

use crate::model::Severity;
use crate::report::Report;
use crate::rules::RuleSet;
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A repository-relative URI for a document, or `None` for an API call.
fn file_uri(source: &str) -> Option<String> {
    if source.starts_with("aws:") || source.contains("://") {
        return None;
    }
    let mut s = source.replace('\\', "/");
    if let Ok(cwd) = std::env::current_dir() {
        let cwd = cwd.display().to_string().replace('\\', "/");
        if let Some(rest) = s.strip_prefix(&format!("{cwd}/")) {
            s = rest.to_string();
        }
    }
    let s = s.trim_start_matches("./").to_string();
    Some(if s.starts_with('/') {
        format!("file://{s}")
    } else {
        s
    })
}

pub fn render(report: &Report, rules: &RuleSet) -> String {
    // Fallback location for findings read from an API: the config or baseline the run used.
    let fallback = report
        .inputs
        .iter()
        .rev()
        .find_map(|i| file_uri(i))
        .unwrap_or_else(|| "jitgap.toml".into());
    let used: Vec<&crate::rules::Check> = rules
        .checks
        .iter()
        .filter(|c| report.findings.iter().any(|f| f.rule_id == c.id))
        .collect();
    let rule_objs: Vec<Value> = used
        .iter()
        .map(|c| {
            let refs = rules.frameworks.refs_for(&c.frameworks);
            let mut tags = vec!["security".to_string(), "nhi".to_string()];
            tags.extend(refs.iter().filter(|r| r.relation != "requested-label").map(|r| format!("{} {}", r.framework, r.id)));
            let frameworks_md: String = refs
                .iter()
                .map(|r| format!("- {} {} **{}** {} ({})\n", r.framework, r.version, r.id, r.title, r.relation))
                .collect();
            json!({
                "id": c.id,
                "name": c.name,
                "shortDescription": {"text": c.summary},
                "fullDescription": {"text": c.why.trim()},
                "help": {
                    "text": format!("{}\n\nRemediation: {}", c.why.trim(), c.remediation.trim()),
                    "markdown": format!("{}\n\n**Remediation.** {}\n\n**Frameworks** (evidence toward, not compliance):\n{}",
                        c.why.trim(), c.remediation.trim(), frameworks_md),
                },
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": {
                    "tags": tags,
                    "security-severity": c.severity.security_severity(),
                    "precision": match c.confidence { crate::rules::Confidence::High => "high", crate::rules::Confidence::Medium => "medium", crate::rules::Confidence::Low => "low" },
                    "problem.severity": match level(c.severity) { "error" => "error", "warning" => "warning", _ => "recommendation" },
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let idx = used.iter().position(|c| c.id == f.rule_id).unwrap_or(0);
            let uri = f.evidence.iter().find_map(|e| file_uri(&e.source)).unwrap_or_else(|| fallback.clone());
            let pointer = f.evidence.first().map(|e| e.pointer.clone()).unwrap_or_default();
            let mut r = json!({
                "ruleId": f.rule_id,
                "ruleIndex": idx,
                "level": level(f.severity),
                "message": {"text": format!("{} [{}]", f.message, report.identity_name(&f.identity))},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": 1}
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.identity, "kind": "resource"}],
                    "message": {"text": if pointer.is_empty() { f.identity.clone() } else { format!("{} at {pointer}", f.identity) }}
                }],
                "partialFingerprints": {"jitgapFindingId/v1": f.id},
                "properties": {
                    "boundary": f.boundary,
                    "scope": f.scope,
                    "identity": f.identity,
                    "entitlement": f.entitlement,
                    "severity": f.severity,
                    "frameworks": f.frameworks.iter().map(|r| format!("{} {} {}", r.framework, r.version, r.id)).collect::<Vec<_>>(),
                },
            });
            if let Some(rev) = f.revocation {
                r["properties"]["revocation"] = json!(rev);
            }
            if let Some(b) = &f.baseline {
                r["baselineState"] = json!(if b == "new" { "new" } else { "unchanged" });
            }
            if let Some(s) = &f.suppressed {
                r["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("{} (owner {}, ticket {}, expires {})", s.reason, if s.owner.is_empty() { "-" } else { &s.owner },
                        if s.ticket.is_empty() { "-" } else { &s.ticket }, s.expires.as_deref().unwrap_or("-")),
                }]);
            }
            r
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "jitgap",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rule_objs,
            }},
            "automationDetails": {"id": "jitgap/"},
            "results": results,
            "properties": {
                "coverage": report.coverage.overall,
                "generatedAt": report.generated_at,
            },
        }],
    });
    serde_json::to_string_pretty(&doc).expect("sarif serializes") + "\n"
}
