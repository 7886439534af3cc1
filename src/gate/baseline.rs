//! Baseline files: the fingerprints of accepted findings. A full JSON report works as one too.

use crate::report::Report;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub id: String,
    pub rule_id: String,
    pub identity: String,
    #[serde(default)]
    pub entitlement: String,
}

/// A baseline file that cannot be read or is not one; the text names the file.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{file}: cannot read baseline: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: line {} column {}: not a jitgap baseline (expected {{\"findings\": [{{\"id\": ...}}]}}): {source}", .source.line(), .source.column())]
    NotABaseline {
        file: String,
        source: serde_json::Error,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    #[serde(default)]
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    pub findings: Vec<BaselineEntry>,
    #[serde(skip)]
    ids: HashSet<String>,
}

impl Baseline {
    pub fn from_report(r: &Report) -> Baseline {
        let mut findings: Vec<BaselineEntry> = r
            .findings
            .iter()
            .map(|f| BaselineEntry {
                id: f.id.clone(),
                rule_id: f.rule_id.to_string(),
                identity: f.identity.to_string(),
                entitlement: f.entitlement.to_string(),
            })
            .collect();
        findings.sort_by(|a, b| a.id.cmp(&b.id));
        let ids = findings.iter().map(|f| f.id.clone()).collect();
        Baseline {
            schema_version: 1,
            generated_at: Some(r.generated_at.to_rfc3339()),
            findings,
            ids,
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Read a baseline; errors name the file and the line or JSON pointer.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display();
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            file: shown.to_string(),
            source,
        })?;
        let mut b: Baseline =
            serde_json::from_str(&text).map_err(|source| BaselineError::NotABaseline {
                file: shown.to_string(),
                source,
            })?;
        b.ids = b.findings.iter().map(|f| f.id.clone()).collect();
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("baseline serializes") + "\n"
    }
}
