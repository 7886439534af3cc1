//! One entitlement (an inline or managed policy on an identity) → its privilege and enforcement.

use super::document::{DocumentError, Effect, PolicyDoc, TimeCondition};
use super::privilege::TierCache;
use super::statement::{Grant, denies_everything, statement_tier};
use crate::classify::{WindowVerdict, classify_window};
use crate::model::{Decision, Enforcement, Evidence, Privilege, Window};
use crate::policy::Policy;
use chrono::{DateTime, Utc};
use std::borrow::Cow;

/// A document parsed once: owned by one entitlement (inline), or shared by every attachment
/// (managed policies, group policies).
pub(crate) type Parsed<'a> = Cow<'a, Result<PolicyDoc, DocumentError>>;

/// Where an entitlement's document is, or why it is not there.
pub(crate) enum Source<'a> {
    Document {
        doc: Parsed<'a>,
        evidence: Evidence,
        created: Option<DateTime<Utc>>,
    },
    Catalogue {
        tier: Privilege,
        evidence: Evidence,
    },
    Missing {
        evidence: Evidence,
        why: String,
    },
}

pub(crate) struct Entitlement<'a> {
    /// `inline:NAME`, a managed policy ARN, or `group:G/inline:NAME`.
    pub name: String,
    pub source: Source<'a>,
}

impl Entitlement<'_> {
    /// Its document and evidence are those of many identities (a managed policy, a group's).
    pub fn shared(&self) -> bool {
        match &self.source {
            Source::Document { doc, .. } => matches!(doc, std::borrow::Cow::Borrowed(_)),
            Source::Catalogue { .. } => true,
            Source::Missing { .. } => false,
        }
    }
}

/// A statement whose `aws:CurrentTime` window is over.
pub(crate) struct ExpiredWindow {
    pub statement: usize,
    pub ended: DateTime<Utc>,
}

pub(crate) struct Evaluated {
    /// `None` when nothing in the entitlement grants access now (only Deny, or every window over).
    pub live: Option<Live>,
    pub expired: Vec<ExpiredWindow>,
    pub evidence: Evidence,
    /// Deny statements with an `aws:TokenIssueTime` bound (session revocation).
    pub token_issue_denies: Vec<DateTime<Utc>>,
    /// It grants nothing because unconditional Denies remove every action it allows.
    pub denied_entirely: bool,
}

/// The longest an STS session lasts (GetSessionToken and GetFederationToken: 36 h; role
/// sessions 12 h): past its `aws:TokenIssueTime` bound by more, an Allow reaches no session.
const MAX_SESSION_HOURS: i64 = 36;

pub(crate) struct Live {
    pub privilege: Privilege,
    pub privilege_basis: Decision,
    pub enforcement: Enforcement,
    pub enforcement_basis: Decision,
    pub window: Option<Window>,
}

/// Unconditional Deny action patterns of a document (they remove what Allows grant).
pub(crate) fn unconditional_denies(doc: &PolicyDoc) -> impl Iterator<Item = &str> {
    doc.statements
        .iter()
        .filter(|s| s.effect == Effect::Deny && s.conditions.is_empty() && s.not_actions.is_none())
        .filter(|s| s.resources.iter().any(|r| r == "*") && !s.not_resource)
        .flat_map(|s| s.actions.iter().map(String::as_str))
}

pub(crate) fn evaluate(
    ent: &Entitlement<'_>,
    denies: &[&str],
    tiers: &mut TierCache<'_>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Evaluated {
    match &ent.source {
        Source::Catalogue { tier, evidence } => {
            let denied = denies_everything(denies);
            Evaluated {
                live: (!denied).then(|| Live {
                    privilege: *tier,
                    privilege_basis: Decision::new(
                        "aws.privilege.catalogue",
                        format!(
                            "AWS-managed policy `{}` is catalogued as {tier} in rules/aws.toml",
                            ent.name
                        ),
                    ),
                    enforcement: Enforcement::Standing,
                    enforcement_basis: Decision::new(
                        "aws.enforcement.managed-policy",
                        "AWS-managed policies carry no time condition",
                    ),
                    window: None,
                }),
                expired: vec![],
                evidence: evidence.clone(),
                token_issue_denies: vec![],
                denied_entirely: denied,
            }
        }
        Source::Missing { evidence, why } => Evaluated {
            live: Some(Live {
                privilege: Privilege::Unknown,
                privilege_basis: Decision::new("aws.privilege.missing-document", why.clone()),
                enforcement: Enforcement::Unknown,
                enforcement_basis: Decision::new("aws.enforcement.missing-document", why.clone()),
                window: None,
            }),
            expired: vec![],
            evidence: evidence.clone(),
            token_issue_denies: vec![],
            denied_entirely: false,
        },
        Source::Document {
            doc,
            evidence,
            created,
        } => match &**doc {
            Err(e) => Evaluated {
                live: Some(Live {
                    privilege: Privilege::Unknown,
                    privilege_basis: Decision::new(
                        "aws.privilege.unreadable-document",
                        e.to_string(),
                    ),
                    enforcement: Enforcement::Unknown,
                    enforcement_basis: Decision::new(
                        "aws.enforcement.unreadable-document",
                        e.to_string(),
                    ),
                    window: None,
                }),
                expired: vec![],
                evidence: evidence.clone(),
                token_issue_denies: vec![],
                denied_entirely: false,
            },
            Ok(doc) => evaluate_document(doc, evidence, *created, denies, tiers, policy, now),
        },
    }
}

