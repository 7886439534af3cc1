//! Why a connection or one read of the collector failed; every message starts with the scope.

use crate::scan::sql_guard::RefusedStatement;

/// The connection to a scope could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("{scope}: cannot connect to {shown_url}: {source}")]
    Tls {
        scope: String,
        shown_url: String,
        source: crate::db_tls::TlsError,
    },
    #[error("{scope}: cannot connect: no answer within {secs}s")]
    Timeout { scope: String, secs: u64 },
    /// The server's or the driver's refusal, as the collector words it (with its hint).
    #[error("{0}")]
    Refused(String),
}

/// One statement could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("{scope}: {what}: {source}")]
    Refused {
        scope: String,
        what: String,
        source: RefusedStatement,
    },
    #[error("{scope}: reading {what} failed: no answer within {secs}s (cancelled)")]
    Timeout {
        scope: String,
        what: String,
        secs: u64,
    },
    /// `detail` is the server's `SEVERITY CODE: message`, or the driver's error chain.
    #[error("{scope}: reading {what} failed: {detail}")]
    Failed {
        scope: String,
        what: String,
        detail: String,
    },
    #[error("{scope}: reading {what}: the server sent no JSON: {source}")]
    NotJson {
        scope: String,
        what: String,
        source: serde_json::Error,
    },
}
