//! Statistical and contract tests for `cohortsim::design`.
//!
//! Seeds are fixed, so runs are reproducible; tolerances come from the Monte
//! Carlo error (KS critical value at alpha ~ 0.001, 4 standard errors), so a
//! wrong formula fails them.

// Patient data are parallel arrays; indexing by patient reads best.
#![allow(clippy::needless_range_loop)]

use cohortsim::design::*;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Exp1};

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Kolmogorov-Smirnov statistic of sorted data against `cdf`.
fn ks(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    sorted.iter().enumerate().fold(0.0f64, |d, (i, &x)| {
        let f = cdf(x);
        d.max((i + 1) as f64 / n - f).max(f - i as f64 / n)
    })
}

/// Asserts that `rng` advanced exactly `words` u64s relative to `before`.
fn assert_advanced(before: &ChaCha8Rng, after: &mut ChaCha8Rng, words: usize) {
    let mut expect = before.clone();
    for _ in 0..words {
        expect.next_u64();
    }
    assert_eq!(expect.next_u64(), after.next_u64(), "draw count differs");
}

/// Asserts that `rng` advanced exactly `draws` ziggurat `Exp(1)` variates
/// relative to `before`.
fn assert_advanced_exp1(before: &ChaCha8Rng, after: &mut ChaCha8Rng, draws: usize) {
    let mut expect = before.clone();
    for _ in 0..draws {
        let _: f64 = Exp1.sample(&mut expect);
    }
    assert_eq!(expect.next_u64(), after.next_u64(), "draw count differs");
}

fn is_multiple(t: f64, iv: f64) -> bool {
    let k = t / iv;
    (k - k.round()).abs() <= 1e-9 * k.round().max(1.0)
}

// ---------------------------------------------------------------- (a) accrual

const KS_N: usize = 100_000;

fn ks_crit(n: usize) -> f64 {
    1.95 / (n as f64).sqrt()
}

#[test]
fn uniform_accrual_ks_sorted_and_draw_count() {
    let d = 18.0;
    let acc = Accrual::new(d, AccrualShape::Uniform).unwrap();
    let mut r = rng(1);
    let before = r.clone();
    let mut e = Vec::new();
    acc.fill_sorted_entries(KS_N, &mut r, &mut e);
    assert_advanced_exp1(&before, &mut r, KS_N + 1);
    assert_eq!(e.len(), KS_N);
    assert!(e.windows(2).all(|w| w[0] <= w[1]));
    assert!(e.iter().all(|&x| (0.0..=d).contains(&x)));
    let stat = ks(&e, |x| (x / d).clamp(0.0, 1.0));
    assert!(stat < ks_crit(KS_N), "KS {stat}");
}

/// The sorted entries are the order statistics of n iid entry times, not
/// just a sample with the right margin: over many cohorts of n = 6, the k-th
/// entry's mean and variance match those of the k-th uniform order
/// statistic, `D Beta(k, n + 1 - k)`: mean `D k / (n + 1)`, variance
/// `D^2 k (n + 1 - k) / ((n + 1)^2 (n + 2))`. Tolerances are 4 Monte Carlo
/// standard errors (of the mean, and of the variance from the sample's
/// fourth central moment); the covariance of neighbours is checked the same
/// way (`Cov(U_(j), U_(k)) = j (n + 1 - k) / ((n + 1)^2 (n + 2))`, j < k).
#[test]
fn uniform_accrual_order_statistics_moments() {
    let (d, n, reps) = (12.0, 6usize, 200_000usize);
    let acc = Accrual::new(d, AccrualShape::Uniform).unwrap();
    let mut r = rng(11);
    let mut e = Vec::new();
    let mut draws = vec![Vec::with_capacity(reps); n];
    for _ in 0..reps {
        acc.fill_sorted_entries(n, &mut r, &mut e);
        for (k, &x) in e.iter().enumerate() {
            draws[k].push(x / d);
        }
    }
    let m = reps as f64;
    let np1 = (n + 1) as f64;
    let mean_of = |v: &[f64]| v.iter().sum::<f64>() / m;
    for (k0, v) in draws.iter().enumerate() {
        let k = (k0 + 1) as f64;
        let (mean, want_mean) = (mean_of(v), k / np1);
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1.0);
        let m4 = v.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / m;
        let want_var = k * (np1 - k) / (np1 * np1 * (np1 + 1.0));
        let se_mean = (var / m).sqrt();
        let se_var = ((m4 - var * var) / m).sqrt();
        assert!(
            (mean - want_mean).abs() < 4.0 * se_mean,
            "k {k}: mean {mean} vs {want_mean} (se {se_mean})"
        );
        assert!(
            (var - want_var).abs() < 4.0 * se_var,
            "k {k}: var {var} vs {want_var} (se {se_var})"
        );
        if k0 + 1 < n {
            let w = &draws[k0 + 1];
            let mean_w = mean_of(w);
            let prods: Vec<f64> = v
                .iter()
                .zip(w)
                .map(|(x, y)| (x - mean) * (y - mean_w))
                .collect();
            let cov = mean_of(&prods);
            let var_prod = prods.iter().map(|p| (p - cov).powi(2)).sum::<f64>() / (m - 1.0);
            let want_cov = k * (np1 - k - 1.0) / (np1 * np1 * (np1 + 1.0));
            let se_cov = (var_prod / m).sqrt();
            assert!(
                (cov - want_cov).abs() < 4.0 * se_cov,
                "k {k}: cov {cov} vs {want_cov} (se {se_cov})"
            );
        }
    }
    // Power: an off-by-one normalisation (dividing by S_n instead of
    // S_{n+1}) would put the last mean at 1, far outside the tolerance.
    assert!(mean_of(&draws[n - 1]) < 0.9);
}

