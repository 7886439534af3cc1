//! The demo SARIF is valid SARIF 2.1.0 and meets GitHub code scanning's requirements:
//! 1. Microsoft's SARIF Multitool (`validate`: the 2.1.0 JSON schema, the SARIF rules and the
//!    GitHub rules) reports no error and no warning beyond the allowed ones;
//! 2. every result has a file location, `partialFingerprints` and a rule whose
//!    `security-severity` is a number from 0 to 10 (checked here, in Rust);
//! 3. the SARIF 2.1.0 JSON schema shipped in the Multitool's package accepts it (jsonschema crate).
//!
//! The Multitool is an npm package installed into `.tools/sarif` by the test setup; without it
//! these tests fail and say how to install it.

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const MULTITOOL_VERSION: &str = "5.7.0";

/// Warnings the Multitool may report on our SARIF without failing the test, and why.
const ALLOWED_WARNINGS: &[(&str, &str)] = &[(
    "SARIF2005",
    "tool.driver.informationUri is emitted from the package's `homepage`/`repository`, which Cargo.toml does not set yet",
)];

fn install_hint() -> String {
    format!(
        "install the SARIF Multitool: run scripts/test.sh (it installs the test tools), or\n  \
         npm install --prefix .tools/sarif @microsoft/sarif-multitool@{MULTITOOL_VERSION}\n\
         from {}; or point JITGAP_SARIF_MULTITOOL at a Sarif.Multitool binary or its npm `sarif-multitool` launcher",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// `node_modules/@microsoft` inside the tool directory.
fn npm_scope_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/sarif/node_modules/@microsoft")
}

/// The platform package holding the native Multitool and the schema.
fn platform_package() -> PathBuf {
    let platform = if cfg!(target_os = "windows") {
        "win32"
    } else if cfg!(target_os = "macos") {
        "darwin"
    } else {
        "linux"
    };
    npm_scope_dir().join(format!("sarif-multitool-{platform}"))
}

struct Multitool {
    path: PathBuf,
    /// The npm launcher (`bin.js`) runs the native tool through a shell: arguments need quoting.
    through_shell: bool,
}

/// `JITGAP_SARIF_MULTITOOL`, else the native binary from `.tools/sarif`, else its npm launcher.
fn multitool() -> Multitool {
    let from_env = std::env::var_os("JITGAP_SARIF_MULTITOOL").filter(|v| !v.is_empty());
    let path = match from_env {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_file(),
                "JITGAP_SARIF_MULTITOOL={} does not exist; {}",
                p.display(),
                install_hint()
            );
            p
        }
        None => {
            let exe = if cfg!(windows) {
                "Sarif.Multitool.exe"
            } else {
                "Sarif.Multitool"
            };
            let native = platform_package().join(exe);
            let launcher = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(".tools/sarif/node_modules/.bin/sarif-multitool");
            match [native, launcher.clone()].into_iter().find(|p| p.is_file()) {
                Some(p) => p,
                None => panic!(
                    "the SARIF Multitool is missing (looked for {} and {}); {}",
                    platform_package().join(exe).display(),
                    launcher.display(),
                    install_hint()
                ),
            }
        }
    };
    let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let through_shell = real.extension().is_some_and(|e| e == "js");
    Multitool {
        path,
        through_shell,
    }
}

fn sh_quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// One problem the Multitool reported: `level RULE.Name: message`.
#[derive(Debug)]
struct Problem {
    rule: String,
    level: String,
    text: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.level, self.rule, self.text)
    }
}

