//! Latent times of a constant-rate arm whose patients all share one set of
//! hazard multipliers (no covariate terms, no response link): each time is
//! its `Exp(1)` draw times a scale `1 / (rate * m)` computed once per arm, so
//! a patient costs three multiplications instead of up to six divisions.
//!
//! The times agree with [`ConstantRates::times_for_exp1`] up to rounding
//! (`e * (1 / (rate * m))` against `(e / m) / rate`: a few ulps), not bit for
//! bit; the draws are the same three per patient, in the same order.

use crate::outcomes::illness_death::{
    compete_eager, draw_exp1, ConstantRates, LatentTimes, Multipliers,
};
use crate::outcomes::DRAWS_PER_PATIENT;
use rand::Rng;

/// Per-transition time scales `1 / (rate * m)` of one arm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeScales {
    progression: f64,
    death_before_progression: f64,
    death_after_progression: f64,
}

impl TimeScales {
    /// The scales of `rates` under multipliers `m`; `None` unless every used
    /// multiplier is finite and positive and every scale finite and positive
    /// (the edge cases, a switched-off or invalid transition, stay with
    /// [`ConstantRates`], which handles them).
    pub fn new(rates: &ConstantRates, m: &Multipliers) -> Option<Self> {
        let [r01, r02, r12] = rates.rates();
        let scale = |rate: f64, m: f64| {
            let s = 1.0 / (rate * m);
            (m.is_finite() && m > 0.0 && s.is_finite() && s > 0.0).then_some(s)
        };
        Some(Self {
            progression: scale(r01, m.progression)?,
            death_before_progression: scale(r02, m.death_before_progression)?,
            death_after_progression: scale(r12, m.death_after_progression)?,
        })
    }

    /// One patient's times: the same three draws as [`ConstantRates::sample`].
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> LatentTimes {
        self.times_for_exp1(draw_exp1(false, rng))
    }

    /// The times for draws `e` (laid out as in [`DRAWS_PER_PATIENT`]; the
    /// first, discontinuation, is unused). Draws are finite and `>= 0`, and
    /// so are the scaled times: no NaN or infinity can arise here.
    #[inline]
    pub fn times_for_exp1(&self, e: [f64; DRAWS_PER_PATIENT]) -> LatentTimes {
        let [_, e_prog, e_death_before, e_death_after] = e;
        let t01 = e_prog * self.progression;
        let t02 = e_death_before * self.death_before_progression;
        let death_after = t01 + e_death_after * self.death_after_progression;
        let (progression, death) = compete_eager(t01, t02, death_after);
        LatentTimes {
            progression,
            death,
            discontinuation: f64::INFINITY,
        }
    }
}
