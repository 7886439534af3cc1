//! IAM policy members (api-shapes §D.2): which are non-human identities, which are people,
//! and which are inert.

/// One member string of a binding, as jitgap reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// `serviceAccount:EMAIL` (the email lower-cased).
    ServiceAccount(String),
    /// `principal://…` or `principalSet://…`: workload identity federation (or workforce).
    Federated(String),
    /// `deleted:serviceAccount:EMAIL?uid=N` and the like: inert, the principal was deleted.
    Deleted(String),
    /// `user:`, `group:`, `domain:`, `allUsers`, `allAuthenticatedUsers`: people or everyone,
    /// not non-human identities.
    Other,
}

pub fn parse(member: &str) -> Member {
    let m = member.trim();
    if let Some(rest) = m.strip_prefix("deleted:") {
        return Member::Deleted(rest.to_string());
    }
    if let Some(email) = m.strip_prefix("serviceAccount:") {
        return Member::ServiceAccount(email.to_ascii_lowercase());
    }
    if m.starts_with("principalSet://") || m.starts_with("principal://") {
        // Workforce pools federate people; workload pools federate workloads.
        if m.contains("/workloadIdentityPools/") {
            return Member::Federated(m.to_string());
        }
    }
    Member::Other
}

/// The project id a user-created service account's email names
/// (`name@PROJECT.iam.gserviceaccount.com`), or the App Engine default's
/// (`PROJECT@appspot.gserviceaccount.com`); `None` for other forms.
pub fn project_of(email: &str) -> Option<String> {
    let (local, domain) = email.split_once('@')?;
    if let Some(p) = domain.strip_suffix(".iam.gserviceaccount.com") {
        return Some(p.to_string());
    }
    if domain == "appspot.gserviceaccount.com" {
        return Some(local.to_string());
    }
    None
}

/// The project number of a Compute Engine default service account
/// (`NUMBER-compute@developer.gserviceaccount.com`).
pub fn project_number_of(email: &str) -> Option<String> {
    let (local, domain) = email.split_once('@')?;
    (domain == "developer.gserviceaccount.com")
        .then(|| local.strip_suffix("-compute").map(str::to_string))
        .flatten()
}

/// `principalSet://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL/attribute.repository/acme/infra`
/// → `workload identity pool POOL: attribute.repository/acme/infra`.
pub fn federated_name(member: &str) -> String {
    match member.split_once("/workloadIdentityPools/") {
        Some((_, rest)) => match rest.split_once('/') {
            Some((pool, subject)) => format!("workload identity pool {pool}: {subject}"),
            None => format!("workload identity pool {rest}"),
        },
        None => member.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members() {
        assert_eq!(
            parse("serviceAccount:Deployer@acme-prod.iam.gserviceaccount.com"),
            Member::ServiceAccount("deployer@acme-prod.iam.gserviceaccount.com".into())
        );
        assert!(matches!(
            parse("deleted:serviceAccount:old@p.iam.gserviceaccount.com?uid=1"),
            Member::Deleted(_)
        ));
        assert_eq!(parse("user:alice@acme.example"), Member::Other);
        assert_eq!(parse("allUsers"), Member::Other);
        assert_eq!(
            parse(
                "principalSet://iam.googleapis.com/locations/global/workforcePools/staff/group/x"
            ),
            Member::Other
        );
        let wif = "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/attribute.repository/acme/infra";
        assert_eq!(parse(wif), Member::Federated(wif.into()));
        assert_eq!(
            federated_name(wif),
            "workload identity pool github: attribute.repository/acme/infra"
        );
        assert_eq!(
            project_of("x@partner-corp.iam.gserviceaccount.com").as_deref(),
            Some("partner-corp")
        );
        assert_eq!(
            project_of("acme-prod@appspot.gserviceaccount.com").as_deref(),
            Some("acme-prod")
        );
        assert_eq!(
            project_number_of("123-compute@developer.gserviceaccount.com").as_deref(),
            Some("123")
        );
    }
}
