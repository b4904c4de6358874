//! Each estimator on n = 60, 154 (one arm of issue 7's W1 trial), 300 and
//! 3,000 (a two-group, lightly tied, 30%-censored sample with two covariates):
//! the cost of one call on warm buffers, as the per-replicate path pays it.
//! Figures go in docs/performance.md.

use cohortsim::analysis::parametric::{fit_exponential, fit_weibull};
use cohortsim::analysis::proportion::clopper_pearson;
use cohortsim::analysis::{
    median_followup, rmst, ConfType, CoxModel, KaplanMeier, LogRank, Ties, Weighting,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Sample {
    time: Vec<f64>,
    event: Vec<bool>,
    group: Vec<u32>,
    x: Vec<f64>,
}

fn sample(n: usize) -> Sample {
    let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
    let mut s = Sample {
        time: Vec::new(),
        event: Vec::new(),
        group: Vec::new(),
        x: Vec::new(),
    };
    for i in 0..n {
        let g = (i % 2) as u32;
        let age: f64 = rng.gen_range(40.0..85.0);
        let rate = 0.06 * if g == 1 { 0.6 } else { 1.0 } * (0.02 * (age - 65.0)).exp();
        let t: f64 = -rng.gen::<f64>().ln() / rate;
        let c: f64 = rng.gen_range(0.0..40.0);
        // times to 0.01 months: a few ties, as real data have
        s.time.push((t.min(c) * 100.0).ceil() / 100.0);
        s.event.push(t <= c);
        s.group.push(g);
        s.x.push(g as f64);
        s.x.push(age);
    }
    s
}

fn estimators(c: &mut Criterion) {
    let mut group = c.benchmark_group("estimator");
    for n in [60usize, 154, 300, 3000] {
        let s = sample(n);
        let mut km = KaplanMeier::new();
        group.bench_with_input(BenchmarkId::new("km_fit_median_ci", n), &s, |b, s| {
            b.iter(|| {
                km.fit(&s.time, &s.event);
                km.median(ConfType::Log, 0.95).estimate
            })
        });
        group.bench_with_input(BenchmarkId::new("km_fit", n), &s, |b, s| {
            b.iter(|| {
                km.fit(&s.time, &s.event);
                km.len()
            })
        });
        km.fit(&s.time, &s.event);
        for (name, conf) in [
            ("km_median_plain", ConfType::Plain),
            ("km_median_log", ConfType::Log),
            ("km_median_loglog", ConfType::LogLog),
            ("km_median_logit", ConfType::Logit),
            ("km_median_arcsin", ConfType::Arcsin),
        ] {
            group.bench_with_input(BenchmarkId::new(name, n), &s, |b, _| {
                b.iter(|| km.median(conf, 0.95).lower)
            });
        }
        group.bench_with_input(BenchmarkId::new("km_landmark_12", n), &s, |b, _| {
            b.iter(|| km.survival_at(12.0, ConfType::LogLog, 0.95).map(|l| l.surv))
        });
        group.bench_with_input(BenchmarkId::new("km_median_symmetric", n), &s, |b, _| {
            b.iter(|| km.median_symmetric(0.95).se)
        });
        group.bench_with_input(BenchmarkId::new("rmst_24", n), &s, |b, _| {
            b.iter(|| rmst(&km, 24.0).map(|r| r.se))
        });
        let mut scratch = KaplanMeier::new();
        group.bench_with_input(BenchmarkId::new("followup_reverse_km", n), &s, |b, s| {
            b.iter(|| median_followup(&s.time, &s.event, &mut scratch).estimate)
        });
        let mut lr = LogRank::new();
        group.bench_with_input(BenchmarkId::new("logrank", n), &s, |b, s| {
            b.iter(|| {
                lr.test(&s.time, &s.event, &s.group, 2, None, Weighting::LogRank)
                    .chisq
            })
        });
        let mut cox = CoxModel::new();
        for (name, ties) in [
            ("cox_efron_p2", Ties::Efron),
            ("cox_breslow_p2", Ties::Breslow),
        ] {
            group.bench_with_input(BenchmarkId::new(name, n), &s, |b, s| {
                b.iter(|| {
                    cox.fit(&s.time, &s.event, &s.x, 2, None, ties)
                        .map(|f| f.loglik)
                        .unwrap_or(0.0)
                })
            });
        }
        // Arm only, as a trial's analysis fits it (W1: one dummy, Efron).
        let arm_only: Vec<f64> = s.group.iter().map(|&g| f64::from(g)).collect();
        group.bench_with_input(BenchmarkId::new("cox_efron_p1", n), &s, |b, s| {
            b.iter(|| {
                cox.fit(&s.time, &s.event, &arm_only, 1, None, Ties::Efron)
                    .map(|f| f.loglik)
                    .unwrap_or(0.0)
            })
        });
        group.bench_with_input(BenchmarkId::new("exponential_mle", n), &s, |b, s| {
            b.iter(|| {
                fit_exponential(&s.time, &s.event)
                    .map(|f| f.loglik)
                    .unwrap_or(0.0)
            })
        });
        group.bench_with_input(BenchmarkId::new("weibull_mle", n), &s, |b, s| {
            b.iter(|| {
                fit_weibull(&s.time, &s.event)
                    .map(|f| f.loglik)
                    .unwrap_or(0.0)
            })
        });
        let responders = (n as u64) * 2 / 3;
        group.bench_with_input(BenchmarkId::new("clopper_pearson", n), &n, |b, &n| {
            b.iter(|| {
                clopper_pearson(responders, n as u64, 0.95)
                    .map(|p| p.lower)
                    .unwrap_or(0.0)
            })
        });
    }
    // W1's Cox fit exactly as the per-replicate path calls it.
    let w1 = w1_arms();
    let mut cox = CoxModel::new();
    group.bench_function("cox_efron_w1_arm", |b| {
        b.iter(|| {
            cox.fit(&w1.time, &w1.event, &w1.x, 1, None, Ties::Efron)
                .map(|f| f.loglik)
                .unwrap_or(0.0)
        })
    });
    group.finish();
}

/// Issue 7's W1 trial, as `compare_arms` hands it to the Cox fit: 154
/// experimental (PFS median 11.5 months) and 153 control (6.5) patients,
/// exponential times, uniform accrual over 14 months, cut-off at month 25,
/// loss to follow-up 0.01 per month; rows sorted by time, x the 0/1 arm
/// dummy.
fn w1_arms() -> Sample {
    let mut rng = ChaCha8Rng::seed_from_u64(307);
    let mut rows: Vec<(f64, bool, u32)> = (0..307)
        .map(|i| {
            let g = u32::from(i < 154);
            let median = if g == 1 { 11.5 } else { 6.5 };
            let t = -rng.gen::<f64>().ln() * median / std::f64::consts::LN_2;
            let loss = -rng.gen::<f64>().ln() / 0.01;
            let admin = 25.0 - rng.gen_range(0.0..14.0);
            let c = loss.min(admin);
            (t.min(c), t <= c, g)
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    Sample {
        time: rows.iter().map(|r| r.0).collect(),
        event: rows.iter().map(|r| r.1).collect(),
        group: rows.iter().map(|r| r.2).collect(),
        x: rows.iter().map(|r| f64::from(r.2)).collect(),
    }
}

criterion_group!(benches, estimators);
criterion_main!(benches);
