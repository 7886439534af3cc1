//! `[limits]`: how hard live collection may push each boundary (design.md §10, polite to APIs).

use super::spans::{ConfigError, Located, section};
use crate::net::NetLimits;
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
    /// One whole scope: past it the scope is `failed` and the others go on.
    pub scope_timeout: Duration,
    /// Per call: timeout, attempts on throttling or a transient failure, backoff.
    pub net: NetLimits,
    /// `[limits.<boundary>]`.
    pub boundaries: BTreeMap<String, BoundaryLimits>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: DEFAULT_CONCURRENCY,
            scope_timeout: DEFAULT_SCOPE_TIMEOUT,
            net: NetLimits::default(),
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
        Live { net: self.net }
    }
}

fn duration(loc: &Located<'_>, value: Spanned<DeValue<'_>>) -> Result<Duration, ConfigError> {
    let at = value.span().start;
    let text: String = section(loc, value)?;
    crate::net::parse_limit_duration(&text)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            loc.at(
                at,
                format!("`{text}` is not a positive duration (e.g. \"500ms\", \"30s\", \"15m\")"),
            )
        })
}

fn positive<T: for<'de> Deserialize<'de> + PartialOrd + Default>(
    loc: &Located<'_>,
    key: &str,
    value: Spanned<DeValue<'_>>,
) -> Result<T, ConfigError> {
    let at = value.span().start;
    let n: T = section(loc, value)?;
    if n > T::default() {
        Ok(n)
    } else {
        Err(loc.at(at, format!("limits.{key}: must be at least 1")))
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
            "concurrency" => positive(loc, "concurrency", value).map(|n| out.concurrency = n),
            "call_timeout" => duration(loc, value).map(|d| out.net.request_timeout = d),
            "scope_timeout" => duration(loc, value).map(|d| out.scope_timeout = d),
            "max_attempts" => {
                positive(loc, "max_attempts", value).map(|n| out.net.max_attempts = n)
            }
            "base_backoff" => duration(loc, value).map(|d| out.net.base_backoff = d),
            "max_backoff" => duration(loc, value).map(|d| out.net.max_backoff = d),
            name if matches!(value.get_ref(), DeValue::Table(_)) => {
                section::<BoundaryLimits>(loc, value).map(|b| {
                    out.boundaries.insert(name.to_string(), b);
                })
            }
            name => Err(loc.at(
                key.span().start,
                format!(
                    "unknown key `{name}`; expected concurrency, call_timeout, scope_timeout, max_attempts, base_backoff, max_backoff or a [limits.<boundary>] table"
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
