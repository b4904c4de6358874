//! Checks the performance measures and percentile MCSEs against hand-computed
//! values, against R, and against their own Monte Carlo behaviour.

use cohortsim::experiment::performance::{
    proportion, EstimatorOutput, Moments, Performance, PerformanceAccumulator,
};
use cohortsim::experiment::quantiles::QuantileStore;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, StandardNormal};

fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tol {tol})"
    );
}

fn out(est: f64, se: f64, lo: f64, hi: f64) -> EstimatorOutput {
    EstimatorOutput {
        estimate: Some(est),
        se: Some(se),
        lower: Some(lo),
        upper: Some(hi),
    }
}

// ---------------------------------------------------------------------------
// 1. Hand-computed measures
// ---------------------------------------------------------------------------

#[test]
fn hand_computed_measures_and_mcses() {
    let theta = 2.5;
    let mut acc = PerformanceAccumulator::new(theta, Some(0.0));
    // estimate, se, interval       covers 2.5?   excludes 0?   width
    acc.push(&out(1.0, 1.0, -1.0, 3.0)); // yes   no            4
    acc.push(&out(2.0, 1.0, 0.5, 3.5)); //  yes   yes           3
    acc.push(&out(3.0, 2.0, 2.6, 3.4)); //  no    yes           0.8
    acc.push(&out(4.0, 2.0, 3.0, f64::INFINITY)); // no  yes    inf
    acc.push(&out(5.0, 2.0, 1.0, 9.0)); //  yes   yes           8
                                        // Two replicates with nothing usable: count as missing, change no measure.
    acc.push(&EstimatorOutput {
        estimate: None,
        se: None,
        lower: None,
        upper: None,
    });
    acc.push(&EstimatorOutput {
        estimate: Some(f64::NAN),
        se: Some(1.0),
        lower: Some(f64::NAN),
        upper: Some(1.0),
    });
    let p = acc.finish();
    let tol = 1e-12;

    assert_eq!((p.replicates, p.estimated, p.missing), (7, 5, 2));
    assert_eq!((p.intervals, p.infinite_widths), (5, 1));

    // mean = 15/5 = 3; S^2 = (4+1+0+1+4)/4 = 2.5; MCSE = sqrt(2.5/5) = sqrt(0.5).
    let m = p.mean.unwrap();
    assert_close(m.value, 3.0, tol, "mean");
    assert_close(m.mcse, 0.5f64.sqrt(), tol, "mean mcse");
    // bias = 3 - 2.5 = 0.5, same MCSE.
    let b = p.bias.unwrap();
    assert_close(b.value, 0.5, tol, "bias");
    assert_close(b.mcse, 0.5f64.sqrt(), tol, "bias mcse");
    // relative bias = 0.5/2.5 = 0.2, MCSE = sqrt(0.5)/2.5.
    let rb = p.relative_bias.unwrap();
    assert_close(rb.value, 0.2, tol, "relative bias");
    assert_close(rb.mcse, 0.5f64.sqrt() / 2.5, tol, "relative bias mcse");
    // EmpSE = sqrt(2.5) = 1.5811; MCSE = sqrt(2.5)/sqrt(2*4) = 0.5590.
    let e = p.emp_se.unwrap();
    assert_close(e.value, 2.5f64.sqrt(), tol, "empse");
    assert_close(e.mcse, 2.5f64.sqrt() / 8f64.sqrt(), tol, "empse mcse");
    // errors -1.5,-0.5,0.5,1.5,2.5; squared 2.25,0.25,0.25,2.25,6.25, sum 11.25
    // MSE = 2.25 (= bias^2 + (n-1)/n S^2 = 0.25 + 2).
    // e^2 - MSE = 0,-2,-2,0,4; squares sum 24; MCSE = sqrt(24/(5*4)) = sqrt(1.2).
    let mse = p.mse.unwrap();
    assert_close(mse.value, 2.25, tol, "mse");
    assert_close(mse.mcse, 1.2f64.sqrt(), tol, "mse mcse");
    // RMSE = 1.5, MCSE = sqrt(1.2)/(2*1.5) = 0.3651.
    let r = p.rmse.unwrap();
    assert_close(r.value, 1.5, tol, "rmse");
    assert_close(r.mcse, 1.2f64.sqrt() / 3.0, tol, "rmse mcse");
    // se^2 = 1,1,4,4,4; mean 2.8; ModSE = sqrt(2.8) = 1.6733.
    // Var(se^2): deviations -1.8,-1.8,1.2,1.2,1.2 -> 3.24*2+1.44*3 = 10.8, /4 = 2.7.
    // MCSE = sqrt(2.7 / (4*5*2.8)) = sqrt(2.7/56) = 0.21958.
    let ms = p.mod_se.unwrap();
    assert_close(ms.value, 2.8f64.sqrt(), tol, "modse");
    assert_close(ms.mcse, (2.7f64 / 56.0).sqrt(), tol, "modse mcse");
    // Relative error = 100 (sqrt(2.8)/sqrt(2.5) - 1) = 100 (sqrt(1.12) - 1) = 5.830.
    // MCSE = 100 sqrt(1.12) sqrt( 2.7/(4*5*2.8^2) + 1/(2*4) )
    //      = 100 * 1.0583 * sqrt(2.7/156.8 + 0.125) = 39.911.
    let re = p.rel_error_mod_se.unwrap();
    assert_close(re.value, 100.0 * (1.12f64.sqrt() - 1.0), 1e-10, "relerr");
    let want = 100.0 * 1.12f64.sqrt() * (2.7 / 156.8 + 0.125f64).sqrt();
    assert_close(re.mcse, want, 1e-10, "relerr mcse");
    assert_close(re.mcse, 39.9107, 1e-4, "relerr mcse (decimal)");
    // Coverage 3/5 = 0.6, MCSE sqrt(.6*.4/5) = sqrt(0.048).
    let c = p.coverage.unwrap();
    assert_close(c.value, 0.6, tol, "coverage");
    assert_close(c.mcse, 0.048f64.sqrt(), tol, "coverage mcse");
    // Rejection 4/5 = 0.8, MCSE sqrt(.8*.2/5) = sqrt(0.032).
    let rj = p.rejection.unwrap();
    assert_close(rj.value, 0.8, tol, "rejection");
    assert_close(rj.mcse, 0.032f64.sqrt(), tol, "rejection mcse");
    // Finite widths 4, 3, 0.8, 8: mean 15.8/4 = 3.95; deviations
    // .05,-.95,-3.15,4.05 -> squares sum 27.23, var 27.23/3, MCSE sd/sqrt(4).
    let w = p.mean_width.unwrap();
    assert_close(w.value, 3.95, tol, "width");
    assert_close(w.mcse, (27.23f64 / 3.0).sqrt() / 2.0, tol, "width mcse");
    assert_eq!(p.rejected_merges, 0);

    // JSON: every measure is an object of two numbers; theta serialises too.
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["coverage"]["value"], serde_json::json!(0.6));
    assert_eq!(json["theta"], serde_json::json!(2.5));
}

