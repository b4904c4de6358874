//! Simulated power and type I error of a PFS test at given cohort sizes, the
//! smallest size reaching a target power, and the analytic approximations
//! (Schoenfeld, Freedman) beside them.
//!
//! Type I error is simulated under the matching null scenario: for a two-arm
//! test, the tested arm given the control arm's outcome model (hazards,
//! covariate effects, response offset), everything else unchanged; for a
//! one-sample test, the tested arm's progression hazard rescaled so that its
//! true median PFS equals the historical median.

use super::analytic;
use super::hypothesis::{Comparison, Test, Tester};
use super::performance::{proportion, Measure, Moments};
use crate::error::Error;
use crate::scenario::Scenario;
use crate::sim::truth::{arm_population, marginal_pfs_hazard_ratio};
use crate::sim::RunConfig;
use crate::study::{Aggregate, Executor};
use serde::{Deserialize, Serialize};

/// What a power analysis runs.
#[derive(Debug, Clone, Copy)]
pub struct PowerConfig {
    pub test: Test,
    pub comparison: Comparison,
    /// Two-sided significance level.
    pub alpha: f64,
    pub replicates: u64,
    pub seed: u64,
}

/// Power and type I error at one cohort size.
#[derive(Debug, Clone, Serialize)]
pub struct PowerPoint {
    /// Patients per cohort (all arms).
    pub n: usize,
    /// Mean PFS events the test rests on, under the alternative.
    pub events: Option<Measure>,
    pub power: Option<Measure>,
    pub type1_error: Option<Measure>,
    /// Replicates in which the test could not be computed (counted as not
    /// rejecting), under the alternative and under the null.
    pub failed: u64,
    pub failed_null: u64,
    /// Analytic power at the simulated mean number of events.
    pub schoenfeld: Option<f64>,
    pub freedman: Option<f64>,
}

/// The effect the analytic formulas use.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TrueEffect {
    /// Two-arm: the marginal PFS hazard ratio (censoring-free Cox limit).
    /// One-sample: historical median / true median (the hazard ratio under
    /// exponential PFS).
    pub hazard_ratio: Option<f64>,
    /// Share of the compared patients on the tested arm (two-arm tests).
    pub share: f64,
    /// The tested arm's true median PFS.
    pub true_median: Option<f64>,
}

/// The scenario under which the test's null hypothesis holds.
pub fn null_scenario(s: &Scenario, cfg: &PowerConfig) -> Result<Scenario, Error> {
    let arm = cfg.comparison.arm;
    match (cfg.test, cfg.comparison.control) {
        (Test::OneSampleLogRank { historical_median }, _) => {
            median_matched(s, arm, historical_median)
        }
        (_, Some(control)) => {
            let mut null = s.clone();
            null.arms[arm].model = s.arms[control].model;
            null.arms[arm].effects = s.arms[control].effects.clone();
            if let Some(r) = null.response.as_mut() {
                r.arm_offsets[arm] = r.arm_offsets[control];
            }
            Ok(null)
        }
        (_, None) => Err(Error::Usage(
            "a two-arm test needs a control arm (the scenario has one arm)".into(),
        )),
    }
}

/// `s` with arm `arm`'s progression hazard multiplied by `exp(log_c)`.
fn scaled(s: &Scenario, arm: usize, log_c: f64) -> Scenario {
    let mut t = s.clone();
    t.arms[arm].effects.progression.offset += log_c;
    t
}

fn true_median(s: &Scenario, arm: usize) -> Result<Option<f64>, Error> {
    arm_population(s, arm)
        .map(|p| p.pfs_median())
        .map_err(|e| Error::Simulation(e.to_string()))
}

