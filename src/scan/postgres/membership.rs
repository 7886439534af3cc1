//! Role membership as a graph: which roles a login role reaches, and how.
//!
//! A membership edge passes privileges on by inheritance when its `inherit_option` is true
//! (PostgreSQL 16+) or, on older servers, when the member has `rolinherit`. It lets the member
//! `SET ROLE` to the granted role when its `set_option` is true (16+; always before 16).
//! Role attributes (SUPERUSER, CREATEROLE, …) are never inherited: they are used through
//! `SET ROLE` only. A chain counts only when every edge on it allows the same thing.

use super::catalog::{AuthMember, Role, RoleRef};
use std::collections::{HashMap, VecDeque};

#[derive(Debug, Clone, Copy)]
struct Edge {
    /// Index of the row in `auth_members`.
    row: usize,
    /// Index of the granted role in `roles`.
    role: usize,
    inherit: bool,
    set: bool,
}

/// How a login role reaches another role: the `auth_members` rows of the shortest chain
/// that inherits, and of the shortest chain that allows `SET ROLE`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Reach {
    pub role: usize,
    pub inherit_chain: Option<Vec<usize>>,
    pub set_chain: Option<Vec<usize>>,
}

impl Reach {
    /// The chain to show: inheritance first, else the `SET ROLE` one.
    pub fn chain(&self) -> &[usize] {
        self.inherit_chain
            .as_deref()
            .or(self.set_chain.as_deref())
            .unwrap_or_default()
    }
}

pub(crate) struct Graph<'a> {
    roles: &'a [Role],
    members: &'a [AuthMember],
    by_oid: HashMap<i64, usize>,
    by_name: HashMap<&'a str, usize>,
    /// Outgoing edges per member role.
    edges: Vec<Vec<Edge>>,
}

impl<'a> Graph<'a> {
    pub fn new(roles: &'a [Role], members: &'a [AuthMember]) -> Self {
        let by_oid = roles
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.oid.map(|o| (o, i)))
            .collect();
        let by_name = roles
            .iter()
            .enumerate()
            .map(|(i, r)| (r.rolname.as_str(), i))
            .collect();
        let mut g = Graph {
            roles,
            members,
            by_oid,
            by_name,
            edges: vec![Vec::new(); roles.len()],
        };
        for (row, m) in members.iter().enumerate() {
            let (Some(member), Some(role)) = (g.resolve(&m.member), g.resolve(&m.roleid)) else {
                continue; // a row naming a role dropped between two reads
            };
            let inherit = m.inherit_option.unwrap_or(roles[member].rolinherit);
            let set = m.set_option.unwrap_or(true);
            g.edges[member].push(Edge {
                row,
                role,
                inherit,
                set,
            });
        }
        g
    }

    pub fn resolve(&self, r: &RoleRef) -> Option<usize> {
        match r {
            RoleRef::Oid(o) => self.by_oid.get(o).copied(),
            RoleRef::Name(n) => self.by_name.get(n.as_str()).copied(),
        }
    }

    pub fn by_name(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn by_oid(&self, oid: i64) -> Option<usize> {
        self.by_oid.get(&oid).copied()
    }

    /// Every role `start` reaches through an inheriting or a `SET ROLE` chain, itself excluded,
    /// in name order.
    pub fn reach(&self, start: usize) -> Vec<Reach> {
        let inherit = self.bfs(start, |e| e.inherit);
        let set = self.bfs(start, |e| e.set);
        let mut out: Vec<Reach> = (0..self.roles.len())
            .filter(|&i| i != start && (inherit.contains_key(&i) || set.contains_key(&i)))
            .map(|i| Reach {
                role: i,
                inherit_chain: inherit.get(&i).cloned(),
                set_chain: set.get(&i).cloned(),
            })
            .collect();
        out.sort_by(|a, b| self.roles[a.role].rolname.cmp(&self.roles[b.role].rolname));
        out
    }

    /// Is `role` a member of `group`, directly or through other groups, whatever the options?
    /// (How `+group` in pg_hba.conf matches.)
    pub fn is_member(&self, role: usize, group: usize) -> bool {
        role == group || self.bfs(role, |_| true).contains_key(&group)
    }

    /// Shortest chains (as `auth_members` rows) from `start` along edges that pass `ok`.
    fn bfs(&self, start: usize, ok: impl Fn(&Edge) -> bool) -> HashMap<usize, Vec<usize>> {
        let mut seen: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut queue = VecDeque::from([(start, Vec::new())]);
        while let Some((at, chain)) = queue.pop_front() {
            for e in self.edges[at].iter().filter(|e| ok(e)) {
                if e.role == start || seen.contains_key(&e.role) {
                    continue;
                }
                let mut next = chain.clone();
                next.push(e.row);
                seen.insert(e.role, next.clone());
                queue.push_back((e.role, next));
            }
        }
        seen
    }

    /// `svc → grp_a → grp_b` for a chain of rows starting at `start`.
    pub fn describe(&self, start: usize, chain: &[usize]) -> String {
        let mut names = vec![self.roles[start].rolname.clone()];
        for row in chain {
            if let Some(r) = self.resolve(&self.members[*row].roleid) {
                names.push(self.roles[r].rolname.clone());
            }
        }
        names.join(" → ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str, oid: i64, inherit: bool) -> Role {
        Role {
            rolname: name.into(),
            oid: Some(oid),
            rolinherit: inherit,
            ..Default::default()
        }
    }

    fn edge(role: i64, member: i64, inherit: Option<bool>, set: Option<bool>) -> AuthMember {
        AuthMember {
            roleid: RoleRef::Oid(role),
            member: RoleRef::Oid(member),
            admin_option: false,
            inherit_option: inherit,
            set_option: set,
        }
    }

    #[test]
    fn two_levels_inherit_on_15() {
        let roles = vec![role("svc", 1, true), role("a", 2, true), role("b", 3, true)];
        let members = vec![edge(2, 1, None, None), edge(3, 2, None, None)];
        let g = Graph::new(&roles, &members);
        let r = g.reach(0);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].role, 2);
        assert_eq!(r[1].inherit_chain.as_deref(), Some(&[0, 1][..]));
        assert_eq!(g.describe(0, r[1].chain()), "svc → a → b");
    }

    #[test]
    fn noinherit_member_on_15_reaches_by_set_role_only() {
        let roles = vec![role("svc", 1, false), role("a", 2, true)];
        let members = vec![edge(2, 1, None, None)];
        let r = Graph::new(&roles, &members).reach(0);
        assert_eq!(r[0].inherit_chain, None);
        assert_eq!(r[0].set_chain.as_deref(), Some(&[0][..]));
    }

    #[test]
    fn options_of_16_decide_per_grant() {
        // rolinherit is only the default for new grants on 16: the row decides.
        let roles = vec![
            role("svc", 1, false),
            role("a", 2, true),
            role("b", 3, true),
        ];
        let members = vec![
            edge(2, 1, Some(true), Some(false)),
            edge(3, 1, Some(false), Some(false)),
        ];
        let g = Graph::new(&roles, &members);
        let r = g.reach(0);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].role, 1);
        assert!(r[0].set_chain.is_none());
        assert!(
            g.is_member(0, 2),
            "+group in pg_hba.conf ignores the options"
        );
    }
}
