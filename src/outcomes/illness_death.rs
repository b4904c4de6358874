//! Three-state illness-death model: 0 progression-free, 1 progressed, 2 dead.
//!
//! Progression-free survival (PFS) ends at progression or death, overall
//! survival (OS) at death; modelling them jointly keeps PFS and OS consistent
//! (OS >= PFS, death after progression uses its own hazard), which independent
//! PFS and OS curves cannot guarantee.
//!
//! Random-number discipline: every patient consumes the same `Exp(1)` draws
//! in a fixed order, whether or not each is used, so that patient `i` sees
//! the same draws in every scenario of one model structure (common random
//! numbers) and scenario contrasts are not drowned in noise: three
//! (progression, death before progression, death after progression), and a
//! fourth, discontinuation, first, only when the model has discontinuation.
//! A model without it spends no draw on a time that cannot occur.
//!
//! ```
//! use cohortsim::hazard::{Exponential, Weibull};
//! use cohortsim::outcomes::{IllnessDeath, Multipliers};
//! use rand::SeedableRng;
//!
//! let model = IllnessDeath::new(
//!     Weibull::from_median(20.0, 1.3)?.into(),
//!     Exponential::new(0.005)?.into(),
//!     Exponential::from_median(15.0)?.into(),
//! );
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
//! let patient = model.sample(&Multipliers::REFERENCE, &mut rng);
//! assert!(patient.death >= patient.pfs());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::hazard::series::expm1_over_x;
use crate::hazard::{time_for_exp1, BaselineHazard, CumulativeHazard};
use rand::distributions::Distribution;
use rand::Rng;
use rand_distr::Exp1;
use std::fmt;

/// Number of `Exp(1)` draws [`IllnessDeath::times_for_exp1`] takes per
/// patient, in this order: discontinuation, progression, death before
/// progression, death after progression. [`IllnessDeath::sample`] draws all
/// of them with a discontinuation model, and the last three (the first is
/// unused) without.
pub const DRAWS_PER_PATIENT: usize = 4;

/// The `Exp(1)` draws of one patient: the discontinuation one only when
/// `discontinuation` (see [`DRAWS_PER_PATIENT`]); an undrawn one is 0.
#[inline(always)]
pub(crate) fn draw_exp1<R: Rng + ?Sized>(
    discontinuation: bool,
    rng: &mut R,
) -> [f64; DRAWS_PER_PATIENT] {
    let e_disc = if discontinuation {
        Exp1.sample(rng)
    } else {
        0.0
    };
    let e_prog = Exp1.sample(rng);
    let e_death_before = Exp1.sample(rng);
    let e_death_after = Exp1.sample(rng);
    [e_disc, e_prog, e_death_before, e_death_after]
}

/// Time scale of the death hazard after progression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeathClock {
    /// Clock restarts at progression (semi-Markov): post-progression survival
    /// depends on time since progression, as in most myeloma data.
    #[default]
    Reset,
    /// Clock keeps running from study start (Markov): death at `t > p` solves
    /// `H12(t) - H12(p) = E / m`.
    Forward,
}

/// Treatment discontinuation for toxicity. After the discontinuation time `D`
/// (when it precedes progression and death) the progression hazard is
/// multiplied by `progression_multiplier`, typically > 1 because the patient
/// is off an effective drug.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Discontinuation {
    pub hazard: BaselineHazard,
    /// Must be `>= 0` (0: no progression after stopping; `+inf`: progression
    /// at the moment of stopping). Negative or NaN values make the progression
    /// time NaN; use [`Discontinuation::new`] to reject them up front.
    pub progression_multiplier: f64,
}

/// Why a [`Discontinuation`] could not be built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DiscontinuationError {
    /// The progression multiplier was negative or NaN.
    InvalidProgressionMultiplier(f64),
}

impl fmt::Display for DiscontinuationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidProgressionMultiplier(v) => write!(
                f,
                "discontinuation progression_multiplier must be >= 0, got {v}"
            ),
        }
    }
}

impl std::error::Error for DiscontinuationError {}

