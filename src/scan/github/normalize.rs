//! An organization's documents → identities, credentials, access paths, signals and the
//! workloads the OIDC bridge matches. Pure: no I/O, judged at `ctx.now`.

use super::catalogue::GithubCatalogue;
use super::raw::*;
use super::shapes::{OidcSub, Org, Repo};
use super::{ACTIONS_ISSUER, BOUNDARY};
use crate::classify::fingerprint;
use crate::model::*;
use crate::scan::json::{Parsed, escape, parsed};
use crate::scan::scanner::{
    Context, Ended, Normalized, Origin, RawScope, Residual, failed_scope, scope_status,
    still_attached,
};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// One organization being normalized.
pub(super) struct OrgScan<'a> {
    pub ctx: &'a Context<'a>,
    pub cat: GithubCatalogue,
    /// The organization's login: the scope.
    pub org: String,
    pub inv: Inventory,
    /// Problems with the documents (bad input).
    pub errors: Vec<String>,
    /// Repositories that are archived (read-only).
    pub archived: BTreeSet<String>,
    /// Org owners' logins, lower-cased (who may have added a key).
    pub admins: Option<BTreeSet<String>>,
}

pub fn normalize(raw: &RawScope, ctx: &Context<'_>) -> Normalized {
    let mut errors = Vec::new();
    let cat = ctx
        .rules
        .catalogue::<GithubCatalogue>("github")
        .unwrap_or_else(|e| {
            errors.push(e.to_string());
            GithubCatalogue::default()
        });
    let Some(org) = parsed::<Org>(raw, ORG, &mut errors) else {
        if raw.document(ORG).is_none() && raw.errors.is_empty() {
            errors.push(format!(
                "github {}: no {ORG}: the organization could not be read",
                raw.scope
            ));
        }
        let mut n = failed_scope(raw, "the organization could not be read");
        if let Some(s) = n.inventory.scopes.first_mut() {
            s.errors = raw.errors.iter().chain(&errors).cloned().collect();
        }
        n.errors = errors;
        return n;
    };
    let login = if raw.scope.is_empty() {
        org.value.login.clone()
    } else {
        raw.scope.clone()
    };
    let notes: BTreeMap<String, String> = parsed(raw, NOTES, &mut errors)
        .map(|d: Parsed<BTreeMap<String, String>>| d.value)
        .unwrap_or_default();
    let mut s = OrgScan {
        ctx,
        cat,
        org: login.clone(),
        inv: Inventory::default(),
        errors,
        archived: BTreeSet::new(),
        admins: None,
    };
    let repos = parsed::<Vec<Repo>>(raw, REPOS, &mut s.errors);
    if let Some(r) = &repos {
        s.archived = r
            .value
            .iter()
            .filter(|r| r.archived)
            .map(|r| r.full_name.clone())
            .collect();
    }
    s.admins = parsed::<Vec<super::shapes::Member>>(raw, ADMINS, &mut s.errors).map(|d| {
        d.value
            .iter()
            .map(|m| m.login.to_ascii_lowercase())
            .collect()
    });
    s.deploy_keys(raw);
    s.installations(raw);
    s.fine_grained_tokens(raw);
    s.credential_authorizations(raw);
    let oidc = parsed::<OidcSub>(raw, OIDC_SUB, &mut s.errors);
    if let Some(r) = &repos {
        s.workloads(r, oidc.as_ref(), org.value.id);
    }
    // What a snapshot does not hold was not collected: those credentials are unknown, so the
    // scope is partial (a live read that failed already says so in the collector's errors).
    let mut gaps = Vec::new();
    if raw.origin == Origin::File {
        for (doc, what) in [
            (REPOS, "repositories (and the OIDC bridge)"),
            (DEPLOY_KEYS, "deploy keys"),
            (INSTALLATIONS, "GitHub App installations"),
            (PATS, "fine-grained personal access tokens"),
            (
                CREDENTIAL_AUTHORIZATIONS,
                "SSO-authorized classic tokens and SSH keys",
            ),
        ] {
            if raw.document(doc).is_none() && !notes.contains_key(doc) {
                gaps.push(format!(
                    "{login}: {doc} was not collected: its {what} are unknown"
                ));
            }
        }
    }
    let mut status_errors = s.errors.clone();
    status_errors.extend(gaps);
    let mut status = scope_status(raw, &login, &status_errors);
    status.notes = notes
        .iter()
        .map(|(doc, why)| format!("{doc}: {why}"))
        .collect();
    s.inv.scopes.push(status);
    Normalized {
        inventory: s.inv,
        errors: s.errors,
    }
}

