//! The parts of the Kubernetes objects jitgap reads (api-shapes §F), lenient where the API
//! is: absent lists are empty, unknown fields ignored.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    pub name: String,
    pub namespace: Option<String>,
    pub uid: Option<String>,
    pub creation_timestamp: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub owner_references: Vec<OwnerReference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OwnerReference {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ObjectRef {
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceAccount {
    pub metadata: Meta,
    pub secrets: Vec<ObjectRef>,
    pub automount_service_account_token: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Secret {
    pub metadata: Meta,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PolicyRule {
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs")]
    pub non_resource_urls: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<SelectorRequirement>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SelectorRequirement {
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector (every requirement; an empty selector matches
    /// everything, as the API defines).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let has = labels.get(&e.key);
                match e.operator.as_str() {
                    "In" => has.is_some_and(|v| e.values.contains(v)),
                    "NotIn" => has.is_none_or(|v| !e.values.contains(v)),
                    "Exists" => has.is_some(),
                    "DoesNotExist" => has.is_none(),
                    _ => false, // an operator the API does not define selects nothing
                }
            })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AggregationRule {
    pub cluster_role_selectors: Vec<LabelSelector>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Role {
    pub metadata: Meta,
    /// `null` before the aggregation controller first fills it.
    pub rules: Option<Vec<PolicyRule>>,
    pub aggregation_rule: Option<AggregationRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoleRef {
    pub api_group: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Subject {
    pub kind: String,
    pub api_group: Option<String>,
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Binding {
    pub metadata: Meta,
    pub role_ref: RoleRef,
    pub subjects: Option<Vec<Subject>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Pod {
    pub metadata: Meta,
    pub spec: PodSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    pub service_account_name: Option<String>,
    pub service_account: Option<String>,
    pub automount_service_account_token: Option<bool>,
    pub volumes: Vec<Volume>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Volume {
    pub name: String,
    pub projected: Option<Projected>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Projected {
    pub sources: Vec<ProjectedSource>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ProjectedSource {
    pub service_account_token: Option<TokenProjection>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenProjection {
    pub audience: Option<String>,
    pub expiration_seconds: Option<i64>,
    pub path: String,
}

impl PodSpec {
    /// The service account the pod runs as (`default` when none is named).
    pub fn account(&self) -> &str {
        self.service_account_name
            .as_deref()
            .or(self.service_account.as_deref())
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }
}

/// `cluster.json`: what the collector knows of the cluster besides its objects.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ClusterDoc {
    pub context: Option<String>,
    pub server: Option<String>,
    pub version: Option<serde_json::Value>,
    pub settings: Settings,
}

/// The kube-apiserver's service-account token flags (not exposed by the API) and the JIT
/// broker's expiry annotation.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `--service-account-extend-token-expiration` (on by default).
    pub extend_token_expiration: bool,
    /// `--service-account-max-token-expiration` (`"24h"`); none by default.
    pub max_token_expiration: Option<String>,
    /// The annotation a JIT broker writes on the bindings it manages, with their expiry.
    pub expiry_annotation: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            extend_token_expiration: true,
            max_token_expiration: None,
            expiry_annotation: super::raw::DEFAULT_EXPIRY_ANNOTATION.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_as_the_api_defines() {
        let labels: BTreeMap<String, String> =
            [("a".to_string(), "1".to_string())].into_iter().collect();
        let sel = |j: serde_json::Value| serde_json::from_value::<LabelSelector>(j).unwrap();
        assert!(sel(serde_json::json!({})).matches(&labels));
        assert!(sel(serde_json::json!({"matchLabels": {"a": "1"}})).matches(&labels));
        assert!(!sel(serde_json::json!({"matchLabels": {"a": "2"}})).matches(&labels));
        let exp = |op: &str, v: &[&str]| {
            sel(serde_json::json!({"matchExpressions": [{"key": "a", "operator": op, "values": v}]}))
                .matches(&labels)
        };
        assert!(exp("In", &["1", "2"]));
        assert!(!exp("NotIn", &["1"]));
        assert!(exp("Exists", &[]));
        assert!(!exp("DoesNotExist", &[]));
        assert!(!exp("Gt", &["0"]));
    }
}
