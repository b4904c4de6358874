//! One virtual cohort, generated into reused buffers.
//!
//! The order of work, and so of random draws, is fixed: covariates, entry
//! times, arm allocation, best response, latent outcome times (three
//! exponential draws per patient, four with a discontinuation model), loss to
//! follow-up and observation, adverse events, death causes. A replicate allocates nothing
//! here once its buffers have grown to size.

use crate::cohort::{Cohort, GenerateError, GenerationStats};
use crate::design::{
    AllocateError, AllocationScratch, CutoffOutcome, Endpoint, ObserveError, Observed,
};
use crate::outcomes::death_cause::{CauseIndex, VitalStatus};
use crate::outcomes::effects::{ArmEffects, LinearPredictor};
use crate::outcomes::exp_memo::ExpMemo;
use crate::outcomes::illness_death::{ConstantRates, Multipliers};
use crate::outcomes::response::{Response, ResponseSampler};
use crate::outcomes::time_scales::TimeScales;
use crate::outcomes::uniform32::{uniform_pair, HalfWordUniforms};
use crate::scenario::{ColumnKind, Scenario};
use rand::Rng;

/// Buffers for one cohort; keep one per worker thread.
#[derive(Debug, Default)]
pub struct Workspace {
    pub cohort: Cohort,
    /// Months from the accrual start, ascending (patient i is the i-th entrant).
    pub entry: Vec<f64>,
    pub strata: Vec<u32>,
    pub arm: Vec<u16>,
    pub progression: Vec<f64>,
    pub death: Vec<f64>,
    pub discontinuation: Vec<f64>,
    /// Best response per patient (when the scenario models it).
    pub response: Vec<Response>,
    /// Adverse events, patient-major: `adverse[i * k + j]` for event j of k.
    pub adverse: Vec<bool>,
    /// Cause of each observed death (None: alive or censored).
    pub death_cause: Vec<Option<CauseIndex>>,
    pub observed: Observed,
    pub generation: GenerationStats,
    pub cutoff: Option<CutoffOutcome>,
    allocation_scratch: AllocationScratch,
    scratch: Vec<f64>,
    /// Per arm, each transition's multiplier when it has no covariate terms.
    constant_multipliers: Vec<[Option<f64>; 4]>,
    /// Per transition with covariate terms, each patient's multiplier.
    multipliers: [Vec<f64>; 4],
    /// Per arm, its rates when its model is the constant-rate special case.
    constant_rates: Vec<Option<ConstantRates>>,
    /// Per arm, its time scales when its rates are constant and every patient
    /// shares its multipliers.
    time_scales: Vec<Option<TimeScales>>,
    /// Per arm, its best-response sampler (no covariate effects on response).
    response_samplers: Vec<ResponseSampler>,
    /// Per adverse event, its probability when it has no covariate terms.
    adverse_probability: Vec<Option<f64>>,
    /// Per adverse event, its probability, when no event has covariate terms.
    adverse_constant: Vec<f64>,
    /// `exp` of the recurring predictors of level and count terms.
    exp_memo: ExpMemo,
}

impl Workspace {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Workspace {
    /// One arm's observed times and event flags for `endpoint`, into reused
    /// buffers (the input every per-arm estimator takes).
    pub fn arm_endpoint_into(
        &self,
        arm: usize,
        endpoint: Endpoint,
        time: &mut Vec<f64>,
        event: &mut Vec<bool>,
    ) {
        time.clear();
        event.clear();
        let o = &self.observed;
        let (t, e) = match endpoint {
            Endpoint::Pfs => (&o.pfs_time, &o.pfs_event),
            Endpoint::Os => (&o.os_time, &o.os_event),
        };
        for i in (0..self.arm.len()).filter(|&i| self.arm[i] as usize == arm) {
            time.push(t[i]);
            event.push(e[i]);
        }
    }
}

/// The randomisation stratum of each patient: the mixed-radix number of its
/// levels on the stratification columns.
fn strata_into(s: &Scenario, cohort: &Cohort, n: usize, out: &mut Vec<u32>) -> usize {
    out.clear();
    out.resize(n, 0);
    let mut radix = 1usize;
    for &col in &s.strata {
        let levels = match &s.columns[col].kind {
            ColumnKind::Levels(l) => l.len(),
            ColumnKind::Numeric => 1,
        };
        for (i, st) in out.iter_mut().enumerate() {
            *st += (cohort.level(col, i) as usize * radix) as u32;
        }
        radix *= levels;
    }
    radix
}

/// What can stop a cohort from being generated. A resolved scenario rules
/// these out; they are reported, not assumed away, in case a caller builds a
/// `Scenario` by hand.
#[derive(Debug)]
pub enum SimulationError {
    Cohort(GenerateError),
    Allocation(AllocateError),
    Observation(ObserveError),
}

impl std::fmt::Display for SimulationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimulationError::Cohort(e) => write!(f, "generating covariates: {e}"),
            SimulationError::Allocation(e) => write!(f, "allocating arms: {e}"),
            SimulationError::Observation(e) => write!(f, "observing outcomes: {e}"),
        }
    }
}

