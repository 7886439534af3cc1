//! The rows the HTML report's script lists and filters, as one JSON document inside the page
//! (`<script type="application/json">`, never executed). Every string is stored once in a
//! table and rows refer to it by index: a 50k-role report repeats the same ARNs, scopes,
//! sources and reasons hundreds of thousands of times.

use crate::hash::Map as HashMap;
use crate::report::{Report, view};
use serde::Serialize;

#[derive(Default)]
struct Strings<'a> {
    index: HashMap<&'a str, u32>,
    list: Vec<&'a str>,
}

impl<'a> Strings<'a> {
    fn id(&mut self, s: &'a str) -> u32 {
        *self.index.entry(s).or_insert_with(|| {
            self.list.push(s);
            (self.list.len() - 1) as u32
        })
    }

    /// Each piece of evidence as (source, pointer).
    fn evidence(&mut self, list: &'a [crate::model::Evidence]) -> Vec<(u32, u32)> {
        list.iter()
            .map(|e| (self.id(&e.source), self.id(&e.pointer)))
            .collect()
    }
}

/// A finding: severity, rule, boundary, scope, identity, entitlement, target, message,
/// revocation, baseline, suppressed (0/1), the path's privilege and enforcement (empty when the
/// finding is about no path), fingerprint, evidence (source, pointer) pairs.
type FindingRow = (
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    u8,
    u32,
    u32,
    u32,
    Vec<(u32, u32)>,
);

/// A privileged path: identity, entitlement, target, boundary, scope, privilege, enforcement,
/// credential lifetime, then rule and reason of each of the three verdicts, path id, evidence.
type PathRow = (
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
    [u32; 6],
    u32,
    Vec<(u32, u32)>,
);

#[derive(Serialize)]
struct Data<'a> {
    strings: Vec<&'a str>,
    findings: Vec<FindingRow>,
    paths: Vec<PathRow>,
}

/// The page's data, as JSON text safe inside a `<script>` element (no `<` at all).
pub(super) fn json<'a>(r: &'a Report, findings: &view::FindingsView<'a>) -> String {
    let mut s = Strings::default();
    let by_id: HashMap<&str, &crate::model::AccessPath> =
        r.access_paths.iter().map(|p| (p.id.as_str(), p)).collect();
    let findings: Vec<FindingRow> = findings
        .rows
        .iter()
        .map(|row| {
            let f = row.finding;
            let path = f.access_path.as_deref().and_then(|id| by_id.get(id));
            (
                s.id(f.severity.as_str()),
                s.id(&f.rule_id),
                s.id(f.boundary.as_str()),
                s.id(&f.scope),
                s.id(row.identity),
                s.id(&f.entitlement),
                s.id(&f.target),
                s.id(&f.message),
                s.id(row.revocation),
                s.id(row.baseline),
                row.suppressed as u8,
                s.id(path.map(|p| p.privilege.as_str()).unwrap_or("")),
                s.id(path.map(|p| p.enforcement.as_str()).unwrap_or("")),
                s.id(&f.id),
                s.evidence(&f.evidence),
            )
        })
        .collect();
    let paths: Vec<PathRow> = view::privileged_paths(r)
        .iter()
        .map(|row| {
            let p = row.path;
            let b = &p.basis;
            (
                s.id(row.identity),
                s.id(row.entitlement),
                s.id(&p.target),
                s.id(p.boundary.as_str()),
                s.id(&p.scope),
                s.id(row.privilege.as_str()),
                s.id(row.enforcement.as_str()),
                s.id(row.credential.as_str()),
                [
                    s.id(&b.privilege.rule),
                    s.id(&b.privilege.reason),
                    s.id(&b.enforcement.rule),
                    s.id(&b.enforcement.reason),
                    s.id(&b.credential_lifetime.rule),
                    s.id(&b.credential_lifetime.reason),
                ],
                s.id(&p.id),
                s.evidence(&p.evidence),
            )
        })
        .collect();
    let text = serde_json::to_string(&Data {
        strings: s.list,
        findings,
        paths,
    })
    .expect("page data serializes");
    // `<` only appears inside JSON strings, where `\u003c` means the same: no `</script>` can
    // end the element early and no `<!--` can open a comment.
    text.replace('<', "\\u003c")
}
