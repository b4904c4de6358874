//! Estimator benchmarks: each estimator a paper might apply, run on every
//! virtual cohort, and its performance against the model's true value (bias,
//! empirical and model SE, RMSE, coverage, CI width, rejection), each with
//! its Monte Carlo standard error (Morris, White & Crowther 2019).
//!
//! Targets and their true values:
//! - each arm's median PFS and PFS at each landmark: the population curve;
//! - each non-control arm's log PFS hazard ratio against the control: the
//!   marginal, censoring-free Cox limit (`sim::truth::marginal_pfs_hazard_ratio`);
//!   performance is on the log scale, where the Wald interval is symmetric;
//! - each non-control arm's difference in restricted mean PFS up to `tau`.

use super::performance::{EstimatorOutput, Performance, PerformanceAccumulator};
use crate::analysis::maic::maic_weights;
use crate::analysis::parametric::{fit_exponential, fit_weibull, ParametricFit};
use crate::analysis::{rmst, rmst_difference_with, z_value, ConfType, CoxModel, KaplanMeier, Ties};
use crate::design::Endpoint;
use crate::error::Error;
use crate::explain::case_mix::{transport, Balance};
use crate::scenario::Scenario;
use crate::sim::truth::{arm_population, marginal_pfs_hazard_ratio, ArmTruth};
use crate::sim::{RunConfig, Workspace};
use crate::study::Executor;
use serde::Serialize;

/// What an estimator estimates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    MedianPfs {
        arm: usize,
    },
    PfsAt {
        arm: usize,
        landmark: usize,
    },
    LogHazardRatio {
        arm: usize,
        control: usize,
    },
    RmstDifference {
        arm: usize,
        control: usize,
    },
    /// An arm's median PFS in another cohort's population (its model on
    /// that cohort's patients): what population adjustment targets.
    TransportedMedianPfs {
        arm: usize,
    },
}

/// An estimator: a point estimate with a standard error and/or interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimator {
    /// Kaplan-Meier median with survfit's Brookmeyer-Crowley interval.
    KmMedian(ConfType),
    /// Kaplan-Meier median +- z SE, SE from Greenwood and the curve's slope.
    KmMedianSymmetric,
    /// Median of a Weibull (or exponential) fit, interval symmetric on log t.
    WeibullMedian,
    ExponentialMedian,
    /// Kaplan-Meier survival at a landmark with a pointwise interval.
    KmLandmark(ConfType),
    /// Cox model, arm as the only covariate.
    Cox(Ties),
    /// Difference of Kaplan-Meier RMSTs, Wald interval.
    RmstDifference,
    /// Matching-adjusted (MAIC) Kaplan-Meier median: the arm's patients
    /// weighted to the target cohort's means and proportions.
    MaicMedian,
    /// The unweighted Kaplan-Meier median read as if it were the target
    /// cohort's: the comparison MAIC is meant to improve on.
    NaiveMedian,
}

impl Estimator {
    /// Every estimator, in report order.
    pub const ALL: [Estimator; 14] = [
        Estimator::KmMedian(ConfType::Plain),
        Estimator::KmMedian(ConfType::Log),
        Estimator::KmMedian(ConfType::LogLog),
        Estimator::KmMedian(ConfType::Logit),
        Estimator::KmMedian(ConfType::Arcsin),
        Estimator::KmMedianSymmetric,
        Estimator::WeibullMedian,
        Estimator::ExponentialMedian,
        Estimator::KmLandmark(ConfType::Plain),
        Estimator::KmLandmark(ConfType::Log),
        Estimator::KmLandmark(ConfType::LogLog),
        Estimator::Cox(Ties::Efron),
        Estimator::Cox(Ties::Breslow),
        Estimator::RmstDifference,
    ];

    /// The name on the command line and in reports.
    pub fn name(&self) -> String {
        match self {
            Estimator::KmMedian(c) => format!("km-median-{c}"),
            Estimator::KmMedianSymmetric => "km-median-symmetric".into(),
            Estimator::WeibullMedian => "weibull-median".into(),
            Estimator::ExponentialMedian => "exponential-median".into(),
            Estimator::KmLandmark(c) => format!("km-landmark-{c}"),
            Estimator::Cox(Ties::Efron) => "cox-efron".into(),
            Estimator::Cox(Ties::Breslow) => "cox-breslow".into(),
            Estimator::RmstDifference => "rmst-difference".into(),
            Estimator::MaicMedian => "maic-median".into(),
            Estimator::NaiveMedian => "naive-median".into(),
        }
    }

