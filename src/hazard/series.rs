//! Numerically stable evaluation of functions with a removable singularity at 0.
//!
//! The Gompertz family and the constant-hazard illness-death formulas both
//! contain `expm1(x)/x` or `ln1p(x)/x`; evaluating them naively loses all
//! precision (or divides by zero) as `x -> 0`, which is exactly the
//! exponential limit users hit with tiny shapes or nearly equal rates.

/// Below this magnitude the truncated Taylor series is used; its truncation
/// error is about `x^4 / 120 < 1e-22`, far below double-precision rounding.
const SERIES_THRESHOLD: f64 = 1e-5;

/// `(e^x - 1) / x`, continuous at `x = 0` (value 1) and finite for `x -> -inf`
/// (value 0). Returns `+inf` for `x = +inf`.
pub(crate) fn expm1_over_x(x: f64) -> f64 {
    if x.abs() < SERIES_THRESHOLD {
        1.0 + x * (0.5 + x * (1.0 / 6.0 + x / 24.0))
    } else if x == f64::INFINITY {
        f64::INFINITY
    } else {
        x.exp_m1() / x
    }
}

/// `ln(1 + x) / x`, continuous at `x = 0` (value 1) and tending to 0 for
/// `x -> +inf`. Undefined (NaN) for `x < -1`, `+inf` at `x = -1`; callers must
/// rule those out first.
pub(crate) fn ln1p_over_x(x: f64) -> f64 {
    if x.abs() < SERIES_THRESHOLD {
        1.0 + x * (-0.5 + x * (1.0 / 3.0 - x / 4.0))
    } else if x == f64::INFINITY {
        0.0
    } else {
        x.ln_1p() / x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_direct_branches_agree_at_the_threshold() {
        for &x in &[SERIES_THRESHOLD, -SERIES_THRESHOLD] {
            let below = x * (1.0 - 1e-9);
            let above = x * (1.0 + 1e-9);
            assert!((expm1_over_x(below) - expm1_over_x(above)).abs() < 1e-13);
            assert!((ln1p_over_x(below) - ln1p_over_x(above)).abs() < 1e-13);
        }
    }

    #[test]
    fn limits_are_exact() {
        assert_eq!(expm1_over_x(0.0), 1.0);
        assert_eq!(ln1p_over_x(0.0), 1.0);
        assert_eq!(expm1_over_x(f64::NEG_INFINITY), 0.0);
        assert_eq!(expm1_over_x(f64::INFINITY), f64::INFINITY);
        assert_eq!(ln1p_over_x(f64::INFINITY), 0.0);
        assert!((expm1_over_x(1.0) - (1f64.exp() - 1.0)).abs() < 1e-15);
        assert!((ln1p_over_x(1.0) - 2f64.ln()).abs() < 1e-15);
    }
}
