//! Best response (IMWG categories) as an ordinal outcome.
//!
//! Published cohorts report best response as a table of counts over CR, VGPR, PR, MR,
//! SD, PD and "not evaluated" (reference cohort, Table 2, `published-cohorts.md` §1).
//! A virtual cohort has to reproduce that table for the reference patient and move it
//! plausibly when covariates change. The model here does both with the fewest
//! assumptions:
//!
//! * **Not evaluable (NE)** is drawn first with a fixed probability that does not
//!   depend on the linear predictor: in the reference cohort the two NE patients
//!   stopped in cycle 1 for an infusion reaction, a toxicity event unrelated to the
//!   depth of response.
//! * **Evaluable levels** follow a proportional-odds (cumulative-logit) model over the
//!   levels ordered best (CR) to worst (PD):
//!   `P(Y <= k | evaluable) = logistic(theta_k + eta)`, with the thresholds `theta_k`
//!   chosen so that `eta = 0` reproduces the baseline table exactly. A single
//!   parameter per covariate then shifts the whole distribution, which is all that
//!   published subgroup ORRs can identify.
//!
//! Sampling uses inversion with a fixed draw count (two uniforms per patient, always),
//! so a patient keeps the same uniforms across scenarios and a better linear predictor
//! can only give the same or a better response (a monotone coupling).

use super::logit::logistic;
use rand::Rng;
use std::fmt;
use std::str::FromStr;

/// Best response by IMWG 2016 criteria, declared best to worst; `NE` (not evaluable)
/// comes last.
///
/// The derived ordering follows the declaration, so `a < b` means "`a` is a better
/// response than `b`" among the evaluable levels, and `NE` compares greater than all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Response {
    /// Complete response.
    CR,
    /// Very good partial response.
    VGPR,
    /// Partial response.
    PR,
    /// Minimal response.
    MR,
    /// Stable disease.
    SD,
    /// Progressive disease.
    PD,
    /// Not evaluable (e.g. treatment stopped before the first response assessment).
    NE,
}

impl Response {
    /// All seven levels in declaration order (the order of every `[_; 7]` array in this
    /// module).
    pub const ALL: [Response; 7] = [
        Response::CR,
        Response::VGPR,
        Response::PR,
        Response::MR,
        Response::SD,
        Response::PD,
        Response::NE,
    ];

    /// The six evaluable levels, best to worst.
    pub const EVALUABLE: [Response; 6] = [
        Response::CR,
        Response::VGPR,
        Response::PR,
        Response::MR,
        Response::SD,
        Response::PD,
    ];

    /// Position in [`Response::ALL`] (CR = 0, ..., NE = 6).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Inverse of [`Response::index`]; `None` for an index above 6.
    pub fn from_index(i: usize) -> Option<Response> {
        Response::ALL.get(i).copied()
    }

    /// The name used in `covariates.md` ("CR", "VGPR", ..., "NE").
    pub fn as_str(self) -> &'static str {
        match self {
            Response::CR => "CR",
            Response::VGPR => "VGPR",
            Response::PR => "PR",
            Response::MR => "MR",
            Response::SD => "SD",
            Response::PD => "PD",
            Response::NE => "NE",
        }
    }

    /// Overall response (at least PR): the ORR numerator, `orr = CR + VGPR + PR`.
    pub fn is_orr(self) -> bool {
        matches!(self, Response::CR | Response::VGPR | Response::PR)
    }

    /// VGPR or better, the "≥ VGPR" column of the comparison table (§2).
    pub fn is_vgpr_or_better(self) -> bool {
        matches!(self, Response::CR | Response::VGPR)
    }
}

/// Overall response (CR, VGPR or PR); same as [`Response::is_orr`].
pub fn is_orr(r: Response) -> bool {
    r.is_orr()
}

/// VGPR or better; same as [`Response::is_vgpr_or_better`].
pub fn is_vgpr_or_better(r: Response) -> bool {
    r.is_vgpr_or_better()
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error from parsing a [`Response`]: the text is not one of the seven level names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseResponseError {
    input: String,
}

impl ParseResponseError {
    /// The text that failed to parse.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for ParseResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown best-response level {:?} (expected CR, VGPR, PR, MR, SD, PD or NE)",
            self.input
        )
    }
}

