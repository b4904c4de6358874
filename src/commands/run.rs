//! `cohortsim run`: R virtual cohorts in parallel, each reanalysed; writes
//! replicates.csv and summary.json and returns the printed summary.
//!
//! Rows stream to disk and estimates into mergeable aggregates, so memory
//! does not grow with the replicates, the run can be split into shards or
//! resumed, and `cohortsim merge` rebuilds exactly these outputs.

use super::workers::{self, ExecArgs};
use crate::error::Error;
use crate::experiment::stream::summarise_unit;
use crate::report::replicates::{concatenate, ReplicatesWriter};
use crate::report::summary_json::{write_summary_json, RunSummary};
use crate::report::summary_text;
use crate::scenario;
use crate::sim::{self, RunConfig};
use crate::study::fingerprint::scenario_files;
use crate::study::Executor;
use crate::summary::{is_headline, summary_of};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct RunArgs {
    pub scenario: PathBuf,
    #[command(flatten)]
    pub run: workers::RunOptions,
    /// Patients per cohort (default: the scenario's cohort.n).
    #[arg(long)]
    pub n: Option<usize>,
    /// Exact (R type 7) percentiles: memory grows with the replicates.
    /// Default: a sketch within 0.5% of them, in constant memory.
    #[arg(long)]
    pub exact_percentiles: bool,
    /// Keep only the summary, not a row per replicate (replicates.csv).
    #[arg(long)]
    pub no_replicates_csv: bool,
    /// Output directory (default: out/<scenario name>).
    #[arg(short, long = "output")]
    #[serde(skip)]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    #[serde(skip)]
    pub exec: ExecArgs,
}

fn check(args: &RunArgs) -> Result<(), Error> {
    workers::check_replicates(args.run.replicates)?;
    if args.exact_percentiles && args.run.replicates > 10_000_000 {
        return Err(Error::Usage(
            "--exact-percentiles keeps every value: above 10,000,000 replicates use the default sketch".into(),
        ));
    }
    if args.n == Some(0) {
        return Err(Error::Usage("--n must be at least 1".into()));
    }
    Ok(())
}

pub fn run(args: &RunArgs, progress: bool) -> Result<String, Error> {
    check(args)?;
    let s = scenario::load(&args.scenario)?;
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("out").join(&s.meta.name));
    let exec = workers::executor(
        "run",
        args,
        scenario_files(&args.scenario)?,
        &args.exec,
        &out_dir,
    )?;
    execute(args, exec, &out_dir, progress)
}

/// Runs (or, for a merge executor, assembles) the study and writes its
/// outputs into `out_dir`.
pub fn execute(
    args: &RunArgs,
    mut exec: Executor,
    out_dir: &Path,
    progress: bool,
) -> Result<String, Error> {
    check(args)?;
    let s = scenario::load(&args.scenario)?;
    sim::check_published(&s, &args.scenario)?;
    let n = args.n.unwrap_or(s.n);
    let cfg = RunConfig {
        replicates: args.run.replicates,
        seed: args.run.seed,
        n,
    };
    let cols = sim::columns(&s);
    let rows_name = match exec.shard() {
        Some(sh) => format!("replicates-{}.csv", sh.tag()),
        None => "replicates.csv".into(),
    };
    let rows_path = out_dir.join(&rows_name);
    let merging_rows = exec.merge_sources().map(|files| {
        files
            .iter()
            .map(|(p, sh)| p.with_file_name(format!("replicates-{}.csv", sh.tag())))
            .collect::<Vec<_>>()
    });
    let mut writer = match (&merging_rows, args.no_replicates_csv) {
        (None, false) => Some(ReplicatesWriter::create(
            &rows_path,
            &cols,
            exec.resumed_rows(),
        )?),
        _ => None,
    };
    let pool = workers::pool(args.run.threads)?;
    let bar = workers::progress_bar(args.run.replicates, progress && !exec.is_merge());
    let (summaries, truth) = pool.install(|| -> Result<_, Error> {
        let truth = if exec.computes_outputs() {
            Some(sim::true_values(&s, &cols)?)
        } else {
            None
        };
        let values: Vec<Option<f64>> = truth.as_ref().map_or(Vec::new(), |(v, _)| v.clone());
        let out = summarise_unit(
            &mut exec,
            "run",
            &s,
            &cfg,
            args.exact_percentiles,
            &values,
            writer.as_mut().map(|w| w as &mut dyn crate::study::RowSink),
            &|k| bar.inc(k),
        )?;
        Ok((out, truth))
    })?;
    bar.finish_and_clear();
    if let Some(w) = writer {
        w.finish()?;
    }
    if let (Some(parts), false) = (&merging_rows, args.no_replicates_csv) {
        for p in parts {
            if !p.exists() {
                return Err(Error::Usage(format!(
                    "{} is missing: each shard's replicate rows sit beside its partial aggregate (or merge runs with --no-replicates-csv)",
                    p.display()
                )));
            }
        }
        concatenate(&rows_path, parts)?;
    }
    if let Some(text) = workers::finish_study(exec, out_dir)? {
        return Ok(text);
    }
    let (Some((_, dists)), Some((_, methods))) = (summaries, truth) else {
        return Err(Error::Simulation("the run produced no summary".into()));
    };
    let summaries: Vec<_> = dists.iter().map(|d| summary_of(d, &s.published)).collect();
    let summary = RunSummary {
        cohortsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &s.meta.name,
        scenario_file: args.scenario.display().to_string(),
        seed: args.run.seed,
        replicates: args.run.replicates,
        n,
        conf_type: s.analysis.conf_type.to_string(),
        conf_level: s.analysis.conf_level,
        percentiles: if args.exact_percentiles {
            "exact (type 7)"
        } else {
            "sketch (0.5% relative accuracy)"
        },
        landmarks: &s.analysis.landmarks,
        truth: &methods,
        estimates: &summaries,
    };
    write_summary_json(&out_dir.join("summary.json"), &summary)?;

    let headline: Vec<_> = summaries
        .iter()
        .zip(&cols)
        .filter(|(_, c)| is_headline(c.quantity))
        .map(|(s, _)| s)
        .collect();
    let footnote = if summaries
        .iter()
        .any(|e| e.published_in_central_95 == Some(false))
    {
        "* published figure outside the central 95% of the replicates\n"
    } else {
        ""
    };
    let mut wrote = Vec::new();
    if !args.no_replicates_csv {
        wrote.push(rows_path.display().to_string());
    }
    wrote.push(out_dir.join("summary.json").display().to_string());
    Ok(format!(
        "{}: {} replicates of n = {}, seed {}\n\n{}{footnote}\nwrote {}\n",
        s.meta.name,
        args.run.replicates,
        n,
        args.run.seed,
        summary_text::render(&headline),
        wrote.join(" and ")
    ))
}
