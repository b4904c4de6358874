//! One-sample log-rank test of a single arm against a known reference
//! survival curve, numerically matching R's one-sample `survival::survdiff`
//! (survival 3.5.x).
//!
//! Single-arm real-world cohorts have no concurrent control; the usual
//! comparison is with a historical control whose curve is taken as known
//! (typically an exponential with the published median). Treating the
//! reference as fixed is what makes this a one-sample test: all the
//! sampling error is in the cohort.
//!
//! # What is computed
//!
//! With `Λ0` the reference cumulative hazard and each patient followed from
//! time 0 to `t_i` (event flag `d_i`):
//!
//! * observed `O = Σ d_i`
//! * expected `E = Σ Λ0(t_i)`: the events each patient would contribute
//!   under the reference, up to their own time, whether the follow-up ended
//!   in an event or a censoring
//! * `chisq = (O - E)² / E` on 1 df, `z = (O - E) / √E`, two-sided
//!   `p = 2 Φ(-|z|)`, computed as survdiff does, as the chi-square upper
//!   tail `pchisq(chisq, 1, lower.tail = FALSE)` (the regularized incomplete
//!   gamma agrees with R to ~1e-15 relative even at p ~ 1e-68; statrs 0.17's
//!   normal tail is only good to ~5e-11).
//!
//! R spells this `survdiff(Surv(time, status) ~ offset(S0))`, where the
//! offset is each subject's reference **survival probability**
//! `S0(t_i) = exp(-Λ0(t_i))` (survdiff stops unless it is in `[0, 1]`) and
//! `E = sum(-log(S0))`. Here `Λ0` is used directly, so `E` agrees with R to
//! rounding (the `-log(exp(-x))` round trip costs R a few ulps relative to
//! `x`), and a reference with `Λ0 = ∞` (survival 0) is rejected rather than
//! giving R's `Inf`/`NaN` statistics. survdiff's `timefix` merging of
//! near-equal times does not matter: times enter only through `Λ0`, and
//! ties need no special handling.
//!
//! The standardized event ratio `O / E` (an SMR) comes with an exact
//! (Garwood) Poisson interval treating `E` as fixed, as R's
//! `poisson.test(O, E)$conf.int` reports it.
//!
//! Delayed entry (left truncation) is not supported: it would need
//! `Λ0(t_i) - Λ0(entry_i)`.
//!
//! ```
//! use cohortsim::analysis::one_sample_logrank::one_sample_logrank_exponential;
//! let time = [2.0, 5.0, 7.5, 12.0, 20.0];
//! let event = [true, true, false, true, false];
//! let res = one_sample_logrank_exponential(&time, &event, 10.0).unwrap();
//! assert_eq!(res.observed, 3.0);
//! // E = ln 2 * (2 + 5 + 7.5 + 12 + 20) / 10
//! assert!((res.expected - std::f64::consts::LN_2 * 4.65).abs() < 1e-12);
//! assert!(res.z < 0.0 && res.p_value > 0.05);
//! ```

use std::fmt;

use statrs::function::gamma::{checked_gamma_lr, checked_gamma_ur, ln_gamma};

use super::cox::chisq_sf;

/// Why a one-sample test could not be computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OneSampleError {
    /// No subjects.
    Empty,
    /// `time` and `event` differ in length.
    LengthMismatch {
        /// `time.len()`
        time: usize,
        /// `event.len()`
        event: usize,
    },
    /// A time is NaN, infinite or negative.
    InvalidTime {
        /// first offending row
        row: usize,
    },
    /// The reference median is not finite and positive.
    InvalidMedian {
        /// the median given
        median: f64,
    },
    /// The reference cumulative hazard at a subject's time is NaN, negative
    /// or infinite (survdiff would reject the offset, or return `Inf`/`NaN`).
    InvalidCumulativeHazard {
        /// first offending row
        row: usize,
    },
    /// The expected number of events is 0 (e.g. every time is 0), so no
    /// statistic exists.
    NoExpectedEvents,
}

