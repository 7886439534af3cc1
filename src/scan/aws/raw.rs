//! The native AWS documents a scope is read from. Live collection and snapshot files
//! produce the same `AwsRaw`, so there is one parse path.
//!
//! Snapshot layout, per account: `aws/<account>/`
//! - `authorization-details.json` — `aws iam get-account-authorization-details` (required)
//! - `credential-report.csv` — `aws iam get-credential-report` content, decoded (optional)
//! - `access-keys.json` — `{"AccessKeyMetadata": [...]}` as `aws iam list-access-keys` prints it,
//!   merged across users, each item optionally with the `AccessKeyLastUsed` object of
//!   `aws iam get-access-key-last-used` (optional)

use super::super::Doc;

pub const AUTHORIZATION_DETAILS: &str = "authorization-details.json";
pub const CREDENTIAL_REPORT: &str = "credential-report.csv";
pub const ACCESS_KEYS: &str = "access-keys.json";

/// Read-only IAM operations the live collector may call; anything else is refused.
pub const ALLOWED_OPERATIONS: &[&str] = &[
    "GetAccountAuthorizationDetails",
    "ListAccessKeys",
    "GetAccessKeyLastUsed",
    "GenerateCredentialReport",
    "GetCredentialReport",
];

#[derive(Debug, Clone, Default)]
pub struct AwsRaw {
    /// The account id when known before parsing (directory name or STS); else taken from ARNs.
    pub scope_hint: Option<String>,
    pub authorization_details: Option<Doc>,
    pub credential_report: Option<Doc>,
    pub access_keys: Option<Doc>,
    /// Errors met while collecting: each makes the scope partial (or failed when nothing was read).
    pub errors: Vec<String>,
}

impl AwsRaw {
    /// The one raw shape every scanner shares (`unknown-account` until the account is known).
    pub fn into_scope(self) -> crate::scan::RawScope {
        let scope = self.scope_hint.unwrap_or_else(|| "unknown-account".into());
        let mut raw = crate::scan::RawScope::new(super::BOUNDARY, scope, crate::scan::Origin::Live);
        raw.errors = self.errors;
        for (name, doc) in [
            (AUTHORIZATION_DETAILS, self.authorization_details),
            (CREDENTIAL_REPORT, self.credential_report),
            (ACCESS_KEYS, self.access_keys),
        ] {
            if let Some(doc) = doc {
                raw.put(name, doc);
            }
        }
        raw
    }
}