    pub fn parse(name: &str) -> Result<Estimator, String> {
        Estimator::ALL
            .into_iter()
            .chain([Estimator::MaicMedian, Estimator::NaiveMedian])
            .find(|e| e.name() == name.trim())
            .ok_or_else(|| {
                let names: Vec<String> = Estimator::ALL.iter().map(|e| e.name()).collect();
                format!("no estimator `{name}`; choose from {}", names.join(", "))
            })
    }

    fn estimates_median(&self) -> bool {
        matches!(
            self,
            Estimator::KmMedian(_)
                | Estimator::KmMedianSymmetric
                | Estimator::WeibullMedian
                | Estimator::ExponentialMedian
        )
    }
}

/// One (target, estimator) pair and the target's true value.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub target: Target,
    pub estimator: Estimator,
    pub target_name: String,
    pub truth: f64,
    /// The value whose exclusion from the interval counts as rejecting.
    pub null: Option<f64>,
    /// Population adjustment: what to balance, towards which means.
    pub balance: Option<MaicBalance>,
}

/// The balancing a MAIC estimator applies to one arm's patients.
#[derive(Debug, Clone, PartialEq)]
pub struct MaicBalance {
    pub columns: Vec<(Balance, f64)>,
    /// Levels the target population does not have: their patients get
    /// weight 0.
    pub excluded: Vec<(usize, u16)>,
}

/// One row of the benchmark: an estimator of a target and how it performed.
#[derive(Debug, Clone, Serialize)]
pub struct BenchmarkRow {
    pub target: String,
    pub estimator: String,
    #[serde(flatten)]
    pub performance: Performance,
}

fn truth_error(e: crate::sim::SimulationError) -> Error {
    Error::Simulation(e.to_string())
}

/// The slots the benchmark fills: `estimators` (every one if empty) applied
/// to every target they fit, with true values from the model.
pub fn slots(s: &Scenario, estimators: &[Estimator], tau: f64) -> Result<Vec<Slot>, Error> {
    let chosen: Vec<Estimator> = if estimators.is_empty() {
        Estimator::ALL.to_vec()
    } else {
        estimators.to_vec()
    };
    let pops: Vec<ArmTruth> = (0..s.arms.len())
        .map(|a| arm_population(s, a))
        .collect::<Result<_, _>>()
        .map_err(truth_error)?;
    let control = s.analysis.control;
    let mut out = Vec::new();
    let mut push = |target: Target, name: String, truth: Option<f64>, null: Option<f64>, e| {
        if let Some(truth) = truth.filter(|t| t.is_finite()) {
            out.push(Slot {
                target,
                estimator: e,
                target_name: name,
                truth,
                null,
                balance: None,
            });
        }
    };
    for (a, arm) in s.arms.iter().enumerate() {
        for &e in chosen.iter().filter(|e| e.estimates_median()) {
            push(
                Target::MedianPfs { arm: a },
                format!("{}.pfs_median", arm.name),
                pops[a].pfs_median(),
                None,
                e,
            );
        }
        for (k, &t) in s.analysis.landmarks.iter().enumerate() {
            for &e in chosen
                .iter()
                .filter(|e| matches!(e, Estimator::KmLandmark(_)))
            {
                push(
                    Target::PfsAt {
                        arm: a,
                        landmark: k,
                    },
                    format!("{}.pfs_at_{}", arm.name, crate::report::format_number(t)),
                    Some(pops[a].pfs_survival(t)),
                    None,
                    e,
                );
            }
        }
    }
    if s.arms.len() > 1 {
        let rc = s.arms[control].ratio as f64;
        for (a, arm) in s.arms.iter().enumerate().filter(|(a, _)| *a != control) {
            let share = arm.ratio as f64 / (arm.ratio as f64 + rc);
            let vs = &s.arms[control].name;
            let hr = marginal_pfs_hazard_ratio(&pops[a], &pops[control], share);
            for &e in chosen.iter().filter(|e| matches!(e, Estimator::Cox(_))) {
                push(
                    Target::LogHazardRatio { arm: a, control },
                    format!("{}.log_hr_vs_{vs}", arm.name),
                    hr.map(f64::ln),
                    Some(0.0),
                    e,
                );
            }
            if chosen.contains(&Estimator::RmstDifference) && tau > 0.0 && tau.is_finite() {
                push(
                    Target::RmstDifference { arm: a, control },
                    format!(
                        "{}.rmst_difference_vs_{vs}_to_{}",
                        arm.name,
                        crate::report::format_number(tau)
                    ),
                    Some(pops[a].pfs_rmst(tau) - pops[control].pfs_rmst(tau)),
                    Some(0.0),
                    Estimator::RmstDifference,
                );
            }
        }
    }
    Ok(out)
}

