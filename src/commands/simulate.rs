//! `cohortsim simulate`: one virtual cohort, a row per patient.

use crate::error::Error;
use crate::report::patients::write_cohort;
use crate::scenario;
use crate::sim::{replicate_rng, simulate_into, Workspace};
use std::path::Path;

/// Simulates replicate 0 of `seed` (the same cohort `run` analyses first) and
/// writes it to `out`, or standard output.
pub fn simulate(path: &Path, n: Option<usize>, seed: u64, out: Option<&Path>) -> Result<(), Error> {
    let s = scenario::load(path)?;
    let n = n.unwrap_or(s.n);
    if n == 0 {
        return Err(Error::Usage("--n must be at least 1".into()));
    }
    let mut ws = Workspace::new();
    let mut rng = replicate_rng(seed, 0);
    simulate_into(&s, n, &mut rng, &mut ws).map_err(|e| Error::Simulation(e.to_string()))?;
    write_cohort(out, &s, &ws)
}
