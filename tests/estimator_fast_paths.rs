//! The per-replicate fast paths give the general paths' results to the bit:
//! Kaplan-Meier on already-sorted times (no sort), the median estimate of an
//! unweighted curve (binary search instead of findq's pass), and the
//! two-group log-rank (no k-long loops). Each is compared with the general
//! computation on the same data, over many random cohorts with ties.

use cohortsim::analysis::{KaplanMeier, LogRank, LogRankResult, Weighting};
use rand::{Rng, SeedableRng};

/// Random survival data: exponential times, on a grid (ties) or not,
/// censored at the given rate.
fn sample(rng: &mut impl Rng, n: usize, grid: f64, censor: f64) -> (Vec<f64>, Vec<bool>) {
    let time = (0..n)
        .map(|_| {
            let t: f64 = -rng.gen::<f64>().ln() * 10.0;
            if grid > 0.0 {
                (t / grid).ceil() * grid
            } else {
                t
            }
        })
        .collect();
    let event = (0..n).map(|_| rng.gen::<f64>() >= censor).collect();
    (time, event)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn same_fit(a: &KaplanMeier, b: &KaplanMeier, what: &str) {
    assert_eq!(bits(a.time()), bits(b.time()), "{what}: time");
    assert_eq!(a.n_risk(), b.n_risk(), "{what}: n_risk");
    assert_eq!(a.n_event(), b.n_event(), "{what}: n_event");
    assert_eq!(a.n_censor(), b.n_censor(), "{what}: n_censor");
    assert_eq!(
        bits(a.weighted_n_risk()),
        bits(b.weighted_n_risk()),
        "{what}"
    );
    assert_eq!(
        bits(a.weighted_n_event()),
        bits(b.weighted_n_event()),
        "{what}"
    );
    assert_eq!(bits(a.surv()), bits(b.surv()), "{what}: surv");
    assert_eq!(bits(a.std_err()), bits(b.std_err()), "{what}: std_err");
}

#[test]
fn sorted_kaplan_meier_equals_the_sorting_fit() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let (mut sorted, mut general) = (KaplanMeier::new(), KaplanMeier::new());
    for round in 0..500 {
        let n = rng.gen_range(1..300);
        let (time, event) = sample(&mut rng, n, [0.0, 0.5, 1.0][round % 3], 0.3);
        // The general path: the data reversed (so not sorted).
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&a, &b| time[a].total_cmp(&time[b]).then(a.cmp(&b)));
        let st: Vec<f64> = idx.iter().map(|&i| time[i]).collect();
        let se: Vec<bool> = idx.iter().map(|&i| event[i]).collect();
        let (rt, re): (Vec<f64>, Vec<bool>) = st.iter().rev().zip(se.iter().rev()).unzip();
        sorted.fit(&st, &se);
        general.fit(&rt, &re);
        same_fit(&sorted, &general, &format!("round {round} fit"));
        sorted.fit_reverse(&st, &se);
        general.fit_reverse(&rt, &re);
        same_fit(&sorted, &general, &format!("round {round} reverse"));
    }
}

#[test]
fn unweighted_median_estimate_equals_findq_pass() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
    let (mut plain, mut unit) = (KaplanMeier::new(), KaplanMeier::new());
    for round in 0..2000 {
        let n = match round % 4 {
            0 => rng.gen_range(1..6),
            1 => rng.gen_range(6..30),
            _ => rng.gen_range(30..300),
        };
        // Grid times and even sizes make curves that sit exactly on p.
        let (time, event) = sample(
            &mut rng,
            n,
            [0.0, 1.0, 2.0][round % 3],
            [0.0, 0.4][round % 2],
        );
        plain.fit(&time, &event);
        // Unit case weights: the same curve to the bit, through findq's pass.
        unit.fit_weighted(&time, &event, &vec![1.0; n]).unwrap();
        assert_eq!(bits(plain.surv()), bits(unit.surv()));
        for p in [0.0, 1e-9, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0] {
            assert_eq!(
                plain.quantile_estimate(p).map(f64::to_bits),
                unit.quantile_estimate(p).map(f64::to_bits),
                "round {round}, n {n}, p {p}"
            );
        }
    }
}

/// A two-group test (`two`, result `a`) and the same data run as three
/// groups, the third empty (`three`, result `b`): the same bits everywhere.
fn assert_same_test(
    a: &LogRankResult,
    b: &LogRankResult,
    two: &LogRank,
    three: &LogRank,
    what: &str,
) {
    assert_eq!(a.chisq.to_bits(), b.chisq.to_bits(), "{what}");
    assert_eq!(a.p_value.to_bits(), b.p_value.to_bits(), "{what}");
    assert_eq!((a.df, a.rank), (b.df, b.rank), "{what}");
    assert_eq!(bits(two.observed()), bits(&three.observed()[..2]), "{what}");
    assert_eq!(bits(two.expected()), bits(&three.expected()[..2]), "{what}");
    for i in 0..2 {
        for j in 0..2 {
            assert_eq!(
                two.variance_at(i, j).to_bits(),
                three.variance_at(i, j).to_bits(),
                "{what} var {i} {j}"
            );
        }
    }
}

#[test]
fn two_group_logrank_equals_the_k_group_loops() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
    let (mut two, mut three) = (LogRank::new(), LogRank::new());
    for round in 0..500 {
        let n = rng.gen_range(2..400);
        let (time, event) = sample(&mut rng, n, [0.0, 0.5, 1.0][round % 3], 0.3);
        let group: Vec<u32> = (0..n).map(|_| rng.gen_range(0..2)).collect();
        let strata: Vec<u32> = (0..n).map(|_| rng.gen_range(0..3)).collect();
        let strata = (round % 2 == 0).then_some(&strata[..]);
        let w = [
            Weighting::LogRank,
            Weighting::g_rho(1.0),
            Weighting::FlemingHarrington {
                rho: 0.5,
                gamma: 0.5,
            },
        ][round % 3];
        // Three groups, the third empty: the general loops, same numbers.
        let a = two.test(&time, &event, &group, 2, strata, w);
        let b = three.test(&time, &event, &group, 3, strata, w);
        let what = format!("round {round}");
        assert_same_test(&a, &b, &two, &three, &what);
    }
}

/// The plain log-rank test of two groups on distinct times (one stratum), the
/// branch-free loop, against the general k-group loops: bit for bit, from one
/// row up, with an empty group and with every row censored or dead.
#[test]
fn untied_two_group_logrank_equals_the_k_group_loops() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(29);
    let (mut two, mut three) = (LogRank::new(), LogRank::new());
    for round in 0..600 {
        let n = if round < 40 {
            1 + round % 8
        } else {
            rng.gen_range(2..400)
        };
        let time: Vec<f64> = (0..n).map(|_| rng.gen::<f64>() * 30.0).collect();
        let p_event = [0.0, 0.3, 0.7, 1.0][round % 4];
        let event: Vec<bool> = (0..n).map(|_| rng.gen::<f64>() < p_event).collect();
        let p_one = [0.5, 0.0, 1.0, 0.1][round / 4 % 4];
        let group: Vec<u32> = (0..n).map(|_| (rng.gen::<f64>() < p_one) as u32).collect();
        let a = two.test(&time, &event, &group, 2, None, Weighting::LogRank);
        let b = three.test(&time, &event, &group, 3, None, Weighting::LogRank);
        let what = format!("round {round}, n {n}");
        assert_same_test(&a, &b, &two, &three, &what);
    }
}
