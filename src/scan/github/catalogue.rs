//! The GitHub privilege catalogue from `rules/github.toml`: the permissions whose `write`
//! is admin, and the classic token scopes that are admin or only read.

use crate::model::{Decision, Privilege};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GithubCatalogue {
    /// App / fine-grained permissions whose `write` is admin.
    pub admin_permissions: Vec<String>,
    /// Classic token scopes that are admin.
    pub admin_scopes: Vec<String>,
    /// Classic token scopes that only read besides `read:*`; every other scope writes.
    pub read_scopes: Vec<String>,
}

impl GithubCatalogue {
    /// The privilege of a permission map (`{"contents": "write", "metadata": "read"}`):
    /// admin when any level is `admin` or an admin permission is `write`; write when any other
    /// is `write`; read when all read; unknown for a level GitHub does not document.
    pub fn permissions<'a>(
        &self,
        what: &str,
        maps: impl IntoIterator<Item = &'a BTreeMap<String, String>>,
    ) -> (Privilege, Decision) {
        let mut admin = Vec::new();
        let mut write = Vec::new();
        let mut odd = Vec::new();
        let mut any = false;
        for map in maps {
            for (name, level) in map {
                any = true;
                match level.as_str() {
                    "admin" => admin.push(format!("{name}: admin")),
                    "write" if self.admin_permissions.iter().any(|p| p == name) => {
                        admin.push(format!("{name}: write"))
                    }
                    "write" => write.push(format!("{name}: write")),
                    "read" | "none" => {}
                    other => odd.push(format!("{name}: {other}")),
                }
            }
        }
        if !admin.is_empty() {
            return (
                Privilege::Admin,
                Decision::new(
                    "github.privilege.admin-permission",
                    format!(
                        "{what} holds {} (the catalogue's admin permissions, or an admin level)",
                        admin.join(", ")
                    ),
                ),
            );
        }
        if !odd.is_empty() {
            return (
                Privilege::Unknown,
                Decision::new(
                    "github.privilege.unknown-level",
                    format!(
                        "{what} holds {}: a level jitgap does not know",
                        odd.join(", ")
                    ),
                ),
            );
        }
        if !write.is_empty() {
            return (
                Privilege::Write,
                Decision::new(
                    "github.privilege.write-permission",
                    format!("{what} holds {}", write.join(", ")),
                ),
            );
        }
        (
            Privilege::Read,
            Decision::new(
                "github.privilege.read-only",
                if any {
                    format!("every permission {what} holds is read")
                } else {
                    format!("{what} holds no permission")
                },
            ),
        )
    }

    /// The privilege of a classic token's scopes.
    pub fn scopes(&self, what: &str, scopes: &[String]) -> (Privilege, Decision) {
        let admin: Vec<&str> = scopes
            .iter()
            .filter(|s| self.admin_scopes.contains(s))
            .map(String::as_str)
            .collect();
        if !admin.is_empty() {
            return (
                Privilege::Admin,
                Decision::new(
                    "github.privilege.admin-scope",
                    format!("{what} has the admin scope(s) {}", admin.join(", ")),
                ),
            );
        }
        // Fail closed: a scope that is neither admin nor known to read is counted as write.
        let write: Vec<&str> = scopes
            .iter()
            .filter(|s| !s.starts_with("read:") && !self.read_scopes.contains(s))
            .map(String::as_str)
            .collect();
        if !write.is_empty() {
            return (
                Privilege::Write,
                Decision::new(
                    "github.privilege.write-scope",
                    format!("{what} has the write scope(s) {}", write.join(", ")),
                ),
            );
        }
        (
            Privilege::Read,
            Decision::new(
                "github.privilege.read-scopes",
                if scopes.is_empty() {
                    format!("{what} has no scope: it reads public data only")
                } else {
                    format!("{what} has read scopes only ({})", scopes.join(", "))
                },
            ),
        )
    }

    /// Whether a classic scope is one of the admin scopes (GH003).
    pub fn admin_scopes_of<'a>(&self, scopes: &'a [String]) -> Vec<&'a str> {
        scopes
            .iter()
            .filter(|s| self.admin_scopes.contains(s))
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> GithubCatalogue {
        GithubCatalogue {
            admin_permissions: vec!["administration".into(), "workflows".into()],
            admin_scopes: vec!["admin:org".into(), "delete_repo".into()],
            read_scopes: vec!["user:email".into()],
        }
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn permission_levels() {
        let c = cat();
        let p = |m: &[(&str, &str)]| c.permissions("the App", [&map(m)]).0;
        assert_eq!(
            p(&[("contents", "write"), ("metadata", "read")]),
            Privilege::Write
        );
        assert_eq!(p(&[("administration", "write")]), Privilege::Admin);
        assert_eq!(p(&[("administration", "read")]), Privilege::Read);
        assert_eq!(p(&[("organization_projects", "admin")]), Privilege::Admin);
        assert_eq!(p(&[("contents", "owner")]), Privilege::Unknown);
        assert_eq!(p(&[]), Privilege::Read);
    }

    #[test]
    fn scope_levels() {
        let c = cat();
        let s = |v: &[&str]| {
            c.scopes(
                "the token",
                &v.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
            .0
        };
        assert_eq!(s(&["repo", "read:org"]), Privilege::Write);
        assert_eq!(s(&["admin:org"]), Privilege::Admin);
        assert_eq!(s(&["read:org", "user:email"]), Privilege::Read);
        // A scope nobody listed is not harmless.
        assert_eq!(s(&["write:repo_hook"]), Privilege::Write);
        assert_eq!(s(&[]), Privilege::Read);
    }
}
