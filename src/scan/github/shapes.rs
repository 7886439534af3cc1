//! The GitHub REST shapes jitgap reads (`../reference` api-shapes §E), with the fields it
//! uses. Unknown fields are ignored: GitHub adds fields often, and a new one must not break a
//! scan. Times stay strings here and are parsed with their JSON pointer (a bad one is named).

use serde::Deserialize;
use std::collections::BTreeMap;

/// `GET /orgs/{org}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Org {
    pub login: String,
    #[serde(default)]
    pub id: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Account {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub id: Option<u64>,
}

/// One entry of `GET /orgs/{org}/repos`.
#[derive(Debug, Clone, Deserialize)]
pub struct Repo {
    #[serde(default)]
    pub id: Option<u64>,
    pub name: String,
    pub full_name: String,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub owner: Account,
}

/// One entry of `GET /repos/{owner}/{repo}/keys`.
#[derive(Debug, Clone, Deserialize)]
pub struct DeployKey {
    pub id: u64,
    /// The public key (`ssh-ed25519 AAAA…`): only its fingerprint is kept.
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub created_at: Option<String>,
    /// `false` = write access.
    #[serde(default)]
    pub read_only: Option<bool>,
    #[serde(default)]
    pub added_by: Option<String>,
    #[serde(default)]
    pub last_used: Option<String>,
    /// `false` when an organization policy disabled deploy keys.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `GET /repos/{o}/{r}/actions/oidc/customization/sub` (and the org's, without `use_default`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubTemplate {
    #[serde(default)]
    pub use_default: Option<bool>,
    #[serde(default)]
    pub include_claim_keys: Vec<String>,
}

/// `oidc-sub.json`: the org's template and each repository's.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OidcSub {
    #[serde(default)]
    pub org: Option<SubTemplate>,
    #[serde(default)]
    pub repos: BTreeMap<String, SubTemplate>,
}

/// `GET /orgs/{org}/installations`.
#[derive(Debug, Clone, Deserialize)]
pub struct Installations {
    pub installations: Vec<Installation>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Installation {
    pub id: u64,
    #[serde(default)]
    pub app_id: Option<u64>,
    pub app_slug: String,
    /// `all` or `selected`.
    #[serde(default)]
    pub repository_selection: Option<String>,
    #[serde(default)]
    pub permissions: BTreeMap<String, String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub suspended_at: Option<String>,
}

/// `GET /apps/{app_slug}` (the fields jitgap uses).
#[derive(Debug, Clone, Deserialize)]
pub struct App {
    #[serde(default)]
    pub owner: Option<Account>,
}

/// One entry of `GET /orgs/{org}/personal-access-tokens`.
#[derive(Debug, Clone, Deserialize)]
pub struct FineGrainedPat {
    /// The grant's id (not the token's).
    pub id: u64,
    #[serde(default)]
    pub owner: Account,
    /// `none`, `all` or `subset`.
    #[serde(default)]
    pub repository_selection: Option<String>,
    #[serde(default)]
    pub permissions: PatPermissions,
    #[serde(default)]
    pub access_granted_at: Option<String>,
    #[serde(default)]
    pub token_expired: bool,
    /// `null` = the token never expires.
    #[serde(default)]
    pub token_expires_at: Option<String>,
    #[serde(default)]
    pub token_id: Option<u64>,
    #[serde(default)]
    pub token_name: Option<String>,
    #[serde(default)]
    pub token_last_used_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PatPermissions {
    #[serde(default)]
    pub organization: BTreeMap<String, String>,
    #[serde(default)]
    pub repository: BTreeMap<String, String>,
    #[serde(default)]
    pub other: BTreeMap<String, String>,
}

/// One entry of `GET /orgs/{org}/credential-authorizations`. `token_last_eight` is part of
/// a token: it is never kept in an identity, a report or a snapshot.
#[derive(Debug, Clone, Deserialize)]
pub struct CredentialAuthorization {
    pub login: String,
    pub credential_id: u64,
    /// Free text: `personal access token`, `SSH key` / `SSH Key`, …
    #[serde(default)]
    pub credential_type: String,
    #[serde(default)]
    pub fingerprint: Option<String>,
    #[serde(default)]
    pub credential_authorized_at: Option<String>,
    /// `null` = never used.
    #[serde(default)]
    pub credential_accessed_at: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub authorized_credential_title: Option<String>,
    #[serde(default)]
    pub authorized_credential_note: Option<String>,
    /// `null` = no expiry.
    #[serde(default)]
    pub authorized_credential_expires_at: Option<String>,
}

/// One entry of `GET /orgs/{org}/members?role=admin`.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub login: String,
}
