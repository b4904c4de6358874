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

#[cfg(test)]
mod tests {
    use super::*;

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
