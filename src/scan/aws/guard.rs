//! The read-only interceptors of the AWS clients: every request is checked before it is sent,
//! and refused unless its action is on the client's allow-list: the collector's IAM reads
//! ([`ALLOWED_OPERATIONS`]), or the probe's one STS `GetCallerIdentity`.

use aws_sdk_iam::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_iam::error::BoxError;

use super::raw::ALLOWED_OPERATIONS;

/// Refuses any request whose `Action` is not on its allow-list.
///
/// IAM and STS use the AWS query protocol: the action travels as the `Action=` form parameter.
/// The check reads the serialized request, i.e. what the server would act on, and fails
/// closed when no action can be found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadOnlyGuard {
    name: &'static str,
    service: &'static str,
    allowed: &'static [&'static str],
}

/// The live collector's IAM client: the read operations of [`ALLOWED_OPERATIONS`] only.
pub(crate) const IAM_READS: ReadOnlyGuard = ReadOnlyGuard {
    name: "JitgapReadOnlyGuard",
    service: "IAM",
    allowed: ALLOWED_OPERATIONS,
};

/// The access-key probe's STS client: `GetCallerIdentity` only.
pub(crate) const STS_CALLER_IDENTITY: ReadOnlyGuard = ReadOnlyGuard {
    name: "JitgapProbeReadOnlyGuard",
    service: "STS",
    allowed: &["GetCallerIdentity"],
};

/// The organization listing's STS client: who the caller is, and a session in each member.
pub(crate) const STS_MEMBER_SESSIONS: ReadOnlyGuard = ReadOnlyGuard {
    name: "JitgapMemberSessionGuard",
    service: "STS",
    allowed: super::raw::STS_OPERATIONS,
};

/// The organization listing's Organizations client: `ListAccounts` only. Organizations uses
/// the JSON protocol: the operation travels in the `X-Amz-Target` header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TargetGuard {
    name: &'static str,
    service: &'static str,
    prefix: &'static str,
    allowed: &'static [&'static str],
}

pub(crate) const ORGANIZATIONS_READS: TargetGuard = TargetGuard {
    name: "JitgapOrganizationsReadOnlyGuard",
    service: "Organizations",
    prefix: "AWSOrganizationsV20161128.",
    allowed: super::raw::ORGANIZATIONS_OPERATIONS,
};

impl TargetGuard {
    fn check(&self, context: &BeforeTransmitInterceptorContextRef<'_>) -> Result<(), BoxError> {
        self.check_target(context.request().headers().get("x-amz-target"))
            .map_err(Into::into)
    }

    fn check_target(&self, target: Option<&str>) -> Result<(), Refused> {
        let service = self.service;
        let Some(target) = target else {
            return Err(Refused::NoAction { service });
        };
        match target.strip_prefix(self.prefix) {
            Some(op) if self.allowed.contains(&op) => Ok(()),
            _ => Err(Refused::Action {
                service,
                action: target.to_string(),
                allowed: self.allowed,
            }),
        }
    }
}

impl Intercept for TargetGuard {
    fn name(&self) -> &'static str {
        self.name
    }
    // As the query-protocol guard: before the retry loop, and again before each attempt.
    fn read_after_serialization(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.check(context)
    }
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.check(context)
    }
}

/// A request the guard stops before it leaves the process.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refused {
    #[error("refused to send an {service} request: no Action found in it")]
    NoAction { service: &'static str },
    #[error(
        "refused to send {service} action {action:?}: not in the read-only allow-list ({list})",
        list = .allowed.join(", ")
    )]
    Action {
        service: &'static str,
        action: String,
        allowed: &'static [&'static str],
    },
}

impl ReadOnlyGuard {
    fn check(&self, context: &BeforeTransmitInterceptorContextRef<'_>) -> Result<(), BoxError> {
        let request = context.request();
        let mut actions = request.body().bytes().map(form_actions).unwrap_or_default();
        if let Some((_, query)) = request.uri().split_once('?') {
            actions.extend(form_actions(query.as_bytes()));
        }
        self.check_actions(&actions).map_err(Into::into)
    }

