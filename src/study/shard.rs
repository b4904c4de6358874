//! `--shard K/N`: which contiguous share of a study's chunks a machine
//! computes. Shares are whole chunks, so a shard's replicates, random
//! streams and aggregates are exactly those of a single run.

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// This shard's chunks out of `total`: the K-th of N near-equal
    /// contiguous parts (empty when there are more shards than chunks).
    pub fn chunks(&self, total: u64) -> Range<u64> {
        let part = |k: u32| ((total as u128 * k as u128) / self.count as u128) as u64;
        part(self.index - 1)..part(self.index)
    }

    /// "3-of-16", for file names.
    pub fn tag(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}`: give K/N with 1 <= K <= N, e.g. 3/16");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { index: k, count: n })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_chunks() {
        for total in [0u64, 1, 5, 16, 17, 1000] {
            for n in 1..=20u32 {
                let mut next = 0;
                for k in 1..=n {
                    let r = Shard { index: k, count: n }.chunks(total);
                    assert_eq!(r.start, next);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn parses_k_of_n() {
        assert_eq!(
            "3/16".parse(),
            Ok(Shard {
                index: 3,
                count: 16
            })
        );
        for bad in ["0/4", "5/4", "3", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