impl fmt::Display for OneSampleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OneSampleError::Empty => write!(f, "no subjects"),
            OneSampleError::LengthMismatch { time, event } => {
                write!(f, "input lengths differ: time {time}, event {event}")
            }
            OneSampleError::InvalidTime { row } => {
                write!(f, "time at row {row} is not finite and >= 0")
            }
            OneSampleError::InvalidMedian { median } => {
                write!(f, "reference median {median} is not finite and positive")
            }
            OneSampleError::InvalidCumulativeHazard { row } => write!(
                f,
                "reference cumulative hazard at row {row} is not finite and >= 0"
            ),
            OneSampleError::NoExpectedEvents => {
                write!(
                    f,
                    "no events expected under the reference: no test possible"
                )
            }
        }
    }
}

impl std::error::Error for OneSampleError {}

/// Result of a one-sample log-rank test (survdiff's `obs`, `exp`, `chisq`,
/// `pvalue`, plus the signed statistic).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneSampleLogRank {
    /// Number of events `O`.
    pub observed: f64,
    /// Events expected under the reference, `E = Σ Λ0(t_i)` (> 0).
    pub expected: f64,
    /// `(O - E)² / E`, chi-square on 1 df.
    pub chisq: f64,
    /// `(O - E) / √E`; negative means fewer events than the reference
    /// predicts, i.e. better survival.
    pub z: f64,
    /// Two-sided p-value, `2 Φ(-|z|)` (= survdiff's chi-square p-value).
    pub p_value: f64,
}

/// Standardized event ratio `O / E` with an exact Poisson interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smr {
    /// `O / E`.
    pub ratio: f64,
    /// Lower bound (0 when `O == 0`).
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

impl OneSampleLogRank {
    /// `O / E`: below 1 means fewer events than the reference predicts.
    pub fn smr(&self) -> f64 {
        self.observed / self.expected
    }

    /// [`smr_exact`] of this result at the given two-sided `level`.
    pub fn smr_exact(&self, level: f64) -> Option<Smr> {
        smr_exact(self.observed, self.expected, level)
    }
}

/// One-sample log-rank test against an exponential reference with the given
/// median (hazard `ln 2 / median`), the usual form when the historical
/// control is summarised by its median only.
pub fn one_sample_logrank_exponential(
    time: &[f64],
    event: &[bool],
    reference_median: f64,
) -> Result<OneSampleLogRank, OneSampleError> {
    if !(reference_median.is_finite() && reference_median > 0.0) {
        return Err(OneSampleError::InvalidMedian {
            median: reference_median,
        });
    }
    let hazard = std::f64::consts::LN_2 / reference_median;
    one_sample_logrank(time, event, |t| hazard * t)
}

/// One-sample log-rank test against any reference cumulative hazard `Λ0`,
/// evaluated once at each subject's time. `Λ0` must be finite and `>= 0` at
/// every observed time.
pub fn one_sample_logrank(
    time: &[f64],
    event: &[bool],
    cumulative_hazard: impl Fn(f64) -> f64,
) -> Result<OneSampleLogRank, OneSampleError> {
    if time.len() != event.len() {
        return Err(OneSampleError::LengthMismatch {
            time: time.len(),
            event: event.len(),
        });
    }
    if time.is_empty() {
        return Err(OneSampleError::Empty);
    }
    let mut observed = 0.0;
    let mut expected = 0.0;
    for (row, (&t, &d)) in time.iter().zip(event).enumerate() {
        // `!(t >= 0)` also catches NaN.
        if !(t >= 0.0 && t.is_finite()) {
            return Err(OneSampleError::InvalidTime { row });
        }
        let h = cumulative_hazard(t);
        if !(h >= 0.0 && h.is_finite()) {
            return Err(OneSampleError::InvalidCumulativeHazard { row });
        }
        expected += h;
        if d {
            observed += 1.0;
        }
    }
    if expected <= 0.0 {
        return Err(OneSampleError::NoExpectedEvents);
    }
    // survdiff's operation order: num <- var - observed; chi <- num^2 / var.
    let num = expected - observed;
    let chisq = num * num / expected;
    let z = (observed - expected) / expected.sqrt();
    Ok(OneSampleLogRank {
        observed,
        expected,
        chisq,
        z,
        p_value: chisq_sf(chisq, 1.0),
    })
}

