//! Scanners: one folder per boundary, each implementing [`Scanner`] and listed once in
//! [`registry`]. Each has `collect.rs` (live, read-only), `raw.rs` (the native documents),
//! `normalize.rs` (pure: raw → Inventory) and `scanner.rs` (the trait, wired to those).

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod github;
pub mod json;
pub mod kubernetes;
pub mod mysql;
pub mod postgres;
pub mod registry;
pub mod scanner;
pub mod shard;
pub mod snapshot;
mod sql_guard;

pub use registry::Registry;
pub use scanner::{
    BoxFuture, Context, DocumentSpec, Ended, Live, LiveTarget, Normalized, Origin, PlanError,
    RawScope, Residual, Scanner,
};
pub use snapshot::{Snapshot, SnapshotError, load_snapshot};

/// One raw document as read from a file or an API, with the name evidence points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// A file path, `demo:<path>`, or an API call (`aws:iam:GetAccountAuthorizationDetails`).
    pub source: String,
    pub text: String,
}

impl Doc {
    pub fn new(source: impl Into<String>, text: impl Into<String>) -> Self {
        Doc {
            source: source.into(),
            text: text.into(),
        }
    }
}

/// URLs from a flag, else from the config's `[sources] <key> = ["…"]` list.
pub(crate) fn url_list(
    key: &str,
    flags: Vec<String>,
    config: Option<&toml::Value>,
) -> Result<Vec<String>, PlanError> {
    if !flags.is_empty() {
        return Ok(flags);
    }
    let Some(value) = config else {
        return Ok(Vec::new());
    };
    value.clone().try_into::<Vec<String>>().map_err(|_| {
        PlanError(format!(
            "[sources] {key}: expected a list of URLs, e.g. {key} = [\"{key}://reader@db:port\"]"
        ))
    })
}

/// The scope a database catalog belongs to: its own `scope` field, else its folder's name.
pub(crate) fn catalog_scope(dir: &str, doc: Option<&Doc>) -> String {
    doc.and_then(|d| serde_json::from_str::<serde_json::Value>(&d.text).ok())
        .and_then(|v| v.get("scope").and_then(|s| s.as_str()).map(str::to_string))
        .unwrap_or_else(|| dir.to_string())
}

/// The catalog as `jitgap collect` writes it: with the scope inside, so a re-scan names the
/// scope the same way.
pub(crate) fn catalog_with_scope(
    raw: &RawScope,
    name: &'static str,
) -> Vec<(&'static str, String)> {
    let Some(doc) = raw.document(name) else {
        return Vec::new();
    };
    let text = match serde_json::from_str::<serde_json::Value>(&doc.text) {
        Ok(mut v) if v.get("scope").is_none() && v.is_object() => {
            v["scope"] = serde_json::json!(raw.scope);
            serde_json::to_string_pretty(&v).expect("catalog serializes") + "\n"
        }
        _ => doc.text.clone(),
    };
    vec![(name, text)]
}