impl std::error::Error for ParseResponseError {}

impl FromStr for Response {
    type Err = ParseResponseError;

    /// Parses the level names of `covariates.md`, ignoring ASCII case and surrounding
    /// whitespace (scenario files are hand-written).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Response::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| ParseResponseError {
                input: s.to_string(),
            })
    }
}

/// Error from constructing a [`ResponseModel`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResponseModelError {
    /// A probability is NaN, negative or above 1 (names the level and the value).
    InvalidProbability {
        /// Level at fault.
        level: Response,
        /// Value supplied.
        value: f64,
    },
    /// The seven probabilities do not sum to 1 within 1e-6.
    ProbabilitiesDoNotSumToOne {
        /// Their sum.
        sum: f64,
    },
    /// All counts are zero, so there is no cohort to take proportions of.
    NoPatients,
    /// No mass on any evaluable level (`P(NE) = 1`, or all evaluable counts zero): the
    /// ordinal model would have nothing to shift.
    NoEvaluableLevel,
}

impl fmt::Display for ResponseModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseModelError::InvalidProbability { level, value } => write!(
                f,
                "probability of best response {level} is {value}, must be in [0, 1]"
            ),
            ResponseModelError::ProbabilitiesDoNotSumToOne { sum } => write!(
                f,
                "best-response probabilities sum to {sum}, must sum to 1 within 1e-6"
            ),
            ResponseModelError::NoPatients => f.write_str("best-response counts are all zero"),
            ResponseModelError::NoEvaluableLevel => f.write_str(
                "no probability on any evaluable best-response level (CR..PD); \
                 the ordinal model needs at least one",
            ),
        }
    }
}

impl std::error::Error for ResponseModelError {}

/// Best response as NE-then-proportional-odds (see the module documentation).
///
/// The linear predictor `eta` is supplied by the caller, one per patient; positive
/// means a better response. It acts on the cumulative-logit scale of the *evaluable*
/// levels only: `P(Y <= k | evaluable) = logistic(theta_k + eta)`, so
/// `exp(beta)` for a covariate with coefficient `beta` is the common odds ratio of
/// "response at least this good" at every cut-point.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseModel {
    /// Baseline probabilities over all seven levels (normalised to sum to 1).
    baseline: [f64; 7],
    /// `P(NE)`.
    p_ne: f64,
    /// `1 - P(NE)`, computed as the sum of the evaluable entries of `baseline`.
    p_eval: f64,
    /// Cut-points `theta_k = logit(P(Y <= k | evaluable))` for k = CR..SD; may be
    /// `-inf` (nothing at or above this level) or `+inf` (nothing below it).
    theta: [f64; 5],
}

