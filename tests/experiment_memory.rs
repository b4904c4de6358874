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
fn streaming_summaries_hold_memory_logarithmic_in_the_replicates() {
    // Chunks are combined along a fixed binary tree (so that shards and
    // resumed runs give the same bits), which holds at most log2(chunks) + 1
    // blocks: memory may grow by a block per doubling of R, never in
    // proportion to R.
    let p2 = peak_for(2_000, false);
    let p16 = peak_for(16_000, false);
    let p128 = peak_for(128_000, false);
    eprintln!(
        "peak heap, sketch: {p2} / {p16} / {p128} bytes at 2,000 / 16,000 / 128,000 replicates"
    );
    // Each factor of 8 adds at most three blocks. Linear growth would make
    // the second step eight times the first; logarithmic keeps them alike.
    let (first, second) = (p16.saturating_sub(p2), p128.saturating_sub(p16));
    assert!(
        (second as f64) < 1.5 * first as f64 + 50_000.0,
        "sketch: peak {p2} -> {p16} -> {p128} bytes"
    );
    assert!(
        (p128 as f64) < 2.5 * p2 as f64,
        "sketch: peak {p2} -> {p128} bytes"
    );
    let exact_small = peak_for(2_000, true);
    let exact_large = peak_for(16_000, true);
    eprintln!(
        "peak heap over the run: exact {exact_small} -> {exact_large} bytes (2,000 -> 16,000 replicates)"
    );
    // Exact percentiles keep 8 bytes per value per column: the difference is
    // at least 14,000 replicates x 8 bytes x (dozens of columns).
    assert!(
        exact_large - exact_small > 14_000 * 8 * 20,
        "exact: {exact_small} -> {exact_large}"
    );
}
