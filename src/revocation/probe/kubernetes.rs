//! `kubernetes-token`: one harmless read of the Kubernetes API with the token (api-shapes §F).
//!
//! `id` is the API server URL (`https://10.0.0.1:6443`; plain `http://` only to a loopback
//! host, so a token never crosses a network in clear); the token is the `secret` (best through
//! `secret_env`). The call is `GET {id}/api/v1/namespaces?limit=1` with `Authorization: Bearer
//! TOKEN`, sent once through the shared client (the system's trusted roots: a cluster whose CA
//! is private answers with a TLS error, `inconclusive`).
//!
//! Verdicts:
//! - 401 → `effective`: the API server does not accept the token (deleted Secret, deleted
//!   service account, expired or rejected legacy token);
//! - 200 → `not-effective`: the token authenticates and can list namespaces;
//! - 403 → `not-effective` as well: the API server knew who the token is (the Status message
//!   names the user, `system:serviceaccount:NS:NAME`) and only refused that one call;
//! - anything else (429, 5xx, a redirect, a network or TLS error, a timeout) → `inconclusive`.

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};

use super::{IdError, Outcome, PROBE_TIMEOUT};
use crate::net::{NetError, NetLimits};

/// The one read a probe sends.
pub(super) const PATH: &str = "/api/v1/namespaces?limit=1";

/// `id` is the API server's base URL.
pub(super) fn check_id(id: &str) -> Result<(), IdError> {
    crate::net::check_token_base_url(id.trim_end_matches('/')).map_err(|_| IdError::NotKubeServer)
}

pub(super) async fn probe(id: &str, token: &str) -> Outcome {
    let url = format!("{}{PATH}", id.trim().trim_end_matches('/'));
    let at = format!("GET {url}");
    let limits = NetLimits {
        request_timeout: PROBE_TIMEOUT,
        max_attempts: 1,
        ..NetLimits::default()
    };
    let client = match crate::net::client(&limits) {
        Ok(c) => c,
        Err(e) => return Outcome::inconclusive(format!("no request sent to {url}: {e}")),
    };
    let Ok(mut auth) = HeaderValue::from_str(&format!("Bearer {token}")) else {
        return Outcome::inconclusive(
            "the token holds characters an HTTP header cannot carry; nothing was sent",
        );
    };
    auth.set_sensitive(true);
    let sent = crate::net::send(&limits, || {
        client
            .get(&url)
            .header(AUTHORIZATION, auth.clone())
            .header(ACCEPT, "application/json")
    })
    .await;
    match sent {
        Ok(reply) => classify(reply.status.as_u16(), &reply.body, &at),
        Err(NetError::Status { status, .. }) => classify(status.as_u16(), "", &at),
        Err(NetError::Transport { reason, .. }) => {
            Outcome::inconclusive(format!("{at}: no answer: {reason}"))
        }
        Err(e) => Outcome::inconclusive(format!("{at}: {e}")),
    }
}

/// The user a Status message names (`User "system:serviceaccount:ci:deployer" cannot …`).
fn user_of(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let m = v.get("message")?.as_str()?;
    let rest = m.split_once("User \"")?.1;
    Some(rest.split('"').next()?.to_string())
}

/// The verdict for one answer. Pure, so it is tested without a server.
pub(super) fn classify(status: u16, body: &str, at: &str) -> Outcome {
    match status {
        401 => Outcome::effective(format!(
            "{at} answered 401: the API server does not accept the token"
        )),
        200 => Outcome::not_effective(format!(
            "{at} answered 200: the token still authenticates and can list namespaces"
        )),
        403 => Outcome::not_effective(match user_of(body) {
            Some(u) => format!(
                "{at} answered 403 for {u}: the API server knew the token (it is alive) and only refused that call"
            ),
            None => format!(
                "{at} answered 403: the token authenticated (it is alive) and was only refused that call"
            ),
        }),
        s => Outcome::inconclusive(format!("{at} answered HTTP {s}; try again later")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Revocation;

    #[test]
    fn answers_decide() {
        let at = "GET x";
        assert_eq!(classify(401, "", at).verdict, Revocation::Effective);
        assert_eq!(classify(200, "{}", at).verdict, Revocation::NotEffective);
        let forbidden = r#"{"kind":"Status","message":"namespaces is forbidden: User \"system:serviceaccount:ci:deployer\" cannot list resource \"namespaces\"","code":403}"#;
        let o = classify(403, forbidden, at);
        assert_eq!(o.verdict, Revocation::NotEffective);
        assert!(
            o.reason.contains("system:serviceaccount:ci:deployer"),
            "{}",
            o.reason
        );
        for s in [429, 500, 503, 302, 404] {
            assert_eq!(classify(s, "", at).verdict, Revocation::Inconclusive, "{s}");
        }
        assert!(check_id("https://10.0.0.1:6443").is_ok());
        assert!(check_id("http://127.0.0.1:8001").is_ok());
        assert!(check_id("http://10.0.0.1:8080").is_err());
        assert!(check_id("prod").is_err());
    }
}