impl std::error::Error for SimulationError {}

/// Generates one cohort of `n` patients of scenario `s` into `ws`.
pub fn simulate_into<R: Rng + ?Sized>(
    s: &Scenario,
    n: usize,
    rng: &mut R,
    ws: &mut Workspace,
) -> Result<(), SimulationError> {
    ws.generation = s
        .cohort
        .generate_into(n, rng, &mut ws.cohort)
        .map_err(SimulationError::Cohort)?;
    s.accrual.fill_sorted_entries(n, rng, &mut ws.entry);
    let n_strata = strata_into(s, &ws.cohort, n, &mut ws.strata);
    s.allocation
        .allocate_into(
            &ws.strata,
            n_strata,
            rng,
            &mut ws.arm,
            &mut ws.allocation_scratch,
        )
        .map_err(SimulationError::Allocation)?;
    // Best response comes first: its depth sets the progression hazard.
    sample_responses(s, n, rng, ws);
    transition_multipliers(s, n, ws);
    sample_latent_times(s, n, rng, ws);
    let cutoff = s
        .observation
        .observe_into(
            &ws.entry,
            &ws.progression,
            &ws.death,
            rng,
            &mut ws.observed,
            &mut ws.scratch,
        )
        .map_err(SimulationError::Observation)?;
    ws.cutoff = Some(cutoff);
    sample_adverse_events(s, n, rng, ws);
    // One draw per patient, dead or alive, so streams stay aligned.
    ws.death_cause.clear();
    if let Some(causes) = &s.death_causes {
        let (o, progression, death) = (&ws.observed, &ws.progression, &ws.death);
        ws.death_cause.extend((0..n).map(|i| {
            let status = if !o.os_event[i] {
                VitalStatus::Alive
            } else if progression[i] < death[i] {
                VitalStatus::DiedAfterProgression
            } else {
                VitalStatus::DiedBeforeProgression
            };
            causes.sample_for_patient(status, rng)
        }));
    }
    Ok(())
}

/// Each patient's best response (two uniforms per patient), when the
/// scenario models it. Without covariate effects every patient of an arm
/// shares one predictor, so the arm's cumulative probabilities are computed
/// once ([`ResponseModel::sampler`](crate::outcomes::response::ResponseModel::sampler)).
fn sample_responses<R: Rng + ?Sized>(s: &Scenario, n: usize, rng: &mut R, ws: &mut Workspace) {
    ws.response.clear();
    let Some(r) = &s.response else {
        return;
    };
    if r.predictor.terms.is_empty() {
        ws.response_samplers.clear();
        ws.response_samplers.extend(
            r.arm_offsets
                .iter()
                .map(|&offset| r.model.sampler(r.predictor.offset + offset)),
        );
        let samplers = &ws.response_samplers;
        ws.response.extend(
            ws.arm[..n]
                .iter()
                .map(|&arm| samplers[arm as usize].sample(rng)),
        );
    } else {
        for i in 0..n {
            let arm = ws.arm[i] as usize;
            let eta = r.predictor.eval(&ws.cohort, i) + r.arm_offsets[arm];
            ws.response.push(r.model.sample(eta, rng));
        }
    }
}

/// The four transitions' linear predictors, in [`Multipliers`] order.
fn transitions(e: &ArmEffects) -> [&LinearPredictor; 4] {
    [
        &e.progression,
        &e.death_before_progression,
        &e.death_after_progression,
        &e.discontinuation,
    ]
}

