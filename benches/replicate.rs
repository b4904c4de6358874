//! The per-replicate path, whole and by stage (covariates; covariates, design
//! and outcomes; reanalysis), for issue 7's benchmark W1 (bench-w1.toml) and
//! the shipped scenarios, and W1's design at n from 100 to 10,000 (scaling).
//! Figures go in docs/performance.md.

use cohortsim::cohort::Cohort;
use cohortsim::scenario;
use cohortsim::sim::{columns, replicate_rng, simulate_into, Analyser, Workspace};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::path::Path;

fn replicate(c: &mut Criterion) {
    for file in [
        "scenarios/bench-w1.toml",
        "scenarios/botkin-isapd-2024.toml",
        "scenarios/icaria-mm.toml",
    ] {
        let s = scenario::load(Path::new(file)).expect("shipped scenario");
        let name = s.meta.name.clone();
        let cols = columns(&s);
        let mut ws = Workspace::new();
        let mut an = Analyser::new();
        let mut row = vec![0.0; cols.len()];
        let mut r = 0u64;
        c.bench_function(&format!("replicate/{name}"), |b| {
            b.iter(|| {
                let mut rng = replicate_rng(1, r);
                r += 1;
                simulate_into(&s, s.n, &mut rng, &mut ws).unwrap();
                an.analyse(&s, &ws, &cols, &mut row);
                row[0]
            })
        });
        let mut cohort = Cohort::new();
        c.bench_function(&format!("stage/covariates/{name}"), |b| {
            b.iter(|| {
                let mut rng = replicate_rng(1, r);
                r += 1;
                s.cohort
                    .generate_into(s.n, &mut rng, &mut cohort)
                    .unwrap()
                    .screened
            })
        });
        c.bench_function(&format!("stage/simulate/{name}"), |b| {
            b.iter(|| {
                let mut rng = replicate_rng(1, r);
                r += 1;
                simulate_into(&s, s.n, &mut rng, &mut ws).unwrap();
                ws.entry[0]
            })
        });
        simulate_into(&s, s.n, &mut replicate_rng(1, 0), &mut ws).unwrap();
        c.bench_function(&format!("stage/analyse/{name}"), |b| {
            b.iter(|| {
                an.analyse(&s, &ws, &cols, &mut row);
                row[0]
            })
        });
    }
}

/// W1's design (simulate + analyse) at other cohort sizes: how one
/// replicate's cost grows with n.
fn scaling(c: &mut Criterion) {
    let s = scenario::load(Path::new("scenarios/bench-w1.toml")).expect("shipped scenario");
    let cols = columns(&s);
    let mut ws = Workspace::new();
    let mut an = Analyser::new();
    let mut row = vec![0.0; cols.len()];
    let mut group = c.benchmark_group("scaling/bench-w1");
    for n in [100usize, 300, 1_000, 3_000, 10_000] {
        let mut r = 0u64;
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let mut rng = replicate_rng(1, r);
                r += 1;
                simulate_into(&s, n, &mut rng, &mut ws).unwrap();
                an.analyse(&s, &ws, &cols, &mut row);
                row[0]
            })
        });
    }
    group.finish();
}

criterion_group!(benches, replicate, scaling);
criterion_main!(benches);
