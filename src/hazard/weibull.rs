//! Weibull hazard: monotone increasing (shape > 1) or decreasing (shape < 1)
//! risk, the workhorse parametric model for progression and death.

use super::CumulativeHazard;
use rand::distributions::Distribution;
use rand::Rng;
use rand_distr::Exp1;
use std::f64::consts::LN_2;
use std::fmt;

/// `S(t) = exp(-(t/scale)^shape)`, `h(t) = (shape/scale) (t/scale)^(shape-1)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weibull {
    shape: f64,
    scale: f64,
}

/// Why a [`Weibull`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WeibullError {
    /// The shape was zero, negative, NaN or infinite.
    InvalidShape(f64),
    /// The scale was zero, negative, NaN or infinite.
    InvalidScale(f64),
    /// The median was zero, negative, NaN or infinite.
    InvalidMedian(f64),
    /// Valid inputs whose implied scale `median / ln(2)^(1/shape)` overflows
    /// or underflows (only for extreme shapes).
    UnreachableMedian { median: f64, shape: f64 },
}

impl fmt::Display for WeibullError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidShape(v) => write!(f, "Weibull shape must be finite and > 0, got {v}"),
            Self::InvalidScale(v) => write!(f, "Weibull scale must be finite and > 0, got {v}"),
            Self::InvalidMedian(v) => {
                write!(f, "Weibull median must be finite and > 0, got {v}")
            }
            Self::UnreachableMedian { median, shape } => write!(
                f,
                "Weibull median {median} with shape {shape} implies a scale that is not a finite positive number"
            ),
        }
    }
}

impl std::error::Error for WeibullError {}

impl Weibull {
    /// Builds the family from its shape and scale (months).
    pub fn new(shape: f64, scale: f64) -> Result<Self, WeibullError> {
        if !(shape.is_finite() && shape > 0.0) {
            return Err(WeibullError::InvalidShape(shape));
        }
        if !(scale.is_finite() && scale > 0.0) {
            return Err(WeibullError::InvalidScale(scale));
        }
        Ok(Self { shape, scale })
    }

    /// Builds the family with the given median (months) and shape; the scale
    /// is `median / ln(2)^(1/shape)`. Medians are what trials report.
    pub fn from_median(median: f64, shape: f64) -> Result<Self, WeibullError> {
        if !(shape.is_finite() && shape > 0.0) {
            return Err(WeibullError::InvalidShape(shape));
        }
        if !(median.is_finite() && median > 0.0) {
            return Err(WeibullError::InvalidMedian(median));
        }
        let scale = median / LN_2.powf(1.0 / shape);
        Self::new(shape, scale).map_err(|_| WeibullError::UnreachableMedian { median, shape })
    }

    /// Shape: > 1 increasing hazard, < 1 decreasing, 1 exponential.
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// Scale in months: the time by which `1 - e^{-1}` (63%) have had the event.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl CumulativeHazard for Weibull {
    fn hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            f64::NAN
        } else if t < 0.0 {
            0.0
        } else {
            // powf gives the right limits at 0 and infinity for every shape
            // (0^negative = inf, x^0 = 1), so no special cases are needed.
            self.shape / self.scale * (t / self.scale).powf(self.shape - 1.0)
        }
    }

    fn cumulative_hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            f64::NAN
        } else if t <= 0.0 {
            0.0
        } else {
            (t / self.scale).powf(self.shape)
        }
    }

    fn inverse_cumulative_hazard(&self, h: f64) -> f64 {
        if h.is_nan() {
            f64::NAN
        } else if h <= 0.0 {
            0.0
        } else {
            self.scale * h.powf(1.0 / self.shape)
        }
    }
}

impl Distribution<f64> for Weibull {
    /// Exact inversion of one `Exp(1)` draw.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let e: f64 = Exp1.sample(rng);
        self.inverse_cumulative_hazard(e)
    }
}
