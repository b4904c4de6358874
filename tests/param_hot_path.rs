//! The RMST / parametric / proportion estimators in the per-replicate hot
//! path: no heap allocation after warm-up, and no panic on odd input.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocs, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

use cohortsim::analysis::parametric::{fit_exponential, fit_weibull};
use cohortsim::analysis::proportion::{clopper_pearson, response_rate};
use cohortsim::analysis::rmst::{rmst, rmst_difference, rmst_from_data};
use cohortsim::analysis::KaplanMeier;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn cohort(rng: &mut ChaCha8Rng, n: usize, time: &mut Vec<f64>, event: &mut Vec<bool>) {
    time.clear();
    event.clear();
    for _ in 0..n {
        let t: f64 = -30.0 * (1.0 - rng.gen::<f64>()).ln();
        let c: f64 = rng.gen_range(1.0..60.0);
        // Round to whole months so there are plenty of ties.
        time.push(t.min(c).ceil());
        event.push(t <= c);
    }
}

#[test]
fn no_allocation_after_warm_up() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut time, mut event) = (Vec::with_capacity(400), Vec::with_capacity(400));
    let mut km = KaplanMeier::with_capacity(400);
    let mut km_b = KaplanMeier::with_capacity(400);
    let mut checksum = 0.0;
    let mut run = |rng: &mut ChaCha8Rng| {
        cohort(rng, 400, &mut time, &mut event);
        let a = rmst_from_data(&time[..200], &event[..200], 24.0, &mut km).unwrap();
        km_b.fit(&time[200..], &event[200..]);
        let b = rmst(&km_b, 24.0).unwrap();
        let d = rmst_difference(&a, &b);
        let e = fit_exponential(&time, &event).unwrap();
        let w = fit_weibull(&time, &event).unwrap();
        let p = response_rate(&event, 0.95).unwrap();
        checksum += d.p + e.median().se + w.median().se + w.quantile(0.1).unwrap().se + p.upper;
    };
    run(&mut rng); // warm-up
    let before = allocs();
    for _ in 0..50 {
        run(&mut rng);
    }
    assert_eq!(allocs() - before, 0, "hot path allocated");
    assert!(checksum.is_finite());
}

#[test]
fn odd_inputs_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut km = KaplanMeier::new();
    let specials = [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-300, 1e300, 5.0];
    for round in 0..3000 {
        let n = rng.gen_range(0..8);
        let time: Vec<f64> = (0..n)
            .map(|_| {
                if rng.gen_bool(0.2) {
                    specials[rng.gen_range(0..specials.len())]
                } else {
                    rng.gen_range(1..6) as f64
                }
            })
            .collect();
        let event: Vec<bool> = (0..rng.gen_range(0..9))
            .map(|_| rng.gen_bool(0.5))
            .collect();
        let tau = [0.0, 1.0, 3.0, 10.0, f64::NAN, -2.0, 1e300][round % 7];
        let r = rmst_from_data(&time, &event, tau, &mut km);
        if let Some(r) = r {
            let _ = rmst_difference(&r, &r);
        }
        let _ = fit_exponential(&time, &event).map(|f| f.median());
        match fit_weibull(&time, &event) {
            Ok(f) => {
                let _ = (f.median(), f.quantile(0.3));
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        let (x, m) = (rng.gen_range(0..6u64), rng.gen_range(0..6u64));
        let _ = clopper_pearson(x, m, [0.95, 0.0, 1.0, f64::NAN, 0.5][round % 5]);
    }
    // Big cohorts with extreme proportions still give sane intervals.
    let p = clopper_pearson(1, 1_000_000, 0.95).unwrap();
    assert!(p.lower > 0.0 && p.lower < 1e-6 && p.upper < 1e-5);
}
