//! What the human-readable renderers say, as plain data: sorted and filtered rows, the coverage
//! table, the scope, ledger, gate and waiver lines, and the counts. Table, Markdown (and HTML)
//! only lay these out, so every format says the same thing from the same place.

use super::{Counts, GateSummary, LedgerSummary, Report, WaiverStatus};
use crate::finding::Finding;
use crate::model::{AccessPath, Boundary, CredentialLifetime, Enforcement, Privilege, ScopeState};
use crate::rules::{Check, RuleSet};
use std::collections::BTreeSet;

/// The run a report describes: tool version, verdict time and the policy limits in force.
pub(crate) struct Header<'a> {
    pub(crate) version: &'a str,
    /// RFC 3339, whole seconds, UTC.
    pub(crate) as_of: String,
    /// Policy values as given, `-` when unset.
    pub(crate) max_jit_window: &'a str,
    pub(crate) max_credential_age: &'a str,
    pub(crate) stale_after: &'a str,
}

pub(crate) fn header(r: &Report) -> Header<'_> {
    Header {
        version: &r.tool.version,
        as_of: r
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        max_jit_window: r.policy.max_jit_window.as_deref().unwrap_or("-"),
        max_credential_age: r.policy.max_credential_age.as_deref().unwrap_or("-"),
        stale_after: r.policy.stale_after.as_deref().unwrap_or("-"),
    }
}

/// Which total a coverage row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoverageLevel {
    Scope,
    /// All scopes of one boundary; listed only when the report spans several boundaries.
    Boundary,
    Overall,
}

/// Headers of [`CoverageRow::counts`], in order.
pub(crate) const COUNT_COLUMNS: [&str; 5] =
    ["privileged", "jit", "time-bound", "standing", "unknown"];

pub(crate) struct CoverageRow<'a> {
    pub(crate) level: CoverageLevel,
    /// The boundary, or `overall`.
    pub(crate) boundary: &'a str,
    /// The scope, `(all scopes)` for a boundary total, empty for the overall row.
    pub(crate) scope: &'a str,
    /// The scope's read status (`complete`, `partial`, `failed`); empty for totals.
    pub(crate) status: &'a str,
    /// Privileged, jit, time-bound, standing and unknown paths ([`COUNT_COLUMNS`]).
    pub(crate) counts: [usize; 5],
    /// `42.9%` or `n/a`.
    pub(crate) percent: String,
}

fn coverage_row<'a>(
    level: CoverageLevel,
    boundary: &'a str,
    scope: &'a str,
    status: &'a str,
    c: &Counts,
) -> CoverageRow<'a> {
    CoverageRow {
        level,
        boundary,
        scope,
        status,
        counts: [
            c.privileged_paths,
            c.jit,
            c.time_bound,
            c.standing,
            c.unknown,
        ],
        percent: c.percent_text(),
    }
}

/// Every scope, then each boundary's total (when there are several boundaries), then overall.
pub(crate) fn coverage_rows(r: &Report) -> Vec<CoverageRow<'_>> {
    let mut rows: Vec<CoverageRow> = r
        .coverage
        .scopes
        .iter()
        .map(|s| {
            let status = r
                .scopes
                .iter()
                .find(|x| x.boundary == s.boundary && x.scope == s.scope)
                .map(|x| x.status.as_str())
                .unwrap_or("");
            coverage_row(
                CoverageLevel::Scope,
                s.boundary.as_str(),
                &s.scope,
                status,
                &s.counts,
            )
        })
        .collect();
    if r.coverage.boundaries.len() > 1 {
        rows.extend(r.coverage.boundaries.iter().map(|b| {
            coverage_row(
                CoverageLevel::Boundary,
                b.boundary.as_str(),
                "(all scopes)",
                "",
                &b.counts,
            )
        }));
    }
    rows.push(coverage_row(
        CoverageLevel::Overall,
        "overall",
        "",
        "",
        &r.coverage.overall,
    ));
    rows
}

