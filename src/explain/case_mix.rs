//! The population part of a difference between two cohorts: how much of it
//! the case mix explains (each baseline factor's Shapley share, under B's
//! outcome model), and how much the outcome model (A's model against B's on
//! A's patients).
//!
//! Populations are large cohorts generated from each scenario's Table 1
//! (after its own eligibility). "Factors in S from A, the others from B"
//! pairs patient i of A's population with patient i of B's and takes the
//! factors in S from the first and the rest from the second: every factor
//! keeps its own cohort's distribution exactly; the dependence between a
//! moved and an unmoved factor is that of independent draws. Bands follow
//! their source (recomputed with B's cuts). Only factors B's model uses can
//! move the outcome; the others are exact zeros (Shapley's dummy players)
//! and are not evaluated.

use super::shapley::shapley;
use super::Estimands;
use crate::cohort::{Cohort, Margin};
use crate::error::Error;
use crate::outcomes::effects::{LinearPredictor, Term};
use crate::scenario::Scenario;
use crate::sim::streams::truth_rng;
use crate::sim::truth::{population_of, ArmTruth, TRUTH_SEED};
use rayon::prelude::*;

/// Batches behind the Monte Carlo error of population values.
pub const BATCHES: usize = 10;

/// A value per estimand (median, survival at the landmark, RMST) with its
/// Monte Carlo error.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Triple {
    pub value: [f64; 3],
    pub mcse: [f64; 3],
}

/// One baseline factor that B's model uses.
#[derive(Debug, Clone)]
pub struct Factor {
    pub name: String,
    b_col: usize,
    a_col: usize,
}

/// The population part of the decomposition.
#[derive(Debug, Clone)]
pub struct CaseMix {
    /// B's model on B's patients, B's model on A's patients, A's model on
    /// A's patients (true values).
    pub b_on_b: Triple,
    pub b_model_on_a: Triple,
    pub a_on_a: Triple,
    /// Each factor's Shapley share of `b_model_on_a - b_on_b`.
    pub factors: Vec<(String, Triple)>,
    /// Factors B's model uses that cannot be moved, and why.
    pub held: Vec<(String, String)>,
    /// `a_on_a - b_model_on_a`.
    pub outcome_model: Triple,
    pub patients: usize,
}

