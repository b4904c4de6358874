//! `cohortsim calibrate`: find the free parameters (named by key path) that
//! make the model's true values hit published figures, and write the
//! calibrated scenario with its comments kept and each changed number marked.

pub mod keypath;
pub mod solver;
pub mod target;

pub use keypath::KeyPath;
pub use target::{Estimand, Target};

use crate::error::Error;
use crate::scenario;
use crate::sim::truth::arm_population;
use solver::{solve, SolveError};
use std::path::Path;
use toml_edit::DocumentMut;

/// One free parameter's move.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeParameter {
    pub key: String,
    pub start: f64,
    pub solution: f64,
}

/// One target and what the calibrated model gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub target: String,
    pub value: f64,
    pub achieved: f64,
}

/// The result of a calibration.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub free: Vec<FreeParameter>,
    pub fits: Vec<Fit>,
    pub iterations: usize,
    pub evaluations: usize,
    /// The scenario file with the solution written in.
    pub calibrated: String,
}

fn fail(message: String) -> Error {
    Error::Calibration(message)
}

/// The model's true values for `targets` with the free parameters at `x`.
fn true_values(
    doc: &DocumentMut,
    free: &[KeyPath],
    x: &[f64],
    targets: &[Target],
    path: &Path,
    truth_n: Option<usize>,
) -> Result<Vec<Option<f64>>, String> {
    let mut doc = doc.clone();
    for (k, v) in free.iter().zip(x) {
        keypath::set_number(&mut doc, k, *v, None)?;
    }
    let mut s = scenario::from_str(&doc.to_string(), path).map_err(|e| e.to_string())?;
    if let Some(n) = truth_n {
        s.analysis.truth_n = n;
    }
    let arms: Vec<usize> = targets
        .iter()
        .map(|t| t.arm_index(&s))
        .collect::<Result<_, _>>()?;
    let mut values = vec![None; targets.len()];
    for arm in 0..s.arms.len() {
        if !arms.contains(&arm) {
            continue;
        }
        let pop = arm_population(&s, arm).map_err(|e| e.to_string())?;
        for (i, t) in targets.iter().enumerate() {
            if arms[i] == arm {
                values[i] = t.estimand.evaluate(&pop);
            }
        }
    }
    Ok(values)
}

/// Calibrates the scenario at `path`. `truth_n` overrides the scenario's
/// large-cohort size (smaller is faster, the truth's Monte Carlo error larger).
pub fn calibrate(
    path: &Path,
    targets: &[Target],
    free: &[KeyPath],
    truth_n: Option<usize>,
) -> Result<Calibration, Error> {
    // The scenario must be valid as it stands, so its own problems come first.
    let s = scenario::load(path)?;
    for t in targets {
        t.arm_index(&s).map_err(fail)?;
    }
    if targets.is_empty() || targets.len() != free.len() {
        return Err(fail(format!(
            "{} target(s) and {} free parameter(s): give as many --free keys as --target values",
            targets.len(),
            free.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| fail(format!("{}: {e}", path.display())))?;
    let mut start = Vec::with_capacity(free.len());
    for k in free {
        let v = keypath::get_number(&mut doc, k)
            .map_err(|e| fail(format!("{}: --free {e}", path.display())))?;
        if !(v.is_finite() && v > 0.0) {
            return Err(fail(format!(
                "{}: --free `{k}` is {v}; calibration moves positive parameters (medians, rates, shapes, hazard ratios)",
                path.display()
            )));
        }
        start.push(v);
    }
    let goals: Vec<f64> = targets.iter().map(|t| t.value).collect();
    let solution = solve(&start, &goals, |x| true_values(&doc, free, x, targets, path, truth_n)).map_err(|e| {
        let keys: Vec<String> = free.iter().map(|k| k.to_string()).collect();
        let names: Vec<&str> = targets.iter().map(|t| t.text.as_str()).collect();
        fail(match e {
            SolveError::Undefined { target } => format!(
                "{}: `{}` is not defined at the start (a median not reached?): start nearer the target",
                path.display(),
                names[target]
            ),
            SolveError::Singular => format!(
                "{}: the targets {} do not respond to {} independently: choose free parameters that move them",
                path.display(),
                names.join(", "),
                keys.join(", ")
            ),
            SolveError::Unreachable { achieved, x } => {
                let got: Vec<String> = names.iter().zip(&achieved).map(|(n, a)| format!("{n} (closest {a:.6})")).collect();
                let at: Vec<String> = keys.iter().zip(&x).map(|(k, v)| format!("{k} = {v:.6}")).collect();
                format!(
                    "{}: cannot reach {} by moving {}: the closest the model gets is at {}",
                    path.display(),
                    got.join(", "),
                    keys.join(", "),
                    at.join(", ")
                )
            }
            SolveError::Model(m) => m,
        })
    })?;
    let note = format!(
        "CALIBRATED by cohortsim calibrate to {}",
        targets
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (k, (&x, &old)) in free.iter().zip(solution.x.iter().zip(&start)) {
        keypath::set_number(&mut doc, k, x, Some(&format!("{note} (was {old})"))).map_err(fail)?;
    }
    Ok(Calibration {
        free: free
            .iter()
            .zip(start.iter().zip(&solution.x))
            .map(|(k, (&a, &b))| FreeParameter {
                key: k.to_string(),
                start: a,
                solution: b,
            })
            .collect(),
        fits: targets
            .iter()
            .zip(&solution.achieved)
            .map(|(t, &a)| Fit {
                target: t.text.clone(),
                value: t.value,
                achieved: a,
            })
            .collect(),
        iterations: solution.iterations,
        evaluations: solution.evaluations,
        calibrated: doc.to_string(),
    })
}