/// Exact (Garwood) interval for `O / E`, treating `O` as Poisson with mean
/// `E × SMR` and `E` as known: `[qgamma(a/2, O), qgamma(1 - a/2, O + 1)] / E`
/// with `a = 1 - level`, the lower bound 0 when `O == 0`. This is R's
/// `poisson.test(O, E, conf.level = level)$conf.int`.
///
/// `None` unless `O` is a non-negative whole number, `E` finite and
/// positive, and `0 < level < 1`.
pub fn smr_exact(observed: f64, expected: f64, level: f64) -> Option<Smr> {
    let valid = observed >= 0.0
        && observed.is_finite()
        && observed.fract() == 0.0
        && expected > 0.0
        && expected.is_finite()
        && level > 0.0
        && level < 1.0;
    if !valid {
        return None;
    }
    let tail = 0.5 * (1.0 - level);
    let lower = if observed == 0.0 {
        0.0
    } else {
        gamma_quantile(observed, tail, Tail::Lower)?
    };
    let upper = gamma_quantile(observed + 1.0, tail, Tail::Upper)?;
    Some(Smr {
        ratio: observed / expected,
        lower: lower / expected,
        upper: upper / expected,
    })
}

/// Which tail probability [`gamma_quantile`] is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// `P(X <= x) = prob`
    Lower,
    /// `P(X > x) = prob`
    Upper,
}

