//! The one way in for a boundary: a [`Scanner`] owns everything about it (flags, config
//! section, rules file, snapshot documents, read-only operations, signals, live collection,
//! normalization, residual access after a revocation). The commands, the checks, the report
//! and the gate only ever see scanners through [`super::registry::Registry`].

use super::Doc;
use crate::model::{AccessPath, Boundary, Evidence, Identity, Inventory};
use crate::policy::Policy;
use crate::rules::RuleSet;
use chrono::{DateTime, Utc};
use std::any::Any;
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where raw documents came from: a bad file is bad input (exit 2), a failed call is an
/// incomplete scan (exit 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    File,
    Live,
}

/// One document a scope can be read from (`aws/<account>/authorization-details.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentSpec {
    /// The file name inside `<boundary>/<scope>/`.
    pub name: &'static str,
    /// A scope without its required documents is bad input; optional ones only make the
    /// verdicts that need them `unknown`.
    pub required: bool,
}

/// The specs of a scope folder whose first document marks it (required) and whose others are
/// optional: `first_required::<{ NAMES.len() }>(NAMES)`. `N` must be `names.len()`.
pub const fn first_required<const N: usize>(names: &[&'static str]) -> [DocumentSpec; N] {
    assert!(names.len() == N, "N must be the number of names");
    let mut out = [DocumentSpec {
        name: "",
        required: false,
    }; N];
    let mut i = 0;
    while i < N {
        out[i] = DocumentSpec {
            name: names[i],
            required: i == 0,
        };
        i += 1;
    }
    out
}

/// The raw documents of one scope, in the native shapes, as collected live or read from a
/// snapshot: the one input of [`Scanner::normalize`].
#[derive(Debug, Clone)]
pub struct RawScope {
    pub boundary: Boundary,
    /// The scope's name (an account id, `host:port/db`); empty when only the documents know it.
    pub scope: String,
    pub documents: Vec<(&'static str, Doc)>,
    /// Errors met while collecting: each makes the scope partial (or failed without documents).
    pub errors: Vec<String>,
    pub origin: Origin,
}

impl RawScope {
    pub fn new(boundary: Boundary, scope: impl Into<String>, origin: Origin) -> RawScope {
        RawScope {
            boundary,
            scope: scope.into(),
            documents: Vec::new(),
            errors: Vec::new(),
            origin,
        }
    }

    pub fn document(&self, name: &str) -> Option<&Doc> {
        self.documents
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| d)
    }

    /// Adds or replaces a document.
    pub fn put(&mut self, name: &'static str, doc: Doc) {
        match self.documents.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = doc,
            None => self.documents.push((name, doc)),
        }
    }
}

/// What normalization needs besides the documents.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub policy: &'a Policy,
    pub rules: &'a RuleSet,
    /// The time verdicts are judged at.
    pub now: DateTime<Utc>,
}

/// What one scope normalized into; `errors` are problems with the documents.
#[derive(Debug, Default)]
pub struct Normalized {
    pub inventory: Inventory,
    pub errors: Vec<String>,
}

/// One scope to collect live, as a scanner planned it from its flags and config section.
pub struct LiveTarget {
    /// Shown in progress lines and errors; never holds credentials.
    pub label: String,
    /// The scanner's own options for this scope.
    pub spec: Box<dyn Any + Send + Sync>,
}

impl LiveTarget {
    pub fn new<T: Any + Send + Sync>(label: impl Into<String>, spec: T) -> LiveTarget {
        LiveTarget {
            label: label.into(),
            spec: Box::new(spec),
        }
    }

    /// The scanner's options; `None` only when a target reached the wrong scanner.
    pub fn spec<T: Any>(&self) -> Option<&T> {
        self.spec.downcast_ref()
    }
}

impl LiveTarget {
    /// The scanner's own options, or the failed scope to return when the target was planned
    /// by another scanner (a wiring mistake, reported rather than a panic).
    pub fn spec_or_failed<T: Any>(&self, boundary: Boundary) -> Result<&T, RawScope> {
        self.spec::<T>().ok_or_else(|| {
            let mut raw = RawScope::new(boundary, self.label.clone(), Origin::Live);
            raw.errors
                .push(format!("{}: not a {boundary} target", self.label));
            raw
        })
    }
}

impl std::fmt::Debug for LiveTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LiveTarget({})", self.label)
    }
}

/// What every live call honours: timeouts, attempts and backoff (`[limits]`), and the one
/// HTTP client configuration REST-based scanners share ([`crate::net`]).
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub net: crate::net::NetLimits,
}

