//! The history in a SQLite file (bundled SQLite: nothing to install). Write-ahead logging lets
//! readers go on while one writer appends; writers take the lock up front (`BEGIN IMMEDIATE`)
//! and wait for each other up to [`wait`].

use super::{CoverageRec, FindingRec, HistoryError, PathRec, ScanMeta, ScanRecord, schema};
use rusqlite::{Connection, ErrorCode, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another to finish before giving up, unless
/// `JITGAP_HISTORY_WAIT` (seconds) says otherwise.
fn wait() -> Duration {
    std::env::var("JITGAP_HISTORY_WAIT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(60))
}

pub struct Sqlite {
    conn: Connection,
    file: String,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Sqlite, HistoryError> {
        let file = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(HistoryError {
                target: file,
                message: format!("its directory {} does not exist", dir.display()),
            });
        }
        let conn = Connection::open(path).map_err(|e| fail(&file, e))?;
        let mut s = Sqlite { conn, file };
        s.conn.busy_timeout(wait()).map_err(|e| fail(&s.file, e))?;
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| fail(&s.file, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(s.err(format!(
                "cannot use write-ahead logging (journal mode {mode})"
            )));
        }
        s.conn
            .execute_batch("PRAGMA foreign_keys = ON")
            .map_err(|e| fail(&s.file, e))?;
        s.migrate()?;
        Ok(s)
    }

    fn err(&self, message: String) -> HistoryError {
        HistoryError {
            target: self.file.clone(),
            message,
        }
    }

    fn migrate(&mut self) -> Result<(), HistoryError> {
        let file = self.file.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| fail(&file, e))?;
        tx.execute_batch(schema::VERSIONS_TABLE)
            .map_err(|e| fail(&file, e))?;
        let at: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM jitgap_schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(|e| fail(&file, e))?;
        let pending =
            schema::pending(at, "INTEGER PRIMARY KEY AUTOINCREMENT").map_err(|m| HistoryError {
                target: file.clone(),
                message: m,
            })?;
        for (version, sql) in pending {
            tx.execute_batch(&sql).map_err(|e| fail(&file, e))?;
            tx.execute(
                "INSERT INTO jitgap_schema_migrations (version, applied_at) VALUES ($1, $2)",
                params![version, crate::time::fmt_utc(chrono::Utc::now())],
            )
            .map_err(|e| fail(&file, e))?;
        }
        tx.commit().map_err(|e| fail(&file, e))
    }

    pub fn version(&mut self) -> Result<i64, HistoryError> {
        self.conn
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM jitgap_schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(|e| fail(&self.file, e))
    }

    pub fn record(&mut self, scan: &ScanRecord, now: &str) -> Result<i64, HistoryError> {
        let file = self.file.clone();
        let f = |e| fail(&file, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(f)?;
        let m = &scan.meta;
        tx.execute(
            "INSERT INTO jitgap_scans (as_of, recorded_at, tool_version, sources, shard) VALUES ($1, $2, $3, $4, $5)",
            params![
                m.as_of,
                now,
                m.tool_version,
                serde_json::to_string(&m.sources).expect("strings serialize"),
                m.shard
            ],
        )
        .map_err(f)?;
        let id = tx.last_insert_rowid();
        {
            let mut cov = tx
                .prepare("INSERT INTO jitgap_coverage VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .map_err(f)?;
            for c in &scan.coverage {
                cov.execute(params![
                    id,
                    c.boundary,
                    c.scope,
                    c.status,
                    c.privileged,
                    c.jit,
                    c.time_bound,
                    c.standing,
                    c.unknown
                ])
                .map_err(f)?;
            }
            let mut path = tx
                .prepare("INSERT INTO jitgap_paths VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING")
                .map_err(f)?;
            for p in &scan.paths {
                path.execute(params![
                    id,
                    p.id,
                    p.boundary,
                    p.scope,
                    p.identity,
                    p.entitlement,
                    p.target,
                    p.privilege,
                    p.enforcement,
                    p.credential_lifetime
                ])
                .map_err(f)?;
            }
            let mut finding = tx
                .prepare("INSERT INTO jitgap_findings VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING")
                .map_err(f)?;
            for x in &scan.findings {
                finding
                    .execute(params![
                        id,
                        x.id,
                        x.rule_id,
                        x.severity,
                        x.status,
                        x.baseline,
                        x.boundary,
                        x.scope,
                        x.identity,
                        x.revocation
                    ])
                    .map_err(f)?;
            }
        }
        tx.commit().map_err(f)?;
        Ok(id)
    }

    pub fn scans(&mut self) -> Result<Vec<ScanRecord>, HistoryError> {
        let file = self.file.clone();
        let f = |e| fail(&file, e);
        let mut stmt = self
            .conn
            .prepare(&format!("{} ORDER BY s.as_of, s.id", schema::SELECT_SCANS))
            .map_err(f)?;
        let mut scans: Vec<ScanRecord> = stmt
            .query_map([], |r| {
                let sources: String = r.get(4)?;
                Ok(ScanRecord {
                    meta: ScanMeta {
                        id: r.get(0)?,
                        as_of: r.get(1)?,
                        recorded_at: r.get(2)?,
                        tool_version: r.get(3)?,
                        sources: serde_json::from_str(&sources).unwrap_or_default(),
                        shard: r.get(5)?,
                        paths: r.get(6)?,
                        findings: r.get(7)?,
                    },
                    coverage: Vec::new(),
                    paths: Vec::new(),
                    findings: Vec::new(),
                })
            })
            .map_err(f)?
            .collect::<Result<_, _>>()
            .map_err(f)?;
        let mut stmt = self.conn.prepare(schema::SELECT_COVERAGE).map_err(f)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    CoverageRec {
                        boundary: r.get(1)?,
                        scope: r.get(2)?,
                        status: r.get(3)?,
                        privileged: r.get(4)?,
                        jit: r.get(5)?,
                        time_bound: r.get(6)?,
                        standing: r.get(7)?,
                        unknown: r.get(8)?,
                    },
                ))
            })
            .map_err(f)?;
        for row in rows {
            let (id, c) = row.map_err(f)?;
            if let Some(s) = scans.iter_mut().find(|s| s.meta.id == id) {
                s.coverage.push(c);
            }
        }
        Ok(scans)
    }

    pub fn name(&self) -> &str {
        &self.file
    }

    /// The paths and findings of scan `id`.
    pub fn rows(&mut self, id: i64) -> Result<(Vec<PathRec>, Vec<FindingRec>), HistoryError> {
        let file = self.file.clone();
        let f = |e| fail(&file, e);
        let mut stmt = self.conn.prepare(schema::SELECT_PATHS).map_err(f)?;
        let paths = stmt
            .query_map([id], |r| {
                Ok(PathRec {
                    id: r.get(0)?,
                    boundary: r.get(1)?,
                    scope: r.get(2)?,
                    identity: r.get(3)?,
                    entitlement: r.get(4)?,
                    target: r.get(5)?,
                    privilege: r.get(6)?,
                    enforcement: r.get(7)?,
                    credential_lifetime: r.get(8)?,
                })
            })
            .map_err(f)?
            .collect::<Result<_, _>>()
            .map_err(f)?;
        let mut stmt = self.conn.prepare(schema::SELECT_FINDINGS).map_err(f)?;
        let findings = stmt
            .query_map([id], |r| {
                Ok(FindingRec {
                    id: r.get(0)?,
                    rule_id: r.get(1)?,
                    severity: r.get(2)?,
                    status: r.get(3)?,
                    baseline: r.get(4)?,
                    boundary: r.get(5)?,
                    scope: r.get(6)?,
                    identity: r.get(7)?,
                    revocation: r.get(8)?,
                })
            })
            .map_err(f)?
            .collect::<Result<_, _>>()
            .map_err(f)?;
        Ok((paths, findings))
    }
}

/// SQLite's error, said for a reader: a full disk and a lock held too long are named as such.
fn fail(file: &str, e: rusqlite::Error) -> HistoryError {
    let message = match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => format!("the disk is full ({e}): the scan was not recorded"),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => format!(
            "the database stayed locked by another writer for {} s ({e}): the scan was not recorded",
            wait().as_secs()
        ),
        Some(ErrorCode::NotADatabase) => format!("not a SQLite database ({e})"),
        Some(ErrorCode::ReadOnly) => format!("it cannot be written ({e})"),
        Some(ErrorCode::CannotOpen) => format!("cannot open it ({e})"),
        _ => e.to_string(),
    };
    HistoryError {
        target: file.to_string(),
        message,
    }
}
