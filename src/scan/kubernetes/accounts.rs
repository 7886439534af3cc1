//! Service accounts as identities, and the tokens they have: legacy token Secrets (never
//! expire; the cleaner's labels read) and the projected tokens of the pods that run as them.

use super::normalize::{label_date, signal};
use super::objects::Objects;
use super::shapes::Settings;
use crate::classify::fingerprint;
use crate::model::*;
use crate::scan::scanner::Context;
use std::collections::{BTreeMap, BTreeSet};

/// The auto-mounted token's `expirationSeconds`: with the extension on, the API server
/// issues it for a year and only warns after 3607 s (api-shapes §F.3).
const EXTENDED_MARKER: i64 = 3607;

/// What the access paths and checks need of one service account.
pub struct Account {
    pub id: String,
    /// `namespace/name`.
    pub key: String,
    pub ev: Evidence,
    pub lifetime: (CredentialLifetime, Decision),
    /// Usable legacy tokens: (secret `ns/name`, referenced by the account, evidence).
    pub legacy: Vec<(String, bool, Evidence)>,
    /// Pods whose containers get the token mounted.
    pub mounted_in: Vec<String>,
    pub strongest: Privilege,
    /// (signal, message, evidence) from bindings that are not JIT.
    pub rbac: Vec<(String, String, Vec<Evidence>)>,
}

impl Account {
    #[allow(clippy::too_many_arguments)]
    pub fn note_path(
        &mut self,
        privilege: Privilege,
        enforcement: Enforcement,
        signals: &BTreeSet<String>,
        binding: &str,
        kind: &str,
        role: &str,
        target: &str,
        evidence: Vec<Evidence>,
    ) {
        if privilege.rank() > self.strongest.rank() {
            self.strongest = privilege;
        }
        if enforcement == Enforcement::Jit {
            return; // bounded by the broker: the general checks judge it
        }
        for s in signals {
            let what = if s == "kubernetes-cluster-admin" {
                format!(
                    "{} is bound to {role} ({target}) by {kind} {binding}, {enforcement}",
                    self.key
                )
            } else {
                format!(
                    "{} can escalate through {role} ({target}), bound by {kind} {binding}, {enforcement}",
                    self.key
                )
            };
            self.rbac.push((s.clone(), what, evidence.clone()));
        }
    }
}

fn privileged(p: Privilege) -> bool {
    matches!(p, Privilege::Admin | Privilege::Write | Privilege::Unknown)
}

