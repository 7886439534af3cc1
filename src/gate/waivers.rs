//! Waivers: a finding accepted for a while, with an owner, a reason, a ticket and an expiry.
//! An expired waiver stops suppressing and is reported.

use crate::checks::glob_match;
use crate::finding::{Finding, Suppression};
use crate::report::{WaiverMatch, WaiverStatus};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    #[serde(rename = "match")]
    pub matcher: WaiverMatch,
    pub owner: String,
    pub reason: String,
    #[serde(default)]
    pub ticket: String,
    /// `YYYY-MM-DD` (valid through that day, UTC) or an RFC 3339 time.
    pub expires: String,
}

/// A waiver file that cannot be read or holds an invalid waiver; `at` names the file and
/// the waiver.
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("{file}: cannot read waivers: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Parse(#[from] crate::rules::RuleError),
    #[error("{at}: `match` needs at least one of rule, identity, finding")]
    NoMatch { at: String },
    #[error("{at}: `owner` and `reason` must not be empty")]
    NoOwner { at: String },
    #[error("{at}: expires = \"{expires}\" is not a date (YYYY-MM-DD) or RFC 3339 time")]
    BadExpiry { at: String, expires: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverFile {
    #[serde(default)]
    pub waiver: Vec<Waiver>,
    #[serde(skip)]
    pub path: String,
}

fn expiry(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if t.len() == 10 {
        return crate::time::parse_timestamp(t).map(|d| d + Duration::days(1));
    }
    crate::time::parse_timestamp(t)
}

impl WaiverFile {
    /// Read and validate; every problem names the file and the line or waiver.
    pub fn read(path: &Path) -> Result<WaiverFile, WaiverError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| WaiverError::Read {
            file: shown.clone(),
            source,
        })?;
        let mut file: WaiverFile = crate::rules::parse_toml_at(&shown, &text)?;
        file.path = shown.clone();
        for (i, w) in file.waiver.iter().enumerate() {
            let at = format!("{shown}: waiver #{} ([[waiver]] {})", i + 1, i + 1);
            if w.matcher.rule.is_none()
                && w.matcher.identity.is_none()
                && w.matcher.finding.is_none()
            {
                return Err(WaiverError::NoMatch { at });
            }
            if w.owner.trim().is_empty() || w.reason.trim().is_empty() {
                return Err(WaiverError::NoOwner { at });
            }
            if expiry(&w.expires).is_none() {
                return Err(WaiverError::BadExpiry {
                    at,
                    expires: w.expires.clone(),
                });
            }
        }
        Ok(file)
    }

    fn matches(w: &Waiver, f: &Finding) -> bool {
        let m = &w.matcher;
        m.rule
            .as_ref()
            .is_none_or(|r| r.eq_ignore_ascii_case(&f.rule_id) || *r == f.name)
            && m.identity.as_ref().is_none_or(|g| {
                glob_match(g, &f.identity)
                    || f.identity
                        .rsplit(['/', ':'])
                        .next()
                        .is_some_and(|n| glob_match(g, n))
            })
            && m.finding.as_ref().is_none_or(|id| *id == f.id)
    }

    /// Suppress what active waivers match; report each waiver's status.
    pub fn apply(&self, findings: &mut [Finding], now: DateTime<Utc>) -> Vec<WaiverStatus> {
        let mut out = Vec::new();
        for (i, w) in self.waiver.iter().enumerate() {
            let expired = expiry(&w.expires).is_none_or(|e| e <= now);
            let mut matched = 0;
            for f in findings.iter_mut().filter(|f| Self::matches(w, f)) {
                matched += 1;
                if !expired && f.suppressed.is_none() {
                    f.suppressed = Some(Box::new(Suppression {
                        by: "waiver".into(),
                        owner: w.owner.clone(),
                        reason: w.reason.clone(),
                        ticket: w.ticket.clone(),
                        expires: Some(w.expires.clone()),
                    }));
                }
            }
            let status = if expired {
                "expired"
            } else if matched == 0 {
                "unused"
            } else {
                "active"
            };
            out.push(WaiverStatus {
                file: self.path.clone(),
                index: i + 1,
                matcher: w.matcher.clone(),
                owner: w.owner.clone(),
                reason: w.reason.clone(),
                ticket: w.ticket.clone(),
                expires: w.expires.clone(),
                status: status.into(),
                matched,
            });
        }
        out
    }
}