impl Discontinuation {
    /// Validating constructor; the fields stay public for literal construction
    /// from already-validated configuration.
    pub fn new(
        hazard: BaselineHazard,
        progression_multiplier: f64,
    ) -> Result<Self, DiscontinuationError> {
        if progression_multiplier >= 0.0 {
            Ok(Self {
                hazard,
                progression_multiplier,
            })
        } else {
            Err(DiscontinuationError::InvalidProgressionMultiplier(
                progression_multiplier,
            ))
        }
    }
}

/// Transition hazards of the illness-death model, shared by all patients;
/// patient heterogeneity enters through [`Multipliers`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IllnessDeath {
    /// 0 -> 1.
    pub progression: BaselineHazard,
    /// 0 -> 2.
    pub death_before_progression: BaselineHazard,
    /// 1 -> 2, on the time scale chosen by `clock`.
    pub death_after_progression: BaselineHazard,
    pub clock: DeathClock,
    pub discontinuation: Option<Discontinuation>,
}

/// Per-patient proportional-hazards multipliers, `exp(linear predictor)` of
/// each transition; all 1.0 for the reference patient ([`Default`]).
///
/// Values must be `>= 0`; a 0 switches the transition off (its time becomes
/// infinite) and a negative or NaN value makes the affected time NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Multipliers {
    pub progression: f64,
    pub death_before_progression: f64,
    pub death_after_progression: f64,
    pub discontinuation: f64,
}

impl Multipliers {
    /// The reference patient: every multiplier is 1.
    pub const REFERENCE: Self = Self {
        progression: 1.0,
        death_before_progression: 1.0,
        death_after_progression: 1.0,
        discontinuation: 1.0,
    };
}

impl Default for Multipliers {
    fn default() -> Self {
        Self::REFERENCE
    }
}

/// Event times (months) of one simulated patient, before any censoring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatentTimes {
    /// Time of progression; `f64::INFINITY` if the patient dies first or never
    /// progresses.
    pub progression: f64,
    /// Time of death; may be `f64::INFINITY` for defective (cure) hazards.
    pub death: f64,
    /// Time of treatment discontinuation; `f64::INFINITY` if there is no
    /// discontinuation model or it would come after progression or death.
    pub discontinuation: f64,
}

/// Competing risks between progression (latent time `t01`) and death before
/// it (`t02`), neither NaN: the earlier wins, and a tie (including both
/// infinite) counts as no progression. Returns (progression, death);
/// `death_after(t01)`, the death time after a progression at `t01`, is asked
/// only when progression comes first.
#[inline]
pub(crate) fn compete(t01: f64, t02: f64, death_after: impl FnOnce(f64) -> f64) -> (f64, f64) {
    if t01 < t02 {
        (t01, death_after(t01))
    } else {
        (f64::INFINITY, t02)
    }
}

/// [`compete`] with the death time after progression, `death_after`,
/// computed up front and both outcomes selected without a branch: the same
/// rule and the same results bit for bit, for where that death time is cheap
/// (the [`TimeScales`](crate::outcomes::time_scales::TimeScales) path: one
/// multiply-add). Which transition wins is a coin flip for the branch
/// predictor (in bench W1 death comes first for about one patient in
/// eleven), and a mispredicted branch costs more than the multiply-add spent
/// on a death time that is then discarded.
#[inline]
pub(crate) fn compete_eager(t01: f64, t02: f64, death_after: f64) -> (f64, f64) {
    // All ones when progression comes first; selecting through the bits keeps
    // the compiler from turning the choice back into a branch.
    let first = 0u64.wrapping_sub(u64::from(t01 < t02));
    let pick = |a: f64, b: f64| f64::from_bits((a.to_bits() & first) | (b.to_bits() & !first));
    (pick(t01, f64::INFINITY), pick(death_after, t02))
}

/// [`compete`] for times that may be NaN (invalid multipliers): NaN is
/// propagated to both times rather than read as "no event".
#[inline]
fn compete_or_nan(t01: f64, t02: f64, death_after: impl FnOnce(f64) -> f64) -> (f64, f64) {
    if t01.is_nan() || t02.is_nan() {
        (f64::NAN, f64::NAN)
    } else {
        compete(t01, t02, death_after)
    }
}

impl LatentTimes {
    /// End of progression-free survival: the first of progression and death.
    pub fn pfs(&self) -> f64 {
        self.progression.min(self.death)
    }
}

