//! Hand-worked and rule-based checks that need no R: the SPSS-style symmetric
//! median interval, survfit's flat-stretch (midpoint) quantile rule, and
//! degenerate input.

use cohortsim::analysis::{median_followup, ConfType, KaplanMeier, QuantileEstimate};

const Z95: f64 = 1.959_963_984_540_054;

fn fit(time: &[f64], event: &[bool]) -> KaplanMeier {
    let mut km = KaplanMeier::new();
    km.fit(time, event);
    km
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn symmetric_median_uncensored_hand_example() {
    // Ten deaths at 1..10: S(t_k) = 1 - k/10.
    // t50 = 5 (S = 0.5); u = 4 (S = 0.6 >= 0.55); l = 6 (S = 0.4 <= 0.45).
    // f = (0.6 - 0.4) / (6 - 4) = 0.1.
    // Greenwood at 5: sum_{k=1..5} 1/((11-k)(10-k)) = 1/5 - 1/10 = 0.1 (telescoping),
    // so se{S(5)} = 0.5 * sqrt(0.1) and se(t50) = 0.5 * sqrt(0.1) / 0.1 = 5 sqrt(0.1).
    let t: Vec<f64> = (1..=10).map(f64::from).collect();
    let km = fit(&t, &[true; 10]);
    let m = km.median_symmetric(0.95);
    let se = 5.0 * 0.1_f64.sqrt();
    assert_eq!(m.estimate, Some(5.0));
    assert!(close(m.se.unwrap(), se), "{m:?}");
    assert!(close(m.lower.unwrap(), 5.0 - Z95 * se));
    assert!(close(m.upper.unwrap(), 5.0 + Z95 * se));
    // survfit's median for comparison: S hits 0.5 exactly at 5 and drops at 6,
    // so R's midpoint rule gives 5.5 while the SPSS-style estimate is 5.
    assert_eq!(km.median(ConfType::Log, 0.95).estimate, Some(5.5));
}

#[test]
fn symmetric_median_censored_hand_example() {
    // 1, 2, 3+, 4, 5, 6+, 7, 8.
    // S: 7/8, 3/4, (3+), 3/5, 9/20 = 0.45, (6+), 9/40, 0.
    // t50 = 5 (first S <= 0.5); u = 4 (S = 0.6); l = 5 (S = 0.45, hit exactly).
    // f = (0.6 - 0.45) / (5 - 4) = 0.15.
    // Greenwood at 5: 1/56 + 1/42 + 1/20 + 1/12 = 147/840 = 0.175.
    // se(t50) = 0.45 sqrt(0.175) / 0.15 = 3 sqrt(0.175).
    let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
    let e = [true, true, false, true, true, false, true, true];
    let km = fit(&t, &e);
    let m = km.median_symmetric(0.90);
    let se = 3.0 * 0.175_f64.sqrt();
    let z90 = 1.644_853_626_951_472_2;
    assert_eq!(m.estimate, Some(5.0));
    assert!(close(m.se.unwrap(), se), "{m:?}");
    assert!(close(m.lower.unwrap(), 5.0 - z90 * se));
    assert!(close(m.upper.unwrap(), 5.0 + z90 * se));
}

#[test]
fn symmetric_median_falls_back_to_origin_and_handles_missing() {
    // Two of four die at 1: S = 0.5 straight away, so no event time has S >= 0.55
    // and u is the origin (0, 1). l = 2 (S = 0.25). f = 0.75 / 2 = 0.375.
    // Greenwood at 1: 2 / (4 * 2) = 0.25, se{S} = 0.5 * 0.5 = 0.25, se = 2/3.
    let km = fit(&[1.0, 1.0, 2.0, 3.0], &[true, true, true, false]);
    let m = km.median_symmetric(0.95);
    assert_eq!(m.estimate, Some(1.0));
    assert!(close(m.se.unwrap(), 2.0 / 3.0), "{m:?}");

    // Median reached but S never gets to 0.45: no density estimate, no SE.
    let km = fit(&[1.0, 2.0, 3.0, 4.0], &[true, true, false, false]);
    let m = km.median_symmetric(0.95);
    assert_eq!(m.estimate, Some(2.0));
    assert_eq!((m.se, m.lower, m.upper), (None, None, None));

    // Median not reached, or nothing at all.
    let km = fit(&[1.0, 2.0, 3.0], &[true, false, false]);
    assert_eq!(km.median_symmetric(0.95).estimate, None);
    assert_eq!(fit(&[], &[]).median_symmetric(0.95), Default::default());
}

#[test]
fn midpoint_rule_for_flat_stretch_at_p() {
    // S = 0.75, 0.5, (0.5 censored), 0: flat at exactly 0.5 on [2, 5).
    let km = fit(&[1.0, 2.0, 3.0, 5.0], &[true, true, false, true]);
    assert_eq!(km.median(ConfType::Log, 0.95).estimate, Some(3.5));
    // 1 - S = 0.25 exactly on [1, 2): 25th percentile is (1 + 2) / 2.
    assert_eq!(km.quantile(0.25, ConfType::Log, 0.95).estimate, Some(1.5));
    // Not flat at 0.75: the first time S drops to/below 0.25.
    assert_eq!(km.quantile(0.75, ConfType::Log, 0.95).estimate, Some(5.0));

    // Flat at 0.5 until the last (censored) time: midpoint with the last time.
    let km = fit(&[1.0, 2.0, 3.0, 4.0], &[true, true, false, false]);
    assert_eq!(km.median(ConfType::Log, 0.95).estimate, Some(3.0));
}

#[test]
fn midpoint_rule_survives_rounding_in_the_km_product() {
    // 10 deaths at 1..10 out of 20: S(10) = prod (20-k)/(21-k) = 0.5 in exact
    // arithmetic but the floating-point product need not be; the tolerance
    // still sees the flat stretch.
    let t: Vec<f64> = (1..=20).map(f64::from).collect();
    let mut e: Vec<bool> = (1..=20).map(|k| k <= 10).collect();
    let km = fit(&t, &e);
    assert!((km.surv()[9] - 0.5).abs() < 1e-15);
    // Flat at 0.5 from 10 to the last censored time 20.
    assert_eq!(km.median(ConfType::Log, 0.95).estimate, Some(15.0));
    // Add a death at 15: flat stretch is [10, 15).
    e[14] = true;
    assert_eq!(fit(&t, &e).median(ConfType::Log, 0.95).estimate, Some(12.5));
}

#[test]
fn quantile_edge_cases_match_r_conventions() {
    let km = fit(&[1.0, 2.0, 3.0], &[true, true, false]);
    // p = 0 is the origin when the curve has events.
    assert_eq!(km.quantile(0.0, ConfType::Log, 0.95).estimate, Some(0.0));
    // Out-of-range p and an empty fit: all None, no panic.
    for p in [-0.1, 1.1, f64::NAN] {
        assert_eq!(
            km.quantile(p, ConfType::Log, 0.95),
            QuantileEstimate::default()
        );
    }
    assert_eq!(
        fit(&[], &[]).median(ConfType::Log, 0.95),
        QuantileEstimate::default()
    );
    // No events: R returns NA even for p = 0 under log CIs (findq's last-point
    // rule meets an NA lookup).
    let km = fit(&[2.0, 4.0], &[false, false]);
    assert_eq!(km.quantile(0.0, ConfType::Log, 0.95).estimate, None);
    // Bad confidence level: estimate still there, limits missing.
    let km = fit(&[1.0, 2.0, 3.0, 4.0], &[true; 4]);
    let q = km.median(ConfType::Log, 1.5);
    assert_eq!(q.estimate, Some(2.5));
    assert_eq!((q.lower, q.upper), (None, None));
}

#[test]
fn landmark_std_err_is_on_survival_scale() {
    let km = fit(&[1.0, 2.0, 3.0, 4.0], &[true, false, true, true]);
    let lm = km.survival_at(2.5, ConfType::Log, 0.95).unwrap();
    assert_eq!(lm.surv, 0.75);
    assert!(close(lm.std_err, 0.75 * km.std_err()[1]));
    // Before the first time: R's prepended time-0 row.
    let lm = km.survival_at(0.5, ConfType::LogLog, 0.95).unwrap();
    assert_eq!(
        (lm.surv, lm.std_err, lm.lower, lm.upper),
        (1.0, 0.0, 1.0, 1.0)
    );
    // At and beyond the last time.
    assert_eq!(km.survival_at(4.0, ConfType::Log, 0.95).unwrap().surv, 0.0);
    assert!(km
        .survival_at(4.0, ConfType::Log, 0.95)
        .unwrap()
        .std_err
        .is_nan());
    assert_eq!(km.survival_at(4.000001, ConfType::Log, 0.95), None);
    assert_eq!(km.survival_at(f64::NAN, ConfType::Log, 0.95), None);
}

#[test]
fn followup_uses_reverse_km_and_leaves_scratch_reusable() {
    let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let e = [true, false, true, false, false, true];
    let mut scratch = KaplanMeier::new();
    let q = median_followup(&t, &e, &mut scratch);
    // Reverse KM: "events" (censorings) at 2, 4, 5 among 6.
    // S: 1 (t=1), 4/5 (t=2), 4/5, 4/5*2/3 (t=4) = 0.5333, *1/2 (t=5) = 0.2667.
    // R: quantile(survfit(Surv(t, 1 - e) ~ 1), 0.5) gives 5 (4, NA).
    assert_eq!((q.estimate, q.lower, q.upper), (Some(5.0), Some(4.0), None));
    assert_eq!(scratch.n_event().iter().sum::<usize>(), 3);
    // The same scratch then serves an ordinary fit.
    scratch.fit(&t, &e);
    assert_eq!(scratch.n_event().iter().sum::<usize>(), 3);
    assert_eq!(scratch.n_censor().iter().sum::<usize>(), 3);
}

/// Pseudo-random tied, censored data (a fixed LCG, no RNG dependency).
fn tied_data(n: usize, seed: u64) -> (Vec<f64>, Vec<bool>) {
    let mut x = seed;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as f64 / (1u64 << 31) as f64
    };
    (0..n)
        .map(|_| ((next() * 40.0).round() / 2.0, next() < 0.7))
        .unzip()
}

