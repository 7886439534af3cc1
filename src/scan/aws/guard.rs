//! The read-only interceptor of the live collector: every IAM request is checked before it is
//! sent, and refused unless its action is in [`ALLOWED_OPERATIONS`].

use aws_sdk_iam::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_iam::error::BoxError;

use super::raw::ALLOWED_OPERATIONS;

/// Refuses any request whose IAM `Action` is not in [`ALLOWED_OPERATIONS`].
///
/// IAM uses the AWS query protocol: the action travels as the `Action=` form parameter.
/// The check reads the serialized request, i.e. what the server would act on, and fails
/// closed when no action can be found.
#[derive(Debug)]
pub(super) struct ReadOnlyGuard;

impl ReadOnlyGuard {
    fn check(context: &BeforeTransmitInterceptorContextRef<'_>) -> Result<(), BoxError> {
        let request = context.request();
        let mut actions = request.body().bytes().map(form_actions).unwrap_or_default();
        if let Some((_, query)) = request.uri().split_once('?') {
            actions.extend(form_actions(query.as_bytes()));
        }
        check_actions(&actions).map_err(Into::into)
    }
}

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "JitgapReadOnlyGuard"
    }

    // Before the retry loop: refuses before credentials are even resolved.
    fn read_after_serialization(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        Self::check(context)
    }

    // The last look at each attempt before it is sent.
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        Self::check(context)
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

fn check_actions(actions: &[String]) -> Result<(), String> {
    if actions.is_empty() {
        return Err("refused to send an IAM request: no Action found in it".to_string());
    }
    match actions
        .iter()
        .find(|a| !ALLOWED_OPERATIONS.contains(&a.as_str()))
    {
        Some(action) => Err(format!(
            "refused to send IAM action {action:?}: not in the read-only allow-list ({})",
            ALLOWED_OPERATIONS.join(", ")
        )),
        None => Ok(()),
    }
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
}