struct Part {
    privilege: Privilege,
    privilege_reason: String,
    enforcement: Enforcement,
    enforcement_basis: Decision,
    window: Option<Window>,
    statement: usize,
}

fn evaluate_document(
    doc: &PolicyDoc,
    evidence: &Evidence,
    created: Option<DateTime<Utc>>,
    denies: &[&str],
    tiers: &mut TierCache<'_>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Evaluated {
    let mut parts = Vec::new();
    let mut expired = Vec::new();
    let mut denied = false;
    for s in doc.statements.iter().filter(|s| s.effect == Effect::Allow) {
        // Only credentials issued before the bound: long enough ago, no session is left.
        let session = chrono::Duration::hours(MAX_SESSION_HOURS);
        if s.token_issued_before().is_some_and(|t| t + session <= now) {
            continue;
        }
        let (privilege, privilege_reason) = match statement_tier(s, denies, tiers) {
            Grant::Tier(p, why) => (p, why),
            Grant::Denied => {
                denied = true;
                continue;
            }
            Grant::Inert => continue,
        };
        let (enforcement, enforcement_basis, window) = match s.time_condition() {
            TimeCondition::None => (
                Enforcement::Standing,
                Decision::new(
                    "aws.enforcement.no-time-condition",
                    "no aws:CurrentTime window: never expires",
                ),
                None,
            ),
            TimeCondition::Unreadable(why) => (
                Enforcement::Unknown,
                Decision::new(
                    "aws.enforcement.unreadable-condition",
                    format!("time condition not understood: {why}"),
                ),
                None,
            ),
            TimeCondition::Window(w) => {
                let start = w.not_before.or(created);
                match classify_window(start, w.not_after, now, policy, "aws.enforcement") {
                    WindowVerdict::Over(ended) => {
                        expired.push(ExpiredWindow {
                            statement: s.index,
                            ended,
                        });
                        continue;
                    }
                    WindowVerdict::Live(e, d, mut win) => {
                        win.not_before = w.not_before;
                        (e, d, Some(win))
                    }
                }
            }
        };
        parts.push(Part {
            privilege,
            privilege_reason,
            enforcement,
            enforcement_basis,
            window,
            statement: s.index,
        });
    }
    let token_issue_denies = doc
        .statements
        .iter()
        .filter_map(|s| s.token_issue_deny())
        .collect();
    let live = parts.iter().map(|p| p.privilege.rank()).max().map(|top| {
        let privileged = parts.iter().any(|p| p.privilege.is_privileged());
        // Enforcement is judged on the statements that make the path privileged (or on all, for a read path).
        let relevant: Vec<&Part> = parts
            .iter()
            .filter(|p| !privileged || p.privilege.is_privileged())
            .collect();
        let weakest = relevant
            .iter()
            .max_by_key(|p| (p.enforcement.weakness(), std::cmp::Reverse(p.statement)))
            .unwrap();
        let strongest = parts
            .iter()
            .filter(|p| p.privilege.rank() == top)
            .min_by_key(|p| p.statement)
            .unwrap();
        Live {
            privilege: strongest.privilege,
            privilege_basis: Decision::new(
                "aws.privilege.statement",
                format!(
                    "Statement[{}]: {}",
                    strongest.statement, strongest.privilege_reason
                ),
            ),
            enforcement: weakest.enforcement,
            enforcement_basis: Decision::new(
                &weakest.enforcement_basis.rule,
                format!(
                    "Statement[{}]: {}",
                    weakest.statement, weakest.enforcement_basis.reason
                ),
            ),
            window: weakest.window,
        }
    });
    Evaluated {
        denied_entirely: denied && live.is_none(),
        live,
        expired,
        evidence: evidence.clone(),
        token_issue_denies,
    }
}
