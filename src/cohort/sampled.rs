//! Sampled mode: every patient is a draw from the super-population.
//!
//! Only covariates in the copula need latent normals. Every other non-band covariate is
//! driven by a uniform `U` drawn directly: `Phi(Z)` of an independent standard normal is
//! uniform, so each margin is the same in distribution, with neither the normal nor `Phi`
//! computed. Categorical levels compare `U` with cumulative probabilities (copula members
//! compare `Z` with their normal-scale cuts, still without `Phi`); continuous margins take
//! the quantile at `U` (a copula member's at `Phi(Z)`).
//!
//! Draw order (fixed, so a seed always gives the same cohort):
//! 1. the copula's normals, patient by patient: one standard normal
//!    (`rand_distr::StandardNormal`) per member in covariate order, then the Cholesky
//!    factor is applied to the patient's normals;
//! 2. then, for each covariate in evaluation order that is neither a copula member nor a
//!    band, one uniform (`rng.gen::<f64>()`) per patient in order;
//! 3. then, going through the patients in order, a patient failing eligibility is redrawn
//!    in place (step 1's normals for that patient, then one uniform per step-2 covariate
//!    in evaluation order) until eligible.
//!
//! Step 2 draws inside the loop that fills the column (parents come first in evaluation
//! order), so a column costs one pass and no buffer; a redrawn patient is re-evaluated
//! row-wise.

use super::dependence::Copula;
use super::eligibility::CompiledRule;
use super::error::GenerateError;
use super::generate::{get_level, get_value, Node};
use super::margin::count::floor_clamped;
use super::margin::{std_normal_cdf, Scale};
use super::spec::CohortSpec;
use super::table::{Cohort, Column, GenerationStats};
use rand::Rng;

/// What drives a covariate's value in sampled mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Driver {
    /// Derived from another column (a band): draws nothing.
    Derived,
    /// A uniform of its own per patient.
    Uniform,
    /// The copula's correlated normal number `k` (in member order).
    Copula(usize),
}

/// The driver of each node: copula members by their latent slot, bands derived, the
/// rest uniform.
pub(crate) fn drivers(nodes: &[Node], copula: Option<&Copula>) -> Vec<Driver> {
    nodes
        .iter()
        .map(|node| {
            let slot = match node {
                Node::Band { .. } => return Driver::Derived,
                Node::Categorical { slot, .. }
                | Node::CountTable { slot, .. }
                | Node::Numeric { slot, .. }
                | Node::Child { slot, .. } => *slot,
            };
            copula
                .and_then(|c| c.members.iter().position(|&s| s == slot))
                .map_or(Driver::Uniform, Driver::Copula)
        })
        .collect()
}

#[inline]
fn set_level(columns: &mut [Column], col: usize, i: usize, l: u16) {
    if let Some(Column::Levels(v)) = columns.get_mut(col) {
        if let Some(x) = v.get_mut(i) {
            *x = l;
        }
    }
}

#[inline]
fn set_value(columns: &mut [Column], col: usize, i: usize, val: f64) {
    if let Some(Column::Values(v)) = columns.get_mut(col) {
        if let Some(x) = v.get_mut(i) {
            *x = val;
        }
    }
}

/// Value of a numeric margin for latent `x` on `scale`.
#[inline]
fn numeric_value(
    quantile: &super::margin::PiecewiseLinearQuantile,
    floor: Option<(i64, i64)>,
    scale: Scale,
    x: f64,
) -> f64 {
    let u = match scale {
        Scale::Normal => std_normal_cdf(x),
        Scale::Uniform => x,
    };
    let y = quantile.quantile(u);
    match floor {
        Some((lo, hi)) => floor_clamped(y, lo, hi) as f64,
        None => y,
    }
}

