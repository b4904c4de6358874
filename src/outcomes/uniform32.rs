//! Uniforms of 32-bit resolution, two from each 64-bit word of the stream.
//!
//! A Bernoulli draw `u < p` needs far less than the 53 bits of a full `f64`
//! uniform: with `u = k / 2^32`, `k` uniform on `0..2^32`, the event has
//! probability `ceil(p 2^32) / 2^32`, within `2^-32` (about `2.3e-10`) of
//! `p`, a bias no Monte Carlo study could see (it would take some `10^19`
//! draws to detect). Taking both halves of each word halves the generator
//! calls of the per-patient, per-event adverse-event draws.

use rand::RngCore;

/// 2^-32.
const SCALE: f64 = 1.0 / 4_294_967_296.0;

/// Hands out the high then the low 32 bits of each word as a uniform in
/// `[0, 1)` with resolution `2^-32`; a fresh source per cohort, so the
/// number of words used is `ceil(draws / 2)` and an unused low half is
/// dropped.
#[derive(Debug, Clone, Copy, Default)]
pub struct HalfWordUniforms {
    word: u64,
    low_left: bool,
}

impl HalfWordUniforms {
    /// A source with no half-word pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next uniform, `k / 2^32` for a uniform 32-bit `k`.
    #[inline]
    pub fn next<R: RngCore + ?Sized>(&mut self, rng: &mut R) -> f64 {
        let k = if self.low_left {
            self.word as u32
        } else {
            self.word = rng.next_u64();
            (self.word >> 32) as u32
        };
        self.low_left = !self.low_left;
        f64::from(k) * SCALE
    }
}

/// The two uniforms of one word, high half first: what two calls of
/// [`HalfWordUniforms::next`] return when no low half is pending. For loops
/// that take the draws in pairs and so need not track which half is next.
#[inline]
pub fn uniform_pair<R: RngCore + ?Sized>(rng: &mut R) -> [f64; 2] {
    let w = rng.next_u64();
    [
        f64::from((w >> 32) as u32) * SCALE,
        f64::from(w as u32) * SCALE,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn two_uniforms_per_word_high_half_first() {
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut b = a.clone();
        let mut u = HalfWordUniforms::new();
        for _ in 0..100 {
            let w = b.next_u64();
            assert_eq!(u.next(&mut a), f64::from((w >> 32) as u32) * SCALE);
            assert_eq!(u.next(&mut a), f64::from(w as u32) * SCALE);
        }
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn a_pair_is_two_draws_from_a_fresh_word() {
        let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let mut b = a.clone();
        let mut u = HalfWordUniforms::new();
        for _ in 0..100 {
            let [hi, lo] = uniform_pair(&mut a);
            assert_eq!(
                [hi.to_bits(), lo.to_bits()],
                [u.next(&mut b), u.next(&mut b)].map(f64::to_bits)
            );
        }
        assert_eq!(a.next_u64(), b.next_u64());
    }

    /// Bernoulli frequencies and the mean and variance of the uniforms
    /// (1/2 and 1/12, less 2^-33 and a 2^-64 order term) within 4 standard
    /// errors over 10^6 draws.
    #[test]
    fn uniform_moments_and_bernoulli_frequency() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut u = HalfWordUniforms::new();
        let m = 1_000_000;
        let draws: Vec<f64> = (0..m).map(|_| u.next(&mut rng)).collect();
        assert!(draws.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean = draws.iter().sum::<f64>() / m as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1) as f64;
        let se_mean = (1.0 / 12.0 / m as f64).sqrt();
        // Var of (U - 1/2)^2 for a uniform: 1/80 - 1/144 = 1/180.
        let se_var = (1.0 / 180.0 / m as f64).sqrt();
        assert!((mean - 0.5).abs() < 4.0 * se_mean, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 4.0 * se_var, "var {var}");
        for p in [0.0333, 0.35, 0.9] {
            let freq = draws.iter().filter(|&&x| x < p).count() as f64 / m as f64;
            let se = (p * (1.0 - p) / m as f64).sqrt();
            assert!((freq - p).abs() < 4.0 * se, "p {p}: {freq}");
        }
    }
}
