//! A cluster's documents → identities, credentials, access paths and signals. No I/O.
//!
//! A service account's `name` is `namespace/name` and its `id` the uid. Each binding that
//! reaches it (directly, as `system:serviceaccount:NS:NAME`, or through the
//! `system:serviceaccounts[:NS]` / `system:authenticated` groups) is one access path with the
//! privilege of the role's rules where the binding applies, `standing` enforcement unless a
//! JIT broker's expiry annotation bounds it, and the lifetime of the tokens the account has.

use super::BOUNDARY;
use super::accounts::{Account, accounts};
use super::catalogue::{KubeCatalogue, Reach};
use super::objects::Item;
use super::objects::Objects;
use super::raw::{CLUSTER, KINDS};
use super::rbac::{Reaches, Roles, is_default, judge_rules, subject_reach};
use super::shapes::{Binding, ClusterDoc};
use crate::classify::{WindowVerdict, classify_window, fingerprint};
use crate::model::*;
use crate::scan::scanner::{Context, Normalized, Origin, RawScope, scope_status};
use std::collections::BTreeMap;

pub use super::objects::claim;

pub(super) fn signal(
    kind: &str,
    scope: &str,
    identity: &str,
    entitlement: &str,
    target: &str,
    message: String,
    evidence: Vec<Evidence>,
) -> Signal {
    Signal {
        kind: kind.into(),
        boundary: BOUNDARY,
        scope: scope.into(),
        identity: identity.into(),
        entitlement: entitlement.into(),
        target: target.into(),
        message,
        revocation: None,
        severity: None,
        at: None,
        evidence,
    }
}

pub fn normalize(raw: &RawScope, ctx: &Context<'_>) -> Normalized {
    let mut errors = Vec::new();
    let objects = Objects::read(raw, &mut errors);
    let cluster = crate::scan::json::parsed::<ClusterDoc>(raw, CLUSTER, &mut errors)
        .map(|p| p.value)
        .unwrap_or_default();
    let scope = if raw.scope.is_empty() {
        cluster.context.clone().unwrap_or_default()
    } else {
        raw.scope.clone()
    };
    let cat = match ctx.rules.catalogue::<KubeCatalogue>("kubernetes") {
        Ok(c) => c,
        Err(e) => {
            errors.push(e.to_string());
            KubeCatalogue::default()
        }
    };
    // What a snapshot does not hold was not read: the scope is partial (a live read that
    // failed already says so in the collector's errors).
    let mut gaps = Vec::new();
    if raw.origin == Origin::File {
        for (kind, doc, cmd) in KINDS {
            if !objects.read.contains(kind) {
                gaps.push(format!(
                    "kubernetes {scope}: no {kind} was read ({doc} is not in the snapshot), so what it would show is unseen: `{cmd}`"
                ));
            }
        }
    }
    let mut inv = Inventory::default();
    let mut notes = Vec::new();
    let mut accts = accounts(
        &objects,
        &cluster.settings,
        &scope,
        ctx,
        &mut inv,
        &mut notes,
        &mut errors,
    );
    let roles = Roles::new(&objects);
    let mut defaults = 0usize;
    let bindings = objects
        .cluster_role_bindings
        .iter()
        .map(|b| (b, "ClusterRoleBinding"))
        .chain(objects.role_bindings.iter().map(|b| (b, "RoleBinding")));
    for (b, kind) in bindings {
        if is_default(&b.value, &roles) {
            defaults += 1;
            continue;
        }
        bind(
            b,
            kind,
            &roles,
            &cat,
            &cluster.settings.expiry_annotation,
            &scope,
            ctx,
            &objects,
            &mut accts,
            &mut inv,
            &mut errors,
        );
    }
    if defaults > 0 {
        notes.push(format!(
            "{defaults} of Kubernetes' own bindings (system: names, rbac-defaults) not assessed: the API server creates and reconciles them"
        ));
    }
    super::accounts::account_signals(&accts, &scope, &mut inv);
    let mut status_errors = errors.clone();
    status_errors.extend(gaps);
    let mut status = scope_status(raw, &scope, &status_errors);
    status.notes = notes;
    inv.scopes.push(status);
    Normalized {
        inventory: inv,
        errors,
    }
}

