//! GitHub organization audit-log events as ledger grants (`--ledger github-audit:PATH`).
//!
//! Sources checked for the native shape: GitHub's "Audit log events for your organization"
//! page (the action names and their fields) and the REST reference of `GET
//! /orgs/{org}/audit-log` (api-shapes §E.9): every event has `action`, `@timestamp` and
//! `created_at` in milliseconds since the epoch, `_document_id`, `actor`, `actor_id` and
//! `operation_type`; `org` and `repo` appear only on some actions.
//!
//! A document is what `gh api /orgs/ORG/audit-log` prints (a JSON array), several arrays back
//! to back as `gh api --paginate` prints them (`[...][...]`), or one event a line (JSON Lines,
//! `--jq '.[]'`); a directory is read as its `*.json` and `*.jsonl` files. An event listed twice
//! (overlapping exports: the same `_document_id`) counts once.
//!
//! The events name no token, key or credential id, so each grant names its identity the way
//! the GitHub scanner names it, exactly or by a glob the ledger matcher understands, and its
//! `match` label says what it was joined on. Boundary `github`; scope = the event's `org`,
//! else the owner of its `repo`, else the organization the file's other events name (when
//! they name one), else empty (any organization).
//! - `personal_access_token.access_granted` / `.access_revoked` (`user`,
//!   `user_programmatic_access_name`): identity `TOKEN_NAME (OWNER)`, the fine-grained token's
//!   name; a grant is closed by the next revocation of the same owner and name.
//! - `public_key.create` / `.delete` (`title`, `fingerprint`, `read_only`, and `repo` when
//!   GitHub logs it: on deletions). Deploy keys and users' SSH keys log the same actions. With a
//!   `repo` the identity is the deploy key `TITLE (OWNER/REPO)`; a creation without one is only
//!   a candidate, `TITLE (ORG/*)`: any deploy key of that title. A deletion closes the open
//!   creation with the same fingerprint (else title) and, naming the repository, makes its
//!   identity exact. A deletion without `repo` that closes nothing is left out and counted
//!   (most likely a user's SSH key).
//! - `integration_installation.create` and `.unsuspend` grant, `.destroy` and `.suspend`
//!   revoke: identity = `integration` (the App's slug), else `name`.
//! - `org_credential_authorization.grant` (by the member, `actor`), `.revoke` (by an owner;
//!   the credential's owner is `owner`), `.deauthorize` (by the member): identity
//!   `github:ORG/credential-authorizations/LOGIN/*`, every credential of that login.
//!
//! A revocation with no grant before it in the log is a grant of its own with only
//! `revoked_at`, labelled `opened = before the log`; one after the grant already ended
//! (a destroy after a suspension) is added to it as evidence (`followed_by`). A grant event
//! while the same grant is open adds evidence to it. Every other action (repository changes of
//! an installation, version updates, anything else) is skipped and counted per action.

use super::github_audit_event::{Event, Step, Subject, action, classify, objects, read};
use super::{Doc, ImportKind, Importer, evidence, new_grant, rfc3339, text};
use crate::ledger::{Grant, LedgerError};
use crate::scan::github::BOUNDARY;
use std::collections::{BTreeMap, BTreeSet};

pub const SOURCE: &str = "github-audit";

/// Reads saved organization audit-log events.
pub struct GithubAudit;

impl Importer for GithubAudit {
    const KIND: ImportKind = ImportKind::GithubAudit;
    const SUFFIXES: &'static [&'static str] = &[".json", ".jsonl"];

    fn import(docs: &[Doc]) -> Result<Vec<Grant>, LedgerError> {
        Ok(import_docs(docs)?.grants)
    }
}

/// Everything a set of saved audit-log events says about grants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GithubAuditImport {
    pub grants: Vec<Grant>,
    /// Events read (each `_document_id` once).
    pub events: usize,
    /// Events listed more than once (counted once).
    pub duplicates: usize,
    /// Events of actions that grant or revoke nothing this importer reads, per action.
    pub skipped: BTreeMap<String, usize>,
    /// `public_key.delete` events without `repo` that closed no key of the log.
    pub keys_without_repository: usize,
    /// Revocations that closed a grant of the log.
    pub revocations_applied: usize,
    /// Revocations with no grant before them in the log.
    pub opened_before_log: usize,
    /// Events repeating a grant still open, or revoking one already ended.
    pub repeated: usize,
}

/// A grant of the import and what pairs events with it.
struct Slot {
    family: Family,
    open: bool,
    /// Keys: the title, fingerprint and repository it was created or deleted with.
    key: Option<KeyFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Family {
    /// `(scope, owner, token name)`, lower-cased where GitHub ignores case.
    Pat(String, String, String),
    App(String, String),
    Sso(String, String),
    Key,
}

#[derive(Debug, Clone)]
struct KeyFacts {
    scope: String,
    title: String,
    fingerprint: Option<String>,
    repo: Option<String>,
}

impl KeyFacts {
    /// Whether a deletion with these facts is of the key this slot holds.
    fn same_key(&self, other: &KeyFacts) -> bool {
        let same = match (&self.fingerprint, &other.fingerprint) {
            (Some(a), Some(b)) => a == b,
            _ => self.title == other.title,
        };
        let repo_ok = match (&self.repo, &other.repo) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        };
        let scope_ok = self.scope.is_empty()
            || other.scope.is_empty()
            || self.scope.eq_ignore_ascii_case(&other.scope);
        same && repo_ok && scope_ok
    }
}

