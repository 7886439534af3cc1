//! A fake GitHub REST API on 127.0.0.1 serving a snapshot directory in the estate layout
//! (`github/<org>/*.json`, by default `tests/fixtures/github/estate/`) in the documented
//! shapes (api-shapes §E): every list paged at most [`PAGE`] items a page with a `Link`
//! header (`rel="next"`, `rel="last"`, and `prev`/`first` after the first page), the
//! installations wrapped (`{total_count, installations}`), `x-ratelimit-*` headers on every
//! answer. A request without a known bearer gets 401 `{"message": "Bad credentials"}`. The
//! GitHub App flow is real: `GET /orgs/{org}/installation` and the token POST take only a
//! JWT whose RS256 signature verifies against a key generated for the test run (and whose
//! claims are in bounds), and the installation tokens the POST hands out are accepted after
//! it. The fine-grained token list is refused (403, GitHub's message) to anything but an
//! installation token. A path can be given a fault ([`Fault`]); every request is recorded
//! with the kind of credential it carried ([`Auth`]).

#![allow(dead_code)]

use super::fake_http::{Canned, FakeHttp, Recorded};
use super::gcp_key::{TestKey, jwt_parts};
use jitgap::scan::github::raw;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const ORG: &str = "acme";
pub const PAGE: usize = 2;
pub const APP_ID: u64 = 424242;
pub const INSTALLATION_ID: u64 = 99000001;
/// GitHub's answer to a personal access token on the fine-grained token list.
pub const PAT_REFUSED: &str = "Resource not accessible by personal access token";
pub const SECONDARY_MESSAGE: &str =
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

/// The credential a request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The seeded token.
    Token,
    /// A JWT signed by the App's key, its claims in bounds.
    Jwt,
    /// An installation token this fake issued.
    Installation,
    /// Something else (a wrong token, a JWT that does not verify).
    Bad,
    /// No Authorization header.
    None,
}

/// One request, with the kind of credential it carried.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// The request target under the prefix: path and query.
    pub target: String,
    pub auth: Auth,
    pub request: Recorded,
}

impl Call {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// What a path answers instead of its document.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 403 `Must have admin rights to Repository.`
    Forbidden,
    /// 404 `Not Found`.
    NotFound,
    /// 403 with GitHub's secondary-limit message and this `retry-after` (none: `None`), the
    /// next `times` requests.
    Secondary {
        retry_after: Option<&'static str>,
        times: usize,
    },
    /// 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset: reset_at` (epoch
    /// seconds), the next `times` requests.
    Primary { reset_at: i64, times: usize },
    /// 502 the next `n` requests.
    ServerError(usize),
    /// 200 with a body that is not JSON (the error is on line 3).
    Malformed,
    /// The first page links its next page on `localhost` (another host than the base).
    ForeignNext,
    /// 403 whose message quotes the Authorization header it was sent.
    EchoToken,
}

#[derive(Default)]
struct Shared {
    faults: Vec<(String, Fault)>,
    calls: Vec<Call>,
    issued: Vec<String>,
    jwts: Vec<String>,
}

pub struct FakeGithub {
    pub http: FakeHttp,
    /// The API base URL: `http://127.0.0.1:PORT` and the prefix (`/api/v3` for a GHES-like one).
    pub url: String,
    /// The App's key (its public half checks the JWTs).
    pub key: Arc<TestKey>,
    shared: Arc<Mutex<Shared>>,
}

impl FakeGithub {
    /// Serves the estate to the seeded `token` (and to the App).
    pub fn start(token: &str) -> FakeGithub {
        Self::serve(&estate_dir(), token, "")
    }

