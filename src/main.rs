//! The `cohortsim` command: parses the command line and hands over to the
//! library; every error ends here as a message and a non-zero exit.

use clap::{Parser, Subcommand};
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
    Run {
        scenario: PathBuf,
        #[arg(long, default_value_t = 1000)]
        replicates: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Worker threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Patients per cohort (default: the scenario's cohort.n).
        #[arg(long)]
        n: Option<usize>,
        /// Output directory (default: out/<scenario name>).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
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
        Command::Run {
            scenario,
            replicates,
            seed,
            threads,
            n,
            output,
        } => commands::run::run(&commands::run::RunArgs {
            scenario,
            replicates,
            seed,
            threads,
            n,
            out_dir: output,
            progress: std::io::stderr().is_terminal(),
        })
        .map(|text| print!("{text}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
