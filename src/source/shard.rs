//! `--shard I/N`: a deterministic split of a scan's units (history blobs, tree paths, or the
//! repositories of a fleet) into N disjoint parts, so that N machines together scan every unit
//! exactly once. Ownership is a stable hash of the unit's key (a blob id's bytes, a `/`-separated
//! path, a repository as listed), the same on every machine, platform and version; this module
//! knows nothing of git or files.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use crate::report::summary::{ShardInfo, Unit};

/// The most shards a scan may be split into (GitHub Actions allows 256 jobs in a matrix; a
/// Kubernetes Indexed Job allows more, so the limit is generous but bounded).
pub const MAX_SHARDS: u32 = 65_536;

/// One part of a split: shard `index` (1-based) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based index of this shard.
    pub index: u32,
    /// How many shards the scan is split into.
    pub total: u32,
}

impl Shard {
    /// The whole scan: one shard of one, which owns everything.
    pub const WHOLE: Shard = Shard { index: 1, total: 1 };

    /// Whether this shard owns the unit with this key.
    pub fn owns(self, key: &[u8]) -> bool {
        self.total <= 1 || bucket(key, self.total) == self.index - 1
    }

    /// Whether this is a real split (more than one shard).
    pub fn is_split(self) -> bool {
        self.total > 1
    }
}

/// The 0-based bucket of `key` among `total`: 64-bit FNV-1a of the key, modulo `total`. FNV is
/// fixed by its specification, so the split never changes between builds or machines (Rust's
/// `DefaultHasher` gives no such promise).
fn bucket(key: &[u8], total: u32) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in key {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % u64::from(total)) as u32
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.total)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `I/N` with `1 <= I <= N <= MAX_SHARDS`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "'{text}' is not a shard: use I/N with 1 <= I <= N <= {MAX_SHARDS} (e.g. 2/8; \
                 in a Kubernetes Indexed Job, $((JOB_COMPLETION_INDEX + 1))/N)"
            )
        };
        let (index, total) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = index.trim().parse().map_err(|_| bad())?;
        let total: u32 = total.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > total || total > MAX_SHARDS {
            return Err(bad());
        }
        Ok(Shard { index, total })
    }
}

impl ShardInfo {
    /// The record of `shard` splitting `unit`.
    pub fn new(shard: Shard, unit: Unit) -> ShardInfo {
        ShardInfo {
            index: shard.index,
            total: shard.total,
            unit,
        }
    }
}

/// clap value parser for `--shard`.
pub fn parse(text: &str) -> Result<Shard, String> {
    text.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(parse("2/8"), Ok(Shard { index: 2, total: 8 }));
        assert_eq!(parse("1/1"), Ok(Shard::WHOLE));
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", "-1/4", "1/70000", ""] {
            assert!(parse(bad).is_err(), "{bad} parsed");
        }
        assert_eq!(parse("3/7").unwrap().to_string(), "3/7");
    }

    #[test]
    fn every_key_has_exactly_one_owner() {
        for total in 1..=8u32 {
            for key in 0..200u32 {
                let key = format!("path/{key}.txt");
                let owners = (1..=total)
                    .filter(|&index| Shard { index, total }.owns(key.as_bytes()))
                    .count();
                assert_eq!(owners, 1, "{key} in {total} shards");
            }
        }
    }

    #[test]
    fn the_split_is_fixed() {
        // Pinned values: a change here would move units between shards of running fleets.
        assert_eq!(bucket(b"", 1000), (0xcbf2_9ce4_8422_2325u64 % 1000) as u32);
        assert_eq!(bucket(b"a", 7), (0xaf63_dc4c_8601_ec8cu64 % 7) as u32);
    }

    #[test]
    fn splits_are_roughly_even() {
        let total = 4;
        let mut counts = [0u32; 4];
        for key in 0..4000u32 {
            counts[bucket(&key.to_be_bytes(), total) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
    }
}