    /// Serves the snapshot directory `dir` (the one holding `github/`) under `prefix`.
    pub fn serve(dir: &Path, token: &str, prefix: &str) -> FakeGithub {
        let estate = Arc::new(Estate::load(dir));
        let http = FakeHttp::start();
        let key = Arc::new(TestKey::generate());
        let shared: Arc<Mutex<Shared>> = Arc::default();
        let url = format!("{}{prefix}", http.url);
        let ctx = Arc::new(Ctx {
            estate,
            token: token.to_string(),
            key: key.clone(),
            shared: shared.clone(),
            base: url.clone(),
            foreign: http.url.replace("127.0.0.1", "localhost") + prefix,
            prefix: prefix.to_string(),
        });
        http.handle(move |r| Some(answer(&ctx, r)));
        FakeGithub {
            http,
            url,
            key,
            shared,
        }
    }

    /// Makes `path` (under the prefix, no query) answer `fault`.
    pub fn fault(&self, path: &str, fault: Fault) -> &Self {
        self.shared
            .lock()
            .unwrap()
            .faults
            .push((path.to_string(), fault));
        self
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().unwrap().calls.clone()
    }

    /// The installation tokens handed out.
    pub fn issued(&self) -> Vec<String> {
        self.shared.lock().unwrap().issued.clone()
    }

    /// The JWTs received that verified.
    pub fn jwts(&self) -> Vec<String> {
        self.shared.lock().unwrap().jwts.clone()
    }

    /// The App's private key as GitHub hands it out: PKCS#1 PEM.
    pub fn pkcs1_pem(&self) -> String {
        pkcs1_pem(&self.key.pem)
    }
}

/// The estate snapshot directory (the one holding `manifest.json` and `github/`).
pub fn estate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/github/estate")
}

