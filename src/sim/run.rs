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
/// smooth progress bar and a small buffer. A chunk is also the unit of
/// aggregation, of sharding and of checkpoints, so changing it changes the
/// order in which aggregates are combined (and their last bits).
pub const CHUNK: u64 = 512;

/// How many chunks `replicates` replicates make (the last may be short).
pub fn chunk_count(replicates: u64) -> u64 {
    replicates.div_ceil(CHUNK)
}

/// Replicates of chunk `c` of a study of `replicates`.
pub fn chunk_replicates(c: u64, replicates: u64) -> std::ops::Range<u64> {
    let start = (c * CHUNK).min(replicates);
    start..(start + CHUNK).min(replicates)
}

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
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, &Workspace, &mut [f64]) + Sync + Send,
    K: FnMut(u64, &[f64]),
{
    run_chunk_range(
        s,
        cfg,
        0..chunk_count(cfg.replicates),
        width,
        init,
        analyse,
        |c, rows| {
            sink(c * CHUNK, rows);
            Ok::<(), SimulationError>(())
        },
        progress,
    )
}

/// Runs chunks `chunks` of the study (chunk c holds replicates
/// `c * CHUNK ..`), handing each finished chunk to `sink` with its index, in
/// chunk order; `sink` can stop the run with an error. Which chunks a caller
/// asks for does not change any replicate: shard K of N and a resumed run
/// compute exactly the rows a single run would.
#[allow(clippy::too_many_arguments)]
pub fn run_chunk_range<A, I, F, K, E>(
    s: &Scenario,
    cfg: &RunConfig,
    chunks: std::ops::Range<u64>,
    width: usize,
    init: I,
    analyse: F,
    mut sink: K,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), E>
where
    A: Send,
    I: Fn() -> A + Sync + Send,
    F: Fn(&mut A, &Workspace, &mut [f64]) + Sync + Send,
    K: FnMut(u64, &[f64]) -> Result<(), E>,
    E: From<SimulationError>,
{
    let chunks = chunks.start..chunks.end.min(chunk_count(cfg.replicates));
    if chunks.is_empty() {
        return Ok(());
    }
    let mut rows = vec![f64::NAN; CHUNK.min(cfg.replicates) as usize * width];
    let failure: Mutex<Option<(u64, SimulationError)>> = Mutex::new(None);
    // One workspace per pool thread, kept for the whole run: rayon's
    // `for_each_init` would build one per split job, and a workspace only
    // stops allocating once its buffers have grown.
    let threads = rayon::current_num_threads().max(1);
    let states: Vec<Mutex<Option<(Workspace, A)>>> =
        (0..threads).map(|_| Mutex::new(None)).collect();
    for c in chunks {
        let reps = chunk_replicates(c, cfg.replicates);
        let (start, count) = (reps.start, (reps.end - reps.start) as usize);
        let chunk = &mut rows[..count * width];
        chunk.fill(f64::NAN);
        let work = |i: usize, row: &mut [f64]| {
            let r = start + i as u64;
            let slot = rayon::current_thread_index().unwrap_or(0) % threads;
            // A slot is busy only if `analyse` itself waited on rayon and this
            // thread stole another replicate meanwhile: that one gets fresh state.
            let mut spare = None;
            let mut guard = states[slot].try_lock().ok();
            let (ws, state) = match guard.as_deref_mut() {
                Some(held) => held.get_or_insert_with(|| (Workspace::new(), init())),
                None => spare.insert((Workspace::new(), init())),
            };
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
            (0..count)
                .into_par_iter()
                .with_min_len(4)
                .for_each(|i| work(i, &mut []));
        } else {
            chunk
                .par_chunks_mut(width)
                .with_min_len(4)
                .enumerate()
                .for_each(|(i, row)| work(i, row));
        }
        if let Some((_, e)) = failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e.into());
        }
        sink(c, chunk)?;
        progress(count as u64);
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
