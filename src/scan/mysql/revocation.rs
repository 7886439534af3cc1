//! Revocation signals from the process list (pure).
//!
//! Facts these rest on (reproduced on MariaDB 10.11.19; see the live tests):
//! - `ALTER USER … ACCOUNT LOCK` refuses new logins (`ERROR 4151 … this account is locked`)
//!   but a session opened before the lock keeps working: the lock is not effective until
//!   the session ends (`KILL <id>`).
//! - An expired password refuses normal new logins, but sessions already open go on.
//! - `DROP USER` leaves open sessions connected. Schema- and table-level grants stop applying
//!   on the next statement, but global privileges (`ON *.*`) held at login stay with the
//!   session until it ends. MySQL documents that DROP USER takes effect only when the
//!   session closes.
//!
//! Without PROCESS the process list shows the reader's own sessions only, so "no session"
//! proves nothing: such checks are `inconclusive`, never `effective`.

use super::BOUNDARY;
use super::catalog::{Account, Process};
use super::normalize::{Scope, account_id};
use crate::model::{Evidence, Revocation, Session, Severity, Signal};

pub const LOCKED: &str = "mysql-session-on-locked-account";
pub const EXPIRED: &str = "mysql-session-after-password-expiry";
pub const DROPPED: &str = "mysql-session-of-dropped-account";
pub const UNVERIFIED: &str = "mysql-revocation-unverified";

/// Process-list users that are the server's own threads, not accounts.
const PSEUDO_USERS: &[&str] = &[
    "system user",
    "event_scheduler",
    "unauthenticated user",
    "delayed",
    "delayed insert",
];

pub(super) fn signals(s: &mut Scope<'_>) {
    let cat = s.cat;
    let logins: Vec<(usize, &Account)> = cat
        .accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.is_role)
        .collect();
    // Each session goes to the account the server most likely authenticated it as.
    let mut sessions: Vec<Vec<usize>> = vec![Vec::new(); cat.accounts.len()];
    for (p, proc_) in cat.processlist.iter().enumerate() {
        let user = proc_.user.as_str();
        if user.is_empty() || PSEUDO_USERS.contains(&user.to_ascii_lowercase().as_str()) {
            continue;
        }
        let candidates: Vec<&(usize, &Account)> =
            logins.iter().filter(|(_, a)| a.user == user).collect();
        let client = client_host(&proc_.host);
        if candidates.is_empty() {
            if !cat.accounts.is_empty() && !s.roles.iter().any(|r| r.0 == user) {
                dropped(s, p, proc_);
            }
            session(s, p, proc_, &account_id(&s.scope, user, client));
            continue;
        }
        let best = candidates
            .iter()
            .filter_map(|(i, a)| host_rank(&a.host, client).map(|r| (r, *i)))
            .min();
        let owners: Vec<usize> = match best {
            Some((_, i)) => vec![i],
            // No host pattern matches (name resolution, proxies): every candidate keeps it.
            None => candidates.iter().map(|(i, _)| *i).collect(),
        };
        for i in owners {
            sessions[i].push(p);
            let a = &cat.accounts[i];
            session(s, p, proc_, &account_id(&s.scope, &a.user, &a.host));
        }
    }
    for (i, a) in logins {
        if s.is_system(a) {
            continue;
        }
        if a.account_locked == Some(true) {
            judge(
                s,
                i,
                a,
                &sessions[i],
                LOCKED,
                "account-lock",
                "the account is locked (ACCOUNT LOCK)".to_string(),
            );
        }
        if let Some(at) = s.password_expiry(a) {
            let what = match at {
                Some(t) => format!(
                    "the account's password expired {} (password lifetime)",
                    t.to_rfc3339()
                ),
                None => "the account's password is expired (PASSWORD EXPIRE)".to_string(),
            };
            judge(s, i, a, &sessions[i], EXPIRED, "password-expiry", what);
        }
    }
}

/// A session as revocation evidence in the inventory.
fn session(s: &mut Scope<'_>, p: usize, proc_: &Process, identity: &str) {
    let state = match proc_.state.as_deref().filter(|st| !st.is_empty()) {
        Some(st) => format!("{}: {st}", proc_.command),
        None => proc_.command.clone(),
    };
    let ev = s
        .ev(format!("/processlist/{p}"))
        .with_excerpt(session_excerpt(proc_));
    s.inv.sessions.push(Session {
        boundary: BOUNDARY,
        scope: s.scope.clone().into(),
        identity: identity.into(),
        id: proc_.id.to_string(),
        started_at: None,
        state,
        evidence: vec![ev],
    });
}

fn session_excerpt(p: &Process) -> String {
    format!(
        "id={} user={} host={} db={} command={} time={}s",
        p.id,
        p.user,
        p.host,
        p.db.as_deref().unwrap_or("NULL"),
        p.command,
        p.time.map(|t| t.to_string()).unwrap_or_else(|| "?".into())
    )
}

