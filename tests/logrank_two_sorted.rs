//! The two-group log-rank on untied times handed over in order (a simulated
//! trial's PFS) skips the row records and their sort: it gives, to the bit,
//! what the general path gives on the same rows shuffled (which sorts them
//! back into the same order), and what the k-group loops give with an empty
//! third group. Gaps close to aeqSurv's merge rule (`timefix`) must send the
//! test down the general path, so they are generated on purpose.

use cohortsim::analysis::{LogRank, LogRankResult, Weighting};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Everything a test reports, as bits: the result and the per-group sums
/// of groups 0 and 1.
fn outcome(r: &LogRankResult, lr: &LogRank) -> (Vec<u64>, Vec<usize>, Option<String>) {
    let mut v = vec![r.chisq.to_bits(), r.p_value.to_bits()];
    v.extend(bits(&lr.observed()[..2]));
    v.extend(bits(&lr.expected()[..2]));
    for i in 0..2 {
        for j in 0..2 {
            v.push(lr.variance_at(i, j).to_bits());
        }
    }
    let ints = vec![r.df, r.rank, r.n, r.n_strata];
    (v, ints, r.error.map(|e| e.to_string()))
}

/// Sorted times: continuous, or with some gaps put right at (or near) the
/// size aeqSurv merges, relative to the mean |time| or absolute.
fn sorted_times(rng: &mut impl Rng, n: usize, kind: usize) -> Vec<f64> {
    let scale = [1.0, 1e-3, 1e6, 1e-9][rng.gen_range(0..4)];
    let offset = [0.0, -5.0 * scale][rng.gen_range(0..2)];
    let mut t: Vec<f64> = (0..n)
        .map(|_| offset - rng.gen::<f64>().ln() * 10.0 * scale)
        .collect();
    t.sort_by(f64::total_cmp);
    if kind > 0 && n > 1 {
        let tol = f64::EPSILON.sqrt();
        let mean = t.iter().map(|x| x.abs()).sum::<f64>() / n as f64;
        let top = t[0].abs().max(t[n - 1].abs());
        for _ in 0..rng.gen_range(1..4) {
            let i = rng.gen_range(1..n);
            let gap = match rng.gen_range(0..5) {
                0 => tol * mean * rng.gen_range(0.5..1.5),
                1 => 2.0 * tol * top * rng.gen_range(0.999..1.001),
                2 => tol * rng.gen_range(0.5..1.5),
                3 => 0.0,
                _ => tol * mean * (1.0 + 1e-15 * rng.gen_range(-4.0..4.0)),
            };
            t[i] = t[i - 1] + gap;
            for j in i + 1..n {
                if t[j] < t[j - 1] {
                    t[j] = t[j - 1];
                }
            }
        }
    }
    t
}

#[test]
fn sorted_two_group_test_equals_the_general_path() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(71);
    let (mut fast, mut general, mut three) = (LogRank::new(), LogRank::new(), LogRank::new());
    let mut compared = 0;
    for round in 0..6000 {
        let n = match round % 5 {
            0 => rng.gen_range(1..8),
            _ => rng.gen_range(8..400),
        };
        let time = sorted_times(&mut rng, n, round % 3);
        let censor = [0.0, 0.3, 0.9, 1.0][round % 4];
        let event: Vec<bool> = (0..n).map(|_| rng.gen::<f64>() >= censor).collect();
        let p1 = [0.5, 0.5, 0.1, 0.0, 1.0][round % 5];
        let group: Vec<u32> = (0..n).map(|_| u32::from(rng.gen_bool(p1))).collect();
        let timefix = round % 7 != 0;
        let w = [
            Weighting::LogRank,
            Weighting::FlemingHarrington {
                rho: 0.0,
                gamma: 0.0,
            },
        ][round % 2];
        // The general path: the same rows in another order.
        let mut idx: Vec<usize> = (0..n).collect();
        idx.shuffle(&mut rng);
        if n > 1 && idx.iter().enumerate().all(|(k, &i)| k == i) {
            idx.swap(0, 1);
        }
        let st: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
        let se: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
        let sg: Vec<u32> = idx.iter().map(|&i| group[i]).collect();
        for lr in [&mut fast, &mut general, &mut three] {
            lr.set_timefix(timefix);
        }
        let a = fast.test(&time, &event, &group, 2, None, w);
        let b = general.test(&st, &se, &sg, 2, None, w);
        let c = three.test(&time, &event, &group, 3, None, w);
        let what = format!("round {round}, n {n}, timefix {timefix}");
        assert_eq!(outcome(&a, &fast), outcome(&b, &general), "{what}");
        let (mut va, ia, _) = outcome(&a, &fast);
        let (mut vc, ic, _) = outcome(&c, &three);
        // Three groups, the third empty: the same sums and statistic (the
        // p-value too: df counts informative groups only).
        va.truncate(10);
        vc.truncate(10);
        assert_eq!((va, ia), (vc, ic), "{what} (k = 3)");
        compared += 1;
    }
    assert_eq!(compared, 6000);
}

/// W1-like trials: continuous times, most rows untied, so the fast path is
/// the one taken; the sums must still match the general path on every one.
#[test]
fn simulated_trials_match_bit_for_bit() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(72);
    let (mut fast, mut general) = (LogRank::new(), LogRank::new());
    for round in 0..2000 {
        let n = 307;
        let mut rows: Vec<(f64, bool, u32)> = (0..n)
            .map(|i| {
                let g = u32::from(i % 2 == 0);
                let rate = if g == 1 { 0.06 } else { 0.1 };
                let t = -rng.gen::<f64>().ln() / rate;
                let c = 11.0 + rng.gen::<f64>() * 14.0;
                (t.min(c), t <= c, g)
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let time: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let event: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let group: Vec<u32> = rows.iter().map(|r| r.2).collect();
        let a = fast.test(&time, &event, &group, 2, None, Weighting::LogRank);
        let (rt, re, rg): (Vec<f64>, Vec<bool>, Vec<u32>) = (
            time.iter().rev().copied().collect(),
            event.iter().rev().copied().collect(),
            group.iter().rev().copied().collect(),
        );
        let b = general.test(&rt, &re, &rg, 2, None, Weighting::LogRank);
        assert!(a.is_ok(), "round {round}");
        assert_eq!(outcome(&a, &fast), outcome(&b, &general), "round {round}");
    }
}
