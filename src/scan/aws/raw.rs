//! The native AWS documents a scope is read from. Live collection and snapshot files
//! produce the same documents (a [`crate::scan::RawScope`]), so there is one parse path.
//!
//! Snapshot layout, per account: `aws/<account>/`
//! - `authorization-details.json` — `aws iam get-account-authorization-details` (required)
//! - `credential-report.csv` — `aws iam get-credential-report` content, decoded (optional)
//! - `access-keys.json` — `{"AccessKeyMetadata": [...]}` as `aws iam list-access-keys` prints it,
//!   merged across users, each item optionally with the `AccessKeyLastUsed` object of
//!   `aws iam get-access-key-last-used` (optional)
//! - `organization.json` — for an account scanned through `--aws-organization`: its entry of
//!   `aws organizations list-accounts` (`Account`), the role assumed in it (`AssumedRole`,
//!   null for the caller's own account) and, in the caller's account, the accounts that were
//!   not scanned because they are not active (`Skipped`) (optional)

pub const AUTHORIZATION_DETAILS: &str = "authorization-details.json";
pub const CREDENTIAL_REPORT: &str = "credential-report.csv";
pub const ACCESS_KEYS: &str = "access-keys.json";
pub const ORGANIZATION: &str = "organization.json";

/// Read-only IAM operations the live collector may call; anything else is refused.
pub const ALLOWED_OPERATIONS: &[&str] = &[
    "GetAccountAuthorizationDetails",
    "ListAccessKeys",
    "GetAccessKeyLastUsed",
    "GenerateCredentialReport",
    "GetCredentialReport",
];

/// What `--aws-organization` adds: the member accounts listed, and a session in each.
pub const ORGANIZATIONS_OPERATIONS: &[&str] = &["ListAccounts"];
pub const STS_OPERATIONS: &[&str] = &["GetCallerIdentity", "AssumeRole"];

/// Every operation the AWS scanner may send, IAM's and the organization's.
pub const ALL_OPERATIONS: &[&str] = &[
    "GetAccountAuthorizationDetails",
    "ListAccessKeys",
    "GetAccessKeyLastUsed",
    "GenerateCredentialReport",
    "GetCredentialReport",
    "ListAccounts",
    "GetCallerIdentity",
    "AssumeRole",
];
