//! Which live identities and access paths a ledger grant refers to.

use super::{Grant, VAULT_ROLE};
use crate::checks::glob_match;
use crate::model::{AccessPath, Boundary, Identity, Inventory};
use std::collections::{BTreeMap, BTreeSet};

/// The scopes each identity holds access paths in. An identity may live in one scope (a
/// directory) and reach others through its paths; a grant on one of those still names it.
/// Scope ids are kept lower-cased: some boundaries spell one id in either case.
#[derive(Debug, Default)]
pub(crate) struct PathScopes(BTreeMap<(Boundary, String), BTreeSet<String>>);

impl PathScopes {
    pub(crate) fn of(inv: &Inventory) -> PathScopes {
        let mut map: BTreeMap<(Boundary, String), BTreeSet<String>> = BTreeMap::new();
        for p in &inv.access_paths {
            map.entry((p.boundary, p.identity.to_string()))
                .or_default()
                .insert(p.scope.to_ascii_lowercase());
        }
        PathScopes(map)
    }

    fn holds(&self, ident: &Identity, scope: &str) -> bool {
        self.0
            .get(&(ident.boundary, ident.id.to_string()))
            .is_some_and(|s| s.contains(&scope.to_ascii_lowercase()))
    }
}

/// A grant scope that stands for every scope of its boundary.
fn any_scope(scope: &str) -> bool {
    scope.is_empty() || scope == "*" || scope == "vault"
}

/// Vault's default database username: `v-<display>-<role>-<random 20>-<unix time>`.
pub(crate) fn vault_name_parts(name: &str) -> Option<(String, i64)> {
    let rest = name.strip_prefix("v-")?;
    let (head, epoch) = rest.rsplit_once('-')?;
    let epoch: i64 = epoch.parse().ok().filter(|_| epoch.len() >= 9)?;
    let (head, random) = head.rsplit_once('-')?;
    if random.len() != 20 || !random.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    // head = <display>-<role>; both are truncated to 8 characters and may hold dashes, so
    // keep the whole head and let the caller test the role as a suffix.
    Some((head.to_string(), epoch))
}

/// The identities of an inventory by every literal name a grant can give them: the id, the
/// name, and each ARN suffix after a `/` (`role/path/jit-admin`, `path/jit-admin`, `jit-admin`).
/// A grant that names one identity literally is then matched against a handful of candidates,
/// not every identity of the estate (thousands of grants against tens of thousands of identities).
pub(crate) struct IdentityIndex<'a> {
    identities: &'a [Identity],
    by_name: crate::hash::Map<&'a str, Vec<usize>>,
}

impl<'a> IdentityIndex<'a> {
    pub(crate) fn of(identities: &'a [Identity]) -> Self {
        let mut by_name: crate::hash::Map<&'a str, Vec<usize>> = Default::default();
        for (n, i) in identities.iter().enumerate() {
            let suffixes = i.id.match_indices('/').map(|(k, _)| &i.id[k + 1..]);
            for key in [i.id.as_str(), i.name.as_str()].into_iter().chain(suffixes) {
                let list = by_name.entry(key).or_default();
                if list.last() != Some(&n) {
                    list.push(n);
                }
            }
        }
        IdentityIndex {
            identities,
            by_name,
        }
    }

    /// The identities `g` names, in inventory order: exactly those [`names_identity`] accepts.
    pub(crate) fn named_by(&self, g: &Grant, paths: &PathScopes) -> Vec<usize> {
        // Only an email, a glob or a Vault lease can name an identity other than by one of
        // its literal names; those grants are tested against every identity.
        let literal = !g.identity.contains(['@', '*', '?']) && !g.labels.contains_key(VAULT_ROLE);
        let test = |n: &usize| names_identity(g, &self.identities[*n], paths);
        if literal {
            // Each list is in inventory order, once each.
            self.by_name
                .get(g.identity.as_str())
                .map(|c| c.iter().copied().filter(test).collect())
                .unwrap_or_default()
        } else {
            (0..self.identities.len()).filter(test).collect()
        }
    }
}

/// Does `g` name this identity? Exact id or name, a glob, or Vault's lease ↔ username convention,
/// in the identity's own scope or one it holds access paths in.
pub(crate) fn names_identity(g: &Grant, ident: &Identity, paths: &PathScopes) -> bool {
    if g.boundary != ident.boundary {
        return false;
    }
    let scope_ok = any_scope(&g.scope) || g.scope == ident.scope || paths.holds(ident, &g.scope);
    if !scope_ok {
        return false;
    }
    if g.identity == ident.id || g.identity == ident.name || names_email(&g.identity, ident) {
        return true;
    }
    if (g.identity.contains('*') || g.identity.contains('?'))
        && (glob_match(&g.identity, &ident.id) || glob_match(&g.identity, &ident.name))
    {
        return true;
    }
    // An ARN-suffix match: `role/jit-admin` or a bare name against `arn:aws:iam::1:role/path/jit-admin`.
    if ident
        .id
        .strip_suffix(g.identity.as_str())
        .is_some_and(|head| head.ends_with('/'))
    {
        return true;
    }
    vault_lease_matches(g, &ident.name)
}

