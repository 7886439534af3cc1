//! Live, read-only collection of the AWS IAM documents into a [`RawScope`].
//!
//! The result has the same shape as a saved export (see `raw.rs`), so live reads and
//! snapshot files share one parse path. Every request passes an SDK interceptor that
//! refuses any IAM action outside [`ALLOWED_OPERATIONS`](super::raw::ALLOWED_OPERATIONS) before it
//! leaves the process (`guard.rs`); the client is configured in `sdk.rs`.
//! Failures never abort the rest of the collection: each one becomes a message in
//! [`RawScope::errors`].

use std::future::Future;
use std::sync::Arc;

use aws_sdk_iam::Client;
use aws_sdk_iam::error::DisplayErrorContext;
use aws_sdk_iam::types::{AccessKeyLastUsed, AccessKeyMetadata};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::BOUNDARY;
use super::collect_gaad::{Obj, authorization_details};
use super::credential_report::{credential_report, report_users};
use super::raw::{ACCESS_KEYS, AUTHORIZATION_DETAILS, CREDENTIAL_REPORT, ORGANIZATION};
use super::sdk::{Settings, iam_client};
use crate::scan::Doc;
use crate::scan::{Origin, RawScope};

const SOURCE_AUTHORIZATION_DETAILS: &str = "aws:iam:GetAccountAuthorizationDetails";
const SOURCE_ACCESS_KEYS: &str = "aws:iam:ListAccessKeys+GetAccessKeyLastUsed";
const SOURCE_CREDENTIAL_REPORT: &str = "aws:iam:GetCredentialReport";

/// Requests in flight at once for the per-user and per-key calls.
const MAX_IN_FLIGHT: usize = 8;

#[derive(Debug, Clone, Default)]
pub struct AwsLiveOptions {
    /// Endpoint override (e.g. a local moto server). `None` = the SDK default, which also honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_IAM.
    pub endpoint_url: Option<String>,
    /// Named profile; None = the default credential chain (env, profile, SSO, process, IMDS...).
    pub profile: Option<String>,
    /// List the organization's accounts and scan each (`--aws-organization`).
    pub organization: bool,
    /// The role to assume in each member account.
    pub member_role: String,
    /// One account of the organization, as listed.
    pub member: Option<Member>,
}

/// One account of an organization: its `ListAccounts` entry and the role to assume in it
/// (none for the caller's own account).
#[derive(Debug, Clone, Default)]
pub struct Member {
    pub account: String,
    pub entry: Value,
    pub role_arn: Option<String>,
    /// Accounts not scanned (not active), noted on this one.
    pub skipped: Vec<Value>,
}

