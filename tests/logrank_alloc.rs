//! `LogRank::test` does not allocate once its buffers are warm.
//! (Own test binary: installs a counting global allocator.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use cohortsim::analysis::logrank::{LogRank, Weighting};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if COUNTING.with(|c| c.get()) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Small deterministic generator (no RNG crate needed here).
fn lcg(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn no_allocation_after_warm_up() {
    let n = 500;
    let mut s = 42u64;
    let mut data = Vec::new();
    for rep in 0..20 {
        let m = n - rep * 20; // varying sizes, all <= warm-up size
        let time: Vec<f64> = (0..m)
            .map(|_| {
                let t = -30.0 * lcg(&mut s).ln();
                if rep % 2 == 0 {
                    t.ceil()
                } else {
                    t
                }
            })
            .collect();
        let event: Vec<bool> = (0..m).map(|_| lcg(&mut s) < 0.6).collect();
        let group: Vec<u32> = (0..m).map(|_| (lcg(&mut s) * 3.0) as u32).collect();
        let strata: Vec<u32> = (0..m).map(|_| (lcg(&mut s) * 4.0) as u32).collect();
        data.push((time, event, group, strata));
    }
    let weights = [
        Weighting::LogRank,
        Weighting::g_rho(1.0),
        Weighting::g_rho(0.5),
        Weighting::FlemingHarrington {
            rho: 1.0,
            gamma: 1.0,
        },
    ];
    let mut lr = LogRank::new();
    // warm-up: largest n, largest number of groups
    let (t, e, g, st) = &data[0];
    lr.test(t, e, g, 5, Some(st), Weighting::LogRank);

    // the counter works
    COUNTING.with(|c| c.set(true));
    drop(std::hint::black_box(vec![1u8; 16]));
    COUNTING.with(|c| c.set(false));
    assert!(ALLOCS.swap(0, Ordering::Relaxed) > 0);

    COUNTING.with(|c| c.set(true));
    let mut acc = 0.0;
    for (t, e, g, st) in &data {
        for w in weights {
            for strata in [None, Some(&st[..])] {
                for k in [3usize, 5] {
                    let r = lr.test(t, e, g, k, strata, w);
                    acc += r.chisq + r.p_value + lr.observed()[0] + lr.variance_at(1, 1);
                }
            }
        }
        // degenerate / invalid inputs on the same struct
        acc += lr.test(&[], &[], &[], 3, None, Weighting::LogRank).chisq;
        let _ = lr.test(&t[..3], &e[..2], &g[..3], 3, None, Weighting::LogRank);
        let _ = lr.test(t, e, g, 2, None, Weighting::LogRank); // label 2 out of range
    }
    COUNTING.with(|c| c.set(false));
    let allocs = ALLOCS.load(Ordering::Relaxed);
    assert!(acc.is_finite());
    assert_eq!(allocs, 0, "allocations after warm-up");
}