/// Independent derivation of the ramp CDF: density proportional to
/// min(t / R, 1) on [0, D], mass R/2 + (D - R).
fn ramp_cdf(t: f64, r: f64, d: f64) -> f64 {
    let mass = r / 2.0 + (d - r);
    if t <= 0.0 {
        0.0
    } else if t < r {
        (t * t / (2.0 * r)) / mass
    } else if t < d {
        (r / 2.0 + (t - r)) / mass
    } else {
        1.0
    }
}

#[test]
fn ramp_accrual_ks_and_power() {
    let (d, r) = (24.0, 9.0);
    let acc = Accrual::new(d, AccrualShape::Ramp { ramp_months: r }).unwrap();
    let mut e = Vec::new();
    acc.fill_sorted_entries(KS_N, &mut rng(2), &mut e);
    assert!(e.windows(2).all(|w| w[0] <= w[1]));
    let stat = ks(&e, |x| ramp_cdf(x, r, d));
    assert!(stat < ks_crit(KS_N), "KS {stat}");
    // The exposed cdf agrees with the independent derivation.
    for i in 0..=240 {
        let t = i as f64 * 0.1;
        assert!((acc.cdf(t) - ramp_cdf(t, r, d)).abs() < 1e-12);
    }
    // Power: the test does detect a wrong shape (uniform vs ramp).
    let wrong = ks(&e, |x| (x / d).clamp(0.0, 1.0));
    assert!(wrong > ks_crit(KS_N), "KS has no power: {wrong}");
    // Full ramp (R = D) also works and stays within [0, D].
    let full = Accrual::new(d, AccrualShape::Ramp { ramp_months: d }).unwrap();
    full.fill_sorted_entries(KS_N, &mut rng(3), &mut e);
    assert!(ks(&e, |x| ramp_cdf(x, d, d)) < ks_crit(KS_N));
    assert!(e.iter().all(|&x| (0.0..=d).contains(&x)));
}

#[test]
fn accrual_inverse_cdf_edges() {
    let acc = Accrual::new(12.0, AccrualShape::Ramp { ramp_months: 4.0 }).unwrap();
    assert_eq!(acc.entry_from_uniform(0.0), 0.0);
    assert_eq!(acc.entry_from_uniform(1.0), 12.0);
    assert_eq!(acc.entry_from_uniform(f64::NAN), 0.0);
    assert_eq!(acc.entry_from_uniform(7.0), 12.0);
    assert_eq!(acc.entry_from_uniform(-1.0), 0.0);
    for i in 0..=1000 {
        let u = i as f64 / 1000.0;
        let t = acc.entry_from_uniform(u);
        assert!((acc.cdf(t) - u).abs() < 1e-12, "u {u} t {t}");
    }
    // Monotone across the ramp/plateau junction, ulp by ulp (the sorted
    // output relies on it): u* = (R/2) / (D - R/2) = 0.2.
    let mut u = 0.2f64;
    for _ in 0..2000 {
        u = f64::from_bits(u.to_bits() - 1);
    }
    let mut prev = acc.entry_from_uniform(u);
    for _ in 0..4000 {
        u = f64::from_bits(u.to_bits() + 1);
        let t = acc.entry_from_uniform(u);
        assert!(t >= prev, "not monotone at u {u}");
        prev = t;
    }
    let zero = Accrual::new(0.0, AccrualShape::Uniform).unwrap();
    let mut e = Vec::new();
    zero.fill_sorted_entries(10, &mut rng(4), &mut e);
    assert_eq!(e, vec![0.0; 10]);
}

// ------------------------------------------------------------- (b) allocation

fn random_strata(n: usize, n_strata: u32, seed: u64) -> Vec<u32> {
    let mut r = rng(seed);
    (0..n)
        .map(|_| (r.next_u64() % u64::from(n_strata)) as u32)
        .collect()
}

