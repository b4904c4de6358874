//! `cohortsim sweep`: a full-factorial grid over scenario parameters (and/or
//! a one-at-a-time tornado over every documented assumption), each grid
//! point's estimates summarised with Monte Carlo standard errors.

use super::workers::{self, ExecArgs};
use crate::error::Error;
use crate::experiment::sweep::{sweep, SweepConfig};
use crate::experiment::tornado::{tornado, tornado_assumptions};
use crate::experiment::variation::{full_factorial, ScenarioSource, Variation};
use crate::report::experiment::sweep_files::{write_sweep, SweepMeta};
use crate::study::fingerprint::scenario_files;
use crate::study::Executor;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct SweepArgs {
    pub scenario: PathBuf,
    /// KEY=V1,V2,... (repeatable): a key path in the scenario, or
    /// INCLUDED_FILE:KEY for a shared assumption (e.g. cohort.n=60,120).
    #[arg(long = "vary")]
    pub vary: Vec<String>,
    /// One-at-a-time sensitivity over each assumption's documented range.
    #[arg(long)]
    pub tornado: bool,
    #[command(flatten)]
    pub run: workers::RunOptions,
    /// Patients per cohort (default: each grid point's cohort.n).
    #[arg(long)]
    pub n: Option<usize>,
    /// Exact percentiles (memory grows with replicates) instead of a sketch.
    #[arg(long)]
    pub exact_percentiles: bool,
    /// Skip each grid point's true values (a large population per arm).
    #[arg(long)]
    pub no_truth: bool,
    /// Output directory (default: out/<scenario file stem>/sweep).
    #[arg(short, long = "output")]
    #[serde(skip)]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    #[serde(skip)]
    pub exec: ExecArgs,
}

pub fn run(args: &SweepArgs, progress: bool) -> Result<String, Error> {
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| workers::default_out(&args.scenario, "sweep"));
    workers::check_replicates(args.run.replicates)?;
    let exec = workers::executor(
        "sweep",
        args,
        scenario_files(&args.scenario)?,
        &args.exec,
        &out_dir,
    )?;
    execute(args, exec, &out_dir, progress)
}

/// Runs (or, for a merge executor, assembles) the sweep and writes its
/// outputs into `out_dir`.
pub fn execute(
    args: &SweepArgs,
    mut exec: Executor,
    out_dir: &Path,
    progress: bool,
) -> Result<String, Error> {
    workers::check_replicates(args.run.replicates)?;
    if args.vary.is_empty() && !args.tornado {
        return Err(Error::Usage(
            "nothing to sweep: give --vary KEY=V1,V2,... and/or --tornado".into(),
        ));
    }
    let variations: Vec<Variation> = args
        .vary
        .iter()
        .map(|v| v.parse().map_err(|m| Error::Usage(format!("--vary {m}"))))
        .collect::<Result<_, _>>()?;
    for (i, v) in variations.iter().enumerate() {
        if variations[..i].iter().any(|w| w.at == v.at) {
            return Err(Error::Usage(format!("--vary: `{}` is varied twice", v.at)));
        }
    }
    if args.n == Some(0) {
        return Err(Error::Usage("--n must be at least 1".into()));
    }
    let src = ScenarioSource::read(&args.scenario)?;
    let base = src.with(&[])?;
    let grid_points = if variations.is_empty() {
        0
    } else {
        full_factorial(&variations).len() as u64
    };
    let runs = grid_points
        + if args.tornado {
            1 + 2 * tornado_assumptions(&src).len() as u64
        } else {
            0
        };
    let pool = workers::pool(args.run.threads)?;
    let bar = workers::progress_bar(runs * args.run.replicates, progress && !exec.is_merge());
    let cfg = SweepConfig {
        replicates: args.run.replicates,
        seed: args.run.seed,
        n: args.n,
        exact_percentiles: args.exact_percentiles,
        truth: !args.no_truth,
    };
    let tick = |k| bar.inc(k);
    let (points, tornado) = pool.install(|| -> Result<_, Error> {
        let points = if variations.is_empty() {
            Some(Vec::new())
        } else {
            sweep(&mut exec, &src, &variations, &cfg, &tick)?
        };
        let t = if args.tornado {
            tornado(
                &mut exec,
                &src,
                args.run.replicates,
                args.run.seed,
                args.n,
                args.exact_percentiles,
                &tick,
            )?
        } else {
            None
        };
        Ok((points, t))
    })?;
    bar.finish_and_clear();
    if let Some(text) = workers::finish_study(exec, out_dir)? {
        return Ok(text);
    }
    let points = points.unwrap_or_default();
    let meta = SweepMeta {
        cohortsim_version: env!("CARGO_PKG_VERSION"),
        scenario: base.meta.name.clone(),
        scenario_file: args.scenario.display().to_string(),
        seed: args.run.seed,
        replicates: args.run.replicates,
        common_random_numbers: true,
        exact_percentiles: args.exact_percentiles,
    };
    let written = write_sweep(out_dir, &meta, &variations, &points, tornado.as_ref())?;
    let mut text = format!(
        "{}: {} grid point(s){}, {} replicates each, seed {}\n",
        meta.scenario,
        points.len(),
        tornado.as_ref().map_or(String::new(), |t| format!(
            " and {} assumptions at both ends of their ranges",
            t.rows.len()
        )),
        args.run.replicates,
        args.run.seed
    );
    for p in written {
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    Ok(text)
}
