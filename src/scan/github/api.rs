//! The GitHub REST API as the collector reads it: GETs, and the one POST that issues an App
//! installation token; each request checked against [`raw::operation_of`] (under the base
//! URL, on its scheme, host and port) before it is sent. Every request names the media type
//! (`Accept: application/vnd.github+json`), the API version ([`raw::API_VERSION`]) and
//! jitgap's user agent, and carries the bearer in a sensitive header. Rate limits and 5xx are
//! waited out within `[limits]` (`rate.rs`). Lists ask for `per_page=100` and follow the
//! `Link` header's `rel="next"` only, never to another origin or another call; their pages
//! are merged into one document of the API's shape.

use super::error::{GithubError, message_of};
use super::rate;
use super::raw;
use crate::net::retry::safe_url;
use crate::net::{Bearer, NetLimits};
use chrono::Utc;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, LINK};
use reqwest::{Method, Url};
use serde_json::Value;
use std::collections::HashSet;

/// Pages followed for one list at most.
const MAX_PAGES: usize = 10_000;
/// Items a page asks for (GitHub's maximum).
const PER_PAGE: &str = "100";
const MEDIA_TYPE: &str = "application/vnd.github+json";

/// Where a list's items are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Items {
    /// The answer is the array (`GET /orgs/{org}/repos`).
    Array,
    /// The answer is an object with the array under this key (`installations`).
    Under(&'static str),
}

/// The API with one credential; cheap to clone for concurrent calls.
#[derive(Clone)]
pub(crate) struct Api {
    client: reqwest::Client,
    base: Url,
    limits: NetLimits,
    auth: HeaderValue,
    /// Every secret of this organization's run (token, JWT, installation token): none may
    /// reach a document or an error.
    secrets: Vec<Bearer>,
}

impl Api {
    /// The API at `base` (`https://api.github.com`, `https://HOST/api/v3`) with `bearer`.
    pub(crate) fn new(base: &str, bearer: Bearer, limits: &NetLimits) -> Result<Api, GithubError> {
        let base = Url::parse(base.trim_end_matches('/')).map_err(|e| GithubError::BadUrl {
            url: crate::redact::redact(base),
            base: "--github-api-url".into(),
            reason: e.to_string(),
        })?;
        Ok(Api {
            client: crate::net::client(limits)?,
            base,
            limits: *limits,
            auth: header_of(&bearer)?,
            secrets: vec![bearer],
        })
    }

    /// The same API with another credential; the earlier ones are still scrubbed.
    pub(crate) fn with_bearer(&self, bearer: Bearer) -> Result<Api, GithubError> {
        let mut api = self.clone();
        api.auth = header_of(&bearer)?;
        api.secrets.push(bearer);
        Ok(api)
    }

    /// `text` without any secret of the run in it.
    pub(crate) fn scrub(&self, text: &str) -> String {
        self.secrets
            .iter()
            .fold(text.to_string(), |t, b| b.scrub(&t))
    }

    /// `/repos/acme/api/keys`: the path of `segments`, for a document's source.
    pub(crate) fn path(segments: &[&str]) -> String {
        let mut url = Url::parse("http://x/").expect("a URL");
        url.path_segments_mut()
            .expect("an http URL has a path")
            .pop_if_empty()
            .extend(segments);
        url.path().to_string()
    }

    /// One object (`GET /orgs/acme`).
    pub(crate) async fn get(&self, segments: &[&str]) -> Result<Value, GithubError> {
        let url = self.url(&Method::GET, segments, &[])?;
        let (v, _) = self.send(&Method::GET, &url).await?;
        if !v.is_object() {
            return Err(self.shape(&url, "", "a JSON object"));
        }
        Ok(v)
    }

    /// `POST /app/installations/{id}/access_tokens`: the only POST.
    pub(crate) async fn post(&self, segments: &[&str]) -> Result<Value, GithubError> {
        let url = self.url(&Method::POST, segments, &[])?;
        let (v, _) = self.send(&Method::POST, &url).await?;
        Ok(v)
    }

