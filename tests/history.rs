//! Scan history in SQLite and in a real PostgreSQL started on loopback: three scans of a
//! changing estate, `trend` showing coverage move, `diff` naming the new standing path; four
//! writers at once; a history that cannot be written is named, and the reports still written.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::cli::{copy_dir, jitgap, repo};
use support::postgres::Pg;

const NEW_ROLE: &str = "new-standing-admin";
const DETAILS: &str = "aws/111122223333/authorization-details.json";

fn edit_roles(estate: &Path, f: impl FnOnce(&mut Vec<Value>)) {
    let file = estate.join(DETAILS);
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    f(doc["RoleDetailList"].as_array_mut().unwrap());
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

/// The estate before scan `n` (1, 2, 3): the demo; then a new role with AdministratorAccess
/// and no time condition (a new standing admin path); then three standing roles removed.
fn change_estate(estate: &Path, n: u32) {
    match n {
        1 => copy_dir(&repo().join("demo"), estate),
        2 => edit_roles(estate, |roles| {
            let mut r = roles
                .iter()
                .find(|r| r["RoleName"] == "gha-wide")
                .unwrap()
                .clone();
            r["RoleName"] = NEW_ROLE.into();
            r["Arn"] = format!("arn:aws:iam::111122223333:role/{NEW_ROLE}").into();
            r["RoleId"] = "AROANEWSTANDINGADMIN1".into();
            roles.push(r);
        }),
        _ => edit_roles(estate, |roles| {
            roles.retain(|r| {
                !["gha-wide", "vendor-deploy", "legacy-cron", NEW_ROLE]
                    .contains(&r["RoleName"].as_str().unwrap())
            })
        }),
    }
}

fn scan_into(dir: &Path, estate: &Path, history: &str, out: &str) -> std::process::Output {
    jitgap(dir)
        .args(["scan", "--from"])
        .arg(estate)
        .args(["--format", "json,html", "--out", out, "--history", history])
        .output()
        .unwrap()
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = jitgap(dir).args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Three scans into `history`, then `history`, `trend` and `diff` read it back.
fn three_scans_then_trend_and_diff(dir: &Path, history: &str) {
    let estate = dir.join("estate");
    for n in 1..=3 {
        change_estate(&estate, n);
        let o = scan_into(dir, &estate, history, &format!("r{n}"));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "scan {n}: {stderr}");
        assert!(
            stderr.contains(&format!("recorded scan {n} in history")),
            "{stderr}"
        );
    }

    let (code, out, err) = run(dir, &["history", "--history", history, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let report1: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r1/jitgap-report.json")).unwrap())
            .unwrap();
    assert_eq!(
        listed[0]["scan"]["paths"].as_u64().unwrap() as usize,
        report1["access_paths"].as_array().unwrap().len(),
        "every path of the first scan is in the history"
    );
    assert_eq!(
        listed[0]["overall"]["coverage_percent"],
        report1["coverage"]["overall"]["coverage_percent"]
    );

    // Coverage moves: down when a standing admin path appears, up when three go.
    let (code, out, err) = run(dir, &["trend", "--history", history, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let points: Value = serde_json::from_str(&out).unwrap();
    let aws: Vec<f64> = points
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["boundaries"]["aws"]["coverage_percent"].as_f64().unwrap())
        .collect();
    assert_eq!(aws.len(), 3);
    assert!(aws[1] < aws[0] && aws[2] > aws[1], "aws coverage {aws:?}");
    let (code, table, _) = run(dir, &["trend", "--history", history]);
    assert_eq!(code, 0);
    assert!(table.contains(&format!("{:.1}%", aws[2])), "{table}");
    let (code, _, err) = run(
        dir,
        &[
            "trend",
            "--history",
            history,
            "--format",
            "svg",
            "--out",
            "trend.svg",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let svg = std::fs::read_to_string(dir.join("trend.svg")).unwrap();
    assert!(svg.starts_with("<svg xmlns=") && svg.matches("<polyline").count() > 2);

    // diff names the new standing path, from the history and from the two reports alike.
    let (code, out, err) = run(
        dir,
        &["diff", "--history", history, "1", "2", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    // The role's own path, and the paths of the GitHub workflows its trust policy lets in
    // (the role it was copied from trusts GitHub's OIDC provider): nothing else is new.
    let new = d["new_standing"].as_array().unwrap();
    let role = format!("arn:aws:iam::111122223333:role/{NEW_ROLE}");
    assert!(
        new.iter().any(|p| p["identity"] == role.as_str()),
        "{new:?}"
    );
    for p in new {
        assert!(
            p.to_string().contains(NEW_ROLE),
            "a new standing path not about the new role: {p}"
        );
    }
    assert!(d["removed_standing"].as_array().unwrap().is_empty());
    // previous → latest: the three roles and the new one are gone, with the GitHub paths into
    // them, and nothing else.
    let removed = ["gha-wide", "vendor-deploy", "legacy-cron", NEW_ROLE];
    let (_, out, _) = run(
        dir,
        &[
            "diff",
            "--history",
            history,
            "previous",
            "latest",
            "--format",
            "json",
        ],
    );
    let d: Value = serde_json::from_str(&out).unwrap();
    let gone = d["removed_standing"].as_array().unwrap();
    for role in removed {
        let arn = format!("arn:aws:iam::111122223333:role/{role}");
        assert!(
            gone.iter().any(|p| p["identity"] == arn.as_str()),
            "{role} gone"
        );
    }
    for p in gone {
        let text = p.to_string();
        assert!(removed.iter().any(|r| text.contains(r)), "{p}");
    }
    assert!(d["new_standing"].as_array().unwrap().is_empty());
    let (_, table, _) = run(dir, &["diff", "--history", history, "previous", "latest"]);
    assert!(
        table.contains(&format!("Standing paths gone ({})", gone.len())),
        "{table}"
    );
    let (_, from_files, _) = run(
        dir,
        &["diff", "r1/jitgap-report.json", "r2/jitgap-report.json"],
    );
    assert!(
        from_files.contains(&format!("New standing paths ({})", new.len()))
            && from_files.contains(NEW_ROLE),
        "{from_files}"
    );

    // The HTML report of the third scan carries the trend of all three.
    let html = std::fs::read_to_string(dir.join("r3/jitgap-report.html")).unwrap();
    assert!(html.contains("id=\"trend\"") && html.contains("3 scan(s)"));
}

#[test]
fn sqlite_history_three_scans_trend_and_diff() {
    let t = tempfile::tempdir().unwrap();
    three_scans_then_trend_and_diff(t.path(), "history.sqlite");
    let conn = rusqlite::Connection::open(t.path().join("history.sqlite")).unwrap();
    let version: i64 = conn
        .query_row(
            "SELECT MAX(version) FROM jitgap_schema_migrations",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, 1);
}

#[test]
fn postgres_history_three_scans_trend_and_diff() {
    let pg = Pg::start();
    let t = tempfile::tempdir().unwrap();
    let url = format!("{}?sslmode=disable", pg.superuser_url);
    three_scans_then_trend_and_diff(t.path(), &url);
    // The password never reaches what jitgap prints about the history.
    let estate = t.path().join("estate");
    let o = scan_into(t.path(), &estate, &url, "r4");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("recorded scan 4 in history postgres://"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(support::postgres::SUPERUSER_PASSWORD),
        "{stderr}"
    );
}

/// Four scans of one estate started together (a thread each, each running one jitgap
/// process) into `history`; what `jitgap history` then lists, and the first scan's report.
fn four_writers_at_once(dir: &Path, history: &str) -> (Vec<Value>, Value) {
    let estate = dir.join("estate");
    change_estate(&estate, 1);
    let handles: Vec<_> = (0..4)
        .map(|k| {
            let (dir, estate, history) = (dir.to_path_buf(), estate.clone(), history.to_string());
            std::thread::spawn(move || {
                jitgap(&dir)
                    .args(["scan", "--from"])
                    .arg(&estate)
                    .args([
                        "--format",
                        "json",
                        "--out",
                        &format!("w{k}"),
                        "--history",
                        &history,
                    ])
                    .output()
                    .unwrap()
            })
        })
        .collect();
    for h in handles {
        let o = h.join().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let (code, out, err) = run(dir, &["history", "--history", history, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("w0/jitgap-report.json")).unwrap())
            .unwrap();
    (
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone(),
        report,
    )
}

#[test]
fn four_writers_at_once_each_add_a_whole_scan() {
    let t = tempfile::tempdir().unwrap();
    let dir: PathBuf = t.path().to_path_buf();
    let history = "shared.sqlite";
    let (listed, report) = four_writers_at_once(&dir, history);
    assert_eq!(listed.len(), 4);
    let paths = report["access_paths"].as_array().unwrap().len() as i64;
    let findings = report["findings"].as_array().unwrap().len() as i64;
    let conn = rusqlite::Connection::open(dir.join(history)).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let mut ids: Vec<i64> = Vec::new();
    let mut stmt = conn
        .prepare("SELECT id, (SELECT COUNT(*) FROM jitgap_paths p WHERE p.scan_id = s.id), (SELECT COUNT(*) FROM jitgap_findings f WHERE f.scan_id = s.id) FROM jitgap_scans s ORDER BY id")
        .unwrap();
    for row in stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap()
    {
        let (id, p, f) = row.unwrap();
        assert_eq!((p, f), (paths, findings), "scan {id} is whole");
        ids.push(id);
    }
    assert_eq!(ids, vec![1, 2, 3, 4]);
    let migrations: i64 = conn
        .query_row("SELECT COUNT(*) FROM jitgap_schema_migrations", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(migrations, 1, "the schema was migrated once");
}

#[test]
fn four_writers_at_once_into_postgres() {
    let pg = Pg::start();
    let t = tempfile::tempdir().unwrap();
    let url = format!("{}?sslmode=disable", pg.superuser_url);
    let (scans, report) = four_writers_at_once(t.path(), &url);
    assert_eq!(scans.len(), 4);
    let paths = report["access_paths"].as_array().unwrap().len() as i64;
    let findings = report["findings"].as_array().unwrap().len() as i64;
    for s in &scans {
        assert_eq!(s["scan"]["paths"].as_i64(), Some(paths), "{s}");
        assert_eq!(s["scan"]["findings"].as_i64(), Some(findings), "{s}");
    }
}

#[test]
fn a_history_that_cannot_be_written_is_named_and_the_reports_are_still_written() {
    let t = tempfile::tempdir().unwrap();
    let estate = t.path().join("estate");
    change_estate(&estate, 1);

    // Not a database.
    std::fs::write(
        t.path().join("notes.sqlite"),
        "these are notes, not a database\n".repeat(200),
    )
    .unwrap();
    let o = scan_into(t.path(), &estate, "notes.sqlite", "r1");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("history notes.sqlite:") && stderr.contains("not a SQLite database"),
        "{stderr}"
    );
    assert!(t.path().join("r1/jitgap-report.json").is_file());
    assert!(t.path().join("r1/jitgap-report.html").is_file());

    // Locked by another writer for longer than jitgap waits.
    let db = t.path().join("locked.sqlite");
    let o = scan_into(t.path(), &estate, "locked.sqlite", "r2");
    assert_eq!(o.status.code(), Some(0));
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let o = jitgap(t.path())
        .env("JITGAP_HISTORY_WAIT", "1")
        .args(["scan", "--from"])
        .arg(&estate)
        .args([
            "--format",
            "json",
            "--out",
            "r3",
            "--history",
            "locked.sqlite",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("history locked.sqlite:") && stderr.contains("locked"),
        "{stderr}"
    );
    assert!(t.path().join("r3/jitgap-report.json").is_file());
    holder.execute_batch("ROLLBACK").unwrap();

    // Its directory does not exist.
    let o = scan_into(t.path(), &estate, "no/such/dir/h.sqlite", "r4");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr.contains("history no/such/dir/h.sqlite: its directory"),
        "{stderr}"
    );

    // Reading a history that is not there says how one is made.
    let (code, _, err) = run(t.path(), &["trend", "--history", "nothing.sqlite"]);
    assert_eq!(code, 2);
    assert!(err.contains("nothing.sqlite: no such file"), "{err}");
}
