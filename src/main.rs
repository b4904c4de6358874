//! The `cohortsim` command: parses the command line and hands over to the
//! library; every error ends here as a message and a non-zero exit.

use clap::{Parser, Subcommand};
use cohortsim::analysis::Ties;
use cohortsim::commands;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cohortsim",
    version,
    about = "Virtual cohorts of relapsed/refractory multiple myeloma: simulate, reanalyse, and see how PFS results arise"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check a scenario; print it resolved, with defaults filled in.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
    },
    /// Simulate one virtual cohort: a CSV row per patient.
    Simulate {
        scenario: PathBuf,
        /// Patients (default: the scenario's cohort.n).
        #[arg(long)]
        n: Option<usize>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output CSV (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Simulate and reanalyse many virtual cohorts in parallel.
    Run(commands::run::RunArgs),
    /// A report: simulated Table 1, Kaplan-Meier bands and published figures against simulation.
    Report {
        scenario: PathBuf,
        #[arg(long, default_value_t = 1000)]
        replicates: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory (default: out/<scenario file stem>/report).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Solve for free parameters so the model's true values hit published figures.
    Calibrate {
        scenario: PathBuf,
        /// [ARM.]median_pfs=V, [ARM.]median_os=V, [ARM.]pfs@T=V or [ARM.]os@T=V (repeatable).
        #[arg(long = "target", required = true)]
        targets: Vec<String>,
        /// Key paths of the parameters to solve for, as many as targets
        /// (e.g. outcome.progression.median, arms[IsaPd].hazard_ratio.progression).
        #[arg(long, value_delimiter = ',', required = true)]
        free: Vec<String>,
        /// Calibrated scenario (default: SCENARIO.calibrated.toml beside the input).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Patients per arm behind the true values (default: the scenario's analysis.truth_n).
        #[arg(long)]
        truth_n: Option<usize>,
    },
    /// Run the scenario over a full-factorial grid of parameter values
    /// (common random numbers), and/or a tornado over every documented assumption.
    Sweep(commands::sweep::SweepArgs),
    /// Simulated power and type I error of a PFS test, with Schoenfeld's and Freedman's values.
    Power(commands::power::PowerArgs),
    /// Bias, SEs, coverage and more of every applicable estimator against the model's truth.
    BenchEstimators(commands::bench_estimators::BenchArgs),
    /// Where a PFS difference between two cohorts comes from: case mix, outcome model, design, chance.
    Explain(commands::explain::ExplainArgs),
    /// Combine the partial aggregates of `--shard K/N` runs into the outputs of a single run.
    Merge(commands::merge::MergeArgs),
    /// Matching-adjusted indirect comparison: weight patient-level data to another cohort's reported means.
    Maic(commands::maic::MaicArgs),
    /// Estimate survival, medians, landmarks, log-rank and Cox on patient-level CSV data.
    Analyze {
        /// CSV with a header row: simulated (`simulate`) or real.
        data: PathBuf,
        /// Time column (months, or any unit, >= 0).
        #[arg(long)]
        time: String,
        /// Event column: 1/0 or true/false.
        #[arg(long)]
        event: String,
        /// Compare groups (Kaplan-Meier per group, log-rank, group in the Cox model).
        #[arg(long)]
        group: Option<String>,
        /// Stratify the log-rank test and the Cox model.
        #[arg(long)]
        strata: Option<String>,
        /// Cox model covariates; text columns become dummies COL=LEVEL.
        #[arg(long, value_delimiter = ',')]
        covariates: Vec<String>,
        /// Cox model ties.
        #[arg(long, default_value = "efron", value_parser = ["efron", "breslow"])]
        ties: String,
        /// Kaplan-Meier CI transform, as R's survfit.
        #[arg(long, default_value = "log", value_parser = ["log", "log-log", "plain", "logit", "arcsin"])]
        conf_type: String,
        #[arg(long, default_value_t = 0.95)]
        conf_level: f64,
        /// Landmark times for survival estimates.
        #[arg(long, value_delimiter = ',')]
        landmark: Vec<f64>,
        /// Restricted mean survival time up to TAU.
        #[arg(long)]
        tau: Option<f64>,
        /// A 0/1 (or yes/no) column, e.g. response: its rate with an exact CI per group.
        #[arg(long)]
        response: Option<String>,
        /// Print the JSON document of docs/analyze-json.md.
        #[arg(long)]
        json: bool,
    },
}

fn analyze(args: commands::analyze::AnalyzeArgs, json: bool) -> Result<(), cohortsim::Error> {
    let a = commands::analyze::analyze(&args)?;
    if json {
        let text =
            serde_json::to_string_pretty(&a).map_err(|e| cohortsim::Error::Usage(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", cohortsim::report::analysis_text::render(&a));
    }
    Ok(())
}

/// Progress bars only where someone watches.
fn progress() -> bool {
    std::io::stderr().is_terminal()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { scenario } => {
            commands::validate::validate(&scenario).map(|text| print!("{text}"))
        }
        Command::Simulate {
            scenario,
            n,
            seed,
            output,
        } => commands::simulate::simulate(&scenario, n, seed, output.as_deref()),
        Command::Run(args) => commands::run::run(&args, progress()).map(|t| print!("{t}")),
        Command::Report {
            scenario,
            replicates,
            seed,
            output,
        } => {
            let out_dir =
                output.unwrap_or_else(|| commands::workers::default_out(&scenario, "report"));
            commands::report::report(&commands::report::ReportArgs {
                scenario,
                replicates,
                seed,
                out_dir,
            })
            .map(|t| print!("{t}"))
        }
        Command::Sweep(args) => commands::sweep::run(&args, progress()).map(|t| print!("{t}")),
        Command::Power(args) => commands::power::run(&args, progress()).map(|t| print!("{t}")),
        Command::Merge(args) => commands::merge::run(&args, progress()).map(|t| print!("{t}")),
        Command::Maic(args) => commands::maic::run(&args).map(|t| print!("{t}")),
        Command::Explain(args) => commands::explain::run(&args, progress()).map(|t| print!("{t}")),
        Command::BenchEstimators(args) => {
            commands::bench_estimators::run(&args, progress()).map(|t| print!("{t}"))
        }
        Command::Calibrate {
            scenario,
            targets,
            free,
            output,
            truth_n,
        } => commands::calibrate::calibrate(&scenario, &targets, &free, output.as_deref(), truth_n)
            .map(|t| print!("{t}")),
        Command::Analyze {
            data,
            time,
            event,
            group,
            strata,
            covariates,
            ties,
            conf_type,
            conf_level,
            landmark,
            tau,
            response,
            json,
        } => analyze(
            commands::analyze::AnalyzeArgs {
                data,
                time,
                event,
                group,
                strata,
                covariates,
                ties: if ties == "breslow" {
                    Ties::Breslow
                } else {
                    Ties::Efron
                },
                conf_type: conf_type.parse().unwrap_or_default(),
                conf_level,
                landmarks: landmark,
                tau,
                response,
            },
            json,
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
