//! Gompertz hazard: exponentially changing risk. A positive shape models
//! ageing-like acceleration; a negative shape models risk that fades away, so
//! that a fraction `exp(-rate/|shape|)` never has the event (a "cure" model).

use super::series::{expm1_over_x, ln1p_over_x};
use super::CumulativeHazard;
use rand::distributions::Distribution;
use rand::Rng;
use rand_distr::Exp1;
use std::f64::consts::LN_2;
use std::fmt;

/// Shapes with `|shape|` below this are stored as exactly 0 (the exponential
/// limit). Over any clinical horizon such a shape changes the hazard by less
/// than 1e-9 relative, while a tiny *negative* shape would otherwise make the
/// distribution formally defective; snapping removes that artefact of fitting
/// noise. Shapes just above the threshold are still evaluated accurately
/// thanks to the series in `series.rs`, so there is no jump at the threshold.
pub const EXPONENTIAL_LIMIT_SHAPE: f64 = 1e-12;

/// `h(t) = rate * exp(shape * t)`,
/// `H(t) = rate * (exp(shape t) - 1) / shape` (`rate * t` when `shape = 0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gompertz {
    shape: f64,
    rate: f64,
}

/// Why a [`Gompertz`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GompertzError {
    /// The shape was NaN or infinite (any finite sign is allowed).
    InvalidShape(f64),
    /// The initial rate was zero, negative, NaN or infinite.
    InvalidRate(f64),
    /// The median was zero, negative, NaN or infinite.
    InvalidMedian(f64),
    /// No finite positive rate gives this median with this shape (the implied
    /// rate overflows or underflows, e.g. a huge positive `shape * median`).
    UnreachableMedian { median: f64, shape: f64 },
}

impl fmt::Display for GompertzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidShape(v) => write!(f, "Gompertz shape must be finite, got {v}"),
            Self::InvalidRate(v) => write!(f, "Gompertz rate must be finite and > 0, got {v}"),
            Self::InvalidMedian(v) => {
                write!(f, "Gompertz median must be finite and > 0, got {v}")
            }
            Self::UnreachableMedian { median, shape } => write!(
                f,
                "Gompertz median {median} is unreachable with shape {shape}: the implied rate is not a finite positive number"
            ),
        }
    }
}

impl std::error::Error for GompertzError {}

fn snap_shape(shape: f64) -> f64 {
    if shape.abs() < EXPONENTIAL_LIMIT_SHAPE {
        0.0
    } else {
        shape
    }
}

impl Gompertz {
    /// Builds the family from its shape (per month, any finite sign) and its
    /// hazard at time 0, `rate` (per month).
    pub fn new(shape: f64, rate: f64) -> Result<Self, GompertzError> {
        if !shape.is_finite() {
            return Err(GompertzError::InvalidShape(shape));
        }
        if !(rate.is_finite() && rate > 0.0) {
            return Err(GompertzError::InvalidRate(rate));
        }
        Ok(Self {
            shape: snap_shape(shape),
            rate,
        })
    }

    /// Builds the family with the given median (months) and shape. Because
    /// `H(median)` is proportional to `rate`, any finite median can be hit by
    /// rescaling the rate, even for negative shapes (the cure fraction then
    /// adjusts to stay below one half).
    pub fn from_median(median: f64, shape: f64) -> Result<Self, GompertzError> {
        if !shape.is_finite() {
            return Err(GompertzError::InvalidShape(shape));
        }
        if !(median.is_finite() && median > 0.0) {
            return Err(GompertzError::InvalidMedian(median));
        }
        let shape = snap_shape(shape);
        let rate = LN_2 / (median * expm1_over_x(shape * median));
        Self::new(shape, rate).map_err(|_| GompertzError::UnreachableMedian { median, shape })
    }

    /// Shape per month (0 after snapping tiny shapes, see
    /// [`EXPONENTIAL_LIMIT_SHAPE`]).
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// Hazard at time 0, per month.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Fraction of patients who never have the event: `exp(-rate/|shape|)`
    /// for negative shapes, 0 otherwise.
    pub fn cure_fraction(&self) -> f64 {
        self.survival(f64::INFINITY)
    }
}

impl CumulativeHazard for Gompertz {
    fn hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            f64::NAN
        } else if t < 0.0 {
            0.0
        } else if self.shape == 0.0 {
            // Avoids 0 * inf = NaN at t = inf.
            self.rate
        } else {
            self.rate * (self.shape * t).exp()
        }
    }

    fn cumulative_hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            f64::NAN
        } else if t <= 0.0 {
            0.0
        } else if t == f64::INFINITY {
            if self.shape < 0.0 {
                self.rate / -self.shape
            } else {
                f64::INFINITY
            }
        } else {
            self.rate * t * expm1_over_x(self.shape * t)
        }
    }

    /// Closed form `t = ln(1 + shape h / rate) / shape`, written through
    /// `ln1p(y)/y` so it is exact in the exponential limit; infinite when a
    /// negative shape caps `H` below `h`.
    fn inverse_cumulative_hazard(&self, h: f64) -> f64 {
        if h.is_nan() {
            return f64::NAN;
        }
        if h <= 0.0 {
            return 0.0;
        }
        if h == f64::INFINITY {
            return f64::INFINITY;
        }
        let y = self.shape * h / self.rate;
        if y <= -1.0 {
            return f64::INFINITY;
        }
        h / self.rate * ln1p_over_x(y)
    }
}

impl Distribution<f64> for Gompertz {
    /// Exact inversion of one `Exp(1)` draw; `f64::INFINITY` for cured draws.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let e: f64 = Exp1.sample(rng);
        self.inverse_cumulative_hazard(e)
    }
}
