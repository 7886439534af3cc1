use super::Text;
use serde::{Deserialize, Serialize};

/// Where a fact came from: a document (file or API call), a JSON pointer or line inside it,
/// when it was observed, and a short redacted excerpt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
pub struct Evidence {
    /// A file path, `demo:<path>`, or an API call such as `iam:GetAccountAuthorizationDetails`.
    pub source: Text,
    /// JSON pointer (`/RoleDetailList/3/AssumeRolePolicyDocument`) or `line N` inside `source`.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub pointer: Text,
    /// A short excerpt, secrets redacted.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub excerpt: Text,
}

impl Evidence {
    pub fn new(source: impl Into<Text>, pointer: impl Into<Text>) -> Self {
        Evidence {
            source: source.into(),
            pointer: pointer.into(),
            excerpt: Text::default(),
        }
    }

    pub fn with_excerpt(mut self, excerpt: impl AsRef<str>) -> Self {
        self.excerpt = crate::redact::redact(excerpt.as_ref()).into();
        self
    }
}
