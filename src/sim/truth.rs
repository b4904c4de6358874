//! The model's true values: what each estimate targets, free of censoring and
//! of sampling error at the study's n.
//!
//! Per arm, a large cohort (`analysis.truth_n` patients, own random stream,
//! a fixed seed so the truth is a property of the scenario, not of `--seed`)
//! gives the population. Survival is never read off as a fraction of latent
//! times: each patient contributes a probability instead.
//! - PFS without treatment discontinuation: the patient's closed-form
//!   survival exp(-m01 H01(t) - m02 H02(t)), so with no covariate effects the
//!   truth is the analytic curve.
//! - PFS with discontinuation, and OS: conditional Monte Carlo. Each patient's
//!   progression time (as if death could not intervene) is drawn; death before
//!   progression and death after it are integrated out in closed form.
//!
//! The truth is then a continuous, deterministic function of the model's
//! parameters (the same random numbers serve every parameter value), which is
//! what `calibrate` solves on, and its Monte Carlo error is far below that of
//! counting latent times.

use super::estimates::{Column, Quantity};
use super::streams::truth_rng;
use super::workspace::SimulationError;
use crate::cohort::Cohort;
use crate::hazard::root::invert_monotone;
use crate::outcomes::illness_death::{Multipliers, DRAWS_PER_PATIENT};
use crate::scenario::Scenario;
use rand::Rng;
use rand_distr::Exp1;
use serde::Serialize;

/// The seed behind every scenario's true values.
pub const TRUTH_SEED: u64 = 0x7472_7574_6821;

/// How the true values of one arm were obtained.
#[derive(Debug, Clone, Serialize)]
pub struct TruthMethod {
    pub arm: String,
    pub patients: usize,
    pub pfs: &'static str,
    pub os: &'static str,
}

const CLOSED_FORM: &str = "closed form averaged over covariates";
const CONDITIONAL: &str = "conditional Monte Carlo (death integrated out given progression time)";

/// The population an arm's estimates target: a large cohort under that arm's
/// model, from which any estimand's true value can be read.
pub struct ArmTruth<'a> {
    scenario: &'a Scenario,
    arm: usize,
    multipliers: Vec<Multipliers>,
    /// Each patient's progression time as if death could not intervene.
    progression: Vec<f64>,
    closed_form_pfs: bool,
    screened_out: f64,
    /// Population response rates (CR+VGPR+PR; CR+VGPR) and adverse-event
    /// rates: averages of each patient's closed-form probability.
    orr: Option<f64>,
    vgpr_or_better: Option<f64>,
    adverse_events: Vec<f64>,
}

/// Builds arm `arm`'s population (`analysis.truth_n` patients, fixed seed).
pub fn arm_population(s: &Scenario, arm: usize) -> Result<ArmTruth<'_>, SimulationError> {
    let mut rng = truth_rng(TRUTH_SEED, arm);
    let mut cohort = Cohort::default();
    let stats = s
        .cohort
        .generate_into(s.analysis.truth_n, &mut rng, &mut cohort)
        .map_err(SimulationError::Cohort)?;
    Ok(population_of(
        s,
        arm,
        &cohort,
        stats.excluded_fraction(),
        &mut rng,
    ))
}

