//! Agreement with R (survival 3.5.3) on the one-sample log-rank fixtures
//! written by `tests/fixtures/make_one_sample_fixtures.R`: survdiff's
//! observed, expected, chisq and p, and poisson.test's exact SMR intervals,
//! every number to 1e-9 relative (1e-12 absolute near zero).

use std::collections::BTreeMap;

#[path = "support/r_fixtures.rs"]
mod r_fixtures;
use r_fixtures::{Data, Table};

use cohortsim::analysis::one_sample_logrank::{
    one_sample_logrank, one_sample_logrank_exponential, smr_exact, OneSampleLogRank,
};

const REL: f64 = 1e-9;
const ABS: f64 = 1e-12;

/// An R number that must be present.
fn num(s: &str) -> f64 {
    r_fixtures::num(s).unwrap_or_else(|| panic!("missing number"))
}

#[track_caller]
fn check(what: &str, got: f64, want: f64) {
    let tol = (REL * want.abs()).max(ABS);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:.17e}, R {want:.17e}"
    );
}

fn datasets() -> BTreeMap<String, Data> {
    r_fixtures::datasets(&Table::load(&["one_sample", "data.csv"]))
}

#[test]
fn one_sample_matches_survdiff() {
    let data = datasets();
    let res = Table::load(&["one_sample", "results.csv"]);
    let c = |name| res.col(name);
    let (c_ds, c_ref, c_n) = (c("dataset"), c("reference"), c("n"));
    let (c_med, c_shape, c_scale) = (c("median"), c("shape"), c("scale"));
    let (c_o, c_e, c_chi, c_p) = (c("observed"), c("expected"), c("chisq"), c("p"));
    let (c_smr, c_l95, c_u95, c_l90, c_u90) = (
        c("smr"),
        c("smr_lower95"),
        c("smr_upper95"),
        c("smr_lower90"),
        c("smr_upper90"),
    );
    assert!(res.rows.len() >= 9, "expected all fixture cases");
    let mut weibull_cases = 0;
    for r in &res.rows {
        let name = &r[c_ds];
        let d = data
            .get(name)
            .unwrap_or_else(|| panic!("no data for {name}"));
        assert_eq!(d.time.len(), r[c_n].parse::<usize>().unwrap(), "{name}: n");
        let fit: OneSampleLogRank = match &r[c_ref] {
            "exponential" => {
                one_sample_logrank_exponential(&d.time, &d.event, num(&r[c_med])).unwrap()
            }
            "weibull" => {
                weibull_cases += 1;
                let (shape, scale) = (num(&r[c_shape]), num(&r[c_scale]));
                one_sample_logrank(&d.time, &d.event, |t| (t / scale).powf(shape)).unwrap()
            }
            other => panic!("unknown reference {other}"),
        };
        check(&format!("{name}: observed"), fit.observed, num(&r[c_o]));
        check(&format!("{name}: expected"), fit.expected, num(&r[c_e]));
        check(&format!("{name}: chisq"), fit.chisq, num(&r[c_chi]));
        check(&format!("{name}: p"), fit.p_value, num(&r[c_p]));
        check(&format!("{name}: smr"), fit.smr(), num(&r[c_smr]));
        // z is the signed square root of chisq
        check(&format!("{name}: z^2"), fit.z * fit.z, fit.chisq);
        assert_eq!(
            fit.z < 0.0,
            fit.observed < fit.expected,
            "{name}: sign of z"
        );

        for (level, cl, cu) in [(0.95, c_l95, c_u95), (0.90, c_l90, c_u90)] {
            let s = fit.smr_exact(level).unwrap();
            check(&format!("{name}: smr lower {level}"), s.lower, num(&r[cl]));
            check(&format!("{name}: smr upper {level}"), s.upper, num(&r[cu]));
            assert_eq!(
                smr_exact(fit.observed, fit.expected, level),
                Some(s),
                "{name}"
            );
        }
    }
    assert!(weibull_cases >= 1, "a Weibull reference case is expected");
}
