//! Agreement of `cohortsim::analysis::cox` with R's survival::coxph 3.5-3.
//! Fixtures: tests/fixtures/make_cox_fixtures.R -> tests/fixtures/cox/*.csv

use cohortsim::analysis::cox::{CoxError, CoxFit, CoxModel, Ties};
use std::collections::HashMap;
use std::path::PathBuf;

const REL: f64 = 1e-8;
const P_ABS: f64 = 1e-14;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cox")
}

struct Dataset {
    time: Vec<f64>,
    event: Vec<bool>,
    strata: Vec<u32>,
    x: Vec<f64>,
    p: usize,
}

fn load_dataset(name: &str) -> Dataset {
    let path = fixture_dir().join(format!("{name}.csv"));
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let p = rdr.headers().unwrap().len() - 3;
    let mut d = Dataset {
        time: vec![],
        event: vec![],
        strata: vec![],
        x: vec![],
        p,
    };
    for rec in rdr.records() {
        let rec = rec.unwrap();
        d.time.push(rec[0].parse().unwrap());
        d.event.push(&rec[1] == "1");
        d.strata.push(rec[2].parse().unwrap());
        for j in 0..p {
            d.x.push(rec[3 + j].parse().unwrap());
        }
    }
    d
}

struct Case {
    dataset: String,
    ties: Ties,
    p: usize,
    strata: bool,
    warned: bool,
    iter: u32,
}

fn load_cases() -> HashMap<String, Case> {
    let mut rdr = csv::Reader::from_path(fixture_dir().join("cases.csv")).unwrap();
    let mut m = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        m.insert(
            rec[0].to_string(),
            Case {
                dataset: rec[1].to_string(),
                ties: if &rec[2] == "efron" {
                    Ties::Efron
                } else {
                    Ties::Breslow
                },
                p: rec[3].parse().unwrap(),
                strata: &rec[4] == "1",
                warned: &rec[5] == "1",
                iter: rec[7].parse().unwrap(),
            },
        );
    }
    m
}

/// (case, quantity, i, j) -> value
type Expected = HashMap<(String, String, usize, usize), f64>;

fn load_expected() -> Expected {
    let mut rdr = csv::Reader::from_path(fixture_dir().join("expected.csv")).unwrap();
    let mut m = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let v: f64 = match &rec[4] {
            "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NA" | "NaN" => f64::NAN,
            s => s.parse().unwrap(),
        };
        m.insert(
            (
                rec[0].to_string(),
                rec[1].to_string(),
                rec[2].parse().unwrap(),
                rec[3].parse().unwrap(),
            ),
            v,
        );
    }
    m
}

struct Checker<'a> {
    case: &'a str,
    exp: &'a Expected,
    failures: Vec<String>,
    checked: usize,
}

impl Checker<'_> {
    fn get(&self, q: &str, i: usize, j: usize) -> f64 {
        *self
            .exp
            .get(&(self.case.to_string(), q.to_string(), i, j))
            .unwrap_or_else(|| panic!("missing {} {q} {i} {j}", self.case))
    }
    /// relative agreement; `scale` floors the denominator
    fn rel(&mut self, q: &str, i: usize, j: usize, got: f64, tol: f64, scale: f64) {
        let want = self.get(q, i, j);
        self.checked += 1;
        let den = want.abs().max(scale);
        let ok = (got - want).abs() <= tol * den;
        if !ok {
            self.failures.push(format!(
                "{} {q}[{i},{j}]: got {got:.17e} want {want:.17e} (rel {:.2e})",
                self.case,
                (got - want).abs() / den
            ));
        }
    }
    fn pval(&mut self, q: &str, i: usize, got: f64) {
        let want = self.get(q, i, 0);
        self.checked += 1;
        let ok = (got - want).abs() <= REL * want.abs() || (got - want).abs() <= P_ABS;
        if !ok {
            self.failures.push(format!(
                "{} {q}[{i}]: got {got:.17e} want {want:.17e}",
                self.case
            ));
        }
    }
}

