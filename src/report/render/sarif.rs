//! SARIF 2.1.0 that GitHub code scanning accepts: every result has a file location,
//! `partialFingerprints` and a `security-severity` on its rule.

use crate::finding::Finding;
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

pub fn render(report: &Report, rules: &RuleSet, full_json: Option<&str>) -> Sarif {
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
    let chosen = choose(report);
    let results: Vec<Value> = chosen
        .groups
        .iter()
        .map(|group| {
            let f = group[0];
            let idx = used.iter().position(|c| c.id == f.rule_id);
            let location = |f: &Finding| {
                let uri = f.evidence.iter().find_map(|e| file_uri(&e.source)).unwrap_or_else(|| fallback.clone());
                let pointer = f.evidence.first().map(|e| e.pointer.clone()).unwrap_or_default();
                json!({
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": 1}
                    },
                    "logicalLocations": [{"fullyQualifiedName": f.identity, "kind": "resource"}],
                    "message": {"text": if pointer.is_empty() { f.identity.clone() } else { format!("{} at {pointer}", f.identity).into() }}
                })
            };
            let more = if group.len() > 1 {
                format!(" (and {} more of this rule on this identity: see the locations)", group.len() - 1)
            } else {
                String::new()
            };
            let mut r = json!({
                "ruleId": f.rule_id,
                "level": level(f.severity),
                "message": {"text": format!("{} [{}]{more}", f.message, report.identity_name(&f.identity))},
                "locations": group.iter().take(MAX_LOCATIONS).map(|f| location(f)).collect::<Vec<_>>(),
                "partialFingerprints": fingerprint(group),
                "properties": {
                    "boundary": f.boundary,
                    "scope": f.scope,
                    "identity": f.identity,
                    "entitlement": f.entitlement,
                    "severity": f.severity,
                    "frameworks": f.frameworks.iter().map(|r| format!("{} {} {}", r.framework, r.version, r.id)).collect::<Vec<_>>(),
                },
            });
            if group.len() > 1 {
                r["properties"]["findings"] = json!(group.len());
                r["properties"]["entitlements"] =
                    json!(group.iter().take(MAX_LOCATIONS).map(|f| f.entitlement.as_str()).collect::<Vec<_>>());
            }
            // Without a matching rule descriptor, no index: one pointing at another rule is invalid.
            if let Some(idx) = idx {
                r["ruleIndex"] = json!(idx);
            }
            if let Some(rev) = group.iter().find_map(|f| f.revocation) {
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
    let mut left_out = chosen.left_out;
    let mut kept = results.len();
    loop {
        let props = &mut doc["runs"][0]["properties"];
        props["findings"] = json!(report.findings.len());
        if left_out.findings > 0 {
            props["leftOut"] = json!({
                "results": left_out.results,
                "findings": left_out.findings,
                "why": left_out.why,
                "fullReport": full_json.unwrap_or("the JSON report (--format json)"),
            });
        }
        let text = serde_json::to_string_pretty(&doc).expect("sarif serializes") + "\n";
        let size = gzipped_len(&text);
        if size <= MAX_GZIPPED || kept == 0 {
            return Sarif { text, left_out };
        }
        // Too big once gzipped: drop the least severe results, in proportion, until it fits.
        let keep = ((kept as u128 * (MAX_GZIPPED as u128) * 9) / (size as u128 * 10)) as usize;
        let keep = keep.min(kept - 1);
        let results = doc["runs"][0]["results"].as_array_mut().expect("results");
        for r in results.drain(keep..) {
            left_out.results += 1;
            left_out.findings += r["properties"]["findings"].as_u64().unwrap_or(1) as usize;
        }
        left_out.why = format!(
            "GitHub code scanning takes at most {MAX_RESULTS} results and {} MB gzipped per upload; the least severe were left out",
            MAX_GZIPPED / 1_000_000
        );
        kept = keep;
    }
}

/// GitHub code scanning's limits per run: results, and the gzipped size of an upload.
pub const MAX_RESULTS: usize = 25_000;
pub const MAX_GZIPPED: usize = 10_000_000;
/// Locations of one result (GitHub reads at most 1,000).
pub const MAX_LOCATIONS: usize = 1_000;

/// What SARIF could not carry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeftOut {
    pub results: usize,
    pub findings: usize,
    pub why: String,
}

/// A SARIF log and what it left out.
pub struct Sarif {
    pub text: String,
    pub left_out: LeftOut,
}

struct Chosen<'a> {
    /// One result each: findings of one rule on one identity, the first shown.
    groups: Vec<Vec<&'a Finding>>,
    left_out: LeftOut,
}

/// The findings SARIF carries, grouped: with a baseline only the new ones; active before
/// suppressed, then the most severe first; at most [`MAX_RESULTS`] results.
fn choose(report: &Report) -> Chosen<'_> {
    let with_baseline = report.gate.as_ref().is_some_and(|g| g.baseline.is_some());
    let mut listed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !with_baseline || f.baseline.as_deref() == Some("new"))
        .collect();
    let not_new = report.findings.len() - listed.len();
    listed.sort_by(|a, b| {
        (
            a.is_suppressed(),
            std::cmp::Reverse(a.severity),
            &a.rule_id,
            &a.identity,
            &a.id,
        )
            .cmp(&(
                b.is_suppressed(),
                std::cmp::Reverse(b.severity),
                &b.rule_id,
                &b.identity,
                &b.id,
            ))
    });
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for f in listed {
        match groups.last_mut() {
            Some(g)
                if g[0].rule_id == f.rule_id
                    && g[0].identity == f.identity
                    && g[0].is_suppressed() == f.is_suppressed() =>
            {
                g.push(f)
            }
            _ => groups.push(vec![f]),
        }
    }
    let mut left_out = LeftOut::default();
    if not_new > 0 {
        left_out.findings = not_new;
        left_out.why = "a baseline was given: only new findings are in SARIF".into();
    }
    if groups.len() > MAX_RESULTS {
        for g in groups.drain(MAX_RESULTS..) {
            left_out.results += 1;
            left_out.findings += g.len();
        }
        left_out.why = format!(
            "GitHub code scanning takes at most {MAX_RESULTS} results per run; the least severe were left out"
        );
    }
    Chosen { groups, left_out }
}

/// `jitgapFindingId/v1` for a result of one finding; a group's is its rule and identity, so
/// it stays the same alert as entitlements come and go.
fn fingerprint(group: &[&Finding]) -> Value {
    if group.len() == 1 {
        json!({"jitgapFindingId/v1": group[0].id})
    } else {
        let f = group[0];
        json!({"jitgapFindingGroup/v1": crate::classify::fingerprint(&[&f.rule_id, &f.identity])})
    }
}

fn gzipped_len(text: &str) -> usize {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip in memory");
    gz.finish().expect("gzip in memory").len()
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
