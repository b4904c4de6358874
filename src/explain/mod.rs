//! `explain`: where a difference between two cohorts' PFS (or OS) comes
//! from. The difference between the typical estimates of study A and study B
//! is split exactly into
//! - case mix: each baseline factor's Shapley share, moving its distribution
//!   from B's to A's under B's outcome model (true values, `case_mix`);
//! - outcome model: A's model against B's, on A's patients;
//! - study design: each design element's Shapley share, switching it from
//!   B's to A's in A's study (`design`), and the design x cohort interaction
//!   (how differently the two cohorts' estimates respond to B's design);
//!
//! and, beside it, chance: the sampling distribution of the difference of
//! the two studies' estimates at their own sizes, and where the reported
//! difference falls in it.
//!
//! Each part is given for three estimands: the median, survival at a
//! landmark, and the restricted mean up to `tau`.

pub mod case_mix;
pub mod design;
pub mod shapley;

use crate::design::Endpoint;
use crate::error::Error;
use crate::scenario::Scenario;
use case_mix::{case_mix, Triple};
use design::{design_part, finite_sd, replicate_estimates, resamples, typical};
use serde::Serialize;
use std::path::Path;

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimands {
    pub endpoint: Endpoint,
    pub landmark: f64,
    pub tau: f64,
}

/// The names of the three estimands, in order.
pub const ESTIMANDS: [&str; 3] = ["median", "landmark", "rmst"];

/// Settings of an explanation.
#[derive(Debug, Clone)]
pub struct ExplainConfig {
    pub estimands: Estimands,
    pub replicates: u64,
    pub seed: u64,
    /// Patients per population behind the true values.
    pub patients: usize,
    pub bootstrap: usize,
}

/// One part of the decomposition.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// "case mix", "outcome model", "design" or "chance".
    pub group: &'static str,
    pub label: String,
    pub value: [f64; 3],
    pub mcse: [f64; 3],
}

/// Where a reported difference falls among simulated ones.
#[derive(Debug, Clone, Serialize)]
pub struct Chance {
    /// 2.5th and 97.5th percentiles of the difference between the two
    /// studies' estimates (A - B), each study at its own size.
    pub interval: [f64; 2],
    /// The reported difference, if both papers report the estimate.
    pub reported: Option<f64>,
    /// Two-sided: twice the smaller tail share at the reported difference.
    pub p_value: Option<f64>,
    /// reported - (typical A - typical B).
    pub residual: Option<f64>,
}

/// The whole explanation.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub a: String,
    pub b: String,
    pub arm_a: String,
    pub arm_b: String,
    pub endpoint: &'static str,
    pub landmark: f64,
    pub tau: f64,
    pub replicates: u64,
    pub seed: u64,
    pub population_patients: usize,
    pub n_a: usize,
    pub n_b: usize,
    /// Typical estimates of each study (median over replicates for the
    /// median, mean for the others), with bootstrap MCSEs.
    pub typical_a: Triple,
    pub typical_b: Triple,
    /// True values of each cohort under its own model.
    pub truth_a: Triple,
    pub truth_b: Triple,
    /// Published figures, if the scenarios give them.
    pub published_a: [Option<f64>; 3],
    pub published_b: [Option<f64>; 3],
    /// From typical B to typical A, in order; they add up exactly.
    pub parts: Vec<Part>,
    pub chance: [Chance; 3],
    /// Factors and design elements left out, and why.
    pub notes: Vec<String>,
}

fn arm_index(s: &Scenario, name: Option<&str>, other: &Scenario) -> Result<usize, Error> {
    let names: Vec<&str> = s.arms.iter().map(|a| a.name.as_str()).collect();
    match name {
        Some(n) => names.iter().position(|x| *x == n).ok_or_else(|| {
            Error::Usage(format!(
                "{}: no arm `{n}` (arms: {})",
                s.meta.name,
                names.join(", ")
            ))
        }),
        // The arm both scenarios name alike, else the first.
        None => Ok(names
            .iter()
            .position(|x| other.arms.iter().any(|o| o.name == *x))
            .unwrap_or(0)),
    }
}

