//! Live, read-only collection of the AWS IAM documents into [`AwsRaw`].
//!
//! The result has the same shape as a saved export (see `raw.rs`), so live reads and
//! snapshot files share one parse path. Every request passes an SDK interceptor that
//! refuses any IAM action outside [`ALLOWED_OPERATIONS`] before it leaves the process.
//! Failures never abort the rest of the collection: each one becomes a message in
//! [`AwsRaw::errors`].

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_iam::Client;
use aws_sdk_iam::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_iam::error::{BoxError, DisplayErrorContext};
use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use aws_sdk_iam::types::{
    AccessKeyLastUsed, AccessKeyMetadata, AttachedPermissionsBoundary, AttachedPolicy, EntityType,
    GroupDetail, InstanceProfile, ManagedPolicyDetail, PolicyDetail, ReportStateType, RoleDetail,
    Tag, UserDetail,
};
use serde_json::{Map, Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::raw::{ALLOWED_OPERATIONS, AwsRaw};
use crate::scan::Doc;

const SOURCE_AUTHORIZATION_DETAILS: &str = "aws:iam:GetAccountAuthorizationDetails";
const SOURCE_ACCESS_KEYS: &str = "aws:iam:ListAccessKeys+GetAccessKeyLastUsed";
const SOURCE_CREDENTIAL_REPORT: &str = "aws:iam:GetCredentialReport";

/// Requests in flight at once for the per-user and per-key calls.
const MAX_IN_FLIGHT: usize = 8;
/// GenerateCredentialReport is polled once a second, this many times at most.
const REPORT_POLLS: u32 = 30;
/// IAM is global; requests are signed for this region when none is configured.
const DEFAULT_REGION: &str = "us-east-1";

#[derive(Debug, Clone, Default)]
pub struct AwsLiveOptions {
    /// Endpoint override (e.g. a local moto server). `None` = the SDK default, which also honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_IAM.
    pub endpoint_url: Option<String>,
    /// Named profile; None = the default credential chain (env, profile, SSO, process, IMDS...).
    pub profile: Option<String>,
}

/// Reads the account's IAM documents. Never panics; every failed call is reported in
/// `errors` with the operation and the endpoint, and the remaining calls still run.
pub async fn collect(opts: &AwsLiveOptions) -> AwsRaw {
    let client = client(opts).await;
    let at = endpoint_label(opts);
    let source = |name: &str| match &opts.endpoint_url {
        Some(url) => format!("{name} @ {url}"),
        None => name.to_string(),
    };
    let mut raw = AwsRaw::default();

    let (details, report) = tokio::join!(
        authorization_details(&client, &at),
        credential_report(&client, &at)
    );

    let mut users = Vec::new();
    match details {
        Ok(details) => {
            raw.scope_hint = details.account_id();
            users = details
                .users
                .iter()
                .filter_map(|u| u.user_name().map(str::to_string))
                .collect();
            let text = details.into_json().to_string();
            raw.authorization_details = Some(Doc::new(source(SOURCE_AUTHORIZATION_DETAILS), text));
        }
        Err(e) => raw.errors.push(e),
    }
    match report {
        Ok(csv_text) => {
            let (report_users, account) = report_users(&csv_text);
            if raw.authorization_details.is_none() {
                // The report lists every user too, so keys can still be read.
                users = report_users;
            }
            if raw.scope_hint.is_none() {
                raw.scope_hint = account;
            }
            raw.credential_report = Some(Doc::new(source(SOURCE_CREDENTIAL_REPORT), csv_text));
        }
        Err(e) => raw.errors.push(e),
    }

    if raw.authorization_details.is_some() || raw.credential_report.is_some() {
        let (keys, errors) = access_keys(&client, &at, users).await;
        raw.access_keys = Some(Doc::new(source(SOURCE_ACCESS_KEYS), keys.to_string()));
        raw.errors.extend(errors);
    }
    raw
}

// ---------------------------------------------------------------------------------------
// Client

async fn client(opts: &AwsLiveOptions) -> Client {
    // Environment, then the profile, then the IAM default; IMDS is not asked for a region.
    let profile_region = match &opts.profile {
        Some(name) => ProfileFileRegionProvider::builder()
            .profile_name(name)
            .build(),
        None => ProfileFileRegionProvider::new(),
    };
    let region = RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(profile_region)
        .or_else(Region::new(DEFAULT_REGION));

    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(
            RetryConfig::adaptive()
                .with_max_attempts(6)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(20)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(120))
                .build(),
        );
    if let Some(name) = &opts.profile {
        loader = loader.profile_name(name);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let sdk = loader.load().await;
    let conf = aws_sdk_iam::config::Builder::from(&sdk)
        .interceptor(ReadOnlyGuard)
        .build();
    Client::from_conf(conf)
}

/// Where requests go, for error messages.
fn endpoint_label(opts: &AwsLiveOptions) -> String {
    if let Some(url) = &opts.endpoint_url {
        return url.clone();
    }
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    if !ignored {
        for var in ["AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL"] {
            if let Ok(url) = std::env::var(var)
                && !url.is_empty()
            {
                return format!("{url} (from {var})");
            }
        }
    }
    "the default IAM endpoint".to_string()
}

fn failure(operation: &str, at: &str, err: impl std::error::Error) -> String {
    format!("{operation} failed at {at}: {}", DisplayErrorContext(err))
}

// ---------------------------------------------------------------------------------------
// Read-only guard

/// Refuses any request whose IAM `Action` is not in [`ALLOWED_OPERATIONS`].
///
/// IAM uses the AWS query protocol: the action travels as the `Action=` form parameter.
/// The check reads the serialized request, i.e. what the server would act on, and fails
/// closed when no action can be found.
#[derive(Debug)]
struct ReadOnlyGuard;

impl ReadOnlyGuard {
    fn check(context: &BeforeTransmitInterceptorContextRef<'_>) -> Result<(), BoxError> {
        let request = context.request();
        let mut actions = request.body().bytes().map(form_actions).unwrap_or_default();
        if let Some((_, query)) = request.uri().split_once('?') {
            actions.extend(form_actions(query.as_bytes()));
        }
        check_actions(&actions).map_err(Into::into)
    }
}

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "JitgapReadOnlyGuard"
    }

    // Before the retry loop: refuses before credentials are even resolved.
    fn read_after_serialization(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        Self::check(context)
    }

    // The last look at each attempt before it is sent.
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        Self::check(context)
    }
}