/// MAIC slots: each arm's median PFS transported to `target`'s population
/// (truth: the arm's model on the target's patients, `patients` of them),
/// estimated by MAIC and, for comparison, by the unweighted median.
pub fn maic_slots(s: &Scenario, target: &Scenario, patients: usize) -> Result<Vec<Slot>, Error> {
    let mut out = Vec::new();
    for (a, arm) in s.arms.iter().enumerate() {
        let t = transport(s, a, target, patients)?;
        let Some(truth) = t.truth.pfs_median() else {
            continue;
        };
        let balance = MaicBalance {
            columns: t.balance.clone(),
            excluded: t.excluded.clone(),
        };
        let name = format!("{}.pfs_median_in_{}", arm.name, target.meta.name);
        for e in [Estimator::MaicMedian, Estimator::NaiveMedian] {
            out.push(Slot {
                target: Target::TransportedMedianPfs { arm: a },
                estimator: e,
                target_name: name.clone(),
                truth,
                null: None,
                balance: (e == Estimator::MaicMedian).then(|| balance.clone()),
            });
        }
    }
    Ok(out)
}

/// Per-thread buffers for evaluating the slots on one cohort.
#[derive(Debug, Default)]
pub struct Evaluator {
    time: Vec<f64>,
    event: Vec<bool>,
    /// Kaplan-Meier PFS per arm, fitted once per cohort.
    km: Vec<KaplanMeier>,
    weibull: Vec<Option<ParametricFit>>,
    exponential: Vec<Option<ParametricFit>>,
    cox: CoxModel,
    /// The Cox design column, or the MAIC balancing matrix.
    x: Vec<f64>,
    weighted_km: KaplanMeier,
}

const NONE: EstimatorOutput = EstimatorOutput {
    estimate: None,
    se: None,
    lower: None,
    upper: None,
};

/// A Kaplan-Meier median and its interval; a bound that is not reached
/// leaves the interval open on that side.
fn km_median_output(q: crate::analysis::QuantileEstimate) -> EstimatorOutput {
    match q.estimate {
        Some(m) => EstimatorOutput {
            estimate: Some(m),
            se: None,
            lower: Some(q.lower.unwrap_or(0.0)),
            upper: Some(q.upper.unwrap_or(f64::INFINITY)),
        },
        None => NONE,
    }
}

fn log_symmetric(m: f64, se_time: f64, z: f64) -> EstimatorOutput {
    // Delta method on log t: se(log m) = se(m) / m.
    let s = se_time / m;
    EstimatorOutput {
        estimate: Some(m),
        se: Some(se_time),
        lower: Some(m * (-z * s).exp()),
        upper: Some(m * (z * s).exp()),
    }
}

impl Evaluator {
    pub fn new() -> Self {
        Self::default()
    }

    fn fit_arms(&mut self, s: &Scenario, ws: &Workspace, slots: &[Slot]) {
        let k = s.arms.len();
        self.km.resize_with(k, KaplanMeier::new);
        self.weibull.clear();
        self.weibull.resize(k, None);
        self.exponential.clear();
        self.exponential.resize(k, None);
        let wants = |f: &dyn Fn(Estimator) -> bool| slots.iter().any(|sl| f(sl.estimator));
        let weibull = wants(&|e| e == Estimator::WeibullMedian);
        let exponential = wants(&|e| e == Estimator::ExponentialMedian);
        for a in 0..k {
            ws.arm_endpoint_into(a, Endpoint::Pfs, &mut self.time, &mut self.event);
            self.km[a].fit(&self.time, &self.event);
            if weibull || exponential {
                // Patients censored at time 0 (entered just before the
                // cut-off, never assessed) add nothing to a parametric
                // likelihood, and survreg refuses a zero time: drop them.
                let mut k = 0;
                for i in 0..self.time.len() {
                    if self.time[i] > 0.0 || self.event[i] {
                        self.time[k] = self.time[i];
                        self.event[k] = self.event[i];
                        k += 1;
                    }
                }
                self.time.truncate(k);
                self.event.truncate(k);
            }
            if weibull {
                self.weibull[a] = fit_weibull(&self.time, &self.event).ok();
            }
            if exponential {
                self.exponential[a] = fit_exponential(&self.time, &self.event).ok();
            }
        }
    }

