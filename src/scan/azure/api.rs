//! One Azure API (Microsoft Graph or Azure Resource Manager) as the collector reads it: GET
//! only, each request checked against [`raw::operation_of`] before it is sent, the bearer
//! token in a sensitive header, retries through [`crate::net::send`], lists followed through
//! `@odata.nextLink` / `nextLink` (verbatim, and only on the configured host) and merged
//! into one `{"value": [...]}`.

use super::error::{AzureError, error_detail};
use super::raw;
use super::token::Bearer;
use crate::net::NetLimits;
use crate::net::retry::safe_url;
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde_json::Value;

/// Pages followed for one list at most (a server that links in a circle stops here).
const MAX_PAGES: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Graph,
    Arm,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Graph => "graph",
            Kind::Arm => "arm",
        }
    }

    fn next_link(self) -> &'static str {
        match self {
            Kind::Graph => "@odata.nextLink",
            Kind::Arm => "nextLink",
        }
    }
}

/// A configured API with its token; cheap to clone for concurrent calls.
#[derive(Clone)]
pub(crate) struct Api {
    kind: Kind,
    client: reqwest::Client,
    base: Url,
    limits: NetLimits,
    bearer: Bearer,
    auth: HeaderValue,
}

impl Api {
    pub(crate) fn new(
        kind: Kind,
        base: &str,
        bearer: Bearer,
        limits: &NetLimits,
    ) -> Result<Api, AzureError> {
        let bad = |reason: String| AzureError::BadUrl {
            url: base.to_string(),
            base: base.to_string(),
            reason,
        };
        let base = Url::parse(base.trim_end_matches('/')).map_err(|e| bad(e.to_string()))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", bearer.secret()))
            .map_err(|_| bad("the token holds characters a header cannot carry".into()))?;
        auth.set_sensitive(true);
        Ok(Api {
            kind,
            client: crate::net::client(limits)?,
            base,
            limits: *limits,
            bearer,
            auth,
        })
    }

    /// `azure:graph:GET /v1.0/servicePrincipals`: the call a document came from.
    pub(crate) fn source(&self, path: &str) -> String {
        format!("azure:{}:GET {path}", self.kind.name())
    }

    pub(crate) fn bearer(&self) -> &Bearer {
        &self.bearer
    }

    /// `text` without the token in it.
    pub(crate) fn scrub(&self, text: &str) -> String {
        self.bearer.scrub(text)
    }

    /// Every page of the list at `path?query`, merged: the first page's fields (its
    /// `@odata.context`) with `value` holding all items, next-page links dropped.
    pub(crate) async fn list(&self, path: &str, query: &str) -> Result<Value, AzureError> {
        let mut url = self.url(path, query)?;
        let mut merged = self.page(&url).await?;
        let mut pages = 1;
        while let Some(link) = take_next_link(&mut merged, &url)? {
            let next = self.follow(&url, &link)?;
            pages += 1;
            if pages > MAX_PAGES {
                return Err(AzureError::TooManyPages {
                    url: self.shown(&url),
                    pages: MAX_PAGES,
                });
            }
            let mut page = self.page(&next).await?;
            let more = take_next_link(&mut page, &next)?;
            let items = match page.get_mut("value").map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            if let Some(Value::Array(all)) = merged.get_mut("value") {
                all.extend(items);
            }
            if let Some(link) = more {
                merged[self.kind.next_link()] = Value::String(link);
            }
            url = next;
        }
        if merged.get("value").is_none() {
            return Err(AzureError::Shape {
                url: self.shown(&url),
                pointer: "/value".into(),
                expected: "a list of items",
            });
        }
        Ok(merged)
    }

    /// One object (`GET /subscriptions/{id}`).
    pub(crate) async fn object(&self, path: &str, query: &str) -> Result<Value, AzureError> {
        let url = self.url(path, query)?;
        self.page(&url).await
    }

    fn url(&self, path: &str, query: &str) -> Result<Url, AzureError> {
        let base = self.base.as_str().trim_end_matches('/');
        let text = if query.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{query}")
        };
        let url = Url::parse(&text).map_err(|e| AzureError::BadUrl {
            url: text.clone(),
            base: base.to_string(),
            reason: e.to_string(),
        })?;
        self.check(&url)?;
        Ok(url)
    }

    /// A next-page link, verbatim, if it stays on the configured host and is an allowed call.
    fn follow(&self, from: &Url, link: &str) -> Result<Url, AzureError> {
        let url = Url::parse(link).map_err(|e| AzureError::BadUrl {
            url: self.scrub(&crate::redact::redact(link)),
            base: self.base.to_string(),
            reason: format!("next-page links must be absolute URLs: {e}"),
        })?;
        if !self.same_origin(&url) {
            return Err(AzureError::ForeignLink {
                from: self.shown(from),
                link: self.shown(&url),
                base: self.origin(),
            });
        }
        self.check(&url)?;
        Ok(url)
    }

    fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str().map(str::to_ascii_lowercase)
                == self.base.host_str().map(str::to_ascii_lowercase)
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    /// Refuses, before sending, a URL off the base or a call `raw::operation_of` does not allow.
    fn check(&self, url: &Url) -> Result<(), AzureError> {
        let prefix = self.base.path().trim_end_matches('/');
        let path = url.path();
        let relative = path
            .strip_prefix(prefix)
            .filter(|rest| rest.starts_with('/'))
            .filter(|_| self.same_origin(url));
        match relative.and_then(|p| raw::operation_of("GET", p)) {
            Some(_) => Ok(()),
            None => Err(AzureError::Refused {
                method: "GET".into(),
                path: self.scrub(&crate::redact::redact(path)),
            }),
        }
    }

    fn shown(&self, url: &Url) -> String {
        self.scrub(&safe_url(url))
    }

    /// One GET: the parsed JSON object, or why not.
    async fn page(&self, url: &Url) -> Result<Value, AzureError> {
        self.check(url)?;
        let reply = crate::net::send(&self.limits, || {
            self.client
                .get(url.clone())
                .header(AUTHORIZATION, self.auth.clone())
                .header(ACCEPT, "application/json")
        })
        .await
        .map_err(|e| scrub_net(e, &self.bearer))?;
        if !reply.status.is_success() {
            return Err(AzureError::Status {
                url: self.shown(url),
                status: reply.status,
                detail: self.scrub(&error_detail(&reply.body)),
            });
        }
        let body = self.scrub(&reply.body);
        let value: Value = serde_json::from_str(&body).map_err(|e| AzureError::Malformed {
            url: self.shown(url),
            reason: crate::scan::json::without_position(&e),
            line: e.line(),
            column: e.column(),
        })?;
        if !value.is_object() {
            return Err(AzureError::Shape {
                url: self.shown(url),
                pointer: String::new(),
                expected: "a JSON object",
            });
        }
        if value.get("value").is_some_and(|v| !v.is_array()) {
            return Err(AzureError::Shape {
                url: self.shown(url),
                pointer: "/value".into(),
                expected: "an array",
            });
        }
        Ok(value)
    }
}