fn check_blocked(ratios: &[u32], block_size: u32, n: usize, n_strata: u32, seed: u64) {
    let alloc = Allocation::blocked(ratios.to_vec(), block_size).unwrap();
    let strata = random_strata(n, n_strata, seed);
    let mut out = Vec::new();
    let mut scratch = AllocationScratch::new();
    let mut r = rng(seed + 1);
    let before = r.clone();
    alloc
        .allocate_into(&strata, n_strata as usize, &mut r, &mut out, &mut scratch)
        .unwrap();
    assert_advanced(&before, &mut r, n);
    assert_eq!(out.len(), n);
    let sum: u32 = ratios.iter().sum();
    let bs = block_size as usize;
    for s in 0..n_strata {
        let seq: Vec<u16> = strata
            .iter()
            .zip(&out)
            .filter(|(&st, _)| st == s)
            .map(|(_, &a)| a)
            .collect();
        assert!(seq.len() >= 2 * bs, "test needs complete blocks");
        for block in seq.chunks_exact(bs) {
            for (arm, &ratio) in ratios.iter().enumerate() {
                let count = block.iter().filter(|&&a| a as usize == arm).count();
                assert_eq!(count as u32, ratio * block_size / sum, "stratum {s}");
            }
        }
        if ratios == [1, 1] {
            let mut imbalance: i64 = 0;
            for &a in &seq {
                imbalance += if a == 0 { 1 } else { -1 };
                assert!(imbalance.unsigned_abs() <= u64::from(block_size / 2));
            }
        }
    }
}

#[test]
fn blocked_stratified_allocation() {
    check_blocked(&[1, 1], 4, 3000, 3, 10);
    check_blocked(&[1, 1], 8, 5000, 5, 11);
    check_blocked(&[2, 1], 6, 3000, 4, 12);
    check_blocked(&[2, 1], 3, 3000, 2, 13);
    check_blocked(&[1, 2, 3], 12, 6000, 3, 14);
}

#[test]
fn blocked_permutations_are_uniform() {
    // 1:1, block 4: the 6 arrangements of the first block are equally likely.
    let alloc = Allocation::blocked(vec![1, 1], 4).unwrap();
    let strata = [0u32; 4];
    let (mut out, mut scratch, mut r) = (Vec::new(), AllocationScratch::new(), rng(15));
    let mut counts = [0usize; 16];
    let reps = 60_000;
    for _ in 0..reps {
        alloc
            .allocate_into(&strata, 1, &mut r, &mut out, &mut scratch)
            .unwrap();
        let code = out.iter().fold(0usize, |c, &a| c * 2 + a as usize);
        counts[code] += 1;
    }
    let p = 1.0 / 6.0;
    let se = (p * (1.0 - p) / reps as f64).sqrt();
    let mut seen = 0;
    for (code, &c) in counts.iter().enumerate() {
        if c > 0 {
            seen += 1;
            assert_eq!((code as u32).count_ones(), 2);
            assert!(
                (c as f64 / reps as f64 - p).abs() < 4.0 * se,
                "code {code}: {c}"
            );
        }
    }
    assert_eq!(seen, 6);
}

#[test]
fn simple_allocation_fraction() {
    let alloc = Allocation::simple(vec![2, 1]).unwrap();
    let n = 100_000;
    let strata = vec![0u32; n];
    let (mut out, mut scratch, mut r) = (Vec::new(), AllocationScratch::new(), rng(20));
    let before = r.clone();
    alloc
        .allocate_into(&strata, 1, &mut r, &mut out, &mut scratch)
        .unwrap();
    assert_advanced(&before, &mut r, n);
    let frac = out.iter().filter(|&&a| a == 0).count() as f64 / n as f64;
    let p = 2.0 / 3.0;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!((frac - p).abs() < 4.0 * se, "fraction {frac}");
    assert!(out.iter().all(|&a| a < 2));
}

#[test]
fn single_allocation_and_errors() {
    let (mut out, mut scratch, mut r) = (Vec::new(), AllocationScratch::new(), rng(21));
    let before = r.clone();
    Allocation::single()
        .allocate_into(&[0, 0, 0], 1, &mut r, &mut out, &mut scratch)
        .unwrap();
    assert_eq!(out, vec![0, 0, 0]);
    assert_advanced(&before, &mut r, 0);
    let bad = Allocation::blocked(vec![1, 1], 4).unwrap().allocate_into(
        &[0, 2, 1],
        2,
        &mut r,
        &mut out,
        &mut scratch,
    );
    assert_eq!(
        bad,
        Err(AllocateError::StratumOutOfRange {
            patient: 1,
            stratum: 2,
            n_strata: 2
        })
    );
    assert!(out.is_empty());
    // A variant built without the constructor is re-validated at run time.
    let raw = Allocation::Blocked {
        ratios: vec![],
        block_size: 0,
    };
    assert_eq!(
        raw.allocate_into(&[0], 1, &mut r, &mut out, &mut scratch),
        Err(AllocateError::InvalidDesign(AllocationError::EmptyRatios))
    );
    // Empty cohort is fine.
    Allocation::simple(vec![1, 1])
        .unwrap()
        .allocate_into(&[], 0, &mut r, &mut out, &mut scratch)
        .unwrap();
    assert!(out.is_empty());
}

