//! The per-replicate functions allocate nothing once their buffers are warm.
//!
//! A counting global allocator records allocations made on the current thread
//! while a thread-local flag is set (other test threads are not counted).

use cohortsim::design::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    // try_with: never panic inside the allocator (e.g. during TLS teardown).
    let _ = ACTIVE.try_with(|a| {
        if a.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note();
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        note();
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count_allocs(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(0));
    ACTIVE.with(|a| a.set(true));
    f();
    ACTIVE.with(|a| a.set(false));
    COUNT.with(|c| c.get())
}

#[test]
fn hot_path_is_allocation_free_after_warm_up() {
    let n = 600;
    let acc = Accrual::new(24.0, AccrualShape::Ramp { ramp_months: 6.0 }).unwrap();
    let alloc = Allocation::blocked(vec![2, 1], 6).unwrap();
    let designs = [
        ObservationDesign::new(
            Schedule::every_weeks(4.0).unwrap(),
            0.01,
            Cutoff::calendar(40.0).unwrap(),
            true,
        )
        .unwrap(),
        ObservationDesign::new(
            Schedule::every_weeks(4.0).unwrap(),
            0.01,
            Cutoff::after_events(200, Endpoint::Pfs).unwrap(),
            false,
        )
        .unwrap(),
        ObservationDesign::new(
            Schedule::Continuous,
            0.0,
            Cutoff::min_followup(12.0).unwrap(),
            false,
        )
        .unwrap(),
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let strata: Vec<u32> = (0..n as u32).map(|i| i % 4).collect();
    let prog: Vec<f64> = (0..n).map(|i| 1.0 + (i % 37) as f64).collect();
    let death: Vec<f64> = (0..n).map(|i| 2.0 + (i % 53) as f64).collect();
    let (mut entry, mut arms, mut scratch, mut obs, mut buf) = (
        Vec::new(),
        Vec::new(),
        AllocationScratch::new(),
        Observed::new(),
        Vec::new(),
    );
    let mut run = |rng: &mut ChaCha8Rng| {
        acc.fill_sorted_entries(n, rng, &mut entry);
        alloc
            .allocate_into(&strata, 4, rng, &mut arms, &mut scratch)
            .unwrap();
        for d in &designs {
            d.observe_into(&entry, &prog, &death, rng, &mut obs, &mut buf)
                .unwrap();
        }
    };
    run(&mut rng); // warm-up
    let allocations = count_allocs(|| {
        for _ in 0..100 {
            run(&mut rng);
        }
    });
    assert_eq!(allocations, 0);
}
