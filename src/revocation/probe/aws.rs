//! `aws-access-key`: one STS `GetCallerIdentity` signed with the key.
//!
//! `GetCallerIdentity` needs no permission and cannot be denied by a policy, so the answer
//! speaks only to the key: accepted, or rejected as unknown (`InvalidClientTokenId`) or with
//! a secret that does not match (`SignatureDoesNotMatch`). The client (configured in
//! `scan/aws/sdk.rs`, like the collector's) makes exactly one attempt (a retry could count
//! against a lockout or alarm), signs for `us-east-1`, and an interceptor refuses any other
//! action before it is sent.
//!
//! A key of another partition (GovCloud, China) is unknown to the commercial STS and would
//! read as `InvalidClientTokenId`: point `--aws-endpoint-url` at that partition's STS.

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;

use super::{IdError, Outcome, PROBE_TIMEOUT, ProbeOptions};
use crate::error_chain::error_chain;
use crate::scan::aws::sdk::{Auth, DEFAULT_REGION as REGION, Settings, Timeouts, sts_client};

/// A long-term access key id: 16–128 upper-case letters and digits. `ASIA…` (temporary)
/// keys are refused: without their session token STS rejects them even while valid.
pub(super) fn check_id(id: &str) -> Result<(), IdError> {
    if id.len() < 16
        || id.len() > 128
        || !id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(IdError::NotAwsKeyId);
    }
    if id.starts_with("ASIA") {
        return Err(IdError::TemporaryAwsKey);
    }
    Ok(())
}

pub(super) async fn probe(id: &str, secret: &str, opts: &ProbeOptions) -> Outcome {
    let (endpoint, at) = endpoint(opts);
    let client = sts_client(&settings(id, secret, endpoint)).await;
    match client.get_caller_identity().send().await {
        Ok(out) => Outcome::not_effective(format!(
            "the key still works: STS GetCallerIdentity at {at} accepted it as {} (account {})",
            out.arn().unwrap_or("an unnamed principal"),
            out.account().unwrap_or("unknown")
        )),
        Err(err) => classify_sdk_error(&err, &at),
    }
}

/// One attempt, [`PROBE_TIMEOUT`] for everything.
fn settings(id: &str, secret: &str, endpoint: Option<String>) -> Settings {
    Settings {
        auth: Auth::Key {
            id: id.to_string(),
            secret: secret.to_string(),
        },
        endpoint_url: endpoint,
        attempts: 1,
        timeouts: Timeouts {
            connect: PROBE_TIMEOUT,
            attempt: PROBE_TIMEOUT,
            operation: PROBE_TIMEOUT,
        },
    }
}

/// The endpoint override and a label for messages: the option, else `AWS_ENDPOINT_URL_STS`,
/// else `AWS_ENDPOINT_URL` (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`).
fn endpoint(opts: &ProbeOptions) -> (Option<String>, String) {
    if let Some(url) = opts.aws_endpoint_url.as_ref().filter(|u| !u.is_empty()) {
        return (Some(url.clone()), url.clone());
    }
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    if !ignored {
        for var in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
            if let Ok(url) = std::env::var(var)
                && !url.is_empty()
            {
                return (Some(url.clone()), format!("{url} (from {var})"));
            }
        }
    }
    (None, format!("the {REGION} STS endpoint"))
}

fn classify_sdk_error(err: &SdkError<GetCallerIdentityError>, at: &str) -> Outcome {
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            if e.code().is_some() {
                return classify(e.code(), e.message(), at);
            }
            // The SDK reads `ErrorResponse/Error/Code` (what STS sends); some endpoints
            // (moto among them) wrap it as `ErrorResponse/Errors/Error`. Read the body then.
            let body = service
                .raw()
                .body()
                .bytes()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let code = xml_text(&body, "Code");
            let message = xml_text(&body, "Message").or(e.message());
            match code {
                Some(_) => classify(code, message, at),
                None => Outcome::inconclusive(format!(
                    "STS at {at} answered HTTP {} without an error code{}",
                    service.raw().status().as_u16(),
                    message.map(|m| format!(" ({m})")).unwrap_or_default()
                )),
            }
        }
        SdkError::TimeoutError(_) => Outcome::inconclusive(format!(
            "no answer from STS at {at} within {} s",
            PROBE_TIMEOUT.as_secs()
        )),
        SdkError::DispatchFailure(_) => {
            Outcome::inconclusive(format!("could not reach STS at {at}: {}", error_chain(err)))
        }
        _ => Outcome::inconclusive(format!(
            "no usable answer from STS at {at}: {}",
            error_chain(err)
        )),
    }
}