/// A scanner's flags or config section could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// A ledger grant that should be gone, as the reconciler hands it to a scanner.
#[derive(Debug, Clone, Copy)]
pub struct Ended<'a> {
    pub grant_id: &'a str,
    /// Empty when the grant gave the identity itself (all it holds).
    pub entitlement: &'a str,
    pub end: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// Access that remains after a grant ended, with the evidence that shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Residual {
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

/// The flags of a command line that gave `scanner` none of its own (for planning from the
/// config alone): its arguments are known, none is set.
pub fn no_flags(scanner: &dyn Scanner) -> clap::ArgMatches {
    scanner
        .flags(clap::Command::new("jitgap").no_binary_name(true))
        .try_get_matches_from(std::iter::empty::<String>())
        .unwrap_or_default()
}

/// The default residual access: the grant's live access paths are still attached.
pub fn still_attached(covered: &[&AccessPath]) -> Vec<Residual> {
    covered
        .iter()
        .map(|p| Residual {
            reason: format!(
                "{} is still attached ({} {})",
                p.entitlement, p.privilege, p.enforcement
            ),
            evidence: p.evidence.clone(),
        })
        .collect()
}

/// One boundary. Implemented by a unit struct in the boundary's folder and listed once in
/// the registry.
pub trait Scanner: Send + Sync + 'static {
    /// The boundary name (`aws`): its snapshot folder, config key and check prefix.
    fn boundary(&self) -> Boundary;
    /// The heading of its flags in `--help` (`AWS`, `PostgreSQL`).
    fn title(&self) -> &'static str;
    /// Its rules file: (file name, embedded text).
    fn rules_file(&self) -> (&'static str, &'static str);
    /// Validates its part of the rules (its `[catalogue]`) when they load; the error names the file.
    fn check_rules(&self, _rules: &RuleSet) -> Result<(), String> {
        Ok(())
    }
    /// The documents of one scope in a snapshot.
    fn documents(&self) -> &'static [DocumentSpec];
    /// The read-only operations (API calls, or SQL statement keywords) it may send; a test
    /// fails when any other is sent.
    fn operations(&self) -> &'static [&'static str];
    /// The signal kinds its normalization emits; each needs a check.
    fn signals(&self) -> &'static [&'static str];
    /// Adds its flags to a command that reads sources.
    fn flags(&self, cmd: clap::Command) -> clap::Command;
    /// Commented lines for its part of `[sources]` in the `jitgap init` template.
    fn config_template(&self) -> &'static str {
        ""
    }
    /// The scopes to collect live from its flags and its `[sources.<boundary>]` value;
    /// empty when it was not asked for.
    fn live_targets(
        &self,
        flags: &clap::ArgMatches,
        config: Option<&toml::Value>,
    ) -> Result<Vec<LiveTarget>, PlanError>;
    /// Expands targets into every scope they reach (for sharding); by default each target
    /// is one scope.
    fn list_scopes<'a>(
        &'a self,
        targets: Vec<LiveTarget>,
        _live: &'a Live,
    ) -> BoxFuture<'a, Result<Vec<LiveTarget>, PlanError>> {
        Box::pin(async move { Ok(targets) })
    }
    /// Collects one scope, read-only. Failures are errors inside the result, never a panic.
    /// What `--shard` keeps together with a listed target (see [`crate::scan::shard`]):
    /// by default the target itself, by its label.
    fn target_shard_unit(&self, target: &LiveTarget) -> String {
        target.label.clone()
    }
    /// The same for a scope read from a snapshot: by default the scope's name.
    fn shard_unit(&self, raw: &RawScope) -> String {
        raw.scope.clone()
    }
    fn collect<'a>(&'a self, target: &'a LiveTarget, live: &'a Live) -> BoxFuture<'a, RawScope>;
    /// Raw documents → identities, credentials, access paths, signals, scope status. Pure.
    fn normalize(&self, raw: &RawScope, ctx: &Context<'_>) -> Normalized;
    /// Normalizes every scope of this boundary in a run at once. The default normalizes each
    /// on its own; a boundary whose scopes refer to each other (an Azure subscription's role
    /// assignments name principals of its tenant's directory) overrides it. One result per
    /// scope, in the order given.
    fn normalize_scopes(&self, raws: &[&RawScope], ctx: &Context<'_>) -> Vec<Normalized> {
        use rayon::prelude::*;
        raws.par_iter()
            .map(|raw| {
                // A scanner that panics fails its own scope, never the run (fail closed).
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.normalize(raw, ctx)))
                    .unwrap_or_else(|_| failed_scope(raw, "normalization stopped unexpectedly"))
            })
            .collect()
    }
    /// Paths and signals that cross into other boundaries, once every scope of the run is
    /// normalized: `inv` holds them all (a GitHub organization's repositories and the AWS
    /// roles and Azure service principals that trust its Actions tokens). Default: none.
    fn bridge(&self, _inv: &Inventory, _ctx: &Context<'_>) -> Inventory {
        Inventory::default()
    }
    /// Whether a lone file given to `--from` is one of its documents (it becomes one scope):
    /// the document's name when it is.
    fn accepts_file(&self, _name: &str, _text: &str) -> Option<&'static str> {
        None
    }
    /// Whether a file in a snapshot folder whose name is not (or not only) its document is
    /// one of its documents by what it holds: the document's name when it is. Default: none.
    fn claim_file(&self, _text: &str) -> Option<&'static str> {
        None
    }
    /// What such a lone file is, for the error when `--from` gets one nobody reads
    /// (`an AWS authorization-details export`).
    fn lone_file(&self) -> Option<&'static str> {
        None
    }
    /// Refuses a snapshot document that is plainly something else, before normalization;
    /// the error becomes `<file>: <message>`.
    fn check_document(&self, _name: &str, _text: &str) -> Result<(), String> {
        Ok(())
    }
    /// The scope name of a snapshot folder `<boundary>/<dir>/`; by default the folder's name.
    fn snapshot_scope(&self, dir: &str, _raw: &RawScope) -> String {
        dir.to_string()
    }
    /// The documents `jitgap collect` writes for a scope; by default the raw ones as they are.
    fn snapshot_documents(&self, raw: &RawScope) -> Vec<(&'static str, String)> {
        raw.documents
            .iter()
            .map(|(n, d)| (*n, d.text.clone()))
            .collect()
    }
    /// What access remains for `identity` after a ledger grant ended. `covered` are its live
    /// access paths the grant covers. Default: those paths, still attached.
    fn residual_access(
        &self,
        _ended: &Ended<'_>,
        _identity: &Identity,
        covered: &[&AccessPath],
        _inv: &Inventory,
    ) -> Vec<Residual> {
        still_attached(covered)
    }
}