/// Run `validate` on a SARIF file; returns the errors and warnings it reported.
/// The Multitool exits 0 whatever it finds (its exit code only says it ran), so the findings
/// are read from the SARIF log it writes with `--output`.
fn validate_with_multitool(tool: &Multitool, sarif: &Path) -> Vec<Problem> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("validation.sarif");
    let args = [
        "validate".to_string(),
        sarif.display().to_string(),
        // SARIF: the 2.1.0 schema and the spec's rules; Gh: GitHub code scanning's ingestion rules.
        "--rule-kind".into(),
        "Sarif;Gh".into(),
        "--level".into(),
        "Error;Warning".into(),
        "--output".into(),
        out.display().to_string(),
        "--log".into(),
        "ForceOverwrite".into(),
    ];
    let mut cmd = std::process::Command::new(&tool.path);
    if tool.through_shell {
        cmd.args(args.iter().map(|a| sh_quote(a)));
    } else {
        cmd.args(&args);
    }
    let run = cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run the SARIF Multitool at {}: {e}; {}",
            tool.path.display(),
            install_hint()
        )
    });
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        run.status.success(),
        "the SARIF Multitool failed to run ({}):\n{console}",
        run.status
    );
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap_or_else(|e| {
            panic!("the Multitool wrote no {}: {e}\n{console}", out.display())
        }))
        .expect("the Multitool's output is JSON");
    let run0 = &log["runs"][0];
    assert_eq!(
        run0["invocations"][0]["executionSuccessful"],
        json!(true),
        "the Multitool's validation did not complete:\n{console}"
    );
    let rules = run0["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    run0["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let id = r["ruleId"].as_str().unwrap_or("?");
            let rule = r["ruleIndex"]
                .as_u64()
                .and_then(|i| rules.get(i as usize))
                .or_else(|| rules.iter().find(|d| d["id"] == id));
            let name = rule.and_then(|d| d["name"].as_str());
            let mut text = r["message"]["text"]
                .as_str()
                .map(str::to_string)
                .or_else(|| {
                    let msg_id = r["message"]["id"].as_str()?;
                    rule?["messageStrings"][msg_id]["text"]
                        .as_str()
                        .map(str::to_string)
                })
                .unwrap_or_default();
            for (i, a) in r["message"]["arguments"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                text = text.replace(&format!("{{{i}}}"), a.as_str().unwrap_or_default());
            }
            let line = r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64();
            Problem {
                rule: match name {
                    Some(n) => format!("{id}.{n}"),
                    None => id.to_string(),
                },
                level: r["level"].as_str().unwrap_or("warning").to_string(),
                text: match line {
                    Some(l) => format!("line {l}: {text}"),
                    None => text,
                },
            }
        })
        .collect()
}