// --------------------------------------------------------------- (c) schedule

/// Cohort of latent times: entries uniform on [0, 24], progression and death
/// exponential (rates in 1/month).
fn cohort(n: usize, prog_rate: f64, death_rate: f64, seed: u64) -> [Vec<f64>; 3] {
    let mut r = rng(seed);
    let mut entry = Vec::new();
    Accrual::new(24.0, AccrualShape::Uniform)
        .unwrap()
        .fill_sorted_entries(n, &mut r, &mut entry);
    let draw = |rate: f64, r: &mut ChaCha8Rng| -> Vec<f64> {
        if rate > 0.0 {
            let ex = Exp::new(rate).unwrap();
            (0..n).map(|_| ex.sample(r)).collect()
        } else {
            vec![f64::INFINITY; n]
        }
    };
    let prog = draw(prog_rate, &mut r);
    let death = draw(death_rate, &mut r);
    [entry, prog, death]
}

#[test]
fn schedule_moves_progressions_onto_visit_days() {
    let sched = Schedule::every_weeks(4.0).unwrap();
    let iv = weeks_to_months(4.0);
    let design =
        ObservationDesign::new(sched, 0.0, Cutoff::calendar(1000.0).unwrap(), false).unwrap();
    let [entry, prog, death] = cohort(20_000, 0.08, 0.03, 30);
    let (mut out, mut scratch) = (Observed::new(), Vec::new());
    design
        .observe_into(&entry, &prog, &death, &mut rng(31), &mut out, &mut scratch)
        .unwrap();
    let (mut n_prog, mut n_death) = (0, 0);
    for i in 0..entry.len() {
        assert!(out.pfs_event[i] && out.os_event[i], "no censoring expected");
        assert_eq!(out.os_time[i], death[i], "deaths are exact");
        let visit = (prog[i] / iv).ceil() * iv;
        if prog[i] < death[i] && visit < death[i] {
            n_prog += 1;
            let t = out.pfs_time[i];
            assert!(is_multiple(t, iv), "{t} not a visit day");
            assert!(
                t >= prog[i] - 1e-9 && t < prog[i] + iv,
                "{t} vs {}",
                prog[i]
            );
        } else {
            n_death += 1;
            assert_eq!(out.pfs_time[i], death[i], "death-driven PFS is exact");
        }
    }
    assert!(n_prog > 1000 && n_death > 1000);

    let cont = ObservationDesign::new(
        Schedule::Continuous,
        0.0,
        Cutoff::calendar(1000.0).unwrap(),
        false,
    )
    .unwrap();
    cont.observe_into(&entry, &prog, &death, &mut rng(31), &mut out, &mut scratch)
        .unwrap();
    for i in 0..entry.len() {
        assert_eq!(out.pfs_time[i], prog[i].min(death[i]));
        assert_eq!(out.os_time[i], death[i]);
    }
}

#[test]
fn visit_day_boundaries() {
    let iv = weeks_to_months(4.0);
    let s = Schedule::every(iv).unwrap();
    for k in 1..200u32 {
        let on = f64::from(k) * iv;
        // Exactly on (and within rounding of) a visit: seen that day.
        for t in [
            on,
            on * (1.0 + 1e-13),
            on * (1.0 - 1e-13),
            on + f64::EPSILON * on,
        ] {
            assert_eq!(s.next_visit_at_or_after(t), on, "k {k}");
            assert_eq!(s.last_visit_at_or_before(t), on, "k {k}");
        }
        // Clearly after: next visit.
        assert_eq!(s.next_visit_at_or_after(on + 1e-6), f64::from(k + 1) * iv);
        assert_eq!(s.last_visit_at_or_before(on - 1e-6), f64::from(k - 1) * iv);
    }
    assert_eq!(s.next_visit_at_or_after(0.0), 0.0);
    assert_eq!(s.next_visit_at_or_after(-3.0), 0.0);
    assert_eq!(s.last_visit_at_or_before(-3.0), 0.0);
    assert_eq!(s.next_visit_at_or_after(f64::INFINITY), f64::INFINITY);
    assert_eq!(s.last_visit_at_or_before(f64::INFINITY), f64::INFINITY);
    assert!(s.next_visit_at_or_after(f64::NAN).is_nan());
    assert_eq!(Schedule::Continuous.next_visit_at_or_after(1.234), 1.234);
    assert_eq!(Schedule::Continuous.last_visit_at_or_before(1.234), 1.234);
    assert!((weeks_to_months(4.0) - 28.0 / 30.4375).abs() < 1e-15);
    assert_eq!(DAYS_PER_MONTH, 30.4375);
}