#[test]
fn measure_serialises_non_finite_as_null() {
    let m = cohortsim::experiment::performance::Measure {
        value: f64::INFINITY,
        mcse: f64::NAN,
    };
    assert_eq!(
        serde_json::to_string(&m).unwrap(),
        r#"{"value":null,"mcse":null}"#
    );
}

// ---------------------------------------------------------------------------
// 2. Merge equals sequential push; fixed order is bit-identical
// ---------------------------------------------------------------------------

fn random_outputs(n: usize, seed: u64) -> Vec<EstimatorOutput> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let z: f64 = rng.sample(StandardNormal);
            let est = 0.3 + 0.7 * z;
            let se = 0.5 + 0.4 * rng.gen::<f64>();
            let upper = if rng.gen::<f64>() < 0.05 {
                f64::INFINITY
            } else {
                est + 1.96 * se
            };
            let missing = rng.gen::<f64>() < 0.02;
            EstimatorOutput {
                estimate: (!missing).then_some(est),
                se: Some(se),
                lower: Some(est - 1.96 * se),
                upper: Some(upper),
            }
        })
        .collect()
}

fn measures(p: &Performance) -> Vec<f64> {
    [
        p.mean,
        p.bias,
        p.relative_bias,
        p.emp_se,
        p.mse,
        p.rmse,
        p.mod_se,
        p.rel_error_mod_se,
        p.coverage,
        p.mean_width,
        p.rejection,
    ]
    .iter()
    .flat_map(|m| {
        let m = m.expect("all measures defined for 10_000 replicates");
        [m.value, m.mcse]
    })
    .collect()
}

