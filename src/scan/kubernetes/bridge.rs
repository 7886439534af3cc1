//! Workload identity bridges: a service account annotated for IRSA
//! (`eks.amazonaws.com/role-arn`), GKE (`iam.gke.io/gcp-service-account`) or AKS
//! (`azure.workload.identity/client-id`) reaches that cloud identity. When the cloud side is
//! in the run, the path `SA → cloud identity` carries its strongest privilege and enforcement,
//! and the cloud trust is checked: does it admit only this account? Without the cloud side
//! the annotation is an unresolved bridge, never a pass.

use super::BOUNDARY;
use super::normalize::signal;
use crate::classify::fingerprint;
use crate::model::*;
use crate::scan::scanner::Context;

/// IAM `StringLike`: `*` any run, `?` one character.
fn like(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// How a trust admits `subject`: `None` not at all, `Some(None)` exactly it, `Some(Some(why))`
/// it and others.
fn admits(fed: &Federation, subject: &str) -> Option<Option<String>> {
    match fed.matching {
        SubjectMatch::Any => Some(Some("the trust has no `sub` condition: every service account of the cluster (of any cluster with that issuer) may assume it".into())),
        SubjectMatch::Exact => fed.subjects.iter().any(|s| s == subject).then_some(None),
        SubjectMatch::Glob => {
            let hit = fed.subjects.iter().find(|s| like(s, subject))?;
            if hit.contains(['*', '?']) {
                Some(Some(format!("the trust's `sub` pattern `{hit}` admits service accounts other than this one")))
            } else {
                Some(None)
            }
        }
    }
}

struct Cloud<'a> {
    boundary: &'static str,
    via: &'static str,
    /// The identity as the annotation names it.
    named: &'a str,
    /// The scope it lives in, when the annotation tells (the AWS account, the GCP project).
    scope: Option<String>,
}

pub fn bridge(inv: &Inventory, _ctx: &Context<'_>) -> Inventory {
    let mut out = Inventory::default();
    for sa in inv.identities.iter().filter(|i| i.boundary == BOUNDARY) {
        let key = sa.name.as_str();
        let subject = match key.split_once('/') {
            Some((ns, n)) => format!("system:serviceaccount:{ns}:{n}"),
            None => continue,
        };
        let mut clouds = Vec::new();
        if let Some(arn) = sa.attributes.get("aws_role_arn") {
            clouds.push(Cloud {
                boundary: "aws",
                via: "IRSA (eks.amazonaws.com/role-arn)",
                named: arn,
                scope: arn.split(':').nth(4).map(str::to_string),
            });
        }
        if let Some(gsa) = sa.attributes.get("gcp_service_account") {
            let project = gsa
                .split_once('@')
                .and_then(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))
                .map(str::to_string);
            clouds.push(Cloud {
                boundary: "gcp",
                via: "GKE Workload Identity (iam.gke.io/gcp-service-account)",
                named: gsa,
                scope: project,
            });
        }
        if let Some(cid) = sa.attributes.get("azure_client_id") {
            clouds.push(Cloud {
                boundary: "azure",
                via: "AKS workload identity (azure.workload.identity/client-id)",
                named: cid,
                scope: sa.attributes.get("azure_tenant_id").map(|t| t.to_string()),
            });
        }
        for c in clouds {
            let found = inv.identities.iter().find(|i| {
                i.boundary.as_str() == c.boundary
                    && match c.boundary {
                        "aws" => i.id == c.named,
                        "gcp" => i
                            .attributes
                            .get("email")
                            .is_some_and(|e| e.eq_ignore_ascii_case(c.named)),
                        _ => i
                            .attributes
                            .get("app_id")
                            .is_some_and(|a| a.eq_ignore_ascii_case(c.named)),
                    }
            });
            let Some(cloud) = found else {
                let scanned = c.scope.as_deref().is_some_and(|s| {
                    inv.scopes
                        .iter()
                        .any(|x| x.boundary.as_str() == c.boundary && x.scope == s)
                });
                let why = if scanned {
                    format!(
                        "{} {} was scanned and holds no such identity: the annotation points nowhere, or at an identity created later",
                        c.boundary,
                        c.scope.as_deref().unwrap_or("")
                    )
                } else {
                    format!(
                        "{} was not scanned in this run, so its privilege is unknown",
                        match &c.scope {
                            Some(s) => format!("{} {s}", c.boundary),
                            None => c.boundary.to_string(),
                        }
                    )
                };
                out.signals.push(signal(
                    "kubernetes-workload-identity-unresolved",
                    &sa.scope,
                    &sa.id,
                    &format!("workload identity {}", c.via),
                    &format!("{} {}", c.boundary, c.named),
                    format!(
                        "{key} reaches {} {} through {}: {why}",
                        c.boundary, c.named, c.via
                    ),
                    sa.evidence.clone(),
                ));
                continue;
            };
            // The cloud side's trust: which of its federations admit this account, and how.
            let feds: Vec<&Federation> = inv
                .federations
                .iter()
                .filter(|f| f.boundary == cloud.boundary && f.identity == cloud.id)
                .collect();
            let mut wide = Vec::new();
            let mut admitted = feds.is_empty() && c.boundary == "gcp";
            for f in &feds {
                match admits(f, &subject) {
                    Some(Some(why)) => {
                        admitted = true;
                        wide.push((why, f.evidence.clone()))
                    }
                    Some(None) => admitted = true,
                    None => {}
                }
            }
            if !admitted {
                continue; // the trust does not let this account in: no path
            }
            for (why, ev) in wide {
                let mut e = sa.evidence.clone();
                e.extend(ev);
                out.signals.push(signal(
                    "kubernetes-workload-identity-trust-wide",
                    &sa.scope,
                    &sa.id,
                    &format!("workload identity {}", c.via),
                    &format!("{} {}", c.boundary, cloud.name),
                    format!(
                        "{key} reaches {} {} through {}, and {why}",
                        c.boundary, cloud.name, c.via
                    ),
                    e,
                ));
            }
            push_path(&mut out, inv, sa, cloud, &c, feds.is_empty());
        }
    }
    out
}

