//! The study-design part of a difference between two cohorts: A's study run
//! with each design element (sample size, follow-up and cut-off, loss to
//! follow-up, assessment schedule, eligibility) switched to B's, every
//! combination, and each element's Shapley share of what the estimate moves.
//! Elements are swapped in the scenario files themselves, so "B's cut-off"
//! means exactly what B's file says.
//!
//! All runs share the seed: replicate r is the same virtual cohort in every
//! combination (as far as the design lets it be), and a bootstrap over
//! replicates (the same resample for every combination) gives the Monte Carlo
//! error of each share.

use super::shapley::shapley;
use super::Estimands;
use crate::analysis::rmst::rmst_from_data;
use crate::analysis::{ConfType, KaplanMeier};
use crate::error::{Error, ScenarioError};
use crate::scenario::raw::RawScenario;
use crate::scenario::{self, include, resolve, Scenario};
use crate::sim::{run_chunks, RunConfig};
use crate::summary::quantile_sorted;
use rand::{Rng, SeedableRng};
use std::path::Path;

/// One design element and how to take it from B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    SampleSize,
    FollowUp,
    Loss,
    Assessment,
    Eligibility,
}

impl Element {
    pub const ALL: [Element; 5] = [
        Element::SampleSize,
        Element::FollowUp,
        Element::Loss,
        Element::Assessment,
        Element::Eligibility,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Element::SampleSize => "sample size",
            Element::FollowUp => "follow-up and cut-off",
            Element::Loss => "loss to follow-up",
            Element::Assessment => "assessment schedule",
            Element::Eligibility => "eligibility rules",
        }
    }
}

/// A scenario file read up to its raw form (includes applied).
pub fn read_raw(path: &Path) -> Result<RawScenario, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut raw = scenario::parse(&text, path)?;
    include::apply(&mut raw, path)?;
    Ok(raw)
}

fn same<T: serde::Serialize>(a: &T, b: &T) -> bool {
    serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}

/// Patients of arm `arm` in a cohort of `n`.
pub fn arm_size(s: &Scenario, arm: usize, n: usize) -> f64 {
    let total: u32 = s.arms.iter().map(|a| a.ratio).sum();
    n as f64 * s.arms[arm].ratio as f64 / total.max(1) as f64
}

/// A's raw scenario with `element` taken from B.
fn take(raw: &mut RawScenario, b: &RawScenario, element: Element, n_for_b_arm: i64) {
    match element {
        Element::SampleSize => raw.cohort.n = n_for_b_arm,
        Element::FollowUp => {
            raw.design.accrual = b.design.accrual.clone();
            raw.design.cutoff = b.design.cutoff.clone();
        }
        Element::Loss => raw.design.loss_rate = b.design.loss_rate,
        Element::Assessment => raw.design.assessment = b.design.assessment.clone(),
        Element::Eligibility => raw.eligibility = b.eligibility.clone(),
    }
}

fn differs(a: &RawScenario, b: &RawScenario, element: Element, n_for_b_arm: i64) -> bool {
    match element {
        Element::SampleSize => a.cohort.n != n_for_b_arm,
        Element::FollowUp => {
            !same(&a.design.accrual, &b.design.accrual) || !same(&a.design.cutoff, &b.design.cutoff)
        }
        Element::Loss => a.design.loss_rate.unwrap_or(0.0) != b.design.loss_rate.unwrap_or(0.0),
        Element::Assessment => !same(&a.design.assessment, &b.design.assessment),
        Element::Eligibility => !same(&a.eligibility, &b.eligibility),
    }
}