fn fit_case(name: &str) -> (Case, CoxModel, Result<CoxFit, CoxError>) {
    let mut cases = load_cases();
    let case = cases
        .remove(name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let d = load_dataset(&case.dataset);
    assert_eq!(d.p, case.p);
    let mut m = CoxModel::new();
    let strata = if case.strata {
        Some(d.strata.as_slice())
    } else {
        None
    };
    let r = m.fit(&d.time, &d.event, &d.x, d.p, strata, case.ties);
    (case, m, r)
}

/// Full comparison for a regular (finite MLE) case.
fn check_regular(name: &str) {
    let exp = load_expected();
    let (case, m, r) = fit_case(name);
    let fit = r.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(!case.warned, "fixture {name} unexpectedly warned in R");
    assert!(fit.converged, "{name}: not converged");
    assert!(
        !fit.monotone,
        "{name}: flagged monotone: {:?}",
        m.infinite()
    );
    assert!(fit.is_ok());
    assert_eq!(fit.iterations, case.iter, "{name}: iterations");
    let p = case.p;
    assert_eq!(fit.p, p);
    let mut c = Checker {
        case: name,
        exp: &exp,
        failures: vec![],
        checked: 0,
    };
    let v = m.covariance().to_vec();
    for k in 0..p {
        let s = m.coef_summary(k, 0.95).unwrap();
        assert!(!s.infinite);
        assert_eq!(s.beta, m.coefficients()[k]);
        assert_eq!(s.se, m.std_errors()[k]);
        // coefficients: floor the denominator by the SE (a coefficient that
        // is ~0 is only determined to ~eps relative to its SE)
        let se = m.std_errors()[k];
        c.rel("coef", k + 1, 0, s.beta, REL, se * 1e-3);
        c.rel("se", k + 1, 0, s.se, REL, 0.0);
        c.rel("z", k + 1, 0, s.z, REL, 1e-3);
        c.pval("p", k + 1, s.p_value());
        c.rel("hr", k + 1, 0, s.hr, REL, 0.0);
        c.rel("hr_lower95", k + 1, 0, s.hr_lower, REL, 0.0);
        c.rel("hr_upper95", k + 1, 0, s.hr_upper, REL, 0.0);
        for l in 0..p {
            let floor = (v[k * p + k] * v[l * p + l]).sqrt();
            c.rel("var", k + 1, l + 1, v[k * p + l], REL, floor);
        }
    }
    c.rel("loglik_null", 0, 0, fit.loglik_null, REL, 0.0);
    c.rel("loglik", 0, 0, fit.loglik, REL, 0.0);
    c.rel("lr", 0, 0, fit.lr_chisq, REL, 0.0);
    c.pval("lr_p", 0, fit.lr_p());
    c.rel("score", 0, 0, fit.score_chisq, REL, 0.0);
    c.pval("score_p", 0, fit.score_p());
    c.rel("wald", 0, 0, fit.wald_chisq, REL, 0.0);
    c.pval("wald_p", 0, fit.wald_p());
    assert!(
        c.failures.is_empty(),
        "{} of {} mismatches:\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n")
    );
}

/// Monotone likelihood: R warned "Loglik converged before variable j";
/// the same variables must be flagged, and the likelihood-based quantities
/// (which stay meaningful) must agree.
fn check_monotone(name: &str) {
    let exp = load_expected();
    let (case, m, r) = fit_case(name);
    let fit = r.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(case.warned);
    assert!(fit.monotone, "{name}: monotone likelihood not detected");
    assert!(!fit.is_ok());
    let mut c = Checker {
        case: name,
        exp: &exp,
        failures: vec![],
        checked: 0,
    };
    for k in 0..case.p {
        let want_inf = c.get("infinite_flag", k + 1, 0) == 1.0;
        assert_eq!(m.infinite()[k], want_inf, "{name}: flag of variable {k}");
        let s = m.coef_summary(k, 0.95).unwrap();
        let r_coef = c.get("coef", k + 1, 0);
        if want_inf {
            assert!(s.infinite);
            assert!(s.beta.is_infinite());
            assert_eq!(s.beta.signum(), r_coef.signum());
            assert!(s.se.is_nan() && s.z.is_nan() && s.p_value().is_nan());
            assert_eq!(s.hr, if r_coef < 0.0 { 0.0 } else { f64::INFINITY });
            // the raw (last-iterate) coefficient is what coxph prints
            c.rel("coef", k + 1, 0, m.coefficients()[k], 1e-6, 0.0);
        } else {
            assert!(!s.infinite && s.beta.is_finite() && s.se.is_finite());
            c.rel("coef", k + 1, 0, s.beta, 1e-6, 0.0);
            c.rel("se", k + 1, 0, s.se, 1e-6, 0.0);
        }
    }
    c.rel("loglik_null", 0, 0, fit.loglik_null, REL, 0.0);
    c.rel("loglik", 0, 0, fit.loglik, REL, 0.0);
    c.rel("lr", 0, 0, fit.lr_chisq, REL, 0.0);
    c.pval("lr_p", 0, fit.lr_p());
    c.rel("score", 0, 0, fit.score_chisq, REL, 0.0);
    c.pval("score_p", 0, fit.score_p());
    assert!(
        c.failures.is_empty(),
        "{} of {} mismatches:\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n")
    );
}