fn judge(
    s: &mut Scope<'_>,
    index: usize,
    a: &Account,
    sessions: &[usize],
    kind: &str,
    entitlement: &str,
    what: String,
) {
    let cat = s.cat;
    let id = account_id(&s.scope, &a.user, &a.host);
    let name = format!("'{}'@'{}'", a.user, a.host);
    let mut evidence = vec![s.ev(format!("/accounts/{index}"))];
    let (kind, revocation, severity, message) = if !sessions.is_empty() {
        let ids: Vec<String> = sessions
            .iter()
            .map(|p| cat.processlist[*p].id.to_string())
            .collect();
        for p in sessions {
            evidence.push(
                s.ev(format!("/processlist/{p}"))
                    .with_excerpt(session_excerpt(&cat.processlist[*p])),
            );
        }
        let noun = if ids.len() == 1 {
            "session"
        } else {
            "sessions"
        };
        (
            kind,
            Revocation::NotEffective,
            None,
            format!(
                "{name}: {what}, but {noun} {} still open: an open session keeps working; end it with KILL {}",
                ids.join(", "),
                ids.join(", KILL ")
            ),
        )
    } else if cat.can_see_all_processes {
        evidence.push(s.ev("/processlist").with_excerpt(format!(
            "no session of {name} among {} sessions (reader holds PROCESS)",
            cat.processlist.len()
        )));
        (
            kind,
            Revocation::Effective,
            Some(Severity::Info),
            format!("{name}: {what} and no session of it is open"),
        )
    } else {
        evidence.push(
            s.ev("/can_see_all_processes")
                .with_excerpt("false: the reader lacks PROCESS"),
        );
        (
            UNVERIFIED,
            Revocation::Inconclusive,
            None,
            format!(
                "{name}: {what}, but the reader lacks PROCESS and sees only its own sessions: whether a session of it is still open is unknown"
            ),
        )
    };
    s.inv.signals.push(Signal {
        kind: kind.into(),
        boundary: BOUNDARY,
        scope: s.scope.clone().into(),
        identity: id.into(),
        entitlement: entitlement.into(),
        target: s.scope.clone().into(),
        message,
        revocation: Some(revocation),
        severity,
        at: None,
        evidence,
    });
}

fn dropped(s: &mut Scope<'_>, p: usize, proc_: &Process) {
    let host = client_host(&proc_.host);
    let ev: Evidence = s
        .ev(format!("/processlist/{p}"))
        .with_excerpt(session_excerpt(proc_));
    let flavor_note = if s.cat.flavor == "mariadb" {
        "on MariaDB its schema- and table-level grants stop applying at once, but global privileges (ON *.*) held at login stay with the session until it ends"
    } else {
        "MySQL documents that DROP USER takes effect only when the account's sessions close"
    };
    s.inv.signals.push(Signal {
        kind: DROPPED.into(),
        boundary: BOUNDARY,
        scope: s.scope.clone().into(),
        identity: (account_id(&s.scope, &proc_.user, host)).into(),
        entitlement: "connection".into(),
        target: s.scope.clone().into(),
        message: format!(
            "session {} of user {} from {} is still connected, but no account named {} exists any more (dropped while connected); {flavor_note}; end it with KILL {}",
            proc_.id, proc_.user, proc_.host, proc_.user, proc_.id
        ),
        revocation: Some(Revocation::Inconclusive),
        severity: None,
        at: None,
        evidence: vec![ev],
    });
}

/// The client host of a process-list `HOST` (`10.0.0.5:50412` → `10.0.0.5`).
pub(crate) fn client_host(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// How well an account host pattern matches a client host: `None` = no match; lower is more
/// specific (a literal host, then patterns with the longest literal prefix, then `%`).
pub(crate) fn host_rank(pattern: &str, client: &str) -> Option<(u8, usize)> {
    if pattern.is_empty() || pattern == "%" {
        return Some((2, 0));
    }
    if let Some((net, mask)) = pattern.split_once('/') {
        return ipv4_in(net, mask, client).then_some((0, usize::MAX - net.len()));
    }
    if !pattern.contains(['%', '_']) {
        return pattern.eq_ignore_ascii_case(client).then_some((0, 0));
    }
    let prefix = pattern.find(['%', '_']).unwrap_or(pattern.len());
    like(pattern.as_bytes(), client.to_ascii_lowercase().as_bytes())
        .then_some((1, usize::MAX - prefix))
}

fn like(p: &[u8], t: &[u8]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some(b'%') => (0..=t.len()).any(|i| like(&p[1..], &t[i..])),
        Some(b'_') => !t.is_empty() && like(&p[1..], &t[1..]),
        Some(c) => t.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && like(&p[1..], &t[1..]),
    }
}

fn ipv4_in(net: &str, mask: &str, client: &str) -> bool {
    let parse = |t: &str| t.parse::<std::net::Ipv4Addr>().ok().map(u32::from);
    let (Some(n), Some(c)) = (parse(net), parse(client)) else {
        return false;
    };
    let m = match mask.parse::<u32>() {
        Ok(bits) if bits <= 32 => u32::MAX.checked_shl(32 - bits).unwrap_or(0),
        _ => match parse(mask) {
            Some(m) => m,
            None => return false,
        },
    };
    n & m == c & m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(client_host("10.0.0.5:50412"), "10.0.0.5");
        assert_eq!(client_host("localhost"), "localhost");
        assert_eq!(client_host("::1:5000"), "::1");
        assert!(host_rank("%", "10.0.0.5").is_some());
        assert!(host_rank("10.0.%", "10.0.0.5").is_some());
        assert!(host_rank("10.1.%", "10.0.0.5").is_none());
        assert!(host_rank("127.0.0.1", "127.0.0.1").is_some());
        assert!(host_rank("10.0.0.0/255.255.255.0", "10.0.0.5").is_some());
        assert!(host_rank("10.0.0.0/24", "10.0.1.5").is_none());
        assert!(host_rank("127.0.0.1", "127.0.0.1") < host_rank("127.0.%", "127.0.0.1"));
        assert!(host_rank("127.0.%", "127.0.0.1") < host_rank("%", "127.0.0.1"));
    }
}
