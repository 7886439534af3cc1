//! AWS raw documents → Inventory (pure).
//!
//! One account is one [`Scope`]: the export parsed once, its managed and group policies indexed
//! (and parsed on first use, once). Identities are independent of each other, so they are
//! evaluated in parallel, in chunks, each chunk into its own [`Inventory`]; the chunks are
//! concatenated in export order, users first, so the result does not depend on scheduling.

use super::BOUNDARY;
use super::catalogue::AwsCatalogue;
use super::credentials::{
    CredentialsError, UserCredentials, merge, parse_access_keys, parse_credential_report,
};
use super::gaad::{Gaad, Tag};
use super::policies::{GroupIndex, ManagedIndex};
use super::privilege::TierCache;
use super::raw::{ACCESS_KEYS, AUTHORIZATION_DETAILS, CREDENTIAL_REPORT};
use crate::model::*;
use crate::policy::Policy;
use crate::scan::{Doc, RawScope};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::BTreeMap;

pub struct NormalizeContext<'a> {
    pub policy: &'a Policy,
    pub catalogue: &'a AwsCatalogue,
    pub now: DateTime<Utc>,
}

/// What every identity of one account is evaluated against. Shared by the worker threads.
pub(super) struct Scope<'a> {
    pub ctx: &'a NormalizeContext<'a>,
    pub account: Text,
    pub source: Text,
    pub managed: ManagedIndex<'a>,
    pub groups: GroupIndex<'a>,
    pub creds: Option<&'a BTreeMap<String, UserCredentials>>,
}

/// Where one worker writes its part of the inventory, with the memos it keeps across parts.
pub(super) struct Sink<'s, 'c> {
    pub inv: Inventory,
    pub memo: &'s mut Memo<'c>,
}

/// One worker's memos of pure functions: results never depend on them.
pub(super) struct Memo<'c> {
    pub tiers: TierCache<'c>,
    /// Evidence excerpt as written → as redacted.
    excerpts: crate::hash::Map<String, Text>,
    /// Names and pointers that repeat from identity to identity (managed policies).
    pub texts: Interner,
}

/// Distinct excerpts remembered per worker; past that they are redacted each time.
const EXCERPTS: usize = 4096;

impl<'c> Memo<'c> {
    fn new(cat: &'c AwsCatalogue) -> Self {
        Memo {
            tiers: TierCache::new(cat),
            excerpts: Default::default(),
            texts: Interner::default(),
        }
    }

    /// [`Evidence::with_excerpt`]; trust excerpts repeat from role to role, and redaction is
    /// a dozen regular expressions.
    pub fn with_excerpt(&mut self, ev: Evidence, text: String) -> Evidence {
        if let Some(excerpt) = self.excerpts.get(&text) {
            return Evidence {
                excerpt: excerpt.clone(),
                ..ev
            };
        }
        let ev = ev.with_excerpt(text.as_str());
        if self.excerpts.len() < EXCERPTS {
            self.excerpts.insert(text, ev.excerpt.clone());
        }
        ev
    }
}

type ParseCredentials =
    fn(&Doc, &mut BTreeMap<String, UserCredentials>) -> Result<(), CredentialsError>;

/// Identities per parallel task: small enough to balance, large enough to amortize.
const CHUNK: usize = 64;

/// Normalize one AWS account. Errors in documents are recorded on the scope (`partial` or
/// `failed`) and returned too, so the caller can tell bad input from a failed call.
/// `account` is the account id when known before parsing (directory name or STS).
pub fn normalize(
    raw: &RawScope,
    account: Option<String>,
    ctx: &NormalizeContext<'_>,
) -> (Inventory, Vec<String>) {
    let mut errors = raw.errors.clone();
    let mut sources = Vec::new();
    let details = raw.document(AUTHORIZATION_DETAILS);
    let gaad = match details {
        None => {
            if errors.is_empty() {
                errors.push(
                    "no authorization-details document (aws iam get-account-authorization-details)"
                        .into(),
                );
            }
            None
        }
        Some(doc) => {
            sources.push(doc.source.clone());
            match serde_json::from_str::<Gaad>(&doc.text) {
                Ok(g) => Some(g),
                Err(e) => {
                    errors.push(format!(
                        "{}: line {} column {}: not a readable authorization-details document: {e}",
                        doc.source,
                        e.line(),
                        e.column()
                    ));
                    None
                }
            }
        }
    };
    let account = account
        .or_else(|| gaad.as_ref().and_then(first_account))
        .unwrap_or_else(|| "unknown-account".into());
    let Some(gaad) = gaad else {
        let inv = Inventory {
            scopes: vec![ScopeStatus {
                boundary: BOUNDARY,
                scope: account,
                status: ScopeState::Failed,
                errors: errors.clone(),
                sources,
                connection: None,
                notes: Vec::new(),
            }],
            ..Default::default()
        };
        return (inv, errors);
    };
    let source = details.map(|d| d.source.clone()).unwrap_or_default();
    if gaad.is_truncated == Some(true) {
        errors.push(format!(
            "{source}: IsTruncated is true: the export holds one page only; export with the CLI (which pages) or `jitgap collect`"
        ));
    }
    // Each credential document on its own, then merged: the listing wins for the keys it
    // covers, whichever document is read first.
    let mut read = |doc: Option<&Doc>, parse: ParseCredentials| {
        doc.map(|doc| {
            sources.push(doc.source.clone());
            let mut map = BTreeMap::new();
            if let Err(e) = parse(doc, &mut map) {
                errors.push(e.to_string());
            }
            map
        })
    };
    let listing = read(raw.document(ACCESS_KEYS), parse_access_keys);
    let report = read(raw.document(CREDENTIAL_REPORT), parse_credential_report);
    let creds: Option<BTreeMap<String, UserCredentials>> = match (listing, report) {
        (None, None) => None,
        (listing, report) => Some(merge(
            listing.unwrap_or_default(),
            report.unwrap_or_default(),
        )),
    };
    let scope = Scope {
        ctx,
        account: Text::from(&account),
        source: source.into(),
        managed: ManagedIndex::new(&gaad),
        groups: GroupIndex::new(&gaad),
        creds: creds.as_ref(),
    };
    let parts = scope.identities(&gaad);
    // The parsed export (its strings, indexes and parsed managed documents) goes before the
    // parts are put together: the two are never held at once.
    drop(scope);
    drop(gaad);
    drop(creds);
    let mut inv = concat(parts);
    let notes = organization_notes(raw, &mut sources, &mut errors);
    let status = if errors.is_empty() {
        ScopeState::Complete
    } else {
        ScopeState::Partial
    };
    inv.scopes.push(ScopeStatus {
        boundary: BOUNDARY,
        scope: account,
        status,
        errors: errors.clone(),
        sources,
        connection: None,
        notes,
    });
    (inv, errors)
}

