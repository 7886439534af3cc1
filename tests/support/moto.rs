//! A real moto server (PyPI `moto[server]`) for the AWS tests.
//!
//! `moto_server` is looked up in this order: env `JITGAP_MOTO_SERVER`,
//! `<repo>/.venv/bin/moto_server`, then `PATH`. The seed script runs with the `python`
//! next to it (same venv), else `python3`.
//!
//! Recording: moto's recorder (`moto/moto_api/_internal/recorder`) appends one JSON line
//! per request it serves (headers, method, url, body; the body base64 when
//! `body_encoded`) to the file named by `MOTO_RECORDER_FILEPATH`, once recording is
//! switched on through `/moto-api/recorder/start-recording` (or from startup with
//! `MOTO_ENABLE_RECORDING`, which is left unset here so seeding is not recorded).
//! `/moto-api/recorder/download-recording` returns that file. IAM uses the query
//! protocol, so each request's operation is its `Action=` form parameter.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL_HINT: &str =
    "run `.ci/run` or `python3 -m venv .venv && .venv/bin/pip install 'moto[server]' boto3`";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Moto {
    pub endpoint: String,
    port: u16,
    child: Child,
    python: PathBuf,
    dir: tempfile::TempDir,
}

impl Moto {
    /// Starts `moto_server` on 127.0.0.1 on a free port, with AWS-managed IAM policies
    /// loaded and the recorder writing to a temporary file, and waits until it answers.
    pub fn start() -> Moto {
        Moto::start_with_env(&[])
    }

    /// Like [`Moto::start`], with extra environment for the server, e.g.
    /// `[("INITIAL_NO_AUTH_ACTION_COUNT", "4")]`: moto then serves that many requests without
    /// checking credentials (enough to seed) and authenticates every request after them.
    pub fn start_with_env(extra_env: &[(&str, &str)]) -> Moto {
        Moto::start_inner(extra_env, false)
    }

    /// Like [`Moto::start`], through `moto_server.py`: [`Moto::refuse_assume_into`] then makes
    /// `sts:AssumeRole` into chosen accounts fail with AccessDenied, as AWS refuses it when a
    /// role's trust policy does not let the caller in (moto itself never refuses).
    pub fn start_with_refusals() -> Moto {
        Moto::start_inner(&[], true)
    }

    /// From now on, `sts:AssumeRole` into these accounts is refused (a server started with
    /// [`Moto::start_with_refusals`]).
    pub fn refuse_assume_into(&self, accounts: &[&str]) {
        std::fs::write(
            self.dir.path().join("refuse-assume.txt"),
            accounts.join("\n"),
        )
        .expect("write the refusal list");
    }

    fn start_inner(extra_env: &[(&str, &str)], launcher: bool) -> Moto {
        let server = find_moto_server().unwrap_or_else(|| {
            panic!("moto_server not found (JITGAP_MOTO_SERVER, .venv/bin/moto_server, PATH): {INSTALL_HINT}")
        });
        let python = server
            .parent()
            .map(|bin| bin.join("python"))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("python3"));