/// Rescales the arm's progression hazard so its true median PFS is `target`:
/// secant steps on log median against log scale factor, kept in a bracket.
fn median_matched(s: &Scenario, arm: usize, target: f64) -> Result<Scenario, Error> {
    if !(target > 0.0 && target.is_finite()) {
        return Err(Error::Usage(format!(
            "--historical-median must be a positive number of months, not {target}"
        )));
    }
    let mut small = s.clone();
    // The null only needs the median to a few parts in a thousand.
    small.analysis.truth_n = small.analysis.truth_n.min(50_000);
    let f = |log_c: f64| -> Result<f64, Error> {
        let m = true_median(&scaled(&small, arm, log_c), arm)?;
        Ok(m.map_or(f64::INFINITY, |m| m.ln() - target.ln()))
    };
    let (mut a, mut fa) = (0.0, f(0.0)?);
    if fa == 0.0 {
        return Ok(s.clone());
    }
    // A higher hazard gives a shorter median: step towards the root until
    // the sign changes.
    let mut b = if fa > 0.0 { 0.5 } else { -0.5 };
    let mut fb = f(b)?;
    let mut steps = 0;
    while fa.signum() == fb.signum() {
        steps += 1;
        if steps > 12 {
            return Err(Error::Usage(format!(
                "no rescaling of the progression hazard of arm {} gives a true median PFS of {target} months (deaths before progression alone may decide the median)",
                s.arms[arm].name
            )));
        }
        (a, fa) = (b, fb);
        b *= 2.0;
        fb = f(b)?;
    }
    for _ in 0..60 {
        let m = if fa.is_finite() && fb.is_finite() {
            b - fb * (b - a) / (fb - fa)
        } else {
            0.5 * (a + b)
        };
        let m = if (m - a) * (m - b) < 0.0 {
            m
        } else {
            0.5 * (a + b)
        };
        let fm = f(m)?;
        if fm.abs() < 1e-9 || (b - a).abs() < 1e-10 {
            a = m;
            break;
        }
        if fm.signum() == fa.signum() {
            (a, fa) = (m, fm);
        } else {
            (b, fb) = (m, fm);
        }
        if fa.abs() < 1e-6 {
            break;
        }
    }
    Ok(scaled(s, arm, a))
}

/// The true effect behind the analytic formulas.
pub fn true_effect(s: &Scenario, cfg: &PowerConfig) -> Result<TrueEffect, Error> {
    let arm = cfg.comparison.arm;
    let sim = |e: crate::sim::SimulationError| Error::Simulation(e.to_string());
    let treated = arm_population(s, arm).map_err(sim)?;
    let true_median = treated.pfs_median();
    match (cfg.test, cfg.comparison.control) {
        (Test::OneSampleLogRank { historical_median }, _) => Ok(TrueEffect {
            hazard_ratio: true_median.map(|m| historical_median / m),
            share: 1.0,
            true_median,
        }),
        (_, Some(control)) => {
            let c = arm_population(s, control).map_err(sim)?;
            let (ra, rc) = (s.arms[arm].ratio as f64, s.arms[control].ratio as f64);
            let share = ra / (ra + rc);
            Ok(TrueEffect {
                hazard_ratio: marginal_pfs_hazard_ratio(&treated, &c, share),
                share,
                true_median,
            })
        }
        (_, None) => Ok(TrueEffect {
            hazard_ratio: None,
            share: 1.0,
            true_median,
        }),
    }
}

/// Rejections and events over replicates.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Tally {
    rejected: u64,
    failed: u64,
    total: u64,
    events: Moments,
}

impl Aggregate for Tally {
    fn append(&mut self, right: &Self) {
        self.rejected += right.rejected;
        self.failed += right.failed;
        self.total += right.total;
        self.events.merge(&right.events);
    }
}

