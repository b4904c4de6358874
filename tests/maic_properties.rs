//! Properties of the weighted estimators that hold whatever R says:
//! unit weights give the unweighted estimators exactly, whole-number weights
//! are replication (Kaplan-Meier; Cox with Breslow ties), zero weights are
//! removal, the robust variances do not
//! depend on the scale of the weights, and MAIC weights do not depend on
//! the units of the covariates or the order of the rows.

#[path = "support/r_fixtures.rs"]
mod r_fixtures;
use r_fixtures::Table;

use cohortsim::analysis::{
    maic_weights, rmst, ConfType, CoxError, CoxModel, KaplanMeier, KmVariance, Ties, WeightError,
};

fn datasets() -> Vec<(String, Vec<f64>, Vec<bool>)> {
    r_fixtures::datasets(&Table::load(&["data.csv"]))
        .into_iter()
        .map(|(k, d)| (k, d.time, d.event))
        .collect()
}

#[track_caller]
fn same_bits(what: &str, a: f64, b: f64) {
    assert!(
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
        "{what}: {a:e} vs {b:e}"
    );
}

#[track_caller]
fn near(what: &str, a: f64, b: f64, rel: f64) {
    assert!(
        (a - b).abs() <= rel * b.abs().max(1e-300) || (a.is_nan() && b.is_nan()) || a == b,
        "{what}: {a:e} vs {b:e}"
    );
}

/// Every summary of two curves agrees bit for bit.
fn assert_same_curve(ctx: &str, a: &KaplanMeier, b: &KaplanMeier) {
    assert_eq!(a.len(), b.len(), "{ctx}: rows");
    assert_eq!(a.variance(), b.variance(), "{ctx}: variance");
    for i in 0..a.len() {
        same_bits(&format!("{ctx} time {i}"), a.time()[i], b.time()[i]);
        same_bits(&format!("{ctx} surv {i}"), a.surv()[i], b.surv()[i]);
        same_bits(
            &format!("{ctx} std.err {i}"),
            a.std_err()[i],
            b.std_err()[i],
        );
        same_bits(
            &format!("{ctx} n.risk {i}"),
            a.weighted_n_risk()[i],
            b.weighted_n_risk()[i],
        );
        for conf in ConfType::ALL {
            let (l1, u1) = a.ci_at_index(i, conf, 0.95);
            let (l2, u2) = b.ci_at_index(i, conf, 0.95);
            same_bits(&format!("{ctx} lower {conf} {i}"), l1, l2);
            same_bits(&format!("{ctx} upper {conf} {i}"), u1, u2);
        }
    }
    for conf in ConfType::ALL {
        for p in [0.1, 0.25, 0.5, 0.75, 0.9] {
            assert_eq!(
                a.quantile(p, conf, 0.95),
                b.quantile(p, conf, 0.95),
                "{ctx} q{p} {conf}"
            );
        }
        for t in [0.5, 3.0, 10.0, 100.0] {
            match (a.survival_at(t, conf, 0.95), b.survival_at(t, conf, 0.95)) {
                (None, None) => {}
                (Some(x), Some(y)) => {
                    for (q, u, v) in [
                        ("surv", x.surv, y.surv),
                        ("se", x.std_err, y.std_err),
                        ("lower", x.lower, y.lower),
                        ("upper", x.upper, y.upper),
                    ] {
                        same_bits(&format!("{ctx} S({t}) {conf} {q}"), u, v);
                    }
                }
                other => panic!("{ctx} S({t}) {conf}: {other:?}"),
            }
        }
    }
    assert_eq!(
        a.median_symmetric(0.95),
        b.median_symmetric(0.95),
        "{ctx} symmetric"
    );
    if let Some(&last) = a.time().last() {
        assert_eq!(rmst(a, last), rmst(b, last), "{ctx} rmst");
    }
}

