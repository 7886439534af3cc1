//! `--aws-organization`: every active account of an AWS organization, each scanned through a
//! role assumed in it (`--aws-member-role`), the caller's own account with the caller's own
//! credentials. Sends `organizations:ListAccounts`, `sts:GetCallerIdentity` and one
//! `sts:AssumeRole` per member account, each through its client's read-only guard.

use super::collect::{AwsLiveOptions, Member, endpoint_label};
use super::sdk::{SessionKeys, Settings, organization_clients};
use crate::scan::{LiveTarget, PlanError};
use aws_sdk_iam::error::DisplayErrorContext;
use aws_sdk_organizations::primitives::DateTimeFormat;
use serde_json::{Value, json};

/// The role AWS Organizations creates in every account it creates.
pub const DEFAULT_MEMBER_ROLE: &str = "OrganizationAccountAccessRole";
/// The shortest session STS grants: the collection of one account needs no more.
const SESSION_SECONDS: i32 = 900;
/// What CloudTrail shows as the session name of every member-account read.
pub const SESSION_NAME: &str = "jitgap";

/// The organization's accounts as targets, in account order. Accounts that are not active
/// (suspended, closing) are not scanned; the caller's account notes them.
pub async fn members(opts: &AwsLiveOptions) -> Result<Vec<LiveTarget>, PlanError> {
    let settings = Settings::collector(opts.profile.clone(), opts.endpoint_url.clone());
    let (orgs, sts) = organization_clients(&settings).await;
    let at = endpoint_label(opts);
    let caller = sts.get_caller_identity().send().await.map_err(|e| {
        PlanError(format!(
            "sts:GetCallerIdentity failed at {at}: {}",
            DisplayErrorContext(&e)
        ))
    })?;
    let caller_account = caller.account().unwrap_or_default().to_string();
    let partition = caller
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_string();
    let mut listed = Vec::new();
    let mut pages = orgs.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            PlanError(format!(
                "organizations:ListAccounts failed at {at}: {}: run --aws-organization with credentials \
                 of the organization's management account or of a delegated administrator",
                DisplayErrorContext(&e)
            ))
        })?;
        listed.extend(page.accounts().iter().cloned());
    }
    // Nothing listed is not an empty organization (it always holds its management account):
    // fail closed rather than report a scan of nothing as complete.
    if listed.is_empty() {
        return Err(PlanError(format!(
            "organizations:ListAccounts at {at} listed no account: run --aws-organization with credentials \
             of the organization's management account or of a delegated administrator"
        )));
    }
    let mut skipped = Vec::new();
    let mut members = Vec::new();
    for a in &listed {
        let id = a.id().unwrap_or_default().to_string();
        let state = a.state().map(|s| s.as_str().to_string());
        #[allow(deprecated)]
        let status = a.status().map(|s| s.as_str().to_string());
        let entry = json!({
            "Id": id,
            "Name": a.name(),
            "Arn": a.arn(),
            "Status": status,
            "State": state,
            "JoinedTimestamp": a.joined_timestamp().and_then(|t| t.fmt(DateTimeFormat::DateTime).ok()),
        });
        // The newer State wins; neither given: scanned (a failure then shows, nothing is hidden).
        let active = state
            .or(status)
            .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"));
        if active {
            let role_arn = (id != caller_account)
                .then(|| format!("arn:{partition}:iam::{id}:role/{}", opts.member_role));
            members.push((id, entry, role_arn));
        } else {
            skipped.push(entry);
        }
    }
    members.sort_by(|a, b| a.0.cmp(&b.0));
    // The skipped accounts are noted on the caller's account, else on the first scanned.
    let noted = members
        .iter()
        .position(|(id, _, _)| *id == caller_account)
        .unwrap_or(0);
    let mut skipped = Some(skipped);
    Ok(members
        .into_iter()
        .enumerate()
        .map(|(n, (account, entry, role_arn))| {
            let member = Member {
                account: account.clone(),
                entry,
                role_arn,
                skipped: if n == noted {
                    skipped.take().unwrap_or_default()
                } else {
                    Vec::new()
                },
            };
            LiveTarget::new(
                account,
                AwsLiveOptions {
                    member: Some(member),
                    organization: false,
                    ..opts.clone()
                },
            )
        })
        .collect())
}

/// A session in a member account through `role_arn`, or why there is none.
pub async fn session(opts: &AwsLiveOptions, role_arn: &str) -> Result<SessionKeys, String> {
    let settings = Settings::collector(opts.profile.clone(), opts.endpoint_url.clone());
    let (_, sts) = organization_clients(&settings).await;
    let at = endpoint_label(opts);
    let out = sts
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(SESSION_NAME)
        .duration_seconds(SESSION_SECONDS)
        .send()
        .await
        .map_err(|e| {
            format!(
                "sts:AssumeRole into {role_arn} failed at {at}: {}: the account is not scanned \
                 (--aws-member-role names the role to assume in each member account)",
                DisplayErrorContext(&e)
            )
        })?;
    let c = out
        .credentials()
        .ok_or_else(|| format!("sts:AssumeRole into {role_arn} at {at} returned no credentials"))?;
    Ok(SessionKeys {
        id: c.access_key_id().to_string(),
        secret: c.secret_access_key().to_string(),
        token: c.session_token().to_string(),
    })
}

/// The `organization.json` of a member account.
pub fn document(m: &Member) -> Value {
    json!({
        "Account": m.entry,
        "AssumedRole": m.role_arn,
        "Skipped": m.skipped,
    })
}
