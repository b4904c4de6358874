//! The hot path allocates nothing after warm-up (counted by a per-thread allocator hook),
//! and a rough throughput figure for n = 60.

#[path = "cohort_common/mod.rs"]
mod common;
use cohortsim::cohort::{Cohort, Mode};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(|c| c.get())
}

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