#[test]
fn merge_equals_sequential_push() {
    let data = random_outputs(10_000, 7);
    let mut seq = PerformanceAccumulator::new(0.3, Some(0.0));
    for o in &data {
        seq.push(o);
    }
    // Random chunking, merged left to right.
    let merged = || {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let mut total = PerformanceAccumulator::new(0.3, Some(0.0));
        let mut i = 0;
        while i < data.len() {
            let len = rng.gen_range(1..1500).min(data.len() - i);
            let mut chunk = PerformanceAccumulator::new(0.3, Some(0.0));
            for o in &data[i..i + len] {
                chunk.push(o);
            }
            total.merge(&chunk);
            i += len;
        }
        total.finish()
    };
    let a = seq.finish();
    let b = merged();
    assert_eq!(
        (a.replicates, a.estimated, a.intervals, a.infinite_widths),
        (b.replicates, b.estimated, b.intervals, b.infinite_widths)
    );
    assert!(a.missing > 0 && a.infinite_widths > 0);
    for (x, y) in measures(&a).into_iter().zip(measures(&b)) {
        assert!(
            (x - y).abs() <= 1e-12 * x.abs().max(1e-3),
            "sequential {x} vs merged {y}"
        );
    }
    // Same merge order -> bit-identical.
    let c = merged();
    let bits = |p: &Performance| measures(p).iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&b), bits(&c));
    assert_eq!(b, c);
}

#[test]
fn moments_merge_matches_single_pass() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let xs: Vec<f64> = (0..10_000).map(|_| 1e6 + rng.gen::<f64>()).collect();
    let mut all = Moments::new();
    xs.iter().for_each(|&x| all.push(x));
    let split = rng.gen_range(1..xs.len());
    let (mut a, mut b) = (Moments::new(), Moments::new());
    xs[..split].iter().for_each(|&x| a.push(x));
    xs[split..].iter().for_each(|&x| b.push(x));
    a.merge(&b);
    assert_eq!(a.n(), all.n());
    let (va, vall) = (a.variance().unwrap(), all.variance().unwrap());
    assert!((va - vall).abs() <= 1e-9 * vall, "{va} vs {vall}");
    // Uniform(0,1) variance is 1/12 despite the 1e6 offset.
    assert!((vall - 1.0 / 12.0).abs() < 0.005, "{vall}");
    assert!((a.mean().unwrap() - all.mean().unwrap()).abs() <= 1e-12 * 1e6);
}

// ---------------------------------------------------------------------------
// 3. Coverage / rejection MCSE is the binomial closed form
// ---------------------------------------------------------------------------

