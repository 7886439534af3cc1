//! A tiny HTTP/1.1 server on 127.0.0.1 for the HTTP-API tests (Vault, …): it replays canned
//! answers chosen by method, request target (path with query) and optionally a piece of the
//! body, and records every request (method, target, headers, body) so a test can check what
//! was sent — the auth header, and that only read calls were made. A route can also answer a
//! sequence ([`FakeHttp::on_seq`]: e.g. 429 with `Retry-After: 0` twice, then 200), the last
//! answer repeating once the sequence is spent.
//!
//! A handler ([`FakeHttp::handle`]) can answer what no route matches, computed from the
//! request (a paged API served from files, say).
//!
//! Each connection serves one request and is closed (`Connection: close`). A request no
//! route or handler answers gets `404 {"errors":["fake server: no canned answer for METHOD TARGET"]}`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request as the server received it. Header names are lower-case.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The request target: path and query, e.g. `/v1/sys/leases/lookup/x/?list=true`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One canned answer: status, JSON body and extra headers.
#[derive(Debug, Clone)]
pub struct Canned {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Canned {
    pub fn new(status: u16, body: impl Into<String>) -> Canned {
        Canned {
            status,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// Adds a response header, e.g. `("Retry-After", "0")`.
    pub fn header(mut self, name: &str, value: &str) -> Canned {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

struct Route {
    method: String,
    path: String,
    body_contains: Option<String>,
    /// How many more times this route answers (`None` = always).
    remaining: Option<usize>,
    /// Answered in order; the last one repeats.
    answers: Vec<Canned>,
    served: usize,
}

/// Answers a request no route matched; `None` falls through to the 404.
pub type Handler = Arc<dyn Fn(&Recorded) -> Option<Canned> + Send + Sync>;

#[derive(Default)]
struct State {
    routes: Vec<Route>,
    requests: Vec<Recorded>,
    handler: Option<Handler>,
}

pub struct FakeHttp {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeHttp {
    pub fn start() -> FakeHttp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let state = state.clone();
                        std::thread::spawn(move || serve(stream, &state));
                    }
                }
            })
        };
        FakeHttp {
            url: format!("http://127.0.0.1:{port}"),
            port,
            state,
            stop,
            thread: Some(thread),
        }
    }

    /// Answer `method target` with `status` and `body` (JSON), every time.
    pub fn on(&self, method: &str, path: &str, status: u16, body: impl Into<String>) -> &Self {
        self.add(method, path, None, None, vec![Canned::new(status, body)])
    }

    /// Answer `method target` with `answers` in turn, the last one for every later request.
    pub fn on_seq(&self, method: &str, path: &str, answers: Vec<Canned>) -> &Self {
        assert!(!answers.is_empty(), "on_seq needs at least one answer");
        self.add(method, path, None, None, answers)
    }

    /// Answer `method target` whose body contains `body_contains`.
    pub fn on_body(
        &self,
        method: &str,
        path: &str,
        body_contains: &str,
        status: u16,
        body: impl Into<String>,
    ) -> &Self {
        self.add(
            method,
            path,
            Some(body_contains.to_string()),
            None,
            vec![Canned::new(status, body)],
        )
    }

    /// Answer `method target` only the next `times` times; later requests fall through to
    /// the routes added after this one.
    pub fn on_times(
        &self,
        method: &str,
        path: &str,
        times: usize,
        status: u16,
        body: impl Into<String>,
    ) -> &Self {
        self.add(
            method,
            path,
            None,
            Some(times),
            vec![Canned::new(status, body)],
        )
    }

    fn add(
        &self,
        method: &str,
        path: &str,
        body_contains: Option<String>,
        remaining: Option<usize>,
        answers: Vec<Canned>,
    ) -> &Self {
        self.state.lock().unwrap().routes.push(Route {
            method: method.to_string(),
            path: path.to_string(),
            body_contains,
            remaining,
            answers,
            served: 0,
        });
        self
    }

    /// Answer whatever no route matches with `handler` (called outside the server's lock).
    pub fn handle(&self, handler: impl Fn(&Recorded) -> Option<Canned> + Send + Sync + 'static) {
        self.state.lock().unwrap().handler = Some(Arc::new(handler));
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for FakeHttp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wakes the accept loop
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(request) = read_request(&stream) else {
        return;
    };
    let (routed, handler) = {
        let mut state = state.lock().unwrap();
        state.requests.push(request.clone());
        let route = state.routes.iter_mut().find(|r| {
            r.method.eq_ignore_ascii_case(&request.method)
                && r.path == request.path
                && r.remaining != Some(0)
                && r.body_contains
                    .as_ref()
                    .is_none_or(|needle| request.body.contains(needle.as_str()))
        });
        let routed = route.map(|r| {
            if let Some(n) = r.remaining.as_mut() {
                *n -= 1;
            }
            let answer = r.answers[r.served.min(r.answers.len() - 1)].clone();
            r.served += 1;
            answer
        });
        (routed, state.handler.clone())
    };
    let answer = routed
        .or_else(|| handler.and_then(|h| h(&request)))
        .unwrap_or_else(|| {
            Canned::new(
                404,
                serde_json::json!({ "errors": [format!(
                    "fake server: no canned answer for {} {}",
                    request.method, request.path
                )] })
                .to_string(),
            )
        });
    let extra: String = answer
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{}",
        answer.status,
        reason(answer.status),
        answer.body.len(),
        answer.body
    );
    let _ = stream.flush();
}

fn read_request(stream: &TcpStream) -> Option<Recorded> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((name, value)) = h.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