/// One document of a snapshot directory, parsed; `None` when the file is absent.
pub fn doc_in(dir: &Path, org: &str, name: &str) -> Option<Value> {
    let path = dir.join("github").join(org).join(name);
    let text = std::fs::read_to_string(&path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// One estate document, parsed.
pub fn estate_doc(name: &str) -> Option<Value> {
    doc_in(&estate_dir(), ORG, name)
}

/// A document as a snapshot holds it: without `token_last_eight`.
pub fn without_token_parts(name: &str, mut v: Value) -> Value {
    if name == raw::CREDENTIAL_AUTHORIZATIONS {
        for item in v.as_array_mut().into_iter().flatten() {
            if let Some(o) = item.as_object_mut() {
                o.remove("token_last_eight");
            }
        }
    }
    v
}

/// The documents of every organization folder.
struct Estate {
    orgs: BTreeMap<String, BTreeMap<&'static str, Value>>,
}

impl Estate {
    fn load(dir: &Path) -> Estate {
        let root = dir.join("github");
        let mut orgs = BTreeMap::new();
        for d in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
            let d = d.unwrap().path();
            if !d.is_dir() {
                continue;
            }
            let folder = d.file_name().unwrap().to_string_lossy().into_owned();
            let mut docs = BTreeMap::new();
            for name in raw::DOCUMENTS {
                if let Some(v) = doc_in(dir, &folder, name) {
                    docs.insert(*name, v);
                }
            }
            orgs.insert(folder.to_ascii_lowercase(), docs);
        }
        Estate { orgs }
    }

    fn doc(&self, org: &str, name: &str) -> Option<&Value> {
        self.orgs.get(&org.to_ascii_lowercase())?.get(name)
    }
}

struct Ctx {
    estate: Arc<Estate>,
    token: String,
    key: Arc<TestKey>,
    shared: Arc<Mutex<Shared>>,
    /// Where the `Link` headers point.
    base: String,
    /// The same server under another host name.
    foreign: String,
    prefix: String,
}

/// A GitHub error body.
fn error(status: u16, message: &str) -> Canned {
    Canned::new(
        status,
        json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": status.to_string()})
            .to_string(),
    )
}

fn answer(ctx: &Ctx, r: &Recorded) -> Canned {
    let auth = auth_of(ctx, r);
    let target = r
        .path
        .strip_prefix(&ctx.prefix)
        .unwrap_or("/not-under-the-prefix");
    let url = reqwest::Url::parse(&format!("http://fake{target}")).expect("request target");
    let path = url.path().to_string();
    let (used, fault) = {
        let mut s = ctx.shared.lock().unwrap();
        s.calls.push(Call {
            method: r.method.clone(),
            target: target.to_string(),
            auth,
            request: r.clone(),
        });
        let used = s.calls.len() as i64;
        let i = s.faults.iter().position(|(p, _)| *p == path);
        let fault = i.map(|i| {
            let f = s.faults[i].1.clone();
            let left = match &mut s.faults[i].1 {
                Fault::Secondary { times, .. }
                | Fault::Primary { times, .. }
                | Fault::ServerError(times) => {
                    *times -= 1;
                    Some(*times)
                }
                _ => None,
            };
            if left == Some(0) {
                s.faults.remove(i);
            }
            f
        });
        (used, fault)
    };
    let reset = chrono::Utc::now().timestamp() + 3600;
    let limits = |c: Canned, remaining: i64, reset: i64| {
        c.header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", &remaining.max(0).to_string())
            .header("x-ratelimit-used", &used.to_string())
            .header("x-ratelimit-reset", &reset.to_string())
            .header("x-ratelimit-resource", "core")
    };
    let remaining = 5000 - used;
    match fault {
        Some(Fault::Primary { reset_at, .. }) => {
            let c = error(403, "API rate limit exceeded for installation ID 99000001.");
            return limits(c, 0, reset_at);
        }
        Some(Fault::Secondary { retry_after, .. }) => {
            let mut c = error(403, SECONDARY_MESSAGE);
            if let Some(s) = retry_after {
                c = c.header("retry-after", s);
            }
            return limits(c, remaining, reset);
        }
        Some(Fault::ServerError(_)) => return limits(error(502, "Server Error"), remaining, reset),
        _ => {}
    }
    let c = respond(ctx, r, auth, &url, fault.as_ref());
    limits(c, remaining, reset)
}

fn respond(
    ctx: &Ctx,
    r: &Recorded,
    auth: Auth,
    url: &reqwest::Url,
    fault: Option<&Fault>,
) -> Canned {
    let segs: Vec<String> = url
        .path()
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let not_found = || error(404, "Not Found");
    let bad_credentials = || error(401, "Bad credentials");
    // The App's own calls take its JWT, nothing else; every other call a token.
    let app_call = matches!(
        (r.method.as_str(), s.as_slice()),
        ("GET", ["orgs", _, "installation"])
            | ("POST", ["app", "installations", _, "access_tokens"])
    );
    if app_call && auth != Auth::Jwt {
        return error(401, "A JSON web token could not be decoded");
    }
    if !app_call && !matches!(auth, Auth::Token | Auth::Installation) {
        return bad_credentials();
    }
    match fault {
        Some(Fault::Forbidden) => return error(403, "Must have admin rights to Repository."),
        Some(Fault::NotFound) => return not_found(),
        Some(Fault::EchoToken) => {
            let header = r.header("authorization").unwrap_or_default();
            return error(403, &format!("Resource not accessible with {header}"));
        }
        Some(Fault::Malformed) => {
            return Canned::new(200, "[\n  {\"id\": 1},\n  {\"id\": 2,}\n]\n");
        }
        _ => {}
    }
    match (r.method.as_str(), s.as_slice()) {
        ("GET", ["orgs", org, "installation"]) => {
            if !ctx.estate.orgs.contains_key(&org.to_ascii_lowercase()) {
                return not_found();
            }
            return Canned::new(
                200,
                json!({"id": INSTALLATION_ID, "app_id": APP_ID, "app_slug": "jitgap-reader",
                       "account": {"login": org, "type": "Organization"}, "repository_selection": "all",
                       "access_tokens_url": format!("{}/app/installations/{INSTALLATION_ID}/access_tokens", ctx.base),
                       "permissions": {"administration": "read", "members": "read", "metadata": "read",
                                       "organization_personal_access_tokens": "read"}})
                .to_string(),
            );
        }
        ("POST", ["app", "installations", id, "access_tokens"]) => {
            if *id != INSTALLATION_ID.to_string() {
                return not_found();
            }
            let mut shared = ctx.shared.lock().unwrap();
            let token = format!(
                "ghs_fakeInstallationToken{:04}x{}",
                shared.issued.len(),
                chrono::Utc::now().timestamp_subsec_nanos()
            );
            shared.issued.push(token.clone());
            let expires = chrono::Utc::now() + chrono::Duration::hours(1);
            return Canned::new(
                201,
                json!({"token": token, "expires_at": expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                       "permissions": {"metadata": "read"}, "repository_selection": "all"})
                .to_string(),
            );
        }
        _ => {}
    }
    if r.method != "GET" {
        return not_found();
    }
    let e = &ctx.estate;
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let object = |v: Option<&Value>| {
        v.map(|v| Canned::new(200, v.to_string()))
            .unwrap_or_else(not_found)
    };
    let list = |v: Option<&Value>, key: Option<&str>| match v {
        Some(v) => page(ctx, url, v, key, matches!(fault, Some(Fault::ForeignNext))),
        None => not_found(),
    };
    match s.as_slice() {
        ["orgs", org] => object(e.doc(org, raw::ORG)),
        ["orgs", org, "repos"] => {
            if query("type").as_deref() != Some("all") {
                return error(422, "fake: jitgap asks for type=all");
            }
            list(e.doc(org, raw::REPOS), None)
        }
        ["repos", owner, repo, "keys"] => {
            let full = format!("{owner}/{repo}");
            list(
                e.doc(owner, raw::DEPLOY_KEYS).and_then(|k| k.get(&full)),
                None,
            )
        }
        [
            "repos",
            owner,
            repo,
            "actions",
            "oidc",
            "customization",
            "sub",
        ] => {
            let full = format!("{owner}/{repo}");
            object(
                e.doc(owner, raw::OIDC_SUB)
                    .and_then(|o| o["repos"].get(&full)),
            )
        }
        ["orgs", org, "actions", "oidc", "customization", "sub"] => object(
            e.doc(org, raw::OIDC_SUB)
                .map(|o| &o["org"])
                .filter(|v| !v.is_null()),
        ),
        ["orgs", org, "installations"] => {
            list(e.doc(org, raw::INSTALLATIONS), Some("installations"))
        }
        ["apps", slug] => object(
            e.orgs
                .values()
                .find_map(|d| d.get(raw::APPS).and_then(|a| a.get(*slug))),
        ),
        ["orgs", org, "personal-access-tokens"] => {
            if auth != Auth::Installation {
                return error(403, PAT_REFUSED);
            }
            list(e.doc(org, raw::PATS), None)
        }
        ["orgs", org, "credential-authorizations"] => {
            list(e.doc(org, raw::CREDENTIAL_AUTHORIZATIONS), None)
        }
        ["orgs", org, "members"] => {
            if query("role").as_deref() != Some("admin") {
                return error(422, "fake: only role=admin is served");
            }
            list(e.doc(org, raw::ADMINS), None)
        }
        _ => not_found(),
    }
}

/// One page of `doc` (its items under `key`, or the array itself), with the `Link` header.
fn page(ctx: &Ctx, url: &reqwest::Url, doc: &Value, key: Option<&str>, foreign: bool) -> Canned {
    let items = match key {
        Some(k) => doc[k].as_array().cloned().unwrap_or_default(),
        None => doc.as_array().cloned().unwrap_or_default(),
    };
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let size = param("per_page").filter(|n| *n > 0).unwrap_or(30).min(PAGE);
    let number = param("page").filter(|n| *n > 0).unwrap_or(1);
    let last = items.len().div_ceil(size).max(1);
    let chunk: Vec<Value> = items
        .iter()
        .skip((number - 1) * size)
        .take(size)
        .cloned()
        .collect();
    let body = match key {
        Some(k) => {
            let mut v = doc.clone();
            v[k] = Value::Array(chunk);
            v
        }
        None => Value::Array(chunk),
    };
    let link_to = |base: &str, n: usize| {
        let mut u = reqwest::Url::parse(&format!("{base}{}", url.path())).unwrap();
        {
            let mut q = u.query_pairs_mut();
            for (k, v) in url.query_pairs().filter(|(k, _)| k != "page") {
                q.append_pair(&k, &v);
            }
            q.append_pair("page", &n.to_string());
        }
        u.to_string()
    };
    let mut links = Vec::new();
    if number < last {
        let base = if foreign { &ctx.foreign } else { &ctx.base };
        links.push(format!("<{}>; rel=\"next\"", link_to(base, number + 1)));
        links.push(format!("<{}>; rel=\"last\"", link_to(&ctx.base, last)));
    }
    if number > 1 {
        links.push(format!(
            "<{}>; rel=\"prev\"",
            link_to(&ctx.base, number - 1)
        ));
        links.push(format!("<{}>; rel=\"first\"", link_to(&ctx.base, 1)));
    }
    let c = Canned::new(200, body.to_string());
    if links.is_empty() {
        c
    } else {
        c.header("Link", &links.join(", "))
    }
}

/// The credential of a request.
fn auth_of(ctx: &Ctx, r: &Recorded) -> Auth {
    let Some(header) = r.header("authorization") else {
        return Auth::None;
    };
    let Some(value) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("token "))
    else {
        return Auth::Bad;
    };
    if value == ctx.token {
        return Auth::Token;
    }
    if ctx.shared.lock().unwrap().issued.iter().any(|t| t == value) {
        return Auth::Installation;
    }
    if value.split('.').count() == 3 && ctx.key.verifies(value) && claims_ok(value) {
        ctx.shared.lock().unwrap().jwts.push(value.to_string());
        return Auth::Jwt;
    }
    Auth::Bad
}