fn demo_sarif_text() -> String {
    let out = support::cli::jitgap_in_repo()
        .args(["scan", "--demo", "--format", "sarif"])
        .output()
        .expect("jitgap runs");
    assert!(
        out.status.success(),
        "jitgap scan --demo --format sarif failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("SARIF is UTF-8")
}

fn write_sarif(dir: &Path, name: &str, doc: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

/// GitHub code scanning's requirements on each result; returns every breach.
fn github_breaches(sarif: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(runs) = sarif["runs"].as_array().filter(|r| !r.is_empty()) else {
        return vec!["no runs".into()];
    };
    for (ri, run) in runs.iter().enumerate() {
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let Some(results) = run["results"].as_array() else {
            out.push(format!("runs[{ri}]: no results array"));
            continue;
        };
        for (i, r) in results.iter().enumerate() {
            let at = format!("runs[{ri}].results[{i}]");
            match r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str() {
                None => out.push(format!(
                    "{at}: no locations[0].physicalLocation.artifactLocation.uri"
                )),
                Some("") => out.push(format!("{at}: empty artifactLocation.uri")),
                Some(uri) => {
                    // A repository-relative path or a file URI, nothing else.
                    if let Some((scheme, _)) = uri.split_once(':')
                        && !uri.starts_with("file:///")
                        && !scheme.contains('/')
                    {
                        out.push(format!(
                            "{at}: artifactLocation.uri `{uri}` is no file path"
                        ));
                    }
                }
            }
            match r["partialFingerprints"].as_object() {
                Some(fp)
                    if !fp.is_empty()
                        && fp
                            .values()
                            .all(|v| v.as_str().is_some_and(|s| !s.is_empty())) => {}
                _ => out.push(format!("{at}: partialFingerprints missing or empty")),
            }
            let rule_id = r["ruleId"].as_str();
            let Some(rule) = r["ruleIndex"]
                .as_u64()
                .and_then(|ix| rules.get(ix as usize))
            else {
                out.push(format!(
                    "{at}: ruleIndex does not point into tool.driver.rules"
                ));
                continue;
            };
            if rule_id.is_none() || rule["id"].as_str() != rule_id {
                out.push(format!(
                    "{at}: ruleId {rule_id:?} differs from rules[ruleIndex].id {}",
                    rule["id"]
                ));
            }
            match rule["properties"]["security-severity"].as_str().map(str::parse::<f64>) {
                Some(Ok(s)) if (0.0..=10.0).contains(&s) => {}
                other => out.push(format!(
                    "{at}: rule {} has no security-severity from \"0.0\" to \"10.0\" (got {other:?} from {})",
                    rule["id"], rule["properties"]["security-severity"]
                )),
            }
        }
    }
    out
}

/// The SARIF 2.1.0 JSON schema the Multitool's package ships.
fn sarif_schema_path() -> PathBuf {
    let shipped = platform_package().join("sarif-2.1.0.json");
    if shipped.is_file() {
        return shipped;
    }
    // Any platform's package carries the same schema.
    std::fs::read_dir(npm_scope_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("sarif-2.1.0.json"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "the SARIF 2.1.0 schema is missing (looked in {}); {}",
                npm_scope_dir().display(),
                install_hint()
            )
        })
}

fn schema_violations(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect()
}

#[test]
fn demo_sarif_passes_the_sarif_multitool() {
    let tool = multitool();
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("demo.sarif");
    std::fs::write(&sarif, demo_sarif_text()).unwrap();

    let problems = validate_with_multitool(&tool, &sarif);
    for p in &problems {
        eprintln!("multitool: {p}");
    }
    let failing: Vec<String> = problems
        .iter()
        .filter(|p| {
            p.level == "error"
                || !ALLOWED_WARNINGS
                    .iter()
                    .any(|(id, _)| p.rule.split('.').next() == Some(*id))
        })
        .map(|p| p.to_string())
        .collect();
    assert!(
        failing.is_empty(),
        "the SARIF Multitool ({}) rejects the demo SARIF ({} problem(s)):\n  {}",
        tool.path.display(),
        failing.len(),
        failing.join("\n  ")
    );
}

/// The Multitool run above can fail: a SARIF that breaks the schema, and one that breaks
/// GitHub's rules, are both caught. (Schema errors stop the Multitool before its rules run,
/// hence two files.)
#[test]
fn sarif_multitool_reports_broken_sarif() {
    let tool = multitool();
    let dir = tempfile::tempdir().unwrap();
    let demo: Value = serde_json::from_str(&demo_sarif_text()).unwrap();

    let mut no_name = demo.clone();
    no_name["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let mut no_locations = demo.clone();
    no_locations["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("locations");

    for (file, doc, expected, what) in [
        (
            "no-name.sarif",
            &no_name,
            "JSON",
            "a schema error (JSON…) for the missing tool.driver.name",
        ),
        (
            "no-locations.sarif",
            &no_locations,
            "GH1015",
            "GH1015 for the result without locations",
        ),
    ] {
        let problems = validate_with_multitool(&tool, &write_sarif(dir.path(), file, doc));
        assert!(
            problems
                .iter()
                .any(|p| p.level == "error" && p.rule.starts_with(expected)),
            "{file}: expected {what}, got:\n  {}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n  ")
        );
    }
}

#[test]
fn demo_sarif_meets_github_code_scanning_requirements() {
    let doc: Value = serde_json::from_str(&demo_sarif_text()).expect("SARIF is JSON");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    assert!(
        !results.is_empty(),
        "the demo SARIF has no results: the checks below would be vacuous"
    );
    let breaches = github_breaches(&doc);
    assert!(
        breaches.is_empty(),
        "the demo SARIF breaks GitHub code scanning's requirements:\n  {}",
        breaches.join("\n  ")
    );

    // The check can fail: a result without locations, a rule without security-severity.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("locations");
    let b = github_breaches(&broken);
    assert!(
        b.iter()
            .any(|m| m.starts_with("runs[0].results[0]: no locations")),
        "a result without locations passed the GitHub check: {b:?}"
    );
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["partialFingerprints"] = json!({});
    let ix = broken["runs"][0]["results"][0]["ruleIndex"]
        .as_u64()
        .unwrap() as usize;
    broken["runs"][0]["tool"]["driver"]["rules"][ix]["properties"]["security-severity"] =
        json!("11");
    let b = github_breaches(&broken);
    assert!(
        b.iter().any(|m| m.contains("partialFingerprints"))
            && b.iter().any(|m| m.contains("security-severity")),
        "empty partialFingerprints or a security-severity of 11 passed the GitHub check: {b:?}"
    );
}

#[test]
fn demo_sarif_conforms_to_the_sarif_2_1_0_schema() {
    let path = sarif_schema_path();
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} is not a usable schema: {e}", path.display()));
    let doc: Value = serde_json::from_str(&demo_sarif_text()).unwrap();
    let errors = schema_violations(&v, &doc);
    assert!(
        errors.is_empty(),
        "the demo SARIF breaks {} ({} error(s)):\n  {}",
        path.display(),
        errors.len(),
        errors.join("\n  ")
    );

    // The schema check can fail.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = json!("fatal");
    let errors = schema_violations(&v, &broken);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/runs/0/results/0/level:")),
        "a result level of `fatal` passed the SARIF schema: {errors:?}"
    );
}

