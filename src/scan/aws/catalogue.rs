use crate::model::Privilege;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The AWS privilege catalogue from `rules/aws.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsCatalogue {
    pub read_verbs: Vec<String>,
    pub admin_actions: Vec<String>,
    pub admin_actions_on_any_resource: Vec<String>,
    /// AWS-managed policy name → tier, for policies whose document is absent.
    pub managed_policies: BTreeMap<String, Privilege>,
}