pub fn accounts(
    o: &Objects,
    settings: &Settings,
    scope: &str,
    ctx: &Context<'_>,
    inv: &mut Inventory,
    notes: &mut Vec<String>,
    errors: &mut Vec<String>,
) -> BTreeMap<String, Account> {
    let mut out = BTreeMap::new();
    let secrets_read = o.read.contains("Secret");
    let pods_read = o.read.contains("Pod");
    let max_exp = settings
        .max_token_expiration
        .as_deref()
        .and_then(|m| crate::time::parse_duration(m).ok());
    let mut orphans = 0usize;
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    for (i, sa) in o.accounts.iter().enumerate() {
        let m = &sa.value.metadata;
        let ns = m.namespace.clone().unwrap_or_else(|| "default".into());
        by_key.insert(format!("{ns}/{}", m.name), i);
    }
    // Legacy token Secrets, by the account they name.
    let mut legacy: BTreeMap<String, Vec<(String, bool, Evidence)>> = BTreeMap::new();
    let mut rejected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &o.secrets {
        let m = &s.value.metadata;
        let ns = m.namespace.clone().unwrap_or_else(|| "default".into());
        let Some(sa_name) = m.annotations.get("kubernetes.io/service-account.name") else {
            continue;
        };
        let key = format!("{ns}/{sa_name}");
        let Some(&idx) = by_key.get(&key) else {
            orphans += 1;
            continue;
        };
        let sa = &o.accounts[idx].value;
        let sa_id = sa.metadata.uid.clone().unwrap_or_else(|| key.clone());
        let secret = format!("{ns}/{}", m.name);
        let referenced = sa.secrets.iter().any(|r| r.name == m.name);
        let invalid = m.labels.get("kubernetes.io/legacy-token-invalid-since");
        let uid_mismatch = m
            .annotations
            .get("kubernetes.io/service-account.uid")
            .zip(sa.metadata.uid.as_ref())
            .is_some_and(|(a, b)| a != b);
        let last_used = m
            .labels
            .get("kubernetes.io/legacy-token-last-used")
            .and_then(|d| label_date(d));
        let created = crate::scan::json::time(
            &s.source,
            &format!("{}/metadata/creationTimestamp", s.pointer),
            &m.creation_timestamp,
            errors,
        );
        let unusable = match (invalid, uid_mismatch) {
            (Some(d), _) => Some(format!(
                "{secret}: invalid since {d} (the cleaner's label: the API server rejects it)"
            )),
            (None, true) => Some(format!(
                "{secret}: names an earlier account of the same name (uid differs): the API server rejects it"
            )),
            (None, false) => None,
        };
        let status = if unusable.is_some() {
            "inactive"
        } else {
            "active"
        }
        .to_string();
        if let Some(why) = unusable {
            rejected.entry(key.clone()).or_default().push(why);
        }
        let usable = invalid.is_none() && !uid_mismatch;
        let ev = s.ev();
        inv.credentials.push(Credential {
            id: m.uid.clone().unwrap_or_else(|| format!("{scope}/{secret}")),
            identity: Text::from(&sa_id),
            kind: "kubernetes-legacy-token".into(),
            status: status.into(),
            lifetime: if usable {
                CredentialLifetime::LongLived
            } else {
                CredentialLifetime::None
            },
            created_at: created,
            last_used,
            expires_at: None,
            evidence: vec![ev.clone()],
        });
        if !usable {
            continue;
        }
        if !referenced {
            inv.signals.push(signal(
                "kubernetes-manual-token-secret", scope, &sa_id, &format!("token Secret {secret}"), &format!("namespace {ns}"),
                format!("token Secret {secret} of {key} was created by hand (the account does not reference it): Kubernetes never labels or cleans it, and its token never expires"),
                vec![ev.clone()],
            ));
        }
        if let Some(t) = last_used
            && ctx.now - t > ctx.policy.stale_after
        {
            inv.signals.push(signal(
                "kubernetes-legacy-token-unused", scope, &sa_id, &format!("token Secret {secret}"), &format!("namespace {ns}"),
                format!("the legacy token in {secret} ({key}) was last used {} (legacy-token-last-used), longer ago than stale_after {}", t.format("%Y-%m-%d"), crate::time::format_duration(ctx.policy.stale_after)),
                vec![ev.clone()],
            ));
        }
        legacy
            .entry(key)
            .or_default()
            .push((secret, referenced, ev));
    }
    if orphans > 0 {
        notes.push(format!("{orphans} token Secret(s) name a service account that does not exist (the token controller deletes them; their tokens are rejected)"));
    }
    // Projected tokens of the pods that run as each account.
    let mut projected: BTreeMap<String, Vec<(String, i64, Evidence)>> = BTreeMap::new();
    let mut mounted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &o.pods {
        let m = &p.value.metadata;
        let ns = m.namespace.clone().unwrap_or_else(|| "default".into());
        let key = format!("{ns}/{}", p.value.spec.account());
        for (vi, vol) in p.value.spec.volumes.iter().enumerate() {
            for src in vol.projected.iter().flat_map(|pr| &pr.sources) {
                if let Some(t) = &src.service_account_token {
                    let secs = t.expiration_seconds.unwrap_or(3600);
                    projected.entry(key.clone()).or_default().push((
                        format!("{ns}/{}", m.name),
                        secs,
                        crate::model::Evidence::new(
                            p.source.clone(),
                            format!("{}/spec/volumes/{vi}", p.pointer),
                        ),
                    ));
                    if vol.name.starts_with("kube-api-access-") {
                        mounted
                            .entry(key.clone())
                            .or_default()
                            .push(format!("{ns}/{}", m.name));
                    }
                }
            }
        }
    }
    for sa in &o.accounts {
        let m = &sa.value.metadata;
        let ns = m.namespace.clone().unwrap_or_else(|| "default".into());
        let key = format!("{ns}/{}", m.name);
        let id = m
            .uid
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| key.clone());
        let ev = sa.ev();
        let mut attributes = BTreeMap::new();
        attributes.insert("namespace".to_string(), ns.clone());
        for (ann, attr) in [
            ("eks.amazonaws.com/role-arn", "aws_role_arn"),
            ("iam.gke.io/gcp-service-account", "gcp_service_account"),
            ("azure.workload.identity/client-id", "azure_client_id"),
            ("azure.workload.identity/tenant-id", "azure_tenant_id"),
        ] {
            if let Some(v) = m.annotations.get(ann).filter(|v| !v.trim().is_empty()) {
                attributes.insert(attr.to_string(), v.trim().to_string());
            }
        }
        if let Some(r) = rejected.remove(&key) {
            attributes.insert("rejected_legacy_tokens".into(), r.join("; "));
        }
        if sa.value.automount_service_account_token == Some(false) {
            attributes.insert("automount".into(), "off on the service account".into());
        }
        let created = crate::scan::json::time(
            &sa.source,
            &format!("{}/metadata/creationTimestamp", sa.pointer),
            &m.creation_timestamp,
            errors,
        );
        inv.identities.push(Identity {
            id: Text::from(&id),
            name: key.clone(),
            boundary: super::BOUNDARY,
            scope: scope.into(),
            kind: "kubernetes-service-account".into(),
            created_at: created,
            last_used: None,
            attributes: crate::model::text_map(attributes),
            evidence: vec![ev.clone()],
        });
        let tokens = legacy.remove(&key).unwrap_or_default();
        let vols = projected.remove(&key).unwrap_or_default();
        let lifetime = lifetime(
            &key,
            &tokens,
            &vols,
            settings.extend_token_expiration,
            max_exp,
            ctx,
            secrets_read,
            pods_read,
        );
        if !vols.is_empty() {
            inv.credentials.push(Credential {
                id: fingerprint(&["kubernetes", scope, &id, "projected"]),
                identity: Text::from(&id),
                kind: "kubernetes-projected-token".into(),
                status: "active".into(),
                lifetime: if tokens.is_empty() {
                    lifetime.0
                } else {
                    projected_lifetime(&vols, settings.extend_token_expiration, max_exp, ctx).0
                },
                created_at: None,
                last_used: None,
                expires_at: None,
                evidence: vols.iter().map(|v| v.2.clone()).take(5).collect(),
            });
        }
        out.insert(
            key.clone(),
            Account {
                id,
                key: key.clone(),
                ev,
                lifetime,
                legacy: tokens,
                mounted_in: mounted.remove(&key).unwrap_or_default(),
                strongest: Privilege::Read,
                rbac: Vec::new(),
            },
        );
    }
    out
}