impl CohortSpec {
    /// Sampled-mode generation into `out` (prepared by `generate_into`; its latent scratch
    /// holds `n` rows of the copula's normals).
    pub(crate) fn generate_sampled<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
        out: &mut Cohort,
    ) -> Result<GenerationStats, GenerateError> {
        let Cohort {
            columns, scratch, ..
        } = out;
        let m = self.copula.as_ref().map_or(0, Copula::len);
        let normals = &mut scratch.latent;
        if let Some(copula) = &self.copula {
            copula.draw_rows(rng, normals);
        }
        for &c in &self.order {
            self.fill_column(c, rng, normals, m, columns, &mut scratch.levels);
        }
        let mut stats = GenerationStats {
            screened: n as u64,
            excluded: 0,
        };
        if self.rules.is_empty() {
            return Ok(stats);
        }
        let cap = (n as u64).saturating_mul(self.options.max_screened_per_patient);
        for i in 0..n {
            while self
                .rules
                .iter()
                .any(|r: &CompiledRule| r.excludes(columns, i))
            {
                stats.excluded += 1;
                if stats.screened >= cap {
                    return Err(GenerateError::TooManyRejections {
                        n,
                        accepted: i,
                        screened: stats.screened,
                        excluded: stats.excluded,
                    });
                }
                let row = normals.get_mut(i * m..(i + 1) * m).unwrap_or_default();
                self.redraw_patient(i, rng, row, columns);
                stats.screened += 1;
            }
        }
        Ok(stats)
    }

    /// Column of covariate `c` for all patients, drawing its uniforms as it goes (or
    /// reading member `k`'s normals, patient-major rows of `m`, from `normals`).
    fn fill_column<R: Rng + ?Sized>(
        &self,
        c: usize,
        rng: &mut R,
        normals: &[f64],
        m: usize,
        columns: &mut [Column],
        levels: &mut Vec<u16>,
    ) {
        let (Some(node), Some(&driver)) = (self.nodes.get(c), self.drivers.get(c)) else {
            return;
        };
        let Some(slot_col) = columns.get_mut(c) else {
            return;
        };
        // Take the column out so that parents can be read while it is written (an empty
        // Vec as placeholder allocates nothing).
        let mut col = std::mem::replace(slot_col, Column::Levels(Vec::new()));
        match driver {
            Driver::Uniform => {
                let u = std::iter::repeat_with(|| rng.gen::<f64>());
                fill_from(node, Scale::Uniform, u, columns, &mut col, levels);
            }
            Driver::Copula(k) => {
                // With no patients the buffer is empty and any start is past its end.
                let z = normals
                    .get(k..)
                    .unwrap_or_default()
                    .iter()
                    .step_by(m.max(1));
                fill_from(node, Scale::Normal, z.copied(), columns, &mut col, levels);
            }
            Driver::Derived => {
                if let (Node::Band { source, band }, Column::Levels(v)) = (node, &mut col) {
                    if let Some(Column::Values(sv)) = columns.get(*source) {
                        band.classify_into(sv, v);
                    }
                }
            }
        }
        if let Some(slot_col) = columns.get_mut(c) {
            *slot_col = col;
        }
    }

    /// Step 3 of the draw order for patient `i`: new latents (`row` is its copula row),
    /// then every column's value, parents first.
    fn redraw_patient<R: Rng + ?Sized>(
        &self,
        i: usize,
        rng: &mut R,
        row: &mut [f64],
        columns: &mut [Column],
    ) {
        if let Some(copula) = &self.copula {
            copula.draw_row(rng, row);
        }
        for &c in &self.order {
            let (Some(node), Some(&driver)) = (self.nodes.get(c), self.drivers.get(c)) else {
                continue;
            };
            let (scale, x) = match driver {
                Driver::Uniform => (Scale::Uniform, rng.gen::<f64>()),
                Driver::Copula(k) => (Scale::Normal, row.get(k).copied().unwrap_or(0.0)),
                Driver::Derived => (Scale::Uniform, 0.0),
            };
            match node {
                Node::Categorical { thresholds, .. } => {
                    set_level(columns, c, i, thresholds.level_fast(scale, x));
                }
                Node::CountTable {
                    thresholds, values, ..
                } => {
                    let l = usize::from(thresholds.level_fast(scale, x));
                    set_value(columns, c, i, values.get(l).copied().unwrap_or(0.0));
                }
                Node::Numeric {
                    quantile, floor, ..
                } => {
                    set_value(columns, c, i, numeric_value(quantile, *floor, scale, x));
                }
                Node::Child { parent, rows, .. } => {
                    let pl = usize::from(get_level(columns, *parent, i));
                    let l = rows
                        .get(pl)
                        .map_or(0, |r| r.thresholds.level_fast(scale, x));
                    set_level(columns, c, i, l);
                }
                Node::Band { source, band } => {
                    let y = get_value(columns, *source, i);
                    set_level(columns, c, i, band.classify(y));
                }
            }
        }
    }
}

/// Fills `col` (taken out of `columns`) for a non-band node from one latent per patient
/// on `scale`; `levels` is scratch for a count column's level indices.
#[inline]
fn fill_from(
    node: &Node,
    scale: Scale,
    x: impl Iterator<Item = f64>,
    columns: &[Column],
    col: &mut Column,
    levels: &mut Vec<u16>,
) {
    match (node, col) {
        (Node::Categorical { thresholds, .. }, Column::Levels(v)) => {
            thresholds.levels_into(scale, x, v);
        }
        (
            Node::CountTable {
                thresholds, values, ..
            },
            Column::Values(v),
        ) => {
            levels.clear();
            levels.resize(v.len(), 0);
            thresholds.levels_into(scale, x, levels);
            for (y, &k) in v.iter_mut().zip(levels.iter()) {
                *y = values.get(usize::from(k)).copied().unwrap_or(0.0);
            }
        }
        (
            Node::Numeric {
                quantile, floor, ..
            },
            Column::Values(v),
        ) => {
            for (y, x) in v.iter_mut().zip(x) {
                *y = numeric_value(quantile, *floor, scale, x);
            }
        }
        (Node::Child { parent, rows, .. }, Column::Levels(v)) => {
            if let Some(Column::Levels(pv)) = columns.get(*parent) {
                for ((y, x), &pl) in v.iter_mut().zip(x).zip(pv) {
                    *y = rows
                        .get(usize::from(pl))
                        .map_or(0, |r| r.thresholds.level_fast(scale, x));
                }
            }
        }
        _ => {}
    }
}
