//! Trends (coverage per boundary over scans) and differences between two scans: new and
//! removed standing paths, coverage deltas, revocations that flipped.

use super::{CoverageRec, FindingRec, PathRec, ScanMeta, ScanRecord};
use crate::report::Counts;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The counts of one boundary (or `overall`) in one scan: the report's own coverage counts.
pub type Share = Counts;

pub(super) fn shares(coverage: &[CoverageRec]) -> (BTreeMap<String, Share>, Share) {
    let mut per = BTreeMap::<String, Share>::new();
    let mut overall = Share::default();
    for c in coverage {
        let counts = c.counts();
        per.entry(c.boundary.clone()).or_default().absorb(&counts);
        overall.absorb(&counts);
    }
    (per, overall)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub scan: i64,
    pub as_of: String,
    pub boundaries: BTreeMap<String, Share>,
    pub overall: Share,
}

/// One point a scan, oldest first. A shard's own report covers only its part of the estate:
/// it is left out (record the merged report for the trend).
pub fn trend(scans: &[ScanRecord]) -> Vec<TrendPoint> {
    scans
        .iter()
        .filter(|s| s.meta.shard.is_none())
        .map(|s| {
            let (boundaries, overall) = shares(&s.coverage);
            TrendPoint {
                scan: s.meta.id,
                as_of: s.meta.as_of.clone(),
                boundaries,
                overall,
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageDelta {
    /// A boundary, or `overall`.
    pub boundary: String,
    pub before: Share,
    pub after: Share,
    /// Percentage points, when both sides have privileged paths.
    pub delta_points: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevocationFlip {
    pub finding: String,
    pub rule_id: String,
    pub identity: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub before: ScanMeta,
    pub after: ScanMeta,
    pub coverage: Vec<CoverageDelta>,
    /// Privileged standing (or unknown) paths in `after` that were not so in `before`.
    pub new_standing: Vec<PathRec>,
    /// Privileged standing (or unknown) paths of `before` that are gone or now JIT/time-bound.
    pub removed_standing: Vec<PathRec>,
    /// Findings of both scans whose revocation verdict changed, and new findings with one.
    pub revocations_flipped: Vec<RevocationFlip>,
    pub new_findings: usize,
    pub fixed_findings: usize,
}

/// What the gate's `new-standing` counts: a privileged path that is standing, or whose
/// privilege or enforcement is unknown (GEN001, GEN002, GEN004). Unknown is never a pass.
fn standing(p: &PathRec) -> bool {
    p.privilege != "read"
        && (p.enforcement == "standing" || p.enforcement == "unknown" || p.privilege == "unknown")
}

pub fn diff(before: &ScanRecord, after: &ScanRecord) -> Diff {
    let (b_per, b_all) = shares(&before.coverage);
    let (a_per, a_all) = shares(&after.coverage);
    let mut names: Vec<&String> = b_per.keys().chain(a_per.keys()).collect();
    names.sort();
    names.dedup();
    let delta = |name: &str, b: Share, a: Share| CoverageDelta {
        boundary: name.to_string(),
        delta_points: match (b.coverage_percent, a.coverage_percent) {
            (Some(x), Some(y)) => Some(((y - x) * 10.0).round() / 10.0),
            _ => None,
        },
        before: b,
        after: a,
    };
    let mut coverage: Vec<CoverageDelta> = names
        .iter()
        .map(|n| {
            delta(
                n,
                b_per.get(*n).copied().unwrap_or_default(),
                a_per.get(*n).copied().unwrap_or_default(),
            )
        })
        .collect();
    coverage.push(delta("overall", b_all, a_all));

    let standing_in = |s: &ScanRecord| -> HashMap<String, PathRec> {
        s.paths
            .iter()
            .filter(|p| standing(p))
            .map(|p| (p.id.clone(), p.clone()))
            .collect()
    };
    let (b_standing, a_standing) = (standing_in(before), standing_in(after));
    let mut new_standing: Vec<PathRec> = a_standing
        .values()
        .filter(|p| !b_standing.contains_key(&p.id))
        .cloned()
        .collect();
    let mut removed_standing: Vec<PathRec> = b_standing
        .values()
        .filter(|p| !a_standing.contains_key(&p.id))
        .cloned()
        .collect();
    let order = |x: &PathRec, y: &PathRec| {
        (&x.boundary, &x.scope, &x.identity, &x.entitlement, &x.id).cmp(&(
            &y.boundary,
            &y.scope,
            &y.identity,
            &y.entitlement,
            &y.id,
        ))
    };
    new_standing.sort_by(order);
    removed_standing.sort_by(order);

    let b_findings: HashMap<&str, &FindingRec> =
        before.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    let a_ids: std::collections::HashSet<&str> =
        after.findings.iter().map(|f| f.id.as_str()).collect();
    let mut revocations_flipped: Vec<RevocationFlip> = after
        .findings
        .iter()
        .filter_map(|f| {
            let was = b_findings.get(f.id.as_str()).map(|b| b.revocation.as_str());
            let changed = match was {
                Some(w) => w != f.revocation,
                None => !f.revocation.is_empty(),
            };
            changed.then(|| RevocationFlip {
                finding: f.id.clone(),
                rule_id: f.rule_id.clone(),
                identity: f.identity.clone(),
                before: was.unwrap_or("").to_string(),
                after: f.revocation.clone(),
            })
        })
        .collect();
    revocations_flipped.sort_by(|x, y| (&x.rule_id, &x.finding).cmp(&(&y.rule_id, &y.finding)));
    Diff {
        before: before.meta.clone(),
        after: after.meta.clone(),
        coverage,
        new_standing,
        removed_standing,
        revocations_flipped,
        new_findings: after
            .findings
            .iter()
            .filter(|f| !b_findings.contains_key(f.id.as_str()))
            .count(),
        fixed_findings: before
            .findings
            .iter()
            .filter(|f| !a_ids.contains(f.id.as_str()))
            .count(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PathRec, ScanMeta, ScanRecord};

    fn scan(paths: &[(&str, &str, &str)]) -> ScanRecord {
        ScanRecord {
            meta: ScanMeta {
                id: 0,
                as_of: String::new(),
                recorded_at: String::new(),
                tool_version: String::new(),
                sources: Vec::new(),
                shard: None,
                paths: paths.len() as i64,
                findings: 0,
            },
            coverage: Vec::new(),
            paths: paths
                .iter()
                .map(|(id, privilege, enforcement)| PathRec {
                    id: id.to_string(),
                    boundary: "aws".into(),
                    scope: "1".into(),
                    identity: id.to_string(),
                    entitlement: String::new(),
                    target: String::new(),
                    privilege: privilege.to_string(),
                    enforcement: enforcement.to_string(),
                    credential_lifetime: String::new(),
                })
                .collect(),
            findings: Vec::new(),
        }
    }

    #[test]
    fn a_new_path_of_unknown_enforcement_or_privilege_is_new_standing_as_the_gate_counts_it() {
        let after = scan(&[
            ("standing", "admin", "standing"),
            ("unknown-enforcement", "write", "unknown"),
            ("unknown-privilege", "unknown", "jit"),
            ("jit", "admin", "jit"),
            ("time-bound", "admin", "time-bound"),
            ("read", "read", "standing"),
        ]);
        let d = super::diff(&scan(&[]), &after);
        let new: Vec<&str> = d.new_standing.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            new,
            ["standing", "unknown-enforcement", "unknown-privilege"]
        );
        let back = super::diff(&after, &scan(&[]));
        assert_eq!(back.removed_standing.len(), 3);
    }
}