/// Each patient's hazard multiplier per transition, without the response
/// link. A transition without covariate terms has the same multiplier,
/// `exp(offset)`, for every patient of the arm: it is kept once per arm in
/// `constant_multipliers`. Transitions with terms get a per-patient column
/// in `multipliers`, evaluated a covariate at a time
/// ([`LinearPredictor::add_terms`]) when every arm has the same terms.
fn transition_multipliers(s: &Scenario, n: usize, ws: &mut Workspace) {
    ws.constant_multipliers.clear();
    ws.constant_multipliers.extend(s.arms.iter().map(|arm| {
        transitions(&arm.effects).map(|lp| lp.terms.is_empty().then(|| lp.offset.exp()))
    }));
    for t in 0..ws.multipliers.len() {
        let per_arm = |a: usize| transitions(&s.arms[a].effects)[t];
        // Death before and after progression often share their covariate
        // effects (Botkin: age on both): a transition whose predictor equals
        // an earlier one's in every arm has that one's column, copied rather
        // than recomputed (predictors equal as values give the same
        // multipliers: at most the sign of a zero sum differs, and exp maps
        // both zeros to 1).
        let same_as = (0..t)
            .find(|&u| (0..s.arms.len()).all(|a| transitions(&s.arms[a].effects)[u] == per_arm(a)));
        let (done, rest) = ws.multipliers.split_at_mut(t);
        let column = &mut rest[0];
        column.clear();
        if let Some(u) = same_as {
            column.extend_from_slice(&done[u]);
            continue;
        }
        if (0..s.arms.len()).all(|a| per_arm(a).terms.is_empty()) {
            continue;
        }
        let arms = &ws.arm[..n];
        let first = &per_arm(0).terms;
        if (0..s.arms.len()).all(|a| per_arm(a).terms == *first) {
            column.extend(arms.iter().map(|&a| per_arm(a as usize).offset));
            per_arm(0).add_terms(&ws.cohort, column);
            // Predictors of levels and counts recur (see `ExpMemo`); a
            // continuous term makes nearly every one new, where the memo
            // would only add its look-up to each `exp`.
            if first.iter().all(|t| t.is_discrete(&ws.cohort)) {
                for m in column.iter_mut() {
                    *m = ws.exp_memo.exp(*m);
                }
            } else {
                for m in column.iter_mut() {
                    *m = m.exp();
                }
            }
        } else {
            column.extend(arms.iter().enumerate().map(|(i, &a)| {
                ws.constant_multipliers[a as usize][t]
                    .unwrap_or_else(|| per_arm(a as usize).multiplier(&ws.cohort, i))
            }));
        }
    }
}

/// Latent progression, death and discontinuation times (three `Exp(1)`
/// draws per patient, four with a discontinuation model, in patient order). An arm whose model is the constant-rate
/// special case samples through [`ConstantRates`], which gives the same
/// times without the general model's dispatch, or, when all its patients
/// share their multipliers, through its [`TimeScales`] (the same draws, times
/// equal up to rounding, no division per patient).
fn sample_latent_times<R: Rng + ?Sized>(s: &Scenario, n: usize, rng: &mut R, ws: &mut Workspace) {
    ws.constant_rates.clear();
    ws.constant_rates
        .extend(s.arms.iter().map(|arm| arm.model.constant_rates()));
    let link = s.response.as_ref().and_then(|r| r.link.as_ref());
    // A response link makes the progression multiplier vary by patient.
    let linked = link.is_some() && !ws.response.is_empty();
    ws.time_scales.clear();
    ws.time_scales
        .extend(ws.constant_rates.iter().zip(&ws.constant_multipliers).map(
            |(rates, &[c_prog, c_before, c_after, _])| {
                let rates = rates.as_ref().filter(|_| !linked)?;
                let m = Multipliers {
                    progression: c_prog?,
                    death_before_progression: c_before?,
                    death_after_progression: c_after?,
                    discontinuation: 1.0,
                };
                TimeScales::new(rates, &m)
            },
        ));
    let Workspace {
        arm,
        response,
        constant_multipliers,
        multipliers,
        constant_rates,
        time_scales,
        progression,
        death,
        discontinuation,
        ..
    } = ws;
    // Sized once and written through slices: a push per time would reload
    // each Vec's length and capacity through `ws` on every patient.
    for v in [&mut *progression, &mut *death, &mut *discontinuation] {
        v.clear();
        v.resize(n, f64::INFINITY);
    }
    let (arm, progression, death) = (&arm[..n], &mut progression[..n], &mut death[..n]);
    let discontinuation = &mut discontinuation[..n];
    let [m_prog, m_before, m_after, m_disc] = &*multipliers;
    for i in 0..n {
        let a = arm[i] as usize;
        if let Some(scales) = &time_scales[a] {
            let t = scales.sample(rng);
            progression[i] = t.progression;
            death[i] = t.death;
            continue;
        }
        let link = match (link, response.get(i)) {
            (Some(l), Some(&r)) => l.progression_multiplier(r),
            _ => 1.0,
        };
        let [c_prog, c_before, c_after, c_disc] = constant_multipliers[a];
        let m = Multipliers {
            progression: c_prog.unwrap_or_else(|| m_prog[i]) * link,
            death_before_progression: c_before.unwrap_or_else(|| m_before[i]),
            death_after_progression: c_after.unwrap_or_else(|| m_after[i]),
            discontinuation: c_disc.unwrap_or_else(|| m_disc[i]),
        };
        let t = match &constant_rates[a] {
            Some(rates) => rates.sample(&m, rng),
            None => s.arms[a].model.sample(&m, rng),
        };
        progression[i] = t.progression;
        death[i] = t.death;
        discontinuation[i] = t.discontinuation;
    }
}

