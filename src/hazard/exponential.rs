//! Constant hazard: the memoryless reference family.

use super::CumulativeHazard;
use rand::distributions::Distribution;
use rand::Rng;
use rand_distr::Exp1;
use std::f64::consts::LN_2;
use std::fmt;

/// Constant hazard `h(t) = rate`, `S(t) = exp(-rate t)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    rate: f64,
}

/// Why an [`Exponential`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExponentialError {
    /// The rate was zero, negative, NaN or infinite.
    InvalidRate(f64),
    /// The median was zero, negative, NaN or infinite.
    InvalidMedian(f64),
    /// The median is valid but so small that `ln 2 / median` overflows.
    UnreachableMedian(f64),
}

impl fmt::Display for ExponentialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRate(v) => {
                write!(f, "exponential rate must be finite and > 0, got {v}")
            }
            Self::InvalidMedian(v) => {
                write!(f, "exponential median must be finite and > 0, got {v}")
            }
            Self::UnreachableMedian(v) => write!(
                f,
                "exponential median {v} needs a rate ln(2)/median that is not a finite positive number"
            ),
        }
    }
}

impl std::error::Error for ExponentialError {}

impl Exponential {
    /// Builds the family from its event rate (per month).
    pub fn new(rate: f64) -> Result<Self, ExponentialError> {
        if rate.is_finite() && rate > 0.0 {
            Ok(Self { rate })
        } else {
            Err(ExponentialError::InvalidRate(rate))
        }
    }

    /// Builds the family whose median is `median` months (rate = ln 2 / median),
    /// because trial reports quote medians rather than rates.
    pub fn from_median(median: f64) -> Result<Self, ExponentialError> {
        if !(median.is_finite() && median > 0.0) {
            return Err(ExponentialError::InvalidMedian(median));
        }
        Self::new(LN_2 / median).map_err(|_| ExponentialError::UnreachableMedian(median))
    }

    /// Event rate per month.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

impl CumulativeHazard for Exponential {
    fn hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            f64::NAN
        } else if t < 0.0 {
            0.0
        } else {
            self.rate
        }
    }

    fn cumulative_hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            f64::NAN
        } else if t <= 0.0 {
            0.0
        } else {
            self.rate * t
        }
    }

    fn inverse_cumulative_hazard(&self, h: f64) -> f64 {
        if h.is_nan() {
            f64::NAN
        } else if h <= 0.0 {
            0.0
        } else {
            h / self.rate
        }
    }

    fn median(&self) -> f64 {
        LN_2 / self.rate
    }
}

impl Distribution<f64> for Exponential {
    /// Exact inversion of one `Exp(1)` draw (not `rand_distr::Exp`, so that the
    /// draw count and stream alignment match every other family).
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let e: f64 = Exp1.sample(rng);
        self.inverse_cumulative_hazard(e)
    }
}