impl IllnessDeath {
    /// Model with a reset death clock and no discontinuation, the common case.
    pub fn new(
        progression: BaselineHazard,
        death_before_progression: BaselineHazard,
        death_after_progression: BaselineHazard,
    ) -> Self {
        Self {
            progression,
            death_before_progression,
            death_after_progression,
            clock: DeathClock::Reset,
            discontinuation: None,
        }
    }

    /// Simulates one patient, consuming [`DRAWS_PER_PATIENT`] `Exp(1)` draws
    /// (discontinuation, progression, death before progression, death after
    /// progression) regardless of which are needed, or the last three
    /// without a discontinuation model.
    pub fn sample<R: Rng + ?Sized>(&self, m: &Multipliers, rng: &mut R) -> LatentTimes {
        let draws = draw_exp1(self.discontinuation.is_some(), rng);
        self.times_for_exp1(m, draws)
    }

    /// Deterministic core of [`sample`](Self::sample): latent times for given
    /// `Exp(1)` draws `[discontinuation, progression, death before
    /// progression, death after progression]`. Exposed so callers can manage
    /// draws themselves (antithetic variates, stored streams, tests).
    pub fn times_for_exp1(&self, m: &Multipliers, e: [f64; DRAWS_PER_PATIENT]) -> LatentTimes {
        let [e_disc, e_prog, e_death_before, e_death_after] = e;

        let discontinuation = self.discontinuation.map(|d| {
            (
                time_for_exp1(&d.hazard, m.discontinuation, e_disc),
                d.progression_multiplier,
            )
        });
        let t01 = self.progression_time(m.progression, e_prog, discontinuation);
        let t02 = time_for_exp1(
            &self.death_before_progression,
            m.death_before_progression,
            e_death_before,
        );

        let (progression, death) = compete_or_nan(t01, t02, |t01| {
            self.death_after(t01, m.death_after_progression, e_death_after)
        });
        let pfs_end = progression.min(death);
        let discontinuation = match discontinuation {
            Some((d, _)) if d.is_nan() || d < pfs_end => d,
            _ => f64::INFINITY,
        };
        LatentTimes {
            progression,
            death,
            discontinuation,
        }
    }

    /// Latent progression time. Without discontinuation this is plain PH
    /// inversion. With discontinuation at `D` and multiplier `f`, the
    /// cumulative hazard is `H(min(t,D)) + f (H(t) - H(D))_+` (scaled by the
    /// patient multiplier), whose inverse is closed form given `H^{-1}`:
    /// if the target is not reached by `D` then
    /// `t = H^{-1}(H(D) + (E/m - H(D)) / f)`.
    fn progression_time(&self, m01: f64, e: f64, discontinuation: Option<(f64, f64)>) -> f64 {
        let unmodified = time_for_exp1(&self.progression, m01, e);
        let Some((d, f)) = discontinuation else {
            return unmodified;
        };
        // Progression at or before D (or a NaN input): stopping changes nothing.
        if unmodified.is_nan() || d.is_nan() || unmodified <= d {
            return unmodified;
        }
        if f.is_nan() || f < 0.0 {
            return f64::NAN;
        }
        if f == f64::INFINITY {
            return d;
        }
        let h_d = self.progression.cumulative_hazard(d);
        let target = e / m01;
        let t = self
            .progression
            .inverse_cumulative_hazard(h_d + (target - h_d) / f);
        // Guards against rounding placing t a hair before D.
        t.max(d)
    }

    /// Death time after progression at `p`, on the configured clock.
    fn death_after(&self, p: f64, m12: f64, e: f64) -> f64 {
        let hazard = &self.death_after_progression;
        match self.clock {
            DeathClock::Reset => p + time_for_exp1(hazard, m12, e),
            DeathClock::Forward => {
                if m12.is_nan() || m12 < 0.0 {
                    return f64::NAN;
                }
                if m12 == 0.0 {
                    return f64::INFINITY;
                }
                let t = hazard.inverse_cumulative_hazard(hazard.cumulative_hazard(p) + e / m12);
                // Rounding can put t a hair before p when E/m is tiny
                // relative to H12(p).
                t.max(p)
            }
        }
    }