// ------------------------------------------------------ (d) cut-off and loss

#[test]
fn calendar_cutoff_and_loss_os_fraction() {
    let (a, b, accrual, cut) = (0.05, 0.02, 24.0, 36.0);
    let design = ObservationDesign::new(
        Schedule::every_weeks(8.0).unwrap(),
        b,
        Cutoff::calendar(cut).unwrap(),
        false,
    )
    .unwrap();
    let acc = Accrual::new(accrual, AccrualShape::Uniform).unwrap();
    let death_dist = Exp::new(a).unwrap();
    let (n, reps) = (500, 200);
    let mut r = rng(40);
    let (mut entry, mut out, mut scratch) = (Vec::new(), Observed::new(), Vec::new());
    let prog = vec![f64::INFINITY; n];
    let mut death = vec![0.0; n];
    let mut events = 0usize;
    for _ in 0..reps {
        acc.fill_sorted_entries(n, &mut r, &mut entry);
        death
            .iter_mut()
            .for_each(|d| *d = death_dist.sample(&mut r));
        let oc = design
            .observe_into(&entry, &prog, &death, &mut r, &mut out, &mut scratch)
            .unwrap();
        assert_eq!(oc.calendar_cutoff, cut);
        for i in 0..n {
            let c = (cut - entry[i]).min(out.loss[i]);
            assert!(out.os_time[i] <= c + 1e-12);
            assert_eq!(out.os_event[i], death[i] <= c);
            // No progression: PFS is OS (censored at C, not at a visit).
            assert_eq!(out.pfs_event[i], out.os_event[i]);
            assert_eq!(out.pfs_time[i], out.os_time[i]);
        }
        events += out.os_event.iter().filter(|&&e| e).count();
    }
    // P(T <= min(L, f)) = a/(a+b) (1 - exp(-(a+b) f)), f = cut - entry ~ U(cut-A, cut):
    // average = a/(a+b) [1 - (exp(-(a+b)(cut-A)) - exp(-(a+b) cut)) / ((a+b) A)].
    let s = a + b;
    let p = a / s * (1.0 - ((-s * (cut - accrual)).exp() - (-s * cut).exp()) / (s * accrual));
    let total = (n * reps) as f64;
    let se = (p * (1.0 - p) / total).sqrt();
    let phat = events as f64 / total;
    assert!((phat - p).abs() < 4.0 * se, "phat {phat} p {p} se {se}");
}

#[test]
fn loss_draws_and_zero_rate() {
    let n = 20_000;
    let [entry, prog, death] = cohort(n, 0.1, 0.05, 41);
    let (mut out, mut scratch) = (Observed::new(), Vec::new());
    let mut results = Vec::new();
    for rate in [0.0, 0.05] {
        let d = ObservationDesign::new(
            Schedule::Continuous,
            rate,
            Cutoff::calendar(60.0).unwrap(),
            false,
        )
        .unwrap();
        let mut r = rng(42);
        let before = r.clone();
        d.observe_into(&entry, &prog, &death, &mut r, &mut out, &mut scratch)
            .unwrap();
        assert_advanced_exp1(&before, &mut r, entry.len());
        results.push(out.loss.clone());
    }
    assert!(results[0].iter().all(|l| l.is_infinite()));
    // Mean loss time ~ 1 / rate (Exp), within 4 SE.
    let mean = results[1].iter().sum::<f64>() / n as f64;
    assert!(
        (mean - 20.0).abs() < 4.0 * 20.0 / (n as f64).sqrt(),
        "mean {mean}"
    );
    // Quantiles q_p = -ln(1 - p) / rate, within 4 SE of a sample quantile,
    // sqrt(p (1 - p) / n) / f(q_p) with density f(q) = rate (1 - p).
    let mut sorted = results[1].clone();
    sorted.sort_by(f64::total_cmp);
    for p in [0.05, 0.25, 0.5, 0.75, 0.95, 0.99] {
        let q = sorted[(p * n as f64) as usize];
        let want = -(1.0f64 - p).ln() / 0.05;
        let se = (p * (1.0 - p) / n as f64).sqrt() / (0.05 * (1.0 - p));
        assert!(
            (q - want).abs() < 4.0 * se,
            "p {p}: q {q} vs {want} (se {se})"
        );
    }
}

// --------------------------------------------------------- (e) AfterEvents

