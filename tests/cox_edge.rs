//! Error handling, degenerate inputs and robustness of the Cox fitter.

use cohortsim::analysis::cox::{chisq_sf, two_sided_z, CoxControl, CoxError, CoxModel, Ties};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn empty_input_is_an_error() {
    let mut m = CoxModel::new();
    for ties in [Ties::Efron, Ties::Breslow] {
        assert_eq!(
            m.fit(&[], &[], &[], 1, None, ties),
            Err(CoxError::EmptyInput)
        );
        assert_eq!(
            m.fit(&[], &[], &[], 0, Some(&[]), ties),
            Err(CoxError::EmptyInput)
        );
    }
    assert!(m.last_fit().is_none());
    assert!(m.coefficients().is_empty());
    assert!(m.coef_summary(0, 0.95).is_none());
}

#[test]
fn all_censored_is_an_error() {
    let mut m = CoxModel::new();
    let t = [1.0, 2.0, 3.0, 4.0];
    let e = [false; 4];
    let x = [0.0, 1.0, 0.0, 1.0];
    assert_eq!(
        m.fit(&t, &e, &x, 1, None, Ties::Efron),
        Err(CoxError::NoEvents)
    );
    assert_eq!(
        m.fit(&t, &e, &x, 1, Some(&[0, 0, 1, 1]), Ties::Breslow),
        Err(CoxError::NoEvents)
    );
}

#[test]
fn constant_covariate_is_an_error_naming_the_column() {
    let mut m = CoxModel::new();
    let t = [5.0, 2.0, 3.0, 4.0, 1.0, 6.0];
    let e = [true, true, false, true, true, false];
    // column 1 constant
    let x = [0.1, 3.0, 0.5, 3.0, 0.2, 3.0, 0.9, 3.0, 0.4, 3.0, 0.3, 3.0];
    assert_eq!(
        m.fit(&t, &e, &x, 2, None, Ties::Efron),
        Err(CoxError::ConstantCovariate { column: 1 })
    );
    let msg = CoxError::ConstantCovariate { column: 1 }.to_string();
    assert!(msg.contains("column 1") && msg.contains("constant"));
}

#[test]
fn collinear_columns_are_a_singular_information_error() {
    let mut m = CoxModel::new();
    let t = [5.0, 2.0, 3.0, 4.0, 1.0, 6.0, 7.0, 8.0];
    let e = [true, true, false, true, true, false, true, true];
    let n = t.len();
    let mut x = Vec::new();
    for i in 0..n {
        let a = (i as f64 * 0.7).sin();
        let b = (i % 2) as f64;
        x.extend_from_slice(&[a, b, 2.0 * a - 3.0 * b]);
    }
    assert_eq!(
        m.fit(&t, &e, &x, 3, None, Ties::Efron),
        Err(CoxError::SingularInformation { column: 2 })
    );
}

#[test]
fn covariate_constant_within_strata_is_singular() {
    let mut m = CoxModel::new();
    let t = [1.0, 2.0, 3.0, 4.0, 1.5, 2.5, 3.5, 4.5];
    let e = [true, true, false, true, true, false, true, true];
    let s = [0, 0, 0, 0, 1, 1, 1, 1];
    let x = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
    assert_eq!(
        m.fit(&t, &e, &x, 1, Some(&s), Ties::Efron),
        Err(CoxError::SingularInformation { column: 0 })
    );
}

#[test]
fn bad_lengths_and_non_finite_values_are_errors() {
    let mut m = CoxModel::new();
    let t = [1.0, 2.0, 3.0];
    let e = [true, false, true];
    let x = [0.0, 1.0, 2.0];
    assert!(matches!(
        m.fit(&t, &e[..2], &x, 1, None, Ties::Efron),
        Err(CoxError::LengthMismatch { what: "event", .. })
    ));
    assert!(matches!(
        m.fit(&t, &e, &x[..2], 1, None, Ties::Efron),
        Err(CoxError::LengthMismatch { what: "x", .. })
    ));
    assert!(matches!(
        m.fit(&t, &e, &x, 1, Some(&[0, 1]), Ties::Efron),
        Err(CoxError::LengthMismatch { what: "strata", .. })
    ));
    assert_eq!(
        m.fit(&t, &e, &x, 0, None, Ties::Efron),
        Err(CoxError::NoCovariates)
    );
    assert!(matches!(
        m.fit(&t, &e, &x, usize::MAX, None, Ties::Efron),
        Err(CoxError::LengthMismatch { what: "x", .. })
    ));
    assert_eq!(
        m.fit(&[1.0, f64::NAN, 3.0], &e, &x, 1, None, Ties::Efron),
        Err(CoxError::NonFiniteTime { row: 1 })
    );
    assert_eq!(
        m.fit(&t, &e, &[0.0, 1.0, f64::INFINITY], 1, None, Ties::Efron),
        Err(CoxError::NonFiniteCovariate { row: 2, column: 0 })
    );
}

#[test]
fn single_event_and_tiny_data_do_not_panic() {
    let mut m = CoxModel::new();
    // one event, two subjects: the event is in the higher-x subject: monotone
    let r = m.fit(
        &[1.0, 2.0],
        &[true, false],
        &[1.0, 0.0],
        1,
        None,
        Ties::Efron,
    );
    let f = r.unwrap();
    assert!(f.monotone);
    assert!(m.coef_summary(0, 0.95).unwrap().beta == f64::INFINITY);
    // only one subject at risk when the event happens: no information
    let r = m.fit(
        &[2.0, 1.0],
        &[true, false],
        &[1.0, 0.0],
        1,
        None,
        Ties::Efron,
    );
    assert_eq!(r, Err(CoxError::SingularInformation { column: 0 }));
}