#[test]
fn coverage_mcse_is_binomial_closed_form() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let n = 10_000u64;
    let mut acc = PerformanceAccumulator::new(0.0, Some(5.0));
    let (mut covered, mut rejected) = (0u64, 0u64);
    for _ in 0..n {
        // Covers theta = 0 with probability 0.9; excludes null = 5 w.p. 0.3.
        let covers = rng.gen::<f64>() < 0.9;
        let rejects = rng.gen::<f64>() < 0.3;
        covered += covers as u64;
        rejected += rejects as u64;
        let lo = if covers { -1.0 } else { 1.0 };
        let hi = if rejects { 4.0 } else { 6.0 };
        acc.push(&out(0.0, 1.0, lo, hi));
    }
    let p = acc.finish();
    let c = p.coverage.unwrap();
    let ch = covered as f64 / n as f64;
    assert_eq!(c.value, ch);
    assert_close(c.mcse, (ch * (1.0 - ch) / n as f64).sqrt(), 1e-15, "cov");
    let r = p.rejection.unwrap();
    let rh = rejected as f64 / n as f64;
    assert_eq!(r.value, rh);
    assert_close(r.mcse, (rh * (1.0 - rh) / n as f64).sqrt(), 1e-15, "rej");
    assert_eq!(proportion(covered, n), Some(c));
    // Sanity that the draws were not degenerate.
    assert!((ch - 0.9).abs() < 0.02 && (rh - 0.3).abs() < 0.03);
}

// ---------------------------------------------------------------------------
// 4. The MCSEs describe the actual Monte Carlo variability
// ---------------------------------------------------------------------------

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let mut m = Moments::new();
    xs.iter().for_each(|&x| m.push(x));
    (m.mean().unwrap(), m.sd().unwrap())
}

/// 2000 independent simulation studies of 200 replicates each. A replicate is a
/// trial of k = 10 N(mu, sigma^2) observations analysed by its mean, the usual
/// SE and a t interval. Within 2000 studies the SD of a reported measure is
/// known to ~1/sqrt(2*1999) = 1.6%, so a 10% band (about 6 SDs) fails only if
/// an MCSE formula is wrong, not by chance; the seed is fixed anyway.
#[test]
fn mcse_matches_monte_carlo_spread() {
    const STUDIES: usize = 2000;
    const REPS: usize = 200;
    const K: usize = 10;
    const MU: f64 = 0.8;
    const SIGMA: f64 = 2.0;
    // qt(0.975, 9) in R.
    const T975_9: f64 = 2.262_157_162_798_205;
    let mut rng = ChaCha8Rng::seed_from_u64(2019);
    let mut results: Vec<Performance> = Vec::with_capacity(STUDIES);
    for _ in 0..STUDIES {
        let mut acc = PerformanceAccumulator::new(MU, Some(0.0));
        for _ in 0..REPS {
            let mut m = Moments::new();
            for _ in 0..K {
                let z: f64 = rng.sample(StandardNormal);
                m.push(MU + SIGMA * z);
            }
            let est = m.mean().unwrap();
            let se = m.sd().unwrap() / (K as f64).sqrt();
            acc.push(&out(est, se, est - T975_9 * se, est + T975_9 * se));
        }
        results.push(acc.finish());
    }
    type Pick = fn(&Performance) -> Option<cohortsim::experiment::performance::Measure>;
    let checks: [(&str, Pick); 9] = [
        ("bias", |p| p.bias),
        ("emp_se", |p| p.emp_se),
        ("coverage", |p| p.coverage),
        ("rejection", |p| p.rejection),
        ("mse", |p| p.mse),
        ("rmse", |p| p.rmse),
        ("mod_se", |p| p.mod_se),
        ("rel_error_mod_se", |p| p.rel_error_mod_se),
        ("mean_width", |p| p.mean_width),
    ];
    for (name, pick) in checks {
        let values: Vec<f64> = results.iter().map(|p| pick(p).unwrap().value).collect();
        let mcses: Vec<f64> = results.iter().map(|p| pick(p).unwrap().mcse).collect();
        let (_, sd_values) = mean_sd(&values);
        let (mean_mcse, _) = mean_sd(&mcses);
        let ratio = mean_mcse / sd_values;
        eprintln!(
            "{name}: SD across studies {sd_values:.6}, mean MCSE {mean_mcse:.6}, ratio {ratio:.4}"
        );
        assert!(
            (ratio - 1.0).abs() < 0.10,
            "{name}: mean MCSE {mean_mcse} vs empirical SD {sd_values} (ratio {ratio})"
        );
    }
    // The coverage itself should be nominal, which checks the intervals fed in.
    let (cov, _) = mean_sd(
        &results
            .iter()
            .map(|p| p.coverage.unwrap().value)
            .collect::<Vec<_>>(),
    );
    assert!((cov - 0.95).abs() < 0.002, "coverage {cov}");
}