/// Read saved audit-log events into grants and counts.
pub fn import_docs(docs: &[Doc]) -> Result<GithubAuditImport, LedgerError> {
    let mut out = GithubAuditImport::default();
    let mut seen = BTreeSet::new();
    let mut events: Vec<Event> = Vec::new();
    let mut file_orgs: Vec<String> = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        // The organizations the document's events name, lower-cased, as first written.
        let mut orgs: BTreeMap<String, String> = BTreeMap::new();
        for item in objects(doc)? {
            let act = action(doc, &item)?;
            if let Some(id) = text(&item.value, "/_document_id")
                && !seen.insert(id.to_string())
            {
                out.duplicates += 1;
                continue;
            }
            out.events += 1;
            if let Some(org) = text(&item.value, "/org") {
                orgs.entry(org.to_ascii_lowercase())
                    .or_insert_with(|| org.to_string());
            }
            match classify(act) {
                Some(kind) => events.push(read(d, doc, &item, act, kind)?),
                None => *out.skipped.entry(act.to_string()).or_default() += 1,
            }
        }
        // A file of one organization's log: its events without `org` belong to it too.
        let only = match orgs.len() {
            1 => orgs.into_values().next().unwrap_or_default(),
            _ => String::new(),
        };
        file_orgs.push(only);
    }
    // Time order, a grant before a revocation at the same instant; stable for ties.
    events.sort_by_key(|e| (e.at, e.step));
    let mut slots: Vec<Slot> = Vec::new();
    for e in &events {
        let doc = &docs[e.doc];
        let scope = scope_of(e, &file_orgs[e.doc]);
        apply(&mut out, &mut slots, doc, e, scope);
    }
    Ok(out)
}

/// The event's `org`, else its repository's owner, else the file's organization.
fn scope_of(e: &Event, file_org: &str) -> String {
    e.org
        .clone()
        .or_else(|| {
            e.repo
                .as_deref()
                .and_then(|r| r.split_once('/'))
                .map(|(owner, _)| owner.to_string())
        })
        .unwrap_or_else(|| file_org.to_string())
}

fn apply(out: &mut GithubAuditImport, slots: &mut Vec<Slot>, doc: &Doc, e: &Event, scope: String) {
    let family = match &e.subject {
        Subject::Pat { user, name, .. } => Family::Pat(
            scope.to_ascii_lowercase(),
            user.to_ascii_lowercase(),
            name.clone(),
        ),
        Subject::App { slug, .. } => {
            Family::App(scope.to_ascii_lowercase(), slug.to_ascii_lowercase())
        }
        Subject::Sso { login, .. } => {
            Family::Sso(scope.to_ascii_lowercase(), login.to_ascii_lowercase())
        }
        Subject::Key { .. } => Family::Key,
    };
    let facts = match &e.subject {
        Subject::Key {
            title, fingerprint, ..
        } => Some(KeyFacts {
            scope: scope.clone(),
            title: title.clone(),
            fingerprint: fingerprint.clone(),
            repo: e.repo.clone(),
        }),
        _ => None,
    };
    // The latest grant of the same identity, open or not.
    let latest = |slots: &[Slot], open: bool| {
        slots.iter().rposition(|s| {
            s.open == open
                && s.family == family
                && match (&s.key, &facts) {
                    (Some(a), Some(b)) => a.same_key(b),
                    _ => true,
                }
        })
    };
    match e.step {
        Step::Open => {
            if let Some(i) = latest(slots, true) {
                out.repeated += 1;
                out.grants[i]
                    .evidence
                    .push(evidence(doc, &e.pointer, &e.excerpt()));
                return;
            }
            out.grants.push(opened(doc, e, &scope));
            slots.push(Slot {
                family,
                open: true,
                key: facts,
            });
        }
        Step::Close => {
            if let Some(i) = latest(slots, true) {
                out.revocations_applied += 1;
                slots[i].open = false;
                if let (Some(held), Some(f)) = (&mut slots[i].key, &facts)
                    && held.repo.is_none()
                    && f.repo.is_some()
                {
                    // The deletion names the repository the creation did not: now it is exact.
                    held.repo = f.repo.clone();
                    name_key(&mut out.grants[i], e, &scope);
                }
                close(&mut out.grants[i], doc, e);
                return;
            }
            if let Some(i) = latest(slots, false) {
                out.repeated += 1;
                let g = &mut out.grants[i];
                g.labels.insert(
                    "followed_by".into(),
                    format!("{} at {}", e.action, rfc3339(e.at)),
                );
                g.evidence.push(evidence(doc, &e.pointer, &e.excerpt()));
                return;
            }
            if matches!(e.subject, Subject::Key { .. }) && e.repo.is_none() {
                out.keys_without_repository += 1;
                return;
            }
            out.opened_before_log += 1;
            let mut g = base(doc, e, &scope);
            g.labels.insert("opened".into(), "before the log".into());
            close(&mut g, doc, e);
            out.grants.push(g);
            slots.push(Slot {
                family,
                open: false,
                key: facts,
            });
        }
    }
}

