//! A real MariaDB server (Debian's `mariadb-server`) for the MySQL/MariaDB tests.
//!
//! `mariadb-install-db` and `mariadbd` are looked up in env `JITGAP_MARIADB_BIN` (a
//! directory), then `PATH`, `/usr/sbin`, `/usr/bin`. Each server gets a fresh datadir in a
//! temporary directory, listens on 127.0.0.1 on a free port and on a socket there, with
//! `--skip-name-resolve` and the general query log on (so a test can read every statement
//! a client sent).
//!
//! mariadbd refuses to run as root unless told `--user=root`. When the tests run as root
//! (CI), the server runs as an unprivileged user instead: env `JITGAP_TEST_DB_USER`
//! (default `nobody`) through `runuser -u <user> --`, with the temporary directory chowned
//! to it. As any other user it runs as that user.
//!
//! [`Maria::start_with_tls`] also gives the server `--ssl-ca/--ssl-cert/--ssl-key` from a
//! [`TestCa`] (Debian builds MariaDB against OpenSSL 3, which reads rcgen's PKCS#8 EC keys);
//! the key is 0600 and owned by the server's user.
//!
//! root is `root@localhost` over the socket with no password
//! (`--auth-root-authentication-method=normal`); anonymous accounts are dropped so they do
//! not shadow `'user'@'%'` logins.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder};

use super::tls::TestCa;

const INSTALL_HINT: &str = "install it with `apt-get update && apt-get install -y mariadb-server` \
     (or set JITGAP_MARIADB_BIN to the directory holding mariadb-install-db and mariadbd)";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(90);

pub struct Maria {
    pub port: u16,
    pub socket: PathBuf,
    pub general_log: PathBuf,
    /// The OS user mariadbd runs as.
    pub os_user: String,
    child: Child,
    pid_file: PathBuf,
    error_log: PathBuf,
    dir: tempfile::TempDir,
}

