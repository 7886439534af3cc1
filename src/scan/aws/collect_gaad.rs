//! `GetAccountAuthorizationDetails`, paged, merged into the JSON `aws iam
//! get-account-authorization-details` prints, so that live reads and exports share one parser.

use std::collections::HashSet;

use aws_sdk_iam::Client;
use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use aws_sdk_iam::types::{
    AttachedPermissionsBoundary, AttachedPolicy, EntityType, GroupDetail, InstanceProfile,
    ManagedPolicyDetail, PolicyDetail, RoleDetail, Tag, UserDetail,
};
use serde_json::{Map, Value, json};

use super::collect::{CollectError, failure};

pub(super) struct Details {
    pub users: Vec<UserDetail>,
    groups: Vec<GroupDetail>,
    roles: Vec<RoleDetail>,
    policies: Vec<ManagedPolicyDetail>,
}

pub(super) async fn authorization_details(
    client: &Client,
    at: &str,
) -> Result<Details, CollectError> {
    let filter = vec![
        EntityType::User,
        EntityType::Role,
        EntityType::Group,
        EntityType::LocalManagedPolicy,
        EntityType::AwsManagedPolicy,
    ];
    let mut pages = client
        .get_account_authorization_details()
        .set_filter(Some(filter))
        .into_paginator()
        .send();
    let mut details = Details {
        users: vec![],
        groups: vec![],
        roles: vec![],
        policies: vec![],
    };
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure("GetAccountAuthorizationDetails", at, &e))?;
        details
            .users
            .extend(page.user_detail_list.unwrap_or_default());
        details
            .groups
            .extend(page.group_detail_list.unwrap_or_default());
        details
            .roles
            .extend(page.role_detail_list.unwrap_or_default());
        details.policies.extend(page.policies.unwrap_or_default());
    }
    Ok(details)
}

impl Details {
    pub fn account_id(&self) -> Option<String> {
        let arns = self.users.iter().filter_map(|u| u.arn());
        let arns = arns.chain(self.roles.iter().filter_map(|r| r.arn()));
        let arns = arns.chain(self.groups.iter().filter_map(|g| g.arn()));
        let mut arns = arns.chain(self.policies.iter().filter_map(|p| p.arn()));
        arns.find_map(account_of_arn)
    }

    /// The merged document in the shape `aws iam get-account-authorization-details` prints.
    /// AWS-managed policies are kept only when something in the account uses them.
    pub fn into_json(self) -> Value {
        let mut used: HashSet<&str> = HashSet::new();
        let attached = self
            .users
            .iter()
            .flat_map(|u| u.attached_managed_policies());
        let attached = attached.chain(
            self.groups
                .iter()
                .flat_map(|g| g.attached_managed_policies()),
        );
        let attached = attached.chain(
            self.roles
                .iter()
                .flat_map(|r| r.attached_managed_policies()),
        );
        used.extend(attached.filter_map(|p| p.policy_arn()));
        let boundaries = self.users.iter().filter_map(|u| u.permissions_boundary());
        let boundaries =
            boundaries.chain(self.roles.iter().filter_map(|r| r.permissions_boundary()));
        used.extend(boundaries.filter_map(|b| b.permissions_boundary_arn()));

        let keep = |p: &ManagedPolicyDetail| {
            let arn = p.arn().unwrap_or_default();
            account_field(arn) != Some("aws")
                || p.attachment_count().unwrap_or(0) > 0
                || p.permissions_boundary_usage_count().unwrap_or(0) > 0
                || used.contains(arn)
        };

        json!({
            "UserDetailList": self.users.iter().map(user_json).collect::<Vec<_>>(),
            "GroupDetailList": self.groups.iter().map(group_json).collect::<Vec<_>>(),
            "RoleDetailList": self.roles.iter().map(role_json).collect::<Vec<_>>(),
            "Policies": self.policies.iter().filter(|p| keep(p)).map(policy_json).collect::<Vec<_>>(),
            "IsTruncated": false,
        })
    }
}

/// A JSON object that leaves out absent fields, as the AWS CLI does.
pub(super) struct Obj(Map<String, Value>);

impl Obj {
    pub fn new() -> Self {
        Obj(Map::new())
    }
    pub fn str(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.to_string(), Value::from(v));
        }
        self
    }
    pub fn date(self, key: &str, value: Option<&DateTime>) -> Self {
        let text = value.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok());
        self.str(key, text.as_deref())
    }
    pub fn val(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_string(), value.into());
        self
    }
    pub fn opt(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.val(key, v),
            None => self,
        }
    }
    pub fn list<T>(self, key: &str, items: &[T], f: impl Fn(&T) -> Value) -> Self {
        self.val(key, items.iter().map(f).collect::<Vec<_>>())
    }
    pub fn done(self) -> Value {
        Value::Object(self.0)
    }
}

