//! The Google Cloud REST APIs as the collector reads them: GET, and the one POST that
//! reads (`…:getIamPolicy` with [`raw::GET_IAM_POLICY_BODY`]); each request checked against
//! [`raw::operation_of`] before it is sent; the bearer token in a sensitive header; retries
//! (429 `RESOURCE_EXHAUSTED`, 502–504) through [`crate::net::send`]; lists paged with
//! `pageSize` + `pageToken` and merged into one document of the API's shape, `nextPageToken`
//! dropped. `--gcp-endpoint-url` replaces every service host with one base URL.

pub(crate) use super::api_shape::Items;
use super::api_shape::{check_items, check_policy, check_strings, take_token};
use super::error::{Detail, GcpError};
use super::raw;
use super::token::Bearer;
use crate::net::NetLimits;
use crate::net::retry::safe_url;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::Value;
use std::collections::HashSet;

/// Pages followed for one list at most.
const MAX_PAGES: usize = 10_000;

/// The characters kept as they are in a path segment (ids, emails, role names).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// One path segment, escaped (`/`, `:` and `?` never pass through).
pub(crate) fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// `projects/p/locations/global/entitlements/e` as escaped segments.
pub(crate) fn name_path(name: &str) -> String {
    name.split('/').map(segment).collect::<Vec<_>>().join("/")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Iam,
    ResourceManager,
    Pam,
    PolicyAnalyzer,
}

impl Service {
    fn host(self) -> &'static str {
        match self {
            Service::Iam => raw::IAM_HOST,
            Service::ResourceManager => raw::RESOURCE_MANAGER_HOST,
            Service::Pam => raw::PAM_HOST,
            Service::PolicyAnalyzer => raw::POLICY_ANALYZER_HOST,
        }
    }

    /// `iam`, `cloudresourcemanager`, …: the host's first label.
    pub(crate) fn name(self) -> &'static str {
        let host = self.host().trim_start_matches("https://");
        host.split('.').next().unwrap_or(host)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    /// `…:getIamPolicy` only.
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// The APIs with a token; cheap to clone for concurrent calls.
#[derive(Clone)]
pub(crate) struct Api {
    client: reqwest::Client,
    /// `--gcp-endpoint-url`: replaces every service host.
    endpoint: Option<Url>,
    limits: NetLimits,
    bearer: Bearer,
    auth: HeaderValue,
}

impl Api {
    pub(crate) fn new(
        endpoint: Option<&str>,
        bearer: Bearer,
        limits: &NetLimits,
    ) -> Result<Api, GcpError> {
        let endpoint = endpoint
            .map(|e| {
                Url::parse(e.trim_end_matches('/')).map_err(|err| GcpError::BadUrl {
                    url: e.to_string(),
                    base: "--gcp-endpoint-url".into(),
                    reason: err.to_string(),
                })
            })
            .transpose()?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", bearer.secret()))
            .map_err(|_| GcpError::BadToken)?;
        auth.set_sensitive(true);
        Ok(Api {
            client: crate::net::client(limits)?,
            endpoint,
            limits: *limits,
            bearer,
            auth,
        })
    }

    /// `gcp:iam:GET /v1/projects/p/serviceAccounts`: the call a document came from.
    pub(crate) fn source(service: Service, method: &str, path: &str) -> String {
        format!("gcp:{}:{method} {path}", service.name())
    }

    /// `text` without the token in it.
    pub(crate) fn scrub(&self, text: &str) -> String {
        self.bearer.scrub(text)
    }