fn find_binary(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("JITGAP_MARIADB_BIN") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.push("/usr/sbin".into());
    dirs.push("/usr/bin".into());
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn euid_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// A command run as `user` (through runuser) when `user` is set, else as ourselves.
fn command(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(u) => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Bootstraps overlapping in time have crashed mariadbd 10.11 (signal 11 in an Aria temp
/// table drop), so installs run one at a time, each with its own tmpdir, and are retried.
fn install_datadir(run_as: Option<&str>, install: &Path, dir: &Path, data: &Path) {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut report = String::new();
    for _ in 0..3 {
        if data.exists() {
            std::fs::remove_dir_all(data).expect("clear the datadir");
        }
        std::fs::create_dir(data).expect("create the datadir");
        if let Some(u) = run_as {
            let ok = Command::new("chown")
                .args(["-R", u])
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown {} to {u} failed", dir.display());
        }
        let out = command(run_as, install)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            // Passed on to the bootstrap mariadbd.
            .arg(format!("--tmpdir={}", dir.display()))
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL_HINT}", install.display()));
        if out.status.success() {
            return;
        }
        report = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    panic!("mariadb-install-db failed three times:\n{report}");
}

impl Maria {
    /// Installs a datadir and starts mariadbd; panics with what to install when the
    /// binaries are missing.
    pub fn start() -> Maria {
        Maria::start_with(None)
    }

    /// Like [`Maria::start`], with TLS: the server presents `ca`'s server certificate.
    pub fn start_with_tls(ca: &TestCa) -> Maria {
        Maria::start_with(Some(ca))
    }

    fn start_with(tls: Option<&TestCa>) -> Maria {
        let install = find_binary("mariadb-install-db")
            .unwrap_or_else(|| panic!("mariadb-install-db not found: {INSTALL_HINT}"));
        let server =
            find_binary("mariadbd").unwrap_or_else(|| panic!("mariadbd not found: {INSTALL_HINT}"));
        let run_as = euid_is_root()
            .then(|| std::env::var("JITGAP_TEST_DB_USER").unwrap_or_else(|_| "nobody".into()));
        let os_user = run_as
            .clone()
            .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "the current user".into()));

        let mut last_log = String::new();
        for _ in 0..3 {
            let dir = tempfile::Builder::new()
                .prefix("jitgap-maria-")
                .tempdir()
                .expect("create a temporary directory for mariadbd");
            let data = dir.path().join("data");
            install_datadir(run_as.as_deref(), &install, dir.path(), &data);

            let port = free_port();
            let socket = dir.path().join("mysqld.sock");
            let pid_file = dir.path().join("mysqld.pid");
            let error_log = dir.path().join("error.log");
            let general_log = dir.path().join("general.log");
            let tls_args: Vec<String> = match tls {
                Some(ca) => {
                    let (cert, key) = ca.install_server_files(dir.path(), run_as.as_deref());
                    let ca_copy = dir.path().join("ca.pem");
                    std::fs::copy(&ca.ca_pem, &ca_copy).expect("copy the CA certificate");
                    vec![
                        format!("--ssl-ca={}", ca_copy.display()),
                        format!("--ssl-cert={}", cert.display()),
                        format!("--ssl-key={}", key.display()),
                    ]
                }
                None => Vec::new(),
            };
            let child = command(run_as.as_deref(), &server)
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--socket={}", socket.display()))
                .arg(format!("--port={port}"))
                .arg("--bind-address=127.0.0.1")
                .arg("--skip-name-resolve")
                .arg(format!("--pid-file={}", pid_file.display()))
                .arg(format!("--log-error={}", error_log.display()))
                .arg("--general-log")
                .arg(format!("--general-log-file={}", general_log.display()))
                .arg(format!("--tmpdir={}", dir.path().display()))
                .args([
                    "--innodb-buffer-pool-size=32M",
                    "--performance-schema=OFF",
                    "--skip-log-bin",
                ])
                .args(&tls_args)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL_HINT}", server.display()));
            let mut maria = Maria {
                port,
                socket,
                general_log,
                os_user: os_user.clone(),
                child,
                pid_file,
                error_log,
                dir,
            };
            let deadline = Instant::now() + STARTUP_TIMEOUT;
            loop {
                let log = std::fs::read_to_string(&maria.error_log).unwrap_or_default();
                if log.contains("ready for connections") && maria.socket.exists() {
                    return maria;
                }
                if let Ok(Some(_)) = maria.child.try_wait() {
                    last_log = log;
                    break; // lost the port or failed: maybe try again
                }
                if Instant::now() > deadline {
                    panic!("mariadbd did not become ready within {STARTUP_TIMEOUT:?}:\n{log}");
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if !last_log.contains("in use") {
                break;
            }
        }
        panic!("mariadbd exited before it was ready:\n{last_log}");
    }

    /// A URL for `user` over TCP (127.0.0.1), with the password in it.
    pub fn url(&self, user: &str, password: &str) -> String {
        format!("mysql://{user}:{password}@127.0.0.1:{}/", self.port)
    }

    /// The scope name the scanner gives this server.
    pub fn scope(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// root over the socket.
    pub async fn root(&self) -> Conn {
        let opts = OptsBuilder::default()
            .socket(Some(self.socket.to_string_lossy().to_string()))
            .user(Some("root"))
            .prefer_socket(false);
        Conn::new(opts)
            .await
            .expect("connect as root over the socket")
    }

    /// A session as `user`@127.0.0.1 over TCP.
    pub async fn login(&self, user: &str, password: &str) -> Result<Conn, mysql_async::Error> {
        let opts = OptsBuilder::default()
            .ip_or_hostname("127.0.0.1")
            .tcp_port(self.port)
            .user(Some(user))
            .pass(Some(password))
            .prefer_socket(false);
        Conn::new(opts).await
    }

    /// Run statements as root, in order; panics naming the one that failed.
    pub async fn exec(&self, statements: &[&str]) {
        let mut c = self.root().await;
        for s in statements {
            c.query_drop(*s)
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        c.disconnect().await.ok();
    }

    /// Drop anonymous accounts (they shadow `'user'@'%'` for local logins).
    pub async fn drop_anonymous(&self) {
        let mut c = self.root().await;
        let anon: Vec<String> = c
            .query("SELECT Host FROM mysql.global_priv WHERE User = ''")
            .await
            .expect("list anonymous accounts");
        for host in anon {
            c.query_drop(format!("DROP USER ''@'{}'", host.replace('\'', "''")))
                .await
                .expect("drop an anonymous account");
        }
        c.disconnect().await.ok();
    }

    /// Wait until no session with this processlist id is left.
    pub async fn wait_gone(&self, id: u64) {
        let mut c = self.root().await;
        for _ in 0..100 {
            let n: Option<u64> = c
                .query_first(format!(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {id}"
                ))
                .await
                .expect("read the process list");
            if n == Some(0) {
                c.disconnect().await.ok();
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("session {id} is still in the process list");
    }

    pub fn general_log(&self) -> String {
        std::fs::read_to_string(&self.general_log).expect("read the general log")
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(&self.error_log).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Maria {
    fn drop(&mut self) {
        // Through runuser the child is runuser itself: end mariadbd by its own pid.
        if let Ok(pid) = std::fs::read_to_string(&self.pid_file) {
            let pid = pid.trim();
            if !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