/// The text of the first `<tag>…</tag>` in `xml`.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim()).filter(|t| !t.is_empty())
}

/// The verdict for an STS error code. Pure, so it is tested without a server.
pub(super) fn classify(code: Option<&str>, message: Option<&str>, at: &str) -> Outcome {
    let message = message.unwrap_or("");
    let lower = message.to_ascii_lowercase();
    match code {
        Some("InvalidClientTokenId") => Outcome::effective(format!(
            "STS at {at} rejected the key: InvalidClientTokenId (the key is deleted, inactive or unknown)"
        )),
        // "Signature expired" is a clock problem on this side, not an answer about the key.
        Some("SignatureDoesNotMatch") if lower.contains("expired") => {
            Outcome::inconclusive(format!(
                "STS at {at} answered SignatureDoesNotMatch because the signature expired: check this machine's clock ({message})"
            ))
        }
        Some("SignatureDoesNotMatch") => Outcome::effective(format!(
            "STS at {at} rejected the secret: SignatureDoesNotMatch (this secret no longer signs for the key id)"
        )),
        Some(
            c @ ("Throttling"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"),
        ) => Outcome::inconclusive(format!(
            "STS at {at} throttled the probe ({c}); try again later"
        )),
        Some(c @ ("AccessDenied" | "AccessDeniedException")) => Outcome::inconclusive(format!(
            "STS at {at} answered {c}, which GetCallerIdentity never returns for a key: \
             a proxy or an endpoint policy may be in the way ({message})"
        )),
        Some(c) => Outcome::inconclusive(format!(
            "STS at {at} answered {c}, which says nothing certain about the key ({message})"
        )),
        None => Outcome::inconclusive(format!(
            "STS at {at} answered with an error without a code ({message})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Revocation;

    #[test]
    fn classifies_sts_answers() {
        let v = |code: Option<&str>, msg: &str| classify(code, Some(msg), "moto").verdict;
        assert_eq!(
            v(
                Some("InvalidClientTokenId"),
                "The security token included in the request is invalid."
            ),
            Revocation::Effective
        );
        assert_eq!(
            v(
                Some("SignatureDoesNotMatch"),
                "The request signature we calculated does not match"
            ),
            Revocation::Effective
        );
        assert_eq!(
            v(
                Some("SignatureDoesNotMatch"),
                "Signature expired: 20200101T000000Z is now earlier than"
            ),
            Revocation::Inconclusive
        );
        assert_eq!(
            v(Some("Throttling"), "Rate exceeded"),
            Revocation::Inconclusive
        );
        assert_eq!(v(Some("AccessDenied"), "denied"), Revocation::Inconclusive);
        assert_eq!(v(Some("InternalFailure"), ""), Revocation::Inconclusive);
        assert_eq!(v(None, ""), Revocation::Inconclusive);
    }

    #[test]
    fn reads_codes_from_either_error_layout() {
        let sts = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad</Message></Error></ErrorResponse>";
        let moto = "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_text(sts, "Code"), Some("InvalidClientTokenId"));
        assert_eq!(xml_text(moto, "Code"), Some("SignatureDoesNotMatch"));
        assert_eq!(xml_text("<html>503</html>", "Code"), None);
    }

    #[test]
    fn key_ids() {
        assert!(check_id("AKIAEXAMPLEKEY000001").is_ok());
        assert!(
            check_id("ASIAEXAMPLEKEY000001")
                .unwrap_err()
                .to_string()
                .contains("session token")
        );
        assert!(check_id("akia-lower").is_err());
        assert!(check_id("").is_err());
    }
}