    fn check_actions(&self, actions: &[String]) -> Result<(), Refused> {
        let service = self.service;
        if actions.is_empty() {
            return Err(Refused::NoAction { service });
        }
        match actions.iter().find(|a| !self.allowed.contains(&a.as_str())) {
            Some(action) => Err(Refused::Action {
                service,
                action: action.clone(),
                allowed: self.allowed,
            }),
            None => Ok(()),
        }
    }
}

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        self.name
    }

    // Before the retry loop: refuses before credentials are even resolved.
    fn read_after_serialization(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.check(context)
    }

    // The last look at each attempt before it is sent.
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.check(context)
    }
}

/// Every `Action` value in an `application/x-www-form-urlencoded` string.
fn form_actions(form: &[u8]) -> Vec<String> {
    form.split(|&b| b == b'&')
        .filter_map(|pair| pair.strip_prefix(b"Action="))
        .map(|value| {
            percent_encoding::percent_decode(value)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_action_in_a_query_body() {
        let body = b"Action=GetAccountAuthorizationDetails&Version=2010-05-08&Filter.member.1=User";
        assert_eq!(form_actions(body), vec!["GetAccountAuthorizationDetails"]);
        assert_eq!(
            form_actions(b"Version=2010-05-08&Action=Get%43redentialReport"),
            vec!["GetCredentialReport"]
        );
        assert!(form_actions(b"Version=2010-05-08&NotAction=DeleteUser").is_empty());
    }

    fn check_actions(actions: &[String]) -> Result<(), Refused> {
        IAM_READS.check_actions(actions)
    }

    #[test]
    fn allows_only_the_read_only_operations() {
        for op in ALLOWED_OPERATIONS {
            assert!(
                check_actions(&[op.to_string()]).is_ok(),
                "{op} should be allowed"
            );
        }
        for op in [
            "DeleteUser",
            "CreateAccessKey",
            "PutRolePolicy",
            "UpdateAccessKey",
            "getcredentialreport",
        ] {
            assert!(
                check_actions(&[op.to_string()]).is_err(),
                "{op} should be refused"
            );
        }
        // Fails closed when there is no action, or when any of several is not allowed.
        assert!(check_actions(&[]).is_err());
        assert!(check_actions(&["ListAccessKeys".into(), "DeleteAccessKey".into()]).is_err());
    }

    #[test]
    fn the_organization_guards_allow_their_operations_only() {
        let org = |t: Option<&str>| ORGANIZATIONS_READS.check_target(t);
        assert!(org(Some("AWSOrganizationsV20161128.ListAccounts")).is_ok());
        for bad in [
            Some("AWSOrganizationsV20161128.CreateAccount"),
            Some("AWSOrganizationsV20161128.RemoveAccountFromOrganization"),
            Some("ListAccounts"),
            Some("OtherService.ListAccounts"),
            None,
        ] {
            assert!(org(bad).is_err(), "{bad:?}");
        }
        let sts = |a: &str| STS_MEMBER_SESSIONS.check_actions(&[a.to_string()]);
        assert!(sts("AssumeRole").is_ok() && sts("GetCallerIdentity").is_ok());
        for bad in [
            "GetSessionToken",
            "AssumeRoleWithWebIdentity",
            "GetFederationToken",
        ] {
            assert!(sts(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_probe_guard_allows_get_caller_identity_only() {
        let check = |a: &str| STS_CALLER_IDENTITY.check_actions(&[a.to_string()]);
        assert!(check("GetCallerIdentity").is_ok());
        for op in [
            "AssumeRole",
            "GetSessionToken",
            "GetAccountAuthorizationDetails",
        ] {
            let err = check(op).unwrap_err().to_string();
            assert!(err.starts_with("refused to send STS action"), "{err}");
        }
        assert!(STS_CALLER_IDENTITY.check_actions(&[]).is_err());
    }
}
