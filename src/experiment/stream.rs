//! A scenario's replicates reduced, as they stream past, to each column's
//! distribution: what sweeps and sensitivity analyses need from a run without
//! keeping its rows.

use super::distribution::{ColumnAccumulator, DistributionSummary};
use crate::scenario::Scenario;
use crate::sim::{columns, run_chunks, Analyser, Column, RunConfig, SimulationError};

/// Every column's distribution over `cfg.replicates` replicates; `truth`
/// holds the true value per column where known (or is empty).
pub fn summarise_stream(
    s: &Scenario,
    cfg: &RunConfig,
    exact_percentiles: bool,
    truth: &[Option<f64>],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<Column>, Vec<DistributionSummary>), SimulationError> {
    let cols = columns(s);
    let k = cols.len();
    let mut acc: Vec<ColumnAccumulator> = cols
        .iter()
        .map(|c| ColumnAccumulator::new(c.quantity.missing_means_not_reached(), exact_percentiles))
        .collect();
    run_chunks(
        s,
        cfg,
        k,
        Analyser::new,
        |an, ws, row| an.analyse(s, ws, &cols, row),
        |_, chunk| {
            // Rows arrive in replicate order, so the aggregate is the same
            // for any thread count.
            for row in chunk.chunks_exact(k) {
                for (a, &x) in acc.iter_mut().zip(row) {
                    a.push(x);
                }
            }
        },
        progress,
    )?;
    let summaries = cols
        .iter()
        .zip(acc.iter_mut())
        .enumerate()
        .map(|(c, (col, a))| a.finish(&col.name, truth.get(c).copied().flatten()))
        .collect();
    Ok((cols, summaries))
}
