use crate::model::{Boundary, CredentialLifetime, Enforcement, Privilege, Severity};
use serde::{Deserialize, Serialize};

crate::model::kebab_enum!(Confidence { Low => "low", Medium => "medium", High => "high" });
crate::model::kebab_enum!(
    /// What a check looks at.
    Subject { AccessPath => "access-path", Signal => "signal" }
);

/// One check: metadata a reader needs and the predicate that selects what it fires on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub summary: String,
    pub why: String,
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    /// Topics of `frameworks.toml`.
    pub frameworks: Vec<String>,
    /// Gate classes this check counts towards: `standing`, `not-effective`.
    #[serde(default)]
    pub gate: Vec<String>,
    pub since: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    #[serde(rename = "match")]
    pub matcher: Match,
}

/// The predicate: every field given must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    pub subject: Subject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<Vec<Boundary>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privilege: Option<Vec<Privilege>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<Vec<Enforcement>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_lifetime: Option<Vec<CredentialLifetime>>,
    /// At least one of these verdicts (`privilege`, `enforcement`, `credential_lifetime`) is `unknown`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_unknown: Vec<String>,
    /// For `subject = "signal"`: the signal kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
}

impl Check {
    /// The URL-free anchor the README's rule index uses.
    pub fn anchor(&self) -> String {
        format!("{}-{}", self.id.to_lowercase(), self.name)
    }

    pub fn counts_as(&self, class: &str) -> bool {
        self.gate.iter().any(|g| g == class)
    }
}
