//! The one [`reqwest::Client`] configuration.
//!
//! - User agent `jitgap/<version>`.
//! - Timeouts: [`NetLimits::request_timeout`] for each attempt as a whole, and a connect
//!   timeout of [`CONNECT_TIMEOUT`] (or the request timeout when that is shorter).
//! - Redirects are never followed: a credential header (`X-Vault-Token`, `Authorization`)
//!   must not travel to another host, and an API that redirects is named in the error.
//! - Plain `http://` is allowed (tests, `kubectl proxy`, a Vault dev server); TLS is rustls
//!   with the webpki roots reqwest ships.
//! - Proxies. Left alone, reqwest 0.13 reads `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` and
//!   `NO_PROXY` (upper or lower case, `HTTP_PROXY` ignored when `REQUEST_METHOD` is set, as
//!   for CGI) and sends loopback through the proxy unless `NO_PROXY` says otherwise. jitgap
//!   turns that automatic lookup off and sets the same variables explicitly (see
//!   [`ProxyEnv`]): `https://` URLs use `HTTPS_PROXY`/`https_proxy`, `http://` URLs use
//!   `HTTP_PROXY`/`http_proxy`, either falls back to `ALL_PROXY`/`all_proxy`, `NO_PROXY`/
//!   `no_proxy` lists hosts, domains and CIDRs to reach directly, and loopback (`localhost`,
//!   `127.0.0.0/8`, `::1`) is always reached directly.

use std::time::Duration;

use reqwest::{Client, NoProxy, Proxy};

use super::NetLimits;
use super::retry::NetError;

/// The connect timeout (capped by the request timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `jitgap/<version>`.
pub const USER_AGENT: &str = concat!("jitgap/", env!("CARGO_PKG_VERSION"));

/// Hosts never sent through a proxy, whatever `NO_PROXY` says.
const LOOPBACK: &str = "localhost,127.0.0.0/8,::1";

/// The shared client. Callers add their own credential headers per request (marked
/// sensitive) rather than as default headers, so one client could serve several APIs.
pub fn client(limits: &NetLimits) -> Result<Client, NetError> {
    let mut builder = Client::builder()
        .user_agent(USER_AGENT)
        .timeout(limits.request_timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(limits.request_timeout))
        .redirect(reqwest::redirect::Policy::none())
        .https_only(false)
        .no_proxy();
    for proxy in ProxyEnv::from_env().proxies()? {
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|e| NetError::Client(crate::error_chain::error_chain(&e)))
}

/// The proxy variables as read from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProxyEnv {
    pub https: Option<String>,
    pub http: Option<String>,
    /// `NO_PROXY` as given, without the loopback entries added to it.
    pub no_proxy: String,
}

impl ProxyEnv {
    pub(crate) fn from_env() -> ProxyEnv {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The variables through `var` (the environment, or a test's map).
    pub(crate) fn from_lookup(var: impl Fn(&str) -> Option<String>) -> ProxyEnv {
        let first = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| var(n))
                .map(|v| v.trim().to_string())
                .find(|v| !v.is_empty())
        };
        let all = first(&["ALL_PROXY", "all_proxy"]);
        // Under CGI a request header `Proxy:` becomes HTTP_PROXY ("httpoxy"): only the lower
        // case name is trusted there, as curl does.
        let cgi = var("REQUEST_METHOD").is_some();
        let http_names: &[&str] = if cgi {
            &["http_proxy"]
        } else {
            &["HTTP_PROXY", "http_proxy"]
        };
        ProxyEnv {
            https: first(&["HTTPS_PROXY", "https_proxy"]).or_else(|| all.clone()),
            http: first(http_names).or(all),
            no_proxy: first(&["NO_PROXY", "no_proxy"]).unwrap_or_default(),
        }
    }

    /// `NO_PROXY` with loopback always added.
    pub(crate) fn bypass(&self) -> String {
        if self.no_proxy.is_empty() {
            LOOPBACK.to_string()
        } else {
            format!("{},{LOOPBACK}", self.no_proxy)
        }
    }

    fn proxies(&self) -> Result<Vec<Proxy>, NetError> {
        let bad = |var: &str, e: reqwest::Error| NetError::Proxy {
            var: var.to_string(),
            reason: crate::error_chain::error_chain(&e),
        };
        let mut out = Vec::new();
        if let Some(url) = &self.https {
            out.push(
                Proxy::https(url.as_str())
                    .map_err(|e| bad("HTTPS_PROXY", e))?
                    .no_proxy(NoProxy::from_string(&self.bypass())),
            );
        }
        if let Some(url) = &self.http {
            out.push(
                Proxy::http(url.as_str())
                    .map_err(|e| bad("HTTP_PROXY", e))?
                    .no_proxy(NoProxy::from_string(&self.bypass())),
            );
        }
        Ok(out)
    }
}

/// A base URL the collector can append API paths to: `http://` or `https://`, a host, no
/// query.
pub fn check_base_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must start with https:// (or http:// for a local server)".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("names no host".into());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("must not carry a query or fragment".into());
    }
    Ok(())
}

/// [`check_base_url`] for an API a bearer token is sent to: plain `http://` only to a
/// loopback host (`localhost`, `127.0.0.0/8`, `::1`), so a token never crosses a network in
/// clear.
pub fn check_token_base_url(url: &str) -> Result<(), String> {
    check_base_url(url)?;
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL ({e})"))?;
    let host = parsed
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if parsed.scheme() == "http" && !loopback {
        return Err(
            "is plain http to a host that is not loopback: a token is only sent over https".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> ProxyEnv {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyEnv::from_lookup(|n| map.get(n).cloned())
    }

    #[test]
    fn proxy_variables_by_scheme_with_fallbacks() {
        let e = env(&[
            ("https_proxy", "http://secure:3128"),
            ("HTTP_PROXY", "http://plain:3128"),
            ("NO_PROXY", "internal.example"),
        ]);
        assert_eq!(e.https.as_deref(), Some("http://secure:3128"));
        assert_eq!(e.http.as_deref(), Some("http://plain:3128"));
        assert_eq!(e.bypass(), "internal.example,localhost,127.0.0.0/8,::1");
        let all = env(&[("ALL_PROXY", "http://all:3128")]);
        assert_eq!(all.https.as_deref(), Some("http://all:3128"));
        assert_eq!(all.http.as_deref(), Some("http://all:3128"));
        assert_eq!(env(&[]), ProxyEnv::default());
        assert_eq!(env(&[]).bypass(), "localhost,127.0.0.0/8,::1");
    }

    #[test]
    fn cgi_ignores_the_upper_case_http_proxy() {
        let e = env(&[("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://evil:1")]);
        assert_eq!(e.http, None);
    }

    #[test]
    fn tokens_go_in_clear_text_only_to_loopback() {
        for ok in [
            "https://api.github.com",
            "http://127.0.0.1:8080",
            "http://localhost:1/api/v3",
            "http://[::1]:2",
        ] {
            assert_eq!(check_token_base_url(ok), Ok(()), "{ok}");
        }
        let e = check_token_base_url("http://ghe.example.com/api/v3").unwrap_err();
        assert!(e.contains("not loopback"), "{e}");
        assert!(check_token_base_url("ftp://127.0.0.1").is_err());
    }

    #[test]
    fn the_client_builds_with_and_without_proxies() {
        assert!(client(&NetLimits::default()).is_ok());
        let e = env(&[("HTTPS_PROXY", "http://proxy.internal:3128")]);
        assert_eq!(e.proxies().unwrap().len(), 1);
    }
}
