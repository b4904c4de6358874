//! `exp` of hazard linear predictors that recur from patient to patient.
//!
//! A linear predictor built only from categorical levels and count values
//! takes few distinct values (Botkin's progression predictor: seven
//! covariates, all levels or counts), and the same sums come back patient
//! after patient and replicate after replicate. Each is the same sum of the same terms in the same
//! order, so it is the same double, and `exp` of it is the same double: a
//! remembered result is bit for bit the one `exp` would give again, so the
//! memo changes no output, only how often libm's `exp` runs.
//!
//! The memo is direct-mapped and of fixed size (a slot per hash of the
//! argument's bits, the latest argument wins), so its memory does not grow
//! with the number of distinct predictors or replicates.

/// Slots, a power of two: 4 KiB of arguments and 4 KiB of results.
const SLOTS: usize = 512;

/// Remembered `(argument bits, exp(argument))` pairs; keep one per worker.
#[derive(Debug, Clone)]
pub struct ExpMemo {
    /// Argument bits per slot. Every slot starts as `+0.0`, whose `exp` is
    /// exactly 1, so an empty slot is already a true pair.
    keys: Box<[u64; SLOTS]>,
    values: Box<[f64; SLOTS]>,
}

impl Default for ExpMemo {
    fn default() -> Self {
        Self {
            keys: Box::new([0.0_f64.to_bits(); SLOTS]),
            values: Box::new([1.0; SLOTS]),
        }
    }
}

impl ExpMemo {
    /// `x.exp()`, bit for bit.
    #[inline]
    pub fn exp(&mut self, x: f64) -> f64 {
        let bits = x.to_bits();
        // Fibonacci hashing: the top bits of the product mix every bit of
        // the argument, whose low mantissa bits alone vary between sums.
        let slot =
            (bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS.trailing_zeros())) as usize;
        if self.keys[slot] == bits {
            return self.values[slot];
        }
        let y = x.exp();
        self.keys[slot] = bits;
        self.values[slot] = y;
        y
    }
}

#[cfg(test)]
mod tests {
    use super::ExpMemo;
    use rand::{Rng, SeedableRng};

    /// Every answer, remembered or not, has the bits of `exp` itself,
    /// through collisions (more distinct arguments than slots, in a
    /// repeating mix), signed zeros, infinities and NaN.
    #[test]
    fn remembers_exactly_what_exp_gives() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let pool: Vec<f64> = (0..3000)
            .map(|_| rng.gen_range(-3.0..3.0))
            .chain([
                0.0,
                -0.0,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
                709.8,
                -745.2,
            ])
            .collect();
        let mut memo = ExpMemo::default();
        let mut hits = 0;
        for _ in 0..50_000 {
            // Skewed towards the first arguments, as common covariate
            // patterns are.
            let i = (rng.gen::<f64>().powi(4) * pool.len() as f64) as usize;
            let x = pool[i];
            let before = memo.clone();
            let y = memo.exp(x);
            assert_eq!(y.to_bits(), x.exp().to_bits(), "x = {x:e}");
            hits += usize::from(before.keys == memo.keys);
        }
        // The memo is used (about 23,000 hits with this seed; a memo that
        // never keeps a result has almost none) and is overwritten (3,007
        // arguments share 512 slots).
        assert!(hits > 10_000 && hits < 49_000, "hits {hits}");
    }
}