    fn cox(
        &mut self,
        ws: &Workspace,
        arm: usize,
        control: usize,
        ties: Ties,
        level: f64,
    ) -> EstimatorOutput {
        self.time.clear();
        self.event.clear();
        self.x.clear();
        let o = &ws.observed;
        for (i, &a) in ws.arm.iter().enumerate() {
            let a = a as usize;
            if a == arm || a == control {
                self.time.push(o.pfs_time[i]);
                self.event.push(o.pfs_event[i]);
                self.x.push((a == arm) as u8 as f64);
            }
        }
        let ok = self
            .cox
            .fit(&self.time, &self.event, &self.x, 1, None, ties)
            .is_ok_and(|f| f.is_ok());
        match self
            .cox
            .coef_summary(0, level)
            .filter(|c| ok && !c.infinite)
        {
            Some(c) => EstimatorOutput {
                estimate: Some(c.beta),
                se: Some(c.se),
                lower: Some(c.hr_lower.ln()),
                upper: Some(c.hr_upper.ln()),
            },
            None => NONE,
        }
    }

    /// The MAIC-weighted Kaplan-Meier median of arm `arm`.
    fn maic_median(
        &mut self,
        ws: &Workspace,
        arm: usize,
        b: &MaicBalance,
        level: f64,
    ) -> EstimatorOutput {
        let c = &ws.cohort;
        self.time.clear();
        self.event.clear();
        self.x.clear();
        let o = &ws.observed;
        for i in (0..ws.arm.len()).filter(|&i| ws.arm[i] as usize == arm) {
            if b.excluded.iter().any(|&(col, l)| c.level(col, i) == l) {
                continue;
            }
            self.time.push(o.pfs_time[i]);
            self.event.push(o.pfs_event[i]);
            for (bal, _) in &b.columns {
                self.x.push(match *bal {
                    Balance::Mean { column } => c.value(column, i),
                    Balance::Level { column, level } => (c.level(column, i) == level) as u8 as f64,
                });
            }
        }
        let targets: Vec<f64> = b.columns.iter().map(|(_, m)| *m).collect();
        let Ok(w) = maic_weights(&self.x, targets.len(), &targets) else {
            return NONE;
        };
        if self
            .weighted_km
            .fit_weighted(&self.time, &self.event, &w.weights)
            .is_err()
        {
            return NONE;
        }
        let q = self.weighted_km.median(ConfType::Log, level);
        km_median_output(q)
    }

