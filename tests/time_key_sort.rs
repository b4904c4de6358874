//! `sort_by_time_key` against `sort_unstable` of the (key, index) pairs it
//! stands for, on random and adversarial times (ties, special values, keys
//! that differ only in the bits its packed words give to the index, and
//! clustered keys that would defeat a bucket sort) at sizes from 0 to 4097.

use cohortsim::analysis::time_key::{sort_by_time_key, total_key};

/// SplitMix64: a fixed stream, no dependency.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1).
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

fn expected(time: &[f64]) -> Vec<(u64, u32)> {
    let mut want: Vec<(u64, u32)> = time
        .iter()
        .zip(0u32..)
        .map(|(&t, i)| (total_key(t), i))
        .collect();
    want.sort_unstable();
    want
}

/// Times of one kind; `kind` picks the shape.
fn times(kind: usize, n: usize, rng: &mut Stream) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let u = rng.unit();
            match kind {
                // Censored exponential, as simulated PFS.
                0 => (-12.0 * u.ln()).min(25.0 * rng.unit()),
                // Uniform.
                1 => 60.0 * u,
                // Whole months: heavy ties.
                2 => (u * 24.0).ceil(),
                // All equal.
                3 => 7.5,
                // One far outlier: everything else crowds together.
                4 if i == n / 2 => 1e300,
                4 => 1.0 + u,
                // Zeros among small times: keys span a thousand binades.
                5 if i % 3 == 0 => 0.0,
                5 => u,
                // Special values among ordinary ones.
                6 => [
                    f64::NAN,
                    -f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    -0.0,
                    0.0,
                    f64::MIN_POSITIVE / 8.0,
                    -f64::MIN_POSITIVE / 8.0,
                    -u,
                    u,
                ][(rng.next() % 10) as usize],
                // Neighbours differing only in the bits the index replaces.
                7 => f64::from_bits(12.5_f64.to_bits() + rng.next() % 4096),
                // Ascending and descending.
                8 => i as f64 * 0.25,
                9 => (n - i) as f64 * 0.25,
                // Log-uniform over many binades.
                10 => (40.0 * u - 20.0).exp2(),
                // Two tight clusters far apart.
                _ => {
                    if u < 0.5 {
                        1.0 + u * 1e-9
                    } else {
                        1e6 + u * 1e-3
                    }
                }
            }
        })
        .collect()
}

#[test]
fn equals_sorting_the_pairs_on_random_and_adversarial_times() {
    let mut rng = Stream(2026);
    let mut words = Vec::new();
    let mut out = Vec::new();
    for n in [
        0usize, 1, 2, 3, 10, 60, 127, 128, 129, 153, 256, 307, 500, 1000, 4097,
    ] {
        for kind in 0..12 {
            for _ in 0..4 {
                let time = times(kind, n, &mut rng);
                sort_by_time_key(&time, &mut words, &mut out);
                assert_eq!(out, expected(&time), "n {n}, kind {kind}");
            }
        }
    }
}

/// Scratch of every size, reused in any order, never leaks into a result.
#[test]
fn reused_scratch_does_not_change_the_result() {
    let mut rng = Stream(7);
    let mut words = Vec::new();
    let mut out = Vec::new();
    for round in 0..300 {
        let n = (rng.next() % 700) as usize;
        let time = times(round % 12, n, &mut rng);
        sort_by_time_key(&time, &mut words, &mut out);
        assert_eq!(out, expected(&time), "round {round}, n {n}");
    }
}
