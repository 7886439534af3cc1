//! Coverage: the share of privileged access paths that are JIT, per scope, boundary and overall.
//! `unknown` stays in the denominator; `time-bound` counts as standing (JIT in name only).

use crate::model::{AccessPath, Boundary, Enforcement};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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

    /// Adds `other`'s paths to these (a scope's to its boundary's total, say).
    pub fn absorb(&mut self, other: &Counts) {
        self.privileged_paths += other.privileged_paths;
        self.jit += other.jit;
        self.time_bound += other.time_bound;
        self.standing += other.standing;
        self.unknown += other.unknown;
        self.read_paths += other.read_paths;
        self.finish();
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
    /// Boundaries and scopes keep the order of `scopes` (the registry's); any other scope a
    /// path names follows, in name order.
    pub fn compute(paths: &[AccessPath], scopes: &[(Boundary, String)]) -> Coverage {
        let mut per_scope = Ordered::default();
        let mut per_boundary = Ordered::default();
        for (b, s) in scopes {
            per_scope.slot((*b, s.as_str()));
            per_boundary.slot(*b);
        }
        let mut extra: Vec<&AccessPath> = paths
            .iter()
            .filter(|p| !per_scope.has(&(p.boundary, p.scope.as_str())))
            .collect();
        extra.sort_by(|a, b| (a.boundary, &a.scope).cmp(&(b.boundary, &b.scope)));
        for p in extra {
            per_scope.slot((p.boundary, p.scope.as_str()));
            per_boundary.slot(p.boundary);
        }
        let mut overall = Counts::default();
        for p in paths {
            per_scope.slot((p.boundary, p.scope.as_str())).add(p);
            per_boundary.slot(p.boundary).add(p);
            overall.add(p);
        }
        overall.finish();
        let boundaries = per_boundary
            .items
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
            .items
            .into_iter()
            .map(|((boundary, scope), mut counts)| {
                counts.finish();
                ScopeCoverage {
                    boundary,
                    scope: scope.to_string(),
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

/// Counts in first-seen order, found by key (borrowed from the paths: no copy per path).
struct Ordered<K> {
    items: Vec<(K, Counts)>,
    index: HashMap<K, usize>,
}

impl<K> Default for Ordered<K> {
    fn default() -> Self {
        Ordered {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Copy> Ordered<K> {
    fn has(&self, k: &K) -> bool {
        self.index.contains_key(k)
    }

    fn slot(&mut self, k: K) -> &mut Counts {
        let n = match self.index.get(&k) {
            Some(n) => *n,
            None => {
                self.items.push((k, Counts::default()));
                self.index.insert(k, self.items.len() - 1);
                self.items.len() - 1
            }
        };
        &mut self.items[n].1
    }
}
