//! A full-factorial sweep: the scenario run at every combination of the
//! varied parameters' values, with the same seed at every grid point, so
//! replicate r draws the same random numbers everywhere (common random
//! numbers) and differences between grid points are not drowned in noise.
//!
//! Random numbers are common as far as the model consumes them in the same
//! order: a parameter that changes how many numbers are drawn (the cohort
//! size, say) keeps the first patients' draws common and no more.

use super::distribution::DistributionSummary;
use super::stream::summarise_unit;
use super::variation::{full_factorial, ScenarioSource, Variation};
use crate::error::Error;
use crate::sim::{true_values, Column, RunConfig};
use crate::study::Executor;

/// What to run at each grid point.
#[derive(Debug, Clone)]
pub struct SweepConfig {
    pub replicates: u64,
    pub seed: u64,
    /// Patients per cohort (default: each grid point's scenario n).
    pub n: Option<usize>,
    /// Exact percentiles (memory grows with replicates) instead of a sketch.
    pub exact_percentiles: bool,
    /// Compute each grid point's true values (a large population per arm).
    pub truth: bool,
}

/// One grid point: the values set, and every estimate's distribution.
#[derive(Debug, Clone)]
pub struct GridPoint {
    /// One value per variation, as written on the command line.
    pub values: Vec<String>,
    pub n: usize,
    pub columns: Vec<Column>,
    pub estimates: Vec<DistributionSummary>,
}

/// Runs every grid point in order (each in parallel over replicates);
/// `progress` hears replicates as they finish.
/// Each grid point is a unit of the study `exec` runs; None when `exec` is a
/// shard.
pub fn sweep(
    exec: &mut Executor,
    src: &ScenarioSource,
    variations: &[Variation],
    cfg: &SweepConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<Vec<GridPoint>>, Error> {
    let grid = full_factorial(variations);
    // Resolve every grid point before simulating any, so a bad value fails
    // at once rather than after hours.
    let scenarios = grid
        .iter()
        .map(|idx| {
            let settings: Vec<(&_, &str)> = variations
                .iter()
                .zip(idx)
                .map(|(v, &i)| (&v.at, v.values[i].as_str()))
                .collect();
            src.with(&settings)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut points = Vec::with_capacity(grid.len());
    for (g, (idx, s)) in grid.iter().zip(&scenarios).enumerate() {
        let n = cfg.n.unwrap_or(s.n);
        let run = RunConfig {
            replicates: cfg.replicates,
            seed: cfg.seed,
            n,
        };
        let values: Vec<String> = variations
            .iter()
            .zip(idx)
            .map(|(v, &i)| v.values[i].clone())
            .collect();
        let label = format!("grid/{} {}", g + 1, values.join(","));
        let truth = if cfg.truth && exec.computes_outputs() {
            true_values(s, &crate::sim::columns(s))
                .map_err(|e| Error::Simulation(e.to_string()))?
                .0
        } else {
            Vec::new()
        };
        let Some((columns, estimates)) = summarise_unit(
            exec,
            &label,
            s,
            &run,
            cfg.exact_percentiles,
            &truth,
            None,
            progress,
        )?
        else {
            continue;
        };
        points.push(GridPoint {
            values,
            n,
            columns,
            estimates,
        });
    }
    Ok(exec.computes_outputs().then_some(points))
}