    /// The patient's progression time as if death could not intervene (the
    /// discontinuation draw applied), from the first two of the four Exp(1)
    /// draws. With it, death can be integrated out in closed form
    /// (conditional Monte Carlo), which makes true OS values smooth in the
    /// model's parameters, as calibration needs.
    pub fn uncensored_progression_time(&self, m: &Multipliers, e_disc: f64, e_prog: f64) -> f64 {
        let discontinuation = self.discontinuation.map(|d| {
            (
                time_for_exp1(&d.hazard, m.discontinuation, e_disc),
                d.progression_multiplier,
            )
        });
        self.progression_time(m.progression, e_prog, discontinuation)
    }

    /// P(no death before progression by `t`) for multiplier `m02`.
    pub fn death_before_survival(&self, m02: f64, t: f64) -> f64 {
        (-scaled_hazard(m02, self.death_before_progression.cumulative_hazard(t))).exp()
    }

    /// P(alive at `t` | progression at `p` <= `t`), on the configured clock.
    pub fn survival_after_progression(&self, m12: f64, p: f64, t: f64) -> f64 {
        let h = &self.death_after_progression;
        let cum = match self.clock {
            DeathClock::Reset => h.cumulative_hazard(t - p),
            DeathClock::Forward => h.cumulative_hazard(t) - h.cumulative_hazard(p),
        };
        (-scaled_hazard(m12, cum)).exp()
    }

    /// Analytic PFS survival `exp(-m01 H01(t) - m02 H02(t))` for a patient with
    /// multipliers `m`; `None` when a discontinuation model is present, since
    /// PFS then depends on the discontinuation law and has no general closed
    /// form. Intended for validation and "true" reference curves.
    pub fn pfs_survival(&self, m: &Multipliers, t: f64) -> Option<f64> {
        if self.discontinuation.is_some() {
            return None;
        }
        let h = scaled_hazard(m.progression, self.progression.cumulative_hazard(t))
            + scaled_hazard(
                m.death_before_progression,
                self.death_before_progression.cumulative_hazard(t),
            );
        Some((-h).exp())
    }
}

/// The common special case of [`IllnessDeath`]: three exponential
/// transitions, the death clock reset at progression, no discontinuation.
/// Its sampling skips the family dispatch and the discontinuation and clock
/// logic of the general model, and gives the same times bit for bit (the
/// same operations on the same draws).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConstantRates {
    progression: f64,
    death_before_progression: f64,
    death_after_progression: f64,
}

impl IllnessDeath {
    /// The model's rates when it is the constant-rate special case
    /// ([`ConstantRates`]), `None` otherwise. (The forward clock is left out:
    /// its death time `H12^-1(H12(p) + E/m)` rounds differently from
    /// `p + H12^-1(E/m)`.)
    pub fn constant_rates(&self) -> Option<ConstantRates> {
        use crate::hazard::BaselineHazard::Exponential as Exp;
        match (
            self.progression,
            self.death_before_progression,
            self.death_after_progression,
            self.clock,
            self.discontinuation,
        ) {
            (Exp(p), Exp(b), Exp(a), DeathClock::Reset, None) => Some(ConstantRates {
                progression: p.rate(),
                death_before_progression: b.rate(),
                death_after_progression: a.rate(),
            }),
            _ => None,
        }
    }
}

impl ConstantRates {
    /// The three rates: progression, death before and death after progression.
    pub fn rates(&self) -> [f64; 3] {
        [
            self.progression,
            self.death_before_progression,
            self.death_after_progression,
        ]
    }

    /// [`IllnessDeath::sample`] of the model these rates came from (which has
    /// no discontinuation): the same three draws and the same times.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, m: &Multipliers, rng: &mut R) -> LatentTimes {
        self.times_for_exp1(m, draw_exp1(false, rng))
    }

    /// [`IllnessDeath::times_for_exp1`] of the model these rates came from.
    #[inline]
    pub fn times_for_exp1(&self, m: &Multipliers, e: [f64; DRAWS_PER_PATIENT]) -> LatentTimes {
        let [_, e_prog, e_death_before, e_death_after] = e;
        let t01 = exponential_time(self.progression, m.progression, e_prog);
        let t02 = exponential_time(
            self.death_before_progression,
            m.death_before_progression,
            e_death_before,
        );
        let (progression, death) = compete_or_nan(t01, t02, |t01| {
            t01 + exponential_time(
                self.death_after_progression,
                m.death_after_progression,
                e_death_after,
            )
        });
        LatentTimes {
            progression,
            death,
            discontinuation: f64::INFINITY,
        }
    }
}

