//! The two-arm fast path of the Cox fit (one 0/1 covariate, sorted rows:
//! W1's per-replicate model) must not allocate after warm-up either.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocs, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

use cohortsim::analysis::cox::{CoxModel, Ties};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn two_arm_fit_does_not_allocate_after_warm_up() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let reps: Vec<(Vec<f64>, Vec<bool>, Vec<f64>)> = (0..500)
        .map(|_| {
            let mut rows: Vec<(f64, bool, f64)> = (0..307)
                .map(|i| {
                    let arm = f64::from(u8::from(i < 154));
                    let t = -rng.gen::<f64>().ln() * if arm == 1.0 { 16.6 } else { 9.4 };
                    // every tenth replicate on a coarse grid: tied times
                    let t = if rng.gen_bool(0.1) { t.ceil() } else { t };
                    let c = 25.0 - rng.gen_range(0.0..14.0);
                    (t.min(c), t <= c, arm)
                })
                .collect();
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            (
                rows.iter().map(|r| r.0).collect(),
                rows.iter().map(|r| r.1).collect(),
                rows.iter().map(|r| r.2).collect(),
            )
        })
        .collect();
    let mut m = CoxModel::new();
    m.fit(&reps[0].0, &reps[0].1, &reps[0].2, 1, None, Ties::Efron)
        .unwrap();
    let before = allocs();
    let mut sum = 0.0;
    for (t, e, x) in &reps {
        for ties in [Ties::Efron, Ties::Breslow] {
            let f = m.fit(t, e, x, 1, None, ties).unwrap();
            sum += f.loglik + m.coef_summary(0, 0.95).unwrap().hr_upper;
        }
        // smaller inputs reuse the same buffers
        let _ = m.fit(&t[..100], &e[..100], &x[..100], 1, None, Ties::Efron);
    }
    assert_eq!(allocs() - before, 0, "allocations in the hot path");
    assert!(sum.is_finite());
}
