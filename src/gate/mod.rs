//! The CI gate (design.md §9): baseline diff, waivers, exit policy.

mod baseline;
mod waivers;

pub use baseline::{Baseline, BaselineEntry, BaselineError};
pub use waivers::{Waiver, WaiverError, WaiverFile};

use crate::model::Revocation;
use crate::report::{FailOn, GateSummary, Report};
use crate::rules::RuleSet;
/// Mark findings new/unchanged and suppressed, then decide. Pure.
pub fn apply(
    report: &mut Report,
    rules: &RuleSet,
    baseline: Option<(&str, &Baseline)>,
    waivers: Option<&WaiverFile>,
    fail_on: &[FailOn],
) {
    if let Some(w) = waivers {
        report.waivers = w.apply(&mut report.findings, report.generated_at);
    }
    let mut summary = GateSummary {
        baseline: baseline.map(|(p, _)| p.to_string()),
        fail_on: fail_on.to_vec(),
        new: 0,
        unchanged: 0,
        fixed: 0,
        suppressed: 0,
        expired_waivers: report
            .waivers
            .iter()
            .filter(|w| w.status == "expired")
            .count(),
        failed: false,
        reasons: Vec::new(),
    };
    for f in report.findings.iter_mut() {
        let known = baseline.is_some_and(|(_, b)| b.contains(&f.id));
        f.baseline = Some(if known {
            arcstr::literal!("unchanged")
        } else {
            arcstr::literal!("new")
        });
        if known {
            summary.unchanged += 1
        } else {
            summary.new += 1
        }
        if f.is_suppressed() {
            summary.suppressed += 1;
        }
    }
    if let Some((_, b)) = baseline {
        // A set of this scan's ids: both lists run to hundreds of thousands at scale.
        let current: crate::hash::Set<&str> =
            report.findings.iter().map(|f| f.id.as_str()).collect();
        summary.fixed = b
            .findings
            .iter()
            .filter(|e| !current.contains(e.id.as_str()))
            .count();
    }
    for rule in fail_on {
        let hits: Vec<&crate::finding::Finding> = report
            .active_findings()
            .filter(|f| match rule {
                FailOn::NewStanding => {
                    f.baseline.as_deref() == Some("new")
                        && rules
                            .check(&f.rule_id)
                            .is_some_and(|c| c.counts_as("standing"))
                }
                FailOn::NotEffective => f.revocation == Some(Revocation::NotEffective),
                FailOn::New => f.baseline.as_deref() == Some("new"),
                FailOn::Any => true,
            })
            .collect();
        if !hits.is_empty() {
            let sample: Vec<String> = hits
                .iter()
                .take(3)
                .map(|f| {
                    format!(
                        "{} {} ({})",
                        f.rule_id,
                        report.identity_name(&f.identity),
                        f.id
                    )
                })
                .collect();
            summary.reasons.push(format!(
                "--fail-on {rule}: {} finding(s), e.g. {}{}",
                hits.len(),
                sample.join(", "),
                if hits.len() > 3 { ", …" } else { "" }
            ));
        }
    }
    if fail_on.contains(&FailOn::NotEffective) {
        let accepted: Vec<String> = report
            .probes
            .iter()
            .filter(|p| p.verdict == Revocation::NotEffective)
            .map(|p| format!("{} {}", p.kind, p.id))
            .collect();
        if !accepted.is_empty() {
            summary.reasons.push(format!(
                "--fail-on not-effective: {} probed credential(s) still accepted: {}",
                accepted.len(),
                accepted.join(", ")
            ));
        }
    }
    summary.failed = !summary.reasons.is_empty();
    report.gate = Some(summary);
}
