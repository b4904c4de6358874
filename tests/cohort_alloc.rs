//! The hot path allocates nothing after warm-up (counted by a per-thread allocator hook),
//! and a rough throughput figure for n = 60.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocs, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[path = "cohort_common/mod.rs"]
mod common;
use cohortsim::cohort::{Cohort, Mode};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn generate_into_allocates_nothing_after_warm_up() {
    for mode in [Mode::Sampled, Mode::Exact] {
        let spec = common::botkin(mode);
        let mut c = Cohort::new();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        spec.generate_into(60, &mut rng, &mut c).unwrap();
        let before = allocs();
        let reps = 20_000;
        let t = std::time::Instant::now();
        for _ in 0..reps {
            spec.generate_into(60, &mut rng, &mut c).unwrap();
        }
        let dt = t.elapsed();
        assert_eq!(allocs() - before, 0, "{mode:?}: allocations after warm-up");
        eprintln!(
            "{mode:?}: {:.0} cohorts of 60 per second (17 covariates)",
            reps as f64 / dt.as_secs_f64()
        );
    }
}
