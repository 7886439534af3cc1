//! Typed view of `get-account-authorization-details`: only the fields jitgap reads,
//! unknown fields ignored, missing/null lists empty. Parsed straight from the text; policy
//! documents stay raw JSON borrowed from it until they are evaluated.

use serde::Deserialize;
use serde_json::value::RawValue;

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Gaad<'a> {
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub user_detail_list: Vec<UserDetail<'a>>,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub group_detail_list: Vec<GroupDetail<'a>>,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub role_detail_list: Vec<RoleDetail<'a>>,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub policies: Vec<ManagedPolicy<'a>>,
    #[serde(default)]
    pub is_truncated: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct InlinePolicy<'a> {
    #[serde(default)]
    pub policy_name: String,
    #[serde(borrow, default)]
    pub policy_document: Option<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct AttachedPolicy {
    #[serde(default)]
    pub policy_arn: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Tag {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserDetail<'a> {
    #[serde(default)]
    pub path: String,
    pub user_name: String,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub create_date: Option<String>,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub user_policy_list: Vec<InlinePolicy<'a>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub group_list: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GroupDetail<'a> {
    pub group_name: String,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub group_policy_list: Vec<InlinePolicy<'a>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RoleLastUsed {
    #[serde(default)]
    pub last_used_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RoleDetail<'a> {
    #[serde(default)]
    pub path: String,
    pub role_name: String,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub create_date: Option<String>,
    #[serde(borrow, default)]
    pub assume_role_policy_document: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub role_policy_list: Vec<InlinePolicy<'a>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub role_last_used: Option<RoleLastUsed>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PolicyVersion<'a> {
    #[serde(borrow, default)]
    pub document: Option<&'a RawValue>,
    #[serde(default)]
    pub version_id: String,
    #[serde(default)]
    pub is_default_version: bool,
    #[serde(default)]
    pub create_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ManagedPolicy<'a> {
    pub arn: String,
    #[serde(default)]
    pub default_version_id: String,
    #[serde(default)]
    pub update_date: Option<String>,
    #[serde(borrow, default, deserialize_with = "null_as_default")]
    pub policy_version_list: Vec<PolicyVersion<'a>>,
}

impl<'a> ManagedPolicy<'a> {
    /// The version in force: the one marked default (or named by `DefaultVersionId`).
    pub fn default_version(&self) -> Option<(usize, &PolicyVersion<'a>)> {
        self.policy_version_list
            .iter()
            .enumerate()
            .find(|(_, v)| v.is_default_version)
            .or_else(|| {
                self.policy_version_list
                    .iter()
                    .enumerate()
                    .find(|(_, v)| v.version_id == self.default_version_id)
            })
    }
}
