use super::{
    Boundary, CredentialLifetime, Decision, Enforcement, Evidence, Privilege, Revocation, Text,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A non-human identity: IAM user or role, DB login role, service principal, …
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// Stable id: the ARN for AWS, `postgres://cluster/role` for databases.
    pub id: Text,
    pub name: String,
    pub boundary: Boundary,
    pub scope: Text,
    /// `iam-user`, `iam-role`, `pg-login-role`, …
    pub kind: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<DateTime<Utc>>,
    /// Free attributes worth showing a reviewer (path, tags, trust summary).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<Text, Text>,
    pub evidence: Vec<Evidence>,
}

/// What an identity authenticates with. Never holds a secret value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    pub id: String,
    pub identity: Text,
    /// `access-key`, `password`, `federated-trust`, `service-trust`, `role-trust`
    pub kind: Text,
    /// `active`, `inactive`, `locked`, `expired`, `n/a`
    pub status: Text,
    pub lifetime: CredentialLifetime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    pub evidence: Vec<Evidence>,
}

/// A time window bounding an entitlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
}

/// The rule and reason behind each of the three verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Basis {
    #[serde(serialize_with = "crate::report::rows::repeated")]
    pub privilege: Decision,
    #[serde(serialize_with = "crate::report::rows::repeated")]
    pub enforcement: Decision,
    #[serde(serialize_with = "crate::report::rows::repeated")]
    pub credential_lifetime: Decision,
}

/// identity → entitlement → target, with its three verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessPath {
    pub id: Text,
    pub identity: Text,
    pub boundary: Boundary,
    pub scope: Text,
    /// The policy, role, grant or membership that carries the access.
    pub entitlement: Text,
    /// What it reaches: an account, a database, a resource pattern.
    pub target: Text,
    pub privilege: Privilege,
    pub enforcement: Enforcement,
    pub credential_lifetime: CredentialLifetime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    pub basis: Basis,
    pub evidence: Vec<Evidence>,
}

/// A fact a scanner observed that a check in `rules/` may turn into a finding
/// (an OIDC trust without `sub`, a key older than the limit, a session alive after expiry…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// The signal kind checks match on, e.g. `aws-oidc-trust-without-sub`.
    pub kind: Text,
    pub boundary: Boundary,
    pub scope: Text,
    pub identity: Text,
    #[serde(default)]
    pub entitlement: Text,
    #[serde(default)]
    pub target: Text,
    /// One sentence for the reader, no secrets.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Revocation>,
    /// Overrides the check's severity for this fact (an `effective` revocation is `info`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<super::Severity>,
    /// The moment the fact is about, as data (a revocation cutoff, an expiry): verdicts read
    /// this, never the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    pub evidence: Vec<Evidence>,
}

/// A live session of an identity (a database backend, a connection), as revocation evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub boundary: Boundary,
    pub scope: Text,
    /// The identity id the session runs as (it may no longer exist).
    pub identity: Text,
    /// Server-side id: a PostgreSQL pid, a MySQL processlist id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub state: String,
    pub evidence: Vec<Evidence>,
}

super::verdict::kebab_enum!(
    /// Whether a scope was read fully.
    ScopeState { Complete => "complete", Partial => "partial", Failed => "failed" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeStatus {
    pub boundary: Boundary,
    pub scope: String,
    pub status: ScopeState,
    #[serde(default)]
    pub errors: Vec<String>,
    /// The documents this scope was read from.
    #[serde(default)]
    pub sources: Vec<String>,
    /// What the reader should know that is not an error (an organization without SAML SSO
    /// has no SSO credential authorizations to list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How the scanner's connection to the scope was protected (databases read live).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<ScopeConnection>,
}

/// Whether a live connection to a scope was encrypted and whose certificate was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeConnection {
    /// The connection was encrypted with TLS.
    pub tls: bool,
    /// The server's certificate chain was checked against a trusted CA (and, in
    /// `verify-full` / `VERIFY_IDENTITY`, its host name).
    pub verified: bool,
    /// The mode the URL asked for, as it names it: `verify-full`, `prefer`, `REQUIRED`, …
    pub mode: String,
    /// Why the connection is weaker than the mode could give (a `prefer` fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ScopeConnection {
    /// `TLS, verified (verify-full)`, `plaintext (prefer: the server offers no TLS …)`.
    pub fn summary(&self) -> String {
        let what = match (self.tls, self.verified) {
            (true, true) => "TLS, verified",
            (true, false) => "TLS, not verified",
            (false, _) => "plaintext",
        };
        match &self.note {
            Some(n) => format!("{what} ({}: {n})", self.mode),
            None => format!("{what} ({})", self.mode),
        }
    }
}

super::verdict::kebab_enum!(
    /// How a federated trust compares the token's subject with its patterns.
    SubjectMatch {
        /// Equal to one of the subjects.
        Exact => "exact",
        /// Glob patterns (`*` any run of characters, `?` one), as AWS `StringLike` does.
        Glob => "glob",
        /// No subject condition: every token of the issuer is accepted.
        Any => "any"
    }
);

/// A cloud identity that accepts tokens of an external OIDC issuer (GitHub Actions'
/// `https://token.actions.githubusercontent.com`): which subjects, compared how. A
/// cross-boundary bridge ([`crate::scan::Scanner::bridge`]) matches them against the
/// workloads of the issuer's boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Federation {
    pub boundary: Boundary,
    pub scope: String,
    /// The identity that is assumed (a role ARN, a service principal's id).
    pub identity: String,
    /// The issuer URL, without a trailing `/`.
    pub issuer: String,
    pub subjects: Vec<String>,
    pub matching: SubjectMatch,
    /// The trust statement or credential, for the reader.
    pub evidence: Vec<Evidence>,
}

