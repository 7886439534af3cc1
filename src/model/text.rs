//! Shared, immutable text for the model's repeated strings.
//!
//! An estate repeats the same few strings across hundreds of thousands of rows: the scope,
//! the identity's id on each of its paths and findings, the document every fact was read from,
//! the rule and the reason of each verdict. [`Text`] is a reference-counted string (one
//! pointer wide; cloning it shares the bytes), and an [`Interner`] hands out one `Text` per
//! distinct string, so a 50k-role report holds each of them once. It serializes as a plain
//! string: the report's JSON is the same as with `String` fields.

use std::collections::BTreeMap;

/// One pointer to shared, immutable UTF-8 text; `==`, `<` and hashing compare the text.
pub type Text = arcstr::ArcStr;

/// Distinct strings seen so far → their one shared [`Text`]. Keep one per worker (it is not
/// shared between threads) and bounded: past `limit` distinct strings it stops remembering
/// and returns fresh copies, so a field that is almost always distinct costs nothing extra.
#[derive(Debug)]
pub struct Interner {
    seen: crate::hash::Set<Text>,
    limit: usize,
}

impl Default for Interner {
    fn default() -> Self {
        Interner::with_limit(1 << 16)
    }
}

impl Interner {
    pub fn with_limit(limit: usize) -> Self {
        Interner {
            seen: Default::default(),
            limit,
        }
    }

    /// The shared `Text` for `s`.
    pub fn get(&mut self, s: &str) -> Text {
        if let Some(t) = self.seen.get(s) {
            return t.clone();
        }
        let t = Text::from(s);
        if self.seen.len() < self.limit {
            self.seen.insert(t.clone());
        }
        t
    }

    /// [`Interner::get`] of a string built for the purpose (a `format!` result). A `Text`
    /// keeps its length and count beside the bytes, so it is a copy either way.
    pub fn take(&mut self, s: String) -> Text {
        self.get(&s)
    }
}

/// `a.cmp(b)`, without reading the bytes when both are the same allocation: shared text
/// (an identity's id on each of its paths, a check's id on each of its findings) usually is,
/// and sorting a large inventory compares the same texts millions of times.
pub fn text_cmp(a: &Text, b: &Text) -> std::cmp::Ordering {
    if Text::ptr_eq(a, b) {
        std::cmp::Ordering::Equal
    } else {
        a.as_str().cmp(b.as_str())
    }
}

/// A `Text` as a sort key ordered by [`text_cmp`], for `sort_by_cached_key`: sorting keys
/// and then moving each row once costs less than moving rows of a few hundred bytes through
/// every pass of a merge sort, and needs no second copy of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextKey(pub Text);

impl Ord for TextKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        text_cmp(&self.0, &other.0)
    }
}

impl PartialOrd for TextKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Attributes as the model holds them, from any pairs of strings.
pub fn text_map<K: Into<Text>, V: Into<Text>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> BTreeMap<Text, Text> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_allocation_until_the_limit() {
        let mut i = Interner::with_limit(2);
        let a = i.get("arn:aws:iam::1:role/a");
        let b = i.take(String::from("arn:aws:iam::1:role/a"));
        assert!(Text::ptr_eq(&a, &b));
        let _c = i.get("c");
        // The limit is reached: a third distinct string is not remembered.
        let d1 = i.get("d");
        let d2 = i.get("d");
        assert_eq!(d1, d2);
        assert!(!Text::ptr_eq(&d1, &d2));
        // Remembered ones are still shared.
        assert!(Text::ptr_eq(&a, &i.get("arn:aws:iam::1:role/a")));
    }

    #[test]
    fn text_cmp_orders_as_the_text_does() {
        use std::cmp::Ordering::*;
        let a = Text::from("arn:aws:iam::1:role/a");
        let same_text = Text::from("arn:aws:iam::1:role/a");
        let b = Text::from("arn:aws:iam::1:role/b");
        assert_eq!(text_cmp(&a, &a.clone()), Equal);
        assert_eq!(text_cmp(&a, &same_text), Equal);
        assert_eq!(text_cmp(&a, &b), Less);
        assert_eq!(text_cmp(&b, &a), Greater);
        assert_eq!(text_cmp(&Text::from("ab"), &Text::from("a")), Greater);
    }

    #[test]
    fn serializes_as_a_plain_string() {
        let t = Text::from("a \"quoted\" text");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, serde_json::to_string("a \"quoted\" text").unwrap());
        let back: Text = serde_json::from_str(&json).unwrap();
        assert_eq!(back, "a \"quoted\" text");
    }
}