fn push_path(
    out: &mut Inventory,
    inv: &Inventory,
    sa: &Identity,
    cloud: &Identity,
    c: &Cloud<'_>,
    trust_unread: bool,
) {
    let strongest = inv
        .access_paths
        .iter()
        .filter(|p| p.identity == cloud.id && p.boundary == cloud.boundary)
        .max_by_key(|p| {
            (
                p.privilege.rank(),
                p.enforcement.weakness(),
                std::cmp::Reverse(p.id.clone()),
            )
        });
    let note = if trust_unread {
        " (the service account's own IAM policy, which holds roles/iam.workloadIdentityUser, is not read)"
    } else {
        ""
    };
    let mut evidence = sa.evidence.clone();
    evidence.extend(cloud.evidence.iter().cloned());
    let (privilege, enforcement, window, target) = match strongest {
        Some(p) => {
            evidence.extend(p.evidence.iter().cloned());
            (
                (
                    p.privilege,
                    Decision::new(
                        "kubernetes.privilege.workload-identity",
                        format!(
                            "{} can act as {} {}{note}, whose strongest path is {} on {} ({})",
                            sa.name, c.boundary, cloud.name, p.privilege, p.target, p.entitlement
                        ),
                    ),
                ),
                (
                    p.enforcement,
                    Decision::new(
                        "kubernetes.enforcement.workload-identity",
                        format!(
                            "the annotation has no expiry; {}'s path is {}: {}",
                            cloud.name, p.enforcement, p.basis.enforcement.reason
                        ),
                    ),
                ),
                p.window,
                format!("{} {} ({})", c.boundary, cloud.name, p.target),
            )
        }
        None => (
            (
                Privilege::Read,
                Decision::new(
                    "kubernetes.privilege.workload-identity-no-path",
                    format!("{} holds no access path this scan found{note}", cloud.name),
                ),
            ),
            (
                Enforcement::Standing,
                Decision::new(
                    "kubernetes.enforcement.workload-identity",
                    "the annotation has no expiry",
                ),
            ),
            None,
            format!("{} {}", c.boundary, cloud.name),
        ),
    };
    out.access_paths.push(AccessPath {
        id: (fingerprint(&["kubernetes", &sa.scope, &sa.id, c.boundary, &cloud.id])).into(),
        identity: sa.id.clone(),
        boundary: BOUNDARY,
        scope: sa.scope.clone(),
        entitlement: format!("workload identity {} → {} {}", c.via, c.boundary, cloud.id).into(),
        target: target.into(),
        privilege: privilege.0,
        enforcement: enforcement.0,
        credential_lifetime: CredentialLifetime::Ephemeral,
        window,
        basis: Basis {
            privilege: privilege.1,
            enforcement: enforcement.1,
            credential_lifetime: Decision::new("kubernetes.lifetime.workload-identity", "the pod exchanges its projected token for short-lived cloud credentials; no cloud secret is stored"),
        },
        evidence,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fed(matching: SubjectMatch, subjects: &[&str]) -> Federation {
        Federation {
            boundary: Boundary::new("aws"),
            scope: "1".into(),
            identity: "r".into(),
            issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC".into(),
            subjects: subjects.iter().map(|s| s.to_string()).collect(),
            matching,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn trusts_are_judged_for_tightness() {
        let me = "system:serviceaccount:data:exporter";
        assert_eq!(admits(&fed(SubjectMatch::Exact, &[me]), me), Some(None));
        assert_eq!(
            admits(
                &fed(SubjectMatch::Exact, &["system:serviceaccount:data:other"]),
                me
            ),
            None
        );
        assert!(matches!(
            admits(&fed(SubjectMatch::Any, &[]), me),
            Some(Some(_))
        ));
        assert!(matches!(
            admits(&fed(SubjectMatch::Glob, &["system:serviceaccount:*"]), me),
            Some(Some(_))
        ));
        assert!(matches!(
            admits(
                &fed(SubjectMatch::Glob, &["system:serviceaccount:data:*"]),
                me
            ),
            Some(Some(_))
        ));
        assert_eq!(
            admits(
                &fed(SubjectMatch::Glob, &["system:serviceaccount:apps:*"]),
                me
            ),
            None
        );
        assert_eq!(admits(&fed(SubjectMatch::Glob, &[me]), me), Some(None));
        // A `*` in StringEquals is a literal.
        assert_eq!(
            admits(&fed(SubjectMatch::Exact, &["system:serviceaccount:*"]), me),
            None
        );
        assert!(like("a*c", "abbc") && like("a?c", "abc") && !like("a?c", "ac") && like("*", ""));
    }

    fn identity(boundary: &'static str, id: &str, name: &str, attrs: &[(&str, &str)]) -> Identity {
        Identity {
            id: id.into(),
            name: name.into(),
            boundary: Boundary::new(boundary),
            scope: "s".into(),
            kind: "k".into(),
            created_at: None,
            last_used: None,
            attributes: crate::model::text_map(attrs.iter().map(|(k, v)| (*k, *v))),
            evidence: Vec::new(),
        }
    }

    fn ctx_run(inv: &Inventory) -> Inventory {
        let rules = crate::scan::registry::embedded_rules().unwrap();
        let policy = crate::policy::Policy::default();
        bridge(
            inv,
            &Context {
                policy: &policy,
                rules: &rules,
                now: chrono::Utc::now(),
            },
        )
    }

    #[test]
    fn aks_and_gke_bridges() {
        let mut inv = Inventory::default();
        inv.identities.push(identity(
            "kubernetes",
            "u1",
            "data/exporter",
            &[
                ("azure_client_id", "CID"),
                ("gcp_service_account", "x@p.iam.gserviceaccount.com"),
            ],
        ));
        inv.identities.push(identity(
            "azure",
            "sp1",
            "exporter-app",
            &[("app_id", "cid")],
        ));
        inv.identities.push(identity(
            "gcp",
            "g1",
            "x",
            &[("email", "x@p.iam.gserviceaccount.com")],
        ));
        let mut fic = fed(
            SubjectMatch::Exact,
            &["system:serviceaccount:data:exporter"],
        );
        fic.boundary = Boundary::new("azure");
        fic.identity = "sp1".into();
        inv.federations.push(fic.clone());
        let out = ctx_run(&inv);
        let targets: Vec<&str> = out
            .access_paths
            .iter()
            .map(|p| p.entitlement.as_str())
            .collect();
        assert_eq!(out.access_paths.len(), 2, "{targets:?}");
        assert!(
            out.access_paths.iter().any(|p| p
                .basis
                .privilege
                .reason
                .contains("workloadIdentityUser")),
            "GKE says what it did not read"
        );
        assert!(out.signals.is_empty(), "{:?}", out.signals);
        // A flexible credential that admits the namespace is wide; another account's is no path.
        inv.federations[0] = Federation {
            matching: SubjectMatch::Glob,
            subjects: vec!["system:serviceaccount:data:*".into()],
            ..fic.clone()
        };
        let out = ctx_run(&inv);
        assert_eq!(
            out.signals
                .iter()
                .filter(|s| s.kind == "kubernetes-workload-identity-trust-wide")
                .count(),
            1
        );
        inv.federations[0] = Federation {
            subjects: vec!["system:serviceaccount:apps:api".into()],
            ..fic
        };
        let out = ctx_run(&inv);
        assert_eq!(out.access_paths.len(), 1, "only GKE is left");
    }
}