#[test]
fn after_events_exact_count_when_reachable() {
    let (n, k) = (300usize, 120u32);
    for (endpoint, seed) in [(Endpoint::Pfs, 50u64), (Endpoint::Os, 60)] {
        let design = ObservationDesign::new(
            Schedule::every_weeks(4.0).unwrap(),
            0.01,
            Cutoff::after_events(k, endpoint).unwrap(),
            true,
        )
        .unwrap();
        let (mut out, mut scratch) = (Observed::new(), Vec::new());
        for rep in 0..50 {
            let [entry, prog, death] = cohort(n, 0.06, 0.03, seed + rep);
            let oc = design
                .observe_into(
                    &entry,
                    &prog,
                    &death,
                    &mut rng(seed + 1000 + rep),
                    &mut out,
                    &mut scratch,
                )
                .unwrap();
            assert!(oc.events_target_reached);
            let (count, times) = match endpoint {
                Endpoint::Pfs => (&out.pfs_event, &out.pfs_time),
                Endpoint::Os => (&out.os_event, &out.os_time),
            };
            assert_eq!(count.iter().filter(|&&e| e).count(), k as usize);
            // The cut-off is the calendar time of the k-th observed event.
            let last = (0..n)
                .filter(|&i| count[i])
                .map(|i| entry[i] + times[i])
                .fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(last, oc.calendar_cutoff);
        }
    }
}

#[test]
fn after_events_unreachable() {
    let n = 200;
    let iv = weeks_to_months(4.0);
    let design = ObservationDesign::new(
        Schedule::every(iv).unwrap(),
        0.05,
        Cutoff::after_events(n as u32 + 1, Endpoint::Pfs).unwrap(),
        false,
    )
    .unwrap();
    let [entry, prog, mut death] = cohort(n, 0.06, 0.0, 70);
    death[0] = 5.0; // at least one death
    let (mut out, mut scratch) = (Observed::new(), Vec::new());
    let oc = design
        .observe_into(&entry, &prog, &death, &mut rng(71), &mut out, &mut scratch)
        .unwrap();
    assert!(!oc.events_target_reached);
    // Every event that happens before loss is observed; the cut-off is the last.
    let mut expect = 0;
    let mut last = f64::NEG_INFINITY;
    for i in 0..n {
        let t = Schedule::every(iv)
            .unwrap()
            .next_visit_at_or_after(prog[i])
            .min(death[i]);
        if t <= out.loss[i] {
            expect += 1;
            last = last.max(entry[i] + t);
        }
    }
    assert!(expect > 0 && expect < n);
    assert_eq!(out.pfs_event.iter().filter(|&&e| e).count(), expect);
    assert_eq!(oc.calendar_cutoff, last);
    // No events at all: cut-off at the last entry, target not reached.
    let never = vec![f64::INFINITY; n];
    let oc = design
        .observe_into(&entry, &never, &never, &mut rng(72), &mut out, &mut scratch)
        .unwrap();
    assert!(!oc.events_target_reached);
    assert_eq!(oc.calendar_cutoff, entry[n - 1]);
    assert!(out.pfs_event.iter().all(|&e| !e));
}

#[test]
fn min_followup_cutoff() {
    let months = 12.0;
    let design = ObservationDesign::new(
        Schedule::every_weeks(4.0).unwrap(),
        0.0,
        Cutoff::min_followup(months).unwrap(),
        false,
    )
    .unwrap();
    let (mut out, mut scratch) = (Observed::new(), Vec::new());
    for rep in 0..20 {
        let [entry, prog, death] = cohort(400, 0.05, 0.02, 80 + rep);
        let oc = design
            .observe_into(
                &entry,
                &prog,
                &death,
                &mut rng(90 + rep),
                &mut out,
                &mut scratch,
            )
            .unwrap();
        let max_entry = entry.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(oc.calendar_cutoff, max_entry + months);
        assert!(oc.events_target_reached);
        for i in 0..entry.len() {
            assert!(oc.calendar_cutoff - entry[i] >= months - 1e-9);
            // No loss: a censored patient was followed for at least `months`.
            if !out.os_event[i] {
                assert!(out.os_time[i] >= months - 1e-9);
            }
        }
    }
}

// ---------------------------------------------- (f) last adequate assessment