/// An email address names the identity whose name or `email` attribute it is, in any case
/// (brokers and platforms such as Google Cloud PAM record a requester by email; mail domains
/// and, in practice, service-account addresses ignore case).
fn names_email(email: &str, ident: &Identity) -> bool {
    email.contains('@')
        && (email.eq_ignore_ascii_case(&ident.name)
            || ident
                .attributes
                .get("email")
                .is_some_and(|e| e.eq_ignore_ascii_case(email)))
}

fn vault_lease_matches(g: &Grant, username: &str) -> bool {
    let (Some(role), Some(issued)) = (
        g.labels.get(VAULT_ROLE),
        g.labels
            .get("issued_unix")
            .and_then(|t| t.parse::<i64>().ok())
            .or(g.issued_at.map(|t| t.timestamp())),
    ) else {
        return false;
    };
    let Some((head, epoch)) = vault_name_parts(username) else {
        return false;
    };
    let role8: String = role.chars().take(8).collect();
    (head == role8 || head.ends_with(&format!("-{role8}"))) && (epoch - issued).abs() <= 5
}

/// A Vault lease whose issue time is unknown (its lookup already failed): the Vault-style
/// usernames of its role, for the caller to narrow to those no other lease accounts for.
pub(crate) fn vault_role_only(g: &Grant, ident: &Identity) -> bool {
    let unknown_issue = !g.labels.contains_key("issued_unix") && g.issued_at.is_none();
    let Some(role) = g
        .labels
        .get(VAULT_ROLE)
        .filter(|_| unknown_issue && g.boundary == ident.boundary)
    else {
        return false;
    };
    let Some((head, _)) = vault_name_parts(&ident.name) else {
        return false;
    };
    let role8: String = role.chars().take(8).collect();
    (g.scope.is_empty() || g.scope == ident.scope || g.scope == "vault")
        && (head == role8 || head.ends_with(&format!("-{role8}")))
}

/// Does `g` cover this access path of an identity it names (whose own scope is `ident_scope`)?
/// An empty entitlement covers all. A grant on another scope than the identity's own (one it
/// reaches through its paths) covers only the paths in that scope.
pub(crate) fn covers_path(g: &Grant, ident_scope: &str, p: &AccessPath) -> bool {
    if !any_scope(&g.scope) && g.scope != ident_scope && !g.scope.eq_ignore_ascii_case(&p.scope) {
        return false;
    }
    if g.entitlement.is_empty() || g.entitlement == "*" {
        return true;
    }
    p.entitlement == g.entitlement
        || p.entitlement.ends_with(&format!("/{}", g.entitlement))
        || p.entitlement
            .ends_with(&format!("inline:{}", g.entitlement))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_name_identities_in_any_case() {
        let ident = |name: &str, email: Option<&str>| Identity {
            id: "104857600000000000003".into(),
            name: name.into(),
            boundary: Boundary::new("gcp"),
            scope: "acme-prod".into(),
            kind: "service-account".into(),
            created_at: None,
            last_used: None,
            attributes: email
                .map(|e| crate::model::text_map([("email", e)]))
                .unwrap_or_default(),
            evidence: vec![],
        };
        let grant = |identity: &str| Grant {
            ledger_version: 1,
            grant_id: "g".into(),
            boundary: Boundary::new("gcp"),
            scope: "acme-prod".into(),
            identity: identity.into(),
            entitlement: String::new(),
            target: String::new(),
            task: None,
            requested_by: None,
            approved_by: None,
            issued_at: None,
            expires_at: None,
            revoked_at: None,
            source: "t".into(),
            labels: Default::default(),
            evidence: vec![],
        };
        let paths = PathScopes::default();
        let email = "migrator@acme-prod.iam.gserviceaccount.com";
        let upper = "Migrator@ACME-prod.iam.gserviceaccount.com";
        assert!(names_identity(&grant(upper), &ident(email, None), &paths));
        assert!(names_identity(
            &grant(upper),
            &ident("Schema migrator", Some(email)),
            &paths
        ));
        assert!(!names_identity(
            &grant("other@acme-prod.iam.gserviceaccount.com"),
            &ident(email, None),
            &paths
        ));
        // Without an `@` nothing but the exact name matches.
        assert!(!names_identity(
            &grant("MIGRATOR"),
            &ident("migrator", None),
            &paths
        ));
    }

    #[test]
    fn vault_usernames() {
        let (head, epoch) =
            vault_name_parts("v-token-readonly-Xy7Qp2Lm9Rt4Vw6Zb8Nc-1756475387").unwrap();
        assert_eq!(head, "token-readonly");
        assert_eq!(epoch, 1_756_475_387);
        assert!(vault_name_parts("v-approle-etl-short-1756475387").is_none());
        assert!(vault_name_parts("etl_static").is_none());
    }
}
