//! A finding: a check that fired, with evidence and framework references. Built only through
//! [`FindingBuilder`], which refuses a finding without primary evidence.

use crate::model::{Boundary, Evidence, Revocation, Severity, Text};
use crate::rules::{Check, Confidence, FrameworkRef};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable fingerprint of (rule, boundary, scope, identity, entitlement, target).
    pub id: String,
    pub rule_id: Text,
    pub name: Text,
    pub severity: Severity,
    pub confidence: Confidence,
    pub boundary: Boundary,
    pub scope: Text,
    pub identity: Text,
    #[serde(default)]
    pub entitlement: Text,
    #[serde(default)]
    pub target: Text,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Revocation>,
    /// The access path this finding is about, when it is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_path: Option<Text>,
    /// Shared between the findings of one check (it is the same list for each).
    #[serde(serialize_with = "crate::report::rows::shared")]
    pub frameworks: Arc<[FrameworkRef]>,
    pub evidence: Vec<Evidence>,
    /// Set by the gate: `new` or `unchanged` relative to the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Text>,
    /// Set when a waiver or a config ignore suppresses the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Box<Suppression>>,
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
    /// The check's id and name, shared by its findings when the caller made them once.
    names: Option<(Text, Text)>,
    boundary: Boundary,
    scope: Text,
    identity: Text,
    entitlement: Text,
    target: Text,
    message: String,
    revocation: Option<Revocation>,
    access_path: Option<Text>,
    evidence: Vec<Evidence>,
    severity: Option<Severity>,
}

impl Finding {
    pub fn builder<'a>(
        check: &'a Check,
        frameworks: impl Into<Arc<[FrameworkRef]>>,
        boundary: Boundary,
        scope: impl Into<Text>,
        identity: impl Into<Text>,
    ) -> FindingBuilder<'a> {
        FindingBuilder {
            check,
            frameworks: frameworks.into(),
            names: None,
            boundary,
            scope: scope.into(),
            identity: identity.into(),
            entitlement: Text::default(),
            target: Text::default(),
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
    /// The check's id and name as `Text`s made once for all its findings.
    pub fn names(mut self, names: &(Text, Text)) -> Self {
        self.names = Some(names.clone());
        self
    }
    pub fn entitlement(mut self, e: impl Into<Text>) -> Self {
        self.entitlement = e.into();
        self
    }
    pub fn target(mut self, t: impl Into<Text>) -> Self {
        self.target = t.into();
        self
    }
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = crate::redact::redact_owned(m.into());
        self
    }
    pub fn revocation(mut self, r: Option<Revocation>) -> Self {
        self.revocation = r;
        self
    }
    pub fn access_path(mut self, id: impl Into<Text>) -> Self {
        self.access_path = Some(id.into());
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
        let (rule_id, name) = self
            .names
            .unwrap_or_else(|| (Text::from(&self.check.id), Text::from(&self.check.name)));
        Ok(Finding {
            id,
            rule_id,
            name,
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
                // `format!` leaves room to grow; a finding's message never does.
                let mut m = self.message;
                m.shrink_to_fit();
                m
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
