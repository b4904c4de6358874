//! Replicates per second through the whole per-replicate pipeline and the
//! streaming aggregate (what `cohortsim run --no-replicates-csv` does, less
//! the true values), on 1 and 2 threads: the issue 7 targets (W1 >= 50,000/s,
//! W2 >= 100,000/s on this 2-core machine) and the thread scaling in
//! docs/performance.md.

use cohortsim::experiment::stream::summarise_stream;
use cohortsim::scenario;
use cohortsim::sim::RunConfig;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;

const REPLICATES: u64 = 4096;

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("throughput");
    group.sample_size(10);
    group.throughput(Throughput::Elements(REPLICATES));
    for (label, file) in [
        ("w1", "scenarios/bench-w1.toml"),
        ("w2-botkin", "scenarios/botkin-isapd-2024.toml"),
    ] {
        let s = scenario::load(Path::new(file)).expect("shipped scenario");
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut seed = 0u64;
            group.bench_with_input(BenchmarkId::new(label, threads), &threads, |b, _| {
                b.iter(|| {
                    seed += 1;
                    let cfg = RunConfig {
                        replicates: REPLICATES,
                        seed,
                        n: s.n,
                    };
                    pool.install(|| summarise_stream(&s, &cfg, false, &[], &|_| {}).unwrap())
                        .1
                        .len()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
