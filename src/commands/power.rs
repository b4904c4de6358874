//! `cohortsim power`: simulated power and type I error of a PFS test over
//! cohort sizes, or the smallest size reaching a target power, with the
//! analytic approximations beside them.

use super::workers::{self, ExecArgs};
use crate::error::Error;
use crate::experiment::hypothesis::{Comparison, Test};
use crate::experiment::power::{
    null_scenario, power_at, search_n, true_effect, PowerConfig, TrueEffect,
};
use crate::report::experiment::power_files::{write_power, PowerMeta};
use crate::scenario;
use crate::study::fingerprint::scenario_files;
use crate::study::Executor;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct PowerArgs {
    pub scenario: PathBuf,
    #[arg(long, value_parser = ["logrank", "cox", "rmst", "one-sample-logrank"])]
    pub test: String,
    /// Two-sided significance level.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Cohort sizes (default: the scenario's cohort.n).
    #[arg(long, value_delimiter = ',')]
    pub n: Vec<usize>,
    /// Search for the smallest n reaching this power instead.
    #[arg(long)]
    pub target_power: Option<f64>,
    /// RMST horizon in months (default: the last landmark).
    #[arg(long)]
    pub tau: Option<f64>,
    /// The historical control's median PFS (one-sample test).
    #[arg(long)]
    pub historical_median: Option<f64>,
    /// The arm tested (default: the first arm that is not the control).
    #[arg(long)]
    pub arm: Option<String>,
    #[command(flatten)]
    pub run: workers::RunOptions,
    /// Output directory (default: out/<scenario file stem>/power).
    #[arg(short, long = "output")]
    #[serde(skip)]
    pub out_dir: Option<PathBuf>,
    #[command(flatten)]
    #[serde(skip)]
    pub exec: ExecArgs,
}

fn parse_test(args: &PowerArgs, s: &scenario::Scenario) -> Result<Test, Error> {
    match args.test.as_str() {
        "logrank" => Ok(Test::LogRank),
        "cox" => Ok(Test::Cox),
        "rmst" => {
            let tau = match args.tau {
                Some(t) => t,
                None => *s.analysis.landmarks.last().ok_or_else(|| {
                    Error::Usage("--test rmst needs --tau (the scenario has no landmarks to default to)".into())
                })?,
            };
            if !(tau > 0.0 && tau.is_finite()) {
                return Err(Error::Usage(format!("--tau must be a positive number of months, not {tau}")));
            }
            Ok(Test::Rmst { tau })
        }
        "one-sample-logrank" => match args.historical_median {
            Some(m) if m > 0.0 && m.is_finite() => Ok(Test::OneSampleLogRank {
                historical_median: m,
            }),
            Some(m) => Err(Error::Usage(format!(
                "--historical-median must be a positive number of months, not {m}"
            ))),
            None => Err(Error::Usage(
                "--test one-sample-logrank needs --historical-median MONTHS (the historical control's median PFS)".into(),
            )),
        },
        other => Err(Error::Usage(format!(
            "--test `{other}`: choose logrank, cox, rmst or one-sample-logrank"
        ))),
    }
}

pub fn run(args: &PowerArgs, progress: bool) -> Result<String, Error> {
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| workers::default_out(&args.scenario, "power"));
    if args.exec.shard.is_some() && args.target_power.is_some() {
        return Err(Error::Usage(
            "--target-power decides each n from the last result, so it cannot be split into shards; give the sizes with --n".into(),
        ));
    }
    workers::check_replicates(args.run.replicates)?;
    let exec = workers::executor(
        "power",
        args,
        scenario_files(&args.scenario)?,
        &args.exec,
        &out_dir,
    )?;
    execute(args, exec, &out_dir, progress)
}

