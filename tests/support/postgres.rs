//! A real PostgreSQL server for the tests, in a temporary directory on 127.0.0.1.
//!
//! The binaries (`initdb`, `pg_ctl`, `postgres`) are looked up in this order: env
//! `JITGAP_PG_BIN` (a directory), `/usr/lib/postgresql/<highest version>/bin`, then `PATH`.
//! The cluster uses scram-sha-256 for every connection (so VALID UNTIL applies), listens on
//! 127.0.0.1 only with its socket inside the temporary directory, and logs every statement
//! with `log_line_prefix = '%m [%p] %a %u '` to `postgres.log`.
//!
//! [`Pg::start_with_tls`] also turns TLS on (`ssl = on`) with a certificate from a
//! [`TestCa`]; the key is 0600 and owned by the server's user, as PostgreSQL demands.
//!
//! initdb refuses to run as root: as root (CI), every server command runs through
//! `runuser -u <user> --`, the user from env `JITGAP_TEST_DB_USER` (default `nobody`), and
//! the temporary directory is handed to that user.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::tls::TestCa;

const INSTALL_HINT: &str =
    "install PostgreSQL (`apt-get install postgresql`) or point JITGAP_PG_BIN at its bin directory";
pub const SUPERUSER: &str = "postgres";
pub const SUPERUSER_PASSWORD: &str = "superuser-pw-7Hq2";

pub struct Pg {
    pub port: u16,
    pub superuser_url: String,
    pub log_path: PathBuf,
    bin: PathBuf,
    data: PathBuf,
    run_as: Option<String>,
    stopped: bool,
    dir: tempfile::TempDir,
}

fn find_bin() -> Option<PathBuf> {
    let has = |d: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| d.join(b).is_file())
    };
    if let Ok(d) = std::env::var("JITGAP_PG_BIN") {
        let d = PathBuf::from(d);
        return has(&d).then_some(d);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, p)| has(p))
        .collect();
    versions.sort();
    if let Some((_, p)) = versions.pop() {
        return Some(p);
    }
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| has(d))
}

/// The effective uid, from `/proc/self/status` (no libc crate), else `id -u`.
fn euid() -> u32 {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(line) = status.lines().find(|l| l.starts_with("Uid:"))
        && let Some(e) = line.split_whitespace().nth(2)
        && let Ok(n) = e.parse()
    {
        return n;
    }
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(u32::MAX)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .unwrap()
        .port()
}

impl Pg {
    /// initdb + start; panics with what to install when the binaries are missing.
    pub fn start() -> Pg {
        Pg::start_with(None)
    }

    /// Like [`Pg::start`], with TLS on: the server presents `ca`'s server certificate.
    pub fn start_with_tls(ca: &TestCa) -> Pg {
        Pg::start_with(Some(ca))
    }

