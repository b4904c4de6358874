//! The model's true values: what each estimate targets, free of censoring and
//! of sampling error at the study's n.
//!
//! Per arm, a large cohort (`analysis.truth_n` patients, own random stream,
//! a fixed seed so the truth is a property of the scenario, not of `--seed`)
//! gives the population. PFS survival is then the average of each patient's
//! closed-form conditional survival, which is exact given the covariates (so
//! with no covariate effects it is the analytic curve); where no closed form
//! exists (treatment discontinuation) and for OS, the large cohort's empirical
//! latent times are used.

use super::estimates::{Column, Quantity};
use super::streams::truth_rng;
use super::workspace::SimulationError;
use crate::cohort::Cohort;
use crate::hazard::root::invert_monotone;
use crate::outcomes::illness_death::Multipliers;
use crate::scenario::Scenario;
use serde::Serialize;

/// The seed behind every scenario's true values.
pub const TRUTH_SEED: u64 = 0x7472_7574_6821;

/// How the true values of one arm were obtained.
#[derive(Debug, Clone, Serialize)]
pub struct TruthMethod {
    pub arm: String,
    pub patients: usize,
    /// "closed form averaged over covariates" or "large cohort, empirical".
    pub pfs: &'static str,
    pub os: &'static str,
}

/// The population an arm's estimates target.
struct ArmTruth {
    multipliers: Vec<Multipliers>,
    pfs_latent: Vec<f64>,
    os_latent: Vec<f64>,
    closed_form: bool,
}

fn arm_population(s: &Scenario, arm: usize) -> Result<(ArmTruth, f64), SimulationError> {
    let mut rng = truth_rng(TRUTH_SEED, arm);
    let mut cohort = Cohort::default();
    let n = s.analysis.truth_n;
    let stats = s
        .cohort
        .generate_into(n, &mut rng, &mut cohort)
        .map_err(SimulationError::Cohort)?;
    let a = &s.arms[arm];
    let mut t = ArmTruth {
        multipliers: Vec::with_capacity(n),
        pfs_latent: Vec::with_capacity(n),
        os_latent: Vec::with_capacity(n),
        closed_form: a.model.discontinuation.is_none(),
    };
    for i in 0..n {
        let e = &a.effects;
        let m = Multipliers {
            progression: e.progression.multiplier(&cohort, i),
            death_before_progression: e.death_before_progression.multiplier(&cohort, i),
            death_after_progression: e.death_after_progression.multiplier(&cohort, i),
            discontinuation: e.discontinuation.multiplier(&cohort, i),
        };
        let lt = a.model.sample(&m, &mut rng);
        t.multipliers.push(m);
        t.pfs_latent.push(lt.progression.min(lt.death));
        t.os_latent.push(lt.death);
    }
    Ok((t, stats.excluded_fraction()))
}

impl ArmTruth {
    fn pfs_survival(&self, s: &Scenario, arm: usize, t: f64) -> f64 {
        if self.closed_form {
            let model = &s.arms[arm].model;
            let sum: f64 = self
                .multipliers
                .iter()
                .map(|m| model.pfs_survival(m, t).unwrap_or(f64::NAN))
                .sum();
            sum / self.multipliers.len() as f64
        } else {
            empirical_survival(&self.pfs_latent, t)
        }
    }

    fn pfs_median(&self, s: &Scenario, arm: usize) -> Option<f64> {
        if self.closed_form {
            // F(t) = 1 - S(t) is non-decreasing from 0: the median solves F = 0.5.
            let t = invert_monotone(|t| 1.0 - self.pfs_survival(s, arm, t), 0.5);
            t.is_finite().then_some(t)
        } else {
            empirical_median(&self.pfs_latent)
        }
    }
}

fn empirical_survival(times: &[f64], t: f64) -> f64 {
    times.iter().filter(|&&x| x > t).count() as f64 / times.len() as f64
}

/// The population median: None when half the cohort never has the event.
fn empirical_median(times: &[f64]) -> Option<f64> {
    let mut v = times.to_vec();
    let k = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    let m = *m;
    m.is_finite().then_some(m)
}

/// True values per column (None where a column has no population target, such
/// as event counts, which depend on the design and n), and how they were found.
pub fn true_values(
    s: &Scenario,
    cols: &[Column],
) -> Result<(Vec<Option<f64>>, Vec<TruthMethod>), SimulationError> {
    let mut out = vec![None; cols.len()];
    let mut methods = Vec::new();
    let mut screened = None;
    for arm in 0..s.arms.len() {
        let (pop, screened_out) = arm_population(s, arm)?;
        screened = Some(screened_out);
        methods.push(TruthMethod {
            arm: s.arms[arm].name.clone(),
            patients: s.analysis.truth_n,
            pfs: if pop.closed_form {
                "closed form averaged over covariates"
            } else {
                "large cohort, empirical"
            },
            os: "large cohort, empirical",
        });
        for (c, col) in cols.iter().enumerate() {
            if col.arm != Some(arm) {
                continue;
            }
            out[c] = match col.quantity {
                Quantity::PfsMedian => pop.pfs_median(s, arm),
                Quantity::PfsAt(k) => Some(pop.pfs_survival(s, arm, s.analysis.landmarks[k])),
                Quantity::OsMedian => empirical_median(&pop.os_latent),
                Quantity::OsAt(k) => {
                    Some(empirical_survival(&pop.os_latent, s.analysis.landmarks[k]))
                }
                _ => None,
            };
        }
    }
    for (c, col) in cols.iter().enumerate() {
        if col.quantity == Quantity::ScreenedOut {
            out[c] = screened;
        }
    }
    Ok((out, methods))
}