// ---------------------------------------------------------------------------
// 5. Quantiles
// ---------------------------------------------------------------------------

fn store_of(mut s: QuantileStore, xs: &[f64]) -> QuantileStore {
    for &x in xs {
        s.push(x);
    }
    s
}

#[test]
fn exact_mode_matches_r_type7() {
    let inf = f64::INFINITY;
    // Each case: data, p, and R 4.2.2's quantile(x, p) printed with
    // options(digits = 17), which round-trips: the implementation follows R's
    // arithmetic, so equality is asserted to the bit, not to a tolerance.
    // (Where R printed e.g. 1.1000000000000001, that is the double 1.1 and is
    // written here as its shortest literal.)
    let cases: &[(&[f64], f64, f64)] = &[
        // quantile(c(1,2,4,8,16), c(.025,.5,.975,0,1)) = 1.1, 4, 15.2, 1, 16
        (&[1.0, 2.0, 4.0, 8.0, 16.0], 0.025, 1.1),
        (&[16.0, 8.0, 4.0, 2.0, 1.0], 0.5, 4.0),
        (&[1.0, 2.0, 4.0, 8.0, 16.0], 0.975, 15.200_000_000_000_003),
        (&[1.0, 2.0, 4.0, 8.0, 16.0], 0.0, 1.0),
        (&[1.0, 2.0, 4.0, 8.0, 16.0], 1.0, 16.0),
        // quantile(c(3, -1, 10, 7), c(.1, .33)) = 0.2, 2.96
        (&[3.0, -1.0, 10.0, 7.0], 0.1, 0.200_000_000_000_000_18),
        (&[3.0, -1.0, 10.0, 7.0], 0.33, 2.96),
        // quantile(c(1,2,3,Inf), c(.5,.6,.9)) = 2.5, 2.8, Inf
        (&[1.0, 2.0, 3.0, inf], 0.5, 2.5),
        (&[1.0, 2.0, 3.0, inf], 0.6, 2.8),
        (&[inf, 1.0, 2.0, 3.0], 0.9, inf),
        // quantile(c(-Inf,1,2), c(.25,.5)) = -Inf, 1
        (&[-inf, 1.0, 2.0], 0.25, -inf),
        (&[2.0, -inf, 1.0], 0.5, 1.0),
        // quantile(c(1,Inf,Inf), c(.75, .25)) = Inf, Inf
        (&[inf, 1.0, inf], 0.75, inf),
        (&[inf, 1.0, inf], 0.25, inf),
    ];
    for &(xs, p, want) in cases {
        let got = store_of(QuantileStore::exact(), xs).quantile(p);
        assert_eq!(got, Some(want), "{xs:?} p={p}");
    }
    // quantile(c(-Inf, Inf), .5) is NaN in R: no quantile here.
    let s = store_of(QuantileStore::exact(), &[f64::NEG_INFINITY, f64::INFINITY]);
    assert_eq!(s.quantile(0.5), None);
    // A vector with NaN: NaN is dropped (na.rm = TRUE) and counted.
    let s = store_of(
        QuantileStore::exact(),
        &[1.0, f64::NAN, 2.0, 4.0, 8.0, 16.0],
    );
    assert_eq!((s.count(), s.missing()), (5, 1));
    assert_eq!(s.quantile(0.975), Some(15.200_000_000_000_003), "with NaN");
    // prepare() changes nothing but speed.
    let mut t = s.clone();
    t.prepare();
    assert_eq!(t.quantile(0.3), s.quantile(0.3));
}

