use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One framework reference as findings carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkRef {
    pub framework: String,
    pub version: String,
    pub id: String,
    pub title: String,
    /// `primary`, `secondary`, `supporting` or `requested-label`.
    pub relation: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frameworks {
    /// The requested labels shown beside the official ids on every finding.
    pub labels: BTreeMap<String, FrameworkRef>,
    pub topics: BTreeMap<String, Topic>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub refs: Vec<FrameworkRef>,
}

impl Frameworks {
    /// The references for a check's topics: official ids first, then the requested labels.
    pub fn refs_for(&self, topics: &[String]) -> Vec<FrameworkRef> {
        let mut out: Vec<FrameworkRef> = Vec::new();
        for t in topics {
            for r in self
                .topics
                .get(t)
                .map(|t| t.refs.as_slice())
                .unwrap_or_default()
            {
                if !out
                    .iter()
                    .any(|o| o.framework == r.framework && o.id == r.id)
                {
                    out.push(r.clone());
                }
            }
        }
        out.extend(self.labels.values().cloned());
        out
    }
}