/// Arm `arm`'s outcome model applied to a given cohort (in the scenario's
/// column layout), drawing each patient's response and latent times from
/// `rng`: the population behind "this model, that case mix".
pub fn population_of<'a, R: Rng + ?Sized>(
    s: &'a Scenario,
    arm: usize,
    cohort: &Cohort,
    screened_out: f64,
    rng: &mut R,
) -> ArmTruth<'a> {
    let n = cohort.len();
    let a = &s.arms[arm];
    let mut t = ArmTruth {
        scenario: s,
        arm,
        multipliers: Vec::with_capacity(n),
        progression: Vec::with_capacity(n),
        closed_form_pfs: a.model.discontinuation.is_none(),
        screened_out,
        orr: None,
        vgpr_or_better: None,
        adverse_events: vec![0.0; s.adverse_events.len()],
    };
    let e = &a.effects;
    let (mut orr, mut vgpr) = (0.0, 0.0);
    for i in 0..n {
        // Response first, as in a simulated cohort: its depth scales progression.
        let link = match &s.response {
            Some(r) => {
                let eta = r.predictor.eval(cohort, i) + r.arm_offsets[arm];
                let p = r.model.probabilities(eta);
                orr += p[0] + p[1] + p[2];
                vgpr += p[0] + p[1];
                let drawn = r.model.sample(eta, rng);
                r.link
                    .as_ref()
                    .map_or(1.0, |l| l.progression_multiplier(drawn))
            }
            None => 1.0,
        };
        for (sum, ae) in t.adverse_events.iter_mut().zip(&s.adverse_events) {
            *sum += ae.event.probability(ae.predictor.eval(cohort, i));
        }
        let m = Multipliers {
            progression: e.progression.multiplier(cohort, i) * link,
            death_before_progression: e.death_before_progression.multiplier(cohort, i),
            death_after_progression: e.death_after_progression.multiplier(cohort, i),
            discontinuation: e.discontinuation.multiplier(cohort, i),
        };
        // The same four draws, in the same order, as a simulated patient.
        let mut draws = [0.0; DRAWS_PER_PATIENT];
        for d in &mut draws {
            *d = rng.sample(Exp1);
        }
        t.progression
            .push(a.model.uncensored_progression_time(&m, draws[0], draws[1]));
        t.multipliers.push(m);
    }
    if s.response.is_some() {
        t.orr = Some(orr / n as f64);
        t.vgpr_or_better = Some(vgpr / n as f64);
    }
    for x in &mut t.adverse_events {
        *x /= n as f64;
    }
    t
}

impl ArmTruth<'_> {
    fn mean(&self, f: impl Fn(&Multipliers, f64) -> f64) -> f64 {
        let sum: f64 = self
            .multipliers
            .iter()
            .zip(&self.progression)
            .map(|(m, &p)| f(m, p))
            .sum();
        sum / self.multipliers.len() as f64
    }

    /// True PFS survival at `t`.
    pub fn pfs_survival(&self, t: f64) -> f64 {
        let model = &self.scenario.arms[self.arm].model;
        if self.closed_form_pfs {
            self.mean(|m, _| model.pfs_survival(m, t).unwrap_or(f64::NAN))
        } else {
            self.mean(|m, p| {
                if p > t {
                    model.death_before_survival(m.death_before_progression, t)
                } else {
                    0.0
                }
            })
        }
    }

    /// True OS survival at `t`: alive without progression, or progressed at
    /// p <= t (not having died before) and alive since.
    pub fn os_survival(&self, t: f64) -> f64 {
        let model = &self.scenario.arms[self.arm].model;
        self.mean(|m, p| {
            if p > t {
                model.death_before_survival(m.death_before_progression, t)
            } else {
                model.death_before_survival(m.death_before_progression, p)
                    * model.survival_after_progression(m.death_after_progression, p, t)
            }
        })
    }

    /// True median PFS; None when half the population never progresses or dies.
    pub fn pfs_median(&self) -> Option<f64> {
        self.median(crate::design::Endpoint::Pfs)
    }

    /// True median OS; None when not reached.
    pub fn os_median(&self) -> Option<f64> {
        self.median(crate::design::Endpoint::Os)
    }

    /// Every `k`-th patient from patient `b` on: one of `k` disjoint batches
    /// of the population, whose spread gives the Monte Carlo error of a value
    /// computed on the whole population (batch means).
    pub fn batch(&self, b: usize, k: usize) -> ArmTruth<'_> {
        let keep = |i: &usize| i % k == b;
        ArmTruth {
            scenario: self.scenario,
            arm: self.arm,
            multipliers: (0..self.multipliers.len())
                .filter(keep)
                .map(|i| self.multipliers[i])
                .collect(),
            progression: (0..self.progression.len())
                .filter(keep)
                .map(|i| self.progression[i])
                .collect(),
            closed_form_pfs: self.closed_form_pfs,
            screened_out: self.screened_out,
            orr: self.orr,
            vgpr_or_better: self.vgpr_or_better,
            adverse_events: self.adverse_events.clone(),
        }
    }

    /// True survival of `endpoint` at `t`.
    pub fn survival(&self, endpoint: crate::design::Endpoint, t: f64) -> f64 {
        match endpoint {
            crate::design::Endpoint::Pfs => self.pfs_survival(t),
            crate::design::Endpoint::Os => self.os_survival(t),
        }
    }

    /// True median of `endpoint`; None when not reached.
    pub fn median(&self, endpoint: crate::design::Endpoint) -> Option<f64> {
        let t = invert_monotone(|t| 1.0 - self.survival(endpoint, t), 0.5);
        t.is_finite().then_some(t)
    }

    /// True restricted mean of `endpoint` up to `tau` (Simpson, `panels`
    /// even panels).
    pub fn rmst(&self, endpoint: crate::design::Endpoint, tau: f64, panels: usize) -> f64 {
        simpson(|t| self.survival(endpoint, t), tau, panels)
    }

    /// True restricted mean PFS up to `tau`: the area under the true curve,
    /// by composite Simpson's rule (the curve is smooth in t, so 256 panels
    /// leave an error far below any Monte Carlo error).
    pub fn pfs_rmst(&self, tau: f64) -> f64 {
        self.rmst(crate::design::Endpoint::Pfs, tau, 256)
    }

    /// The population's overall response rate (None without a response model).
    pub fn orr(&self) -> Option<f64> {
        self.orr
    }

    /// The population's rate of VGPR or better.
    pub fn vgpr_or_better(&self) -> Option<f64> {
        self.vgpr_or_better
    }

    /// The population's rate of adverse event `j`.
    pub fn adverse_event(&self, j: usize) -> Option<f64> {
        self.adverse_events.get(j).copied()
    }

    /// The fraction of screened patients the eligibility rules exclude.
    pub fn screened_out(&self) -> f64 {
        self.screened_out
    }

    /// How this arm's values are computed.
    pub fn method(&self) -> TruthMethod {
        TruthMethod {
            arm: self.scenario.arms[self.arm].name.clone(),
            patients: self.multipliers.len(),
            pfs: if self.closed_form_pfs {
                CLOSED_FORM
            } else {
                CONDITIONAL
            },
            os: CONDITIONAL,
        }
    }
}