impl ResponseModel {
    /// Builds the model from baseline probabilities for the reference patient, in
    /// [`Response::ALL`] order (CR, VGPR, PR, MR, SD, PD, NE).
    ///
    /// Each must lie in [0, 1] and they must sum to 1 within 1e-6; they are then
    /// rescaled to sum to exactly 1 so that rounding in a scenario file does not leak
    /// into the simulation. At least one evaluable level needs positive probability.
    pub fn from_probabilities(p: [f64; 7]) -> Result<Self, ResponseModelError> {
        for (level, &value) in Response::ALL.iter().zip(p.iter()) {
            if !(0.0..=1.0).contains(&value) {
                return Err(ResponseModelError::InvalidProbability {
                    level: *level,
                    value,
                });
            }
        }
        let sum: f64 = p.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(ResponseModelError::ProbabilitiesDoNotSumToOne { sum });
        }
        let mut baseline = p;
        for b in baseline.iter_mut() {
            *b /= sum;
        }
        Self::build(baseline)
    }

    /// Builds the model from a published best-response table, counts in
    /// [`Response::ALL`] order, e.g. the reference cohort's Table 2 (§1):
    /// `[5, 18, 16, 5, 3, 11, 2]` (n = 60, two not evaluated).
    pub fn from_counts(counts: [u64; 7]) -> Result<Self, ResponseModelError> {
        // Summed in f64: no overflow for any input, exact below 2^53 patients.
        let total: f64 = counts.iter().map(|&c| c as f64).sum();
        if total <= 0.0 {
            return Err(ResponseModelError::NoPatients);
        }
        let mut baseline = [0.0; 7];
        for (b, &c) in baseline.iter_mut().zip(counts.iter()) {
            *b = c as f64 / total;
        }
        Self::build(baseline)
    }

    fn build(baseline: [f64; 7]) -> Result<Self, ResponseModelError> {
        let p_eval: f64 = baseline[..6].iter().sum();
        if p_eval <= 0.0 {
            return Err(ResponseModelError::NoEvaluableLevel);
        }
        let mut cond = [0.0; 6];
        for (c, &b) in cond.iter_mut().zip(baseline[..6].iter()) {
            *c = b / p_eval;
        }
        // theta_k = ln(C_k) - ln(S_k) with C_k the mass at or above level k and S_k the
        // mass below it, each summed directly: 1 - C_k would lose precision in the tail.
        let mut theta = [0.0; 5];
        for (k, t) in theta.iter_mut().enumerate() {
            let c: f64 = cond[..=k].iter().sum();
            let s: f64 = cond[k + 1..].iter().sum();
            *t = if c <= 0.0 {
                f64::NEG_INFINITY
            } else if s <= 0.0 {
                f64::INFINITY
            } else {
                c.ln() - s.ln()
            };
        }
        Ok(ResponseModel {
            baseline,
            p_ne: baseline[6],
            p_eval,
            theta,
        })
    }

    /// Baseline probabilities (the reference patient, `eta = 0`), [`Response::ALL`]
    /// order, normalised to sum to 1.
    pub fn baseline(&self) -> [f64; 7] {
        self.baseline
    }

    /// Probability of not evaluable; independent of `eta`.
    pub fn p_not_evaluable(&self) -> f64 {
        self.p_ne
    }

    /// Cut-points `theta_k` for k = CR, VGPR, PR, MR, SD (logit of the cumulative
    /// evaluable baseline probability). Infinite where a tail has zero probability.
    pub fn thresholds(&self) -> [f64; 5] {
        self.theta
    }

    /// `P(Y <= k | evaluable)` for k in 0..5; exact 0 / 1 for infinite cut-points so
    /// that an infinite `eta` never yields `inf - inf`.
    fn cumulative(&self, k: usize, eta: f64) -> f64 {
        let t = self.theta[k];
        if t == f64::NEG_INFINITY {
            0.0
        } else if t == f64::INFINITY {
            1.0
        } else {
            logistic(t + eta)
        }
    }

    /// Probabilities of the seven levels for linear predictor `eta`, in
    /// [`Response::ALL`] order (closed form; sums to 1 up to rounding).
    ///
    /// `eta = 0` returns the baseline. `eta = ±inf` puts all evaluable mass on the best
    /// / worst level that has positive baseline probability (levels with zero baseline
    /// probability stay impossible for every `eta`).
    ///
    /// A NaN `eta` gives NaN for the six evaluable levels (the NE entry stays
    /// `P(NE)`), so that a missing covariate upstream shows up in any summary instead
    /// of silently becoming a plausible table.
    pub fn probabilities(&self, eta: f64) -> [f64; 7] {
        let mut out = [0.0; 7];
        out[6] = self.p_ne;
        if eta.is_nan() {
            for o in out[..6].iter_mut() {
                *o = f64::NAN;
            }
            return out;
        }
        let mut prev = 0.0;
        for (k, o) in out[..6].iter_mut().enumerate() {
            let c = if k < 5 { self.cumulative(k, eta) } else { 1.0 };
            *o = self.p_eval * (c - prev).max(0.0);
            prev = c;
        }
        out
    }

    /// Probability of overall response (CR + VGPR + PR) for `eta`, NE counted as a
    /// non-responder as in Table 2 (ORR as % of all 60). NaN for a NaN `eta`.
    pub fn orr_probability(&self, eta: f64) -> f64 {
        if eta.is_nan() {
            return f64::NAN;
        }
        self.p_eval * self.cumulative(Response::PR.index(), eta)
    }

    /// Draws one patient's best response.
    ///
    /// Always consumes exactly **two** uniforms (`rng.gen::<f64>()`, one `next_u64`
    /// each), in this order: the first decides NE (`u1 < P(NE)`), the second places the
    /// patient on the evaluable scale by inversion (first level k with
    /// `u2 < P(Y <= k | evaluable)`). Both are drawn even when the first already gives
    /// NE, so patient i uses words 2i and 2i+1 of the stream in every scenario.
    ///
    /// A NaN `eta` returns [`Response::NE`] (the response cannot be evaluated), still
    /// after two draws. Does not allocate.
    pub fn sample<R>(&self, eta: f64, rng: &mut R) -> Response
    where
        R: Rng + ?Sized,
    {
        let u_ne: f64 = rng.gen();
        let u: f64 = rng.gen();
        if u_ne < self.p_ne || eta.is_nan() {
            return Response::NE;
        }
        for (k, level) in Response::EVALUABLE[..5].iter().enumerate() {
            if u < self.cumulative(k, eta) {
                return *level;
            }
        }
        Response::PD
    }

    /// [`ResponseModel::sample`] for a fixed linear predictor `eta`, with the
    /// cumulative probabilities computed once: for the many patients who
    /// share one `eta` (no covariate effects), each draw then costs two
    /// uniforms and a few comparisons instead of up to five logistic
    /// functions.
    pub fn sampler(&self, eta: f64) -> ResponseSampler {
        let cumulative: [f64; 5] = std::array::from_fn(|k| {
            if eta.is_nan() {
                f64::NAN
            } else {
                self.cumulative(k, eta)
            }
        });
        ResponseSampler {
            p_ne: self.p_ne,
            not_evaluable: eta.is_nan(),
            cumulative,
            monotone: cumulative.windows(2).all(|w| w[0] <= w[1]),
        }
    }
}

