//! `cohortsim run`: R virtual cohorts in parallel, each reanalysed; writes
//! replicates.csv and summary.json and returns the printed summary.

use crate::error::Error;
use crate::report::replicates::write_replicates;
use crate::report::summary_json::{write_summary_json, RunSummary};
use crate::report::summary_text;
use crate::scenario;
use crate::sim::{self, RunConfig};
use crate::summary::{is_headline, summarise};
use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct RunArgs {
    pub scenario: PathBuf,
    pub replicates: u64,
    pub seed: u64,
    pub threads: Option<usize>,
    pub n: Option<usize>,
    pub out_dir: Option<PathBuf>,
    /// Progress on standard error (it hides itself when that is not a terminal).
    pub progress: bool,
}

pub fn run(args: &RunArgs) -> Result<String, Error> {
    let s = scenario::load(&args.scenario)?;
    sim::check_published(&s, &args.scenario)?;
    if args.replicates == 0 {
        return Err(Error::Usage("--replicates must be at least 1".into()));
    }
    if args.replicates > 100_000_000 {
        return Err(Error::Usage(
            "--replicates above 100,000,000 do not fit in memory on one machine; split the study"
                .into(),
        ));
    }
    let n = args.n.unwrap_or(s.n);
    if n == 0 {
        return Err(Error::Usage("--n must be at least 1".into()));
    }
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("out").join(&s.meta.name));
    std::fs::create_dir_all(&out_dir).map_err(|e| Error::io(&out_dir, e))?;

    let pool = super::workers::pool(args.threads)?;
    let cfg = RunConfig {
        replicates: args.replicates,
        seed: args.seed,
        n,
    };
    let bar = super::workers::progress_bar(args.replicates, args.progress);
    let (output, truth) = pool.install(|| {
        let cols = sim::columns(&s);
        let truth = sim::true_values(&s, &cols);
        let out = sim::run(&s, &cfg, &|k| bar.inc(k));
        (out, truth)
    });
    bar.finish_and_clear();
    let output = output.map_err(|e| Error::Simulation(e.to_string()))?;
    let (truth, methods) = truth.map_err(|e| Error::Simulation(e.to_string()))?;

    let summaries = summarise(&output, &truth, &s.published);
    write_replicates(&out_dir.join("replicates.csv"), &output)?;
    let summary = RunSummary {
        cohortsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &s.meta.name,
        scenario_file: args.scenario.display().to_string(),
        seed: args.seed,
        replicates: args.replicates,
        n,
        conf_type: s.analysis.conf_type.to_string(),
        conf_level: s.analysis.conf_level,
        landmarks: &s.analysis.landmarks,
        truth: &methods,
        estimates: &summaries,
    };
    write_summary_json(&out_dir.join("summary.json"), &summary)?;

    let headline: Vec<_> = summaries
        .iter()
        .zip(&output.columns)
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
    Ok(format!(
        "{}: {} replicates of n = {}, seed {}\n\n{}{footnote}\nwrote {} and {}\n",
        s.meta.name,
        args.replicates,
        n,
        args.seed,
        summary_text::render(&headline),
        out_dir.join("replicates.csv").display(),
        out_dir.join("summary.json").display()
    ))
}