#[test]
fn censor_at_last_assessment_uses_visit_days() {
    let iv = weeks_to_months(6.0);
    let cut = 30.0;
    let design = ObservationDesign::new(
        Schedule::every(iv).unwrap(),
        0.04,
        Cutoff::calendar(cut).unwrap(),
        true,
    )
    .unwrap();
    let plain = ObservationDesign {
        censor_at_last_assessment: false,
        ..design
    };
    let [entry, prog, death] = cohort(20_000, 0.04, 0.02, 100);
    let (mut out, mut out2, mut scratch) = (Observed::new(), Observed::new(), Vec::new());
    design
        .observe_into(&entry, &prog, &death, &mut rng(101), &mut out, &mut scratch)
        .unwrap();
    plain
        .observe_into(
            &entry,
            &prog,
            &death,
            &mut rng(101),
            &mut out2,
            &mut scratch,
        )
        .unwrap();
    let mut censored = 0;
    for i in 0..entry.len() {
        assert_eq!(out.pfs_event[i], out2.pfs_event[i]);
        let c = (cut - entry[i]).min(out.loss[i]);
        if !out.pfs_event[i] {
            censored += 1;
            let t = out.pfs_time[i];
            assert!(is_multiple(t, iv), "{t} not a visit day");
            assert!(t <= c + 1e-9 && t > c - iv, "t {t} c {c}");
            assert!((out2.pfs_time[i] - c).abs() < 1e-12);
        } else {
            assert_eq!(out.pfs_time[i], out2.pfs_time[i]);
        }
        assert!(out.pfs_time[i] <= out.os_time[i] + 1e-12);
    }
    assert!(censored > 1000);
}

#[test]
fn entry_after_calendar_cutoff_is_censored_at_zero() {
    let design = ObservationDesign::new(
        Schedule::every_weeks(4.0).unwrap(),
        0.0,
        Cutoff::calendar(10.0).unwrap(),
        true,
    )
    .unwrap();
    let (mut out, mut scratch) = (Observed::new(), Vec::new());
    design
        .observe_into(
            &[5.0, 12.0],
            &[0.0, 0.0],
            &[1.0, 0.0],
            &mut rng(1),
            &mut out,
            &mut scratch,
        )
        .unwrap();
    assert_eq!(out.pfs_time, vec![0.0, 0.0]);
    assert_eq!(out.pfs_event, vec![true, false]); // progression at baseline is seen
    assert_eq!(out.os_time, vec![1.0, 0.0]);
    assert_eq!(out.os_event, vec![true, false]);
}

// ------------------------------------------------------------ (g) validation

#[test]
fn constructors_reject_bad_parameters() {
    use AccrualShape::*;
    assert_eq!(
        Accrual::new(-1.0, Uniform),
        Err(AccrualError::NegativeDuration(-1.0))
    );
    assert!(matches!(
        Accrual::new(f64::NAN, Uniform),
        Err(AccrualError::NonFiniteDuration(_))
    ));
    assert_eq!(
        Accrual::new(12.0, Ramp { ramp_months: 13.0 }),
        Err(AccrualError::RampLongerThanAccrual {
            ramp_months: 13.0,
            duration_months: 12.0
        })
    );
    assert_eq!(
        Accrual::new(12.0, Ramp { ramp_months: 0.0 }),
        Err(AccrualError::NonPositiveRamp(0.0))
    );
    assert!(matches!(
        Accrual::new(0.0, Ramp { ramp_months: 1.0 }),
        Err(AccrualError::RampLongerThanAccrual { .. })
    ));
    assert!(Accrual::new(0.0, Uniform).is_ok());

    assert_eq!(
        Allocation::blocked(vec![1, 1], 5),
        Err(AllocationError::BlockSizeNotMultiple {
            block_size: 5,
            ratio_sum: 2
        })
    );
    assert_eq!(
        Allocation::blocked(vec![1, 1], 0),
        Err(AllocationError::ZeroBlockSize)
    );
    assert_eq!(
        Allocation::simple(vec![1, 0]),
        Err(AllocationError::ZeroRatio { arm: 1 })
    );
    assert_eq!(
        Allocation::blocked(vec![0, 2], 4),
        Err(AllocationError::ZeroRatio { arm: 0 })
    );
    assert_eq!(
        Allocation::simple(vec![]),
        Err(AllocationError::EmptyRatios)
    );
    assert_eq!(
        Allocation::simple(vec![u32::MAX, 1]),
        Err(AllocationError::RatioSumOverflow)
    );
    assert!(matches!(
        Allocation::simple(vec![1; 70_000]),
        Err(AllocationError::TooManyArms { n_arms: 70_000 })
    ));

    assert_eq!(
        Schedule::every(0.0),
        Err(ScheduleError::NonPositiveInterval(0.0))
    );
    assert_eq!(
        Schedule::every(-1.0),
        Err(ScheduleError::NonPositiveInterval(-1.0))
    );
    assert_eq!(
        Schedule::every_weeks(0.0),
        Err(ScheduleError::NonPositiveInterval(0.0))
    );
    assert!(matches!(
        Schedule::every(f64::INFINITY),
        Err(ScheduleError::NonFiniteInterval(_))
    ));

    let cal = Cutoff::calendar(36.0).unwrap();
    assert_eq!(
        ObservationDesign::new(Schedule::Continuous, -0.1, cal, false),
        Err(ObservationDesignError::NegativeLossRate(-0.1))
    );
    assert!(matches!(
        ObservationDesign::new(Schedule::Continuous, f64::NAN, cal, false),
        Err(ObservationDesignError::NonFiniteLossRate(_))
    ));
    assert_eq!(
        Cutoff::after_events(0, Endpoint::Pfs),
        Err(CutoffError::ZeroEventsTarget)
    );
    assert_eq!(
        Cutoff::calendar(0.0),
        Err(CutoffError::NonPositiveCalendarMonth(0.0))
    );
    assert_eq!(
        Cutoff::min_followup(-1.0),
        Err(CutoffError::NonPositiveMinFollowup(-1.0))
    );
    assert_eq!(
        ObservationDesign::new(Schedule::Every { interval: 0.0 }, 0.0, cal, false),
        Err(ObservationDesignError::Schedule(
            ScheduleError::NonPositiveInterval(0.0)
        ))
    );
    assert_eq!(
        ObservationDesign::new(
            Schedule::Continuous,
            0.0,
            Cutoff::AfterEvents {
                events: 0,
                endpoint: Endpoint::Os
            },
            false
        ),
        Err(ObservationDesignError::Cutoff(
            CutoffError::ZeroEventsTarget
        ))
    );
    // Errors are std errors with a message.
    let e: Box<dyn std::error::Error> = Box::new(AccrualError::NegativeDuration(-1.0));
    assert!(e.to_string().contains("-1"));
}

