//! Every check has a positive and a negative fixture, run through the real program.
//!
//! `tests/fixtures/checks/<ID>/positive/` and `…/negative/` are snapshot directories in the
//! shape `jitgap collect` writes (`aws/<account>/…`, `postgres/<scope>/catalog.json`,
//! `mysql/<scope>/catalog.json`, `ledger/*.jsonl`, and a `manifest.json` whose `collected_at`
//! fixes the time verdicts are judged at). Each holds an `expect.toml`:
//!
//! ```toml
//! identity = "role/ci-admin"      # a substring of the finding's identity
//! revocation = "not-effective"    # optional: the finding's revocation verdict
//! ```
//!
//! The positive must yield a finding of the check about that identity. The negative is a near
//! miss — the same estate with the deciding fact changed — so it must hold an identity matching
//! `identity` and yield no finding of the check at all.

use jitgap::scan::Registry;
use serde::Deserialize;
use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

const SIDES: [&str; 2] = ["positive", "negative"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    identity: String,
    revocation: Option<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks")
}

fn fixture_ids() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root())
        .expect("tests/fixtures/checks exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    ids.sort();
    ids
}

/// `jitgap scan --from DIR --format json` in-process; the exit code and the JSON report.
fn scan(registry: &Registry, dir: &Path) -> (i32, Value) {
    let out = tempfile::tempdir().unwrap();
    let args: Vec<OsString> = [
        OsString::from("jitgap"),
        "scan".into(),
        "--from".into(),
        dir.into(),
        "--format".into(),
        "json".into(),
        "--out".into(),
        out.path().into(),
        "--progress".into(),
        "never".into(),
    ]
    .into();
    let code = jitgap::app::main_with(registry, args);
    let path = out.path().join("jitgap-report.json");
    let report = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (code, report)
}

fn strings<'a>(items: &'a Value, field: &'a str) -> impl Iterator<Item = &'a str> {
    items
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(move |v| v[field].as_str())
}

/// What is wrong with one fixture, if anything.
fn judge(registry: &Registry, id: &str, side: &str, dir: &Path) -> Vec<String> {
    let at = format!("{id}/{side}");
    let want: Expect = match std::fs::read_to_string(dir.join("expect.toml")) {
        Err(e) => return vec![format!("{at}/expect.toml: cannot read: {e}")],
        Ok(text) => match toml::from_str(&text) {
            Ok(want) => want,
            Err(e) => return vec![format!("{at}/expect.toml: {e}")],
        },
    };
    match jitgap::scan::load_snapshot(dir, registry) {
        Ok(snap) if snap.collected_at.is_none() => {
            return vec![format!("{at}: manifest.json has no collected_at")];
        }
        Ok(_) => {}
        Err(e) => return vec![format!("{at}: {e}")],
    }
    let (code, report) = scan(registry, dir);
    if code != 0 || report.is_null() {
        return vec![format!("{at}: scan exited {code} (report: {report})")];
    }
    let mine: Vec<&Value> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule_id"] == id)
        .collect();
    let about = |f: &Value| {
        f["identity"]
            .as_str()
            .is_some_and(|i| i.contains(&want.identity))
    };
    let seen = |f: &Value| format!("{} ({})", f["identity"], f["revocation"]);
    let mut problems = Vec::new();
    if side == "positive" {
        let hits: Vec<&Value> = mine.iter().copied().filter(|f| about(f)).collect();
        if hits.is_empty() {
            problems.push(format!(
                "{at}: {id} did not fire about `{}`; it fired about {:?}",
                want.identity,
                mine.iter().map(|f| seen(f)).collect::<Vec<_>>()
            ));
        } else if let Some(r) = &want.revocation
            && !hits.iter().any(|f| f["revocation"] == r.as_str())
        {
            problems.push(format!(
                "{at}: {id} fired about `{}` but not with revocation {r}: {:?}",
                want.identity,
                hits.iter().map(|f| seen(f)).collect::<Vec<_>>()
            ));
        }
    } else {
        if !mine.is_empty() {
            problems.push(format!(
                "{at}: {id} fired on its negative fixture: {:?}",
                mine.iter().map(|f| seen(f)).collect::<Vec<_>>()
            ));
        }
        if !strings(&report["identities"], "id").any(|i| i.contains(&want.identity)) {
            problems.push(format!(
                "{at}: no identity matches `{}`: a negative is a near miss of the positive, not an empty estate",
                want.identity
            ));
        }
    }
    problems
}

#[test]
fn every_check_fires_on_its_positive_fixture_and_not_on_its_negative() {
    let registry = Registry::builtin();
    let rules = jitgap::scan::registry::embedded_rules().unwrap();
    let mut problems = Vec::new();
    for id in fixture_ids() {
        match rules.checks.iter().find(|c| c.id == id) {
            None => problems.push(format!("{id}: fixtures for a check rules/ does not have")),
            Some(c) if c.deprecated.is_some() => {
                problems.push(format!("{id}: fixtures for a deprecated check"))
            }
            Some(_) => {}
        }
        for side in SIDES {
            let dir = root().join(&id).join(side);
            if dir.is_dir() {
                problems.extend(judge(&registry, &id, side, &dir));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_check_has_a_positive_and_a_negative_fixture() {
    let rules = jitgap::scan::registry::embedded_rules().unwrap();
    let missing: Vec<String> = rules
        .checks
        .iter()
        .filter(|c| c.deprecated.is_none())
        .flat_map(|c| {
            SIDES.iter().filter_map(move |side| {
                let dir = root().join(&c.id).join(side);
                (!dir.join("expect.toml").is_file()).then(|| {
                    format!(
                        "{} {} has no {side} fixture (tests/fixtures/checks/{}/{side}/expect.toml and a snapshot)",
                        c.id, c.name, c.id
                    )
                })
            })
        })
        .collect();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