/// (name, values, absolute tolerance). Only data crossing zero needs an
/// absolute term: interpolating between neighbours of opposite sign can land
/// near zero, where a relative bound means nothing.
fn datasets() -> Vec<(&'static str, Vec<f64>, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let ln = LogNormal::new(0.0, 1.5).unwrap();
    let lognormal: Vec<f64> = (0..100_000).map(|_| ln.sample(&mut rng)).collect();
    let negative: Vec<f64> = (0..100_000).map(|_| -ln.sample(&mut rng)).collect();
    // Normal values crossing zero, exact zeros, and p-value-like magnitudes
    // down to ~1e-12.
    let mixed: Vec<f64> = (0..100_000)
        .map(|i| match i % 4 {
            0 => rng.sample::<f64, _>(StandardNormal) * 3.0,
            1 => 0.0,
            2 => 10f64.powf(-12.0 * rng.gen::<f64>()),
            _ => -ln.sample(&mut rng),
        })
        .collect();
    // p-values spread log-uniformly over 1e-12 .. 1.
    let pvalues: Vec<f64> = (0..100_000)
        .map(|_| 10f64.powf(-12.0 * rng.gen::<f64>()))
        .collect();
    vec![
        ("lognormal", lognormal, 0.0),
        ("negative", negative, 0.0),
        ("pvalues", pvalues, 0.0),
        ("mixed", mixed, 1e-6),
    ]
}

const PS: [f64; 15] = [
    0.0, 0.001, 0.01, 0.025, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.975, 0.99, 0.999, 1.0,
];

#[test]
fn sketch_tracks_exact_within_one_percent() {
    for (name, xs, abs_tol) in datasets() {
        let exact = store_of(QuantileStore::exact(), &xs);
        let sketch = store_of(QuantileStore::sketch(), &xs);
        assert_eq!(exact.count(), sketch.count());
        let mut worst = 0.0f64;
        for p in PS {
            let e = exact.quantile(p).unwrap();
            let s = sketch.quantile(p).unwrap();
            // 1% relative; the 1e-6 absolute allowance for the mixed data is
            // far below the ~1e-5 spacing of its order statistics near zero.
            assert!(
                (s - e).abs() <= 0.01 * e.abs() + abs_tol,
                "{name} p={p}: sketch {s} vs exact {e}"
            );
            if e != 0.0 {
                worst = worst.max((s - e).abs() / e.abs());
            }
        }
        eprintln!("{name}: worst relative error {worst:.5}");
    }
}

#[test]
fn sketch_merge_equals_sketch_of_all_values() {
    for (name, xs, _) in datasets() {
        let whole = store_of(QuantileStore::sketch(), &xs);
        let split = xs.len() / 3;
        let mut a = store_of(QuantileStore::sketch(), &xs[..split]);
        let b = store_of(QuantileStore::sketch(), &xs[split..]);
        a.merge(&b);
        let mut b2 = store_of(QuantileStore::sketch(), &xs[split..]);
        b2.merge(&store_of(QuantileStore::sketch(), &xs[..split]));
        assert_eq!(a.count(), whole.count());
        for p in PS {
            assert_eq!(a.quantile(p), whole.quantile(p), "{name} p={p}");
            assert_eq!(b2.quantile(p), whole.quantile(p), "{name} p={p} (reversed)");
        }
        // Exact merge likewise equals the exact store of all values.
        let mut ea = store_of(QuantileStore::exact(), &xs[..split]);
        ea.merge(&store_of(QuantileStore::exact(), &xs[split..]));
        let ew = store_of(QuantileStore::exact(), &xs);
        for p in PS {
            assert_eq!(ea.quantile(p), ew.quantile(p), "{name} exact p={p}");
        }
    }
}

