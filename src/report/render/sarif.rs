//! SARIF 2.1.0 that GitHub code scanning accepts: every result has a file location,
//! `partialFingerprints` and a `security-severity` on its rule.

use crate::model::Severity;
use crate::report::{Report, view};
use crate::rules::RuleSet;
use serde_json::{Value, json};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Characters kept as they are in a path segment of a URI: RFC 3986 unreserved ones.
/// Everything else (space, `%`, `#`, `?`, `:` …) is percent-encoded, so a path with any of
/// them still gives a valid URI reference (a `:` in a relative path would read as a scheme).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|seg| percent_encoding::utf8_percent_encode(seg, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// `aws:iam:GetAccountAuthorizationDetails`, `postgres:pg_roles`: an API call, not a file.
/// A one-letter prefix is a Windows drive (`C:\...`); a prefix holding `/` or `\` is a path.
fn is_api_source(source: &str) -> bool {
    source.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() >= 2
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// A repository-relative URI for a document (or a `file://` URI for one outside the working
/// directory), or `None` for an API call or a URL.
fn file_uri(source: &str) -> Option<String> {
    let source = source.strip_prefix("demo:").unwrap_or(source);
    if source.is_empty() || source.contains("://") || is_api_source(source) {
        return None;
    }
    let mut s = source.replace('\\', "/");
    if let Ok(cwd) = std::env::current_dir() {
        let cwd = cwd.display().to_string().replace('\\', "/");
        if let Some(rest) = s.strip_prefix(&format!("{cwd}/")) {
            s = rest.to_string();
        }
    }
    let s = s.trim_start_matches("./");
    let bytes = s.as_bytes();
    Some(
        if bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && bytes[2] == b'/'
        {
            // A Windows drive path: file:///C:/dir/file.json
            format!("file:///{}:{}", &s[..1], encode_path(&s[2..]))
        } else if s.starts_with('/') {
            format!("file://{}", encode_path(s))
        } else {
            encode_path(s)
        },
    )
}

pub fn render(report: &Report, rules: &RuleSet) -> String {
    // Fallback location for findings read from an API: the config or baseline the run used.
    let fallback = report
        .inputs
        .iter()
        .rev()
        .find_map(|i| file_uri(i))
        .unwrap_or_else(|| "jitgap.toml".into());
    let used = view::fired_checks(report, rules);
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
            let idx = used.iter().position(|c| c.id == f.rule_id);
            let uri = f.evidence.iter().find_map(|e| file_uri(&e.source)).unwrap_or_else(|| fallback.clone());
            let pointer = f.evidence.first().map(|e| e.pointer.clone()).unwrap_or_default();
            let mut r = json!({
                "ruleId": f.rule_id,
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
            // Without a matching rule descriptor, no index: one pointing at another rule is invalid.
            if let Some(idx) = idx {
                r["ruleIndex"] = json!(idx);
            }
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
    let mut driver = json!({
        "name": "jitgap",
        "version": report.tool.version,
        "semanticVersion": report.tool.version,
        "rules": rule_objs,
    });
    // The tool's home page, once the package names one (`homepage` or `repository`).
    if let Some(uri) = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
    {
        driver["informationUri"] = json!(uri);
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": "jitgap/"},
            "results": results,
            "properties": {
                "coverage": report.coverage.overall,
                "generatedAt": report.generated_at,
            },
        }],
    });
    let mut doc = doc;
    if let Some(l) = &report.ledger {
        doc["runs"][0]["properties"]["ledger"] = json!(l);
    }
    serde_json::to_string_pretty(&doc).expect("sarif serializes") + "\n"
}

#[cfg(test)]
mod tests {
    use super::file_uri;

    #[test]
    fn file_uris_are_valid_uri_references() {
        assert_eq!(
            file_uri("demo/aws/1/authorization-details.json").as_deref(),
            Some("demo/aws/1/authorization-details.json")
        );
        assert_eq!(
            file_uri("./snap shot/a#1.json").as_deref(),
            Some("snap%20shot/a%231.json")
        );
        assert_eq!(file_uri("x:y/z.json").as_deref(), Some("x%3Ay/z.json"));
        assert_eq!(file_uri("dir/a:b.json").as_deref(), Some("dir/a%3Ab.json"));
        assert_eq!(
            file_uri("/tmp/100%/r.json").as_deref(),
            Some("file:///tmp/100%25/r.json")
        );
        assert_eq!(
            file_uri("C:\\snap\\r.json").as_deref(),
            Some("file:///C:/snap/r.json")
        );
        assert_eq!(file_uri("demo:demo/a.json").as_deref(), Some("demo/a.json"));
        assert_eq!(file_uri("aws:iam:GetAccountAuthorizationDetails"), None);
        assert_eq!(file_uri("postgres:pg_roles"), None);
        assert_eq!(
            file_uri("aws:iam:GetCredentialReport @ http://127.0.0.1:5000"),
            None
        );
    }
}