/// Each replicate's estimates of the three estimands.
pub fn replicate_estimates(
    s: &Scenario,
    arm: usize,
    e: &Estimands,
    replicates: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<[f64; 3]>, Error> {
    let cfg = RunConfig {
        replicates,
        seed,
        n: s.n,
    };
    let mut out = Vec::with_capacity(replicates as usize);
    let (conf, level) = (ConfType::Log, 0.95);
    run_chunks(
        s,
        &cfg,
        3,
        || (KaplanMeier::new(), Vec::new(), Vec::new()),
        |(km, time, event), ws, row| {
            ws.arm_endpoint_into(arm, e.endpoint, time, event);
            km.fit(time, event);
            row[0] = km.median(conf, level).estimate.unwrap_or(f64::INFINITY);
            row[1] = km
                .survival_at(e.landmark, conf, level)
                .map_or(f64::NAN, |l| l.surv);
            row[2] = rmst_from_data(time, event, e.tau, km).map_or(f64::NAN, |r| r.estimate);
        },
        |_, chunk| out.extend(chunk.chunks_exact(3).map(|r| [r[0], r[1], r[2]])),
        progress,
    )
    .map_err(|err| Error::Simulation(err.to_string()))?;
    Ok(out)
}

/// The typical estimate over replicates: the median of the medians (a "not
/// reached" median counts as longer than any), the mean of the others.
pub fn typical(rows: &[[f64; 3]], idx: &[usize], j: usize) -> f64 {
    if j == 0 {
        let mut v: Vec<f64> = idx.iter().map(|&i| rows[i][0]).collect();
        v.sort_by(f64::total_cmp);
        quantile_sorted(&v, 0.5).unwrap_or(f64::NAN)
    } else {
        let v: Vec<f64> = idx
            .iter()
            .map(|&i| rows[i][j])
            .filter(|x| x.is_finite())
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Bootstrap resamples of replicate indices, shared by every run so paired
/// differences keep their pairing.
pub fn resamples(replicates: usize, seed: u64, count: usize) -> Vec<Vec<usize>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x626f_6f74);
    (0..count)
        .map(|_| {
            (0..replicates)
                .map(|_| rng.gen_range(0..replicates))
                .collect()
        })
        .collect()
}

/// SD of the finite values (over bootstrap resamples, or over batches).
pub fn finite_sd(values: &[f64]) -> f64 {
    let mut m = crate::experiment::performance::Moments::new();
    for &x in values {
        m.push(x); // non-finite values are skipped
    }
    m.sd().unwrap_or(f64::NAN)
}

/// The design part.
#[derive(Debug, Clone)]
pub struct DesignPart {
    /// Elements that differ between the files, with their Shapley shares
    /// (value, bootstrap SE) per estimand.
    pub elements: Vec<(Element, [f64; 3], [f64; 3])>,
    /// Elements that are the same in both files, or that cannot be taken
    /// from B (why).
    pub unchanged: Vec<(Element, String)>,
    /// Replicate estimates of A's own study (every element A's).
    pub a_rows: Vec<[f64; 3]>,
    /// Replicate estimates of A's population and model in B's design.
    pub b_design_rows: Vec<[f64; 3]>,
    /// Patients per cohort of A's study with B's sample size.
    pub n_with_b_size: usize,
}

/// Runs A's study under every combination of its own and B's design
/// elements; `progress` hears replicates.
#[allow(clippy::too_many_arguments)]
pub fn design_part(
    a_path: &Path,
    a: &Scenario,
    arm_a: usize,
    b_path: &Path,
    b: &Scenario,
    arm_b: usize,
    e: &Estimands,
    replicates: u64,
    seed: u64,
    resample: &[Vec<usize>],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<DesignPart, Error> {
    let ra = read_raw(a_path)?;
    let rb = read_raw(b_path)?;
    let b_arm_n = arm_size(b, arm_b, b.n);
    let n_for_b = (b_arm_n * a.n as f64 / arm_size(a, arm_a, a.n))
        .round()
        .max(1.0) as i64;
    let resolve_with = |taken: &[Element]| -> Result<Scenario, ScenarioError> {
        let mut raw = ra.clone();
        for &el in taken {
            take(&mut raw, &rb, el, n_for_b);
        }
        resolve::resolve(raw).map_err(|problems| ScenarioError {
            file: a_path.to_path_buf(),
            problems,
        })
    };
    let mut elements = Vec::new();
    let mut unchanged = Vec::new();
    for el in Element::ALL {
        if !differs(&ra, &rb, el, n_for_b) {
            unchanged.push((el, "the same in both studies".to_string()));
        } else if let Err(err) = resolve_with(&[el]) {
            unchanged.push((el, format!("B's cannot be applied to A: {err}")));
        } else {
            elements.push(el);
        }
    }
    let k = elements.len();
    // mask bit i set: element i is A's; clear: B's.
    let mut rows: Vec<Vec<[f64; 3]>> = Vec::with_capacity(1 << k);
    for mask in 0..1usize << k {
        let taken: Vec<Element> = (0..k)
            .filter(|i| mask >> i & 1 == 0)
            .map(|i| elements[i])
            .collect();
        let s = resolve_with(&taken).map_err(Error::Scenario)?;
        rows.push(replicate_estimates(
            &s, arm_a, e, replicates, seed, progress,
        )?);
    }
    let all_idx: Vec<usize> = (0..replicates as usize).collect();
    let shares = |idx: &[usize]| -> Vec<[f64; 3]> {
        let mut out = vec![[0.0; 3]; k];
        #[allow(clippy::needless_range_loop)] // j indexes the estimand in every row
        for j in 0..3 {
            let v: Vec<f64> = rows.iter().map(|r| typical(r, idx, j)).collect();
            for (i, phi) in shapley(k, &v).into_iter().enumerate() {
                out[i][j] = phi;
            }
        }
        out
    };
    let point = shares(&all_idx);
    let boot: Vec<Vec<[f64; 3]>> = resample.iter().map(|idx| shares(idx)).collect();
    let elements = elements
        .iter()
        .enumerate()
        .map(|(i, &el)| {
            let mut se = [f64::NAN; 3];
            for (j, s) in se.iter_mut().enumerate() {
                let v: Vec<f64> = boot.iter().map(|b| b[i][j]).collect();
                *s = finite_sd(&v);
            }
            (el, point[i], se)
        })
        .collect();
    let last = rows.len() - 1;
    Ok(DesignPart {
        elements,
        unchanged,
        a_rows: rows[last].clone(),
        b_design_rows: rows[0].clone(),
        n_with_b_size: n_for_b as usize,
    })
}
