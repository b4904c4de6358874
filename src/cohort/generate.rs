//! Generation: compiled nodes and the entry point shared by both modes.
//!
//! Each mode has its own draw order (fixed, so a seed always gives the same cohort):
//! sampled mode's is in the `sampled` module, exact mode's in the `exact` module.

use super::bands::BandSpec;
use super::error::GenerateError;
use super::margin::{PiecewiseLinearQuantile, Thresholds};
use super::spec::{CohortSpec, Mode};
use super::table::{Cohort, Column, ColumnKind, GenerationStats};
use rand::Rng;
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
        // Sampled mode keeps only the copula's normals; exact mode every latent.
        let per_patient = match self.options.mode {
            Mode::Sampled => self.copula.as_ref().map_or(0, |c| c.len()),
            Mode::Exact => self.n_latent,
        };
        let latent_len = n.checked_mul(per_patient);
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
}
