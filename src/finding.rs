//! A finding: a check that fired, with evidence and framework references. Built only through
//! [`FindingBuilder`], which refuses a finding without primary evidence.

use crate::model::{Boundary, Evidence, Revocation, Severity};
use crate::rules::{Check, Confidence, FrameworkRef};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable fingerprint of (rule, boundary, scope, identity, entitlement, target).
    pub id: String,
    pub rule_id: String,
    pub name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub boundary: Boundary,
    pub scope: String,
    pub identity: String,
    #[serde(default)]
    pub entitlement: String,
    #[serde(default)]
    pub target: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Revocation>,
    /// The access path this finding is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_path: Option<String>,
    /// Shared between the findings of one check (it is the same list for each).
    #[serde(serialize_with = "crate::report::rows::shared")]
    pub frameworks: Arc<[FrameworkRef]>,
    pub evidence: Vec<Evidence>,
    /// Set by the gate: `new` or `unchanged` relative to the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Set when a waiver or a config ignore suppresses the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// `waiver` or `config`.
    pub by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub owner: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ticket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FindingError {
    #[error("finding for rule {0} has no evidence")]
    NoEvidence(String),
    #[error("finding for rule {0} names no identity")]
    NoIdentity(String),
}

pub struct FindingBuilder<'a> {
    check: &'a Check,
    frameworks: Arc<[FrameworkRef]>,
    boundary: Boundary,
    scope: String,
    identity: String,
    entitlement: String,
    target: String,
    message: String,
    revocation: Option<Revocation>,
    access_path: Option<String>,
    evidence: Vec<Evidence>,
    severity: Option<Severity>,
}

impl Finding {
    pub fn builder<'a>(
        check: &'a Check,
        frameworks: impl Into<Arc<[FrameworkRef]>>,
        boundary: Boundary,
        scope: &str,
        identity: &str,
    ) -> FindingBuilder<'a> {
        FindingBuilder {
            check,
            frameworks: frameworks.into(),
            boundary,
            scope: scope.to_string(),
            identity: identity.to_string(),
            entitlement: String::new(),
            target: String::new(),
            message: String::new(),
            revocation: None,
            access_path: None,
            evidence: Vec::new(),
            severity: None,
        }
    }

    pub fn is_suppressed(&self) -> bool {
        self.suppressed.is_some()
    }
}

impl<'a> FindingBuilder<'a> {
    pub fn entitlement(mut self, e: &str) -> Self {
        self.entitlement = e.to_string();
        self
    }
    pub fn target(mut self, t: &str) -> Self {
        self.target = t.to_string();
        self
    }
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = crate::redact::redact(&m.into());
        self
    }
    pub fn revocation(mut self, r: Option<Revocation>) -> Self {
        self.revocation = r;
        self
    }
    pub fn access_path(mut self, id: &str) -> Self {
        self.access_path = Some(id.to_string());
        self
    }
    pub fn evidence(mut self, ev: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(ev);
        self
    }
    pub fn severity(mut self, s: Option<Severity>) -> Self {
        self.severity = s;
        self
    }

    pub fn build(self) -> Result<Finding, FindingError> {
        if self.evidence.is_empty() {
            return Err(FindingError::NoEvidence(self.check.id.clone()));
        }
        if self.identity.is_empty() {
            return Err(FindingError::NoIdentity(self.check.id.clone()));
        }
        let id = crate::classify::fingerprint(&[
            &self.check.id,
            self.boundary.as_str(),
            &self.scope,
            &self.identity,
            &self.entitlement,
            &self.target,
        ]);
        Ok(Finding {
            id,
            rule_id: self.check.id.clone(),
            name: self.check.name.clone(),
            severity: self.severity.unwrap_or(self.check.severity),
            confidence: self.check.confidence,
            boundary: self.boundary,
            scope: self.scope,
            identity: self.identity,
            entitlement: self.entitlement,
            target: self.target,
            message: if self.message.is_empty() {
                self.check.summary.clone()
            } else {
                self.message
            },
            revocation: self.revocation,
            access_path: self.access_path,
            frameworks: self.frameworks,
            evidence: self.evidence,
            baseline: None,
            suppressed: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_finding_without_evidence() {
        let rules = crate::scan::registry::embedded_rules().unwrap();
        let check = rules.check("GEN001").unwrap();
        let err = Finding::builder(check, vec![], Boundary::new("aws"), "1", "arn:x")
            .build()
            .unwrap_err();
        assert_eq!(err, FindingError::NoEvidence("GEN001".into()));
        let ok = Finding::builder(check, vec![], Boundary::new("aws"), "1", "arn:x")
            .evidence([Evidence::new("f.json", "/a")])
            .build()
            .unwrap();
        assert_eq!(ok.id.len(), 16);
    }
}