/// Reads the account's IAM documents. Never panics; every failed call is reported in
/// `errors` with the operation and the endpoint, and the remaining calls still run.
/// The scope is the account id (from the export or the report), `unknown-account` until known.
pub async fn collect(opts: &AwsLiveOptions) -> RawScope {
    let client = match &opts.member {
        Some(Member {
            role_arn: Some(arn),
            account,
            ..
        }) => match super::organization::session(opts, arn).await {
            Ok(keys) => {
                let settings = Settings::collector(opts.profile.clone(), opts.endpoint_url.clone());
                super::sdk::iam_client_as(&settings, keys).await
            }
            Err(e) => {
                let mut raw = RawScope::new(BOUNDARY, account.clone(), Origin::Live);
                raw.errors.push(e);
                return raw;
            }
        },
        _ => client(opts).await,
    };
    let at = endpoint_label(opts);
    let source = |name: &str| match &opts.endpoint_url {
        Some(url) => format!("{name} @ {url}"),
        None => name.to_string(),
    };
    let mut raw = RawScope::new(BOUNDARY, "", Origin::Live);
    let mut account: Option<String> = None;

    let (details, report) = tokio::join!(
        authorization_details(&client, &at),
        credential_report(&client, &at)
    );

    let mut users = Vec::new();
    match details {
        Ok(details) => {
            account = details.account_id();
            users = details
                .users
                .iter()
                .filter_map(|u| u.user_name().map(str::to_string))
                .collect();
            let text = details.into_json().to_string();
            raw.put(
                AUTHORIZATION_DETAILS,
                Doc::new(source(SOURCE_AUTHORIZATION_DETAILS), text),
            );
        }
        Err(e) => raw.errors.push(e.to_string()),
    }
    match report {
        Ok(csv_text) => {
            let (report_users, in_report) = report_users(&csv_text);
            if raw.document(AUTHORIZATION_DETAILS).is_none() {
                // The report lists every user too, so keys can still be read.
                users = report_users;
            }
            account = account.or(in_report);
            raw.put(
                CREDENTIAL_REPORT,
                Doc::new(source(SOURCE_CREDENTIAL_REPORT), csv_text),
            );
        }
        Err(e) => raw.errors.push(e.to_string()),
    }

    if !raw.documents.is_empty() {
        let (keys, errors) = access_keys(&client, &at, users).await;
        raw.put(
            ACCESS_KEYS,
            Doc::new(source(SOURCE_ACCESS_KEYS), keys.to_string()),
        );
        raw.errors.extend(errors);
    }
    if let Some(m) = &opts.member {
        if !raw.documents.is_empty() {
            raw.put(
                ORGANIZATION,
                Doc::new(
                    source("aws:organizations:ListAccounts"),
                    super::organization::document(m).to_string(),
                ),
            );
        }
        account = account.or_else(|| Some(m.account.clone()));
    }
    raw.scope = account.unwrap_or_else(|| "unknown-account".into());
    raw
}

// ---------------------------------------------------------------------------------------
// Client

async fn client(opts: &AwsLiveOptions) -> Client {
    let settings = Settings::collector(opts.profile.clone(), opts.endpoint_url.clone());
    iam_client(&settings).await
}

/// Where requests go, for error messages.
pub(super) fn endpoint_label(opts: &AwsLiveOptions) -> String {
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

/// A live read that failed; `at` is the endpoint (and the user or key) it went to.
#[derive(Debug, thiserror::Error)]
pub(super) enum CollectError {
    /// `detail` is the SDK error with its context, as text.
    #[error("{operation} failed at {at}: {detail}")]
    Call {
        operation: &'static str,
        at: String,
        detail: String,
    },
    #[error(
        "GenerateCredentialReport failed at {at}: the report was not COMPLETE after {polls} polls"
    )]
    ReportIncomplete { at: String, polls: u32 },
    #[error("GetCredentialReport failed at {at}: the response has no Content")]
    ReportEmpty { at: String },
}

pub(super) fn failure(
    operation: &'static str,
    at: &str,
    err: impl std::error::Error,
) -> CollectError {
    CollectError::Call {
        operation,
        at: at.to_string(),
        detail: DisplayErrorContext(err).to_string(),
    }
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
            Ok::<_, CollectError>(keys)
        }
    })
    .await;

    let mut keys: Vec<AccessKeyMetadata> = Vec::new();
    for (user, result) in users.iter().zip(listed) {
        match result {
            Some(Ok(found)) => keys.extend(found),
            Some(Err(e)) => errors.push(e.to_string()),
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
            Ok::<_, CollectError>(out.access_key_last_used().cloned())
        }
    })
    .await;

    let mut items = Vec::with_capacity(keys.len());
    for ((key, id), used) in keys.iter().zip(&ids).zip(last_used) {
        let used = match used {
            Some(Ok(used)) => used,
            Some(Err(e)) => {
                errors.push(e.to_string());
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

    #[tokio::test]
    async fn guard_refuses_a_write_before_it_is_sent() {
        // Nothing listens on port 1: a request that got past the guard would fail with a
        // connection error instead of the refusal.
        let opts = AwsLiveOptions {
            endpoint_url: Some("http://127.0.0.1:1".into()),
            profile: None,
            ..Default::default()
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
}
