//! The Monte Carlo engine: generate a virtual cohort (cohort -> design ->
//! outcomes), reanalyse it (analysis), many times over, reproducibly.

pub mod curves;
pub mod estimates;
pub mod run;
pub mod streams;
pub mod truth;
pub mod workspace;

pub use estimates::{check_published, columns, Analyser, Column, Quantity};
pub use run::{
    chunk_count, chunk_replicates, run, run_chunk_range, run_chunks, RunConfig, RunOutput, CHUNK,
};
pub use streams::replicate_rng;
pub use truth::true_values;
pub use workspace::{simulate_into, SimulationError, Workspace};