macro_rules! regular {
    ($($t:ident),* $(,)?) => {
        $( #[test] fn $t() { check_regular(stringify!($t)); } )*
    };
}
macro_rules! monotone {
    ($($t:ident),* $(,)?) => {
        $( #[test] fn $t() { check_monotone(stringify!($t)); } )*
    };
}

regular!(
    lung_efron,
    lung_breslow,
    lung_ecogf_efron,
    lung_ecogf_breslow,
    veteran_efron,
    veteran_breslow,
    veteran_strata_efron,
    veteran_strata_breslow,
    ovarian_efron,
    ovarian_breslow,
    aml_efron,
    aml_breslow,
    ties_efron,
    ties_breslow,
    ties_strata_efron,
    ties_strata_breslow,
    censored_efron,
    censored_breslow,
);

monotone!(
    monotone_efron,
    monotone_breslow,
    monotone1_efron,
    monotone1_breslow,
    monotone_c_efron,
    monotone_c_breslow,
);

#[test]
fn every_fixture_case_is_tested() {
    let cases = load_cases();
    assert_eq!(cases.len(), 24);
}

#[test]
fn row_order_and_strata_labels_do_not_matter() {
    let d = load_dataset("veteran");
    let n = d.time.len();
    let p = d.p;
    let mut m = CoxModel::new();
    let f0 = m
        .fit(&d.time, &d.event, &d.x, p, None, Ties::Efron)
        .unwrap();
    let b0 = m.coefficients().to_vec();
    // reverse the rows
    let t: Vec<f64> = d.time.iter().rev().copied().collect();
    let e: Vec<bool> = d.event.iter().rev().copied().collect();
    let mut x = Vec::with_capacity(n * p);
    for i in (0..n).rev() {
        x.extend_from_slice(&d.x[i * p..(i + 1) * p]);
    }
    let f1 = m.fit(&t, &e, &x, p, None, Ties::Efron).unwrap();
    assert!((f0.loglik - f1.loglik).abs() < 1e-10 * f0.loglik.abs());
    for (a, b) in b0.iter().zip(m.coefficients()) {
        assert!((a - b).abs() < 1e-10 * a.abs().max(1e-3));
    }
    // a single stratum with an arbitrary label == unstratified
    let s = vec![7u32; n];
    let f2 = m
        .fit(&d.time, &d.event, &d.x, p, Some(&s), Ties::Efron)
        .unwrap();
    assert!((f0.loglik - f2.loglik).abs() < 1e-10 * f0.loglik.abs());
}

#[test]
fn reuse_across_sizes_matches_fresh_model() {
    let big = load_dataset("lung");
    let small = load_dataset("ovarian");
    let mut reused = CoxModel::new();
    reused
        .fit(&big.time, &big.event, &big.x, big.p, None, Ties::Efron)
        .unwrap();
    let fr = reused
        .fit(
            &small.time,
            &small.event,
            &small.x,
            small.p,
            None,
            Ties::Breslow,
        )
        .unwrap();
    let mut fresh = CoxModel::new();
    let ff = fresh
        .fit(
            &small.time,
            &small.event,
            &small.x,
            small.p,
            None,
            Ties::Breslow,
        )
        .unwrap();
    assert_eq!(fr, ff);
    assert_eq!(reused.coefficients(), fresh.coefficients());
    assert_eq!(reused.covariance(), fresh.covariance());
}
