//! The hot path allocates nothing after warm-up (counted by a per-thread allocator hook);
//! speed is measured by benches/replicate.rs, not here.

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
        for _ in 0..2_000 {
            spec.generate_into(60, &mut rng, &mut c).unwrap();
        }
        assert_eq!(allocs() - before, 0, "{mode:?}: allocations after warm-up");
    }
}