/// The grant an event names, without times: identity, scope, labels, the first evidence.
fn base(doc: &Doc, e: &Event, scope: &str) -> Grant {
    let id = e
        .document_id
        .clone()
        .unwrap_or_else(|| format!("{}#{}", doc.name, e.pointer));
    let mut g = new_grant(SOURCE, id, BOUNDARY, scope, "", "");
    let how = match &e.subject {
        Subject::Pat {
            user,
            name,
            selection,
        } => {
            g.identity = format!("{name} ({user})");
            put(&mut g, "token_owner", Some(user));
            put(&mut g, "token_name", Some(name));
            put(&mut g, "repository_selection", selection.as_ref());
            "joined on owner login and token name: the audit log names no token id".to_string()
        }
        Subject::Key {
            title,
            fingerprint,
            read_only,
        } => {
            put(&mut g, "key_title", Some(title));
            put(&mut g, "fingerprint", fingerprint.as_ref());
            put(
                &mut g,
                "read_only",
                read_only.map(|r| r.to_string()).as_ref(),
            );
            return key_grant(g, doc, e, scope);
        }
        Subject::App { slug, selection } => {
            g.identity = slug.clone();
            put(&mut g, "app_slug", Some(slug));
            put(&mut g, "repository_selection", selection.as_ref());
            "joined on the App's slug (installation name)".to_string()
        }
        Subject::Sso { login, scopes } => {
            let org = if scope.is_empty() {
                "*".to_string()
            } else {
                escape(scope)
            };
            g.identity = format!("github:{org}/credential-authorizations/{}/*", escape(login));
            put(&mut g, "credential_owner", Some(login));
            put(&mut g, "token_scopes", scopes.as_ref());
            format!(
                "joined on the credential owner's login ({login}): the audit log names no \
                 credential id, so every SSO-authorized credential of {login} matches"
            )
        }
    };
    finish(g, doc, e, how)
}

fn key_grant(mut g: Grant, doc: &Doc, e: &Event, scope: &str) -> Grant {
    let how = name_key(&mut g, e, scope);
    finish(g, doc, e, how)
}

/// Name a key's grant: exact with a repository, else the deploy-key candidate glob.
fn name_key(g: &mut Grant, e: &Event, scope: &str) -> String {
    let Subject::Key { title, .. } = &e.subject else {
        return String::new();
    };
    let how = match &e.repo {
        Some(repo) => {
            g.identity = format!("{title} ({repo})");
            g.target = repo.clone();
            g.scope = scope.to_string();
            put(g, "repository", Some(repo));
            "joined on key title and repository (a public key event naming a repository is a deploy key)"
                .to_string()
        }
        None => {
            let org = if scope.is_empty() {
                "*".to_string()
            } else {
                escape(scope)
            };
            g.identity = format!("{} ({org}/*)", escape(title));
            format!(
                "candidate: joined on key title only: the event names no repository, so any \
                 deploy key titled {title} matches (a user's SSH key logs the same action)"
            )
        }
    };
    g.labels.insert("match".into(), how.clone());
    how
}

fn finish(mut g: Grant, doc: &Doc, e: &Event, how: String) -> Grant {
    g.labels.insert("match".into(), how.clone());
    g.evidence.push(evidence(
        doc,
        &e.pointer,
        &format!("{}; {how}", e.excerpt()),
    ));
    g
}

/// The grant a granting event opens.
fn opened(doc: &Doc, e: &Event, scope: &str) -> Grant {
    let mut g = base(doc, e, scope);
    g.issued_at = Some(e.at);
    g.labels.insert("granted_with".into(), e.action.clone());
    match &e.subject {
        // The owner asks; an actor other than the owner approved the request.
        Subject::Pat { user, .. } => {
            g.requested_by = Some(user.clone());
            g.approved_by = e.actor.clone().filter(|a| !a.eq_ignore_ascii_case(user));
        }
        _ => g.requested_by = e.actor.clone(),
    }
    put(&mut g, "granted_by", e.actor.as_ref());
    g
}

/// End `g` with a revoking event.
fn close(g: &mut Grant, doc: &Doc, e: &Event) {
    g.revoked_at = Some(e.at);
    g.labels.insert("revoked_with".into(), e.action.clone());
    put(g, "revoked_by", e.actor.as_ref());
    if g.evidence
        .iter()
        .all(|ev| ev.pointer != e.pointer || ev.source != doc.name)
    {
        g.evidence.push(evidence(doc, &e.pointer, &e.excerpt()));
    }
}

fn put(g: &mut Grant, key: &str, value: Option<&String>) {
    if let Some(v) = value {
        g.labels.insert(key.into(), v.clone());
    }
}

/// `text` as a glob matching only itself.
fn escape(text: &str) -> String {
    glob::Pattern::escape(text)
}