/// One scope and how it was read.
pub(crate) struct ScopeRow<'a> {
    pub(crate) boundary: Boundary,
    pub(crate) scope: &'a str,
    pub(crate) status: ScopeState,
    /// The scope's errors joined with `; `.
    pub(crate) errors: String,
    /// How the scope's connection was secured, when it was read over one.
    pub(crate) connection: Option<String>,
}

pub(crate) fn scope_rows(r: &Report) -> Vec<ScopeRow<'_>> {
    r.scopes
        .iter()
        .map(|s| ScopeRow {
            boundary: s.boundary,
            scope: &s.scope,
            status: s.status,
            errors: s.errors.join("; "),
            connection: s.connection.as_ref().map(|c| c.summary()),
        })
        .collect()
}

/// One error of a scope that was not read completely.
pub(crate) struct ScopeProblem<'a> {
    pub(crate) boundary: Boundary,
    pub(crate) scope: &'a str,
    pub(crate) status: ScopeState,
    pub(crate) error: &'a str,
}

pub(crate) fn scope_problems(r: &Report) -> Vec<ScopeProblem<'_>> {
    r.incomplete_scopes()
        .flat_map(|s| {
            s.errors.iter().map(|e| ScopeProblem {
                boundary: s.boundary,
                scope: &s.scope,
                status: s.status,
                error: e,
            })
        })
        .collect()
}

/// The ledger section, when a ledger was given.
pub(crate) struct LedgerView<'a> {
    pub(crate) sources: &'a [String],
    /// `8 grant(s) (3 active, 5 ended), 8 reconciled — zombies 2, …, revocations verified 1`.
    pub(crate) line: String,
    /// The same numbers as labelled columns, in the order of the line.
    pub(crate) columns: [(&'static str, usize); 9],
}

pub(crate) fn ledger(r: &Report) -> Option<LedgerView<'_>> {
    r.ledger.as_ref().map(|l| LedgerView {
        sources: &l.sources,
        line: ledger_line(l),
        columns: [
            ("grants", l.grants),
            ("active", l.active),
            ("ended", l.ended),
            ("reconciled", l.reconciled),
            ("zombies", l.zombies),
            ("orphans", l.orphans),
            ("stretched", l.stretched),
            ("untraceable", l.untraceable),
            ("revocations verified", l.revocations_verified),
        ],
    })
}

fn ledger_line(l: &LedgerSummary) -> String {
    format!(
        "{} grant(s) ({} active, {} ended), {} reconciled — zombies {}, orphans {}, stretched {}, untraceable {}, revocations verified {}",
        l.grants,
        l.active,
        l.ended,
        l.reconciled,
        l.zombies,
        l.orphans,
        l.stretched,
        l.untraceable,
        l.revocations_verified
    )
}

/// The gate section: shown when the run had a `--fail-on` or a baseline.
pub(crate) struct GateView<'a> {
    pub(crate) failed: bool,
    /// New, unchanged, fixed and suppressed findings, labelled.
    pub(crate) tally: [(&'static str, usize); 4],
    pub(crate) expired_waivers: usize,
    pub(crate) reasons: &'a [String],
}

pub(crate) fn gate(r: &Report) -> Option<GateView<'_>> {
    let g: &GateSummary = r.gate.as_ref()?;
    (!g.fail_on.is_empty() || g.baseline.is_some()).then_some(GateView {
        failed: g.failed,
        tally: [
            ("new", g.new),
            ("unchanged", g.unchanged),
            ("fixed", g.fixed),
            ("suppressed", g.suppressed),
        ],
        expired_waivers: g.expired_waivers,
        reasons: &g.reasons,
    })
}

/// Waivers that need attention: expired, or matching nothing.
pub(crate) fn waiver_notices(r: &Report) -> impl Iterator<Item = &WaiverStatus> {
    r.waivers.iter().filter(|w| w.status != "active")
}

/// Which findings a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Include {
    /// Findings no waiver or config ignore suppresses.
    Active,
    /// Every finding, suppressed ones marked.
    All,
}