/// What `organization.json` tells a reader: the account's place in the organization, the
/// role it was read through, and the accounts that were not scanned.
fn organization_notes(
    raw: &RawScope,
    sources: &mut Vec<String>,
    errors: &mut Vec<String>,
) -> Vec<String> {
    let Some(doc) = raw.document(super::raw::ORGANIZATION) else {
        return Vec::new();
    };
    sources.push(doc.source.clone());
    let v: serde_json::Value = match serde_json::from_str(&doc.text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(format!(
                "{}: line {}, column {}: {e}",
                doc.source,
                e.line(),
                e.column()
            ));
            return Vec::new();
        }
    };
    let text = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let mut notes = Vec::new();
    let account = &v["Account"];
    let name = text(account, "Name");
    notes.push(match v["AssumedRole"].as_str() {
        Some(role) => format!(
            "organization account {} ({name}): read through {role}",
            text(account, "Id")
        ),
        None => format!(
            "organization account {} ({name}): read with the caller's own credentials",
            text(account, "Id")
        ),
    });
    for s in v["Skipped"].as_array().into_iter().flatten() {
        let state = [text(s, "State"), text(s, "Status")]
            .into_iter()
            .find(|x| !x.is_empty())
            .unwrap_or_else(|| "not active".into());
        notes.push(format!(
            "organization account {} ({}) not scanned: it is {state}",
            text(s, "Id"),
            text(s, "Name")
        ));
    }
    notes
}

impl Scope<'_> {
    /// Every user, then every role, in export order, in parts to concatenate.
    fn identities(&self, gaad: &Gaad<'_>) -> Vec<Inventory> {
        let (users, roles) = (&gaad.user_detail_list, &gaad.role_detail_list);
        let total = users.len() + roles.len();
        let parts: Vec<Inventory> = (0..total.div_ceil(CHUNK))
            .into_par_iter()
            .map_init(
                || Memo::new(self.ctx.catalogue),
                |memo, chunk| {
                    let mut out = Sink {
                        inv: Inventory::default(),
                        memo,
                    };
                    for n in chunk * CHUNK..total.min((chunk + 1) * CHUNK) {
                        match users.get(n) {
                            Some(u) => self.user(n, u, &mut out),
                            None => self.role(n - users.len(), &roles[n - users.len()], &mut out),
                        }
                    }
                    out.inv
                },
            )
            .collect();
        parts
    }

    pub(super) fn ev(&self, pointer: String) -> Evidence {
        Evidence::new(self.source.clone(), pointer)
    }
}

/// The parts one after the other, each list allocated once.
fn concat(parts: Vec<Inventory>) -> Inventory {
    let sum = |f: fn(&Inventory) -> usize| parts.iter().map(f).sum::<usize>();
    let mut inv = Inventory {
        identities: Vec::with_capacity(sum(|p| p.identities.len())),
        credentials: Vec::with_capacity(sum(|p| p.credentials.len())),
        access_paths: Vec::with_capacity(sum(|p| p.access_paths.len())),
        signals: Vec::with_capacity(sum(|p| p.signals.len())),
        ..Default::default()
    };
    for part in parts {
        inv.extend(part);
    }
    inv
}

fn first_account(g: &Gaad<'_>) -> Option<String> {
    g.user_detail_list
        .iter()
        .map(|u| u.arn.as_str())
        .chain(g.role_detail_list.iter().map(|r| r.arn.as_str()))
        .find_map(super::trust::account_of)
}

/// An identity's attributes: its path and tags (the same few keys and values on most).
pub(super) fn attributes(path: &str, tags: &[Tag], texts: &mut Interner) -> BTreeMap<Text, Text> {
    let mut attrs = BTreeMap::from([(arcstr::literal!("path"), texts.get(path))]);
    for t in tags {
        attrs.insert(texts.take(format!("tag:{}", t.key)), texts.get(&t.value));
    }
    attrs
}

pub(super) fn ts(v: &Option<String>) -> Option<DateTime<Utc>> {
    v.as_deref().and_then(crate::time::parse_timestamp)
}
