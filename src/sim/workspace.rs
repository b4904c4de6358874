//! One virtual cohort, generated into reused buffers.
//!
//! The order of work, and so of random draws, is fixed: covariates, entry
//! times, arm allocation, latent outcome times (four exponential draws per
//! patient), loss to follow-up and observation. A replicate allocates nothing
//! here once its buffers have grown to size.

use crate::cohort::{Cohort, GenerateError, GenerationStats};
use crate::design::{
    AllocateError, AllocationScratch, CutoffOutcome, Endpoint, ObserveError, Observed,
};
use crate::outcomes::death_cause::{CauseIndex, VitalStatus};
use crate::outcomes::illness_death::Multipliers;
use crate::outcomes::response::Response;
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
    ws.response.clear();
    if let Some(r) = &s.response {
        for i in 0..n {
            let arm = ws.arm[i] as usize;
            let eta = r.predictor.eval(&ws.cohort, i) + r.arm_offsets[arm];
            ws.response.push(r.model.sample(eta, rng));
        }
    }
    ws.progression.clear();
    ws.death.clear();
    ws.discontinuation.clear();
    // A transition without covariate terms has the same multiplier,
    // exp(offset), for every patient of the arm: computed once here.
    ws.constant_multipliers.clear();
    ws.constant_multipliers.extend(s.arms.iter().map(|arm| {
        let e = &arm.effects;
        [
            &e.progression,
            &e.death_before_progression,
            &e.death_after_progression,
            &e.discontinuation,
        ]
        .map(|lp| lp.terms.is_empty().then(|| lp.offset.exp()))
    }));
    for i in 0..n {
        let a = ws.arm[i] as usize;
        let arm = &s.arms[a];
        let e = &arm.effects;
        let link = match (&s.response, ws.response.get(i)) {
            (Some(spec), Some(&r)) => spec
                .link
                .as_ref()
                .map_or(1.0, |l| l.progression_multiplier(r)),
            _ => 1.0,
        };
        let [c_prog, c_before, c_after, c_disc] = ws.constant_multipliers[a];
        let cohort = &ws.cohort;
        let m = Multipliers {
            progression: c_prog.unwrap_or_else(|| e.progression.multiplier(cohort, i)) * link,
            death_before_progression: c_before
                .unwrap_or_else(|| e.death_before_progression.multiplier(cohort, i)),
            death_after_progression: c_after
                .unwrap_or_else(|| e.death_after_progression.multiplier(cohort, i)),
            discontinuation: c_disc.unwrap_or_else(|| e.discontinuation.multiplier(cohort, i)),
        };
        let t = arm.model.sample(&m, rng);
        ws.progression.push(t.progression);
        ws.death.push(t.death);
        ws.discontinuation.push(t.discontinuation);
    }
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
    ws.adverse.clear();
    for i in 0..n {
        for ae in &s.adverse_events {
            let eta = ae.predictor.eval(&ws.cohort, i);
            ws.adverse.push(ae.event.sample(eta, rng));
        }
    }
    // One draw per patient, dead or alive, so streams stay aligned.
    ws.death_cause.clear();
    if let Some(causes) = &s.death_causes {
        for i in 0..n {
            let status = if !ws.observed.os_event[i] {
                VitalStatus::Alive
            } else if ws.progression[i] < ws.death[i] {
                VitalStatus::DiedAfterProgression
            } else {
                VitalStatus::DiedBeforeProgression
            };
            ws.death_cause.push(causes.sample_for_patient(status, rng));
        }
    }
    Ok(())
}
