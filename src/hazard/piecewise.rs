//! Piecewise-constant hazard: the flexible, assumption-light family used to
//! reproduce digitised Kaplan-Meier curves interval by interval.
//!
//! Storage is a fixed-capacity array so the type stays `Copy` (and therefore
//! so do [`BaselineHazard`](super::BaselineHazard) and the outcome models
//! built from it) without heap allocation per patient.

use super::CumulativeHazard;
use rand::distributions::Distribution;
use rand::Rng;
use rand_distr::Exp1;
use std::f64::consts::LN_2;
use std::fmt;

/// Maximum number of constant pieces a [`PiecewiseConstant`] can hold.
pub const MAX_PIECES: usize = 16;

/// Hazard `rates[i]` on `[starts[i], starts[i+1])`, with `starts[0] = 0` and
/// the last piece extending to infinity.
///
/// Rates may be zero anywhere (periods without events), provided at least one
/// is positive. If the **last** rate is zero the distribution is defective:
/// patients who reach the last start without the event never have it, and the
/// inverse cumulative hazard (hence sampling) returns `f64::INFINITY`. This is
/// allowed on purpose, mirroring Gompertz cure models, e.g. for "no relapses
/// observed after 10 years" assumptions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PiecewiseConstant {
    len: usize,
    starts: [f64; MAX_PIECES],
    rates: [f64; MAX_PIECES],
}

/// Why a [`PiecewiseConstant`] could not be built. Indices refer to the slices
/// passed by the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PiecewiseConstantError {
    /// No rates were given.
    NoPieces,
    /// More than [`MAX_PIECES`] rates were given.
    TooManyPieces { pieces: usize },
    /// `rates.len()` must equal `starts_after_zero.len() + 1`.
    LengthMismatch { starts: usize, rates: usize },
    /// A start was NaN, infinite, zero or negative (0 is implicit).
    InvalidStart { index: usize, value: f64 },
    /// Starts must be strictly increasing.
    StartsNotIncreasing {
        index: usize,
        previous: f64,
        value: f64,
    },
    /// A rate was negative, NaN or infinite.
    InvalidRate { index: usize, value: f64 },
    /// Every rate was zero, so no patient could ever have the event.
    AllRatesZero,
    /// The median was zero, negative, NaN or infinite.
    InvalidMedian(f64),
    /// The relative rates give zero cumulative hazard at the median (or the
    /// required scaling overflows), so no scaling can place the median there.
    UnreachableMedian { median: f64 },
}

impl fmt::Display for PiecewiseConstantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPieces => write!(f, "piecewise-constant hazard needs at least one rate"),
            Self::TooManyPieces { pieces } => write!(
                f,
                "piecewise-constant hazard supports at most {MAX_PIECES} pieces, got {pieces}"
            ),
            Self::LengthMismatch { starts, rates } => write!(
                f,
                "piecewise-constant hazard needs one more rate than starts after zero, got {starts} starts and {rates} rates"
            ),
            Self::InvalidStart { index, value } => write!(
                f,
                "piecewise-constant start[{index}] must be finite and > 0, got {value}"
            ),
            Self::StartsNotIncreasing {
                index,
                previous,
                value,
            } => write!(
                f,
                "piecewise-constant start[{index}] = {value} must be greater than the previous start {previous}"
            ),
            Self::InvalidRate { index, value } => write!(
                f,
                "piecewise-constant rate[{index}] must be finite and >= 0, got {value}"
            ),
            Self::AllRatesZero => {
                write!(f, "piecewise-constant hazard needs at least one positive rate")
            }
            Self::InvalidMedian(v) => write!(
                f,
                "piecewise-constant median must be finite and > 0, got {v}"
            ),
            Self::UnreachableMedian { median } => write!(
                f,
                "piecewise-constant median {median} is unreachable: the relative rates give no usable cumulative hazard by then"
            ),
        }
    }
}

impl std::error::Error for PiecewiseConstantError {}

impl PiecewiseConstant {
    /// Builds the hazard from the interior change points (months, strictly
    /// increasing, all > 0) and one rate per piece (per month, >= 0).
    pub fn new(starts_after_zero: &[f64], rates: &[f64]) -> Result<Self, PiecewiseConstantError> {
        use PiecewiseConstantError as E;
        if rates.is_empty() {
            return Err(E::NoPieces);
        }
        if rates.len() > MAX_PIECES {
            return Err(E::TooManyPieces {
                pieces: rates.len(),
            });
        }
        if rates.len() != starts_after_zero.len() + 1 {
            return Err(E::LengthMismatch {
                starts: starts_after_zero.len(),
                rates: rates.len(),
            });
        }
        let mut starts = [0.0; MAX_PIECES];
        let mut previous = 0.0;
        for ((index, &value), slot) in starts_after_zero.iter().enumerate().zip(&mut starts[1..]) {
            if !(value.is_finite() && value > 0.0) {
                return Err(E::InvalidStart { index, value });
            }
            if value <= previous {
                return Err(E::StartsNotIncreasing {
                    index,
                    previous,
                    value,
                });
            }
            *slot = value;
            previous = value;
        }
        let mut stored_rates = [0.0; MAX_PIECES];
        for ((index, &value), slot) in rates.iter().enumerate().zip(&mut stored_rates) {
            if !(value.is_finite() && value >= 0.0) {
                return Err(E::InvalidRate { index, value });
            }
            *slot = value;
        }
        if rates.iter().all(|&r| r == 0.0) {
            return Err(E::AllRatesZero);
        }
        Ok(Self {
            len: rates.len(),
            starts,
            rates: stored_rates,
        })
    }