        let mut last_log = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().expect("create a temporary directory for moto");
            let log_path = dir.path().join("moto.log");
            let log = std::fs::File::create(&log_path).expect("create moto.log");
            let port = free_port();
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/moto_server.py");
            let mut cmd = if launcher {
                let mut c = Command::new(&python);
                c.arg(&script);
                c
            } else {
                Command::new(&server)
            };
            let child = cmd
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .current_dir(dir.path())
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                .env("MOTO_RECORDER_FILEPATH", dir.path().join("recording.jsonl"))
                .env(
                    "JITGAP_MOTO_REFUSE_ASSUME_FILE",
                    dir.path().join("refuse-assume.txt"),
                )
                .env_remove("MOTO_ENABLE_RECORDING")
                .envs(extra_env.iter().copied())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone the moto.log handle"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL_HINT}", server.display()));
            let mut moto = Moto {
                endpoint: format!("http://127.0.0.1:{port}"),
                port,
                child,
                python: python.clone(),
                dir,
            };

            let deadline = Instant::now() + STARTUP_TIMEOUT;
            loop {
                if let Ok(Some(status)) = moto.child.try_wait() {
                    last_log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    if last_log.contains("already in use") {
                        break; // lost the port to another process: try another one
                    }
                    panic!(
                        "moto_server ({}) exited with {status}:\n{last_log}\n{INSTALL_HINT}",
                        server.display()
                    );
                }
                if matches!(moto.http("GET", "/moto-api/config"), Ok((status, _)) if status < 500) {
                    return moto;
                }
                if Instant::now() > deadline {
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    panic!(
                        "moto_server did not answer on {} within {STARTUP_TIMEOUT:?}:\n{log}",
                        moto.endpoint
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("moto_server could not get a free port after 3 tries:\n{last_log}");
    }

    /// Seeds a scenario (see `seed_moto.py`) through boto3.
    pub fn seed(&self, scenario: &str) {
        self.seed_output(scenario);
    }

    /// Seeds a scenario and returns what the seed script printed.
    pub fn seed_output(&self, scenario: &str) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/seed_moto.py");
        let out = Command::new(&self.python)
            .arg(&script)
            .args([self.endpoint.as_str(), scenario])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {}: {e}; {INSTALL_HINT}", self.python.display())
            });
        assert!(
            out.status.success(),
            "seeding scenario {scenario:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Clears the recording and starts recording every request moto serves.
    pub fn start_recording(&self) {
        for path in [
            "/moto-api/recorder/reset-recording",
            "/moto-api/recorder/start-recording",
        ] {
            match self.http("POST", path) {
                Ok((200, _)) => {}
                other => panic!("moto {path} failed: {other:?}"),
            }
        }
    }

    /// The IAM `Action` of every request recorded since `start_recording`, in order
    /// (retried attempts appear once per attempt).
    pub fn recorded_actions(&self) -> Vec<String> {
        let body = match self.http("GET", "/moto-api/recorder/download-recording") {
            Ok((200, body)) => body,
            other => panic!("moto download-recording failed: {other:?}"),
        };
        let mut actions = Vec::new();
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            let entry: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("bad recorder line {line:?}: {e}"));
            let raw_body = entry["body"].as_str().unwrap_or_default();
            let form = if entry["body_encoded"].as_bool() == Some(true) {
                base64_decode(raw_body)
            } else {
                raw_body.as_bytes().to_vec()
            };
            let mut found = form_actions(&form);
            if let Some((_, query)) = entry["url"].as_str().unwrap_or_default().split_once('?') {
                found.extend(form_actions(query.as_bytes()));
            }
            // The JSON protocol (Organizations) names the operation in X-Amz-Target.
            if let Some(target) = entry["headers"]
                .as_object()
                .and_then(|h| {
                    h.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
                })
                .and_then(|(_, v)| v.as_str())
            {
                found.push(target.rsplit('.').next().unwrap_or(target).to_string());
            }
            if found.is_empty() {
                found.push(format!("<no Action: {} {}>", entry["method"], entry["url"]));
            }
            actions.extend(found);
        }
        actions
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default()
    }

    /// A minimal HTTP/1.0 exchange with the server: (status, body).
    fn http(&self, method: &str, path: &str) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let response = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = response
            .split_once("\r\n\r\n")
            .unwrap_or((response.as_str(), ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {head:?}")))?;
        Ok((status, body.to_string()))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_moto_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("JITGAP_MOTO_SERVER").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "JITGAP_MOTO_SERVER={} is not a file; {INSTALL_HINT}",
            path.display()
        );
        return Some(path);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if venv.is_file() {
        return Some(venv);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("moto_server"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// Every `Action` value in an `application/x-www-form-urlencoded` string.
fn form_actions(form: &[u8]) -> Vec<String> {
    form.split(|&b| b == b'&')
        .filter_map(|pair| pair.strip_prefix(b"Action="))
        .map(|v| {
            percent_encoding::percent_decode(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

/// Standard base64 (with or without padding); invalid characters are skipped.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
