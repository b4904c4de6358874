//! A replicate (generate a cohort, observe it, reanalyse it) allocates nothing
//! once its workspace is warm: issue 2's requirement for the hot path. A
//! counting global allocator (per thread) checks it on the shipped scenarios.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocs, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

use std::path::Path;

use cohortsim::scenario;
use cohortsim::sim::{columns, replicate_rng, simulate_into, Analyser, Workspace};

#[test]
fn a_warm_replicate_allocates_nothing() {
    for file in [
        "scenarios/botkin-isapd-2024.toml",
        "scenarios/icaria-mm.toml",
    ] {
        let s = scenario::load(Path::new(file)).unwrap();
        let cols = columns(&s);
        let mut ws = Workspace::new();
        let mut an = Analyser::new();
        let mut row = vec![0.0; cols.len()];
        // Warm up: buffers grow to the largest cohort and arm seen.
        for r in 0..2000 {
            let mut rng = replicate_rng(9, r);
            simulate_into(&s, s.n, &mut rng, &mut ws).unwrap();
            an.analyse(&s, &ws, &cols, &mut row);
        }
        let before = allocs();
        for r in 2000..3000 {
            let mut rng = replicate_rng(9, r);
            simulate_into(&s, s.n, &mut rng, &mut ws).unwrap();
            an.analyse(&s, &ws, &cols, &mut row);
        }
        let during = allocs() - before;
        // Arms vary in size under randomisation, so a rare regrowth past the warm-up
        // maximum is possible; steady state must be (nearly) allocation-free.
        assert!(
            during <= 5,
            "{file}: {during} allocations in 1000 warm replicates"
        );
    }
}
