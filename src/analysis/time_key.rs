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
/// exactly as sorting those pairs would. `words` is scratch.
///
/// Any correct sort of these distinct pairs gives the same order, so which
/// of the two below runs never shows in a result: only in the time taken.
pub fn sort_by_time_key(time: &[f64], words: &mut Vec<u64>, out: &mut Vec<(u64, u32)>) {
    out.clear();
    if time.len() > u32::MAX as usize {
        out.extend(time.iter().zip(0u32..).map(|(&t, i)| (total_key(t), i)));
        out.sort_unstable();
        return;
    }
    if time.len() >= BUCKET_MIN && bucket_sort(time, words, out) {
        return;
    }
    packed_sort(time, words, out);
}

/// Below this many times `packed_sort` (an insertion sort there) wins.
const BUCKET_MIN: usize = 128;

/// How many element moves per pair the bucket sort's insertion pass may
/// need before it gives way to `packed_sort` (on clustered input).
const MOVES_PER_PAIR: u64 = 4;

/// Sorts the pairs by one counting-sort scatter into `2^bits >= n` buckets
/// by the keys' top bits above the minimum key, then one insertion pass.
///
/// Simulated times spread smoothly, so the scatter leaves each pair a few
/// places from home and the insertion pass finishes in about linear time:
/// cheaper than a comparison sort's n log n unpredictable branches. The
/// histogram also gives the insertion pass's exact worst case (the pairs
/// sharing a bucket), so input that crowds into a few buckets (a far
/// outlier, heavy ties) is refused, with `out` left empty, rather than
/// sorted in quadratic time.
fn bucket_sort(time: &[f64], scratch: &mut Vec<u64>, out: &mut Vec<(u64, u32)>) -> bool {
    let n = time.len();
    let bits = u64::BITS - (n.max(2) as u64 - 1).leading_zeros();
    let buckets = 1usize << bits;
    scratch.clear();
    scratch.extend(time.iter().map(|&t| total_key(t)));
    let (lo, hi) = scratch
        .iter()
        .fold((u64::MAX, 0), |(lo, hi), &k| (lo.min(k), hi.max(k)));
    let shift = (u64::BITS - (hi - lo).leading_zeros()).saturating_sub(bits);
    // The keys, then the bucket counts (zeroed).
    scratch.resize(n + buckets, 0);
    let (keys, counts) = scratch.split_at_mut(n);
    let bucket = |k: u64| ((k - lo) >> shift) as usize & (buckets - 1);
    let mut moves = 0;
    for &k in keys.iter() {
        let c = &mut counts[bucket(k)];
        moves += *c;
        *c += 1;
    }
    if moves > MOVES_PER_PAIR * n as u64 {
        return false;
    }
    let mut start = 0;
    for c in counts.iter_mut() {
        (*c, start) = (start, start + *c);
    }
    out.resize(n, (0, 0));
    for (&k, i) in keys.iter().zip(0u32..) {
        let c = &mut counts[bucket(k)];
        out[*c as usize] = (k, i);
        *c += 1;
    }
    insertion_sort(out);
    true
}

/// Sorts single words: each key with its low bits replaced by the index,
/// which orders by key up to those bits and then by index. Sorting one
/// integer is much cheaper than a pair. Keys that agree except in the
/// replaced bits (times within a relative 2^-43 of each other for a few
/// hundred rows, never in practice; exact ties keep their index order
/// anyway) are put right by a final insertion pass on the full pairs,
/// linear when nothing is out of place.
fn packed_sort(time: &[f64], words: &mut Vec<u64>, out: &mut Vec<(u64, u32)>) {
    let n = time.len();
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
    insertion_sort(out);
}

/// Insertion sort: linear on input with few pairs out of place.
fn insertion_sort(v: &mut [(u64, u32)]) {
    for j in 1..v.len() {
        let p = v[j];
        let mut k = j;
        while k > 0 && v[k - 1] > p {
            v[k] = v[k - 1];
            k -= 1;
        }
        v[k] = p;
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