#[test]
fn unit_weights_give_the_unweighted_kaplan_meier() {
    let mut plain = KaplanMeier::new();
    let mut weighted = KaplanMeier::new();
    for (ds, time, event) in datasets() {
        plain.fit(&time, &event);
        weighted
            .fit_weighted(&time, &event, &vec![1.0; time.len()])
            .unwrap();
        assert_eq!(weighted.variance(), KmVariance::Greenwood, "{ds}");
        assert!(weighted.is_weighted() && !plain.is_weighted());
        assert_same_curve(&ds, &weighted, &plain);
        for i in 0..plain.len() {
            assert_eq!(weighted.weighted_n_event()[i], plain.n_event()[i] as f64);
            assert_eq!(weighted.weighted_n_censor()[i], plain.n_censor()[i] as f64);
            assert_eq!(weighted.n_risk()[i], plain.n_risk()[i]);
        }
    }
}

#[test]
fn whole_number_weights_are_replication() {
    let mut dup = KaplanMeier::new();
    let mut weighted = KaplanMeier::new();
    for (ds, time, event) in datasets() {
        let t2: Vec<f64> = time.iter().flat_map(|&t| [t, t]).collect();
        let e2: Vec<bool> = event.iter().flat_map(|&e| [e, e]).collect();
        dup.fit(&t2, &e2);
        weighted
            .fit_weighted(&time, &event, &vec![2.0; time.len()])
            .unwrap();
        assert_eq!(weighted.variance(), KmVariance::Greenwood, "{ds}");
        assert_same_curve(&format!("{ds} x2"), &weighted, &dup);
    }
}

#[test]
fn a_fractional_weight_switches_to_the_robust_variance_as_survfit_does() {
    let (time, event) = ([1.0, 2.0, 3.0, 4.0], [true, false, true, true]);
    let mut km = KaplanMeier::new();
    km.fit_weighted(&time, &event, &[1.0, 1.0, 1.5, 1.0])
        .unwrap();
    assert_eq!(km.variance(), KmVariance::InfinitesimalJackknife);
    assert!(!km.variance().log_scale());
    // The curve drops to 0 at the end: the robust SE there is exactly 0.
    assert_eq!(*km.surv().last().unwrap(), 0.0);
    assert_eq!(*km.std_err().last().unwrap(), 0.0);
}

#[test]
fn robust_kaplan_meier_variance_ignores_the_scale_of_the_weights() {
    let mut a = KaplanMeier::new();
    let mut b = KaplanMeier::new();
    for (ds, time, event) in datasets() {
        let w: Vec<f64> = (0..time.len())
            .map(|i| 0.3 + (i % 7) as f64 * 0.41)
            .collect();
        let w3: Vec<f64> = w.iter().map(|v| v * 3.7).collect();
        let ij = KmVariance::InfinitesimalJackknife;
        a.fit_weighted_with(&time, &event, &w, ij).unwrap();
        b.fit_weighted_with(&time, &event, &w3, ij).unwrap();
        for i in 0..a.len() {
            near(&format!("{ds} surv {i}"), b.surv()[i], a.surv()[i], 1e-13);
            near(
                &format!("{ds} se {i}"),
                b.std_err()[i],
                a.std_err()[i],
                1e-12,
            );
        }
    }
}

#[test]
fn zero_weights_remove_subjects_but_keep_their_rows() {
    let mut full = KaplanMeier::new();
    let mut reduced = KaplanMeier::new();
    for (ds, time, event) in datasets() {
        if time.len() < 10 {
            continue;
        }
        let n = time.len();
        let w: Vec<f64> = (0..n)
            .map(|i| {
                if i % 5 == 0 {
                    0.0
                } else {
                    0.5 + (i % 3) as f64
                }
            })
            .collect();
        let keep: Vec<usize> = (0..n).filter(|i| i % 5 != 0).collect();
        let t: Vec<f64> = keep.iter().map(|&i| time[i]).collect();
        let e: Vec<bool> = keep.iter().map(|&i| event[i]).collect();
        let wk: Vec<f64> = keep.iter().map(|&i| w[i]).collect();
        for var in [KmVariance::Greenwood, KmVariance::InfinitesimalJackknife] {
            full.fit_weighted_with(&time, &event, &w, var).unwrap();
            reduced.fit_weighted_with(&t, &e, &wk, var).unwrap();
            for (j, &tj) in reduced.time().iter().enumerate() {
                let i = full.time().iter().position(|&x| x == tj).unwrap();
                near(
                    &format!("{ds} {var:?} surv"),
                    full.surv()[i],
                    reduced.surv()[j],
                    1e-13,
                );
                near(
                    &format!("{ds} {var:?} se"),
                    full.std_err()[i],
                    reduced.std_err()[j],
                    1e-11,
                );
            }
        }
    }
}

