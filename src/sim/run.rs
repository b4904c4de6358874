//! Many replicates in parallel, each from its own random stream.
//!
//! Replicates are computed in chunks; within a chunk rayon spreads them over
//! the threads, each thread reusing one workspace. Every replicate writes its
//! own row, so the result does not depend on the thread count or the order in
//! which rows finish.

use super::estimates::{columns, Analyser, Column};
use super::streams::replicate_rng;
use super::workspace::{simulate_into, SimulationError, Workspace};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::sync::Mutex;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub replicates: u64,
    pub seed: u64,
    /// Patients per cohort; the scenario's n unless overridden.
    pub n: usize,
}

/// Replicates' estimates: `rows[r * columns.len() + c]`.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub columns: Vec<Column>,
    pub rows: Vec<f64>,
}

impl RunOutput {
    pub fn row(&self, r: usize) -> &[f64] {
        let k = self.columns.len();
        &self.rows[r * k..(r + 1) * k]
    }

    pub fn replicates(&self) -> usize {
        self.rows.len().checked_div(self.columns.len()).unwrap_or(0)
    }
}

/// Replicates per chunk: enough to keep threads busy, small enough for a
/// smooth progress bar.
const CHUNK: u64 = 512;

/// Runs the study on the current rayon pool; `progress` hears how many
/// replicates each finished chunk added.
pub fn run(
    s: &Scenario,
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunOutput, SimulationError> {
    let cols = columns(s);
    let k = cols.len();
    let mut rows = vec![f64::NAN; cfg.replicates as usize * k];
    let failure: Mutex<Option<(u64, SimulationError)>> = Mutex::new(None);
    let mut start = 0u64;
    while start < cfg.replicates {
        let end = (start + CHUNK).min(cfg.replicates);
        let chunk = &mut rows[start as usize * k..end as usize * k];
        chunk.par_chunks_mut(k).enumerate().for_each_init(
            || (Workspace::new(), Analyser::new()),
            |(ws, an), (i, row)| {
                let r = start + i as u64;
                let mut rng = replicate_rng(cfg.seed, r);
                match simulate_into(s, cfg.n, &mut rng, ws) {
                    Ok(()) => an.analyse(s, ws, &cols, row),
                    Err(e) => {
                        let mut f = failure.lock().unwrap_or_else(|p| p.into_inner());
                        // Keep the lowest replicate's error, so the message is deterministic.
                        if f.as_ref().is_none_or(|(q, _)| r < *q) {
                            *f = Some((r, e));
                        }
                    }
                }
            },
        );
        if let Some((_, e)) = failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        progress(end - start);
        start = end;
    }
    Ok(RunOutput {
        columns: cols,
        rows,
    })
}
