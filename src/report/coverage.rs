//! Coverage: the share of privileged access paths that are JIT, per scope, boundary and overall.
//! `unknown` stays in the denominator; `time-bound` counts as standing (JIT in name only).

use crate::model::{AccessPath, Boundary, Enforcement};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Paths that are admin, write or of unknown privilege.
    pub privileged_paths: usize,
    pub jit: usize,
    pub time_bound: usize,
    pub standing: usize,
    pub unknown: usize,
    /// Read-only paths: listed, not in the denominator.
    pub read_paths: usize,
    /// `jit / privileged_paths` in percent, one decimal; absent when nothing is privileged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage_percent: Option<f64>,
}

impl Counts {
    fn add(&mut self, p: &AccessPath) {
        if !p.privilege.is_privileged() {
            self.read_paths += 1;
            return;
        }
        self.privileged_paths += 1;
        match p.enforcement {
            Enforcement::Jit => self.jit += 1,
            Enforcement::TimeBound => self.time_bound += 1,
            Enforcement::Standing => self.standing += 1,
            Enforcement::Unknown => self.unknown += 1,
        }
    }

    fn finish(&mut self) {
        self.coverage_percent = (self.privileged_paths > 0)
            .then(|| (self.jit as f64 * 1000.0 / self.privileged_paths as f64).round() / 10.0);
    }

    /// `42.9%` or `n/a`.
    pub fn percent_text(&self) -> String {
        self.coverage_percent
            .map(|p| format!("{p:.1}%"))
            .unwrap_or_else(|| "n/a".into())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeCoverage {
    pub boundary: Boundary,
    /// The scope, or `*` for a boundary total.
    pub scope: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    pub overall: Counts,
    pub boundaries: Vec<ScopeCoverage>,
    pub scopes: Vec<ScopeCoverage>,
}

impl Coverage {
    /// Scopes listed in `scopes` appear even when they hold no path (a failed scope shows 0 of 0).
    pub fn compute(paths: &[AccessPath], scopes: &[(Boundary, String)]) -> Coverage {
        let mut per_scope: BTreeMap<(Boundary, String), Counts> = scopes
            .iter()
            .map(|(b, s)| ((*b, s.clone()), Counts::default()))
            .collect();
        let mut per_boundary: BTreeMap<Boundary, Counts> = scopes
            .iter()
            .map(|(b, _)| (*b, Counts::default()))
            .collect();
        let mut overall = Counts::default();
        for p in paths {
            per_scope
                .entry((p.boundary, p.scope.clone()))
                .or_default()
                .add(p);
            per_boundary.entry(p.boundary).or_default().add(p);
            overall.add(p);
        }
        overall.finish();
        let boundaries = per_boundary
            .into_iter()
            .map(|(boundary, mut counts)| {
                counts.finish();
                ScopeCoverage {
                    boundary,
                    scope: "*".into(),
                    counts,
                }
            })
            .collect();
        let scopes = per_scope
            .into_iter()
            .map(|((boundary, scope), mut counts)| {
                counts.finish();
                ScopeCoverage {
                    boundary,
                    scope,
                    counts,
                }
            })
            .collect();
        Coverage {
            overall,
            boundaries,
            scopes,
        }
    }
}