/// The status of a scope read from `raw`: `failed` when nothing was collected, `partial` when
/// collecting or reading left errors (`raw.errors`, then `errors`), else `complete`.
pub fn scope_status(raw: &RawScope, scope: &str, errors: &[String]) -> crate::model::ScopeStatus {
    use crate::model::ScopeState;
    let mut all = raw.errors.clone();
    all.extend(errors.iter().cloned());
    crate::model::ScopeStatus {
        boundary: raw.boundary,
        scope: scope.to_string(),
        status: if raw.documents.is_empty() {
            ScopeState::Failed
        } else if all.is_empty() {
            ScopeState::Complete
        } else {
            ScopeState::Partial
        },
        errors: all,
        sources: raw
            .documents
            .iter()
            .map(|(_, d)| d.source.clone())
            .collect(),
        connection: None,
        notes: Vec::new(),
    }
}

/// A scope that could not be normalized: `failed`, with the reason and what was collected.
pub fn failed_scope(raw: &RawScope, why: &str) -> Normalized {
    let mut errors = raw.errors.clone();
    errors.push(format!("{} {}: {why}", raw.boundary, raw.scope));
    Normalized {
        inventory: Inventory {
            scopes: vec![crate::model::ScopeStatus {
                boundary: raw.boundary,
                scope: raw.scope.clone(),
                status: crate::model::ScopeState::Failed,
                errors: errors.clone(),
                sources: raw
                    .documents
                    .iter()
                    .map(|(_, d)| d.source.clone())
                    .collect(),
                connection: None,
                notes: Vec::new(),
            }],
            ..Default::default()
        },
        errors,
    }
}

/// Residual access of a login that should be gone: the identity still exists, and each of
/// its live sessions still runs (those opened before the end kept their access through it).
pub fn login_and_sessions(
    ended: &Ended<'_>,
    identity: &Identity,
    inv: &Inventory,
) -> Vec<Residual> {
    let mut out = vec![Residual {
        reason: format!("{} still exists", identity.name),
        evidence: identity.evidence.clone(),
    }];
    for s in inv.sessions.iter().filter(|s| s.identity == identity.id) {
        let before = s.started_at.is_none_or(|t| t < ended.end);
        out.push(Residual {
            reason: format!(
                "session {} ({}) {}",
                s.id,
                s.state,
                if before {
                    "opened before the revocation is still running"
                } else {
                    "is running"
                }
            ),
            evidence: s.evidence.clone(),
        });
    }
    out
}
