//! `[limits]`: how hard live collection may push each boundary (design.md §10, polite to APIs).

use super::spans::{ConfigError, Located, section};
use crate::scan::Live;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use toml::Spanned;
use toml::de::DeValue;

/// Scopes collected at once per boundary unless the config says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;
const DEFAULT_SCOPE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Scopes of one boundary collected at once.
    pub concurrency: usize,
    /// One API call or SQL query.
    pub call_timeout: Duration,
    /// One whole scope: past it the scope is `failed` and the others go on.
    pub scope_timeout: Duration,
    /// Attempts per call on throttling or a transient failure.
    pub max_attempts: u32,
    /// `[limits.<boundary>]`.
    pub boundaries: BTreeMap<String, BoundaryLimits>,
}

impl Default for Limits {
    fn default() -> Self {
        let live = Live::default();
        Limits {
            concurrency: DEFAULT_CONCURRENCY,
            call_timeout: live.call_timeout,
            scope_timeout: DEFAULT_SCOPE_TIMEOUT,
            max_attempts: live.max_attempts,
            boundaries: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundaryLimits {
    #[serde(default)]
    pub concurrency: Option<usize>,
}

impl Limits {
    pub fn concurrency_for(&self, boundary: &str) -> usize {
        self.boundaries
            .get(boundary)
            .and_then(|b| b.concurrency)
            .unwrap_or(self.concurrency)
            .max(1)
    }

    pub fn live(&self) -> Live {
        Live {
            call_timeout: self.call_timeout,
            max_attempts: self.max_attempts,
        }
    }
}

fn duration(loc: &Located<'_>, value: Spanned<DeValue<'_>>) -> Result<Duration, ConfigError> {
    let at = value.span().start;
    let text: String = section(loc, value)?;
    crate::time::parse_duration(&text)
        .ok()
        .and_then(|d| d.to_std().ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            loc.at(
                at,
                format!("`{text}` is not a positive duration (e.g. \"30s\", \"15m\")"),
            )
        })
}

fn positive<T: for<'de> Deserialize<'de> + PartialOrd + Default>(
    loc: &Located<'_>,
    value: Spanned<DeValue<'_>>,
) -> Result<T, ConfigError> {
    let at = value.span().start;
    let n: T = section(loc, value)?;
    if n > T::default() {
        Ok(n)
    } else {
        Err(loc.at(at, "must be at least 1"))
    }
}

pub(super) fn parse(
    loc: &Located<'_>,
    value: Spanned<DeValue<'_>>,
) -> Result<Limits, Vec<ConfigError>> {
    let at = value.span().start;
    let DeValue::Table(table) = value.into_inner() else {
        return Err(vec![loc.at(at, "[limits] must be a table")]);
    };
    let mut out = Limits::default();
    let mut errors = Vec::new();
    for (key, value) in table {
        let r = match key.get_ref().as_ref() {
            "concurrency" => positive(loc, value).map(|n| out.concurrency = n),
            "call_timeout" => duration(loc, value).map(|d| out.call_timeout = d),
            "scope_timeout" => duration(loc, value).map(|d| out.scope_timeout = d),
            "max_attempts" => positive(loc, value).map(|n| out.max_attempts = n),
            name if matches!(value.get_ref(), DeValue::Table(_)) => {
                section::<BoundaryLimits>(loc, value).map(|b| {
                    out.boundaries.insert(name.to_string(), b);
                })
            }
            name => Err(loc.at(
                key.span().start,
                format!(
                    "unknown key `{name}`; expected concurrency, call_timeout, scope_timeout, max_attempts or a [limits.<boundary>] table"
                ),
            )),
        };
        if let Err(e) = r {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