    /// Every page of a list, merged: one array, or (for [`Items::Under`]) the first page's
    /// object with the key holding every item.
    pub(crate) async fn list(
        &self,
        segments: &[&str],
        params: &[(&str, &str)],
        items: Items,
    ) -> Result<Value, GithubError> {
        let mut query: Vec<(&str, &str)> = params.to_vec();
        query.push(("per_page", PER_PAGE));
        let url = self.url(&Method::GET, segments, &query)?;
        let op = self.check(&Method::GET, &url)?;
        let (mut merged, headers) = self.send(&Method::GET, &url).await?;
        self.check_items(&merged, items, &url)?;
        let mut next = next_link(&headers);
        let mut seen = HashSet::from([url.to_string()]);
        while let Some(text) = next {
            let page = self.next_url(&url, &text, op)?;
            if !seen.insert(page.to_string()) {
                return Err(GithubError::PageLoop {
                    url: self.shown(&url),
                });
            }
            if seen.len() > MAX_PAGES {
                return Err(GithubError::TooManyPages {
                    url: self.shown(&url),
                    pages: MAX_PAGES,
                });
            }
            let (mut v, headers) = self.send(&Method::GET, &page).await?;
            self.check_items(&v, items, &page)?;
            let more = match items {
                Items::Array => v.take(),
                Items::Under(key) => v[key].take(),
            };
            let all = match items {
                Items::Array => &mut merged,
                Items::Under(key) => &mut merged[key],
            };
            if let (Value::Array(all), Value::Array(more)) = (all, more) {
                all.extend(more);
            }
            next = next_link(&headers);
        }
        Ok(merged)
    }

    fn url(
        &self,
        method: &Method,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Url, GithubError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| GithubError::BadUrl {
                url: self.base.to_string(),
                base: "--github-api-url".into(),
                reason: "it cannot have a path".into(),
            })?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.check(method, &url)?;
        Ok(url)
    }

    /// The operation a URL is, when it is on the base's origin, under its path and allowed.
    fn check(&self, method: &Method, url: &Url) -> Result<&'static str, GithubError> {
        let op = self
            .relative(url)
            .and_then(|p| raw::operation_of(method.as_str(), p));
        let verb_ok = *method == Method::GET || *method == Method::POST;
        match op {
            Some(op) if verb_ok => Ok(op),
            _ => Err(GithubError::Refused {
                method: method.to_string(),
                path: self.scrub(&crate::redact::redact(url.path())),
            }),
        }
    }

    /// The path of `url` under the base, when it is on the base's scheme, host and port.
    fn relative<'u>(&self, url: &'u Url) -> Option<&'u str> {
        let same_origin = url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default();
        let prefix = self.base.path().trim_end_matches('/');
        url.path()
            .strip_prefix(prefix)
            .filter(|rest| rest.starts_with('/'))
            .filter(|_| same_origin)
    }

    /// The next page's URL, when it is a page of the same call under the base.
    fn next_url(&self, url: &Url, text: &str, op: &'static str) -> Result<Url, GithubError> {
        let foreign = |next: String| GithubError::ForeignNext {
            url: self.shown(url),
            next,
            base: self.base.to_string(),
        };
        let next =
            Url::parse(text).map_err(|_| foreign(self.scrub(&crate::redact::redact(text))))?;
        let same_call = self
            .relative(&next)
            .and_then(|p| raw::operation_of("GET", p))
            == Some(op);
        if !same_call {
            return Err(foreign(self.shown(&next)));
        }
        Ok(next)
    }

    fn check_items(&self, v: &Value, items: Items, url: &Url) -> Result<(), GithubError> {
        let (list, pointer) = match items {
            Items::Array => (v, String::new()),
            Items::Under(key) => {
                if !v.is_object() {
                    return Err(self.shape(url, "", "a JSON object"));
                }
                (&v[key], format!("/{key}"))
            }
        };
        match list.as_array() {
            Some(a) if a.iter().all(Value::is_object) => Ok(()),
            Some(_) => Err(self.shape(url, &pointer, "a list of objects")),
            None => Err(self.shape(url, &pointer, "a list")),
        }
    }

    fn shape(&self, url: &Url, pointer: &str, expected: &'static str) -> GithubError {
        GithubError::Shape {
            url: self.shown(url),
            pointer: if pointer.is_empty() {
                "the answer".into()
            } else {
                pointer.into()
            },
            expected,
        }
    }

    fn shown(&self, url: &Url) -> String {
        self.scrub(&safe_url(url))
    }

    /// One request: the parsed JSON and the answer's headers, or why not.
    async fn send(&self, method: &Method, url: &Url) -> Result<(Value, HeaderMap), GithubError> {
        self.check(method, url)?;
        let limits = self.limits;
        let reply = crate::net::send_with(
            &limits,
            || {
                let b = self
                    .client
                    .request(method.clone(), url.clone())
                    .header(AUTHORIZATION, self.auth.clone())
                    .header(ACCEPT, MEDIA_TYPE)
                    .header("X-GitHub-Api-Version", raw::API_VERSION);
                if *method == Method::POST {
                    b.body("")
                } else {
                    b
                }
            },
            |a| rate::judge(a, &limits),
        )
        .await
        .map_err(|e| GithubError::Net(e.scrubbed(|t| self.scrub(t))))?;
        let method_name: &'static str = if *method == Method::POST {
            "POST"
        } else {
            "GET"
        };
        if !reply.status.is_success() {
            if let Some(limit) = rate::limit_of(reply.status, &reply.headers, &reply.body) {
                return Err(GithubError::RateLimited {
                    method: method_name,
                    url: self.shown(url),
                    detail: rate::describe(&limit, reply.attempts, &limits, Utc::now()),
                    primary: matches!(limit, rate::Limit::Primary { .. }),
                });
            }
            return Err(GithubError::Status {
                method: method_name,
                url: self.shown(url),
                status: reply.status,
                message: self.scrub(&message_of(&reply.body)),
            });
        }
        let body = self.scrub(&reply.body);
        let value: Value = serde_json::from_str(&body).map_err(|e| GithubError::Malformed {
            url: self.shown(url),
            reason: crate::scan::json::without_position(&e),
            line: e.line(),
            column: e.column(),
        })?;
        Ok((value, reply.headers))
    }
}

