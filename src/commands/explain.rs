//! `cohortsim explain`: where the difference between two cohorts' PFS (or
//! OS) comes from: case mix, outcome model, study design and chance.

use super::workers;
use crate::design::Endpoint;
use crate::error::Error;
use crate::explain::{explain, Estimands, ExplainConfig, ESTIMANDS};
use crate::report::experiment::explain_files::write_explanation;
use crate::scenario;
use std::path::PathBuf;

/// What the command line asked for.
#[derive(Debug, Clone, clap::Args)]
pub struct ExplainArgs {
    /// The cohort whose result is explained (e.g. the real-world cohort).
    pub scenario_a: PathBuf,
    /// The cohort it is compared with (e.g. the registration trial).
    pub scenario_b: PathBuf,
    #[arg(long, default_value = "pfs", value_parser = ["pfs", "os"])]
    pub outcome: String,
    /// Arm of A (default: an arm both scenarios name alike, else the first).
    #[arg(long)]
    pub arm_a: Option<String>,
    /// Arm of B (default: an arm both scenarios name alike, else the first).
    #[arg(long)]
    pub arm_b: Option<String>,
    /// Landmark for the survival estimand (default: A's first landmark, else 12).
    #[arg(long)]
    pub landmark: Option<f64>,
    /// Horizon of the restricted mean (default: A's last landmark, else 24).
    #[arg(long)]
    pub tau: Option<f64>,
    /// Patients per population behind the true values.
    #[arg(long, default_value_t = 50_000)]
    pub population: usize,
    /// Bootstrap resamples behind the design parts' Monte Carlo errors.
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    #[command(flatten)]
    pub run: workers::RunOptions,
    /// Output directory (default: out/<A's file stem>/explain).
    #[arg(short, long = "output")]
    pub out_dir: Option<PathBuf>,
}

pub fn run(args: &ExplainArgs, progress: bool) -> Result<String, Error> {
    workers::check_replicates(args.run.replicates)?;
    if args.run.replicates < 20 {
        return Err(Error::Usage(
            "--replicates must be at least 20 for the chance part".into(),
        ));
    }
    if args.population < 1000 {
        return Err(Error::Usage(
            "--population must be at least 1000 patients".into(),
        ));
    }
    let a = scenario::load(&args.scenario_a)?;
    let b = scenario::load(&args.scenario_b)?;
    let landmark = args
        .landmark
        .or_else(|| a.analysis.landmarks.first().copied())
        .unwrap_or(12.0);
    let tau = args
        .tau
        .or_else(|| a.analysis.landmarks.last().copied())
        .unwrap_or(24.0);
    for (name, v) in [("--landmark", landmark), ("--tau", tau)] {
        if !(v > 0.0 && v.is_finite()) {
            return Err(Error::Usage(format!(
                "{name} must be a positive number of months, not {v}"
            )));
        }
    }
    let cfg = ExplainConfig {
        estimands: Estimands {
            endpoint: if args.outcome == "os" {
                Endpoint::Os
            } else {
                Endpoint::Pfs
            },
            landmark,
            tau,
        },
        replicates: args.run.replicates,
        seed: args.run.seed,
        patients: args.population,
        bootstrap: args.bootstrap.max(20),
    };
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| workers::default_out(&args.scenario_a, "explain"));
    workers::output_dir(&out_dir)?;
    let pool = workers::pool(args.run.threads)?;
    // Up to 32 design combinations and B's own study.
    let bar = workers::progress_bar(33 * args.run.replicates, progress);
    let x = pool.install(|| {
        explain(
            &args.scenario_a,
            &a,
            args.arm_a.as_deref(),
            &args.scenario_b,
            &b,
            args.arm_b.as_deref(),
            &cfg,
            &|k| bar.inc(k),
        )
    })?;
    bar.finish_and_clear();
    let written = write_explanation(&out_dir, &x)?;
    let mut text = format!(
        "{} ({}) against {} ({}), {}: parts from B's typical estimate to A's\n\n{:<52} {:>18} {:>18} {:>18}\n",
        x.a,
        x.arm_a,
        x.b,
        x.arm_b,
        x.endpoint,
        "",
        ESTIMANDS[0],
        ESTIMANDS[1],
        ESTIMANDS[2]
    );
    let cell = |v: f64, se: f64| {
        if v.is_finite() {
            format!("{v:.3} ({se:.3})")
        } else {
            "NA".into()
        }
    };
    let mut line = |label: String, v: [f64; 3], se: [f64; 3]| {
        text.push_str(&format!(
            "{:<52} {:>18} {:>18} {:>18}\n",
            label,
            cell(v[0], se[0]),
            cell(v[1], se[1]),
            cell(v[2], se[2])
        ));
    };
    line(
        format!("{} typical", x.b),
        x.typical_b.value,
        x.typical_b.mcse,
    );
    for p in &x.parts {
        line(format!("  {}: {}", p.group, p.label), p.value, p.mcse);
    }
    line(
        format!("{} typical", x.a),
        x.typical_a.value,
        x.typical_a.mcse,
    );
    let c = &x.chance[0];
    text.push_str(&format!(
        "\nchance: 95% of simulated differences in the median lie in [{:.2}, {:.2}]",
        c.interval[0], c.interval[1]
    ));
    if let (Some(r), Some(p)) = (c.reported, c.p_value) {
        text.push_str(&format!(
            "; the reported difference {r:.2} has two-sided p = {p:.3}"
        ));
    }
    text.push_str("\n\n");
    for p in written {
        text.push_str(&format!("wrote {}\n", p.display()));
    }
    Ok(text)
}