fn published(s: &Scenario, arm: usize, e: &Estimands) -> [Option<f64>; 3] {
    let ep = match e.endpoint {
        Endpoint::Pfs => "pfs",
        Endpoint::Os => "os",
    };
    let name = &s.arms[arm].name;
    let get = |key: String| s.published.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    [
        get(format!("{name}.{ep}_median")),
        get(format!(
            "{name}.{ep}_at_{}",
            crate::report::format_number(e.landmark)
        )),
        None,
    ]
}

fn boot_triple(rows: &[[f64; 3]], resample: &[Vec<usize>]) -> Triple {
    let all: Vec<usize> = (0..rows.len()).collect();
    let mut t = Triple {
        value: [0.0; 3],
        mcse: [0.0; 3],
    };
    for j in 0..3 {
        t.value[j] = typical(rows, &all, j);
        let v: Vec<f64> = resample.iter().map(|idx| typical(rows, idx, j)).collect();
        t.mcse[j] = finite_sd(&v);
    }
    t
}

fn chance(
    a: &[[f64; 3]],
    b: &[[f64; 3]],
    j: usize,
    reported: Option<f64>,
    expected: f64,
) -> Chance {
    let mut d: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x[j] - y[j])
        .filter(|x| !x.is_nan())
        .collect();
    d.sort_by(f64::total_cmp);
    let q = |p| crate::summary::quantile_sorted(&d, p).unwrap_or(f64::NAN);
    let n = d.len() as f64;
    let p_value = reported.filter(|_| n > 0.0).map(|r| {
        let below = d.iter().filter(|&&x| x <= r).count() as f64;
        let above = d.iter().filter(|&&x| x >= r).count() as f64;
        (2.0 * ((below + 1.0) / (n + 1.0)).min((above + 1.0) / (n + 1.0))).min(1.0)
    });
    Chance {
        interval: [q(0.025), q(0.975)],
        reported,
        p_value,
        residual: reported.map(|r| r - expected),
    }
}

/// Where A's study, under some of B's design elements, has no typical
/// value for an estimand (its median not reached in most replicates, say),
/// the elements' shares do not exist; the design part is then given whole
/// in the last design row, so the parts still add up from B to A.
fn close_design_gaps(parts: &mut [Part], a: &Triple, b: &Triple, notes: &mut Vec<String>) {
    for (j, estimand) in ESTIMANDS.iter().enumerate() {
        let design: f64 = parts
            .iter()
            .filter(|p| p.group == "design")
            .map(|p| p.value[j])
            .sum();
        if design.is_finite() || !(a.value[j] - b.value[j]).is_finite() {
            continue;
        }
        let others: f64 = parts
            .iter()
            .filter(|p| p.group != "design")
            .map(|p| p.value[j])
            .sum();
        let se = (a.mcse[j].powi(2) + b.mcse[j].powi(2)).sqrt();
        let k = parts.len();
        for p in parts.iter_mut().filter(|p| p.group == "design") {
            p.value[j] = f64::NAN;
            p.mcse[j] = f64::NAN;
        }
        parts[k - 1].value[j] = a.value[j] - b.value[j] - others;
        parts[k - 1].mcse[j] = se;
        notes.push(format!(
            "design, {}: under some combination of B's design elements A's study has no typical value (e.g. its median is not reached in most replicates), so the design elements cannot be separated; the whole design part is in the last design row",
            estimand
        ));
    }
}

