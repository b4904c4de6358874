//! The fit must not allocate after warm-up (per-replicate hot path). Speed is
//! measured by benches/estimators.rs, not here.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocs, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

use cohortsim::analysis::cox::{CoxModel, Ties};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Data {
    t: Vec<f64>,
    e: Vec<bool>,
    x: Vec<f64>,
    s: Vec<u32>,
}

fn simulate(rng: &mut ChaCha8Rng, n: usize) -> Data {
    let mut d = Data {
        t: vec![],
        e: vec![],
        x: vec![],
        s: vec![],
    };
    for _ in 0..n {
        let arm = rng.gen_bool(0.5) as u8 as f64;
        let age: f64 = rng.gen_range(40.0..80.0);
        let rate = 0.03 * (-0.4 * arm + 0.02 * (age - 60.0)).exp();
        let ev = -rng.gen::<f64>().ln() / rate;
        let cens = rng.gen_range(0.0..60.0);
        d.t.push((ev.min(cens) * 10.0).round() / 10.0);
        d.e.push(ev <= cens);
        d.x.extend_from_slice(&[arm, age]);
        d.s.push(rng.gen_range(0..2));
    }
    d
}

#[test]
fn no_allocation_after_warm_up() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let reps: Vec<Data> = (0..2000).map(|_| simulate(&mut rng, 100)).collect();
    let mut m = CoxModel::new();
    // warm-up at the largest size used below
    m.fit(
        &reps[0].t,
        &reps[0].e,
        &reps[0].x,
        2,
        Some(&reps[0].s),
        Ties::Efron,
    )
    .unwrap();
    let before = allocs();
    let mut sum = 0.0;
    let mut fits = 0usize;
    for d in &reps {
        for (ties, strata) in [(Ties::Efron, None), (Ties::Breslow, Some(d.s.as_slice()))] {
            if let Ok(f) = m.fit(&d.t, &d.e, &d.x, 2, strata, ties) {
                sum += f.lr_chisq + m.coefficients()[0];
                let c = m.coef_summary(0, 0.95).unwrap();
                sum += c.hr_upper;
                fits += 1;
            }
        }
        // smaller inputs reuse the same buffers
        let _ = m.fit(&d.t[..50], &d.e[..50], &d.x[..100], 2, None, Ties::Efron);
        fits += 1;
    }
    let after = allocs();
    assert_eq!(after - before, 0, "allocations in the hot path");
    assert!(sum.is_finite());
    assert!(fits >= 2000, "only {fits} fits succeeded");
}
