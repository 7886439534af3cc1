//! The jitgap binary as a user runs it, for every CLI test: no AWS endpoint leaking in from the
//! environment, `CI` set (so no progress bars), in the given directory.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// `jitgap` run in `dir`.
pub fn jitgap(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("jitgap").expect("the jitgap binary is built");
    c.current_dir(dir)
        .env_remove("AWS_ENDPOINT_URL")
        .env("CI", "true");
    c
}

/// `jitgap` run in the repository (where `demo/` and `reports/` are).
pub fn jitgap_in_repo() -> Command {
    jitgap(&repo())
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a directory tree (a snapshot to change in a test).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// `jitgap scan --from DIR --format json`, run in the repository: exit code, the JSON report
/// (`null` when none was written), stderr.
pub fn scan_report(dir: &Path) -> (i32, serde_json::Value, String) {
    let out = tempfile::tempdir().unwrap();
    let o = jitgap(&repo())
        .args(["scan", "--from"])
        .arg(dir)
        .args(["--format", "json", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    let report = std::fs::read_to_string(out.path().join("jitgap-report.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), report, stderr)
}

/// Every file under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A JSON file, parsed.
pub fn json_file(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
