//! Generation: compiled nodes and sampled mode.
//!
//! Draw order (fixed, so a seed always gives the same cohort):
//! 1. Both modes: all n patients' latents, patient by patient, one standard normal
//!    (`rand_distr::StandardNormal`) per non-band covariate in covariate order; the copula
//!    is applied to each patient's latents.
//! 2. Sampled mode: then, going through the patients in order, a patient failing
//!    eligibility is redrawn in place (the same number of normals, same order) until
//!    eligible. Nothing else is drawn.
//! 3. Exact mode: then, for each continuous or median/range count covariate in covariate
//!    order, n uniforms (`rng.gen::<f64>()`) for the within-stratum values. Nothing else.
//!
//! Values depend on the latents only, so columns are evaluated one covariate at a time
//! (parents first) in tight loops; a redrawn patient is re-evaluated row-wise.

use super::bands::BandSpec;
use super::eligibility::CompiledRule;
use super::error::GenerateError;
use super::margin::count::floor_clamped;
use super::margin::{std_normal_cdf, PiecewiseLinearQuantile, Thresholds};
use super::spec::{CohortSpec, Mode};
use super::table::{Cohort, Column, ColumnKind, GenerationStats};
use rand::Rng;
use rand_distr::StandardNormal;
use std::sync::Arc;

/// One conditional row (for one parent level).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChildRow {
    pub thresholds: Thresholds,
    pub weights: Vec<f64>,
}

/// A p-range of a numeric margin whose count is exact in exact mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stratum {
    pub p_lo: f64,
    pub p_hi: f64,
    pub x_lo: f64,
    pub x_hi: f64,
}

/// A covariate compiled for generation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Categorical {
        slot: usize,
        thresholds: Thresholds,
        weights: Vec<f64>,
    },
    CountTable {
        slot: usize,
        thresholds: Thresholds,
        values: Vec<f64>,
        weights: Vec<f64>,
    },
    Numeric {
        slot: usize,
        uslot: usize,
        quantile: PiecewiseLinearQuantile,
        strata: Vec<Stratum>,
        strata_weights: Vec<f64>,
        /// `Some((min, max))` for a median/range count: value is `floor(Y)`.
        floor: Option<(i64, i64)>,
    },
    Child {
        slot: usize,
        parent: usize,
        rows: Vec<ChildRow>,
    },
    Band {
        source: usize,
        band: BandSpec,
    },
}

#[inline]
pub(crate) fn get_level(columns: &[Column], col: usize, i: usize) -> u16 {
    match columns.get(col) {
        Some(Column::Levels(v)) => v.get(i).copied().unwrap_or(0),
        _ => 0,
    }
}

#[inline]
pub(crate) fn get_value(columns: &[Column], col: usize, i: usize) -> f64 {
    match columns.get(col) {
        Some(Column::Values(v)) => v.get(i).copied().unwrap_or(0.0),
        _ => 0.0,
    }
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

/// Latent `slot` of each patient in turn (`latent` is patient-major, `l` per patient):
/// a strided walk instead of a bounds-checked look-up per patient. A slot out of range
/// (never, for a compiled spec) reads as 0, as `eval_one` reads it.
fn latent_column(latent: &[f64], l: usize, slot: usize) -> impl Iterator<Item = f64> + '_ {
    let (start, fill) = if slot < l {
        (slot, None)
    } else {
        (latent.len(), Some(0.0))
    };
    // `get`: with no patients the buffer is empty and any start is past its end.
    latent
        .get(start..)
        .unwrap_or_default()
        .iter()
        .step_by(l)
        .copied()
        .chain(fill.into_iter().cycle())
}