fn header_of(bearer: &Bearer) -> Result<HeaderValue, GithubError> {
    let mut auth = HeaderValue::from_str(&format!("Bearer {}", bearer.secret()))
        .map_err(|_| GithubError::BadToken)?;
    auth.set_sensitive(true);
    Ok(auth)
}

/// The `rel="next"` target of a `Link` header (RFC 8288), if any.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(next_in)
}

fn next_in(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let target = &after[..end];
        let params_end = after[end..].find('<').map_or(after.len(), |i| end + i);
        let params = &after[end + 1..params_end];
        let next = params.split(';').any(|p| {
            let Some((name, value)) = p.split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if next {
            return Some(target.to_string());
        }
        rest = &after[params_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(base: &str) -> Api {
        // Nothing listens on port 9: a request that got out would fail, not pass.
        Api::new(
            base,
            Bearer::new("ghp_unitTokenAbcdefghijklmnop0123"),
            &NetLimits::default(),
        )
        .unwrap()
    }

    #[test]
    fn the_next_link_is_found_among_the_others() {
        let h = "<https://api.github.com/orgs/acme/repos?per_page=100&page=2>; rel=\"next\", <https://api.github.com/orgs/acme/repos?per_page=100&page=5>; rel=\"last\"";
        assert_eq!(
            next_in(h).as_deref(),
            Some("https://api.github.com/orgs/acme/repos?per_page=100&page=2")
        );
        let last_first = "<https://x/a?page=1>; rel=\"prev\", <https://x/a?page=3>; rel=\"last\", <https://x/a?page=2>; rel=next";
        assert_eq!(next_in(last_first).as_deref(), Some("https://x/a?page=2"));
        assert_eq!(next_in("<https://x/a?page=1>; rel=\"first\""), None);
        assert_eq!(next_in(""), None);
        assert_eq!(next_in("<unterminated; rel=\"next\""), None);
    }

    #[tokio::test]
    async fn calls_outside_the_allowed_operations_are_refused_before_sending() {
        let api = api("http://127.0.0.1:9");
        for segments in [
            &["repos", "acme", "api", "keys", "1"][..],
            &["user"],
            &["orgs", "acme", "audit-log"],
            &["repos", "acme/../../user", "keys"],
        ] {
            match api.get(segments).await {
                Err(GithubError::Refused { method, .. }) => assert_eq!(method, "GET"),
                other => panic!("{segments:?}: {other:?}"),
            }
        }
        let e = api.url(
            &Method::POST,
            &["orgs", "acme", "personal-access-tokens"],
            &[],
        );
        assert!(matches!(e, Err(GithubError::Refused { .. })));
        let e = api.url(&Method::DELETE, &["repos", "acme", "api", "keys"], &[]);
        assert!(matches!(e, Err(GithubError::Refused { .. })));
        let e = api.url(
            &Method::GET,
            &["app", "installations", "1", "access_tokens"],
            &[],
        );
        assert!(
            matches!(e, Err(GithubError::Refused { .. })),
            "the token POST as a GET"
        );
        assert!(
            api.url(
                &Method::POST,
                &["app", "installations", "1", "access_tokens"],
                &[]
            )
            .is_ok()
        );
    }

    #[test]
    fn a_ghes_base_path_is_kept_and_segments_are_escaped() {
        let api = api("https://ghe.example/api/v3/");
        let u = api
            .url(
                &Method::GET,
                &["orgs", "acme", "members"],
                &[("role", "admin")],
            )
            .unwrap();
        assert_eq!(
            u.as_str(),
            "https://ghe.example/api/v3/orgs/acme/members?role=admin"
        );
        assert_eq!(
            Api::path(&["repos", "acme", "a b?"]),
            "/repos/acme/a%20b%3F"
        );
        // A path outside the base prefix is not this API's.
        let outside = Url::parse("https://ghe.example/orgs/acme/repos").unwrap();
        assert!(api.check(&Method::GET, &outside).is_err());
    }

    #[test]
    fn next_pages_stay_on_the_base_origin_and_the_same_call() {
        let api = api("http://127.0.0.1:9");
        let first = Url::parse("http://127.0.0.1:9/orgs/acme/repos?per_page=100").unwrap();
        let op = "GET /orgs/{id}/repos";
        assert!(
            api.next_url(
                &first,
                "http://127.0.0.1:9/orgs/acme/repos?per_page=100&page=2",
                op
            )
            .is_ok()
        );
        for foreign in [
            "http://localhost:9/orgs/acme/repos?page=2",
            "https://127.0.0.1:9/orgs/acme/repos?page=2",
            "http://127.0.0.1:10/orgs/acme/repos?page=2",
            "http://127.0.0.1:9/orgs/acme/members?page=2",
            "not a url",
        ] {
            match api.next_url(&first, foreign, op) {
                Err(GithubError::ForeignNext { .. }) => {}
                other => panic!("{foreign}: {other:?}"),
            }
        }
    }

    #[test]
    fn every_secret_is_scrubbed() {
        let a = api("http://127.0.0.1:9");
        let b = a
            .with_bearer(Bearer::new("ghs_installationTokenXYZ0123456789"))
            .unwrap();
        let text = "ghp_unitTokenAbcdefghijklmnop0123 and ghs_installationTokenXYZ0123456789";
        let clean = b.scrub(text);
        assert!(
            !clean.contains("unitToken") && !clean.contains("installationToken"),
            "{clean}"
        );
        assert!(matches!(
            Api::new(
                "http://127.0.0.1:9",
                Bearer::new("two\nlines-0123456789"),
                &NetLimits::default()
            ),
            Err(GithubError::BadToken)
        ));
    }
}