fn referenced_columns(p: &LinearPredictor, out: &mut Vec<usize>) {
    for t in &p.terms {
        let c = match t {
            Term::Level { column, .. } => *column,
            Term::PerUnit { column, .. } => *column,
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
}

/// B's factors that its arm's outcome model (and response model) uses, each
/// a root or conditional covariate (a band stands for its source).
fn model_factors(b: &Scenario, arm_b: usize) -> Vec<usize> {
    let e = &b.arms[arm_b].effects;
    let mut cols = Vec::new();
    for p in [
        &e.progression,
        &e.death_before_progression,
        &e.death_after_progression,
        &e.discontinuation,
    ] {
        referenced_columns(p, &mut cols);
    }
    if let Some(r) = &b.response {
        referenced_columns(&r.predictor, &mut cols);
    }
    let mut roots: Vec<usize> = Vec::new();
    for c in cols {
        let root = match b.cohort.covariate(c).map(|cv| cv.margin()) {
            Some(Margin::Band(band)) => b.cohort.covariate_index(band.source()).unwrap_or(c),
            _ => c,
        };
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    roots.sort_unstable();
    roots
}

/// Pairs B's model factors with A's columns of the same name and kind.
fn pair_factors(a: &Scenario, b: &Scenario, arm_b: usize) -> (Vec<Factor>, Vec<(String, String)>) {
    let mut factors = Vec::new();
    let mut held = Vec::new();
    for c in model_factors(b, arm_b) {
        let name = b.columns[c].name.clone();
        match a.cohort.covariate_index(&name) {
            None => held.push((
                name,
                "not in A's cohort: held at B's distribution".to_string(),
            )),
            Some(ac)
                if (a.cohort.level_names(ac).is_some()) != (b.cohort.level_names(c).is_some()) =>
            {
                held.push((
                    name,
                    "levels in one cohort, numbers in the other: held at B's distribution".into(),
                ))
            }
            Some(ac) => factors.push(Factor {
                name,
                b_col: c,
                a_col: ac,
            }),
        }
    }
    (factors, held)
}

fn evaluate(pop: &ArmTruth, e: &Estimands) -> [f64; 3] {
    [
        pop.median(e.endpoint).unwrap_or(f64::NAN),
        pop.survival(e.endpoint, e.landmark),
        pop.rmst(e.endpoint, e.tau, 64),
    ]
}

/// The whole population and each batch.
fn evaluate_with_batches(pop: &ArmTruth, e: &Estimands) -> Vec<[f64; 3]> {
    let mut out = vec![evaluate(pop, e)];
    out.extend((0..BATCHES).map(|b| evaluate(&pop.batch(b, BATCHES), e)));
    out
}

/// A value from the whole population, its MCSE from the batches' spread
/// (batch means: SD over batches / sqrt(batches), scaled to the whole).
fn triple(per_batch: &[[f64; 3]]) -> Triple {
    let mut t = Triple {
        value: per_batch[0],
        mcse: [f64::NAN; 3],
    };
    let k = BATCHES as f64;
    for j in 0..3 {
        if per_batch[1..].iter().all(|v| v[j].is_finite()) {
            let sd =
                super::design::finite_sd(&per_batch[1..].iter().map(|v| v[j]).collect::<Vec<_>>());
            t.mcse[j] = sd / k.sqrt();
        }
    }
    t
}

fn difference(a: &[[f64; 3]], b: &[[f64; 3]]) -> Vec<[f64; 3]> {
    a.iter()
        .zip(b)
        .map(|(x, y)| [x[0] - y[0], x[1] - y[1], x[2] - y[2]])
        .collect()
}

fn generate(s: &Scenario, n: usize, stream: usize) -> Result<Cohort, Error> {
    let mut rng = truth_rng(TRUTH_SEED ^ 0x6578_706c_6169, stream);
    let mut c = Cohort::default();
    s.cohort
        .generate_into(n, &mut rng, &mut c)
        .map_err(|e| Error::Simulation(format!("{}: {e}", s.meta.name)))?;
    Ok(c)
}

/// B's patients with `factors` (those whose bit is set in `mask`) taken from
/// A's, bands recomputed.
fn hybrid(
    b: &Scenario,
    pb: &Cohort,
    pa: &Cohort,
    factors: &[Factor],
    mask: usize,
) -> Result<Cohort, Error> {
    let mut h = pb.clone();
    let mut moved = Vec::new();
    for (i, f) in factors.iter().enumerate() {
        if mask >> i & 1 == 1 {
            h.replace_column(f.b_col, pa, f.a_col)
                .map_err(|m| Error::Usage(format!("case mix: {m}")))?;
            moved.push(f.b_col);
        }
    }
    for col in 0..b.columns.len() {
        if let Some(Margin::Band(band)) = b.cohort.covariate(col).map(|c| c.margin()) {
            if let Some(src) = b.cohort.covariate_index(band.source()) {
                if moved.contains(&src) {
                    h.set_levels_from(col, src, |x| band.classify(x))
                        .map_err(|m| Error::Usage(format!("case mix: {m}")))?;
                }
            }
        }
    }
    Ok(h)
}

/// The case-mix and outcome-model parts, on `patients` per population.
pub fn case_mix(
    a: &Scenario,
    arm_a: usize,
    b: &Scenario,
    arm_b: usize,
    e: &Estimands,
    patients: usize,
) -> Result<CaseMix, Error> {
    const MAX_FACTORS: usize = 14;
    let (factors, held) = pair_factors(a, b, arm_b);
    if factors.len() > MAX_FACTORS {
        return Err(Error::Usage(format!(
            "B's model uses {} factors; exact Shapley values over more than {MAX_FACTORS} are not attempted",
            factors.len()
        )));
    }
    let pa = generate(a, patients, 0)?;
    let pb = generate(b, patients, 1)?;
    // The same outcome draws for every population, so the parts are not
    // drowned in noise (common random numbers).
    let draws = truth_rng(TRUTH_SEED ^ 0x6f75_7463_6f6d, 2);
    let k = factors.len();
    let values: Vec<Vec<[f64; 3]>> = (0..1usize << k)
        .into_par_iter()
        .map(|mask| -> Result<Vec<[f64; 3]>, Error> {
            let h = hybrid(b, &pb, &pa, &factors, mask)?;
            let pop = population_of(b, arm_b, &h, 0.0, &mut draws.clone());
            Ok(evaluate_with_batches(&pop, e))
        })
        .collect::<Result<_, _>>()?;
    let a_pop = population_of(a, arm_a, &pa, 0.0, &mut draws.clone());
    let a_vals = evaluate_with_batches(&a_pop, e);
    let all = (1usize << k) - 1;
    // Shapley values per estimand, for the whole population and each batch.
    let columns = BATCHES + 1;
    let mut per_factor = vec![vec![[0.0; 3]; columns]; k];
    for j in 0..3 {
        for c in 0..columns {
            let v: Vec<f64> = values.iter().map(|x| x[c][j]).collect();
            for (i, phi) in shapley(k, &v).into_iter().enumerate() {
                per_factor[i][c][j] = phi;
            }
        }
    }
    Ok(CaseMix {
        b_on_b: triple(&values[0]),
        b_model_on_a: triple(&values[all]),
        a_on_a: triple(&a_vals),
        factors: factors
            .iter()
            .zip(&per_factor)
            .map(|(f, v)| (f.name.clone(), triple(v)))
            .collect(),
        held,
        outcome_model: triple(&difference(&a_vals, &values[all])),
        patients,
    })
}

/// A factor's balancing columns for population adjustment: the value of a
/// numeric factor, or one indicator per level of a level factor.
#[derive(Debug, Clone, PartialEq)]
pub enum Balance {
    Mean { column: usize },
    Level { column: usize, level: u16 },
}

/// What matching-adjusted weighting of `s`'s patients towards `target`'s
/// population needs, and the truth it should recover: `s`'s arm `arm` model
/// on `target`'s patients (every factor `s`'s model uses taken from the
/// target population).
pub struct Transport<'a> {
    pub truth: ArmTruth<'a>,
    /// Balancing columns (in `s`'s layout) and their target means.
    pub balance: Vec<(Balance, f64)>,
    /// Levels absent from the target population: patients at them get
    /// weight 0 (the comparator's eligibility).
    pub excluded: Vec<(usize, u16)>,
    pub labels: Vec<String>,
}

/// Builds the transport of `s`'s arm to `target`'s population, over the
/// factors `s`'s model uses that the target describes.
pub fn transport<'a>(
    s: &'a Scenario,
    arm: usize,
    target: &Scenario,
    patients: usize,
) -> Result<Transport<'a>, Error> {
    let (factors, _) = pair_factors(target, s, arm);
    let ps = generate(s, patients, 1)?;
    let pt = generate(target, patients, 0)?;
    let all = (1usize << factors.len()) - 1;
    let h = hybrid(s, &ps, &pt, &factors, all)?;
    let draws = truth_rng(TRUTH_SEED ^ 0x6f75_7463_6f6d, 2);
    let truth = population_of(s, arm, &h, 0.0, &mut draws.clone());
    let mut balance = Vec::new();
    let mut excluded = Vec::new();
    let mut labels = Vec::new();
    for f in &factors {
        match (h.levels(f.b_col), h.values(f.b_col)) {
            (Some(levels), _) => {
                let names = h.level_names(f.b_col).unwrap_or_default();
                let n = levels.len() as f64;
                let share =
                    |l: usize| levels.iter().filter(|&&x| x as usize == l).count() as f64 / n;
                if share(0) == 0.0 {
                    excluded.push((f.b_col, 0));
                }
                for (l, name) in names.iter().enumerate().skip(1) {
                    let p = share(l);
                    if p == 0.0 {
                        excluded.push((f.b_col, l as u16));
                    } else if p < 1.0 {
                        balance.push((
                            Balance::Level {
                                column: f.b_col,
                                level: l as u16,
                            },
                            p,
                        ));
                        labels.push(format!("{}={name}", f.name));
                    }
                }
            }
            (None, Some(values)) => {
                let m = values.iter().sum::<f64>() / values.len() as f64;
                balance.push((Balance::Mean { column: f.b_col }, m));
                labels.push(format!("mean {}", f.name));
            }
            _ => {}
        }
    }
    Ok(Transport {
        truth,
        balance,
        excluded,
        labels,
    })
}