#[test]
fn observe_rejects_bad_runtime_inputs() {
    let mut design = ObservationDesign::new(
        Schedule::Continuous,
        0.0,
        Cutoff::calendar(10.0).unwrap(),
        false,
    )
    .unwrap();
    let (mut out, mut scratch) = (Observed::new(), Vec::new());
    assert_eq!(
        design.observe_into(
            &[0.0],
            &[1.0, 2.0],
            &[1.0],
            &mut rng(1),
            &mut out,
            &mut scratch
        ),
        Err(ObserveError::LengthMismatch {
            entry: 1,
            progression: 2,
            death: 1
        })
    );
    design.loss_rate = -1.0;
    assert_eq!(
        design.observe_into(&[0.0], &[1.0], &[1.0], &mut rng(1), &mut out, &mut scratch),
        Err(ObserveError::InvalidDesign(
            ObservationDesignError::NegativeLossRate(-1.0)
        ))
    );
    assert!(out.is_empty());
}

#[test]
fn no_panics_on_garbage() {
    let weird = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        0.0,
        -0.0,
        1e-300,
        1e300,
        f64::MAX,
        3.0,
    ];
    let schedules = [
        Schedule::Continuous,
        Schedule::every_weeks(4.0).unwrap(),
        Schedule::Every { interval: f64::NAN },
        Schedule::Every { interval: -1.0 },
    ];
    for s in schedules {
        for &t in &weird {
            let _ = s.next_visit_at_or_after(t);
            let _ = s.last_visit_at_or_before(t);
        }
    }
    let cutoffs = [
        Cutoff::Calendar { month: 10.0 },
        Cutoff::AfterEvents {
            events: 3,
            endpoint: Endpoint::Pfs,
        },
        Cutoff::AfterEvents {
            events: u32::MAX,
            endpoint: Endpoint::Os,
        },
        Cutoff::MinFollowup { months: 2.0 },
    ];
    let (mut out, mut scratch) = (Observed::new(), Vec::new());
    let mut r = rng(5);
    for cutoff in cutoffs {
        for schedule in [Schedule::Continuous, Schedule::every_weeks(4.0).unwrap()] {
            for censor in [false, true] {
                let d = ObservationDesign::new(schedule, 0.1, cutoff, censor).unwrap();
                for rot in 0..weird.len() {
                    let p: Vec<f64> = (0..weird.len())
                        .map(|i| weird[(i + rot) % weird.len()])
                        .collect();
                    let q: Vec<f64> = (0..weird.len())
                        .map(|i| weird[(i + 2 * rot) % weird.len()])
                        .collect();
                    let oc = d
                        .observe_into(&weird, &p, &q, &mut r, &mut out, &mut scratch)
                        .unwrap();
                    assert!(!oc.calendar_cutoff.is_nan());
                    assert!(out.pfs_time.iter().chain(&out.os_time).all(|t| *t >= 0.0));
                    let _ = d
                        .observe_into(&[], &[], &[], &mut r, &mut out, &mut scratch)
                        .unwrap();
                }
            }
        }
    }
    let acc = Accrual::new(5.0, AccrualShape::Ramp { ramp_months: 5.0 }).unwrap();
    for &u in &weird {
        let t = acc.entry_from_uniform(u);
        assert!((0.0..=5.0).contains(&t));
        let _ = acc.cdf(u);
    }
}