/// Quantile of the unit-scale gamma with shape `a`, given the probability of
/// the tail it cuts off. Taking the upper tail directly avoids `1 - prob`
/// cancellation for the upper confidence bound. statrs' own
/// `Gamma::inverse_cdf` stops after a fixed, small number of steps, which is
/// not enough for agreement with R's `qgamma` to ~1e-12, hence this
/// safeguarded Newton iteration on a bracket.
fn gamma_quantile(a: f64, prob: f64, tail: Tail) -> Option<f64> {
    // g is increasing in x and has its root at the quantile.
    let g = |x: f64| -> Option<f64> {
        match tail {
            Tail::Lower => checked_gamma_lr(a, x).ok().map(|p| p - prob),
            Tail::Upper => checked_gamma_ur(a, x).ok().map(|q| prob - q),
        }
    };
    let log_norm = ln_gamma(a);
    let density = |x: f64| ((a - 1.0) * x.ln() - x - log_norm).exp();

    let mut lo = 0.0_f64;
    let mut hi = a.max(1.0);
    let mut guard = 0;
    while g(hi)? < 0.0 {
        lo = hi;
        hi *= 2.0;
        guard += 1;
        if guard > 1100 || !hi.is_finite() {
            return None;
        }
    }
    let mut x = 0.5 * (lo + hi);
    for _ in 0..300 {
        let gx = g(x)?;
        if gx == 0.0 {
            return Some(x);
        }
        if gx < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - gx / density(x);
        let next = if newton > lo && newton < hi && newton.is_finite() {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 4.0 * f64::EPSILON * x || hi - lo <= 4.0 * f64::EPSILON * hi {
            return Some(next);
        }
        x = next;
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors() {
        let t = [1.0, 2.0];
        let e = [true, false];
        assert_eq!(
            one_sample_logrank_exponential(&[], &[], 5.0),
            Err(OneSampleError::Empty)
        );
        assert_eq!(
            one_sample_logrank_exponential(&t, &e[..1], 5.0),
            Err(OneSampleError::LengthMismatch { time: 2, event: 1 })
        );
        for bad in [f64::NAN, -1.0, f64::INFINITY] {
            assert_eq!(
                one_sample_logrank_exponential(&[1.0, bad], &e, 5.0),
                Err(OneSampleError::InvalidTime { row: 1 })
            );
        }
        for m in [0.0, -2.0, f64::INFINITY] {
            assert_eq!(
                one_sample_logrank_exponential(&t, &e, m),
                Err(OneSampleError::InvalidMedian { median: m })
            );
        }
        assert!(matches!(
            one_sample_logrank_exponential(&t, &e, f64::NAN),
            Err(OneSampleError::InvalidMedian { .. })
        ));
        assert_eq!(
            one_sample_logrank_exponential(&[0.0, 0.0], &e, 5.0),
            Err(OneSampleError::NoExpectedEvents)
        );
        assert_eq!(
            one_sample_logrank(&t, &e, |t| if t > 1.5 { f64::NAN } else { t }),
            Err(OneSampleError::InvalidCumulativeHazard { row: 1 })
        );
        assert_eq!(
            one_sample_logrank(&t, &e, |t| -t),
            Err(OneSampleError::InvalidCumulativeHazard { row: 0 })
        );
        assert_eq!(
            one_sample_logrank(&t, &e, |_| f64::INFINITY),
            Err(OneSampleError::InvalidCumulativeHazard { row: 0 })
        );
        // Every error has a message.
        assert!(!OneSampleError::NoExpectedEvents.to_string().is_empty());
    }

    #[test]
    fn hand_computed() {
        // Unit hazard: E = 1 + 2 + 3 = 6, O = 2, z = -4 / sqrt 6.
        let r = one_sample_logrank(&[1.0, 2.0, 3.0], &[true, true, false], |t| t).unwrap();
        assert_eq!(r.observed, 2.0);
        assert_eq!(r.expected, 6.0);
        assert!((r.chisq - 16.0 / 6.0).abs() < 1e-15);
        assert!((r.z + 4.0 / 6.0_f64.sqrt()).abs() < 1e-15);
        // 2 * pnorm(-4 / sqrt(6)) in R
        assert!((r.p_value - 0.102_470_434_859_749_35).abs() < 1e-13);
        assert!((r.smr() - 1.0 / 3.0).abs() < 1e-15);
        // z and chisq agree
        assert!((r.z * r.z - r.chisq).abs() < 1e-13);
    }

    #[test]
    fn exponential_matches_generic() {
        let t = [0.5, 3.0, 3.0, 8.25, 14.0];
        let e = [true, false, true, true, false];
        let a = one_sample_logrank_exponential(&t, &e, 7.0).unwrap();
        let h = std::f64::consts::LN_2 / 7.0;
        let b = one_sample_logrank(&t, &e, |x| h * x).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn smr_interval() {
        // poisson.test(3, 2)$conf.int in R
        let s = smr_exact(3.0, 2.0, 0.95).unwrap();
        assert!((s.ratio - 1.5).abs() < 1e-15);
        assert!((s.lower - 0.309_336_061_447_800_8).abs() < 1e-12);
        assert!((s.upper - 4.383_636_534_871_162).abs() < 1e-12);
        // O = 0: lower bound 0, upper = -log(0.025) / E
        let s = smr_exact(0.0, 1.0, 0.95).unwrap();
        assert_eq!(s.lower, 0.0);
        assert!((s.upper - (-(0.025_f64).ln())).abs() < 1e-13);
        assert!(smr_exact(1.5, 1.0, 0.95).is_none());
        assert!(smr_exact(-1.0, 1.0, 0.95).is_none());
        assert!(smr_exact(1.0, 0.0, 0.95).is_none());
        assert!(smr_exact(1.0, 1.0, 1.0).is_none());
        assert!(smr_exact(1.0, f64::NAN, 0.95).is_none());
        // large counts stay monotone and bracket the ratio
        let s = smr_exact(5000.0, 4000.0, 0.99).unwrap();
        assert!(s.lower < 1.25 && 1.25 < s.upper);
    }
}
