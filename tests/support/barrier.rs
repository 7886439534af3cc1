//! TCP proxies that show whether clients were connected at the same time, without clocks.
//!
//! A [`Barrier`] is shared by several [`BarrierProxy`]s, each in front of one real server.
//! A proxy accepts its first connection and forwards no byte of it until every proxy of the
//! barrier holds a client (the barrier is *full*) or a safety deadline, counted from the
//! first client, has passed. Once open the barrier stays open: later connections are
//! forwarded at once. The barrier records how it opened and which proxies held a client at
//! that moment, so a test asserts on what happened, not on how long it took: a client that
//! waits for its answer before the next one connects can never fill it.
//!
//! [`SilentServer`] accepts connections and never answers: a server that hangs.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Why the barrier opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Every proxy held a client at once.
    Full,
    /// The safety deadline passed first.
    Deadline,
}

/// How the barrier opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub release: Release,
    /// The proxies holding a client when it opened, in arrival order.
    pub held: Vec<String>,
}

/// One first connection a proxy accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub proxy: String,
    /// Whether it came while the barrier was still closed (and so was held).
    pub while_closed: bool,
}

#[derive(Default)]
struct State {
    held: Vec<String>,
    first_at: Option<Instant>,
    opened: Option<Opening>,
    arrivals: Vec<Arrival>,
}

pub struct Barrier {
    parties: usize,
    deadline: Duration,
    state: Mutex<State>,
    changed: Condvar,
}

impl Barrier {
    /// A barrier for `parties` proxies that opens at the latest `deadline` after the first
    /// client arrived.
    pub fn new(parties: usize, deadline: Duration) -> Arc<Barrier> {
        Arc::new(Barrier {
            parties,
            deadline,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        })
    }

    /// How it opened; `None` while no client arrived or it is still closed.
    pub fn opening(&self) -> Option<Opening> {
        self.lock().opened.clone()
    }

    /// Every proxy's first connection, in arrival order.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.lock().arrivals.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `proxy` holds a client: blocks until the barrier is open.
    fn arrive(&self, proxy: &str) {
        let mut s = self.lock();
        let while_closed = s.opened.is_none();
        s.arrivals.push(Arrival {
            proxy: proxy.to_string(),
            while_closed,
        });
        if !while_closed {
            return;
        }
        s.held.push(proxy.to_string());
        let first_at = *s.first_at.get_or_insert_with(Instant::now);
        if s.held.len() == self.parties {
            s.opened = Some(Opening {
                release: Release::Full,
                held: s.held.clone(),
            });
            self.changed.notify_all();
            return;
        }
        let until = first_at + self.deadline;
        while s.opened.is_none() {
            let now = Instant::now();
            if now >= until {
                s.opened = Some(Opening {
                    release: Release::Deadline,
                    held: s.held.clone(),
                });
                self.changed.notify_all();
                break;
            }
            s = self
                .changed
                .wait_timeout(s, until - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// A listener on 127.0.0.1 whose accept loop stops when it is dropped.
struct Listener {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    fn spawn(what: &str, on_accept: impl FnMut(TcpStream) + Send + 'static) -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("bind a port on 127.0.0.1 for {what}: {e}"));
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let mut on_accept = on_accept;
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    on_accept(conn);
                }
            }
        });
        Listener {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A proxy on 127.0.0.1 in front of `127.0.0.1:<upstream>`, its first client held by a
/// [`Barrier`].
pub struct BarrierProxy {
    pub name: String,
    listener: Listener,
}

impl BarrierProxy {
    pub fn start(name: &str, barrier: &Arc<Barrier>, upstream: u16) -> BarrierProxy {
        let (barrier, proxy) = (barrier.clone(), name.to_string());
        let mut first = true;
        let listener = Listener::spawn(name, move |client| {
            let held = std::mem::replace(&mut first, false);
            let (barrier, proxy) = (barrier.clone(), proxy.clone());
            std::thread::spawn(move || {
                if held {
                    barrier.arrive(&proxy);
                }
                forward(client, upstream);
            });
        });
        BarrierProxy {
            name: name.to_string(),
            listener,
        }
    }

    pub fn port(&self) -> u16 {
        self.listener.port
    }
}

/// Copies bytes both ways between `client` and the upstream server until either side ends.
fn forward(client: TcpStream, upstream: u16) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return;
    };
    let (Ok(client_r), Ok(server_w)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || pipe(client_r, server_w));
    pipe(server, client);
    let _ = up.join();
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// Accepts connections on 127.0.0.1 and never sends a byte; each connection stays open
/// until the client closes it or the server is dropped.
pub struct SilentServer {
    listener: Listener,
    accepted: Arc<Mutex<Vec<TcpStream>>>,
}

impl SilentServer {
    pub fn start() -> SilentServer {
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let keep = accepted.clone();
        let listener = Listener::spawn("a silent server", move |conn| {
            keep.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
        });
        SilentServer { listener, accepted }
    }

    pub fn port(&self) -> u16 {
        self.listener.port
    }

    /// Connections accepted so far (the wake-up connection of a drop is never counted).
    pub fn accepted(&self) -> usize {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}
