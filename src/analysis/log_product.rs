//! A sum of logarithms taken as one logarithm of a product.
//!
//! The Cox partial likelihood subtracts `ln(denominator)` at every event
//! time, in every Newton step: with a few hundred events that logarithm was
//! the largest single cost of reanalysing a simulated trial. Multiplying the
//! denominators instead, with the binary exponents split off so the product
//! can neither overflow nor underflow, needs one `ln` per evaluation. Each
//! factor adds one rounding of relative size 2^-53, so the result is as
//! accurate as summing the logarithms (whose running sum rounds at every
//! step too).

use std::f64::consts::LN_2;

const MANTISSA: u64 = (1 << 52) - 1;
const ONE_EXPONENT: u64 = 1023 << 52;

/// `ln(x_1) + ln(x_2) + ...` accumulated as a product.
#[derive(Debug, Clone, Copy)]
pub struct LogProduct {
    /// Product of the factors' mantissas, kept in [1, 2^64).
    mantissa: f64,
    /// Sum of the factors' binary exponents.
    exponent: i64,
    /// Logarithms of factors that are not positive normal numbers (zero,
    /// subnormal, negative, infinite, NaN), added as `ln` gives them, so
    /// the total is what a sum of `ln`s would be: -inf, NaN or exact.
    rest: f64,
}

impl Default for LogProduct {
    fn default() -> Self {
        Self::new()
    }
}

impl LogProduct {
    pub fn new() -> Self {
        LogProduct {
            mantissa: 1.0,
            exponent: 0,
            rest: 0.0,
        }
    }

    /// Adds `ln(x)`.
    #[inline]
    pub fn push(&mut self, x: f64) {
        let bits = x.to_bits();
        let biased = (bits >> 52) as i64;
        // Sign bit clear and a biased exponent in 1..=2046: positive normal.
        if !(1..0x7ff).contains(&biased) {
            self.rest += rare_ln(x);
            return;
        }
        self.exponent += biased - 1023;
        self.mantissa *= f64::from_bits((bits & MANTISSA) | ONE_EXPONENT);
        if self.mantissa >= 18_446_744_073_709_551_616.0 {
            // 2^64: split the exponent off again (exact).
            let b = self.mantissa.to_bits();
            self.exponent += (b >> 52) as i64 - 1023;
            self.mantissa = f64::from_bits((b & MANTISSA) | ONE_EXPONENT);
        }
    }

    /// Adds `count * ln(x)` (tied deaths sharing one denominator).
    #[inline]
    pub fn push_times(&mut self, x: f64, count: usize) {
        for _ in 0..count {
            self.push(x);
        }
    }

    /// The sum of the logarithms pushed so far.
    pub fn ln(&self) -> f64 {
        self.mantissa.ln() + self.exponent as f64 * LN_2 + self.rest
    }
}

/// `ln` behind a call LLVM cannot hoist: it treats `ln` as free of side
/// effects and would otherwise compute it ahead of the branch, for every
/// factor, which is the very cost this type avoids.
#[cold]
#[inline(never)]
fn rare_ln(x: f64) -> f64 {
    x.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_ln(xs: &[f64]) -> f64 {
        xs.iter().map(|x| x.ln()).sum()
    }

    #[test]
    fn equals_the_sum_of_logs_to_rounding() {
        // Denominators of a Cox fit: large, small and every size between.
        let mut xs = Vec::new();
        let mut v = 0.37_f64;
        for k in 0..5000 {
            v = (v * 3.7 + 0.11).fract();
            xs.push(match k % 4 {
                0 => 1.0 + 300.0 * v,
                1 => v * 1e-200,
                2 => v * 1e250,
                _ => 0.5 + v,
            });
        }
        let mut p = LogProduct::new();
        for &x in &xs {
            p.push(x);
        }
        let (got, want) = (p.ln(), sum_ln(&xs));
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }

    #[test]
    fn exact_for_powers_of_two_and_repeated_factors() {
        let mut p = LogProduct::new();
        p.push_times(8.0, 3);
        p.push(0.25);
        assert_eq!(p.ln(), 7.0 * LN_2);
        assert_eq!(LogProduct::new().ln(), 0.0);
    }

    #[test]
    fn zero_negative_and_special_values_behave_like_ln() {
        for (x, check) in [
            (0.0, f64::is_infinite as fn(f64) -> bool),
            (-1.0, f64::is_nan),
            (f64::NAN, f64::is_nan),
            (f64::INFINITY, f64::is_infinite),
        ] {
            let mut p = LogProduct::new();
            p.push(2.0);
            p.push(x);
            assert!(check(p.ln()), "{x}: {}", p.ln());
        }
        let mut p = LogProduct::new();
        p.push(f64::MIN_POSITIVE / 8.0); // subnormal
        assert!((p.ln() - (f64::MIN_POSITIVE / 8.0).ln()).abs() < 1e-12);
    }
}