#[allow(clippy::too_many_arguments)]
fn bind(
    b: &Item<Binding>,
    kind: &str,
    roles: &Roles<'_>,
    cat: &KubeCatalogue,
    expiry_key: &str,
    scope: &str,
    ctx: &Context<'_>,
    objects: &Objects,
    accts: &mut BTreeMap<String, Account>,
    inv: &mut Inventory,
    errors: &mut Vec<String>,
) {
    let v = &b.value;
    let ns = v.metadata.namespace.as_deref();
    let reach = match (kind, ns) {
        ("ClusterRoleBinding", _) => Reach::Cluster,
        (_, Some(ns)) => Reach::Namespace(ns),
        (_, None) => Reach::Namespace("default"),
    };
    let binding_name = match ns {
        Some(ns) if kind == "RoleBinding" => format!("{ns}/{}", v.metadata.name),
        _ => v.metadata.name.clone(),
    };
    let entitlement = format!(
        "{kind} {binding_name} → {} {}",
        v.role_ref.kind, v.role_ref.name
    );
    let target = match reach {
        Reach::Cluster => format!("cluster {scope}"),
        Reach::Namespace(n) => format!("namespace {n}"),
    };
    let resolved = roles.resolve(v);
    let judged = judge_rules(cat, &resolved.rules, reach);
    let (privilege, _) = match &resolved.missing {
        Some(why) => (
            (
                Privilege::Unknown,
                Decision::new(
                    "kubernetes.privilege.role-missing",
                    format!(
                        "{why}: the binding grants nothing today, but a role created under that name would be granted at once"
                    ),
                ),
            ),
            why.clone(),
        ),
        None if judged.privilege == Privilege::Admin => (
            (
                Privilege::Admin,
                Decision::new(
                    "kubernetes.privilege.admin-rule",
                    format!(
                        "{} grants {}",
                        v.role_ref.name,
                        judged.admin_reasons.join("; ")
                    ),
                ),
            ),
            String::new(),
        ),
        None => (
            (
                judged.privilege,
                Decision::new(
                    &format!("kubernetes.privilege.{}", judged.privilege),
                    format!("{}'s strongest rule: {}", v.role_ref.name, judged.reason),
                ),
            ),
            String::new(),
        ),
    };
    // Enforcement: standing, unless a JIT broker's expiry annotation bounds the binding.
    let created = crate::scan::json::time(
        &b.source,
        &format!("{}/metadata/creationTimestamp", b.pointer),
        &v.metadata.creation_timestamp,
        errors,
    );
    let (enforcement, window) = match v.metadata.annotations.get(expiry_key) {
        None => (
            (
                Enforcement::Standing,
                Decision::new(
                    "kubernetes.enforcement.rbac-binding",
                    "RBAC bindings have no expiry: it grants the role until someone deletes it",
                ),
            ),
            None,
        ),
        Some(text) => match crate::time::parse_timestamp(text) {
            None => {
                errors.push(format!(
                    "{}: {}/metadata/annotations/{}: `{text}` is not an RFC 3339 time",
                    b.source,
                    b.pointer,
                    crate::scan::json::escape(expiry_key)
                ));
                (
                    (
                        Enforcement::Unknown,
                        Decision::new(
                            "kubernetes.enforcement.expiry-unreadable",
                            format!("the broker's expiry `{text}` ({expiry_key}) cannot be read"),
                        ),
                    ),
                    None,
                )
            }
            Some(end) => match classify_window(
                created,
                Some(end),
                ctx.now,
                ctx.policy,
                "kubernetes.enforcement",
            ) {
                WindowVerdict::Live(e, d, w) => (
                    (
                        e,
                        Decision::new(
                            &d.rule,
                            format!("{} (broker expiry {expiry_key})", d.reason),
                        ),
                    ),
                    Some(w),
                ),
                WindowVerdict::Over(end) => (
                    (
                        Enforcement::Standing,
                        Decision::new(
                            "kubernetes.enforcement.broker-expiry-passed",
                            format!(
                                "the broker's expiry {} ({expiry_key}) has passed and the binding still exists: it grants the role until someone deletes it",
                                crate::time::fmt_utc(end)
                            ),
                        ),
                    ),
                    Some(Window {
                        not_before: created,
                        not_after: Some(end),
                    }),
                ),
            },
        },
    };
    let mut evidence = vec![b.ev()];
    evidence.extend(resolved.evidence.iter().cloned());
    let privileged = privilege.0.is_privileged();
    for (i, s) in v.subjects.iter().flatten().enumerate() {
        let Some(reaches) = subject_reach(s, ns) else {
            continue;
        };
        let mut sub_ev = evidence.clone();
        sub_ev[0] = Evidence::new(b.source.clone(), format!("{}/subjects/{i}", b.pointer));
        let (keys, via): (Vec<String>, Option<&str>) = match &reaches {
            Reaches::One(k) => (vec![k.clone()], None),
            Reaches::Every(only, group) => (
                accts
                    .keys()
                    .filter(|k| {
                        only.as_deref()
                            .is_none_or(|n| k.split('/').next() == Some(n))
                    })
                    .cloned()
                    .collect(),
                Some(group.as_str()),
            ),
        };
        if let (Reaches::Every(_, group), true) = (&reaches, privileged) {
            inv.signals.push(signal(
                "kubernetes-binding-every-account", scope, &binding_name, &entitlement, &target,
                format!("{kind} {binding_name} grants {} {} ({}) to group {group}: every service account it covers ({} today) and every one created later", privilege.0, v.role_ref.name, target, keys.len()),
                sub_ev.clone(),
            ));
        }
        for key in keys {
            let Some(a) = accts.get_mut(&key) else {
                if !objects.read.contains("ServiceAccount") {
                    continue;
                }
                inv.signals.push(signal(
                    "kubernetes-dangling-binding", scope, &binding_name, &entitlement, &target,
                    format!("{kind} {binding_name} names service account {key}, which does not exist: whoever creates it inherits {} {} ({})", privilege.0, v.role_ref.name, target),
                    sub_ev.clone(),
                ));
                continue;
            };
            let id = fingerprint(&[
                "kubernetes",
                scope,
                &a.id,
                kind,
                ns.unwrap_or(""),
                &v.metadata.name,
            ]);
            if inv.access_paths.iter().any(|p| p.id == id) {
                continue;
            }
            let ent = match via {
                Some(g) => format!("{entitlement} (via group {g})"),
                None => entitlement.clone(),
            };
            let mut ev = sub_ev.clone();
            ev.push(a.ev.clone());
            inv.access_paths.push(AccessPath {
                id: id.into(),
                identity: Text::from(&a.id),
                boundary: BOUNDARY,
                scope: scope.into(),
                entitlement: ent.into(),
                target: Text::from(&target),
                privilege: privilege.0,
                enforcement: enforcement.0,
                credential_lifetime: a.lifetime.0,
                window,
                basis: Basis {
                    privilege: privilege.1.clone(),
                    enforcement: enforcement.1.clone(),
                    credential_lifetime: a.lifetime.1.clone(),
                },
                evidence: ev,
            });
            a.note_path(
                privilege.0,
                enforcement.0,
                &judged.signals,
                &binding_name,
                kind,
                &v.role_ref.name,
                &target,
                sub_ev.clone(),
            );
        }
    }
}

/// `YYYY-MM-DD` (the legacy-token labels) as midnight UTC.
pub(super) fn label_date(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}