/// Best-response draws for one linear predictor, from
/// [`ResponseModel::sampler`]: the same draws and responses as
/// [`ResponseModel::sample`] with that predictor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseSampler {
    p_ne: f64,
    /// A NaN predictor: every patient is not evaluable.
    not_evaluable: bool,
    /// `P(Y <= k | evaluable)` for CR to SD.
    cumulative: [f64; 5],
    /// Whether `cumulative` never falls (the logistic of rising cut-points
    /// does not, but its rounding is libm's), so a level can be counted.
    monotone: bool,
}

impl ResponseSampler {
    /// One patient's best response; two uniforms, always.
    #[inline]
    pub fn sample<R>(&self, rng: &mut R) -> Response
    where
        R: Rng + ?Sized,
    {
        let u_ne: f64 = rng.gen();
        let u: f64 = rng.gen();
        if u_ne < self.p_ne || self.not_evaluable {
            return Response::NE;
        }
        // The first level whose cumulative probability exceeds u, counted
        // without a branch per level (a search loop mispredicts on every
        // patient whose level is not the commonest): the cumulative
        // probabilities never fall (checked by `sampler`), so the levels
        // with `u >= cumulative` are the ones before it, and none exceeding
        // u leaves the count at 5, PD.
        if self.monotone {
            let below: usize = self.cumulative.iter().map(|&c| usize::from(u >= c)).sum();
            return Response::EVALUABLE[below];
        }
        // By index: zipping with the by-value level array copied it per call.
        for k in 0..self.cumulative.len() {
            if u < self.cumulative[k] {
                return Response::EVALUABLE[k];
            }
        }
        Response::PD
    }
}

/// Error from constructing a [`ResponseLink`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResponseLinkError {
    /// A hazard ratio is not finite and strictly positive (names the level and value).
    InvalidHazardRatio {
        /// Level at fault.
        level: Response,
        /// Value supplied.
        value: f64,
    },
    /// The reference level PR does not have hazard ratio exactly 1.
    ReferenceNotOne {
        /// Value supplied for PR.
        value: f64,
    },
}

impl fmt::Display for ResponseLinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseLinkError::InvalidHazardRatio { level, value } => write!(
                f,
                "progression hazard ratio for best response {level} is {value}, \
                 must be finite and > 0"
            ),
            ResponseLinkError::ReferenceNotOne { value } => write!(
                f,
                "progression hazard ratio for the reference level PR is {value}, must be 1"
            ),
        }
    }
}

