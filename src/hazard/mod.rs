//! Baseline hazard families for time-to-event simulation.
//!
//! Each family is a small `Copy` value built through a validating constructor
//! (mirroring `rand_distr`), so an invalid parameter is reported once at
//! construction instead of surfacing later as a NaN event time. Every family
//! samples by exact inversion `T = H^{-1}(E)` with `E ~ Exp(1)`: one draw per
//! event time, which is what allows common random numbers across scenarios and
//! proportional-hazards scaling of the same draw (see [`time_for_exp1`]).
//!
//! Conventions shared by all families (time in months):
//! * `t < 0` is before follow-up starts: hazard and cumulative hazard are 0;
//! * a `NaN` argument propagates as `NaN` (garbage in is never hidden);
//! * `inverse_cumulative_hazard` returns the smallest `t` with `H(t) >= h`,
//!   and `f64::INFINITY` when `H` never reaches `h` (cured patients).
//!
//! ```
//! use cohortsim::hazard::{sample_ph, BaselineHazard, CumulativeHazard, Weibull};
//! use rand::SeedableRng;
//!
//! let pfs: BaselineHazard = Weibull::from_median(24.0, 1.2)?.into();
//! assert!((pfs.median() - 24.0).abs() < 1e-10);
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
//! let t = sample_ph(&pfs, 0.6, &mut rng); // a patient with hazard ratio 0.6
//! assert!(t > 0.0);
//! # Ok::<(), cohortsim::hazard::WeibullError>(())
//! ```

mod exponential;
mod gompertz;
mod loglogistic;
mod piecewise;
mod proportional;
pub mod root;
pub(crate) mod series;
mod weibull;

pub use exponential::{Exponential, ExponentialError};
pub use gompertz::{Gompertz, GompertzError, EXPONENTIAL_LIMIT_SHAPE};
pub use loglogistic::{LogLogistic, LogLogisticError};
pub use piecewise::{PiecewiseConstant, PiecewiseConstantError, MAX_PIECES};
pub use proportional::{sample_ph, time_for_exp1};
pub use root::invert_monotone;
pub use weibull::{Weibull, WeibullError};

use rand::distributions::Distribution;
use rand::Rng;
use std::f64::consts::LN_2;

/// A hazard function `h(t)` together with its integral `H(t) = ∫_0^t h`.
///
/// Implementors must provide `hazard` and `cumulative_hazard`; the remaining
/// methods have generic defaults so that new or composite hazards work
/// immediately, while the built-in families override the inversion with closed
/// forms for speed and accuracy.
pub trait CumulativeHazard {
    /// Instantaneous event rate at time `t` (per month).
    fn hazard(&self, t: f64) -> f64;

    /// `H(t) = ∫_0^t h(s) ds`; non-decreasing with `H(0) = 0`.
    fn cumulative_hazard(&self, t: f64) -> f64;

    /// Smallest `t` with `H(t) >= h`, or `f64::INFINITY` if `H` never gets
    /// there (e.g. Gompertz with negative shape, i.e. a cured fraction).
    ///
    /// The default uses bracketed root finding ([`invert_monotone`]), accurate
    /// to about 1e-13 relative; it exists so that composite hazards need no
    /// hand-written inverse.
    fn inverse_cumulative_hazard(&self, h: f64) -> f64 {
        invert_monotone(|t| self.cumulative_hazard(t), h)
    }

    /// `S(t) = exp(-H(t))`.
    fn survival(&self, t: f64) -> f64 {
        (-self.cumulative_hazard(t)).exp()
    }

    /// Median event time `H^{-1}(ln 2)`; `f64::INFINITY` when more than half
    /// of patients never have the event.
    fn median(&self) -> f64 {
        self.inverse_cumulative_hazard(LN_2)
    }
}

/// Any of the supported baseline hazard families, chosen at run time (e.g.
/// from a scenario file) while staying `Copy` and allocation-free.
///
/// The piecewise variant makes the enum ~270 bytes. That is deliberate: boxing
/// it would forfeit `Copy`, and copying a few hundred bytes per model (not per
/// patient) is negligible.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BaselineHazard {
    Exponential(Exponential),
    Weibull(Weibull),
    Gompertz(Gompertz),
    PiecewiseConstant(PiecewiseConstant),
    LogLogistic(LogLogistic),
}

/// Forwards a method call to whichever family the enum holds.
macro_rules! dispatch {
    ($self:ident, $h:ident => $call:expr) => {
        match $self {
            BaselineHazard::Exponential($h) => $call,
            BaselineHazard::Weibull($h) => $call,
            BaselineHazard::Gompertz($h) => $call,
            BaselineHazard::PiecewiseConstant($h) => $call,
            BaselineHazard::LogLogistic($h) => $call,
        }
    };
}

impl BaselineHazard {
    /// Stable lowercase identifier of the family, for reports and CSV output.
    pub fn family_name(&self) -> &'static str {
        match self {
            BaselineHazard::Exponential(_) => "exponential",
            BaselineHazard::Weibull(_) => "weibull",
            BaselineHazard::Gompertz(_) => "gompertz",
            BaselineHazard::PiecewiseConstant(_) => "piecewise_constant",
            BaselineHazard::LogLogistic(_) => "log_logistic",
        }
    }
}

impl CumulativeHazard for BaselineHazard {
    fn hazard(&self, t: f64) -> f64 {
        dispatch!(self, h => h.hazard(t))
    }

    fn cumulative_hazard(&self, t: f64) -> f64 {
        dispatch!(self, h => h.cumulative_hazard(t))
    }

    fn inverse_cumulative_hazard(&self, h: f64) -> f64 {
        dispatch!(self, f => f.inverse_cumulative_hazard(h))
    }

    fn survival(&self, t: f64) -> f64 {
        dispatch!(self, h => h.survival(t))
    }

    fn median(&self) -> f64 {
        dispatch!(self, h => h.median())
    }
}

impl Distribution<f64> for BaselineHazard {
    /// One `Exp(1)` draw, inverted through the held family.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        dispatch!(self, h => h.sample(rng))
    }
}

macro_rules! impl_from_family {
    ($family:ident) => {
        impl From<$family> for BaselineHazard {
            fn from(h: $family) -> Self {
                BaselineHazard::$family(h)
            }
        }
    };
}
impl_from_family!(Exponential);
impl_from_family!(Weibull);
impl_from_family!(Gompertz);
impl_from_family!(PiecewiseConstant);
impl_from_family!(LogLogistic);
