//! The Actions OIDC bridge: which repositories' workflows can assume which cloud identity
//! (AWS roles trusting `token.actions.githubusercontent.com`, Azure federated credentials
//! with that issuer), each a path `repository workflows → cloud identity` carrying the cloud
//! side's privilege and enforcement; and the trusts that reach every repository, repositories
//! outside the organization, or pull requests.

use super::glob::intersect;
use super::{ACTIONS_ISSUER, BOUNDARY};
use crate::classify::fingerprint;
use crate::model::*;
use crate::scan::scanner::Context;
use std::collections::BTreeMap;

/// Whether a federation's issuer is GitHub Actions (github.com, or an enterprise's own
/// `…/ENTERPRISE` issuer on it).
fn is_actions(issuer: &str) -> bool {
    let i = issuer.trim_end_matches('/');
    i.eq_ignore_ascii_case(ACTIONS_ISSUER)
        || i.to_ascii_lowercase()
            .starts_with(&format!("{ACTIONS_ISSUER}/"))
}

/// Whether a token with a subject of `pattern` (the workload side) can satisfy `fed`.
fn accepts(fed: &Federation, pattern: &str) -> bool {
    match fed.matching {
        SubjectMatch::Any => true,
        // A literal `*` in StringEquals is a character no GitHub subject holds.
        SubjectMatch::Exact => fed
            .subjects
            .iter()
            .any(|s| !s.contains(['*', '?']) && intersect(pattern, s)),
        SubjectMatch::Glob => fed.subjects.iter().any(|s| intersect(pattern, s)),
    }
}

fn subject_text(fed: &Federation) -> String {
    match fed.matching {
        SubjectMatch::Any => "no subject condition".into(),
        _ => {
            "subject ".to_string()
                + &fed
                    .subjects
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
        }
    }
}

pub fn bridge(inv: &Inventory, _ctx: &Context<'_>) -> Inventory {
    let mut out = Inventory::default();
    let mut orgs: BTreeMap<&str, Vec<&Workload>> = BTreeMap::new();
    for w in inv.workloads.iter().filter(|w| w.boundary == BOUNDARY) {
        orgs.entry(w.scope.as_str()).or_default().push(w);
    }
    let feds: Vec<&Federation> = inv
        .federations
        .iter()
        .filter(|f| is_actions(&f.issuer))
        .collect();
    if feds.is_empty() || orgs.is_empty() {
        return out;
    }
    // The trusting identities' names and paths, indexed once (not one sweep per trust).
    let wanted: std::collections::BTreeSet<&str> =
        feds.iter().map(|f| f.identity.as_str()).collect();
    let names: BTreeMap<&str, &str> = inv
        .identities
        .iter()
        .filter(|i| wanted.contains(i.id.as_str()))
        .map(|i| (i.id.as_str(), i.name.as_str()))
        .collect();
    let mut by_identity: BTreeMap<&str, Vec<&AccessPath>> = BTreeMap::new();
    for p in inv
        .access_paths
        .iter()
        .filter(|p| wanted.contains(p.identity.as_str()))
    {
        by_identity.entry(&p.identity).or_default().push(p);
    }
    for fed in feds {
        let cloud_name = names
            .get(fed.identity.as_str())
            .map(|n| n.to_string())
            .unwrap_or_else(|| fed.identity.clone());
        let strongest = by_identity
            .get(fed.identity.as_str())
            .into_iter()
            .flatten()
            .max_by_key(|p| {
                (
                    p.privilege.rank(),
                    p.enforcement.weakness(),
                    std::cmp::Reverse(p.id.clone()),
                )
            })
            .copied();
        for (org, workloads) in &orgs {
            let mut matched: Vec<(&Workload, Vec<&str>)> = Vec::new();
            let mut reaches_new = false;
            let mut reaches_outside = false;
            for w in workloads {
                let labels: Vec<&str> = w
                    .subjects
                    .iter()
                    .filter(|(_, pattern)| accepts(fed, pattern))
                    .map(|(l, _)| l.as_str())
                    .collect();
                if labels.is_empty() {
                    continue;
                }
                match w.attributes.get("probe").map(String::as_str) {
                    Some("new-repository") => reaches_new = true,
                    Some(_) => reaches_outside = true,
                    None => matched.push((w, labels)),
                }
            }
            if matched.is_empty() && !reaches_new && !reaches_outside {
                continue;
            }
            let who = format!("{cloud_name} ({} {})", fed.boundary, fed.scope);
            for (w, labels) in &matched {
                push_path(&mut out, fed, w, labels, &cloud_name, strongest);
            }
            let repos: Vec<&str> = matched.iter().map(|(w, _)| w.name.as_str()).collect();
            let mut evidence = fed.evidence.clone();
            evidence.extend(matched.iter().flat_map(|(w, _)| w.evidence.clone()));
            let listed = if repos.is_empty() {
                "none of them exists yet".to_string()
            } else {
                format!("today {} ({})", repos.len(), repos.join(", "))
            };
            if reaches_new || reaches_outside {
                out.signals.push(signal(
                    "github-oidc-trust-every-repository",
                    org,
                    fed,
                    format!(
                        "{who} trusts GitHub Actions tokens of {} ({}): {listed}",
                        if reaches_outside {
                            format!("repositories outside {org} as well as every repository of it")
                        } else {
                            format!("every repository of {org}, including ones created later")
                        },
                        subject_text(fed)
                    ),
                    evidence.clone(),
                ));
            }
            let prs: Vec<&str> = matched
                .iter()
                .filter(|(_, l)| l.contains(&"pull requests"))
                .map(|(w, _)| w.name.as_str())
                .collect();
            if !prs.is_empty() {
                out.signals.push(signal(
                    "github-oidc-trust-pull-request",
                    org,
                    fed,
                    format!(
                        "{who} trusts pull_request workflows ({}) of {}",
                        subject_text(fed),
                        prs.join(", ")
                    ),
                    evidence,
                ));
            }
        }
    }
    out
}