/// Adverse events, patient-major: one uniform of 32-bit resolution per
/// patient and event, two from each word ([`HalfWordUniforms`]: a Bernoulli
/// draw needs no more), event iff `u < p`. An event without covariate terms
/// has one probability for every patient, computed once; one with terms
/// takes its patient's [`AdverseEvent::probability`](crate::outcomes::adverse_events::AdverseEvent::probability)
/// of the same uniform, so the draws do not depend on which events have terms.
fn sample_adverse_events<R: Rng + ?Sized>(s: &Scenario, n: usize, rng: &mut R, ws: &mut Workspace) {
    ws.adverse.clear();
    let k = s.adverse_events.len();
    if k == 0 {
        return;
    }
    ws.adverse_probability.clear();
    ws.adverse_probability
        .extend(s.adverse_events.iter().map(|ae| {
            ae.predictor
                .terms
                .is_empty()
                .then(|| ae.event.probability(ae.predictor.offset))
        }));
    ws.adverse.resize(n * k, false);
    if ws.adverse_probability.iter().all(Option::is_some) {
        ws.adverse_constant.clear();
        ws.adverse_constant
            .extend(ws.adverse_probability.iter().flatten());
        constant_adverse_events(&ws.adverse_constant, rng, &mut ws.adverse);
        return;
    }
    let mut uniforms = HalfWordUniforms::new();
    for (i, row) in ws.adverse.chunks_exact_mut(k).enumerate() {
        for ((slot, ae), p) in row
            .iter_mut()
            .zip(&s.adverse_events)
            .zip(&ws.adverse_probability)
        {
            let u = uniforms.next(rng);
            let p = match p {
                Some(p) => *p,
                None => ae.event.probability(ae.predictor.eval(&ws.cohort, i)),
            };
            // A NaN probability is no event.
            *slot = u < p;
        }
    }
}

/// [`sample_adverse_events`] when no event has covariate terms (`p[j]` is
/// event j's probability): the same uniforms, in the same order, and the same
/// events. Patient-major order is the order of the flat table, so the draws
/// are taken a word (two uniforms) at a time over the table, without the
/// per-draw checks of which half of the word is next and of whether the
/// event has terms; an odd table takes the high half of one last word, as
/// [`HalfWordUniforms`] does.
fn constant_adverse_events<R: Rng + ?Sized>(p: &[f64], rng: &mut R, adverse: &mut [bool]) {
    let k = p.len();
    // The event of the next slot, cycling through 0..k.
    let mut e = 0;
    let step = |e: &mut usize| *e = if *e + 1 == k { 0 } else { *e + 1 };
    let mut pairs = adverse.chunks_exact_mut(2);
    for pair in &mut pairs {
        let [hi, lo] = uniform_pair(rng);
        pair[0] = hi < p[e];
        step(&mut e);
        pair[1] = lo < p[e];
        step(&mut e);
    }
    if let [last] = pairs.into_remainder() {
        *last = uniform_pair(rng)[0] < p[e];
    }
}

#[cfg(test)]
mod tests {
    use super::{constant_adverse_events, HalfWordUniforms};
    use rand::{Rng, RngCore, SeedableRng};

    /// The word-at-a-time loop for events without covariate terms draws
    /// what the general patient-by-event loop draws, and decides the same
    /// events, for odd and even table sizes (NaN: no event).
    #[test]
    fn constant_adverse_events_match_the_general_loop() {
        let mut seed = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for k in 1..=8 {
            let p: Vec<f64> = (0..k)
                .map(|j| if j == 5 { f64::NAN } else { seed.gen::<f64>() })
                .collect();
            for n in [0, 1, 2, 3, 7, 60, 61] {
                let mut a = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed.gen());
                let mut b = a.clone();
                let mut want = vec![false; n * k];
                let mut uniforms = HalfWordUniforms::new();
                for row in want.chunks_exact_mut(k) {
                    for (slot, &pj) in row.iter_mut().zip(&p) {
                        *slot = uniforms.next(&mut a) < pj;
                    }
                }
                let mut got = vec![true; n * k];
                constant_adverse_events(&p, &mut b, &mut got);
                assert_eq!(got, want, "k {k} n {n}");
                assert_eq!(a.next_u64(), b.next_u64(), "k {k} n {n}");
            }
        }
    }
}
