//! A proportion (e.g. overall response rate) with the exact Clopper-Pearson
//! interval, as R's `binom.test(x, n, conf.level = level)` reports it
//! (`$estimate`, `$conf.int`, two-sided).
//!
//! R's limits are
//! `lower = if (x == 0) 0 else qbeta(alpha/2, x, n - x + 1)` and
//! `upper = if (x == n) 1 else qbeta(1 - alpha/2, x + 1, n - x)`,
//! `alpha = 1 - level`. The beta quantiles come from statrs' regularised
//! incomplete beta function, inverted here by safeguarded Newton iteration.
//! statrs 0.17's `Beta::inverse_cdf` is *not* used: it is the trait's
//! default 16-step bisection (accurate to only ~6e-5), and
//! `statrs::function::beta::inv_beta_reg` can loop forever when its
//! internal density factor overflows. The one-sided-zero cases use closed
//! forms: `qbeta(q, 1, b) = 1 - (1 - q)^(1/b)` and `qbeta(q, a, 1) = q^(1/a)`.

use std::fmt;

use statrs::function::beta::{checked_beta_reg, ln_beta};

/// A binomial proportion with its exact two-sided interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportion {
    pub successes: u64,
    pub trials: u64,
    /// Confidence level of `lower`/`upper`, e.g. 0.95.
    pub level: f64,
    /// `x / n`.
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Why a proportion could not be computed (R's `binom.test` stops here too).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProportionError {
    /// `n == 0`.
    NoTrials,
    /// `x > n`.
    TooManySuccesses { successes: u64, trials: u64 },
    /// `level` not strictly between 0 and 1 (or NaN).
    InvalidLevel(f64),
}

impl fmt::Display for ProportionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProportionError::NoTrials => write!(f, "proportion needs at least one trial"),
            ProportionError::TooManySuccesses { successes, trials } => {
                write!(f, "{successes} successes out of only {trials} trials")
            }
            ProportionError::InvalidLevel(l) => {
                write!(f, "confidence level {l} is not strictly between 0 and 1")
            }
        }
    }
}

impl std::error::Error for ProportionError {}

/// `binom.test(x, n, conf.level = level)`: estimate `x / n` and the exact
/// Clopper-Pearson interval (lower 0 when `x == 0`, upper 1 when `x == n`,
/// exactly as R).
pub fn clopper_pearson(x: u64, n: u64, level: f64) -> Result<Proportion, ProportionError> {
    if n == 0 {
        return Err(ProportionError::NoTrials);
    }
    if x > n {
        return Err(ProportionError::TooManySuccesses {
            successes: x,
            trials: n,
        });
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(ProportionError::InvalidLevel(level));
    }
    let alpha = (1.0 - level) / 2.0;
    let (xf, nf) = (x as f64, n as f64);
    let lower = if x == 0 {
        0.0
    } else {
        beta_quantile(alpha, xf, nf - xf + 1.0)
    };
    let upper = if x == n {
        1.0
    } else {
        beta_quantile(1.0 - alpha, xf + 1.0, nf - xf)
    };
    Ok(Proportion {
        successes: x,
        trials: n,
        level,
        estimate: xf / nf,
        lower,
        upper,
    })
}

/// Response rate from per-patient indicators (`true` = responder), as
/// [`clopper_pearson`] on the counts.
pub fn response_rate(responders: &[bool], level: f64) -> Result<Proportion, ProportionError> {
    let x = responders.iter().filter(|&&r| r).count() as u64;
    clopper_pearson(x, responders.len() as u64, level)
}

/// `qbeta(q, a, b)` for `0 < q < 1`, `a, b > 0`: Newton on the regularised
/// incomplete beta function, kept inside a shrinking bracket (bisection when
/// a Newton step leaves it), so it terminates for any input. NaN for invalid
/// arguments.
pub(crate) fn beta_quantile(q: f64, a: f64, b: f64) -> f64 {
    if !(q > 0.0 && q < 1.0 && a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
        return f64::NAN;
    }
    // Closed forms (also what R's qbeta converges to): the CP limits at
    // x = 0 / x = n - 1 and friends hit these.
    if a == 1.0 {
        return -((1.0 - q).ln() / b).exp_m1();
    }
    if b == 1.0 {
        return (q.ln() / a).exp();
    }
    let cdf = |p: f64| checked_beta_reg(a, b, p).unwrap_or(f64::NAN);
    let ln_b = ln_beta(a, b);
    let ln_pdf = |p: f64| (a - 1.0) * p.ln() + (b - 1.0) * (-p).ln_1p() - ln_b;

    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    // Start at the mean: always inside (0, 1), and Newton from there is
    // usually quadratic within a few steps for the CP parameter range.
    let mut p = a / (a + b);
    for _ in 0..400 {
        let f = cdf(p) - q;
        if f.is_nan() {
            return f64::NAN;
        }
        if f == 0.0 {
            return p;
        }
        if f > 0.0 {
            hi = p;
        } else {
            lo = p;
        }
        let dens = ln_pdf(p).exp();
        let newton = p - f / dens;
        let next = if dens > 0.0 && newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - p).abs() <= 2.0 * f64::EPSILON * p.abs().max(f64::MIN_POSITIVE) {
            return next;
        }
        if hi - lo <= 2.0 * f64::EPSILON * lo.max(f64::MIN_POSITIVE) {
            return 0.5 * (lo + hi);
        }
        p = next;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_edges() {
        assert_eq!(clopper_pearson(0, 0, 0.95), Err(ProportionError::NoTrials));
        assert!(clopper_pearson(3, 2, 0.95).is_err());
        assert!(clopper_pearson(1, 2, 1.0).is_err());
        assert!(clopper_pearson(1, 2, f64::NAN).is_err());
        let p = clopper_pearson(0, 10, 0.95).unwrap();
        assert_eq!(p.lower, 0.0);
        let p = clopper_pearson(10, 10, 0.95).unwrap();
        assert_eq!(p.upper, 1.0);
        // Display does not panic and says something useful.
        assert!(ProportionError::InvalidLevel(2.0).to_string().contains('2'));
        assert!(beta_quantile(0.5, -1.0, 2.0).is_nan());
    }

    #[test]
    fn symmetric_case_is_exact() {
        // Beta(a, a) median is 1/2.
        let m = beta_quantile(0.5, 7.0, 7.0);
        assert!((m - 0.5).abs() < 1e-15, "{m}");
        let r = response_rate(&[true, false, true, true], 0.9).unwrap();
        assert_eq!((r.successes, r.trials, r.estimate), (3, 4, 0.75));
    }
}
