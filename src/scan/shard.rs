//! `--shard I/N`: a deterministic part of the scopes, the same on every run and machine.
//!
//! A scope's shard is a hash of its boundary and its shard unit (the scope itself, or what
//! must be read with it: an Azure subscription goes with its tenant's directory). Not list
//! order: an account added to an organization moves no other account between shards.

use crate::model::Boundary;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The `index`-th (1-based) of `count` shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether the scope (`boundary`, `unit`) falls into this shard.
    pub fn holds(&self, boundary: Boundary, unit: &str) -> bool {
        bucket(boundary, unit, self.count) + 1 == self.index
    }
}

/// The shard (0-based) of (`boundary`, `unit`) among `count`: the first 8 bytes of
/// SHA-256(`boundary` NUL `unit`), big-endian, modulo `count`.
pub fn bucket(boundary: Boundary, unit: &str, count: u32) -> u32 {
    let mut h = Sha256::new();
    h.update(boundary.as_str().as_bytes());
    h.update([0u8]);
    h.update(unit.as_bytes());
    let d = h.finalize();
    let n = u64::from_be_bytes(d[..8].try_into().expect("8 bytes"));
    (n % u64::from(count.max(1))) as u32
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}`: expected I/N with 1 ≤ I ≤ N, e.g. 1/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "a/3", "3", "", "1/3/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_scope_is_in_exactly_one_shard() {
        let aws = Boundary::new("aws");
        for n in 1..6u32 {
            for k in 0..200 {
                let unit = format!("{:012}", 111_122_223_333u64 + k);
                let holders = (1..=n)
                    .filter(|i| {
                        Shard {
                            index: *i,
                            count: n,
                        }
                        .holds(aws, &unit)
                    })
                    .count();
                assert_eq!(holders, 1, "{unit} in {n} shards");
            }
        }
    }

    /// Fixed values: a shard assignment that changed between versions would move scopes
    /// between the jobs of a running deployment.
    #[test]
    fn the_hash_is_stable() {
        let aws = Boundary::new("aws");
        let got: Vec<u32> = [
            "111122223333",
            "222233334444",
            "333344445555",
            "444455556666",
        ]
        .iter()
        .map(|u| bucket(aws, u, 1000))
        .collect();
        // sha256(b"aws\0" + unit)[:8] as a big-endian integer, mod 1000 (computed outside Rust).
        assert_eq!(got, [692, 453, 967, 51]);
        // The boundary is part of the key: the same name in two boundaries may part.
        assert_ne!(
            (0..50)
                .map(|k| bucket(aws, &k.to_string(), 7))
                .collect::<Vec<_>>(),
            (0..50)
                .map(|k| bucket(Boundary::new("gcp"), &k.to_string(), 7))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn shards_are_roughly_even() {
        let aws = Boundary::new("aws");
        let mut counts = [0u32; 4];
        for k in 0..4000u64 {
            counts[bucket(aws, &format!("{:012}", k * 7919), 4) as usize] += 1;
        }
        assert!(counts.iter().all(|c| (850..1150).contains(c)), "{counts:?}");
    }
}
