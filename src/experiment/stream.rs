//! A scenario's replicates reduced, as they stream past, to each column's
//! distribution: what runs, sweeps and sensitivity analyses need from a run
//! without keeping its rows.

use super::distribution::{ColumnAccumulator, DistributionSummary};
use crate::error::Error;
use crate::scenario::Scenario;
use crate::sim::{columns, Analyser, Column, RunConfig};
use crate::study::{Executor, RowSink};
use rayon::prelude::*;

/// A run's columns and each one's distribution over replicates.
pub type ColumnSummaries = (Vec<Column>, Vec<DistributionSummary>);

/// One chunk's rows reduced to each column's accumulator, a column per task
/// (each column in replicate order, so the result does not depend on the
/// threads).
pub fn column_leaf(cols: &[Column], exact: bool, rows: &[f64]) -> Vec<ColumnAccumulator> {
    let k = cols.len();
    cols.par_iter()
        .enumerate()
        .map(|(c, col)| {
            let mut a = ColumnAccumulator::new(col.quantity.missing_means_not_reached(), exact);
            for row in rows.chunks_exact(k) {
                a.push(row[c]);
            }
            a
        })
        .collect()
}

/// Every column's distribution over `cfg.replicates` replicates, as unit
/// `label` of the study `exec` runs (None when `exec` is a shard); `truth`
/// holds the true value per column where known (or is empty); `rows`, if
/// given, receives every replicate's row.
#[allow(clippy::too_many_arguments)]
pub fn summarise_unit(
    exec: &mut Executor,
    label: &str,
    s: &Scenario,
    cfg: &RunConfig,
    exact_percentiles: bool,
    truth: &[Option<f64>],
    rows: Option<&mut dyn RowSink>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<ColumnSummaries>, Error> {
    let cols = columns(s);
    let acc: Option<Vec<ColumnAccumulator>> = exec.unit(
        label,
        s,
        cfg,
        cols.len(),
        Analyser::new,
        |an, ws, row| an.analyse(s, ws, &cols, row),
        |chunk| column_leaf(&cols, exact_percentiles, chunk),
        rows,
        progress,
    )?;
    Ok(acc.map(|mut acc| {
        let summaries = cols
            .iter()
            .zip(acc.iter_mut())
            .enumerate()
            .map(|(c, (col, a))| a.finish(&col.name, truth.get(c).copied().flatten()))
            .collect();
        (cols, summaries)
    }))
}

/// [`summarise_unit`] computed whole, for library callers.
pub fn summarise_stream(
    s: &Scenario,
    cfg: &RunConfig,
    exact_percentiles: bool,
    truth: &[Option<f64>],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ColumnSummaries, Error> {
    let mut exec = Executor::local();
    summarise_unit(
        &mut exec,
        "run",
        s,
        cfg,
        exact_percentiles,
        truth,
        None,
        progress,
    )?
    .ok_or_else(|| Error::Simulation("no replicates".into()))
}
