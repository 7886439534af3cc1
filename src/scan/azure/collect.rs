//! Live collection from Microsoft Graph and Azure Resource Manager (GET only).
//!
//! [`targets`] plans the tenant; [`list_scopes`] gets the credentials (`token.rs`),
//! lists the subscriptions (or reads the ones named) and settles the tenant id: the tenant
//! and each subscription become one scope. [`collect`] reads one of them (`tenant.rs`,
//! `subscription.rs`, through `api.rs`). A failure is an error inside the scope, never a
//! panic; a listing that fails still leaves the tenant to be collected.

use super::BOUNDARY;
use super::collect_subscription;
use crate::scan::scanner::{Live, LiveTarget, Origin, PlanError, RawScope};
use serde_json::Value;

pub use super::token::Credentials;

/// What the flags and `[sources.azure]` ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureOptions {
    /// The tenant id, when given; else the credential's.
    pub tenant: Option<String>,
    /// The subscriptions to read; empty: every one the credential lists.
    pub subscriptions: Vec<String>,
    /// Base URLs without a trailing slash.
    pub graph_url: String,
    pub arm_url: String,
}

/// A scope as [`list_scopes`] planned it.
#[derive(Debug)]
enum Planned {
    /// The tenant: its id, or why it is not known.
    Tenant {
        opts: AzureOptions,
        creds: Credentials,
        tenant: Result<String, String>,
    },
    /// A subscription: its object as ARM gave it, or why it could not be read.
    Subscription {
        opts: AzureOptions,
        creds: Credentials,
        id: String,
        object: Result<Value, String>,
    },
    /// The subscriptions could not be listed.
    ListingFailed { error: String },
}

/// The targets before listing: the tenant (and the subscriptions named).
pub fn targets(opts: AzureOptions) -> Vec<LiveTarget> {
    vec![LiveTarget::new("tenant", opts)]
}

/// Expands the tenant target into the tenant and every subscription to read, with the
/// credentials of the environment.
pub async fn list_scopes(
    targets: Vec<LiveTarget>,
    live: &Live,
) -> Result<Vec<LiveTarget>, PlanError> {
    list_scopes_with(targets, live, Credentials::from_env()).await
}

/// [`list_scopes`] with the credentials given.
pub async fn list_scopes_with(
    targets: Vec<LiveTarget>,
    live: &Live,
    creds: Credentials,
) -> Result<Vec<LiveTarget>, PlanError> {
    let mut out = Vec::new();
    for target in targets {
        match target.spec::<AzureOptions>() {
            Some(opts) => out.extend(plan(opts, &creds, live).await),
            None => out.push(target),
        }
    }
    Ok(out)
}

/// The tenant of a listed target (its own id for the tenant), for `--shard`.
pub fn tenant_of(target: &LiveTarget) -> Option<String> {
    match target.spec::<Planned>()? {
        Planned::Tenant { tenant: Ok(t), .. } => Some(t.to_ascii_lowercase()),
        Planned::Subscription {
            object: Ok(sub), ..
        } => sub
            .get("tenantId")
            .and_then(|t| t.as_str())
            .map(|t| t.to_ascii_lowercase()),
        _ => None,
    }
}

/// Collects one tenant or subscription.
pub async fn collect(target: &LiveTarget, live: &Live) -> RawScope {
    if let Some(opts) = target.spec::<AzureOptions>() {
        // Not listed first: the tenant alone, with the environment's credentials.
        let planned = plan(opts, &Credentials::from_env(), live).await;
        return match planned.first() {
            Some(first) => Box::pin(collect(first, live)).await,
            None => failed(&target.label, "nothing to collect".into()),
        };
    }
    let planned = match target.spec_or_failed::<Planned>(BOUNDARY) {
        Ok(p) => p,
        Err(raw) => return raw,
    };
    match planned {
        Planned::Tenant {
            opts,
            creds,
            tenant,
        } => match tenant {
            Ok(id) => super::collect_tenant::collect(id, &opts.graph_url, creds, live).await,
            Err(why) => failed("tenant", why.clone()),
        },
        Planned::Subscription {
            opts,
            creds,
            id,
            object,
        } => match object {
            Ok(sub) => {
                let named = !opts.subscriptions.is_empty();
                collect_subscription::collect(id, sub, named, &opts.arm_url, creds, live).await
            }
            Err(why) => failed(id, why.clone()),
        },
        Planned::ListingFailed { error } => failed("subscriptions", error.clone()),
    }
}

fn failed(scope: &str, error: String) -> RawScope {
    let mut raw = RawScope::new(BOUNDARY, scope, Origin::Live);
    raw.errors.push(error);
    raw
}

/// The tenant, then each subscription (or the listing's failure).
async fn plan(opts: &AzureOptions, creds: &Credentials, live: &Live) -> Vec<LiveTarget> {
    let (subs, token_tenant) = subscriptions(opts, creds, live).await;
    let listed_tenant = subs.as_ref().ok().and_then(|subs| {
        subs.iter()
            .filter_map(|(_, o)| o.as_ref().ok())
            .find_map(|o| o["tenantId"].as_str().map(str::to_string))
    });
    let tenant = opts
        .tenant
        .clone()
        .or(token_tenant)
        .or(listed_tenant)
        .ok_or_else(|| {
            "azure tenant: its id is not known (the token names none and no subscription was listed): pass --azure-tenant"
                .to_string()
        });
    let label = tenant.clone().unwrap_or_else(|_| "tenant".into());
    let mut out = vec![LiveTarget::new(
        label,
        Planned::Tenant {
            opts: opts.clone(),
            creds: creds.clone(),
            tenant,
        },
    )];
    match subs {
        Ok(subs) => {
            for (id, object) in subs {
                out.push(LiveTarget::new(
                    id.clone(),
                    Planned::Subscription {
                        opts: opts.clone(),
                        creds: creds.clone(),
                        id,
                        object,
                    },
                ));
            }
        }
        Err(error) => out.push(LiveTarget::new(
            "subscriptions",
            Planned::ListingFailed { error },
        )),
    }
    out
}

type Subscriptions = Result<Vec<(String, Result<Value, String>)>, String>;

/// The subscriptions to read (named ones each read by id), and the tenant the ARM token names.
async fn subscriptions(
    opts: &AzureOptions,
    creds: &Credentials,
    live: &Live,
) -> (Subscriptions, Option<String>) {
    let static_tenant = creds.static_token().and_then(super::token::tenant);
    let api = match collect_subscription::arm(&opts.arm_url, creds, live).await {
        Ok(api) => api,
        Err(e) => return (Err(format!("azure subscriptions: {e}")), static_tenant),
    };
    let tenant = static_tenant.or_else(|| super::token::tenant(api.bearer()));
    if !opts.subscriptions.is_empty() {
        let mut out = Vec::new();
        for id in &opts.subscriptions {
            let got = collect_subscription::get(&api, id)
                .await
                .map_err(|e| api.scrub(&format!("subscription {id}: {e}")));
            out.push((id.clone(), got));
        }
        return (Ok(out), tenant);
    }
    let listed = collect_subscription::list(&api).await.map_err(|e| {
        api.scrub(&format!(
            "azure subscriptions not listed: {e}{}",
            if e.is_denied() {
                "; the credential needs Reader on the subscriptions (Microsoft.Resources/subscriptions/read)"
            } else {
                ""
            }
        ))
    });
    let subs = listed.map(|items| {
        items
            .into_iter()
            .filter_map(|o| collect_subscription::id_of(&o).map(|id| (id, Ok(o))))
            .collect()
    });
    (subs, tenant)
}
