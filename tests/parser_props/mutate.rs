//! Inputs built from a valid seed document: truncations, byte-level and structural mutations,
//! and random text. Every strategy yields bytes; text APIs see them through
//! `String::from_utf8_lossy`, file-based ones get them as written.

use crate::values::{
    CELLS, EXTREMES, REPLACEMENTS, TOKENS, TOML_VALUES, extreme, leaves, replacement,
};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// How a seed is structured, which decides the structural mutations it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Json,
    JsonLines,
    Csv,
    Toml,
}

/// One edit of a document.
#[derive(Debug, Clone)]
pub enum Edit {
    Flip(Index, u8),
    Delete(Index, usize),
    Duplicate(Index, usize),
    Insert(Index, usize),
    /// Cut right inside a multi-byte character inserted at that point.
    CutInsideChar(Index, usize),
    /// Replace a JSON node (of a JSON document, or of one line of JSON Lines).
    Replace(Index, Index, usize),
    /// Replace a scalar leaf by an extreme value of its own type (huge numbers, odd dates).
    Extreme(Index, Index, usize),
    /// Swap two JSON nodes.
    Swap(Index, Index, Index),
    /// Remove a JSON node from its object or array.
    Remove(Index, Index),
    /// Delete, duplicate or swap whole lines (CSV rows, JSON Lines, TOML lines).
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    /// Delete or add a CSV cell (a row with the wrong column count) or replace one.
    DeleteCell(Index, Index),
    AddCell(Index, Index),
    SetCell(Index, Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let i = any::<Index>;
    prop_oneof![
        (i(), 0u8..8).prop_map(|(a, b)| Edit::Flip(a, b)),
        (i(), 1usize..64).prop_map(|(a, n)| Edit::Delete(a, n)),
        (i(), 1usize..64).prop_map(|(a, n)| Edit::Duplicate(a, n)),
        (i(), 0..TOKENS.len()).prop_map(|(a, n)| Edit::Insert(a, n)),
        (i(), 1usize..4).prop_map(|(a, n)| Edit::CutInsideChar(a, n)),
        (i(), i(), 0..REPLACEMENTS).prop_map(|(l, a, n)| Edit::Replace(l, a, n)),
        (i(), i(), 0..EXTREMES).prop_map(|(l, a, n)| Edit::Extreme(l, a, n)),
        (i(), i(), 0..EXTREMES).prop_map(|(l, a, n)| Edit::Extreme(l, a, n)),
        (i(), i(), i()).prop_map(|(l, a, b)| Edit::Swap(l, a, b)),
        (i(), i()).prop_map(|(l, a)| Edit::Remove(l, a)),
        i().prop_map(Edit::DeleteLine),
        i().prop_map(Edit::DuplicateLine),
        (i(), i()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (i(), i()).prop_map(|(a, b)| Edit::DeleteCell(a, b)),
        (i(), i()).prop_map(|(a, b)| Edit::AddCell(a, b)),
        (i(), i(), 0..CELLS.len()).prop_map(|(a, b, n)| Edit::SetCell(a, b, n)),
    ]
}

/// Byte offsets where a cut or splice is most telling: around every structural character.
fn marks(bytes: &[u8]) -> Vec<usize> {
    let mut out = vec![0, bytes.len()];
    for (i, b) in bytes.iter().enumerate() {
        if b"{}[],:\"=\n#\\".contains(b) || *b >= 0x80 {
            out.push(i);
            out.push(i + 1);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A prefix of the seed: at any byte, or at a structural one.
pub fn truncation(seed: &'static str) -> BoxedStrategy<Vec<u8>> {
    let bytes = seed.as_bytes();
    let marks = marks(bytes);
    prop_oneof![
        (0..=bytes.len()).prop_map(move |n| bytes[..n].to_vec()),
        prop::sample::select(marks).prop_map(move |n| bytes[..n].to_vec()),
        // A multi-byte character cut in half at the end of a prefix.
        ((0..=bytes.len()), 1usize..4).prop_map(move |(n, k)| {
            let mut v = bytes[..n].to_vec();
            v.extend_from_slice(&"\u{1d11e}".as_bytes()[..k]);
            v
        }),
    ]
    .boxed()
}

/// The seed with one to four edits applied in turn.
pub fn mutation(seed: &'static str, shape: Shape) -> BoxedStrategy<Vec<u8>> {
    prop::collection::vec(edit(), 1..5)
        .prop_map(move |edits| {
            let mut doc = seed.as_bytes().to_vec();
            for e in &edits {
                apply(&mut doc, e, shape);
            }
            doc
        })
        .boxed()
}

/// Random text: any characters, the JSON/TOML/CSV alphabet, or raw bytes.
pub fn random() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        "\\PC{0,200}".prop_map(String::into_bytes),
        "[\\[\\]{}\":,=#0-9a-zA-Z._ \\n\\\\-]{0,200}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
    .boxed()
}

/// An input document: bytes, shown escaped when a case fails.
#[derive(Clone)]
pub struct Bytes(pub Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Everything a parser is fed: truncations, mutations and random text of one seed.
pub fn inputs(seed: &'static str, shape: Shape) -> BoxedStrategy<Bytes> {
    prop_oneof![
        3 => truncation(seed),
        6 => mutation(seed, shape),
        1 => random(),
    ]
    .prop_map(Bytes)
    .boxed()
}

/// Bytes as a text API sees them.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn span(doc: &[u8], at: &Index, len: usize) -> (usize, usize) {
    let start = at.index(doc.len() + 1);
    (start, (start + len).min(doc.len()))
}

fn apply(doc: &mut Vec<u8>, edit: &Edit, shape: Shape) {
    match edit {
        Edit::Flip(at, bit) => {
            if !doc.is_empty() {
                let i = at.index(doc.len());
                doc[i] ^= 1 << bit;
            }
        }
        Edit::Delete(at, n) => {
            let (a, b) = span(doc, at, *n);
            doc.drain(a..b);
        }
        Edit::Duplicate(at, n) => {
            let (a, b) = span(doc, at, *n);
            let copy = doc[a..b].to_vec();
            doc.splice(b..b, copy);
        }
        Edit::Insert(at, n) => {
            let i = at.index(doc.len() + 1);
            doc.splice(i..i, TOKENS[*n].iter().copied());
        }
        Edit::CutInsideChar(at, k) => {
            let i = at.index(doc.len() + 1);
            doc.truncate(i);
            doc.extend_from_slice(&"\u{1d11e}".as_bytes()[..*k]);
        }
        Edit::DeleteLine(a) => lines(doc, |ls| {
            if !ls.is_empty() {
                ls.remove(a.index(ls.len()));
            }
        }),
        Edit::DuplicateLine(a) => lines(doc, |ls| {
            if !ls.is_empty() {
                let i = a.index(ls.len());
                ls.insert(i, ls[i].clone());
            }
        }),
        Edit::SwapLines(a, b) => lines(doc, |ls| {
            if !ls.is_empty() {
                let (i, j) = (a.index(ls.len()), b.index(ls.len()));
                ls.swap(i, j);
            }
        }),
        Edit::DeleteCell(..) | Edit::AddCell(..) | Edit::SetCell(..) if shape == Shape::Csv => {
            csv_edit(doc, edit)
        }
        Edit::Replace(line, ..)
        | Edit::Extreme(line, ..)
        | Edit::Swap(line, ..)
        | Edit::Remove(line, ..)
            if shape == Shape::Json || shape == Shape::JsonLines =>
        {
            json_edit(doc, line, edit, shape)
        }
        Edit::Replace(line, _, n) if shape == Shape::Toml => lines(doc, |ls| {
            let keyed: Vec<usize> = (0..ls.len()).filter(|i| ls[*i].contains(&b'=')).collect();
            if keyed.is_empty() {
                return;
            }
            let i = keyed[line.index(keyed.len())];
            let eq = ls[i].iter().position(|b| *b == b'=').unwrap();
            ls[i].truncate(eq + 1);
            ls[i].extend_from_slice(TOML_VALUES[n % TOML_VALUES.len()].as_bytes());
        }),
        // A structural edit the shape has no use for: flip a byte instead.
        _ => apply(doc, &Edit::Flip(edit_seed(edit), 3), shape),
    }
}

/// Some index to stand in for an edit that does not fit the shape.
fn edit_seed(edit: &Edit) -> Index {
    match edit {
        Edit::Replace(a, ..)
        | Edit::Extreme(a, ..)
        | Edit::Swap(a, ..)
        | Edit::Remove(a, ..)
        | Edit::DeleteCell(a, _)
        | Edit::AddCell(a, _)
        | Edit::SetCell(a, ..) => *a,
        Edit::Flip(a, _) | Edit::Delete(a, _) | Edit::Duplicate(a, _) => *a,
        Edit::Insert(a, _) | Edit::CutInsideChar(a, _) => *a,
        Edit::DeleteLine(a) | Edit::DuplicateLine(a) | Edit::SwapLines(a, _) => *a,
    }
}

fn lines(doc: &mut Vec<u8>, f: impl FnOnce(&mut Vec<Vec<u8>>)) {
    let mut ls: Vec<Vec<u8>> = doc.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    f(&mut ls);
    *doc = ls.join(&b'\n');
}

fn csv_edit(doc: &mut Vec<u8>, edit: &Edit) {
    lines(doc, |ls| {
        if ls.is_empty() {
            return;
        }
        let (row, cell) = match edit {
            Edit::DeleteCell(r, c) | Edit::AddCell(r, c) | Edit::SetCell(r, c, _) => (r, c),
            _ => return,
        };
        let r = row.index(ls.len());
        let mut cells: Vec<Vec<u8>> = ls[r].split(|b| *b == b',').map(<[u8]>::to_vec).collect();
        let c = cell.index(cells.len());
        match edit {
            Edit::DeleteCell(..) => {
                cells.remove(c);
            }
            Edit::AddCell(..) => cells.insert(c, b"extra".to_vec()),
            Edit::SetCell(_, _, n) => cells[c] = CELLS[*n].as_bytes().to_vec(),
            _ => {}
        }
        ls[r] = cells.join(&b',');
    })
}

/// Every JSON pointer in a value, in document order.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

fn json_value_edit(v: &mut Value, edit: &Edit) {
    let mut ps = Vec::new();
    pointers(v, String::new(), &mut ps);
    if ps.is_empty() {
        return;
    }
    match edit {
        Edit::Replace(_, a, n) => {
            if let Some(slot) = v.pointer_mut(&ps[a.index(ps.len())]) {
                *slot = replacement(*n);
            }
        }
        Edit::Extreme(_, a, n) => {
            let ls = leaves(v, &ps);
            if ls.is_empty() {
                return;
            }
            if let Some(slot) = v.pointer_mut(&ls[a.index(ls.len())]) {
                *slot = extreme(slot, *n);
            }
        }
        Edit::Swap(_, a, b) => {
            let (pa, pb) = (&ps[a.index(ps.len())], &ps[b.index(ps.len())]);
            let (Some(va), Some(vb)) = (v.pointer(pa).cloned(), v.pointer(pb).cloned()) else {
                return;
            };
            // Swapping a node with one inside it would move a value into itself: overwrite.
            if let Some(slot) = v.pointer_mut(pa) {
                *slot = vb;
            }
            if !pb.starts_with(pa.as_str())
                && !pa.starts_with(pb.as_str())
                && let Some(slot) = v.pointer_mut(pb)
            {
                *slot = va;
            }
        }
        Edit::Remove(_, a) => {
            let p = &ps[a.index(ps.len())];
            let (parent, key) = p.rsplit_once('/').unwrap_or(("", p));
            match v.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.remove(&key.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(arr)) => {
                    if let Ok(i) = key.parse::<usize>()
                        && i < arr.len()
                    {
                        arr.remove(i);
                    }
                }
                _ => {}
            }
        }
        _ => {}
    }
}

fn json_edit(doc: &mut Vec<u8>, line: &Index, edit: &Edit, shape: Shape) {
    if shape == Shape::Json {
        // Earlier edits may have broken the document: then there is no tree to edit.
        if let Ok(mut v) = serde_json::from_slice::<Value>(doc) {
            json_value_edit(&mut v, edit);
            let pretty = line.index(2) == 0;
            *doc = if pretty {
                serde_json::to_vec_pretty(&v)
            } else {
                serde_json::to_vec(&v)
            }
            .expect("a value serializes");
        }
        return;
    }
    lines(doc, |ls| {
        if ls.is_empty() {
            return;
        }
        let i = line.index(ls.len());
        if let Ok(mut v) = serde_json::from_slice::<Value>(&ls[i]) {
            json_value_edit(&mut v, edit);
            ls[i] = serde_json::to_vec(&v).expect("a value serializes");
        }
    })
}
