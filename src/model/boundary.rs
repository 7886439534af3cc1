//! The name of a system with its own access control (`aws`, `postgres`, …). Open: each
//! scanner names its own boundary, so adding one edits nothing here.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

const MAX: usize = 24;

/// A boundary name: lower-case ASCII letters, digits and `-`, at most 24 characters.
/// Stored inline, so it is `Copy` and needs no allocation or global table.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Boundary {
    bytes: [u8; MAX],
    len: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a boundary name (lower-case letters, digits and `-`, at most 24 characters)")]
pub struct BoundaryError(pub String);

const fn valid(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > MAX {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-') {
            return false;
        }
        i += 1;
    }
    true
}

impl Boundary {
    /// A boundary from a literal; panics (at compile time in a `const`) on a bad name.
    pub const fn new(name: &str) -> Boundary {
        assert!(valid(name), "bad boundary name");
        let src = name.as_bytes();
        let mut bytes = [0u8; MAX];
        let mut i = 0;
        while i < src.len() {
            bytes[i] = src[i];
            i += 1;
        }
        Boundary {
            bytes,
            len: src.len() as u8,
        }
    }

    pub fn parse(name: &str) -> Result<Boundary, BoundaryError> {
        if valid(name) {
            Ok(Boundary::new(name))
        } else {
            Err(BoundaryError(name.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }
}

impl fmt::Display for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Boundary({})", self.as_str())
    }
}

impl std::str::FromStr for Boundary {
    type Err = BoundaryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Boundary::parse(s)
    }
}

impl Serialize for Boundary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Boundary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Boundary::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_as_text() {
        let aws = Boundary::new("aws");
        assert_eq!(aws.as_str(), "aws");
        assert_eq!(
            "postgres".parse::<Boundary>().unwrap().to_string(),
            "postgres"
        );
        assert!(Boundary::new("aws") < Boundary::new("aws-org"));
        assert!(Boundary::new("mysql") < Boundary::new("postgres"));
        let json = serde_json::to_string(&aws).unwrap();
        assert_eq!(json, "\"aws\"");
        assert_eq!(serde_json::from_str::<Boundary>(&json).unwrap(), aws);
        for bad in ["", "AWS", "a b", "x".repeat(25).as_str(), "é"] {
            assert!(Boundary::parse(bad).is_err(), "{bad}");
        }
    }
}