#[test]
fn shortcuts_equal_the_full_fits_bit_for_bit() {
    // The hot path reports OS and follow-up medians without CIs and takes the
    // reverse (follow-up) fit from the OS fit's table: both must be exactly
    // what the full computations give.
    for (n, seed) in [(1, 1), (7, 2), (60, 3), (154, 4), (307, 5)] {
        let (t, e) = tied_data(n, seed);
        let km = fit(&t, &e);
        for p in [0.25, 0.5, 0.75] {
            for conf in [ConfType::Plain, ConfType::Log, ConfType::LogLog] {
                assert_eq!(
                    km.quantile_estimate(p).map(f64::to_bits),
                    km.quantile(p, conf, 0.95).estimate.map(f64::to_bits),
                    "n = {n}, p = {p}"
                );
            }
        }
        let mut reversed = KaplanMeier::new();
        reversed.reverse_of(&km);
        let mut direct = KaplanMeier::new();
        direct.fit_reverse(&t, &e);
        assert_eq!(reversed.time(), direct.time(), "n = {n}");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(reversed.surv()), bits(direct.surv()), "n = {n}");
        assert_eq!(
            reversed.median_estimate().map(f64::to_bits),
            median_followup(&t, &e, &mut KaplanMeier::new())
                .estimate
                .map(f64::to_bits),
            "n = {n}"
        );
    }
}