impl CohortSpec {
    /// Generates a cohort of `n` patients into `out`, reusing its buffers: after the first
    /// call (or after a call with a larger n) nothing is allocated.
    ///
    /// Returns how many patients were screened and excluded by eligibility (exact mode
    /// never excludes: rules that could are rejected when the spec is built). Fails only
    /// when sampled-mode rejection hits its cap (see
    /// [`super::CohortSpecBuilder::max_screened_per_patient`]); `out` is then empty.
    pub fn generate_into<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
        out: &mut Cohort,
    ) -> Result<GenerationStats, GenerateError> {
        self.prepare(n, out)?;
        let result = match self.options.mode {
            Mode::Sampled => self.generate_sampled(n, rng, out),
            Mode::Exact => self.generate_exact(n, rng, out),
        };
        out.n = if result.is_ok() { n } else { 0 };
        result
    }

    /// Allocating convenience around [`CohortSpec::generate_into`].
    pub fn generate<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
    ) -> Result<Cohort, GenerateError> {
        let mut c = Cohort::new();
        self.generate_into(n, rng, &mut c)?;
        Ok(c)
    }

    fn prepare(&self, n: usize, out: &mut Cohort) -> Result<(), GenerateError> {
        let latent_len = n.checked_mul(self.n_latent);
        let uniform_len = n.checked_mul(self.n_uniform);
        let (Some(latent_len), Some(uniform_len)) = (latent_len, uniform_len) else {
            return Err(GenerateError::TooLarge { n });
        };
        let same = out
            .layout
            .as_ref()
            .is_some_and(|l| Arc::ptr_eq(l, &self.layout));
        if !same {
            out.layout = Some(Arc::clone(&self.layout));
            out.columns = self
                .layout
                .kinds
                .iter()
                .map(|k| match k {
                    ColumnKind::Categorical | ColumnKind::Band => Column::Levels(Vec::new()),
                    ColumnKind::Continuous | ColumnKind::Count => Column::Values(Vec::new()),
                })
                .collect();
        }
        out.n = 0;
        for c in &mut out.columns {
            match c {
                Column::Levels(v) => {
                    v.clear();
                    v.resize(n, 0);
                }
                Column::Values(v) => {
                    v.clear();
                    v.resize(n, 0.0);
                }
            }
        }
        out.scratch.latent.clear();
        out.scratch.latent.resize(latent_len, 0.0);
        out.scratch.uniform.clear();
        out.scratch.uniform.resize(uniform_len, 0.0);
        Ok(())
    }

    /// Step 1 of the draw order: all latents, patient-major, copula per patient.
    pub(crate) fn draw_latents<R: Rng + ?Sized>(&self, rng: &mut R, latent: &mut [f64]) {
        if self.n_latent == 0 {
            return;
        }
        // Patient-major, so one pass over the whole buffer draws in the documented order;
        // the copula draws nothing and can follow.
        for z in latent.iter_mut() {
            *z = rng.sample(StandardNormal);
        }
        if let Some(c) = &self.copula {
            for row in latent.chunks_exact_mut(self.n_latent) {
                c.apply(row);
            }
        }
    }

    #[inline]
    fn draw_patient<R: Rng + ?Sized>(&self, rng: &mut R, row: &mut [f64]) {
        for z in row.iter_mut() {
            *z = rng.sample(StandardNormal);
        }
        if let Some(c) = &self.copula {
            c.apply(row);
        }
    }

    fn generate_sampled<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
        out: &mut Cohort,
    ) -> Result<GenerationStats, GenerateError> {
        let l = self.n_latent;
        let Cohort {
            columns, scratch, ..
        } = out;
        let latent = &mut scratch.latent;
        self.draw_latents(rng, latent);
        for &c in &self.order {
            self.eval_column(c, latent, columns, &mut scratch.levels);
        }
        let mut stats = GenerationStats {
            screened: n as u64,
            excluded: 0,
        };
        if self.rules.is_empty() || l == 0 {
            return Ok(stats);
        }
        let cap = (n as u64).saturating_mul(self.options.max_screened_per_patient);
        for (i, row) in latent.chunks_exact_mut(l).enumerate() {
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
                self.draw_patient(rng, row);
                for &c in &self.order {
                    self.eval_one(c, i, row, columns);
                }
                stats.screened += 1;
            }
        }
        Ok(stats)
    }

    /// Sampled-mode column of covariate `c` from all patients' latents, a column at a
    /// time (`levels` is scratch for a count column's level indices).
    fn eval_column(&self, c: usize, latent: &[f64], columns: &mut [Column], levels: &mut Vec<u16>) {
        let l = self.n_latent;
        let Some(slot_col) = columns.get_mut(c) else {
            return;
        };
        if l == 0 {
            return;
        }
        // Take the column out so that parents can be read while it is written (an empty
        // Vec as placeholder allocates nothing).
        let mut col = std::mem::replace(slot_col, Column::Levels(Vec::new()));
        let column = |slot: usize| latent_column(latent, l, slot);
        match (self.nodes.get(c), &mut col) {
            (
                Some(Node::Categorical {
                    slot, thresholds, ..
                }),
                Column::Levels(v),
            ) => thresholds.levels_into(column(*slot), v),
            (
                Some(Node::CountTable {
                    slot,
                    thresholds,
                    values,
                    ..
                }),
                Column::Values(v),
            ) => {
                levels.clear();
                levels.resize(v.len(), 0);
                thresholds.levels_into(column(*slot), levels);
                for (x, &k) in v.iter_mut().zip(levels.iter()) {
                    *x = values.get(usize::from(k)).copied().unwrap_or(0.0);
                }
            }
            (
                Some(Node::Numeric {
                    slot,
                    quantile,
                    floor,
                    ..
                }),
                Column::Values(v),
            ) => {
                for (x, z) in v.iter_mut().zip(column(*slot)) {
                    let y = quantile.quantile(std_normal_cdf(z));
                    *x = match floor {
                        Some((lo, hi)) => floor_clamped(y, *lo, *hi) as f64,
                        None => y,
                    };
                }
            }
            (
                Some(Node::Child {
                    slot,
                    parent,
                    rows: table,
                }),
                Column::Levels(v),
            ) => {
                if let Some(Column::Levels(pv)) = columns.get(*parent) {
                    for ((x, z), &pl) in v.iter_mut().zip(column(*slot)).zip(pv) {
                        *x = table
                            .get(usize::from(pl))
                            .map_or(0, |r| r.thresholds.level(z));
                    }
                }
            }
            (Some(Node::Band { source, band }), Column::Levels(v)) => {
                if let Some(Column::Values(sv)) = columns.get(*source) {
                    for (x, &y) in v.iter_mut().zip(sv) {
                        *x = band.classify(y);
                    }
                }
            }
            _ => {}
        }
        if let Some(slot_col) = columns.get_mut(c) {
            *slot_col = col;
        }
    }

    /// Sampled-mode value of covariate `c` for patient `i` from its latents.
    #[inline]
    fn eval_one(&self, c: usize, i: usize, latent: &[f64], columns: &mut [Column]) {
        let z = |slot: &usize| latent.get(*slot).copied().unwrap_or(0.0);
        match self.nodes.get(c) {
            Some(Node::Categorical {
                slot, thresholds, ..
            }) => set_level(columns, c, i, thresholds.level(z(slot))),
            Some(Node::CountTable {
                slot,
                thresholds,
                values,
                ..
            }) => {
                let l = usize::from(thresholds.level(z(slot)));
                set_value(columns, c, i, values.get(l).copied().unwrap_or(0.0));
            }
            Some(Node::Numeric {
                slot,
                quantile,
                floor,
                ..
            }) => {
                let y = quantile.quantile(std_normal_cdf(z(slot)));
                let v = match floor {
                    Some((lo, hi)) => floor_clamped(y, *lo, *hi) as f64,
                    None => y,
                };
                set_value(columns, c, i, v);
            }
            Some(Node::Child { slot, parent, rows }) => {
                let pl = usize::from(get_level(columns, *parent, i));
                let l = rows.get(pl).map_or(0, |r| r.thresholds.level(z(slot)));
                set_level(columns, c, i, l);
            }
            Some(Node::Band { source, band }) => {
                let x = get_value(columns, *source, i);
                set_level(columns, c, i, band.classify(x));
            }
            None => {}
        }
    }
}