/// Explains the difference between study A and study B.
#[allow(clippy::too_many_arguments)]
pub fn explain(
    a_path: &Path,
    a: &Scenario,
    arm_a: Option<&str>,
    b_path: &Path,
    b: &Scenario,
    arm_b: Option<&str>,
    cfg: &ExplainConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Explanation, Error> {
    let ia = arm_index(a, arm_a, b)?;
    let ib = arm_index(b, arm_b, a)?;
    let e = &cfg.estimands;
    let mix = case_mix(a, ia, b, ib, e, cfg.patients)?;
    let resample = resamples(cfg.replicates as usize, cfg.seed, cfg.bootstrap);
    let design = design_part(
        a_path,
        a,
        ia,
        b_path,
        b,
        ib,
        e,
        cfg.replicates,
        cfg.seed,
        &resample,
        progress,
    )?;
    // B's own study, on its own random numbers (independent of A's).
    let b_rows = replicate_estimates(b, ib, e, cfg.replicates, cfg.seed ^ 0x0b0b_0b0b, progress)?;
    let typical_a = boot_triple(&design.a_rows, &resample);
    let typical_b = boot_triple(&b_rows, &resample);

    let mut parts = Vec::new();
    for (name, t) in &mix.factors {
        parts.push(Part {
            group: "case mix",
            label: name.clone(),
            value: t.value,
            mcse: t.mcse,
        });
    }
    parts.push(Part {
        group: "outcome model",
        label: "outcome model (A's against B's, on A's patients)".into(),
        value: mix.outcome_model.value,
        mcse: mix.outcome_model.mcse,
    });
    for (el, v, se) in &design.elements {
        parts.push(Part {
            group: "design",
            label: el.label().into(),
            value: *v,
            mcse: *se,
        });
    }
    // Design x cohort: (A in B's design - truth A) - (B in B's design - truth B).
    let mut inter = Part {
        group: "design",
        label: "design x cohort interaction".into(),
        // (or the whole design part, see close_design_gaps)
        value: [0.0; 3],
        mcse: [0.0; 3],
    };
    let all: Vec<usize> = (0..cfg.replicates as usize).collect();
    for j in 0..3 {
        let gap = |idx: &[usize]| typical(&design.b_design_rows, idx, j) - typical(&b_rows, idx, j);
        inter.value[j] = gap(&all) - mix.a_on_a.value[j] + mix.b_on_b.value[j];
        let boot: Vec<f64> = resample.iter().map(|idx| gap(idx)).collect();
        inter.mcse[j] =
            (finite_sd(&boot).powi(2) + mix.a_on_a.mcse[j].powi(2) + mix.b_on_b.mcse[j].powi(2))
                .sqrt();
    }
    parts.push(inter);
    let mut notes = Vec::new();
    close_design_gaps(&mut parts, &typical_a, &typical_b, &mut notes);

    let published_a = published(a, ia, e);
    let published_b = published(b, ib, e);
    let chance = [0, 1, 2].map(|j| {
        let reported = match (published_a[j], published_b[j]) {
            (Some(x), Some(y)) => Some(x - y),
            _ => None,
        };
        chance(
            &design.a_rows,
            &b_rows,
            j,
            reported,
            typical_a.value[j] - typical_b.value[j],
        )
    });
    notes.extend(
        mix.held
            .iter()
            .map(|(f, why)| format!("case mix: `{f}` {why}")),
    );
    notes.extend(
        design
            .unchanged
            .iter()
            .map(|(el, why)| format!("design: {}: {why}", el.label())),
    );
    Ok(Explanation {
        a: a.meta.name.clone(),
        b: b.meta.name.clone(),
        arm_a: a.arms[ia].name.clone(),
        arm_b: b.arms[ib].name.clone(),
        endpoint: match e.endpoint {
            Endpoint::Pfs => "pfs",
            Endpoint::Os => "os",
        },
        landmark: e.landmark,
        tau: e.tau,
        replicates: cfg.replicates,
        seed: cfg.seed,
        population_patients: mix.patients,
        n_a: a.n,
        n_b: b.n,
        typical_a,
        typical_b,
        truth_a: mix.a_on_a,
        truth_b: mix.b_on_b,
        published_a,
        published_b,
        parts,
        chance,
        notes,
    })
}
