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
                rule_id: f.rule_id.clone(),
                identity: f.identity.clone(),
                entitlement: f.entitlement.clone(),
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
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{shown}: cannot read baseline: {e}"))?;
        let mut b: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!("{shown}: line {} column {}: not a jitgap baseline (expected {{\"findings\": [{{\"id\": ...}}]}}): {e}", e.line(), e.column())
        })?;
        b.ids = b.findings.iter().map(|f| f.id.clone()).collect();
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("baseline serializes") + "\n"
    }
}
