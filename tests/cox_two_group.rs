//! The two-arm fast path of the Cox fit (one 0/1 covariate, unit weights,
//! no strata, rows sorted by time: a trial's model, fitted on its table of
//! event times) against the general row-by-row path on the same data.
//!
//! `fit_weighted` with every weight exactly 1 takes the general path (its
//! unit-weight evaluation is the one `fit` used before the fast path; the
//! module documentation promises unit weights reproduce `fit`), so it is
//! the reference. The two differ only by rounding: the table's counts are
//! exact where the row path adds each risk one at a time.

use cohortsim::analysis::cox::{CoxError, CoxFit, CoxModel, Ties};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Relative agreement of two finite-or-not numbers, with an absolute floor
/// for quantities that are themselves differences of O(1) terms (a score
/// statistic or a coefficient that is nearly 0 carries the terms' rounding
/// in absolute, not relative, terms).
fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= rel * a.abs().max(b.abs()) + abs
}

struct Data {
    time: Vec<f64>,
    event: Vec<bool>,
    x: Vec<f64>,
}

/// Sorted two-arm data. `tie_grid`: times rounded to this grid (0 = none);
/// `censor`: the censoring rate relative to the events' (0 = none);
/// `frac1`: share of arm 1; `hr`: arm 1's hazard ratio; `events`: which
/// arms can have events (0 = both, 1 = only arm 0, 2 = only arm 1).
fn simulate(rng: &mut ChaCha8Rng, n: usize, tie_grid: f64, censor: f64, frac1: f64) -> Data {
    let hr: f64 = rng.gen_range(0.3..3.0);
    let events_in = rng.gen_range(0..8); // mostly both arms
    let mut rows: Vec<(f64, bool, f64)> = (0..n)
        .map(|i| {
            let arm = if i == 0 {
                0.0
            } else if i == 1 {
                1.0
            } else {
                f64::from(u8::from(rng.gen_bool(frac1)))
            };
            let rate = if arm == 1.0 { hr } else { 1.0 };
            let mut t = -rng.gen::<f64>().ln() / rate;
            let c = if censor > 0.0 {
                -rng.gen::<f64>().ln() / censor
            } else {
                f64::INFINITY
            };
            let mut e = t <= c;
            t = t.min(c);
            if tie_grid > 0.0 {
                t = (t / tie_grid).ceil() * tie_grid;
            }
            match events_in {
                0 if arm == 1.0 => e = false,
                1 if arm == 0.0 => e = false,
                _ => {}
            }
            (t, e, arm)
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    Data {
        time: rows.iter().map(|r| r.0).collect(),
        event: rows.iter().map(|r| r.1).collect(),
        x: rows.iter().map(|r| r.2).collect(),
    }
}

/// Everything `fit` reports, for one model state.
struct Out {
    fit: Result<CoxFit, CoxError>,
    coef: Vec<f64>,
    se: Vec<f64>,
    var: Vec<f64>,
    score: Vec<f64>,
    means: Vec<f64>,
    infinite: Vec<bool>,
    summary: Option<cohortsim::analysis::cox::CoefSummary>,
}

fn outputs(m: &CoxModel, fit: Result<CoxFit, CoxError>) -> Out {
    Out {
        fit,
        coef: m.coefficients().to_vec(),
        se: m.std_errors().to_vec(),
        var: m.covariance().to_vec(),
        score: m.score_vector().to_vec(),
        means: m.means().to_vec(),
        infinite: m.infinite().to_vec(),
        summary: m.coef_summary(0, 0.95),
    }
}

/// Asserts the fast fit `a` equals the general fit `b`; returns whether the
/// fit was monotone.
fn assert_same(a: &Out, b: &Out, what: &str) -> bool {
    let (fa, fb) = match (&a.fit, &b.fit) {
        (Ok(fa), Ok(fb)) => (fa, fb),
        (ea, eb) => {
            assert_eq!(ea, eb, "{what}");
            return false;
        }
    };
    assert_eq!(fa.n, fb.n, "{what}");
    assert_eq!(fa.n_events, fb.n_events, "{what}");
    assert_eq!(fa.p, fb.p, "{what}");
    assert_eq!(fa.iterations, fb.iterations, "{what}: iterations");
    assert_eq!(fa.converged, fb.converged, "{what}: converged");
    assert_eq!(fa.monotone, fb.monotone, "{what}: monotone");
    assert_eq!(fa.halving, fb.halving, "{what}: halving");
    assert_eq!(a.infinite, b.infinite, "{what}");
    assert_eq!(a.means, b.means, "{what}");
    const REL: f64 = 1e-10;
    // Absolute floors: the LR statistic is a difference of two
    // log-likelihoods, so it carries their rounding (relative to |loglik|);
    // the score statistic is built from U(0), a sum of n_events terms of
    // either sign; a p-value moves with its statistic.
    let lr_abs = 1e-13 * fa.loglik_null.abs().max(1.0);
    let sum_abs = 1e-13 * fa.n_events as f64;
    let pairs = [
        ("loglik_null", fa.loglik_null, fb.loglik_null, 0.0),
        ("loglik", fa.loglik, fb.loglik, 0.0),
        ("score", fa.score_chisq, fb.score_chisq, sum_abs),
        ("score_p", fa.score_p(), fb.score_p(), 1e-10),
        ("lr", fa.lr_chisq, fb.lr_chisq, lr_abs),
        ("lr_p", fa.lr_p(), fb.lr_p(), 1e-10),
    ];
    for (name, x, y, abs) in pairs {
        assert!(close(x, y, REL, abs), "{what}: {name} {x} vs {y}");
    }
    if fa.monotone {
        // The raw last iterate of an infinite coefficient is not compared:
        // there the row path's score and information are differences of
        // numbers close to 1 (its risk-set means tend to 0 or 1), so they
        // carry rounding of relative size exp(|beta|) 2^-53, pure noise once
        // |beta| passes ~37 (the table's are taken without that
        // cancellation). The flags, the iteration count and the likelihood
        // (checked above) agree, and so does the summary.
        let (sa, sb) = (a.summary.unwrap(), b.summary.unwrap());
        assert!(sa.infinite && sb.infinite, "{what}");
        assert_eq!(sa.beta, sb.beta, "{what}");
        return true;
    }
    let pairs = [
        ("coef", a.coef[0], b.coef[0]),
        ("se", a.se[0], b.se[0]),
        ("var", a.var[0], b.var[0]),
        ("wald", fa.wald_chisq, fb.wald_chisq),
        ("wald_p", fa.wald_p(), fb.wald_p()),
    ];
    for (name, x, y) in pairs {
        assert!(close(x, y, REL, sum_abs), "{what}: {name} {x} vs {y}");
    }
    // The score at the estimate is ~0: rounding of its O(n_events) terms.
    let tol = 1e-12 * fa.n_events as f64;
    assert!(
        (a.score[0] - b.score[0]).abs() <= tol,
        "{what}: score vector {} vs {}",
        a.score[0],
        b.score[0]
    );
    let (sa, sb) = (a.summary.unwrap(), b.summary.unwrap());
    for (name, x, y) in [
        ("hr", sa.hr, sb.hr),
        ("hr_lower", sa.hr_lower, sb.hr_lower),
        ("hr_upper", sa.hr_upper, sb.hr_upper),
        ("z", sa.z, sb.z),
        ("p", sa.p_value(), sb.p_value()),
    ] {
        assert!(close(x, y, REL, sum_abs), "{what}: {name} {x} vs {y}");
    }
    false
}

fn both(m: &mut CoxModel, d: &Data, ties: Ties) -> (Out, Out) {
    let fast = m.fit(&d.time, &d.event, &d.x, 1, None, ties);
    let fast = outputs(m, fast);
    let ones = vec![1.0; d.time.len()];
    let general = m.fit_weighted(&d.time, &d.event, &d.x, 1, None, &ones, ties);
    let general = outputs(m, general);
    (fast, general)
}

#[test]
fn fast_path_equals_the_general_path_on_random_trials() {
    let mut rng = ChaCha8Rng::seed_from_u64(20261122);
    let mut m = CoxModel::new();
    let (mut fits, mut monotone, mut tied, mut errors) = (0, 0, 0, 0);
    for case in 0..3000 {
        let n = match case % 5 {
            0 => rng.gen_range(2..10),
            1 => rng.gen_range(10..60),
            _ => rng.gen_range(60..=500),
        };
        let tie_grid = [0.0, 0.0, 0.01, 0.1, 0.5][rng.gen_range(0..5)];
        let censor = [0.0, 0.2, 1.0, 4.0][rng.gen_range(0..4)];
        let frac1 = [0.5, 0.5, 0.2, 0.05, 0.9][rng.gen_range(0..5)];
        let d = simulate(&mut rng, n, tie_grid, censor, frac1);
        for ties in [Ties::Efron, Ties::Breslow] {
            let (fast, general) = both(&mut m, &d, ties);
            let what = format!("case {case}, n {n}, grid {tie_grid}, censor {censor}, {ties:?}");
            monotone += usize::from(assert_same(&fast, &general, &what));
            fits += usize::from(fast.fit.is_ok());
            errors += usize::from(fast.fit.is_err());
            tied += usize::from(tie_grid > 0.0 && fast.fit.is_ok());
        }
    }
    // The sample covers what it claims to.
    assert!(fits > 5000, "{fits} fits");
    assert!(monotone > 100, "{monotone} monotone fits");
    assert!(tied > 2000, "{tied} tied fits");
    assert!(errors > 0, "{errors} errors");
}

#[test]
fn w1_sized_trial_agrees_and_converges_like_coxph() {
    // 154 vs 153, exponential PFS with medians 11.5 and 6.5 months,
    // administrative censoring at month 25 after uniform accrual over 14.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut m = CoxModel::new();
    for _ in 0..200 {
        let mut rows: Vec<(f64, bool, f64)> = (0..307)
            .map(|i| {
                let arm = f64::from(u8::from(i < 154));
                let median = if arm == 1.0 { 11.5 } else { 6.5 };
                let t = -rng.gen::<f64>().ln() * median / std::f64::consts::LN_2;
                let c = 25.0 - rng.gen_range(0.0..14.0);
                (t.min(c), t <= c, arm)
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let d = Data {
            time: rows.iter().map(|r| r.0).collect(),
            event: rows.iter().map(|r| r.1).collect(),
            x: rows.iter().map(|r| r.2).collect(),
        };
        let (fast, general) = both(&mut m, &d, Ties::Efron);
        assert!(!assert_same(&fast, &general, "W1"));
        let f = fast.fit.unwrap();
        assert!(f.is_ok());
        assert!((3..=6).contains(&f.iterations), "{}", f.iterations);
    }
}

#[test]
fn an_arm_without_events_is_an_infinite_coefficient() {
    // Arm 1 never fails: beta -> -inf, as coxph's "coefficient may be
    // infinite".
    let time: Vec<f64> = (1..=12).map(f64::from).collect();
    let event = [
        true, false, true, false, true, false, true, false, true, false, true, false,
    ];
    let x = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
    let mut m = CoxModel::new();
    let d = Data {
        time,
        event: event.to_vec(),
        x: x.to_vec(),
    };
    for ties in [Ties::Efron, Ties::Breslow] {
        let (fast, general) = both(&mut m, &d, ties);
        assert!(assert_same(&fast, &general, "no events in arm 1"));
        let s = fast.summary.unwrap();
        assert!(s.infinite && s.beta == f64::NEG_INFINITY && s.hr == 0.0);
    }
}

#[test]
fn errors_and_unsorted_input_match_the_general_path() {
    let mut m = CoxModel::new();
    let cases: Vec<(Vec<f64>, Vec<bool>, Vec<f64>)> = vec![
        // unsorted: the general path sorts
        (
            vec![3.0, 1.0, 2.0, 5.0, 4.0, 0.5],
            vec![true, true, false, true, true, true],
            vec![1.0, 0.0, 1.0, 0.0, 1.0, 0.0],
        ),
        // not 0/1
        (
            vec![1.0, 2.0, 3.0, 4.0],
            vec![true, true, false, true],
            vec![0.0, 2.0, 1.0, 0.0],
        ),
        // constant arm
        (
            vec![1.0, 2.0, 3.0],
            vec![true, true, true],
            vec![1.0, 1.0, 1.0],
        ),
        // no events
        (
            vec![1.0, 2.0, 3.0],
            vec![false, false, false],
            vec![0.0, 1.0, 0.0],
        ),
        // non-finite time and covariate
        (
            vec![1.0, f64::NAN, 3.0],
            vec![true, true, true],
            vec![0.0, 1.0, 0.0],
        ),
        (
            vec![1.0, 2.0, 3.0],
            vec![true, true, true],
            vec![0.0, f64::INFINITY, 0.0],
        ),
        // arm 1 entirely censored before the first event: no information
        (
            vec![1.0, 2.0, 3.0, 4.0],
            vec![false, false, true, true],
            vec![1.0, 1.0, 0.0, 0.0],
        ),
    ];
    for (k, (time, event, x)) in cases.into_iter().enumerate() {
        let d = Data { time, event, x };
        for ties in [Ties::Efron, Ties::Breslow] {
            let (fast, general) = both(&mut m, &d, ties);
            assert_same(&fast, &general, &format!("case {k}"));
        }
    }
    // Lengths are still checked.
    assert!(matches!(
        m.fit(&[1.0, 2.0], &[true, true], &[0.0], 1, None, Ties::Efron),
        Err(CoxError::LengthMismatch { what: "x", .. })
    ));
    assert!(matches!(
        m.fit(&[1.0, 2.0], &[true], &[0.0, 1.0], 1, None, Ties::Efron),
        Err(CoxError::LengthMismatch { what: "event", .. })
    ));
}
