use super::*;
use crate::finding::Suppression;
use crate::model::{ScopeStatus, Severity};
use crate::report::{FailOn, WaiverMatch};

/// The demo estate's report, as committed under `reports/demo/`.
fn demo() -> Report {
    serde_json::from_str(include_str!("../../../reports/demo/jitgap-report.json"))
        .expect("the demo report parses")
}

/// The demo report with its findings replaced by copies of one, given severity, rule and id.
fn with_findings(specs: &[(Severity, &str, &str)]) -> Report {
    let mut r = demo();
    let template = r.findings[0].clone();
    r.findings = specs
        .iter()
        .map(|(severity, rule, id)| {
            let mut f = template.clone();
            f.severity = *severity;
            f.rule_id = (*rule).into();
            f.id = (*id).into();
            f
        })
        .collect();
    r
}

fn ids(v: &FindingsView) -> Vec<String> {
    v.rows.iter().map(|row| row.finding.id.clone()).collect()
}

#[test]
fn findings_sort_by_severity_then_rule_then_fingerprint() {
    let r = with_findings(&[
        (Severity::Low, "AWS001", "f1"),
        (Severity::High, "PG001", "f2"),
        (Severity::High, "AWS002", "f3"),
        (Severity::Critical, "MY001", "f4"),
        (Severity::High, "AWS002", "f0"),
    ]);
    assert_eq!(
        ids(&findings(&r, Include::All)),
        ["f4", "f0", "f3", "f2", "f1"]
    );
}

#[test]
fn active_list_leaves_suppressed_findings_out_but_counts_them() {
    let mut r = with_findings(&[
        (Severity::High, "AWS001", "a"),
        (Severity::High, "AWS001", "b"),
        (Severity::Low, "AWS001", "c"),
    ]);
    r.findings[1].suppressed = Some(Box::new(Suppression {
        by: "waiver".into(),
        owner: "secops".into(),
        reason: "migration".into(),
        ticket: String::new(),
        expires: None,
    }));
    let active = findings(&r, Include::Active);
    assert_eq!(ids(&active), ["a", "c"]);
    assert_eq!((active.active, active.suppressed), (2, 1));
    let all = findings(&r, Include::All);
    assert_eq!(ids(&all), ["a", "b", "c"]);
    assert_eq!(
        all.rows.iter().map(|x| x.suppressed).collect::<Vec<_>>(),
        [false, true, false]
    );
    assert_eq!((all.active, all.suppressed), (2, 1));
}

#[test]
fn finding_rows_name_the_identity_and_show_baseline_only_with_one() {
    let mut r = demo();
    let row_of = |r: &Report| {
        let v = findings(r, Include::All);
        let row = &v.rows[0];
        (row.identity.to_string(), v.with_baseline)
    };
    let (name, with_baseline) = row_of(&r);
    let f = findings(&r, Include::All).rows[0].finding.clone();
    assert_eq!(name, r.identity_name(&f.identity));
    assert!(!with_baseline, "the demo gate has no baseline");
    r.gate.as_mut().unwrap().baseline = Some("base.json".into());
    assert!(row_of(&r).1);
}

#[test]
fn identity_names_are_found_by_id_and_a_missing_id_is_its_own_name() {
    let r = demo();
    assert!(r.identities.len() > 3);
    assert!(
        r.identities
            .iter()
            .any(|i| i.name.as_str() != i.id.as_str())
    );
    // The binary search rests on this order.
    assert!(
        r.identities
            .is_sorted_by(|a, b| a.id.as_str() <= b.id.as_str())
    );
    for i in &r.identities {
        assert_eq!(r.identity_name(&i.id), i.name.as_str(), "{}", i.id);
    }
    for missing in ["", "arn:aws:iam::000000000000:role/none", "~after-every-id"] {
        assert_eq!(r.identity_name(missing), missing);
    }
}

#[test]
fn ledger_line_and_columns_say_the_same_numbers() {
    let mut r = demo();
    r.ledger = Some(LedgerSummary {
        sources: vec!["a.jsonl".into(), "b.jsonl".into()],
        grants: 9,
        active: 4,
        ended: 5,
        reconciled: 8,
        zombies: 2,
        orphans: 14,
        stretched: 1,
        untraceable: 3,
        revocations_verified: 6,
    });
    let l = ledger(&r).expect("a ledger was given");
    assert_eq!(
        l.line,
        "9 grant(s) (4 active, 5 ended), 8 reconciled — zombies 2, orphans 14, stretched 1, untraceable 3, revocations verified 6"
    );
    assert_eq!(l.sources, ["a.jsonl", "b.jsonl"]);
    assert_eq!(
        l.columns,
        [
            ("grants", 9),
            ("active", 4),
            ("ended", 5),
            ("reconciled", 8),
            ("zombies", 2),
            ("orphans", 14),
            ("stretched", 1),
            ("untraceable", 3),
            ("revocations verified", 6),
        ]
    );
    r.ledger = None;
    assert!(ledger(&r).is_none());
}