fn user_json(u: &UserDetail) -> Value {
    Obj::new()
        .str("Path", u.path())
        .str("UserName", u.user_name())
        .str("UserId", u.user_id())
        .str("Arn", u.arn())
        .date("CreateDate", u.create_date())
        .list("UserPolicyList", u.user_policy_list(), inline_policy_json)
        .val("GroupList", u.group_list().to_vec())
        .list(
            "AttachedManagedPolicies",
            u.attached_managed_policies(),
            attached_json,
        )
        .opt(
            "PermissionsBoundary",
            u.permissions_boundary().map(boundary_json),
        )
        .list("Tags", u.tags(), tag_json)
        .done()
}

fn group_json(g: &GroupDetail) -> Value {
    Obj::new()
        .str("Path", g.path())
        .str("GroupName", g.group_name())
        .str("GroupId", g.group_id())
        .str("Arn", g.arn())
        .date("CreateDate", g.create_date())
        .list("GroupPolicyList", g.group_policy_list(), inline_policy_json)
        .list(
            "AttachedManagedPolicies",
            g.attached_managed_policies(),
            attached_json,
        )
        .done()
}

fn role_json(r: &RoleDetail) -> Value {
    let last_used = r.role_last_used().map(|l| {
        Obj::new()
            .date("LastUsedDate", l.last_used_date())
            .str("Region", l.region())
            .done()
    });
    Obj::new()
        .str("Path", r.path())
        .str("RoleName", r.role_name())
        .str("RoleId", r.role_id())
        .str("Arn", r.arn())
        .date("CreateDate", r.create_date())
        .str("AssumeRolePolicyDocument", r.assume_role_policy_document())
        .list(
            "InstanceProfileList",
            r.instance_profile_list(),
            instance_profile_json,
        )
        .list("RolePolicyList", r.role_policy_list(), inline_policy_json)
        .list(
            "AttachedManagedPolicies",
            r.attached_managed_policies(),
            attached_json,
        )
        .opt(
            "PermissionsBoundary",
            r.permissions_boundary().map(boundary_json),
        )
        .list("Tags", r.tags(), tag_json)
        .opt("RoleLastUsed", last_used)
        .done()
}

fn policy_json(p: &ManagedPolicyDetail) -> Value {
    // Only the default version is in force.
    let versions: Vec<Value> = p
        .policy_version_list()
        .iter()
        .filter(|v| v.is_default_version())
        .map(|v| {
            Obj::new()
                .str("Document", v.document())
                .str("VersionId", v.version_id())
                .val("IsDefaultVersion", v.is_default_version())
                .date("CreateDate", v.create_date())
                .done()
        })
        .collect();
    Obj::new()
        // Some servers (moto) leave the name out; it is the ARN's last path segment.
        .str(
            "PolicyName",
            p.policy_name()
                .or_else(|| p.arn().and_then(|a| a.rsplit('/').next())),
        )
        .str("PolicyId", p.policy_id())
        .str("Arn", p.arn())
        .str("Path", p.path())
        .str("DefaultVersionId", p.default_version_id())
        .opt("AttachmentCount", p.attachment_count())
        .opt(
            "PermissionsBoundaryUsageCount",
            p.permissions_boundary_usage_count(),
        )
        .val("IsAttachable", p.is_attachable())
        .str("Description", p.description())
        .date("CreateDate", p.create_date())
        .date("UpdateDate", p.update_date())
        .val("PolicyVersionList", versions)
        .done()
}

fn inline_policy_json(p: &PolicyDetail) -> Value {
    Obj::new()
        .str("PolicyName", p.policy_name())
        .str("PolicyDocument", p.policy_document())
        .done()
}

fn attached_json(p: &AttachedPolicy) -> Value {
    Obj::new()
        .str("PolicyName", p.policy_name())
        .str("PolicyArn", p.policy_arn())
        .done()
}

fn boundary_json(b: &AttachedPermissionsBoundary) -> Value {
    Obj::new()
        .str(
            "PermissionsBoundaryType",
            b.permissions_boundary_type().map(|t| t.as_str()),
        )
        .str("PermissionsBoundaryArn", b.permissions_boundary_arn())
        .done()
}

fn tag_json(t: &Tag) -> Value {
    json!({"Key": t.key(), "Value": t.value()})
}

fn instance_profile_json(p: &InstanceProfile) -> Value {
    Obj::new()
        .str("Path", Some(p.path()))
        .str("InstanceProfileName", Some(p.instance_profile_name()))
        .str("InstanceProfileId", Some(p.instance_profile_id()))
        .str("Arn", Some(p.arn()))
        .date("CreateDate", Some(p.create_date()))
        .done()
}

/// The account field of an ARN (`arn:<partition>:<service>:<region>:<account>:...`).
fn account_field(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next()? == "arn").then_some(())?;
    parts.nth(3)
}

pub(super) fn account_of_arn(arn: &str) -> Option<String> {
    account_field(arn)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_account_from_arns() {
        assert_eq!(
            account_of_arn("arn:aws:iam::123456789012:user/ci").as_deref(),
            Some("123456789012")
        );
        assert_eq!(
            account_of_arn("arn:aws-cn:iam::210987654321:root").as_deref(),
            Some("210987654321")
        );
        assert_eq!(
            account_of_arn("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            None
        );
        assert_eq!(
            account_field("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            Some("aws")
        );
        assert_eq!(account_of_arn("not-an-arn"), None);
    }
}