/// Runs (or, for a merge executor, assembles) the power analysis and writes
/// its outputs into `out_dir`.
pub fn execute(
    args: &PowerArgs,
    mut exec: Executor,
    out_dir: &Path,
    progress: bool,
) -> Result<String, Error> {
    workers::check_replicates(args.run.replicates)?;
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(Error::Usage(format!(
            "--alpha must be in (0, 1), not {}",
            args.alpha
        )));
    }
    if let Some(t) = args.target_power {
        if !(t > 0.0 && t < 1.0) {
            return Err(Error::Usage(format!(
                "--target-power must be in (0, 1), not {t}"
            )));
        }
        if !args.n.is_empty() {
            return Err(Error::Usage(
                "give either --n or --target-power, not both".into(),
            ));
        }
    }
    if args.n.contains(&0) {
        return Err(Error::Usage("--n values must be at least 1".into()));
    }
    let s = scenario::load(&args.scenario)?;
    let test = parse_test(args, &s)?;
    let names: Vec<&str> = s.arms.iter().map(|a| a.name.as_str()).collect();
    let arm = match &args.arm {
        Some(name) => names.iter().position(|n| n == name).ok_or_else(|| {
            Error::Usage(format!(
                "--arm `{name}`: the scenario's arms are {}",
                names.join(", ")
            ))
        })?,
        None if test.is_one_sample() => 0,
        None => (0..s.arms.len())
            .find(|&a| a != s.analysis.control)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--test {} compares two arms, but {} has one; use --test one-sample-logrank",
                    test.name(),
                    args.scenario.display()
                ))
            })?,
    };
    let control = (!test.is_one_sample()).then_some(s.analysis.control);
    if control == Some(arm) {
        return Err(Error::Usage(format!(
            "--arm `{}` is the control arm; test another arm against it",
            names[arm]
        )));
    }
    let cfg = PowerConfig {
        test,
        comparison: Comparison { arm, control },
        alpha: args.alpha,
        replicates: args.run.replicates,
        seed: args.run.seed,
    };
    let pool = workers::pool(args.run.threads)?;
    let ns: Vec<usize> = if args.n.is_empty() {
        vec![s.n]
    } else {
        args.n.clone()
    };
    let total = if args.target_power.is_some() {
        0
    } else {
        2 * ns.len() as u64 * args.run.replicates
    };
    let bar = workers::progress_bar(total, progress && !exec.is_merge());
    let tick = |k| bar.inc(k);
    let (effect, points, smallest) = pool.install(|| -> Result<_, Error> {
        let null = null_scenario(&s, &cfg)?;
        // A shard only tallies; the analytic values wait for the merge.
        let effect = if exec.computes_outputs() {
            true_effect(&s, &cfg)?
        } else {
            TrueEffect {
                hazard_ratio: None,
                share: 1.0,
                true_median: None,
            }
        };
        match args.target_power {
            Some(target) => {
                let (points, smallest) =
                    search_n(&mut exec, &s, &null, &effect, &cfg, target, s.n, &tick)?;
                Ok((effect, points, smallest))
            }
            None => {
                let mut points = Vec::new();
                for &n in &ns {
                    if let Some(p) = power_at(&mut exec, &s, &null, &effect, &cfg, n, &tick)? {
                        points.push(p);
                    }
                }
                Ok((effect, points, None))
            }
        }
    })?;
    bar.finish_and_clear();
    if let Some(text) = workers::finish_study(exec, out_dir)? {
        return Ok(text);
    }
    let meta = PowerMeta {
        cohortsim_version: env!("CARGO_PKG_VERSION"),
        scenario: s.meta.name.clone(),
        scenario_file: args.scenario.display().to_string(),
        test: test.name().into(),
        arm: names[arm].into(),
        control: control.map(|c| names[c].to_string()),
        alpha: args.alpha,
        replicates: args.run.replicates,
        seed: args.run.seed,
        historical_median: args.historical_median.filter(|_| test.is_one_sample()),
        tau: match test {
            Test::Rmst { tau } => Some(tau),
            _ => None,
        },
        target_power: args.target_power,
        null_scenario: match (test, control) {
            (Test::OneSampleLogRank { historical_median }, _) => format!(
                "the progression hazard of {} rescaled so that its true median PFS is {historical_median} months",
                names[arm]
            ),
            (_, Some(c)) => format!("{} given {}'s outcome model", names[arm], names[c]),
            _ => String::new(),
        },
    };
    let written = write_power(out_dir, &meta, &effect, &points, smallest)?;
    let mut text =
        format!(
        "{}: {} test of {}{}, alpha {}, {} replicates per n\n\n{:>7} {:>16} {:>16} {:>10} {:>10}\n",
        meta.scenario,
        meta.test,
        meta.arm,
        meta.control.as_ref().map_or(String::new(), |c| format!(" vs {c}")),
        args.alpha,
        args.run.replicates,
        "n",
        "power (MCSE)",
        "type I (MCSE)",
        "Schoenfeld",
        "Freedman"
    );
    for p in &points {
        text.push_str(&format!(
            "{:>7} {:>16} {:>16} {:>10} {:>10}\n",
            p.n,
            crate::report::experiment::measure_text(p.power),
            crate::report::experiment::measure_text(p.type1_error),
            p.schoenfeld.map_or("-".into(), |x| format!("{x:.3}")),
            p.freedman.map_or("-".into(), |x| format!("{x:.3}")),
        ));
    }
    if let (Some(t), Some(n)) = (args.target_power, smallest) {
        text.push_str(&format!("\nsmallest n with power >= {t}: {n}\n"));
    }
    text.push('\n');
    for p in written {
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    Ok(text)
}