/// The test over replicates, as unit `label` of the study `exec` runs.
fn simulate(
    exec: &mut Executor,
    label: &str,
    s: &Scenario,
    cfg: &PowerConfig,
    n: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<Tally>, Error> {
    let run = RunConfig {
        replicates: cfg.replicates,
        seed: cfg.seed,
        n,
    };
    let ties = s.analysis.ties;
    exec.unit(
        label,
        s,
        &run,
        2,
        Tester::new,
        |tester, ws, row| {
            let o = tester.test(cfg.test, &cfg.comparison, ties, ws);
            row[0] = o.p_value;
            row[1] = o.events;
        },
        |chunk| {
            let mut t = Tally::default();
            for row in chunk.chunks_exact(2) {
                t.total += 1;
                if row[0].is_nan() {
                    t.failed += 1;
                } else if row[0] < cfg.alpha {
                    t.rejected += 1;
                }
                if row[1].is_finite() {
                    t.events.push(row[1]);
                }
            }
            t
        },
        None,
        progress,
    )
}

/// Power (under `s`) and type I error (under `null`) at cohort size `n`, as
/// two units of the study `exec` runs (None when `exec` is a shard).
#[allow(clippy::too_many_arguments)]
pub fn power_at(
    exec: &mut Executor,
    s: &Scenario,
    null: &Scenario,
    effect: &TrueEffect,
    cfg: &PowerConfig,
    n: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<PowerPoint>, Error> {
    let alt = simulate(exec, &format!("n={n}/alternative"), s, cfg, n, progress)?;
    let h0 = simulate(exec, &format!("n={n}/null"), null, cfg, n, progress)?;
    let (Some(alt), Some(h0)) = (alt, h0) else {
        return Ok(None);
    };
    let events = alt.events.mean().map(|m| Measure {
        value: m,
        mcse: alt
            .events
            .sd()
            .map_or(f64::NAN, |sd| sd / (alt.events.n() as f64).sqrt()),
    });
    let d = events.map(|e| e.value);
    let (schoenfeld, freedman) = match (cfg.test, effect.hazard_ratio, d) {
        (Test::OneSampleLogRank { .. }, Some(hr), Some(d)) => {
            (analytic::one_sample_power(hr, cfg.alpha, d), None)
        }
        (Test::LogRank | Test::Cox, Some(hr), Some(d)) => (
            analytic::schoenfeld_power(hr, cfg.alpha, d, effect.share),
            analytic::freedman_power(hr, cfg.alpha, d, effect.share),
        ),
        _ => (None, None),
    };
    Ok(Some(PowerPoint {
        n,
        events,
        power: proportion(alt.rejected, alt.total),
        type1_error: proportion(h0.rejected, h0.total),
        failed: alt.failed,
        failed_null: h0.failed,
        schoenfeld,
        freedman,
    }))
}

/// The smallest n whose simulated power reaches `target`: doubling or
/// halving from `start` to bracket it, then bisection to within `tolerance`
/// patients (relative, at least 1). Every evaluated point is returned, in
/// order of n; the answer is the smallest evaluated n at or above target.
/// With a fixed seed, neighbouring n share their random numbers, which keeps
/// the simulated power curve close to monotone.
#[allow(clippy::too_many_arguments)]
pub fn search_n(
    exec: &mut Executor,
    s: &Scenario,
    null: &Scenario,
    effect: &TrueEffect,
    cfg: &PowerConfig,
    target: f64,
    start: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<PowerPoint>, Option<usize>), Error> {
    const MAX_N: usize = 20_000;
    let min_n = s.arms.len().max(4);
    let mut points: Vec<PowerPoint> = Vec::new();
    let mut eval = |n: usize, points: &mut Vec<PowerPoint>| -> Result<f64, Error> {
        if let Some(p) = points.iter().find(|p| p.n == n) {
            return Ok(p.power.map_or(0.0, |m| m.value));
        }
        let p = power_at(exec, s, null, effect, cfg, n, progress)?.ok_or_else(|| {
            Error::Usage("the target-power search decides each n from the last result; it cannot run as a shard (give --n)".into())
        })?;
        let v = p.power.map_or(0.0, |m| m.value);
        points.push(p);
        Ok(v)
    };
    let mut n = start.clamp(min_n, MAX_N);
    let (mut lo, mut hi);
    if eval(n, &mut points)? >= target {
        hi = n;
        lo = None;
        while n > min_n {
            n = (n / 2).max(min_n);
            if eval(n, &mut points)? < target {
                lo = Some(n);
                break;
            }
            hi = n;
        }
        let Some(l) = lo else {
            points.sort_by_key(|p| p.n);
            return Ok((points, Some(hi)));
        };
        lo = Some(l);
    } else {
        lo = Some(n);
        loop {
            if n >= MAX_N {
                points.sort_by_key(|p| p.n);
                return Ok((points, None));
            }
            n = (n * 2).min(MAX_N);
            if eval(n, &mut points)? >= target {
                hi = n;
                break;
            }
            lo = Some(n);
        }
    }
    let mut lo = lo.unwrap_or(min_n);
    while hi - lo > 1 && (hi - lo) as f64 > 0.02 * hi as f64 {
        let mid = lo + (hi - lo) / 2;
        if eval(mid, &mut points)? >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    points.sort_by_key(|p| p.n);
    Ok((points, Some(hi)))
}