    /// One object (`GET /v3/projects/p`); `list`, when given, names a field that must be a
    /// list of such items if present.
    pub(crate) async fn get(
        &self,
        service: Service,
        path: &str,
        list: Option<(&'static str, Items)>,
    ) -> Result<Value, GcpError> {
        let url = self.url(Method::Get, service, path, &[])?;
        let v = self.send(Method::Get, service, &url).await?;
        match list {
            Some((key, Items::Objects)) => check_items(&v, key, &self.shown(&url))?,
            Some((key, Items::Strings)) => check_strings(&v, key, &self.shown(&url))?,
            None => {}
        }
        Ok(v)
    }

    /// `POST {path}:getIamPolicy` with the version-3 body: the policy.
    pub(crate) async fn get_iam_policy(&self, path: &str) -> Result<Value, GcpError> {
        let url = self.url(
            Method::Post,
            Service::ResourceManager,
            &format!("{path}:getIamPolicy"),
            &[],
        )?;
        let v = self
            .send(Method::Post, Service::ResourceManager, &url)
            .await?;
        check_policy(&v, &self.shown(&url))?;
        Ok(v)
    }

    /// Every page of the list at `path` (items under `key`), merged: the first page's
    /// fields with `key` holding every item, `nextPageToken` dropped. A list with no items
    /// stays as the API gave it (`{}`).
    pub(crate) async fn list(
        &self,
        service: Service,
        path: &str,
        params: &[(&str, &str)],
        key: &'static str,
        page_size: u32,
    ) -> Result<Value, GcpError> {
        let size = page_size.to_string();
        let mut first: Vec<(&str, &str)> = params.to_vec();
        first.push(("pageSize", &size));
        let url = self.url(Method::Get, service, path, &first)?;
        let mut merged = self.send(Method::Get, service, &url).await?;
        let mut token = take_token(&mut merged, &self.shown(&url))?;
        check_items(&merged, key, &self.shown(&url))?;
        let mut seen = HashSet::new();
        let mut pages = 1;
        while let Some(t) = token {
            if !seen.insert(t.clone()) {
                return Err(GcpError::PageLoop {
                    url: self.shown(&url),
                });
            }
            pages += 1;
            if pages > MAX_PAGES {
                return Err(GcpError::TooManyPages {
                    url: self.shown(&url),
                    pages: MAX_PAGES,
                });
            }
            let mut next: Vec<(&str, &str)> = first.clone();
            next.push(("pageToken", &t));
            let next = self.url(Method::Get, service, path, &next)?;
            let mut page = self.send(Method::Get, service, &next).await?;
            token = take_token(&mut page, &self.shown(&next))?;
            check_items(&page, key, &self.shown(&next))?;
            if let Some(Value::Array(items)) = page.get_mut(key).map(Value::take)
                && !items.is_empty()
            {
                let obj = merged.as_object_mut().expect("pages are objects");
                match obj.get_mut(key) {
                    Some(Value::Array(all)) => all.extend(items),
                    _ => {
                        obj.insert(key.to_string(), Value::Array(items));
                    }
                }
            }
        }
        Ok(merged)
    }

    fn base(&self, service: Service) -> Url {
        self.endpoint
            .clone()
            .unwrap_or_else(|| Url::parse(service.host()).expect("service hosts are URLs"))
    }

    fn url(
        &self,
        method: Method,
        service: Service,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<Url, GcpError> {
        let base = self.base(service);
        let text = format!("{}{path}", base.as_str().trim_end_matches('/'));
        let mut url = Url::parse(&text).map_err(|e| GcpError::BadUrl {
            url: self.scrub(&crate::redact::redact(&text)),
            base: base.to_string(),
            reason: e.to_string(),
        })?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
        self.check(method, service, &url)?;
        Ok(url)
    }

    /// Refuses, before sending, a URL off the base or a call `raw::operation_of` does not allow.
    fn check(&self, method: Method, service: Service, url: &Url) -> Result<(), GcpError> {
        let base = self.base(service);
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        let prefix = base.path().trim_end_matches('/');
        let relative = url
            .path()
            .strip_prefix(prefix)
            .filter(|rest| rest.starts_with('/'))
            .filter(|_| same_origin);
        let allowed = relative.and_then(|p| raw::operation_of(method.as_str(), p));
        let verb_ok = method == Method::Get || url.path().ends_with(":getIamPolicy");
        match allowed {
            Some(_) if verb_ok => Ok(()),
            _ => Err(GcpError::Refused {
                method: method.as_str().into(),
                path: self.scrub(&crate::redact::redact(url.path())),
            }),
        }
    }

    fn shown(&self, url: &Url) -> String {
        self.scrub(&safe_url(url))
    }

    /// One request: the parsed JSON object, or why not.
    async fn send(&self, method: Method, service: Service, url: &Url) -> Result<Value, GcpError> {
        self.check(method, service, url)?;
        let reply = crate::net::send(&self.limits, || {
            let b = match method {
                Method::Get => self.client.get(url.clone()),
                Method::Post => self
                    .client
                    .post(url.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body(raw::GET_IAM_POLICY_BODY),
            };
            b.header(AUTHORIZATION, self.auth.clone())
                .header(ACCEPT, "application/json")
        })
        .await
        .map_err(|e| scrub_net(e, &self.bearer))?;
        if !reply.status.is_success() {
            let mut detail = Detail::parse(&reply.body);
            detail.message = self.scrub(&detail.message);
            return Err(GcpError::Status {
                method: method.as_str(),
                url: self.shown(url),
                status: reply.status,
                detail: Box::new(detail),
            });
        }
        let body = self.scrub(&reply.body);
        let value: Value = serde_json::from_str(&body).map_err(|e| GcpError::Malformed {
            url: self.shown(url),
            reason: crate::scan::json::without_position(&e),
            line: e.line(),
            column: e.column(),
        })?;
        if !value.is_object() {
            return Err(GcpError::Shape {
                url: self.shown(url),
                pointer: String::new(),
                expected: "a JSON object",
            });
        }
        Ok(value)
    }
}

/// A network error with the token removed from anything it carries (it never should).
fn scrub_net(e: crate::net::NetError, bearer: &Bearer) -> GcpError {
    GcpError::Net(e.scrubbed(|t| bearer.scrub(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(endpoint: &str) -> Api {
        // Nothing listens on port 9: a request that got out would fail, not pass.
        Api::new(
            Some(endpoint),
            Bearer::new("ya29.unit-token-0123456789"),
            &NetLimits::default(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn calls_outside_the_allowed_operations_are_refused_before_sending() {
        let api = api("http://127.0.0.1:9");
        for path in [
            "/v3/projects/p:setIamPolicy",
            "/v1/projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k",
            "/v1/projects/p/serviceAccounts/x/../../../v3/projects/p:setIamPolicy",
        ] {
            match api.get(Service::Iam, path, None).await {
                Err(GcpError::Refused { method, .. }) => assert_eq!(method, "GET", "{path}"),
                other => panic!("{path}: {other:?}"),
            }
        }
        // The POST is refused for anything but getIamPolicy, and getIamPolicy as a GET.
        let e = api
            .url(
                Method::Post,
                Service::ResourceManager,
                "/v3/projects/p:setIamPolicy",
                &[],
            )
            .unwrap_err();
        assert!(matches!(e, GcpError::Refused { .. }), "{e}");
        let e = api
            .url(
                Method::Get,
                Service::ResourceManager,
                "/v3/projects/p:getIamPolicy",
                &[],
            )
            .unwrap_err();
        assert!(matches!(e, GcpError::Refused { .. }), "{e}");
        assert!(
            api.url(
                Method::Post,
                Service::ResourceManager,
                "/v3/folders/1:getIamPolicy",
                &[]
            )
            .is_ok()
        );
    }

    #[test]
    fn segments_are_escaped_so_a_name_cannot_change_the_call() {
        assert_eq!(
            segment("a@p.iam.gserviceaccount.com"),
            "a@p.iam.gserviceaccount.com"
        );
        assert_eq!(
            segment("example.com:legacy-app"),
            "example.com%3Alegacy-app"
        );
        assert_eq!(segment("x/y?z"), "x%2Fy%3Fz");
        assert_eq!(
            name_path("projects/p/locations/global/entitlements/e:x"),
            "projects/p/locations/global/entitlements/e%3Ax"
        );
        let api = api("http://127.0.0.1:9");
        let legacy = format!(
            "/v1/projects/{}/serviceAccounts",
            segment("example.com:legacy-app")
        );
        assert!(api.url(Method::Get, Service::Iam, &legacy, &[]).is_ok());
    }

    #[test]
    fn one_endpoint_replaces_every_host_and_keeps_its_path_prefix() {
        let api = api("http://127.0.0.1:9/gcp/");
        let u = api
            .url(
                Method::Get,
                Service::Pam,
                "/v1/projects/p/locations/global/entitlements",
                &[("pageSize", "100")],
            )
            .unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9/gcp/v1/projects/p/locations/global/entitlements?pageSize=100"
        );
        let real = Api::new(
            None,
            Bearer::new("ya29.unit-token-0123456789"),
            &NetLimits::default(),
        )
        .unwrap();
        let u = real
            .url(Method::Get, Service::Iam, "/v1/roles/viewer", &[])
            .unwrap();
        assert_eq!(u.as_str(), "https://iam.googleapis.com/v1/roles/viewer");
        assert_eq!(Service::ResourceManager.name(), "cloudresourcemanager");
        assert_eq!(
            Api::source(Service::Pam, "GET", "/v1/x"),
            "gcp:privilegedaccessmanager:GET /v1/x"
        );
    }
}