    fn start_with(tls: Option<&TestCa>) -> Pg {
        let bin = find_bin().unwrap_or_else(|| {
            panic!(
                "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: {INSTALL_HINT}"
            )
        });
        let run_as = (euid() == 0)
            .then(|| std::env::var("JITGAP_TEST_DB_USER").unwrap_or_else(|_| "nobody".into()));
        let dir = tempfile::tempdir().expect("create a temporary directory for PostgreSQL");
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pwfile");
        std::fs::write(&pwfile, format!("{SUPERUSER_PASSWORD}\n")).expect("write pwfile");
        std::fs::create_dir(dir.path().join("sock")).expect("create the socket directory");
        if let Some(user) = &run_as {
            let out = Command::new("chown")
                .args(["-R", user.as_str()])
                .arg(dir.path())
                .output()
                .expect("run chown");
            assert!(
                out.status.success(),
                "chown -R {user} {}: {}",
                dir.path().display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut pg = Pg {
            port: 0,
            superuser_url: String::new(),
            log_path: dir.path().join("postgres.log"),
            bin,
            data: data.clone(),
            run_as,
            stopped: true,
            dir,
        };
        let init = pg.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                SUPERUSER.as_ref(),
                "--pwfile".as_ref(),
                pwfile.as_os_str(),
                "--auth=scram-sha-256".as_ref(),
                "--locale=C".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--no-sync".as_ref(),
            ],
        );
        assert!(
            init.status.success(),
            "initdb failed ({}):\n{}{}\n{INSTALL_HINT}",
            init.status,
            String::from_utf8_lossy(&init.stdout),
            String::from_utf8_lossy(&init.stderr)
        );
        let tls_conf = match tls {
            Some(ca) => {
                let (cert, key) = ca.install_server_files(&data, pg.run_as.as_deref());
                format!(
                    "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\n",
                    cert.display(),
                    key.display()
                )
            }
            None => String::new(),
        };
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let conf = format!(
                "\n# jitgap tests\nlisten_addresses = '127.0.0.1'\nport = {port}\n\
                 unix_socket_directories = '{}'\nlog_statement = 'all'\n\
                 log_line_prefix = '%m [%p] %a %u '\nlogging_collector = off\nfsync = off\n\
                 max_connections = 40\nshared_buffers = 16MB\n{tls_conf}",
                pg.dir.path().join("sock").display()
            );
            let mut file = std::fs::read_to_string(data.join("postgresql.conf"))
                .expect("read postgresql.conf");
            if let Some(i) = file.find("\n# jitgap tests\n") {
                file.truncate(i);
            }
            file.push_str(&conf);
            std::fs::write(data.join("postgresql.conf"), file).expect("write postgresql.conf");
            let log = pg.log_path.clone();
            let start = pg.run(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "60".as_ref(),
                    "start".as_ref(),
                ],
            );
            if start.status.success() {
                pg.port = port;
                pg.superuser_url = pg.url_for(SUPERUSER, SUPERUSER_PASSWORD);
                pg.stopped = false;
                return pg;
            }
            last = format!(
                "{}{}\n{}",
                String::from_utf8_lossy(&start.stdout),
                String::from_utf8_lossy(&start.stderr),
                std::fs::read_to_string(&pg.log_path).unwrap_or_default()
            );
            if !last.contains("already in use") {
                break;
            }
        }
        panic!("PostgreSQL did not start:\n{last}");
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let exe = self.bin.join(program);
        let (mut cmd, shown) = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user.as_str(), "--"]).arg(&exe);
                (c, format!("runuser -u {user} -- {}", exe.display()))
            }
            None => (Command::new(&exe), exe.display().to_string()),
        };
        cmd.args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {shown}: {e}; {INSTALL_HINT}"))
    }

    /// `postgres://user:password@127.0.0.1:port/postgres`
    pub fn url_for(&self, user: &str, password: &str) -> String {
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// `127.0.0.1:port/postgres`, the scope name a scan of [`Pg::url_for`] reports.
    pub fn scope(&self) -> String {
        format!("127.0.0.1:{}/postgres", self.port)
    }

    /// A connection (its driver spawned on the current runtime).
    pub async fn connect(
        &self,
        user: &str,
        password: &str,
    ) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let (client, conn) =
            tokio_postgres::connect(&self.url_for(user, password), tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(client)
    }

    /// Runs SQL (several statements allowed) as the superuser.
    pub async fn exec(&self, sql: &str) {
        let client = self
            .connect(SUPERUSER, SUPERUSER_PASSWORD)
            .await
            .expect("connect as the superuser");
        client
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }

    /// From now on the server refuses sessions without TLS from 127.0.0.1 (`hostnossl …
    /// reject` first in pg_hba.conf, then a reload).
    pub async fn refuse_plaintext(&self) {
        let hba = self.data.join("pg_hba.conf");
        let text = std::fs::read_to_string(&hba).expect("read pg_hba.conf");
        std::fs::write(
            &hba,
            format!(
                "hostnossl all all 127.0.0.1/32 reject\nhostnossl all all ::1/128 reject\n{text}"
            ),
        )
        .expect("write pg_hba.conf");
        self.exec("SELECT pg_reload_conf()").await;
        // The reload is asynchronous: wait until a plaintext login is refused.
        let url = self.url_for(SUPERUSER, SUPERUSER_PASSWORD);
        let refused = eventually(Duration::from_secs(10), || async {
            tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .is_err()
        })
        .await;
        assert!(refused, "pg_hba.conf reload did not take effect");
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let data = self.data.clone();
        let _ = self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-w".as_ref(),
                "stop".as_ref(),
            ],
        );
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits up to `limit` for `cond` to hold, polling every 100 ms.
pub async fn eventually<F, Fut>(limit: Duration, mut cond: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    loop {
        if cond().await {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