/// True values per column (None where a column has no population target, such
/// as event counts, which depend on the design and n), and how they were found.
pub fn true_values(
    s: &Scenario,
    cols: &[Column],
) -> Result<(Vec<Option<f64>>, Vec<TruthMethod>), SimulationError> {
    let pops = (0..s.arms.len())
        .map(|arm| arm_population(s, arm))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(values_from_populations(s, cols, &pops))
}

/// True values per column from populations already built (one per arm, in
/// arm order), for callers that also need the populations themselves.
pub fn values_from_populations(
    s: &Scenario,
    cols: &[Column],
    pops: &[ArmTruth],
) -> (Vec<Option<f64>>, Vec<TruthMethod>) {
    let mut out = vec![None; cols.len()];
    let mut methods = Vec::new();
    let mut screened = None;
    for (arm, pop) in pops.iter().enumerate() {
        screened = Some(pop.screened_out());
        methods.push(pop.method());
        for (c, col) in cols.iter().enumerate() {
            if col.arm != Some(arm) {
                continue;
            }
            out[c] = match col.quantity {
                Quantity::PfsMedian => pop.pfs_median(),
                Quantity::PfsAt(k) => Some(pop.pfs_survival(s.analysis.landmarks[k])),
                Quantity::OsMedian => pop.os_median(),
                Quantity::OsAt(k) => Some(pop.os_survival(s.analysis.landmarks[k])),
                Quantity::Orr => pop.orr(),
                Quantity::VgprOrBetter => pop.vgpr_or_better(),
                Quantity::AdverseEvent(j) => pop.adverse_event(j),
                _ => None,
            };
        }
    }
    for (c, col) in cols.iter().enumerate() {
        if col.quantity == Quantity::ScreenedOut {
            out[c] = screened;
        }
    }
    (out, methods)
}

