//! Debian's `chromium`, headless, against a report file: the page's DOM after its script ran,
//! and screenshots. Each run gets its own profile directory, so runs may go in parallel.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A program the browser tests need: `$env`, else the first of `names` on `PATH`. Fails
/// saying what to install.
pub fn program(env: &str, names: &[&str], install: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        for name in names {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "{} not found: install it (Debian: apt-get install {install}; scripts/test.sh does) or set {env}",
        names[0]
    );
}

/// The browser: `JITGAP_CHROMIUM`, else `chromium` on `PATH`.
pub fn browser() -> PathBuf {
    program(
        "JITGAP_CHROMIUM",
        &["chromium", "chromium-browser"],
        "chromium",
    )
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
}

/// Chromium with the flags every run shares, a fresh profile, and `extra`.
fn run(extra: &[String], url: &str) -> Run {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            // The page's script runs to completion inside this much virtual time.
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium starts");
    let r = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        out.status.success(),
        "chromium failed ({}) on {url}:\n{}",
        out.status,
        r.stderr
    );
    r
}

/// No network at all: every host name fails to resolve and every request goes to a dead proxy.
pub fn offline() -> Vec<String> {
    vec![
        "--host-resolver-rules=MAP * ~NOTFOUND".into(),
        "--proxy-server=http://127.0.0.1:9".into(),
    ]
}

pub fn url(file: &Path, fragment: &str) -> String {
    let mut u = format!("file://{}", file.canonicalize().unwrap().display());
    if !fragment.is_empty() {
        u.push('#');
        u.push_str(fragment);
    }
    u
}

/// The page's DOM once its script has run (`--dump-dom`), with the browser's log.
pub fn dom(file: &Path, fragment: &str, extra: &[String]) -> Run {
    let mut args = extra.to_vec();
    args.push("--dump-dom".into());
    run(&args, &url(file, fragment))
}

/// A screenshot `width` pixels wide (PNG bytes).
pub fn screenshot(file: &Path, width: u32, extra: &[String]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("shot.png");
    let mut args = extra.to_vec();
    args.push(format!("--window-size={width},1800"));
    args.push(format!("--screenshot={}", png.display()));
    run(&args, &url(file, ""));
    std::fs::read(&png).expect("chromium wrote the screenshot")
}

/// Width and height from a PNG's IHDR.
pub fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// The browser's console lines (page messages and uncaught errors).
pub fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("CONSOLE")).collect()
}

/// The value of `attr` on the element with `id` in dumped HTML (attributes as Chromium
/// serializes them: `name="value"`).
pub fn attr(dom: &str, id: &str, attr: &str) -> Option<String> {
    let start = dom.find(&format!("id=\"{id}\""))?;
    let open = dom[..start].rfind('<')?;
    let end = open + dom[open..].find('>')?;
    let tag = &dom[open..end];
    let key = format!(" {attr}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

/// The value of `attr` on the `<html>` element.
pub fn root_attr(dom: &str, attr: &str) -> Option<String> {
    let open = dom.find("<html")?;
    let tag = &dom[open..open + dom[open..].find('>')?];
    let key = format!(" {attr}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}