type Verdict = (CredentialLifetime, Decision);

fn projected_lifetime(
    vols: &[(String, i64, Evidence)],
    extend: bool,
    max: Option<chrono::Duration>,
    ctx: &Context<'_>,
) -> Verdict {
    if extend && let Some(v) = vols.iter().find(|v| v.1 == EXTENDED_MARKER) {
        return (
            CredentialLifetime::LongLived,
            Decision::new(
                "kubernetes.lifetime.projected-extended",
                format!(
                    "pod {} mounts the auto-mounted token (expirationSeconds {EXTENDED_MARKER}); with --service-account-extend-token-expiration on (Kubernetes' default) the API server issues it for a year",
                    v.0
                ),
            ),
        );
    }
    let (pod, secs) = vols
        .iter()
        .map(|v| (v.0.as_str(), v.1))
        .max_by_key(|v| v.1)
        .unwrap_or(("", 0));
    // An absurd expirationSeconds is as long as a duration goes, never a panic.
    let mut life = chrono::Duration::try_seconds(secs).unwrap_or(chrono::Duration::MAX);
    let mut capped = String::new();
    if let Some(m) = max
        && m < life
    {
        life = m;
        capped = format!(
            " (capped by --service-account-max-token-expiration {})",
            crate::time::format_duration(m)
        );
    }
    if life <= ctx.policy.max_ephemeral_ttl {
        (
            CredentialLifetime::Ephemeral,
            Decision::new(
                "kubernetes.lifetime.projected",
                format!(
                    "projected tokens live at most {}{capped} (pod {pod}), within max_ephemeral_ttl {}; the kubelet rotates them",
                    crate::time::format_duration(life),
                    crate::time::format_duration(ctx.policy.max_ephemeral_ttl)
                ),
            ),
        )
    } else {
        (
            CredentialLifetime::LongLived,
            Decision::new(
                "kubernetes.lifetime.projected-long",
                format!(
                    "pod {pod} mounts a token that lives {}{capped}, longer than max_ephemeral_ttl {}",
                    crate::time::format_duration(life),
                    crate::time::format_duration(ctx.policy.max_ephemeral_ttl)
                ),
            ),
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn lifetime(
    key: &str,
    tokens: &[(String, bool, Evidence)],
    vols: &[(String, i64, Evidence)],
    extend: bool,
    max: Option<chrono::Duration>,
    ctx: &Context<'_>,
    secrets_read: bool,
    pods_read: bool,
) -> Verdict {
    if let Some((secret, _, _)) = tokens.first() {
        return (
            CredentialLifetime::LongLived,
            Decision::new(
                "kubernetes.lifetime.legacy-token",
                format!(
                    "token Secret {secret} holds a token that never expires (deleted only with the Secret)"
                ),
            ),
        );
    }
    if !vols.is_empty() {
        return projected_lifetime(vols, extend, max, ctx);
    }
    if !secrets_read || !pods_read {
        let missing = [
            (!secrets_read).then_some("token Secrets"),
            (!pods_read).then_some("pods"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ");
        return (
            CredentialLifetime::Unknown,
            Decision::new(
                "kubernetes.lifetime.not-read",
                format!("{missing} were not read, so {key}'s tokens are unseen"),
            ),
        );
    }
    (
        CredentialLifetime::None,
        Decision::new(
            "kubernetes.lifetime.none-in-use",
            format!(
                "no pod runs as {key} and no token Secret names it: no credential is in use (anyone allowed to create pods or tokens for it can mint one)"
            ),
        ),
    )
}

/// The checks that need every binding of an account: cluster-admin and escalation (K8S001,
/// K8S002), legacy tokens on privileged accounts (K8S003), the privileged `default` account
/// (K8S006) and auto-mounted tokens of privileged accounts (K8S007).
pub fn account_signals(accts: &BTreeMap<String, Account>, scope: &str, inv: &mut Inventory) {
    for a in accts.values() {
        let ns = a.key.split('/').next().unwrap_or("");
        for (kind, message, ev) in &a.rbac {
            inv.signals.push(signal(
                kind,
                scope,
                &a.id,
                "RBAC",
                &format!("cluster {scope}"),
                message.clone(),
                ev.clone(),
            ));
        }
        if !privileged(a.strongest) {
            continue;
        }
        for (secret, _, ev) in &a.legacy {
            inv.signals.push(signal(
                "kubernetes-legacy-token-privileged",
                scope,
                &a.id,
                &format!("token Secret {secret}"),
                &format!("namespace {ns}"),
                format!(
                    "{} ({} privilege) has a legacy token in Secret {secret} that never expires",
                    a.key, a.strongest
                ),
                vec![ev.clone(), a.ev.clone()],
            ));
        }
        if a.key.ends_with("/default") && matches!(a.strongest, Privilege::Admin | Privilege::Write)
        {
            inv.signals.push(signal(
                "kubernetes-default-account-privileged", scope, &a.id, "RBAC", &format!("namespace {ns}"),
                format!("{} holds {} privilege: every pod of {ns} that names no service account runs with it", a.key, a.strongest),
                vec![a.ev.clone()],
            ));
        }
        if !a.mounted_in.is_empty() {
            inv.signals.push(signal(
                "kubernetes-automount-privileged", scope, &a.id, "automounted token", &format!("namespace {ns}"),
                format!("{} ({} privilege) has its token auto-mounted in {} pod(s) ({}); set automountServiceAccountToken: false where the workload does not call the API", a.key, a.strongest, a.mounted_in.len(), a.mounted_in.iter().take(5).cloned().collect::<Vec<_>>().join(", ")),
                vec![a.ev.clone()],
            ));
        }
    }
}
