//! `cohortsim bench-estimators`: every applicable estimator of median PFS,
//! PFS at the landmarks, the hazard ratio and the RMST difference, run on
//! each virtual cohort and judged against the model's true values.

use super::workers::{self, ExecArgs};
use crate::error::Error;
use crate::experiment::benchmark::{benchmark, maic_slots, slots, Estimator};
use crate::report::experiment::benchmark_files::{write_benchmark, BenchmarkMeta};
use crate::scenario;
use crate::sim::RunConfig;
use crate::study::fingerprint::scenario_files;
use crate::study::Executor;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct BenchArgs {
    pub scenario: PathBuf,
    /// Estimators (default: every one that applies).
    #[arg(long, value_delimiter = ',')]
    pub estimators: Vec<String>,
    #[command(flatten)]
    pub run: workers::RunOptions,
    /// Patients per cohort (default: the scenario's cohort.n).
    #[arg(long)]
    pub n: Option<usize>,
    /// RMST horizon in months (default: the last landmark).
    #[arg(long)]
    pub tau: Option<f64>,
    /// Another cohort's scenario: add MAIC (and the unadjusted median) of
    /// each arm's median PFS in that cohort's population.
    #[arg(long)]
    pub maic_target: Option<PathBuf>,
    /// Patients per population behind the MAIC targets and true values.
    #[arg(long, default_value_t = 50_000)]
    pub population: usize,
    /// Output directory (default: out/<scenario file stem>/bench-estimators).
    #[arg(short, long = "output")]
    #[serde(skip)]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    #[serde(skip)]
    pub exec: ExecArgs,
}

pub fn run(args: &BenchArgs, progress: bool) -> Result<String, Error> {
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| workers::default_out(&args.scenario, "bench-estimators"));
    workers::check_replicates(args.run.replicates)?;
    let mut files = scenario_files(&args.scenario)?;
    if let Some(t) = &args.maic_target {
        files.extend(scenario_files(t)?);
    }
    let exec = workers::executor("bench-estimators", args, files, &args.exec, &out_dir)?;
    execute(args, exec, &out_dir, progress)
}

/// Runs (or, for a merge executor, assembles) the benchmark and writes its
/// outputs into `out_dir`.
pub fn execute(
    args: &BenchArgs,
    mut exec: Executor,
    out_dir: &Path,
    progress: bool,
) -> Result<String, Error> {
    workers::check_replicates(args.run.replicates)?;
    let estimators: Vec<Estimator> = args
        .estimators
        .iter()
        .map(|e| Estimator::parse(e).map_err(|m| Error::Usage(format!("--estimators: {m}"))))
        .collect::<Result<_, _>>()?;
    let s = scenario::load(&args.scenario)?;
    let n = args.n.unwrap_or(s.n);
    if n == 0 {
        return Err(Error::Usage("--n must be at least 1".into()));
    }
    let tau = match args.tau {
        Some(t) if t > 0.0 && t.is_finite() => t,
        Some(t) => {
            return Err(Error::Usage(format!(
                "--tau must be a positive number of months, not {t}"
            )))
        }
        None => s.analysis.landmarks.last().copied().unwrap_or(f64::NAN),
    };
    let pool = workers::pool(args.run.threads)?;
    let bar = workers::progress_bar(args.run.replicates, progress && !exec.is_merge());
    let cfg = RunConfig {
        replicates: args.run.replicates,
        seed: args.run.seed,
        n,
    };
    let maic_named = estimators
        .iter()
        .any(|e| matches!(e, Estimator::MaicMedian | Estimator::NaiveMedian));
    let target = match &args.maic_target {
        Some(p) => Some(scenario::load(p)?),
        None if maic_named => return Err(Error::Usage(
            "maic-median and naive-median need --maic-target SCENARIO (the cohort to adjust to)"
                .into(),
        )),
        None => None,
    };
    let rows = pool.install(|| -> Result<_, Error> {
        let general: Vec<Estimator> = estimators
            .iter()
            .copied()
            .filter(|e| !matches!(e, Estimator::MaicMedian | Estimator::NaiveMedian))
            .collect();
        let mut slots = if estimators.is_empty() || !general.is_empty() {
            slots(&s, &general, tau)?
        } else {
            Vec::new()
        };
        if let Some(t) = &target {
            slots.extend(
                maic_slots(&s, t, args.population)?
                    .into_iter()
                    .filter(|sl| estimators.is_empty() || estimators.contains(&sl.estimator)),
            );
        }
        if slots.is_empty() {
            return Err(Error::Usage(format!(
                "none of the estimators applies to {} (hazard ratios and RMST differences need two arms; landmarks come from analysis.landmarks)",
                args.scenario.display()
            )));
        }
        benchmark(&mut exec, &s, &slots, &cfg, tau, &|k| bar.inc(k))
    })?;
    bar.finish_and_clear();
    if let Some(text) = workers::finish_study(exec, out_dir)? {
        return Ok(text);
    }
    let rows = rows.ok_or_else(|| Error::Simulation("the benchmark produced no rows".into()))?;
    let meta = BenchmarkMeta {
        cohortsim_version: env!("CARGO_PKG_VERSION"),
        scenario: s.meta.name.clone(),
        scenario_file: args.scenario.display().to_string(),
        replicates: args.run.replicates,
        seed: args.run.seed,
        n,
        conf_level: s.analysis.conf_level,
        tau,
    };
    let written = write_benchmark(out_dir, &meta, &rows)?;
    let mut text = format!(
        "{}: {} estimator-target pairs, {} replicates of n = {}, seed {}\n\n{:<40} {:<20} {:>18} {:>18} {:>18}\n",
        meta.scenario,
        rows.len(),
        args.run.replicates,
        n,
        args.run.seed,
        "target",
        "estimator",
        "bias (MCSE)",
        "coverage (MCSE)",
        "rel. err. SE %"
    );
    for r in &rows {
        let m = crate::report::experiment::measure_text;
        text.push_str(&format!(
            "{:<40} {:<20} {:>18} {:>18} {:>18}\n",
            r.target,
            r.estimator,
            m(r.performance.bias),
            m(r.performance.coverage),
            m(r.performance.rel_error_mod_se)
        ));
    }
    text.push('\n');
    for p in written {
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    Ok(text)
}
