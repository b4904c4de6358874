//! One random stream per replicate, derived from (seed, replicate index).
//!
//! Each replicate gets its own Xoshiro256++ generator (rand_xoshiro), whose
//! 256-bit state is a fixed function of the seed and the replicate index
//! only, so a replicate's numbers do not depend on which thread, shard or
//! order computes it. Xoshiro256++ rather than ChaCha8: a replicate draws
//! thousands of words on the hot path, and ChaCha8's ~2 ns per word was about
//! 15% of W1's simulation; Xoshiro256++ takes well under a nanosecond and
//! passes BigCrush. rand_xoshiro promises value stability across releases.
//!
//! State: `k = mix(seed ^ SEED_KEY)`, `x = mix(k ^ replicate)`, and word
//! `i` of the state is `mix(x ^ WORD[i])`, where `mix` is SplitMix64's
//! finaliser, a bijection of `u64`. For one seed, `replicate -> x` is a
//! bijection and word 0 is a bijection of `x`, so distinct replicates always
//! get distinct states; the four `WORD` constants differ, and `mix` maps only
//! 0 to 0, so no two words are 0 together and the (forbidden) all-zero
//! state never arises.
//!
//! Overlap: the generator's period is `2^256 - 1`, and distinct states are
//! scattered over that cycle by `mix`. Two of `R` streams each using `L`
//! words overlap with probability about `R^2 L / 2^256` (below `10^-50` for
//! a billion replicates of a million words each), so in practice replicates
//! never share draws.

use rand_xoshiro::Xoshiro256PlusPlus;

/// SplitMix64's output function (Steele, Lea and Flood 2014): a bijection of
/// `u64` with good avalanche, mapping 0 to 0.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Separates the seed's key from a bare `mix(seed)`.
const SEED_KEY: u64 = 0x9e37_79b9_7f4a_7c15;

/// One distinct constant per state word (multiples of the golden-ratio
/// increment SplitMix64 steps by).
const WORD: [u64; 4] = [
    0x9e37_79b9_7f4a_7c15,
    0x3c6e_f372_fe94_f82a,
    0xdaa6_6d2c_7ddf_743f,
    0x78dd_e6e5_fd29_f054,
];

/// The state words of replicate `replicate` of seed `seed` (see the module
/// doc); never all zero.
fn state(seed: u64, replicate: u64) -> [u64; 4] {
    let x = mix(mix(seed ^ SEED_KEY) ^ replicate);
    WORD.map(|w| mix(x ^ w))
}

/// The generator of replicate `replicate` of a study with seed `seed`.
pub fn replicate_rng(seed: u64, replicate: u64) -> Xoshiro256PlusPlus {
    use rand::SeedableRng;
    let mut bytes = [0u8; 32];
    for (chunk, word) in bytes.chunks_exact_mut(8).zip(state(seed, replicate)) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(bytes)
}

/// Streams counted down from the top are reserved for work beside the
/// replicates (the large cohorts behind true values), one per arm.
pub fn truth_rng(seed: u64, arm: usize) -> Xoshiro256PlusPlus {
    replicate_rng(seed, u64::MAX - arm as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn mix_is_splitmix64() {
        // SplitMix64 seeded with 0 outputs mix(golden ratio increment) first;
        // reference value from the C implementation (Vigna, splitmix64.c).
        assert_eq!(mix(0x9e37_79b9_7f4a_7c15), 0xe220_a839_7b1d_cdaf);
        assert_eq!(mix(0), 0);
    }

    #[test]
    fn replicates_of_a_seed_get_distinct_streams() {
        let mut firsts: Vec<u64> = (0..10_000u64)
            .map(|r| replicate_rng(3, r).next_u64())
            .collect();
        firsts.sort_unstable();
        firsts.dedup();
        assert_eq!(firsts.len(), 10_000);
        assert_ne!(
            replicate_rng(1, 0).next_u64(),
            replicate_rng(2, 0).next_u64()
        );
        assert_eq!(
            replicate_rng(5, 7).next_u64(),
            replicate_rng(5, 7).next_u64()
        );
    }

    #[test]
    fn words_are_never_zero_together() {
        for w in WORD {
            // x = w zeroes word w's slot only; the others stay non-zero.
            let s = WORD.map(|v| mix(w ^ v));
            assert_eq!(s.iter().filter(|&&v| v == 0).count(), 1);
        }
    }
}