#[test]
fn bad_weights_are_errors_not_panics() {
    let mut km = KaplanMeier::new();
    km.fit(&[1.0, 2.0], &[true, true]);
    assert_eq!(
        km.fit_weighted(&[1.0, 2.0], &[true, true], &[1.0]),
        Err(WeightError::LengthMismatch {
            what: "weights",
            expected: 2,
            found: 1
        })
    );
    assert!(km.is_empty(), "a failed fit leaves no stale curve");
    assert_eq!(
        km.fit_weighted(&[1.0, 2.0], &[true, true], &[1.0, -0.5]),
        Err(WeightError::Negative { index: 1 })
    );
    assert_eq!(
        km.fit_weighted(&[1.0, 2.0], &[true, true], &[f64::NAN, 1.0]),
        Err(WeightError::NonFinite { index: 0 })
    );
    assert!(km
        .fit_weighted(&[1.0, 2.0], &[true], &[1.0, 1.0])
        .unwrap_err()
        .to_string()
        .contains("`event`"));
    // All weights zero: a flat curve, no panic.
    km.fit_weighted(&[1.0, 2.0], &[true, true], &[0.0, 0.0])
        .unwrap();
    assert_eq!(km.surv(), &[1.0, 1.0]);
    assert_eq!(km.median(ConfType::Log, 0.95).estimate, None);
    // Empty input.
    km.fit_weighted(&[], &[], &[]).unwrap();
    assert!(km.is_empty());

    let mut cox = CoxModel::new();
    let x = [0.0, 1.0, 0.0, 1.0];
    let (t, e) = ([1.0, 2.0, 3.0, 4.0], [true, true, false, true]);
    for (w, want) in [
        (
            vec![1.0, 0.0, 1.0, 1.0],
            CoxError::NonPositiveWeight { row: 1 },
        ),
        (
            vec![1.0, 1.0, f64::INFINITY, 1.0],
            CoxError::NonFiniteWeight { row: 2 },
        ),
        (
            vec![1.0],
            CoxError::LengthMismatch {
                what: "weights",
                expected: 4,
                found: 1,
            },
        ),
    ] {
        assert_eq!(
            cox.fit_weighted(&t, &e, &x, 1, None, &w, Ties::Efron),
            Err(want)
        );
        assert!(cox.robust_std_errors().is_empty());
    }
}

/// A small survival data set with ties and a binary + continuous covariate.
fn cox_data() -> (Vec<f64>, Vec<bool>, Vec<f64>) {
    let n = 120;
    let mut time = Vec::new();
    let mut event = Vec::new();
    let mut x = Vec::new();
    for i in 0..n {
        let g = (i % 2) as f64;
        let age = 50.0 + ((i * 37) % 29) as f64;
        // Deterministic, tied times.
        time.push((1 + (i * 13 + (i % 2) * 7) % 23) as f64);
        event.push(i % 4 != 3);
        x.push(g);
        x.push(age);
    }
    (time, event, x)
}

#[test]
fn unit_weights_give_the_unweighted_cox_fit() {
    let (time, event, x) = cox_data();
    let ones = vec![1.0; time.len()];
    for ties in [Ties::Efron, Ties::Breslow] {
        let mut a = CoxModel::new();
        let mut b = CoxModel::new();
        let fa = a.fit(&time, &event, &x, 2, None, ties).unwrap();
        let fb = b
            .fit_weighted(&time, &event, &x, 2, None, &ones, ties)
            .unwrap();
        assert_eq!(fa, fb);
        assert_eq!(a.coefficients(), b.coefficients());
        assert_eq!(a.covariance(), b.covariance());
        assert_eq!(a.score_vector(), b.score_vector());
        assert!(a.robust_std_errors().is_empty());
        assert_eq!(b.robust_std_errors().len(), 2);
        assert!(b
            .robust_std_errors()
            .iter()
            .all(|s| s.is_finite() && *s > 0.0));
        assert_eq!(a.robust_coef_summary(0, 0.95), None);
    }
}

