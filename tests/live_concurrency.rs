//! Live collection is concurrent and polite: the scopes of every boundary are collected at
//! once, at most `[limits.<boundary>] concurrency` per boundary, each bounded by
//! `scope_timeout`, with one progress line per scope. Real PostgreSQL and MariaDB servers
//! behind barrier proxies show which clients were connected at the same time, without clocks.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::barrier::{Barrier, BarrierProxy, Release, SilentServer};
use support::mariadb::Maria;
use support::postgres::Pg;

const PG_READER_PW: &str = "reader-pw-Cc41q";
const MY_READER_PW: &str = "Reader-pw-8e2d";

/// A barrier deadline no run that overlaps its clients comes near.
const SAFETY_DEADLINE: Duration = Duration::from_secs(30);

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("a tokio runtime for seeding")
}

/// A PostgreSQL cluster with a reader role, as the README's permission set has it.
fn start_pg() -> Pg {
    let pg = Pg::start();
    rt().block_on(pg.exec(&format!(
        "CREATE ROLE jitgap_reader LOGIN PASSWORD '{PG_READER_PW}'; \
         GRANT pg_read_all_stats TO jitgap_reader;"
    )));
    pg
}

/// A MariaDB server with a reader account (catalog SELECTs and the process list).
fn start_maria() -> Maria {
    let m = Maria::start();
    rt().block_on(async {
        m.drop_anonymous().await;
        m.exec(&[
            &format!("CREATE USER 'jitgap_reader'@'127.0.0.1' IDENTIFIED BY '{MY_READER_PW}'"),
            "GRANT SELECT ON mysql.* TO 'jitgap_reader'@'127.0.0.1'",
            "GRANT PROCESS ON *.* TO 'jitgap_reader'@'127.0.0.1'",
        ])
        .await;
    });
    m
}

/// `n` PostgreSQL clusters and one MariaDB server, started side by side.
fn start_servers(n: usize) -> (Vec<Pg>, Maria) {
    std::thread::scope(|s| {
        let pgs: Vec<_> = (0..n).map(|_| s.spawn(start_pg)).collect();
        let maria = s.spawn(start_maria);
        (
            pgs.into_iter().map(|h| h.join().unwrap()).collect(),
            maria.join().unwrap(),
        )
    })
}

fn pg_url(port: u16) -> String {
    format!("postgres://jitgap_reader:{PG_READER_PW}@127.0.0.1:{port}/postgres")
}

fn my_url(port: u16) -> String {
    format!("mysql://jitgap_reader:{MY_READER_PW}@127.0.0.1:{port}/")
}

/// What one `jitgap scan` run left: exit code, stderr, and the JSON report's scopes.
struct Run {
    code: Option<i32>,
    stderr: String,
    scopes: Vec<Value>,
}

impl Run {
    fn scope(&self, boundary: &str, name: &str) -> &Value {
        self.scopes
            .iter()
            .find(|s| s["boundary"] == boundary && s["scope"] == name)
            .unwrap_or_else(|| panic!("no {boundary} scope {name}: {:#?}", self.scopes))
    }
}

/// `jitgap scan --postgres-url … --mysql-url … --format json --out DIR --progress always`,
/// with `config` as jitgap.toml.
fn scan(dir: &Path, config: &str, pg_ports: &[u16], my_port: u16) -> Run {
    std::fs::write(dir.join("jitgap.toml"), config).unwrap();
    let out_dir = dir.join("out");
    let mut args = vec!["scan".to_string()];
    for port in pg_ports {
        args.extend(["--postgres-url".into(), pg_url(*port)]);
    }
    args.extend(["--mysql-url".into(), my_url(my_port)]);
    args.extend(["--format", "json", "--progress", "always", "--out"].map(String::from));
    args.push(out_dir.display().to_string());
    let out = Command::cargo_bin("jitgap")
        .unwrap()
        .current_dir(dir)
        .args(&args)
        .args(["--config", "jitgap.toml"])
        .env_remove("PGPASSWORD")
        .env_remove("MYSQL_PWD")
        .env("CI", "true")
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = std::fs::read_to_string(out_dir.join("jitgap-report.json"))
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr:\n{stderr}"));
    let report: Value = serde_json::from_str(&report).unwrap();
    Run {
        code: out.status.code(),
        stderr,
        scopes: report["scopes"].as_array().unwrap().clone(),
    }
}