/// A workload of one boundary that can present tokens of an issuer to another boundary (a
/// GitHub repository's Actions workflows): the subjects its tokens can carry, as patterns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    pub boundary: Boundary,
    pub scope: String,
    /// Stable id (`github:acme/api/actions`) and the name a reader knows (`acme/api`).
    pub id: String,
    pub name: String,
    pub issuer: String,
    /// (what a reader calls it, the subject pattern): `("pull requests", "repo:acme/api:pull_request")`.
    pub subjects: Vec<(String, String)>,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub evidence: Vec<Evidence>,
}

/// Everything normalization produced, before checks run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    pub identities: Vec<Identity>,
    pub credentials: Vec<Credential>,
    pub access_paths: Vec<AccessPath>,
    pub signals: Vec<Signal>,
    pub scopes: Vec<ScopeStatus>,
    /// Live sessions seen (databases); used to prove or refute revocations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<Session>,
    /// Federated trusts of external issuers, for the bridges between boundaries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub federations: Vec<Federation>,
    /// Workloads that present tokens to other boundaries, for the same bridges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<Workload>,
}

impl Inventory {
    pub fn extend(&mut self, other: Inventory) {
        append(&mut self.identities, other.identities);
        append(&mut self.credentials, other.credentials);
        append(&mut self.access_paths, other.access_paths);
        append(&mut self.signals, other.signals);
        append(&mut self.scopes, other.scopes);
        append(&mut self.sessions, other.sessions);
        append(&mut self.federations, other.federations);
        append(&mut self.workloads, other.workloads);
    }

    /// Sort everything by id so output does not depend on input or thread order (the large
    /// lists side by side, each in parallel; the sorts are stable).
    pub fn sort(&mut self) {
        use rayon::prelude::*;
        let (identities, credentials, access_paths, signals) = (
            &mut self.identities,
            &mut self.credentials,
            &mut self.access_paths,
            &mut self.signals,
        );
        use super::text::TextKey as K;
        // Keys first, then each row moved once (`par_sort_by_cached_key` is stable).
        let k = |t: &Text| K(t.clone());
        rayon::join(
            || {
                access_paths.par_sort_by_cached_key(|p| {
                    (k(&p.identity), k(&p.entitlement), k(&p.target), k(&p.id))
                })
            },
            || {
                identities.par_sort_by_cached_key(|i| k(&i.id));
                credentials.par_sort_by(|a, b| {
                    super::text_cmp(&a.identity, &b.identity).then_with(|| a.id.cmp(&b.id))
                });
                signals.par_sort_by_cached_key(|s| {
                    (
                        k(&s.kind),
                        k(&s.identity),
                        k(&s.entitlement),
                        k(&s.target),
                        s.message.clone(),
                    )
                });
            },
        );
        self.scopes
            .sort_by(|a, b| (a.boundary, &a.scope).cmp(&(b.boundary, &b.scope)));
    }
}

/// `to.extend(from)`, except that the first list is taken as it is rather than copied row by
/// row into a new allocation (a single large scope's lists are hundreds of MB).
fn append<T>(to: &mut Vec<T>, from: Vec<T>) {
    if to.is_empty() && from.capacity() >= to.capacity() {
        *to = from;
    } else {
        to.extend(from);
    }
}