fn push_path(
    out: &mut Inventory,
    fed: &Federation,
    w: &Workload,
    labels: &[&str],
    cloud_name: &str,
    strongest: Option<&AccessPath>,
) {
    if !out.identities.iter().any(|i| i.id == w.id) {
        out.identities.push(Identity {
            id: Text::from(&w.id),
            name: format!("{} workflows", w.name),
            boundary: BOUNDARY,
            scope: Text::from(&w.scope),
            kind: "github-actions-workflows".into(),
            created_at: None,
            last_used: None,
            attributes: crate::model::text_map(w.attributes.clone()),
            evidence: w.evidence.clone(),
        });
    }
    let id = fingerprint(&["github", &w.scope, &w.id, &fed.identity]);
    if out.access_paths.iter().any(|p| p.id == id) {
        return; // a second statement or credential trusting the same repository
    }
    let runs = labels.join(", ");
    let (privilege, enforcement, window, target_note, mut evidence) = match strongest {
        Some(p) => (
            (
                p.privilege,
                Decision::new(
                    "github.privilege.oidc-bridge",
                    format!(
                        "{}'s workflows ({runs}) can assume {cloud_name}, whose strongest path is {} on {} ({})",
                        w.name, p.privilege, p.target, p.entitlement
                    ),
                ),
            ),
            (
                p.enforcement,
                Decision::new(
                    "github.enforcement.oidc-bridge",
                    format!(
                        "the trust has no expiry; {cloud_name}'s path is {}: {}",
                        p.enforcement, p.basis.enforcement.reason
                    ),
                ),
            ),
            p.window,
            p.target.clone(),
            p.evidence.clone(),
        ),
        None => (
            (
                Privilege::Read,
                Decision::new(
                    "github.privilege.oidc-bridge-no-path",
                    format!("{cloud_name} holds no access path this scan found"),
                ),
            ),
            (
                Enforcement::Standing,
                Decision::new("github.enforcement.oidc-bridge", "the trust has no expiry"),
            ),
            None,
            Text::from(&fed.scope),
            Vec::new(),
        ),
    };
    let mut ev = fed.evidence.clone();
    ev.extend(w.evidence.clone());
    ev.append(&mut evidence);
    out.access_paths.push(AccessPath {
        id: id.into(),
        identity: Text::from(&w.id),
        boundary: BOUNDARY,
        scope: Text::from(&w.scope),
        entitlement: format!("OIDC trust of {} {}", fed.boundary, fed.identity).into(),
        target: format!("{} {} ({target_note})", fed.boundary, cloud_name).into(),
        privilege: privilege.0,
        enforcement: enforcement.0,
        credential_lifetime: CredentialLifetime::Ephemeral,
        window,
        basis: Basis {
            privilege: privilege.1,
            enforcement: enforcement.1,
            credential_lifetime: Decision::new(
                "github.lifetime.oidc-token",
                "each run exchanges a short-lived OIDC token for cloud credentials; no secret is stored",
            ),
        },
        evidence: ev,
    });
}

fn signal(
    kind: &str,
    org: &str,
    fed: &Federation,
    message: String,
    evidence: Vec<Evidence>,
) -> Signal {
    Signal {
        kind: kind.into(),
        boundary: BOUNDARY,
        scope: org.into(),
        identity: Text::from(&fed.identity),
        entitlement: format!("OIDC trust ({} {})", fed.boundary, fed.scope).into(),
        target: format!("org {org}").into(),
        message,
        revocation: None,
        severity: None,
        at: None,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(matching: SubjectMatch, subjects: &[&str]) -> Federation {
        Federation {
            boundary: Boundary::new("aws"),
            scope: "1".into(),
            identity: "role".into(),
            issuer: ACTIONS_ISSUER.into(),
            subjects: subjects.iter().map(|s| s.to_string()).collect(),
            matching,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn subjects_are_compared_as_the_cloud_compares_them() {
        let branches = "repo:acme/api:ref:refs/heads/*";
        assert!(accepts(&fed(SubjectMatch::Any, &[]), branches));
        assert!(accepts(
            &fed(SubjectMatch::Glob, &["repo:acme/*"]),
            branches
        ));
        assert!(accepts(
            &fed(SubjectMatch::Exact, &["repo:acme/api:ref:refs/heads/main"]),
            branches
        ));
        // In StringEquals a `*` is a literal no GitHub subject holds.
        assert!(!accepts(
            &fed(SubjectMatch::Exact, &["repo:acme/*"]),
            branches
        ));
        assert!(!accepts(
            &fed(SubjectMatch::Exact, &["repo:acme/api:pull_request"]),
            branches
        ));
        assert!(accepts(
            &fed(
                SubjectMatch::Exact,
                &[
                    "repo:acme/web:pull_request",
                    "repo:acme/api:ref:refs/heads/dev"
                ]
            ),
            branches
        ));
    }

    #[test]
    fn actions_issuers() {
        assert!(is_actions("https://token.actions.githubusercontent.com/"));
        assert!(is_actions(
            "https://token.actions.githubusercontent.com/acme-enterprise"
        ));
        assert!(!is_actions(
            "https://token.actions.githubusercontent.com.evil.example"
        ));
        assert!(!is_actions("https://gitlab.com"));
    }
}