#[test]
fn three_clusters_and_a_mariadb_server_are_collected_at_once_within_the_limits() {
    let (pgs, maria) = start_servers(3);

    // (a) Default limits: all four clients are connected at once, so the barrier fills.
    let barrier = Barrier::new(4, SAFETY_DEADLINE);
    let pg_proxies: Vec<BarrierProxy> = pgs
        .iter()
        .enumerate()
        .map(|(i, pg)| BarrierProxy::start(&format!("pg{i}"), &barrier, pg.port))
        .collect();
    let my_proxy = BarrierProxy::start("mysql", &barrier, maria.port);
    let pg_ports: Vec<u16> = pg_proxies.iter().map(BarrierProxy::port).collect();
    let t = tempfile::tempdir().unwrap();
    let run = scan(t.path(), "", &pg_ports, my_proxy.port());

    let opening = barrier.opening().expect("every proxy had a client");
    assert_eq!(
        opening.release,
        Release::Full,
        "the barrier opened on its deadline, not because all four clients were connected at once: {opening:?}\n{}",
        run.stderr
    );
    let mut held = opening.held.clone();
    held.sort();
    assert_eq!(held, ["mysql", "pg0", "pg1", "pg2"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.scopes.len(), 4, "{:#?}", run.scopes);
    for port in &pg_ports {
        let s = run.scope("postgres", &format!("127.0.0.1:{port}/postgres"));
        assert_eq!(s["status"], "complete", "{s:#}");
    }
    let s = run.scope("mysql", &format!("127.0.0.1:{}", my_proxy.port()));
    assert_eq!(s["status"], "complete", "{s:#}");

    // Progress: one line per scope naming its boundary and label, and how it ended.
    for port in &pg_ports {
        let line = format!("postgres 127.0.0.1:{port}/postgres done (1 document(s))");
        assert!(
            run.stderr.contains(&line),
            "no `{line}` in:\n{}",
            run.stderr
        );
    }
    let line = format!("mysql 127.0.0.1:{} done (1 document(s))", my_proxy.port());
    assert!(
        run.stderr.contains(&line),
        "no `{line}` in:\n{}",
        run.stderr
    );
    drop((pg_proxies, my_proxy));

    // (b) `[limits.postgres] concurrency = 1`: one PostgreSQL client at a time, so the
    // barrier never fills; the MariaDB scope still runs beside the first cluster, and the
    // scan completes once the (short) deadline opens the barrier.
    let barrier = Barrier::new(4, Duration::from_secs(2));
    let pg_proxies: Vec<BarrierProxy> = pgs
        .iter()
        .enumerate()
        .map(|(i, pg)| BarrierProxy::start(&format!("pg{i}"), &barrier, pg.port))
        .collect();
    let my_proxy = BarrierProxy::start("mysql", &barrier, maria.port);
    let pg_ports: Vec<u16> = pg_proxies.iter().map(BarrierProxy::port).collect();
    let t = tempfile::tempdir().unwrap();
    let run = scan(
        t.path(),
        "[limits.postgres]\nconcurrency = 1\n",
        &pg_ports,
        my_proxy.port(),
    );

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.scopes.len(), 4, "{:#?}", run.scopes);
    assert!(
        run.scopes.iter().all(|s| s["status"] == "complete"),
        "{:#?}",
        run.scopes
    );
    let opening = barrier.opening().expect("the first clients arrived");
    assert_eq!(opening.release, Release::Deadline, "{opening:?}");
    let pg_held: Vec<&String> = opening
        .held
        .iter()
        .filter(|p| p.starts_with("pg"))
        .collect();
    assert_eq!(
        pg_held.len(),
        1,
        "more than one PostgreSQL client at once: {opening:?}"
    );
    assert!(
        opening.held.iter().any(|p| p == "mysql"),
        "the MariaDB scope did not overlap a PostgreSQL one: {opening:?}"
    );
    // The other two clusters were reached only after the first was done.
    let arrivals = barrier.arrivals();
    assert_eq!(arrivals.len(), 4, "{arrivals:?}");
    let later: Vec<&str> = arrivals
        .iter()
        .filter(|a| !a.while_closed)
        .map(|a| a.proxy.as_str())
        .collect();
    assert_eq!(later.len(), 2, "{arrivals:?}");
    assert!(later.iter().all(|p| p.starts_with("pg")), "{arrivals:?}");
}

#[test]
fn a_scope_that_hangs_fails_on_its_timeout_and_the_others_complete() {
    let (pgs, maria) = start_servers(1);
    let silent = SilentServer::start();
    let t = tempfile::tempdir().unwrap();
    let run = scan(
        t.path(),
        "[limits]\nscope_timeout = \"2s\"\n",
        &[pgs[0].port, silent.port()],
        maria.port,
    );

    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert_eq!(run.scopes.len(), 3, "{:#?}", run.scopes);
    let hung = run.scope("postgres", &format!("127.0.0.1:{}/postgres", silent.port()));
    assert_eq!(hung["status"], "failed", "{hung:#}");
    let errors = hung["errors"].to_string();
    assert!(
        errors.contains("not collected within 2s ([limits] scope_timeout)"),
        "{errors}"
    );
    assert!(
        silent.accepted() >= 1,
        "the hanging server was never reached"
    );
    let pg = run.scope("postgres", &pgs[0].scope());
    assert_eq!(pg["status"], "complete", "{pg:#}");
    let my = run.scope("mysql", &maria.scope());
    assert_eq!(my["status"], "complete", "{my:#}");

    // Progress names every scope, the one that hung included.
    for line in [
        format!("postgres {} done (1 document(s))", pgs[0].scope()),
        format!("mysql {} done (1 document(s))", maria.scope()),
        format!("postgres 127.0.0.1:{}/postgres 1 error(s)", silent.port()),
    ] {
        assert!(
            run.stderr.contains(&line),
            "no `{line}` in:\n{}",
            run.stderr
        );
    }
}