/// RS256, issued by the App, valid now, for at most ten minutes.
fn claims_ok(jwt: &str) -> bool {
    let (header, claims) = jwt_parts(jwt);
    let now = chrono::Utc::now().timestamp();
    let (iat, exp) = (claims["iat"].as_i64(), claims["exp"].as_i64());
    let iss = match &claims["iss"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    header["alg"] == "RS256"
        && iss == APP_ID.to_string()
        && matches!((iat, exp), (Some(i), Some(e)) if i <= now && e > now && e - i <= 600)
}

/// A PKCS#8 PEM RSA key as PKCS#1 (`BEGIN RSA PRIVATE KEY`): the `privateKey` octet string
/// of the `PrivateKeyInfo`.
pub fn pkcs1_pem(pkcs8_pem: &str) -> String {
    let body: String = pkcs8_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64_decode(&body);
    // SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING privateKey }
    let (_, inner) = der_element(&der, 0x30);
    let (rest, _) = der_element(inner, 0x02);
    let (rest, _) = der_element(rest, 0x30);
    let (_, key) = der_element(rest, 0x04);
    let text = base64_encode(key);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        lines.join("\n")
    )
}

/// (what follows, contents) of the DER element of `tag` at the start of `der`.
fn der_element(der: &[u8], tag: u8) -> (&[u8], &[u8]) {
    assert_eq!(der[0], tag, "DER tag");
    let (len, head) = match der[1] {
        n if n < 0x80 => (n as usize, 2),
        n => {
            let k = (n & 0x7f) as usize;
            let len = der[2..2 + k]
                .iter()
                .fold(0usize, |a, b| (a << 8) | *b as usize);
            (len, 2 + k)
        }
    };
    (&der[head + len..], &der[head..head + len])
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = B64.iter().position(|x| *x == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
