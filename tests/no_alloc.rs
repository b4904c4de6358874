//! The per-replicate hot path must not touch the heap once buffers are warm.
//! A counting global allocator (per thread, so the test harness's own
//! allocations on other threads do not interfere) checks that.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocs, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

use cohortsim::analysis::{median_followup, ConfType, KaplanMeier};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn cohort(rng: &mut ChaCha8Rng, n: usize, time: &mut Vec<f64>, event: &mut Vec<bool>) {
    time.clear();
    event.clear();
    for _ in 0..n {
        let death = -30.0 * rng.gen::<f64>().ln();
        let cens = 60.0 * rng.gen::<f64>();
        // Month-rounded, as registries report, so there are ties.
        time.push(death.min(cens).ceil());
        event.push(death <= cens);
    }
}

#[test]
fn refit_and_summaries_do_not_allocate_after_warm_up() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut time, mut event) = (Vec::with_capacity(400), Vec::with_capacity(400));
    let mut km = KaplanMeier::new();
    let mut scratch = KaplanMeier::new();

    // Warm-up at the largest size.
    cohort(&mut rng, 400, &mut time, &mut event);
    km.fit(&time, &event);
    median_followup(&time, &event, &mut scratch);

    let before = allocs();
    let mut sink = 0.0;
    let reps = 2_000;
    for r in 0..reps {
        cohort(&mut rng, 100 + r % 300, &mut time, &mut event);
        km.fit(&time, &event);
        for conf in ConfType::ALL {
            let q = km.median(conf, 0.95);
            sink += q.estimate.unwrap_or(0.0) + q.lower.unwrap_or(0.0);
            if let Some(lm) = km.survival_at(24.0, conf, 0.95) {
                sink += lm.surv;
            }
        }
        sink += km.median_symmetric(0.95).se.unwrap_or(0.0);
        sink += median_followup(&time, &event, &mut scratch)
            .estimate
            .unwrap_or(0.0);
    }
    assert_eq!(allocs() - before, 0, "heap allocations in the hot path");
    assert!(sink.is_finite());
}
