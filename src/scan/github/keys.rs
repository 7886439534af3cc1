//! Deploy keys: SSH keys with read or write access to one repository, that never expire.

use super::normalize::{OrgScan, keyed_pointer};
use super::raw::DEPLOY_KEYS;
use super::shapes::DeployKey;
use crate::model::*;
use crate::scan::json::parsed;
use crate::scan::scanner::RawScope;
use std::collections::BTreeMap;

/// `SHA256:…` of an OpenSSH public key line, as `ssh-keygen -l` and the audit log print it.
pub fn ssh_fingerprint(key: &str) -> Option<String> {
    use base64::Engine;
    use sha2::Digest;
    let blob = key.split_whitespace().nth(1)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .ok()?;
    let digest = sha2::Sha256::digest(&bytes);
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    ))
}

impl OrgScan<'_> {
    pub(super) fn deploy_keys(&mut self, raw: &RawScope) {
        let Some(doc) =
            parsed::<BTreeMap<String, Vec<DeployKey>>>(raw, DEPLOY_KEYS, &mut self.errors)
        else {
            return;
        };
        for (repo, keys) in &doc.value {
            for (i, k) in keys.iter().enumerate() {
                let ptr = keyed_pointer(repo, i);
                self.deploy_key(&doc.source, repo, &ptr, k, doc.ev(&ptr));
            }
        }
    }

    fn deploy_key(&mut self, source: &str, repo: &str, ptr: &str, k: &DeployKey, ev: Evidence) {
        let id = format!("github:{repo}/keys/{}", k.id);
        let title = if k.title.is_empty() {
            format!("key {}", k.id)
        } else {
            k.title.clone()
        };
        let name = format!("{title} ({repo})");
        let created = self.time(source, &format!("{ptr}/created_at"), &k.created_at);
        let last = self.time(source, &format!("{ptr}/last_used"), &k.last_used);
        let mut attributes = BTreeMap::from([
            ("id".to_string(), k.id.to_string()),
            ("repository".to_string(), repo.to_string()),
            ("title".to_string(), k.title.clone()),
        ]);
        if let Some(ro) = k.read_only {
            attributes.insert("read_only".into(), ro.to_string());
        }
        if let Some(fp) = k.key.as_deref().and_then(ssh_fingerprint) {
            attributes.insert("fingerprint".into(), fp);
        }
        if let Some(by) = &k.added_by {
            let who = match self.is_owner(by) {
                Some(true) => format!("{by} (an org owner)"),
                Some(false) => format!("{by} (not an org owner)"),
                None => by.clone(),
            };
            attributes.insert("added_by".into(), who);
        }
        let disabled = k.enabled == Some(false);
        if disabled {
            attributes.insert(
                "note".into(),
                "disabled by an organization policy on deploy keys: no live path".into(),
            );
        }
        self.identity(
            &id,
            &name,
            "github-deploy-key",
            created,
            last,
            attributes,
            ev.clone(),
        );
        self.credential(
            &id,
            "deploy-key",
            if disabled { "inactive" } else { "active" },
            CredentialLifetime::LongLived,
            created,
            last,
            None,
            ev.clone(),
        );
        if disabled {
            return;
        }
        let archived = self.archived.contains(repo);
        let privilege = match k.read_only {
            None => (
                Privilege::Unknown,
                Decision::new(
                    "github.privilege.deploy-key-unknown",
                    "the listing does not say whether the key is read-only",
                ),
            ),
            Some(false) if archived => (
                Privilege::Read,
                Decision::new(
                    "github.privilege.deploy-key-archived",
                    format!(
                        "a write key, but {repo} is archived (read-only) until someone unarchives it"
                    ),
                ),
            ),
            Some(false) => (
                Privilege::Write,
                Decision::new(
                    "github.privilege.deploy-key-write",
                    format!("read_only is false: the key can push to {repo}"),
                ),
            ),
            Some(true) => (
                Privilege::Read,
                Decision::new(
                    "github.privilege.deploy-key-read",
                    format!("read_only is true: the key can clone {repo}"),
                ),
            ),
        };
        let write = k.read_only == Some(false);
        self.path(
            &id,
            if write {
                "deploy key (read-write)"
            } else {
                "deploy key (read-only)"
            },
            &format!("repo {repo}"),
            privilege,
            (
                Enforcement::Standing,
                Decision::new(
                    "github.enforcement.deploy-key",
                    "a deploy key has no expiry: it holds its access until it is deleted",
                ),
                None,
            ),
            (
                CredentialLifetime::LongLived,
                Decision::new(
                    "github.lifetime.deploy-key",
                    "a deploy key is an SSH key that never expires",
                ),
            ),
            vec![ev.clone()],
        );
        if write && !archived {
            self.signal(
                "github-deploy-key-write",
                &id,
                "deploy key (read-write)",
                &format!("repo {repo}"),
                format!(
                    "deploy key {title} on {repo} can push (read_only: false){}",
                    k.added_by
                        .as_ref()
                        .map(|b| format!("; added by {b}"))
                        .unwrap_or_default()
                ),
                vec![ev.clone()],
                None,
            );
        }
        let (now, stale) = (self.now(), self.ctx.policy.stale_after);
        let unused = match (last, created) {
            (Some(l), _) if now - l > stale => {
                Some(format!("was last used {}", crate::time::fmt_utc(l)))
            }
            (None, Some(c)) if now - c > stale => Some(format!(
                "has not been used since it was added {}",
                crate::time::fmt_utc(c)
            )),
            _ => None,
        };
        if let Some(why) = unused {
            self.signal(
                "github-deploy-key-unused",
                &id,
                "",
                &format!("repo {repo}"),
                format!(
                    "deploy key {title} on {repo} {why}, longer ago than stale_after {}",
                    crate::time::format_duration(stale)
                ),
                vec![ev],
                None,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fingerprints_like_ssh_keygen() {
        // `ssh-keygen -lf` prints this key as SHA256:MXCd3QDywhnSaxawMDNBIa6OUmj0q96qKQZ7X++MGD4.
        let key =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG697jRl4D908T7asjYhesAb0Z0+WQ3JOECLnI8YBjFA test";
        assert_eq!(
            super::ssh_fingerprint(key).as_deref(),
            Some("SHA256:MXCd3QDywhnSaxawMDNBIa6OUmj0q96qKQZ7X++MGD4")
        );
        assert!(super::ssh_fingerprint("ssh-ed25519 not*base64").is_none());
        assert!(super::ssh_fingerprint("").is_none());
    }
}