#[test]
fn infinite_values_are_ranked_in_both_modes() {
    // 90 finite values 1..=90, 8 "not reached" (+inf), 2 -inf, 3 NaN.
    let mut xs: Vec<f64> = (1..=90).map(f64::from).collect();
    xs.extend([f64::INFINITY; 8]);
    xs.extend([f64::NEG_INFINITY; 2]);
    xs.extend([f64::NAN; 3]);
    for s in [QuantileStore::exact(), QuantileStore::sketch()] {
        let s = store_of(s, &xs);
        assert_eq!(s.count(), 100);
        assert_eq!((s.n_pos_inf(), s.n_neg_inf(), s.missing()), (8, 2, 3));
        // n = 100: index = 1 + 99 p. Sorted: -inf,-inf,1..90,inf x8.
        // p = 0.5: index 50.5 -> ranks 50, 51 -> values 48, 49 -> 48.5.
        let tol = |v: f64| 0.01 * v.abs() + 1e-12;
        let q = s.quantile(0.5).unwrap();
        assert_close(q, 48.5, tol(48.5), "median");
        // p = 0.95: index 95.05 -> rank 95 = +inf (ranks 93..100 are +inf).
        assert_eq!(s.quantile(0.95), Some(f64::INFINITY));
        // p = 0.915: index 91.585 -> ranks 91 (=89), 92 (=90) -> 89.585.
        assert_close(s.quantile(0.915).unwrap(), 89.585, tol(89.585), "p=.915");
        // p = 0.92: index 92.08 -> ranks 92 (=90), 93 (=inf) -> inf.
        assert_eq!(s.quantile(0.92), Some(f64::INFINITY));
        // p = 0.005: index 1.495 -> -inf, -inf.
        assert_eq!(s.quantile(0.005), Some(f64::NEG_INFINITY));
        // p = 0.015: index 2.485 -> -inf and 1 -> -inf.
        assert_eq!(s.quantile(0.015), Some(f64::NEG_INFINITY));
        // MCSE at p = 0.9: d = 1.96 sqrt(100*.09) = 5.88 ranks -> p_hi = .9588,
        // among +inf -> unbounded MCSE; serialises as null.
        // The value itself: index 90.1 -> ranks 90 (=88), 91 (=89) -> 88.1.
        let m = s.quantile_with_mcse(0.9).unwrap();
        assert_close(m.value, 88.1, tol(88.1), "p=.9");
        assert_eq!(m.mcse, f64::INFINITY);
        assert_eq!(
            serde_json::to_value(m).unwrap()["mcse"],
            serde_json::Value::Null
        );
        // MCSE at the median is finite: p_lo = .5 - .098, p_hi = .598 ->
        // index 40.798 -> 38.798 and 60.202 -> 58.202; (58.202-38.798)/3.92.
        let m = s.quantile_with_mcse(0.5).unwrap();
        let want = (58.202 - 38.798) / (2.0 * 1.959_963_984_540_054);
        assert_close(m.mcse, want, 0.02 * want, "median mcse");
    }
}

#[test]
fn percentile_mcse_matches_asymptotic_normal_value() {
    // sqrt(p(1-p)/n)/phi(0) at p = .5, n = 10_000: 0.005/0.398942 = 0.012533.
    // The two order statistics ~98 ranks either side of the median are each
    // known to ~7%, so 15% is a real check.
    let want = (0.25f64 / 10_000.0).sqrt() / (1.0 / (2.0 * std::f64::consts::PI).sqrt());
    assert_close(want, 0.012533, 1e-6, "asymptotic value");
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let xs: Vec<f64> = (0..10_000).map(|_| rng.sample(StandardNormal)).collect();
    for s in [QuantileStore::exact(), QuantileStore::sketch()] {
        let s = store_of(s, &xs);
        let m = s.quantile_with_mcse(0.5).unwrap();
        eprintln!("exact={} median {} mcse {}", s.is_exact(), m.value, m.mcse);
        assert!(
            (m.mcse / want - 1.0).abs() < 0.15,
            "mcse {} vs asymptotic {want}",
            m.mcse
        );
        assert!(m.value.abs() < 3.0 * want, "median {}", m.value);
    }
}