    /// Builds the hazard whose rates are `relative_rates` times the single
    /// factor that makes the median exactly `median` months: the usual way to
    /// keep a published hazard *shape* while matching a trial's median.
    pub fn from_median(
        median: f64,
        starts_after_zero: &[f64],
        relative_rates: &[f64],
    ) -> Result<Self, PiecewiseConstantError> {
        let relative = Self::new(starts_after_zero, relative_rates)?;
        if !(median.is_finite() && median > 0.0) {
            return Err(PiecewiseConstantError::InvalidMedian(median));
        }
        let unreachable = PiecewiseConstantError::UnreachableMedian { median };
        let factor = LN_2 / relative.cumulative_hazard(median);
        if !(factor.is_finite() && factor > 0.0) {
            return Err(unreachable);
        }
        let mut scaled = relative;
        for rate in &mut scaled.rates[..scaled.len] {
            let r = *rate * factor;
            // A positive rate must stay positive and finite after scaling,
            // otherwise the stated median would silently be missed.
            if !r.is_finite() || (*rate > 0.0 && r == 0.0) {
                return Err(unreachable);
            }
            *rate = r;
        }
        Ok(scaled)
    }

    /// Number of constant pieces.
    pub fn num_pieces(&self) -> usize {
        self.len
    }

    /// Start of each piece; the first is always 0.
    pub fn starts(&self) -> &[f64] {
        &self.starts[..self.len]
    }

    /// Hazard rate of each piece, per month.
    pub fn rates(&self) -> &[f64] {
        &self.rates[..self.len]
    }

    /// `(start, end, rate)` of each piece; the last end is infinity.
    fn pieces(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        let n = self.len;
        (0..n).map(move |i| {
            let end = if i + 1 < n {
                self.starts[i + 1]
            } else {
                f64::INFINITY
            };
            (self.starts[i], end, self.rates[i])
        })
    }
}

/// `rate * duration`, defining `0 * inf = 0` so that a zero-rate last piece
/// contributes nothing even at `t = inf`.
fn piece_hazard(rate: f64, duration: f64) -> f64 {
    if rate == 0.0 {
        0.0
    } else {
        rate * duration
    }
}

impl CumulativeHazard for PiecewiseConstant {
    /// Right-continuous: at a change point the new piece's rate applies.
    fn hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            return f64::NAN;
        }
        if t < 0.0 {
            return 0.0;
        }
        self.pieces()
            .find(|&(_, end, _)| t < end)
            .map_or(self.rates[self.len - 1], |(_, _, rate)| rate)
    }

    fn cumulative_hazard(&self, t: f64) -> f64 {
        if t.is_nan() {
            return f64::NAN;
        }
        if t <= 0.0 {
            return 0.0;
        }
        // The accumulation order matches `inverse_cumulative_hazard` exactly,
        // so the two are inverse to within a few ulps.
        let mut acc = 0.0;
        for (start, end, rate) in self.pieces() {
            if t <= end {
                return acc + piece_hazard(rate, t - start);
            }
            acc += piece_hazard(rate, end - start);
        }
        acc
    }

    fn inverse_cumulative_hazard(&self, h: f64) -> f64 {
        if h.is_nan() {
            return f64::NAN;
        }
        if h <= 0.0 {
            return 0.0;
        }
        let mut acc = 0.0;
        for (start, end, rate) in self.pieces() {
            if rate > 0.0 {
                let remaining = h - acc;
                if end == f64::INFINITY || remaining <= rate * (end - start) {
                    return start + remaining / rate;
                }
            }
            acc += piece_hazard(rate, end - start);
        }
        // Only reachable when the last rate is zero: H is capped below h.
        f64::INFINITY
    }
}

impl Distribution<f64> for PiecewiseConstant {
    /// Exact inversion of one `Exp(1)` draw; `f64::INFINITY` when the last
    /// rate is zero and the draw exceeds the plateau of `H`.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let e: f64 = Exp1.sample(rng);
        self.inverse_cumulative_hazard(e)
    }
}
