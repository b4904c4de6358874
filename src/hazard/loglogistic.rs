//! Log-logistic hazard: rises then falls when shape > 1, a common shape for
//! progression after an initial response; its median is simply the scale.

use super::CumulativeHazard;
use rand::distributions::Distribution;
use rand::Rng;
use rand_distr::Exp1;
use std::fmt;

/// `S(t) = 1 / (1 + (t/scale)^shape)`, `H(t) = ln(1 + (t/scale)^shape)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogLogistic {
    shape: f64,
    scale: f64,
}

/// Why a [`LogLogistic`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LogLogisticError {
    /// The shape was zero, negative, NaN or infinite.
    InvalidShape(f64),
    /// The scale was zero, negative, NaN or infinite.
    InvalidScale(f64),
    /// The median was zero, negative, NaN or infinite.
    InvalidMedian(f64),
}

impl fmt::Display for LogLogisticError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidShape(v) => {
                write!(f, "log-logistic shape must be finite and > 0, got {v}")
            }
            Self::InvalidScale(v) => {
                write!(f, "log-logistic scale must be finite and > 0, got {v}")
            }
            Self::InvalidMedian(v) => {
                write!(f, "log-logistic median must be finite and > 0, got {v}")
            }
        }
    }
}

impl std::error::Error for LogLogisticError {}

impl LogLogistic {
    /// Builds the family from its shape and scale (months).
    pub fn new(shape: f64, scale: f64) -> Result<Self, LogLogisticError> {
        if !(shape.is_finite() && shape > 0.0) {
            return Err(LogLogisticError::InvalidShape(shape));
        }
        if !(scale.is_finite() && scale > 0.0) {
            return Err(LogLogisticError::InvalidScale(scale));
        }
        Ok(Self { shape, scale })
    }

    /// Builds the family with the given median (months), which is its scale.
    pub fn from_median(median: f64, shape: f64) -> Result<Self, LogLogisticError> {
        if !(median.is_finite() && median > 0.0) {
            return Err(LogLogisticError::InvalidMedian(median));
        }
        Self::new(shape, median)
    }

    /// Shape: > 1 gives a hazard that rises then falls; <= 1 a decreasing one.
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// Scale in months, equal to the median.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl CumulativeHazard for LogLogistic {
    fn hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            return f64::NAN;
        }
        if t < 0.0 {
            return 0.0;
        }
        let z = (t / self.scale).powf(self.shape);
        if z.is_infinite() {
            // The formula below would be inf/inf; the exact limit of
            // h(t) = (shape/t) * z/(1+z) is shape/t.
            self.shape / t
        } else {
            self.shape / self.scale * (t / self.scale).powf(self.shape - 1.0) / (1.0 + z)
        }
    }

    fn cumulative_hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            f64::NAN
        } else if t <= 0.0 {
            0.0
        } else {
            (t / self.scale).powf(self.shape).ln_1p()
        }
    }

    fn inverse_cumulative_hazard(&self, h: f64) -> f64 {
        if h.is_nan() {
            f64::NAN
        } else if h <= 0.0 {
            0.0
        } else {
            self.scale * h.exp_m1().powf(1.0 / self.shape)
        }
    }

    fn median(&self) -> f64 {
        self.scale
    }
}

impl Distribution<f64> for LogLogistic {
    /// Exact inversion of one `Exp(1)` draw.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let e: f64 = Exp1.sample(rng);
        self.inverse_cumulative_hazard(e)
    }
}