#[allow(dead_code)]
#[path = "../examples/gen_estate.rs"]
mod gen_estate;

/// A 10k-role estate's SARIF stays within GitHub's limits (25,000 results a run, 10 MB
/// gzipped), says what it left out and where the rest is, and still validates.
#[test]
fn a_10k_role_scan_keeps_sarif_within_github_limits() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("10k");
    gen_estate::generate(&gen_estate::Args {
        roles: 10_000,
        out: estate.clone(),
        seed: 42,
        account: "123456789012".into(),
        accounts: 1,
    })
    .unwrap();
    let out = dir.path().join("reports");
    let o = support::cli::jitgap_in_repo()
        .args(["scan", "--from"])
        .arg(&estate)
        .args(["--format", "json,sarif", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("jitgap-report.json")).unwrap())
            .unwrap();
    let findings = report["findings"].as_array().unwrap().len();
    assert!(
        findings > 25_000,
        "the estate is big enough to test the limit: {findings}"
    );

    let path = out.join("jitgap-report.sarif");
    let text = std::fs::read_to_string(&path).unwrap();
    let sarif: Value = serde_json::from_str(&text).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() <= 25_000, "{} results", results.len());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
    let gzipped = gz.finish().unwrap().len();
    assert!(gzipped <= 10_000_000, "{gzipped} bytes gzipped");
    // Grouped: one result per rule and identity, each within GitHub's 1,000 locations.
    assert!(results.iter().all(|r| {
        let n = r["locations"].as_array().unwrap().len();
        (1..=1000).contains(&n)
    }));
    let grouped: u64 = results
        .iter()
        .map(|r| r["properties"]["findings"].as_u64().unwrap_or(1))
        .sum();
    let left = &sarif["runs"][0]["properties"]["leftOut"];
    let left_findings = left["findings"].as_u64().unwrap_or(0);
    assert_eq!(
        grouped + left_findings,
        findings as u64,
        "every finding is in a result or counted as left out"
    );
    // The most severe first.
    let rank = |r: &Value| {
        ["info", "low", "medium", "high", "critical"]
            .iter()
            .position(|s| r["properties"]["severity"] == *s)
            .unwrap()
    };
    assert!(results.windows(2).all(|w| rank(&w[0]) >= rank(&w[1])));
    if left_findings > 0 {
        assert!(
            left["fullReport"]
                .as_str()
                .unwrap()
                .ends_with("jitgap-report.json")
        );
        assert!(stderr.contains("SARIF left out"), "{stderr}");
    }
    // The Multitool skips files over 10 MB uncompressed: the schema check stands in for it.
    let schema_path = sarif_schema_path();
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors = schema_violations(&v, &sarif);
    assert!(errors.is_empty(), "{:?}", &errors[..errors.len().min(5)]);
    assert!(
        github_breaches(&sarif).is_empty(),
        "{:?}",
        github_breaches(&sarif)
    );
}