impl std::error::Error for ResponseLinkError {}

/// Depth of response → progression: a hazard ratio on the progression hazard per best
/// response level, PR being the reference (HR = 1).
///
/// Deeper responses delay progression; a multiplicative effect on the hazard keeps the
/// illness-death model's baseline shape and lets the caller multiply it into the
/// patient's other covariate effects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResponseLink {
    hr: [f64; 7],
}

impl ResponseLink {
    /// Hazard ratios in [`Response::ALL`] order. Each must be finite and > 0 and PR's
    /// must be exactly 1 (the reference level, so that the baseline progression hazard
    /// keeps a single meaning).
    pub fn new(hr: [f64; 7]) -> Result<Self, ResponseLinkError> {
        for (level, &value) in Response::ALL.iter().zip(hr.iter()) {
            if !(value.is_finite() && value > 0.0) {
                return Err(ResponseLinkError::InvalidHazardRatio {
                    level: *level,
                    value,
                });
            }
        }
        let pr = hr[Response::PR.index()];
        if pr != 1.0 {
            return Err(ResponseLinkError::ReferenceNotOne { value: pr });
        }
        Ok(ResponseLink { hr })
    }

    /// No effect of response depth (all hazard ratios 1).
    pub fn none() -> Self {
        ResponseLink { hr: [1.0; 7] }
    }

    /// The hazard ratios, [`Response::ALL`] order.
    pub fn hazard_ratios(&self) -> [f64; 7] {
        self.hr
    }

    /// Multiplier on the progression hazard for a patient with best response `r`.
    pub fn progression_multiplier(&self, r: Response) -> f64 {
        self.hr[r.index()]
    }
}

/// Duration of response as the reference paper defines it (`published-cohorts.md`
/// §1): "duration of response, for patients with at least PR, from start of IsaPd to
/// progression".
///
/// Because the clock starts at treatment start (not at first response, unlike the
/// IMWG definition), DoR for a responder is simply the patient's progression time, so
/// this returns `(pfs_time, pfs_event)` for CR, VGPR and PR and `None` for everyone
/// else (MR, SD, PD, NE). The event flag is passed through unchanged: if the caller's
/// PFS event includes death without progression, so does DoR (the paper does not say
/// how such deaths were handled).
///
/// Returns `None` also when `pfs_time` is NaN, negative or infinite, which is not a
/// duration.
pub fn duration_of_response(r: Response, pfs_time: f64, pfs_event: bool) -> Option<(f64, bool)> {
    if !r.is_orr() || !pfs_time.is_finite() || pfs_time < 0.0 {
        return None;
    }
    Some((pfs_time, pfs_event))
}

#[cfg(test)]
mod tests {
    use super::{Response, ResponseSampler};
    use rand::rngs::mock::StepRng;

    /// Both ways of finding the level give the first level whose cumulative
    /// probability exceeds the uniform: the count where the probabilities
    /// never fall, the search where rounding made them (they cannot be
    /// counted then: a later, smaller one would be counted too).
    #[test]
    fn level_is_the_first_cumulative_probability_above_the_uniform() {
        for (cumulative, monotone) in [
            ([0.1, 0.1, 0.45, 0.7, 0.9], true),
            ([0.2, 0.1, 0.5, 0.6, 0.9], false),
        ] {
            let s = ResponseSampler {
                p_ne: 0.0,
                not_evaluable: false,
                cumulative,
                monotone,
            };
            let mut uniforms = vec![0.0, 1.0 - f64::EPSILON / 2.0];
            for c in cumulative {
                uniforms.extend([c, c.next_down(), c.next_up()]);
            }
            for u in uniforms {
                let word = ((u * (1u64 << 53) as f64) as u64) << 11;
                let u = (word >> 11) as f64 / (1u64 << 53) as f64;
                let first = cumulative.iter().position(|&c| u < c).unwrap_or(5);
                let got = s.sample(&mut StepRng::new(word, 0));
                assert_eq!(got, Response::EVALUABLE[first], "u {u:e} {cumulative:?}");
            }
        }
    }
}
