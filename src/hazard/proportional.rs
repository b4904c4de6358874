//! Proportional hazards on top of any baseline: `h_i(t) = m_i h_0(t)`.
//!
//! Under PH the patient's cumulative hazard is `m_i H_0(t)`, so the event time
//! for an `Exp(1)` draw `E` is `H_0^{-1}(E / m_i)`. Keeping the draw separate
//! from the inversion ([`time_for_exp1`]) lets callers fix the draw order and
//! reuse the same draw across scenarios (common random numbers).

use super::CumulativeHazard;
use rand::distributions::Distribution;
use rand::Rng;
use rand_distr::Exp1;

/// Event time for a given `Exp(1)` draw `e` under hazard `multiplier * h`.
///
/// `multiplier` is `exp(linear predictor)`, so it should be `>= 0`:
/// a multiplier of 0 means the event never happens (`f64::INFINITY`), and an
/// infinite multiplier means it happens immediately (0). A negative or `NaN`
/// multiplier has no meaning and yields `NaN` rather than a plausible-looking
/// time.
pub fn time_for_exp1<H: CumulativeHazard + ?Sized>(h: &H, multiplier: f64, e: f64) -> f64 {
    if multiplier.is_nan() || multiplier < 0.0 {
        return f64::NAN;
    }
    if multiplier == 0.0 {
        // Stated explicitly so that e = 0 does not become 0/0 = NaN.
        return f64::INFINITY;
    }
    h.inverse_cumulative_hazard(e / multiplier)
}

/// Draws one event time under hazard `multiplier * h`, consuming exactly one
/// `Exp(1)` draw from `rng` (the same draw the family's own sampler uses, so
/// `multiplier = 1` reproduces `h.sample(rng)` exactly).
pub fn sample_ph<H: CumulativeHazard + ?Sized, R: Rng + ?Sized>(
    h: &H,
    multiplier: f64,
    rng: &mut R,
) -> f64 {
    let e: f64 = Exp1.sample(rng);
    time_for_exp1(h, multiplier, e)
}