#[test]
fn gate_shows_only_with_a_fail_on_or_a_baseline() {
    let mut r = demo();
    assert!(gate(&r).is_none(), "the demo ran without --fail-on");
    let g = r.gate.as_mut().unwrap();
    g.fail_on = vec![FailOn::NewStanding];
    g.failed = true;
    g.expired_waivers = 1;
    g.reasons = vec!["--fail-on new-standing: 2 finding(s)".into()];
    let v = gate(&r).expect("shown with --fail-on");
    assert!(v.failed);
    // Without a baseline every finding of the demo is new.
    let all = r.findings.len();
    assert!(all > 0);
    assert_eq!(
        v.tally,
        [
            ("new", all),
            ("unchanged", 0),
            ("fixed", 0),
            ("suppressed", 0)
        ]
    );
    assert_eq!(v.expired_waivers, 1);
    assert_eq!(v.reasons.len(), 1);
    r.gate = None;
    assert!(gate(&r).is_none());
}

#[test]
fn coverage_rows_list_scopes_then_boundary_totals_then_overall() {
    let mut r = demo();
    let rows = coverage_rows(&r);
    let levels: Vec<CoverageLevel> = rows.iter().map(|x| x.level).collect();
    let scopes = r.coverage.scopes.len();
    let boundaries = r.coverage.boundaries.len();
    assert!(boundaries > 1, "the demo spans several boundaries");
    assert!(levels[..scopes].iter().all(|l| *l == CoverageLevel::Scope));
    assert!(
        levels[scopes..scopes + boundaries]
            .iter()
            .all(|l| *l == CoverageLevel::Boundary)
    );
    assert_eq!(levels[scopes + boundaries..], [CoverageLevel::Overall]);
    let first = &rows[0];
    let c = &r.coverage.scopes[0].counts;
    assert_eq!(
        first.counts,
        [
            c.privileged_paths,
            c.jit,
            c.time_bound,
            c.standing,
            c.unknown
        ]
    );
    assert_eq!(first.percent, c.percent_text());
    assert_eq!(first.status, "complete");
    assert_eq!(rows[scopes].scope, "(all scopes)");
    let last = rows.last().unwrap();
    assert_eq!(
        (last.boundary, last.scope, last.status),
        ("overall", "", "")
    );

    r.coverage.boundaries.truncate(1);
    assert!(
        coverage_rows(&r)
            .iter()
            .all(|x| x.level != CoverageLevel::Boundary),
        "one boundary needs no boundary total"
    );
}

#[test]
fn scope_problems_list_each_error_of_incomplete_scopes() {
    let mut r = demo();
    assert!(scope_problems(&r).is_empty());
    r.scopes.push(ScopeStatus {
        boundary: Boundary::new("postgres"),
        scope: "db2".into(),
        status: ScopeState::Partial,
        errors: vec!["no access to pg_authid".into(), "timeout".into()],
        sources: Vec::new(),
        connection: None,
        notes: Vec::new(),
    });
    r.scopes[0].errors = vec!["ignored: the scope is complete".into()];
    let p = scope_problems(&r);
    assert_eq!(
        p.iter().map(|x| x.error).collect::<Vec<_>>(),
        ["no access to pg_authid", "timeout"]
    );
    assert!(
        p.iter()
            .all(|x| x.scope == "db2" && x.status == ScopeState::Partial)
    );
    let rows = scope_rows(&r);
    assert_eq!(rows.len(), r.scopes.len());
    assert_eq!(
        rows.last().unwrap().errors,
        "no access to pg_authid; timeout"
    );
}

#[test]
fn waiver_notices_skip_active_waivers() {
    let mut r = demo();
    let waiver = |index, status: &str| WaiverStatus {
        file: "w.toml".into(),
        index,
        matcher: WaiverMatch::default(),
        owner: "secops".into(),
        reason: "r".into(),
        ticket: String::new(),
        expires: "2026-01-31".into(),
        status: status.into(),
        matched: 0,
    };
    r.waivers = vec![
        waiver(1, "active"),
        waiver(2, "expired"),
        waiver(3, "unused"),
    ];
    let shown: Vec<usize> = waiver_notices(&r).map(|w| w.index).collect();
    assert_eq!(shown, [2, 3]);
}

#[test]
fn privileged_paths_leave_read_paths_out() {
    let r = demo();
    let rows = privileged_paths(&r);
    assert_eq!(rows.len(), r.coverage.overall.privileged_paths);
    assert!(rows.iter().all(|p| p.privilege.is_privileged()));
}

#[test]
fn fired_checks_keep_catalogue_order_or_sort_by_id() {
    let mut rules = crate::scan::registry::embedded_rules().expect("embedded rules load");
    let r = with_findings(&[
        (Severity::High, "PG001", "a"),
        (Severity::High, "AWS001", "b"),
        (Severity::High, "PG001", "c"),
    ]);
    // Put PG001 ahead of AWS001 in the catalogue, as a `--rules` directory may.
    let pg = rules.checks.iter().position(|c| c.id == "PG001").unwrap();
    let pg001 = rules.checks.remove(pg);
    rules.checks.insert(0, pg001);
    let ids = |v: Vec<&Check>| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(fired_checks(&r, &rules)), ["PG001", "AWS001"]);
    assert_eq!(ids(fired_checks_by_id(&r, &rules)), ["AWS001", "PG001"]);
}
