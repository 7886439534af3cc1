//! SARIF 2.1.0 that GitHub code scanning accepts: every result has a file location,
//! `partialFingerprints` and a `security-severity` on its rule.

use crate::finding::Finding;
use crate::model::Severity;
use crate::report::{Report, view};
use crate::rules::RuleSet;
use serde::Serialize;
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
    let mut results: Vec<SarifResult<'_>> = chosen
        .groups
        .iter()
        .map(|group| result(report, &used, &fallback, group))
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
    let tool = json!({"driver": driver});
    let mut properties = json!({
        "coverage": report.coverage.overall,
        "generatedAt": report.generated_at,
    });
    if let Some(l) = &report.ledger {
        properties["ledger"] = json!(l);
    }
    let mut left_out = chosen.left_out;
    loop {
        properties["findings"] = json!(report.findings.len());
        if left_out.findings > 0 {
            properties["leftOut"] = json!({
                "results": left_out.results,
                "findings": left_out.findings,
                "why": left_out.why,
                "fullReport": full_json.unwrap_or("the JSON report (--format json)"),
            });
        }
        let log = Log {
            schema: "https://json.schemastore.org/sarif-2.1.0.json",
            runs: [Run {
                automation_details: Automation { id: "jitgap/" },
                properties: &properties,
                results: &results,
                tool: &tool,
            }],
            version: "2.1.0",
        };
        let mut text = Vec::with_capacity(1 << 16);
        serde_json::to_writer_pretty(&mut text, &log).expect("sarif serializes");
        text.push(b'\n');
        let text = String::from_utf8(text).expect("serde_json writes UTF-8");
        let size = gzipped_len(&text);
        let kept = results.len();
        if size <= MAX_GZIPPED || kept == 0 {
            return Sarif { text, left_out };
        }
        // Too big once gzipped: drop the least severe results, in proportion, until it fits.
        let keep = ((kept as u128 * (MAX_GZIPPED as u128) * 9) / (size as u128 * 10)) as usize;
        let keep = keep.min(kept - 1);
        for r in results.drain(keep..) {
            left_out.results += 1;
            left_out.findings += r.properties.findings.unwrap_or(1);
        }
        left_out.why = format!(
            "GitHub code scanning takes at most {MAX_RESULTS} results and {} MB gzipped per upload; the least severe were left out",
            MAX_GZIPPED / 1_000_000
        );
    }
}

// The log's objects, typed rather than built as `serde_json::Value`s: a run of 25,000 results
// as values took several hundred megabytes. Fields are in the order of their JSON names, as
// a `Value`'s keys are written.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    #[serde(rename = "automationDetails")]
    automation_details: Automation,
    properties: &'a Value,
    results: &'a [SarifResult<'a>],
    tool: &'a Value,
}

#[derive(Serialize)]
struct Automation {
    id: &'static str,
}

#[derive(Serialize)]
struct SarifResult<'a> {
    #[serde(rename = "baselineState", skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    level: &'static str,
    locations: Vec<Location<'a>>,
    message: Message,
    #[serde(rename = "partialFingerprints")]
    partial_fingerprints: Fingerprints,
    properties: ResultProperties<'a>,
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex", skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Value>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(
        rename = "jitgapFindingGroup/v1",
        skip_serializing_if = "Option::is_none"
    )]
    group: Option<String>,
    #[serde(rename = "jitgapFindingId/v1", skip_serializing_if = "Option::is_none")]
    id: Option<String>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    boundary: crate::model::Boundary,
    entitlement: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    entitlements: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<usize>,
    frameworks: Vec<String>,
    identity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    revocation: Option<crate::model::Revocation>,
    scope: &'a str,
    severity: Severity,
}

#[derive(Serialize)]
struct Location<'a> {
    #[serde(rename = "logicalLocations")]
    logical_locations: [Logical<'a>; 1],
    message: Message,
    #[serde(rename = "physicalLocation")]
    physical_location: Physical,
}

#[derive(Serialize)]
struct Logical<'a> {
    #[serde(rename = "fullyQualifiedName")]
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Physical {
    #[serde(rename = "artifactLocation")]
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
struct Artifact {
    uri: String,
}

#[derive(Serialize)]
struct Region {
    #[serde(rename = "startLine")]
    start_line: u32,
}

/// One result: the findings of one rule on one identity, the first shown.
fn result<'a>(
    report: &Report,
    used: &[&crate::rules::Check],
    fallback: &str,
    group: &[&'a Finding],
) -> SarifResult<'a> {
    let f = group[0];
    let location = |f: &'a Finding| {
        let uri = f
            .evidence
            .iter()
            .find_map(|e| file_uri(&e.source))
            .unwrap_or_else(|| fallback.to_string());
        let pointer = f
            .evidence
            .first()
            .map(|e| e.pointer.as_str())
            .unwrap_or_default();
        Location {
            logical_locations: [Logical {
                fully_qualified_name: &f.identity,
                kind: "resource",
            }],
            message: Message {
                text: if pointer.is_empty() {
                    f.identity.to_string()
                } else {
                    format!("{} at {pointer}", f.identity)
                },
            },
            physical_location: Physical {
                artifact_location: Artifact { uri },
                region: Region { start_line: 1 },
            },
        }
    };
    let more = if group.len() > 1 {
        format!(
            " (and {} more of this rule on this identity: see the locations)",
            group.len() - 1
        )
    } else {
        String::new()
    };
    let grouped = group.len() > 1;
    SarifResult {
        // Without a matching rule descriptor, no index: one pointing at another rule is invalid.
        rule_index: used.iter().position(|c| c.id == f.rule_id),
        rule_id: &f.rule_id,
        level: level(f.severity),
        message: Message {
            text: format!(
                "{} [{}]{more}",
                f.message,
                report.identity_name(&f.identity)
            ),
        },
        locations: group
            .iter()
            .take(MAX_LOCATIONS)
            .map(|f| location(f))
            .collect(),
        partial_fingerprints: fingerprint(group),
        properties: ResultProperties {
            boundary: f.boundary,
            scope: &f.scope,
            identity: &f.identity,
            entitlement: &f.entitlement,
            severity: f.severity,
            frameworks: f
                .frameworks
                .iter()
                .map(|r| format!("{} {} {}", r.framework, r.version, r.id))
                .collect(),
            findings: grouped.then_some(group.len()),
            entitlements: grouped.then(|| {
                group
                    .iter()
                    .take(MAX_LOCATIONS)
                    .map(|f| f.entitlement.as_str())
                    .collect()
            }),
            revocation: group.iter().find_map(|f| f.revocation),
        },
        baseline_state: f
            .baseline
            .as_ref()
            .map(|b| if b == "new" { "new" } else { "unchanged" }),
        suppressions: f.suppressed.as_ref().map(|s| {
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": format!(
                    "{} (owner {}, ticket {}, expires {})",
                    s.reason,
                    if s.owner.is_empty() { "-" } else { &s.owner },
                    if s.ticket.is_empty() { "-" } else { &s.ticket },
                    s.expires.as_deref().unwrap_or("-")
                ),
            }])
        }),
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
fn fingerprint(group: &[&Finding]) -> Fingerprints {
    if group.len() == 1 {
        Fingerprints {
            group: None,
            id: Some(group[0].id.clone()),
        }
    } else {
        let f = group[0];
        Fingerprints {
            group: Some(crate::classify::fingerprint(&[&f.rule_id, &f.identity])),
            id: None,
        }
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
