//! The subjects a repository's Actions OIDC tokens can carry, from the subject template in
//! force (the repository's, else the organization's, else GitHub's default `repo` +
//! `context`), as patterns per kind of run: branches, tags, environments, pull requests.
//!
//! GitHub renders a custom template as `key:value` pairs joined by `:` (the `context` key
//! alone renders bare: `environment:prod`, `ref:refs/heads/main`, `pull_request`); a claim
//! whose value depends on the run is `*`.

use super::shapes::{Repo, SubTemplate};

/// The kinds of run a trust can be matched against, with the `context` each renders.
pub const CONTEXTS: &[(&str, &str)] = &[
    ("branches", "ref:refs/heads/*"),
    ("tags", "ref:refs/tags/*"),
    ("environments", "environment:*"),
    ("pull requests", "pull_request"),
];

/// The claim keys in force for a repository, and where they came from.
pub fn claim_keys(
    repo: Option<&SubTemplate>,
    org: Option<&SubTemplate>,
) -> (Vec<String>, &'static str) {
    if let Some(r) = repo
        && r.use_default == Some(false)
        && !r.include_claim_keys.is_empty()
    {
        return (
            r.include_claim_keys.clone(),
            "the repository's subject template",
        );
    }
    if let Some(o) = org
        && !o.include_claim_keys.is_empty()
    {
        return (
            o.include_claim_keys.clone(),
            "the organization's subject template",
        );
    }
    (
        vec!["repo".into(), "context".into()],
        "GitHub's default subject (repo and context)",
    )
}

/// The subject patterns of `repo`'s workflows, one per kind of run.
pub fn subjects(repo: &Repo, org_login: &str, keys: &[String]) -> Vec<(String, String)> {
    CONTEXTS
        .iter()
        .map(|(label, context)| {
            (
                label.to_string(),
                render(repo, org_login, keys, label, context),
            )
        })
        .collect()
}

fn render(repo: &Repo, org_login: &str, keys: &[String], label: &str, context: &str) -> String {
    let full = if repo.full_name.is_empty() {
        format!("{org_login}/{}", repo.name)
    } else {
        repo.full_name.clone()
    };
    let owner = full.split('/').next().unwrap_or(org_login).to_string();
    let pr = label == "pull requests";
    let parts: Vec<String> = keys
        .iter()
        .map(|k| match k.as_str() {
            "context" => context.to_string(),
            "repo" | "repository" => format!("{k}:{full}"),
            "repository_owner" => format!("{k}:{owner}"),
            "repository_id" => format!("{k}:{}", id_or_star(repo.id)),
            "repository_owner_id" => format!("{k}:{}", id_or_star(repo.owner.id)),
            "repository_visibility" => format!(
                "{k}:{}",
                repo.visibility.clone().unwrap_or_else(|| "*".into())
            ),
            "ref" => format!(
                "{k}:{}",
                match label {
                    "branches" => "refs/heads/*",
                    "tags" => "refs/tags/*",
                    "pull requests" => "refs/pull/*/merge",
                    _ => "*",
                }
            ),
            "ref_type" => format!(
                "{k}:{}",
                match label {
                    "branches" => "branch",
                    "tags" => "tag",
                    _ => "*",
                }
            ),
            "event_name" if pr => format!("{k}:pull_request*"),
            other => format!("{other}:*"),
        })
        .collect();
    parts.join(":")
}

fn id_or_star(id: Option<u64>) -> String {
    id.map(|i| i.to_string()).unwrap_or_else(|| "*".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(full: &str) -> Repo {
        serde_json::from_value(serde_json::json!({
            "id": 7, "name": full.split('/').nth(1).unwrap(), "full_name": full,
            "owner": {"login": full.split('/').next().unwrap(), "id": 9}
        }))
        .unwrap()
    }

    #[test]
    fn default_and_custom_templates() {
        let (keys, from) = claim_keys(None, None);
        assert!(from.contains("default"));
        let s = subjects(&repo("acme/api"), "acme", &keys);
        assert_eq!(
            s[0],
            ("branches".into(), "repo:acme/api:ref:refs/heads/*".into())
        );
        assert_eq!(
            s[3],
            ("pull requests".into(), "repo:acme/api:pull_request".into())
        );
        let custom = SubTemplate {
            use_default: Some(false),
            include_claim_keys: vec!["repo".into(), "context".into(), "job_workflow_ref".into()],
        };
        let (keys, from) = claim_keys(Some(&custom), None);
        assert!(from.contains("repository"));
        let s = subjects(&repo("acme/api"), "acme", &keys);
        assert_eq!(s[2].1, "repo:acme/api:environment:*:job_workflow_ref:*");
        let org = SubTemplate {
            use_default: None,
            include_claim_keys: vec!["repository_owner_id".into(), "context".into()],
        };
        let inherit = SubTemplate {
            use_default: Some(true),
            include_claim_keys: vec![],
        };
        let (keys, _) = claim_keys(Some(&inherit), Some(&org));
        assert_eq!(
            subjects(&repo("acme/api"), "acme", &keys)[3].1,
            "repository_owner_id:9:pull_request"
        );
    }
}