/// Removes `@odata.nextLink` and `nextLink` from a page; the link, when there is one.
fn take_next_link(page: &mut Value, url: &Url) -> Result<Option<String>, AzureError> {
    let Some(obj) = page.as_object_mut() else {
        return Ok(None);
    };
    let mut link = None;
    for key in ["@odata.nextLink", "nextLink"] {
        match obj.remove(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) => link = Some(s),
            Some(_) => {
                return Err(AzureError::Shape {
                    url: safe_url(url),
                    pointer: format!("/{}", key.replace('~', "~0").replace('/', "~1")),
                    expected: "a URL string",
                });
            }
        }
    }
    Ok(link)
}

/// A network error with the token removed from anything it carries (it never should).
fn scrub_net(e: crate::net::NetError, bearer: &Bearer) -> AzureError {
    AzureError::Net(e.scrubbed(|t| bearer.scrub(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph() -> Api {
        // Nothing listens on port 9: a request that got out would fail, not pass.
        Api::new(
            Kind::Graph,
            "http://127.0.0.1:9",
            Bearer::new("test-token-0123456789"),
            &NetLimits::default(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn calls_outside_the_allowed_operations_are_refused_before_sending() {
        let api = graph();
        for path in [
            "/v1.0/users",
            "/v1.0/servicePrincipals/x/addPassword",
            "/v1.0/servicePrincipals/x/y",
        ] {
            match api.list(path, "").await {
                Err(AzureError::Refused { method, path: p }) => {
                    assert_eq!((method.as_str(), p.as_str()), ("GET", path));
                }
                other => panic!("{path}: {other:?}"),
            }
        }
    }

    #[test]
    fn next_links_must_stay_on_the_configured_host_and_be_allowed() {
        let api = graph();
        let from = Url::parse("http://127.0.0.1:9/v1.0/applications?$top=999").unwrap();
        let ok = api.follow(
            &from,
            "http://127.0.0.1:9/v1.0/applications?$top=999&$skiptoken=a",
        );
        assert!(ok.is_ok(), "{ok:?}");
        for other in [
            "http://127.0.0.1:10/v1.0/applications?$skiptoken=a",
            "https://127.0.0.1:9/v1.0/applications?$skiptoken=a",
            "http://evil.example:9/v1.0/applications?$skiptoken=a",
        ] {
            let e = api.follow(&from, other).unwrap_err();
            assert!(matches!(e, AzureError::ForeignLink { .. }), "{other}: {e}");
        }
        let relative = api
            .follow(&from, "/v1.0/applications?$skiptoken=a")
            .unwrap_err();
        assert!(matches!(relative, AzureError::BadUrl { .. }), "{relative}");
        let elsewhere = api
            .follow(&from, "http://127.0.0.1:9/v1.0/users")
            .unwrap_err();
        assert!(
            matches!(elsewhere, AzureError::Refused { .. }),
            "{elsewhere}"
        );
    }

    #[test]
    fn a_base_with_a_path_prefix_checks_the_path_after_it() {
        let api = Api::new(
            Kind::Arm,
            "http://127.0.0.1:9/arm/",
            Bearer::new("test-token-0123456789"),
            &NetLimits::default(),
        )
        .unwrap();
        assert!(api.url("/subscriptions", "api-version=2022-12-01").is_ok());
        assert!(api.url("/arm/subscriptions", "").is_err());
        assert_eq!(api.source("/subscriptions"), "azure:arm:GET /subscriptions");
    }

    #[test]
    fn next_links_are_taken_out_of_pages() {
        let url = Url::parse("http://127.0.0.1:9/v1.0/applications").unwrap();
        let mut page = serde_json::json!({"@odata.context": "c", "value": [], "@odata.nextLink": "http://x/n"});
        assert_eq!(
            take_next_link(&mut page, &url).unwrap().as_deref(),
            Some("http://x/n")
        );
        assert_eq!(
            page,
            serde_json::json!({"@odata.context": "c", "value": []})
        );
        let mut bad = serde_json::json!({"value": [], "nextLink": 3});
        let e = take_next_link(&mut bad, &url).unwrap_err();
        assert!(
            e.to_string().contains("/nextLink: expected a URL string"),
            "{e}"
        );
    }
}