impl OrgScan<'_> {
    pub fn now(&self) -> DateTime<Utc> {
        self.ctx.now
    }

    pub fn time(&mut self, doc: &str, pointer: &str, v: &Option<String>) -> Option<DateTime<Utc>> {
        crate::scan::json::time(doc, pointer, v, &mut self.errors)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn identity(
        &mut self,
        id: &str,
        name: &str,
        kind: &str,
        created_at: Option<DateTime<Utc>>,
        last_used: Option<DateTime<Utc>>,
        attributes: BTreeMap<String, String>,
        ev: Evidence,
    ) {
        self.inv.identities.push(Identity {
            id: id.into(),
            name: name.to_string(),
            boundary: BOUNDARY,
            scope: Text::from(&self.org),
            kind: kind.into(),
            created_at,
            last_used,
            attributes: crate::model::text_map(attributes),
            evidence: vec![ev],
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub fn credential(
        &mut self,
        identity: &str,
        kind: &str,
        status: &str,
        lifetime: CredentialLifetime,
        created_at: Option<DateTime<Utc>>,
        last_used: Option<DateTime<Utc>>,
        expires_at: Option<DateTime<Utc>>,
        ev: Evidence,
    ) {
        self.inv.credentials.push(Credential {
            id: format!("{identity}#{kind}"),
            identity: identity.into(),
            kind: kind.into(),
            status: status.into(),
            lifetime,
            created_at,
            last_used,
            expires_at,
            evidence: vec![ev],
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub fn path(
        &mut self,
        identity: &str,
        entitlement: &str,
        target: &str,
        privilege: (Privilege, Decision),
        enforcement: (Enforcement, Decision, Option<Window>),
        lifetime: (CredentialLifetime, Decision),
        evidence: Vec<Evidence>,
    ) {
        self.inv.access_paths.push(AccessPath {
            id: (fingerprint(&["github", &self.org, identity, entitlement, target])).into(),
            identity: identity.into(),
            boundary: BOUNDARY,
            scope: Text::from(&self.org),
            entitlement: entitlement.into(),
            target: target.into(),
            privilege: privilege.0,
            enforcement: enforcement.0,
            credential_lifetime: lifetime.0,
            window: enforcement.2,
            basis: Basis {
                privilege: privilege.1,
                enforcement: enforcement.1,
                credential_lifetime: lifetime.1,
            },
            evidence,
        });
    }

    #[allow(clippy::too_many_arguments)]
    pub fn signal(
        &mut self,
        kind: &str,
        identity: &str,
        entitlement: &str,
        target: &str,
        message: String,
        evidence: Vec<Evidence>,
        revocation: Option<(Revocation, DateTime<Utc>)>,
    ) {
        self.inv.signals.push(Signal {
            kind: kind.into(),
            boundary: BOUNDARY,
            scope: Text::from(&self.org),
            identity: identity.into(),
            entitlement: entitlement.into(),
            target: target.into(),
            message,
            revocation: revocation.map(|r| r.0),
            severity: revocation
                .filter(|r| r.0 == Revocation::Effective)
                .map(|_| Severity::Info),
            at: revocation.map(|r| r.1),
            evidence,
        });
    }

    /// Whether a login is an org owner: `Some(true/false)`, `None` when owners were not read.
    pub fn is_owner(&self, login: &str) -> Option<bool> {
        self.admins
            .as_ref()
            .map(|a| a.contains(&login.to_ascii_lowercase()))
    }

    /// The target an org-wide credential reaches, by its repository selection.
    pub fn org_target(&self, selection: Option<&str>) -> String {
        match selection {
            Some("all") => format!("org {} (all repositories)", self.org),
            Some("selected") | Some("subset") => {
                format!("org {} (selected repositories)", self.org)
            }
            _ => format!("org {}", self.org),
        }
    }

    /// Repositories → the workloads the OIDC bridge matches cloud trusts against, plus two
    /// probes: a repository created tomorrow, and repositories of look-alike owners (a trust
    /// that matches either reaches past the repositories that exist).
    fn workloads(
        &mut self,
        repos: &Parsed<Vec<Repo>>,
        oidc: Option<&Parsed<OidcSub>>,
        org_id: Option<u64>,
    ) {
        let org_tpl = oidc.and_then(|o| o.value.org.as_ref());
        for (i, r) in repos.value.iter().enumerate() {
            if r.archived || r.disabled {
                continue; // an archived or disabled repository runs no workflows
            }
            let repo_tpl = oidc.and_then(|o| o.value.repos.get(&r.full_name));
            let (keys, from) = super::subject::claim_keys(repo_tpl, org_tpl);
            let mut attributes = BTreeMap::from([
                ("repository".to_string(), r.full_name.clone()),
                (
                    "visibility".to_string(),
                    r.visibility.clone().unwrap_or_else(|| {
                        if r.private {
                            "private".into()
                        } else {
                            "public".into()
                        }
                    }),
                ),
                ("subject_claims".to_string(), keys.join(",")),
                ("subject_template".to_string(), from.to_string()),
            ]);
            if oidc.is_none() {
                attributes.insert(
                    "subject_template".into(),
                    format!("{OIDC_SUB} was not collected: {from} assumed"),
                );
            }
            self.inv.workloads.push(Workload {
                boundary: BOUNDARY,
                scope: self.org.clone(),
                id: format!("github:{}/actions", r.full_name),
                name: r.full_name.clone(),
                issuer: ACTIONS_ISSUER.to_string(),
                subjects: super::subject::subjects(r, &self.org, &keys),
                attributes,
                evidence: vec![repos.ev(&format!("/{i}"))],
            });
        }
        let (keys, _) = super::subject::claim_keys(None, org_tpl);
        let fictional = |owner: &str, owner_id: Option<u64>| Repo {
            id: Some(0),
            name: "\u{7f}".into(),
            full_name: format!("{owner}/\u{7f}"),
            private: true,
            visibility: Some("private".into()),
            archived: false,
            disabled: false,
            owner: super::shapes::Account {
                login: owner.to_string(),
                id: owner_id,
            },
        };
        let mut probes = vec![("new-repository", fictional(&self.org, org_id))];
        let chars: Vec<char> = self.org.chars().collect();
        for i in 0..=chars.len() {
            let mut other = chars.clone();
            if i < chars.len() {
                other[i] = '\u{7f}';
            } else {
                other.push('\u{7f}');
            }
            let login: String = other.into_iter().collect();
            probes.push(("other-owner", fictional(&login, Some(0))));
        }
        for (probe, r) in probes {
            self.inv.workloads.push(Workload {
                boundary: BOUNDARY,
                scope: self.org.clone(),
                id: format!("github:{}/probe/{probe}", self.org),
                name: r.full_name.clone(),
                issuer: ACTIONS_ISSUER.to_string(),
                subjects: super::subject::subjects(&r, &self.org, &keys),
                attributes: BTreeMap::from([("probe".to_string(), probe.to_string())]),
                evidence: Vec::new(),
            });
        }
    }
}

/// JSON pointer of item `i` of a document keyed by `key`.
pub fn keyed_pointer(key: &str, i: usize) -> String {
    format!("/{}/{i}", escape(key))
}

/// The credential-authorization list without `token_last_eight` (part of a token).
pub fn without_token_parts(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut v) => {
            if let Some(items) = v.as_array_mut() {
                for i in items {
                    if let Some(o) = i.as_object_mut() {
                        o.remove("token_last_eight");
                    }
                }
            }
            serde_json::to_string_pretty(&v).unwrap_or_default()
        }
        Err(_) => text.to_string(),
    }
}

/// What remains of an SSO credential authorization after the ledger says it ended: nothing
/// when the one listed now was authorized after the end (a new authorization); its use after
/// the end when `credential_accessed_at` shows one; else its paths, still attached.
pub fn residual(ended: &Ended<'_>, identity: &Identity, covered: &[&AccessPath]) -> Vec<Residual> {
    let sso = identity.id.contains("/credential-authorizations/");
    let authorized = identity
        .attributes
        .get("authorized_at")
        .and_then(|t| crate::time::parse_timestamp(t));
    if sso && authorized.is_some_and(|a| a > ended.end) {
        return Vec::new();
    }
    let mut out = still_attached(covered);
    if let Some(used) = identity.last_used.filter(|u| *u > ended.end) {
        out.push(Residual {
            reason: format!(
                "{} was used at {}, after the access ended at {}",
                identity.name,
                crate::time::fmt_utc(used),
                crate::time::fmt_utc(ended.end)
            ),
            evidence: identity.evidence.clone(),
        });
    }
    out
}
