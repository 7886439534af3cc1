//! The history's schema, one migration per version, the same for SQLite and PostgreSQL but for
//! the identity column. A history newer than this jitgap is refused, not rewritten.

/// `(version, statements)`, in order. Never edit a released migration: add the next one.
pub(super) const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE jitgap_scans (
        id {id},
        as_of TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        sources TEXT NOT NULL,
        shard TEXT
    );
    CREATE INDEX jitgap_scans_as_of ON jitgap_scans (as_of);
    CREATE TABLE jitgap_coverage (
        scan_id BIGINT NOT NULL REFERENCES jitgap_scans (id) ON DELETE CASCADE,
        boundary TEXT NOT NULL,
        scope TEXT NOT NULL,
        status TEXT NOT NULL,
        privileged BIGINT NOT NULL,
        jit BIGINT NOT NULL,
        time_bound BIGINT NOT NULL,
        standing BIGINT NOT NULL,
        unknown BIGINT NOT NULL,
        PRIMARY KEY (scan_id, boundary, scope)
    );
    CREATE TABLE jitgap_paths (
        scan_id BIGINT NOT NULL REFERENCES jitgap_scans (id) ON DELETE CASCADE,
        path_id TEXT NOT NULL,
        boundary TEXT NOT NULL,
        scope TEXT NOT NULL,
        identity TEXT NOT NULL,
        entitlement TEXT NOT NULL,
        target TEXT NOT NULL,
        privilege TEXT NOT NULL,
        enforcement TEXT NOT NULL,
        credential_lifetime TEXT NOT NULL,
        PRIMARY KEY (scan_id, path_id)
    );
    CREATE TABLE jitgap_findings (
        scan_id BIGINT NOT NULL REFERENCES jitgap_scans (id) ON DELETE CASCADE,
        finding_id TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        baseline TEXT NOT NULL,
        boundary TEXT NOT NULL,
        scope TEXT NOT NULL,
        identity TEXT NOT NULL,
        revocation TEXT NOT NULL,
        PRIMARY KEY (scan_id, finding_id)
    );",
)];

/// The version this jitgap writes.
pub(super) fn current() -> i64 {
    MIGRATIONS.last().map_or(0, |(v, _)| *v)
}

pub(super) const VERSIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS jitgap_schema_migrations (
    version BIGINT PRIMARY KEY,
    applied_at TEXT NOT NULL
)";

/// Migrations after `at`, with `id_column` in place of `{id}`.
pub(super) fn pending(at: i64, id_column: &str) -> Result<Vec<(i64, String)>, String> {
    if at > current() {
        return Err(format!(
            "its schema is version {at}, newer than this jitgap knows ({}): upgrade jitgap to write to it",
            current()
        ));
    }
    Ok(MIGRATIONS
        .iter()
        .filter(|(v, _)| *v > at)
        .map(|(v, sql)| (*v, sql.replace("{id}", id_column)))
        .collect())
}

pub(super) const SELECT_SCANS: &str =
    "SELECT s.id, s.as_of, s.recorded_at, s.tool_version, s.sources, s.shard,
        (SELECT COUNT(*) FROM jitgap_paths p WHERE p.scan_id = s.id),
        (SELECT COUNT(*) FROM jitgap_findings f WHERE f.scan_id = s.id)
    FROM jitgap_scans s";
pub(super) const SELECT_COVERAGE: &str =
    "SELECT scan_id, boundary, scope, status, privileged, jit, time_bound, standing, unknown
    FROM jitgap_coverage ORDER BY scan_id, boundary, scope";
pub(super) const SELECT_PATHS: &str = "SELECT path_id, boundary, scope, identity, entitlement, target, privilege, enforcement, credential_lifetime
    FROM jitgap_paths WHERE scan_id = $1 ORDER BY path_id";
pub(super) const SELECT_FINDINGS: &str =
    "SELECT finding_id, rule_id, severity, status, baseline, boundary, scope, identity, revocation
    FROM jitgap_findings WHERE scan_id = $1 ORDER BY finding_id";

#[cfg(test)]
mod tests {
    #[test]
    fn a_newer_history_is_refused_and_an_older_one_gets_what_it_lacks() {
        assert!(
            super::pending(super::current() + 1, "x")
                .unwrap_err()
                .contains("upgrade jitgap")
        );
        let all = super::pending(0, "INTEGER PRIMARY KEY").unwrap();
        assert_eq!(all.len(), super::MIGRATIONS.len());
        assert!(all[0].1.contains("id INTEGER PRIMARY KEY,") && !all[0].1.contains("{id}"));
        assert!(super::pending(super::current(), "x").unwrap().is_empty());
    }
}
