//! Many replicates in parallel, each from its own random stream.
//!
//! Replicates are computed in chunks of fixed size; within a chunk rayon
//! spreads them over the threads, each thread reusing its own state. Every
//! replicate writes its own row of the chunk, and finished chunks are handed
//! on in replicate order, so whatever consumes them (a table of rows, or a
//! streaming aggregate) sees the same sequence for any thread count, and
//! memory does not grow with the number of replicates.

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
/// smooth progress bar and a small buffer.
pub const CHUNK: u64 = 512;

/// Runs replicates `0..cfg.replicates`: each is simulated into a workspace
/// and turned into a row of `width` numbers by `analyse` (with per-thread
/// state from `init`); `sink` receives each finished chunk's rows, in
/// replicate order, with the index of its first replicate. `progress` hears
/// how many replicates each chunk added.
pub fn run_chunks<A, I, F, K>(
    s: &Scenario,
    cfg: &RunConfig,
    width: usize,
    init: I,
    analyse: F,
    mut sink: K,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), SimulationError>
where
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, &Workspace, &mut [f64]) + Sync + Send,
    K: FnMut(u64, &[f64]),
{
    let mut rows = vec![f64::NAN; CHUNK.min(cfg.replicates) as usize * width];
    let failure: Mutex<Option<(u64, SimulationError)>> = Mutex::new(None);
    let mut start = 0u64;
    while start < cfg.replicates {
        let end = (start + CHUNK).min(cfg.replicates);
        let chunk = &mut rows[..(end - start) as usize * width];
        chunk.fill(f64::NAN);
        let work = |(ws, state): &mut (Workspace, A), (i, row): (usize, &mut [f64])| {
            let r = start + i as u64;
            let mut rng = replicate_rng(cfg.seed, r);
            match simulate_into(s, cfg.n, &mut rng, ws) {
                Ok(()) => analyse(state, ws, row),
                Err(e) => {
                    let mut f = failure.lock().unwrap_or_else(|p| p.into_inner());
                    // Keep the lowest replicate's error, so the message is deterministic.
                    if f.as_ref().is_none_or(|(q, _)| r < *q) {
                        *f = Some((r, e));
                    }
                }
            }
        };
        if width == 0 {
            // Nothing to report per replicate, but the simulation still runs
            // (its errors still count).
            (0..(end - start) as usize).into_par_iter().for_each_init(
                || (Workspace::new(), init()),
                |st, i| work(st, (i, &mut [])),
            );
        } else {
            chunk
                .par_chunks_mut(width)
                .enumerate()
                .for_each_init(|| (Workspace::new(), init()), work);
        }
        if let Some((_, e)) = failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        sink(start, chunk);
        progress(end - start);
        start = end;
    }
    Ok(())
}

/// Runs the study on the current rayon pool and keeps every replicate's row
/// of `columns(s)`.
pub fn run(
    s: &Scenario,
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RunOutput, SimulationError> {
    let cols = columns(s);
    let k = cols.len();
    let mut rows = Vec::with_capacity(cfg.replicates as usize * k);
    run_chunks(
        s,
        cfg,
        k,
        Analyser::new,
        |an, ws, row| an.analyse(s, ws, &cols, row),
        |_, chunk| rows.extend_from_slice(chunk),
        progress,
    )?;
    Ok(RunOutput {
        columns: cols,
        rows,
    })
}