/// [`time_for_exp1`] for an exponential hazard of rate `rate`, step for step
/// (multiplier checks, `E / m`, then the family's inverse `h / rate`). A
/// multiplier of exactly 1 skips the first division, whose result would be
/// `e` itself.
#[inline]
fn exponential_time(rate: f64, m: f64, e: f64) -> f64 {
    if m.is_nan() || m < 0.0 {
        return f64::NAN;
    }
    if m == 0.0 {
        return f64::INFINITY;
    }
    let h = if m == 1.0 { e } else { e / m };
    if h.is_nan() {
        f64::NAN
    } else if h <= 0.0 {
        0.0
    } else {
        h / rate
    }
}

/// `m * H`, with `0 * inf = 0` (a switched-off transition never fires) and
/// NaN for invalid (negative or NaN) multipliers.
fn scaled_hazard(m: f64, h: f64) -> f64 {
    if m.is_nan() || m < 0.0 {
        f64::NAN
    } else if m == 0.0 {
        0.0
    } else {
        m * h
    }
}

/// Overall survival `P(death > t)` of the illness-death model with constant
/// hazards `l01` (progression), `l02` (death before progression) and `l12`
/// (death after progression); identical for both [`DeathClock`]s because
/// constant hazards are memoryless.
///
/// `S(t) = e^{-(l01+l02)t} + l01 (e^{-l12 t} - e^{-(l01+l02)t}) / (l01+l02-l12)`,
/// evaluated through `expm1(x)/x` so the removable singularity at
/// `l12 = l01 + l02` (where the second term is `l01 t e^{-l12 t}`) is exact.
///
/// Rates must be finite and `>= 0` (otherwise NaN); `t <= 0` gives 1.
pub fn os_survival_constant(l01: f64, l02: f64, l12: f64, t: f64) -> f64 {
    let valid = |r: f64| r.is_finite() && r >= 0.0;
    if !(valid(l01) && valid(l02) && valid(l12)) || t.is_nan() {
        return f64::NAN;
    }
    if t <= 0.0 {
        return 1.0;
    }
    let s = l01 + l02;
    if t == f64::INFINITY {
        // Everyone eventually dies unless nobody leaves state 0 (s = 0) or
        // progressed patients cannot die (l12 = 0, leaving l01/s alive).
        return match (s > 0.0, l12 > 0.0) {
            (false, _) => 1.0,
            (true, true) => 0.0,
            (true, false) => l01 / s,
        };
    }
    let pfs = (-s * t).exp();
    let progressed_alive = l01 * t * (-s.min(l12) * t).exp() * expm1_over_x(-(s - l12).abs() * t);
    pfs + progressed_alive
}

#[cfg(test)]
mod tests {
    use super::{compete, compete_eager};
    use rand::{Rng, SeedableRng};

    /// The branch-free rule gives what the branching one gives, bit for bit,
    /// on random times and on ties, zeros, infinities and NaN.
    #[test]
    fn eager_compete_is_compete() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let special = [0.0, -0.0, 1.5, f64::INFINITY, f64::NAN, f64::MIN_POSITIVE];
        let mut cases: Vec<(f64, f64)> = (0..10_000)
            .map(|_| (rng.gen::<f64>() * 10.0, rng.gen::<f64>() * 10.0))
            .collect();
        for &a in &special {
            cases.extend(special.iter().map(|&b| (a, b)));
        }
        for (t01, t02) in cases {
            let after = |t: f64| t + 0.25 * t02 + 1.0;
            let (p, d) = compete(t01, t02, after);
            let (q, e) = compete_eager(t01, t02, after(t01));
            assert_eq!(
                (p.to_bits(), d.to_bits()),
                (q.to_bits(), e.to_bits()),
                "{t01} {t02}"
            );
        }
    }
}
