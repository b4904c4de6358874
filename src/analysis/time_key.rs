//! Times as integer sort keys.
//!
//! Sorting times is the one super-linear step of every estimator, and
//! comparing u64 keys is cheaper than `f64::total_cmp` through an index.
//! The key orders like `f64::total_cmp` (NaN, the caller's bug, last), so
//! any estimator sorting by it sees the same order, and data sorted once by
//! key can be handed to each of them as already sorted.

/// A u64 whose unsigned order is `f64::total_cmp`'s order of `t`.
#[inline]
pub fn total_key(t: f64) -> u64 {
    let b = t.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// The time a key was made from (the inverse of [`total_key`]).
#[inline]
pub fn key_time(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Fills `out` with the pairs `(total_key(time[i]), i)` in ascending order,
/// exactly as sorting those pairs would, but sorting single words: each
/// key with its low bits replaced by the index, which orders by key up to
/// those bits and then by index. Sorting one integer is much cheaper than
/// a pair. Keys that agree except in the replaced bits (times within a
/// relative 2^-43 of each other for a few hundred rows, never in practice;
/// exact ties keep their index order anyway) are put right by a final
/// insertion pass on the full pairs, linear when nothing is out of place.
/// `words` is scratch.
pub fn sort_by_time_key(time: &[f64], words: &mut Vec<u64>, out: &mut Vec<(u64, u32)>) {
    let n = time.len();
    out.clear();
    if n > u32::MAX as usize {
        out.extend(time.iter().zip(0u32..).map(|(&t, i)| (total_key(t), i)));
        out.sort_unstable();
        return;
    }
    let bits = u64::BITS - (n.max(2) as u64 - 1).leading_zeros();
    let mask = (1u64 << bits) - 1;
    words.clear();
    words.extend(
        time.iter()
            .zip(0u64..)
            .map(|(&t, i)| (total_key(t) & !mask) | i),
    );
    words.sort_unstable();
    out.extend(words.iter().map(|&w| {
        let i = (w & mask) as usize;
        (total_key(time[i]), i as u32)
    }));
    for j in 1..n {
        let mut k = j;
        while k > 0 && out[k - 1] > out[k] {
            out.swap(k - 1, k);
            k -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_sort_equals_sorting_the_pairs() {
        let mut words = Vec::new();
        let mut out = Vec::new();
        let mut v = 0.37_f64;
        for n in [0usize, 1, 2, 3, 17, 300, 1025] {
            for variant in 0..4 {
                let time: Vec<f64> = (0..n)
                    .map(|i| {
                        v = (v * 3.7 + 0.11).fract();
                        match variant {
                            0 => v * 25.0,
                            1 => (v * 10.0).ceil(),
                            // Neighbours differing only in the last bits.
                            2 => f64::from_bits(12.5_f64.to_bits() + (i as u64 * 7919) % 97),
                            _ => [f64::NAN, -0.0, 0.0, -1.0, v][i % 5],
                        }
                    })
                    .collect();
                sort_by_time_key(&time, &mut words, &mut out);
                let mut want: Vec<(u64, u32)> = time
                    .iter()
                    .zip(0u32..)
                    .map(|(&t, i)| (total_key(t), i))
                    .collect();
                want.sort_unstable();
                assert_eq!(out, want, "n {n}, variant {variant}");
            }
        }
    }

    #[test]
    fn keys_order_like_total_cmp_and_invert() {
        let xs = [
            f64::NEG_INFINITY,
            -3.5,
            -0.0,
            0.0,
            f64::MIN_POSITIVE / 4.0,
            1e-300,
            1.0,
            25.0,
            f64::INFINITY,
            f64::NAN,
        ];
        for a in xs {
            assert_eq!(key_time(total_key(a)).to_bits(), a.to_bits());
            for b in xs {
                assert_eq!(
                    total_key(a).cmp(&total_key(b)),
                    a.total_cmp(&b),
                    "{a} vs {b}"
                );
            }
        }
    }
}
