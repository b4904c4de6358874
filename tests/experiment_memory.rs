//! Experiments aggregate replicates as they stream past: the memory they hold
//! does not grow with the number of replicates (the sketch), where keeping
//! every value (exact percentiles) does.

#[path = "support/peak_alloc.rs"]
mod peak_alloc;

use cohortsim::experiment::stream::summarise_stream;
use cohortsim::scenario;
use cohortsim::sim::RunConfig;
use std::path::Path;

#[global_allocator]
static ALLOC: peak_alloc::Peak = peak_alloc::Peak;

fn peak_for(replicates: u64, exact: bool) -> usize {
    let s = scenario::load(Path::new("scenarios/botkin-isapd-2024.toml")).unwrap();
    let cfg = RunConfig {
        replicates,
        seed: 1,
        n: 60,
    };
    // One thread, so the peak is not a matter of scheduling.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    peak_alloc::reset();
    let before = peak_alloc::live();
    pool.install(|| summarise_stream(&s, &cfg, exact, &[], &|_| {}).unwrap());
    peak_alloc::peak() - before
}

#[test]
fn streaming_summaries_hold_constant_memory_in_the_replicates() {
    let small = peak_for(2_000, false);
    let large = peak_for(16_000, false);
    // Eight times the replicates: the sketch's bins may fill in a little
    // (values seen further out in the tails), nothing grows with R.
    assert!(
        (large as f64) < 1.25 * small as f64,
        "sketch: peak {small} bytes at 2,000 replicates, {large} at 16,000"
    );
    let exact_small = peak_for(2_000, true);
    let exact_large = peak_for(16_000, true);
    eprintln!(
        "peak heap over the run: sketch {small} -> {large} bytes, exact {exact_small} -> {exact_large} bytes (2,000 -> 16,000 replicates)"
    );
    // Exact percentiles keep 8 bytes per value per column: the difference is
    // at least 14,000 replicates x 8 bytes x (dozens of columns).
    assert!(
        exact_large - exact_small > 14_000 * 8 * 20,
        "exact: {exact_small} -> {exact_large}"
    );
}