    /// Fills `row` with four numbers per slot (estimate, SE, lower, upper;
    /// NaN for none; an open interval end as an infinity).
    pub fn evaluate(
        &mut self,
        s: &Scenario,
        ws: &Workspace,
        slots: &[Slot],
        tau: f64,
        row: &mut [f64],
    ) {
        self.fit_arms(s, ws, slots);
        let level = s.analysis.conf_level;
        let z = z_value(level);
        for (slot, out) in slots.iter().zip(row.chunks_exact_mut(4)) {
            let o = match (slot.target, slot.estimator) {
                (Target::MedianPfs { arm }, Estimator::KmMedian(conf)) => {
                    let q = self.km[arm].median(conf, level);
                    km_median_output(q)
                }
                (Target::MedianPfs { arm }, Estimator::KmMedianSymmetric) => {
                    let q = self.km[arm].median_symmetric(level);
                    EstimatorOutput {
                        estimate: q.estimate,
                        se: q.se,
                        lower: q.lower,
                        upper: q.upper,
                    }
                }
                (Target::MedianPfs { arm }, Estimator::WeibullMedian) => self.weibull[arm]
                    .map(|f| f.median())
                    .filter(|m| m.estimate.is_finite() && m.se.is_finite())
                    .map_or(NONE, |m| log_symmetric(m.estimate, m.se, z)),
                (Target::MedianPfs { arm }, Estimator::ExponentialMedian) => self.exponential[arm]
                    .map(|f| f.median())
                    .filter(|m| m.estimate.is_finite() && m.se.is_finite())
                    .map_or(NONE, |m| log_symmetric(m.estimate, m.se, z)),
                (Target::PfsAt { arm, landmark }, Estimator::KmLandmark(conf)) => {
                    match self.km[arm].survival_at(s.analysis.landmarks[landmark], conf, level) {
                        Some(l) => EstimatorOutput {
                            estimate: Some(l.surv),
                            se: Some(l.std_err).filter(|v| v.is_finite()),
                            lower: Some(l.lower).filter(|v| !v.is_nan()),
                            upper: Some(l.upper).filter(|v| !v.is_nan()),
                        },
                        None => NONE,
                    }
                }
                (Target::TransportedMedianPfs { arm }, Estimator::MaicMedian) => {
                    match &slot.balance {
                        Some(b) => self.maic_median(ws, arm, b, level),
                        None => NONE,
                    }
                }
                (Target::TransportedMedianPfs { arm }, Estimator::NaiveMedian) => {
                    let q = self.km[arm].median(ConfType::Log, level);
                    km_median_output(q)
                }
                (Target::LogHazardRatio { arm, control }, Estimator::Cox(ties)) => {
                    self.cox(ws, arm, control, ties, level)
                }
                (Target::RmstDifference { arm, control }, Estimator::RmstDifference) => {
                    let a = rmst(&self.km[arm], tau);
                    let b = rmst(&self.km[control], tau);
                    match (a, b) {
                        (Some(a), Some(b)) => {
                            let d = rmst_difference_with(&a, &b, level);
                            EstimatorOutput {
                                estimate: Some(d.estimate).filter(|v| v.is_finite()),
                                se: Some(d.se).filter(|v| v.is_finite()),
                                lower: Some(d.lower).filter(|v| v.is_finite()),
                                upper: Some(d.upper).filter(|v| v.is_finite()),
                            }
                        }
                        _ => NONE,
                    }
                }
                _ => NONE,
            };
            out[0] = o.estimate.unwrap_or(f64::NAN);
            out[1] = o.se.unwrap_or(f64::NAN);
            out[2] = o.lower.unwrap_or(f64::NAN);
            out[3] = o.upper.unwrap_or(f64::NAN);
        }
    }
}

fn output_from(v: &[f64]) -> EstimatorOutput {
    let some = |x: f64| (!x.is_nan()).then_some(x);
    // An interval needs both ends.
    let (lower, upper) = match (some(v[2]), some(v[3])) {
        (Some(l), Some(u)) => (Some(l), Some(u)),
        _ => (None, None),
    };
    EstimatorOutput {
        estimate: some(v[0]).filter(|x| x.is_finite()),
        se: some(v[1]).filter(|x| x.is_finite()),
        lower,
        upper,
    }
}

/// Runs the benchmark: every slot's performance over `cfg.replicates`
/// virtual cohorts, aggregated as they stream past.
/// As unit "benchmark" of the study `exec` runs (None when `exec` is a
/// shard).
pub fn benchmark(
    exec: &mut Executor,
    s: &Scenario,
    slots: &[Slot],
    cfg: &RunConfig,
    tau: f64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<Vec<BenchmarkRow>>, Error> {
    let width = 4 * slots.len();
    let acc: Option<Vec<PerformanceAccumulator>> = exec.unit(
        "benchmark",
        s,
        cfg,
        width,
        Evaluator::new,
        |ev, ws, row| ev.evaluate(s, ws, slots, tau, row),
        |chunk| {
            let mut acc: Vec<PerformanceAccumulator> = slots
                .iter()
                .map(|sl| PerformanceAccumulator::new(sl.truth, sl.null))
                .collect();
            if width > 0 {
                for row in chunk.chunks_exact(width) {
                    for (a, v) in acc.iter_mut().zip(row.chunks_exact(4)) {
                        a.push(&output_from(v));
                    }
                }
            }
            acc
        },
        None,
        progress,
    )?;
    let Some(acc) = acc else {
        return Ok(None);
    };
    Ok(Some(
        slots
            .iter()
            .zip(&acc)
            .map(|(sl, a)| BenchmarkRow {
                target: sl.target_name.clone(),
                estimator: sl.estimator.name(),
                performance: a.finish(),
            })
            .collect(),
    ))
}