#[test]
fn cox_weights_are_replication_and_robust_se_is_scale_free() {
    let (time, event, x) = cox_data();
    let n = time.len();
    let w: Vec<f64> = (0..n).map(|i| 0.4 + (i % 5) as f64 * 0.35).collect();
    for ties in [Ties::Efron, Ties::Breslow] {
        let mut a = CoxModel::new();
        let mut b = CoxModel::new();
        a.fit_weighted(&time, &event, &x, 2, None, &w, ties)
            .unwrap();
        let w3: Vec<f64> = w.iter().map(|v| v * 3.0).collect();
        b.fit_weighted(&time, &event, &x, 2, None, &w3, ties)
            .unwrap();
        for j in 0..2 {
            near("coef", b.coefficients()[j], a.coefficients()[j], 1e-9);
            near(
                "robust se",
                b.robust_std_errors()[j],
                a.robust_std_errors()[j],
                1e-9,
            );
            near(
                "naive se",
                b.std_errors()[j] * 3f64.sqrt(),
                a.std_errors()[j],
                1e-9,
            );
        }
        // Weight 2 = the row twice, for Breslow (Efron's correction for d
        // tied deaths of weight 2 is not the one for 2d deaths, in coxph too).
        if ties == Ties::Efron {
            continue;
        }
        let two = vec![2.0; n];
        let t2: Vec<f64> = time.iter().flat_map(|&t| [t, t]).collect();
        let e2: Vec<bool> = event.iter().flat_map(|&e| [e, e]).collect();
        let x2: Vec<f64> = x.chunks(2).flat_map(|r| [r[0], r[1], r[0], r[1]]).collect();
        a.fit_weighted(&time, &event, &x, 2, None, &two, ties)
            .unwrap();
        b.fit(&t2, &e2, &x2, 2, None, ties).unwrap();
        for j in 0..2 {
            near("coef x2", a.coefficients()[j], b.coefficients()[j], 1e-10);
            near("se x2", a.std_errors()[j], b.std_errors()[j], 1e-10);
        }
    }
}

#[test]
fn maic_weights_ignore_units_and_row_order() {
    let n = 80;
    let age: Vec<f64> = (0..n).map(|i| 45.0 + ((i * 17) % 40) as f64).collect();
    let male: Vec<f64> = (0..n).map(|i| ((i * 7) % 3 == 0) as u8 as f64).collect();
    let x: Vec<f64> = (0..n).flat_map(|i| [age[i], male[i]]).collect();
    let base = maic_weights(&x, 2, &[60.0, 0.45]).unwrap();
    // Age in months.
    let xm: Vec<f64> = (0..n).flat_map(|i| [age[i] * 12.0, male[i]]).collect();
    let months = maic_weights(&xm, 2, &[720.0, 0.45]).unwrap();
    for i in 0..n {
        near("weight (months)", months.weights[i], base.weights[i], 1e-11);
    }
    near("beta (months)", months.beta[0] * 12.0, base.beta[0], 1e-10);
    // Rows reversed.
    let xr: Vec<f64> = (0..n).rev().flat_map(|i| [age[i], male[i]]).collect();
    let rev = maic_weights(&xr, 2, &[60.0, 0.45]).unwrap();
    for i in 0..n {
        near(
            "weight (reversed)",
            rev.weights[n - 1 - i],
            base.weights[i],
            1e-11,
        );
    }
    assert!((base.weights.iter().sum::<f64>() - n as f64).abs() < 1e-10);
    let ess =
        base.weights.iter().sum::<f64>().powi(2) / base.weights.iter().map(|w| w * w).sum::<f64>();
    near("ess", base.ess, ess, 1e-14);
}