/// Every `Action` value in an `application/x-www-form-urlencoded` string.
fn form_actions(form: &[u8]) -> Vec<String> {
    form.split(|&b| b == b'&')
        .filter_map(|pair| pair.strip_prefix(b"Action="))
        .map(|value| {
            percent_encoding::percent_decode(value)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

fn check_actions(actions: &[String]) -> Result<(), String> {
    if actions.is_empty() {
        return Err("refused to send an IAM request: no Action found in it".to_string());
    }
    match actions
        .iter()
        .find(|a| !ALLOWED_OPERATIONS.contains(&a.as_str()))
    {
        Some(action) => Err(format!(
            "refused to send IAM action {action:?}: not in the read-only allow-list ({})",
            ALLOWED_OPERATIONS.join(", ")
        )),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// GetAccountAuthorizationDetails

struct Details {
    users: Vec<UserDetail>,
    groups: Vec<GroupDetail>,
    roles: Vec<RoleDetail>,
    policies: Vec<ManagedPolicyDetail>,
}

async fn authorization_details(client: &Client, at: &str) -> Result<Details, String> {
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
    fn account_id(&self) -> Option<String> {
        let arns = self.users.iter().filter_map(|u| u.arn());
        let arns = arns.chain(self.roles.iter().filter_map(|r| r.arn()));
        let arns = arns.chain(self.groups.iter().filter_map(|g| g.arn()));
        let mut arns = arns.chain(self.policies.iter().filter_map(|p| p.arn()));
        arns.find_map(account_of_arn)
    }

    /// The merged document in the shape `aws iam get-account-authorization-details` prints.
    /// AWS-managed policies are kept only when something in the account uses them.
    fn into_json(self) -> Value {
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
struct Obj(Map<String, Value>);

impl Obj {
    fn new() -> Self {
        Obj(Map::new())
    }
    fn str(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.to_string(), Value::from(v));
        }
        self
    }
    fn date(self, key: &str, value: Option<&DateTime>) -> Self {
        let text = value.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok());
        self.str(key, text.as_deref())
    }
    fn val(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.to_string(), value.into());
        self
    }
    fn opt(self, key: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.val(key, v),
            None => self,
        }
    }
    fn list<T>(self, key: &str, items: &[T], f: impl Fn(&T) -> Value) -> Self {
        self.val(key, items.iter().map(f).collect::<Vec<_>>())
    }
    fn done(self) -> Value {
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

fn account_of_arn(arn: &str) -> Option<String> {
    account_field(arn)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------
// Credential report

async fn credential_report(client: &Client, at: &str) -> Result<String, String> {
    let mut complete = false;
    for poll in 0..REPORT_POLLS {
        if poll > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let out = client
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| failure("GenerateCredentialReport", at, &e))?;
        if out.state() == Some(&ReportStateType::Complete) {
            complete = true;
            break;
        }
    }
    if !complete {
        return Err(format!(
            "GenerateCredentialReport failed at {at}: the report was not COMPLETE after {REPORT_POLLS} polls"
        ));
    }
    let out = client
        .get_credential_report()
        .send()
        .await
        .map_err(|e| failure("GetCredentialReport", at, &e))?;
    match out.content() {
        Some(blob) => Ok(String::from_utf8_lossy(blob.as_ref()).into_owned()),
        None => Err(format!(
            "GetCredentialReport failed at {at}: the response has no Content"
        )),
    }
}

/// User names and the account id from a credential report CSV.
fn report_users(csv_text: &str) -> (Vec<String>, Option<String>) {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut users = Vec::new();
    let mut account = None;
    for record in reader.records().flatten() {
        if account.is_none() {
            account = record.get(1).and_then(account_of_arn);
        }
        match record.get(0) {
            Some(user) if !user.is_empty() && user != "<root_account>" => {
                users.push(user.to_string())
            }
            _ => {}
        }
    }
    (users, account)
}

// ---------------------------------------------------------------------------------------
// Access keys

/// `{"AccessKeyMetadata": [...]}` for the given users, each key with its `AccessKeyLastUsed`.
async fn access_keys(client: &Client, at: &str, users: Vec<String>) -> (Value, Vec<String>) {
    let at: Arc<str> = Arc::from(at);
    let mut errors = Vec::new();

    let listed = bounded(users.clone(), |user| {
        let (client, at) = (client.clone(), at.clone());
        async move {
            let mut keys = Vec::new();
            let mut stream = client
                .list_access_keys()
                .user_name(&user)
                .into_paginator()
                .items()
                .send();
            while let Some(key) = stream.next().await {
                let key =
                    key.map_err(|e| failure("ListAccessKeys", &format!("{at} (user {user})"), &e))?;
                keys.push(key);
            }
            Ok::<_, String>(keys)
        }
    })
    .await;

    let mut keys: Vec<AccessKeyMetadata> = Vec::new();
    for (user, result) in users.iter().zip(listed) {
        match result {
            Some(Ok(found)) => keys.extend(found),
            Some(Err(e)) => errors.push(e),
            None => errors.push(format!(
                "ListAccessKeys did not complete for user {user} at {at}"
            )),
        }
    }

    let ids: Vec<String> = keys
        .iter()
        .map(|k| k.access_key_id().unwrap_or_default().to_string())
        .collect();
    let last_used = bounded(ids.clone(), |id| {
        let (client, at) = (client.clone(), at.clone());
        async move {
            let out = client
                .get_access_key_last_used()
                .access_key_id(&id)
                .send()
                .await
                .map_err(|e| failure("GetAccessKeyLastUsed", &format!("{at} (key {id})"), &e))?;
            Ok::<_, String>(out.access_key_last_used().cloned())
        }
    })
    .await;

    let mut items = Vec::with_capacity(keys.len());
    for ((key, id), used) in keys.iter().zip(&ids).zip(last_used) {
        let used = match used {
            Some(Ok(used)) => used,
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            None => {
                errors.push(format!(
                    "GetAccessKeyLastUsed did not complete for key {id} at {at}"
                ));
                None
            }
        };
        items.push(access_key_json(key, used.as_ref()));
    }
    (json!({ "AccessKeyMetadata": items }), errors)
}

fn access_key_json(k: &AccessKeyMetadata, used: Option<&AccessKeyLastUsed>) -> Value {
    let used = used.map(|u| {
        Obj::new()
            .date("LastUsedDate", u.last_used_date())
            .str("ServiceName", Some(u.service_name()))
            .str("Region", Some(u.region()))
            .done()
    });
    Obj::new()
        .str("UserName", k.user_name())
        .str("AccessKeyId", k.access_key_id())
        .str("Status", k.status().map(|s| s.as_str()))
        .date("CreateDate", k.create_date())
        .opt("AccessKeyLastUsed", used)
        .done()
}

/// Runs `f` over `inputs` with at most [`MAX_IN_FLIGHT`] at once. Results come back in
/// input order; `None` marks a task that did not complete (it panicked or was cancelled).
async fn bounded<I, T, F, Fut>(inputs: Vec<I>, f: F) -> Vec<Option<T>>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let gate = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut tasks = JoinSet::new();
    let mut results: Vec<Option<T>> = inputs.iter().map(|_| None).collect();
    for (index, input) in inputs.into_iter().enumerate() {
        let gate = gate.clone();
        let work = f(input);
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = gate.acquire_owned().await;
            (index, work.await)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, value)) = joined {
            results[index] = Some(value);
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_action_in_a_query_body() {
        let body = b"Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.1=User";
        assert_eq!(form_actions(body), vec!["GetAccountAuthorizationDetails"]);
        assert_eq!(
            form_actions(b"Version=2010-05-08&Action=Get%43redentialReport"),
            vec!["GetCredentialReport"]
        );
        assert!(form_actions(b"Version=2010-05-08&NotAction=DeleteUser").is_empty());
    }

    #[test]
    fn allows_only_the_read_only_operations() {
        for op in ALLOWED_OPERATIONS {
            assert!(
                check_actions(&[op.to_string()]).is_ok(),
                "{op} should be allowed"
            );
        }
        for op in [
            "DeleteUser",
            "CreateAccessKey",
            "PutRolePolicy",
            "UpdateAccessKey",
            "getcredentialreport",
        ] {
            assert!(
                check_actions(&[op.to_string()]).is_err(),
                "{op} should be refused"
            );
        }
        // Fails closed when there is no action, or when any of several is not allowed.
        assert!(check_actions(&[]).is_err());
        assert!(check_actions(&["ListAccessKeys".into(), "DeleteAccessKey".into()]).is_err());
    }

    #[tokio::test]
    async fn guard_refuses_a_write_before_it_is_sent() {
        // Nothing listens on port 1: a request that got past the guard would fail with a
        // connection error instead of the refusal.
        let opts = AwsLiveOptions {
            endpoint_url: Some("http://127.0.0.1:1".into()),
            profile: None,
        };
        let client = client(&opts).await;
        let err = client
            .delete_user()
            .user_name("ci-deployer")
            .send()
            .await
            .unwrap_err();
        let text = DisplayErrorContext(&err).to_string();
        assert!(
            text.contains("refused to send IAM action \"DeleteUser\""),
            "{text}"
        );
        assert!(text.contains("JitgapReadOnlyGuard"), "{text}");
        assert!(
            !text.contains("tcp connect") && !text.contains("refused (os error"),
            "{text}"
        );
    }

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

    #[test]
    fn lists_users_from_a_credential_report() {
        let csv = "user,arn,user_creation_time\n\
                   <root_account>,arn:aws:iam::111122223333:root,2019-01-01T00:00:00+00:00\n\
                   ci-deployer,arn:aws:iam::111122223333:user/ci-deployer,2023-02-10T08:15:00+00:00\n";
        let (users, account) = report_users(csv);
        assert_eq!(users, vec!["ci-deployer"]);
        assert_eq!(account.as_deref(), Some("111122223333"));
    }
}