pub(crate) struct FindingRow<'a> {
    pub(crate) finding: &'a Finding,
    /// The identity's display name (its id when the report does not name it).
    pub(crate) identity: &'a str,
    /// The revocation verdict, empty when none applies.
    pub(crate) revocation: &'static str,
    /// `new` or `unchanged` relative to the baseline, empty without one.
    pub(crate) baseline: &'a str,
    pub(crate) suppressed: bool,
}

pub(crate) struct FindingsView<'a> {
    /// Most severe first, then by rule id, then by fingerprint.
    pub(crate) rows: Vec<FindingRow<'a>>,
    /// Counted over all findings, whatever the list holds.
    pub(crate) active: usize,
    pub(crate) suppressed: usize,
    /// The run compared against a baseline, so rows carry `new` / `unchanged`.
    pub(crate) with_baseline: bool,
}

pub(crate) fn findings(r: &Report, include: Include) -> FindingsView<'_> {
    let mut listed: Vec<&Finding> = match include {
        Include::Active => r.active_findings().collect(),
        Include::All => r.findings.iter().collect(),
    };
    // A report lists its findings by rule and fingerprint already: then a stable sort by
    // severity alone gives the order (a report written by hand gets the whole sort).
    let by_rule = |a: &&Finding, b: &&Finding| (&a.rule_id, &a.id).cmp(&(&b.rule_id, &b.id));
    if listed.is_sorted_by(|a, b| by_rule(a, b).is_le()) {
        listed.sort_by_key(|f| std::cmp::Reverse(f.severity));
    } else {
        listed.sort_by(|a, b| b.severity.cmp(&a.severity).then(by_rule(a, b)));
    }
    let active = r.active_findings().count();
    FindingsView {
        rows: listed
            .into_iter()
            .map(|f| FindingRow {
                finding: f,
                identity: r.identity_name(&f.identity),
                revocation: f.revocation.map(|x| x.as_str()).unwrap_or(""),
                baseline: f.baseline.as_deref().unwrap_or(""),
                suppressed: f.is_suppressed(),
            })
            .collect(),
        active,
        suppressed: r.findings.len() - active,
        with_baseline: r.gate.as_ref().is_some_and(|g| g.baseline.is_some()),
    }
}

/// One privileged access path (admin, write or unknown privilege).
pub(crate) struct PathRow<'a> {
    pub(crate) path: &'a AccessPath,
    /// The identity's display name.
    pub(crate) identity: &'a str,
    pub(crate) entitlement: &'a str,
    pub(crate) privilege: Privilege,
    pub(crate) enforcement: Enforcement,
    pub(crate) credential: CredentialLifetime,
    /// The rule that decided the enforcement verdict, and why.
    pub(crate) rule: &'a str,
    pub(crate) reason: &'a str,
}

/// Privileged access paths, in report order.
pub(crate) fn privileged_paths(r: &Report) -> Vec<PathRow<'_>> {
    r.access_paths
        .iter()
        .filter(|p| p.privilege.is_privileged())
        .map(|p| PathRow {
            path: p,
            identity: r.identity_name(&p.identity),
            entitlement: &p.entitlement,
            privilege: p.privilege,
            enforcement: p.enforcement,
            credential: p.credential_lifetime,
            rule: &p.basis.enforcement.rule,
            reason: &p.basis.enforcement.reason,
        })
        .collect()
}

/// Checks with at least one finding (suppressed or not), in catalogue order: SARIF's
/// `ruleIndex` points into this list.
pub(crate) fn fired_checks<'a>(r: &Report, rules: &'a RuleSet) -> Vec<&'a Check> {
    let fired: BTreeSet<&str> = r.findings.iter().map(|f| f.rule_id.as_str()).collect();
    rules
        .checks
        .iter()
        .filter(|c| fired.contains(c.id.as_str()))
        .collect()
}

/// [`fired_checks`] sorted by id, as a reader looks them up.
pub(crate) fn fired_checks_by_id<'a>(r: &Report, rules: &'a RuleSet) -> Vec<&'a Check> {
    let mut checks = fired_checks(r, rules);
    checks.sort_by(|a, b| a.id.cmp(&b.id));
    checks
}

#[cfg(test)]
mod tests;