/// Composite Simpson's rule for the integral of `f` over `[0, b]` with `panels`
/// (even) panels.
fn simpson(f: impl Fn(f64) -> f64, b: f64, panels: usize) -> f64 {
    if b.is_nan() || b <= 0.0 || !b.is_finite() {
        return 0.0;
    }
    let h = b / panels as f64;
    let mut sum = f(0.0) + f(b);
    for i in 1..panels {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        sum += w * f(i as f64 * h);
    }
    sum * h / 3.0
}

/// Time points on which the true curves of two arms are integrated: uniform
/// up to a horizon past which (nearly) no more events happen in either arm.
fn event_horizon(a: &ArmTruth, b: &ArmTruth) -> f64 {
    let s = |t: f64| (a.pfs_survival(t), b.pfs_survival(t));
    let mut t = 1.0;
    let mut prev = s(t);
    while t < 1200.0 {
        let next = s(2.0 * t);
        let gone = next.0 < 1e-4 && next.1 < 1e-4;
        // A cured fraction leaves a plateau: stop once neither curve moves.
        let flat = prev.0 - next.0 < 1e-5 && prev.1 - next.1 < 1e-5 && t > 12.0;
        t *= 2.0;
        if gone || flat {
            break;
        }
        prev = next;
    }
    t.min(1200.0)
}

/// The PFS hazard ratio of `treated` against `control` that a Cox model with
/// the arm as its only covariate estimates in an infinitely large trial
/// without censoring, with `share_treated` of patients on `treated`: the root
/// of the limiting partial-likelihood score
/// `U(b) = ∫ [ π1 (1 - e_b(t)) dF1(t) - π0 e_b(t) dF0(t) ]`,
/// `e_b(t) = π1 S1(t) e^b / (π0 S0(t) + π1 S1(t) e^b)`.
///
/// Under proportional hazards of the marginal curves it is that hazard ratio;
/// otherwise it is the usual "average" hazard ratio a trial without censoring
/// targets (with administrative censoring, a Cox estimate under non-
/// proportional hazards targets a follow-up-weighted variant). The curves are
/// the population's true ones, so covariates are averaged over (a marginal,
/// not a conditional, hazard ratio). None if either arm has no events.
pub fn marginal_pfs_hazard_ratio(
    treated: &ArmTruth,
    control: &ArmTruth,
    share_treated: f64,
) -> Option<f64> {
    const POINTS: usize = 400;
    let horizon = event_horizon(treated, control);
    let (p1, p0) = (share_treated, 1.0 - share_treated);
    let grid: Vec<(f64, f64)> = (0..=POINTS)
        .map(|i| {
            let t = horizon * i as f64 / POINTS as f64;
            (treated.pfs_survival(t), control.pfs_survival(t))
        })
        .collect();
    // Interval k: event masses in each arm, survival at its midpoint.
    let intervals: Vec<(f64, f64, f64, f64)> = grid
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            (
                (a.0 - b.0).max(0.0),
                (a.1 - b.1).max(0.0),
                0.5 * (a.0 + b.0),
                0.5 * (a.1 + b.1),
            )
        })
        .filter(|iv| iv.0 + iv.1 > 0.0)
        .collect();
    if intervals.iter().all(|iv| iv.0 == 0.0) || intervals.iter().all(|iv| iv.1 == 0.0) {
        return None;
    }
    // Score and its derivative in b; U is decreasing, so Newton from 0 with
    // step halving converges.
    let score = |b: f64| {
        let hr = b.exp();
        let (mut u, mut du) = (0.0, 0.0);
        for &(d1, d0, s1, s0) in &intervals {
            let num = p1 * s1 * hr;
            let den = p0 * s0 + num;
            if den <= 0.0 {
                continue;
            }
            let e = num / den;
            u += p1 * (1.0 - e) * d1 - p0 * e * d0;
            du -= (p1 * d1 + p0 * d0) * e * (1.0 - e);
        }
        (u, du)
    };
    let mut b = 0.0f64;
    for _ in 0..100 {
        let (u, du) = score(b);
        if du >= 0.0 || !u.is_finite() {
            return None;
        }
        let mut step = -u / du;
        step = step.clamp(-2.0, 2.0);
        b += step;
        if step.abs() < 1e-12 {
            break;
        }
    }
    b.is_finite().then(|| b.exp())
}