#[test]
fn monotone_binary_covariate_is_flagged_not_nan() {
    // group 1 never has an event -> beta -> -inf
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let n = 200;
    let mut t = Vec::new();
    let mut e = Vec::new();
    let mut x = Vec::new();
    for i in 0..n {
        let g = (i % 2) as f64;
        let z: f64 = rng.gen::<f64>() - 0.5;
        t.push(rng.gen::<f64>() * 10.0);
        e.push(g == 0.0 && rng.gen::<f64>() < 0.7);
        x.extend_from_slice(&[z, g]);
    }
    for ties in [Ties::Efron, Ties::Breslow] {
        let mut m = CoxModel::new();
        let f = m.fit(&t, &e, &x, 2, None, ties).unwrap();
        assert!(f.monotone && !f.is_ok());
        assert_eq!(m.infinite(), &[false, true]);
        let s = m.coef_summary(1, 0.95).unwrap();
        assert!(s.infinite && s.beta == f64::NEG_INFINITY && s.hr == 0.0);
        let s0 = m.coef_summary(0, 0.95).unwrap();
        assert!(!s0.infinite && s0.se.is_finite() && s0.p_value().is_finite());
        assert!(f.loglik.is_finite() && f.lr_chisq.is_finite() && f.score_chisq.is_finite());
        assert!(f.iterations <= 20);
    }
}

#[test]
fn ran_out_of_iterations_is_reported() {
    let ctl = CoxControl {
        iter_max: 1,
        ..CoxControl::default()
    };
    let mut m = CoxModel::with_control(ctl);
    let t = [5.0, 2.0, 3.0, 4.0, 1.0, 6.0, 7.0, 8.0];
    let e = [true, true, false, true, true, false, true, true];
    let x = [0.3, 1.2, -0.5, 2.0, 0.1, 0.7, -1.0, 0.4];
    let f = m.fit(&t, &e, &x, 1, None, Ties::Efron).unwrap();
    assert!(!f.converged && !f.is_ok());
    assert_eq!(f.iterations, 1);
    assert!(m.std_errors()[0].is_finite());
    m.set_control(CoxControl::default());
    let f = m.fit(&t, &e, &x, 1, None, Ties::Efron).unwrap();
    assert!(f.converged && f.is_ok());
}

#[test]
fn random_small_inputs_never_panic_and_never_return_nan_as_ok() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut m = CoxModel::new();
    let mut ok = 0;
    let mut errs = 0;
    for _ in 0..20_000 {
        let n = rng.gen_range(0..12);
        let p = rng.gen_range(0..4);
        let t: Vec<f64> = (0..n).map(|_| rng.gen_range(0..4) as f64).collect();
        let e: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.5)).collect();
        let x: Vec<f64> = (0..n * p)
            .map(|_| match rng.gen_range(0..4) {
                0 => 0.0,
                1 => 1.0,
                2 => rng.gen_range(-3.0..3.0),
                _ => rng.gen_range(-1e3..1e3),
            })
            .collect();
        let s: Vec<u32> = (0..n).map(|_| rng.gen_range(0..3)).collect();
        let strata = if rng.gen_bool(0.3) {
            Some(s.as_slice())
        } else {
            None
        };
        let ties = if rng.gen_bool(0.5) {
            Ties::Efron
        } else {
            Ties::Breslow
        };
        match m.fit(&t, &e, &x, p, strata, ties) {
            Ok(f) => {
                ok += 1;
                assert!(f.loglik.is_finite() && f.loglik_null.is_finite());
                assert!(f.score_chisq.is_finite() && f.lr_chisq.is_finite());
                assert!(f.iterations <= 20);
                for j in 0..p {
                    let c = m.coef_summary(j, 0.95).unwrap();
                    if c.infinite {
                        assert!(f.monotone && c.beta.is_infinite());
                    } else {
                        assert!(c.beta.is_finite(), "{c:?}");
                        assert!(!c.se.is_nan(), "{c:?}");
                    }
                }
            }
            Err(_) => errs += 1,
        }
    }
    assert!(ok > 1000 && errs > 1000, "ok {ok} errs {errs}");
}

#[test]
fn distribution_helpers() {
    assert_eq!(chisq_sf(0.0, 1.0), 1.0);
    assert_eq!(chisq_sf(-1e-12, 2.0), 1.0);
    assert!(chisq_sf(f64::NAN, 1.0).is_nan());
    assert_eq!(chisq_sf(f64::INFINITY, 3.0), 0.0);
    // R: pchisq(3.84, 1, lower.tail = FALSE); pchisq(100, 1, lower = FALSE)
    assert!((chisq_sf(3.84, 1.0) / 0.050043521248705224 - 1.0).abs() < 1e-13);
    assert!((chisq_sf(100.0, 1.0) / 1.5239706048321054e-23 - 1.0).abs() < 1e-12);
    // R: qnorm(0.975)
    assert!((two_sided_z(0.95) / 1.9599639845400536 - 1.0).abs() < 1e-14);
    assert!(two_sided_z(1.0).is_nan());
}
