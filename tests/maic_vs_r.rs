//! Agreement with R (survival 3.5.3, base R for the MAIC weights) on the
//! fixtures written by `tests/fixtures/make_maic_fixtures.R`:
//!
//! * MAIC weights to 1e-8 relative, weighted means equal to the targets to
//!   1e-8, ESS and beta;
//! * weighted survfit, with survfit's default variance for fractional
//!   weights (robust, infinitesimal jackknife) and with `robust = FALSE`
//!   (Greenwood on weighted counts): the table, every pointwise interval,
//!   quantiles with their CIs, `summary(fit, times)` and rmean, to 1e-8;
//! * weighted coxph with `robust = TRUE` (Breslow and Efron): coefficient,
//!   model-based SE and robust SE to 1e-7.
//!
//! The survival and Cox checks use R's weights, so they test the weighted
//! estimators alone.

use std::collections::BTreeMap;

#[path = "support/r_fixtures.rs"]
mod r_fixtures;
use r_fixtures::{check_close, num, opt, Table};

use cohortsim::analysis::{maic_weights, rmst, ConfType, CoxModel, KaplanMeier, KmVariance, Ties};

const REL: f64 = 1e-8;
const ABS: f64 = 1e-12;
const DATASETS: [&str; 5] = ["ties300", "small30", "mid150", "extreme100", "lung"];

#[track_caller]
fn check_tol(what: &str, got: Option<f64>, want: Option<f64>, rel: f64) {
    check_close(what, got, want, rel, ABS);
}

#[track_caller]
fn check(what: &str, got: Option<f64>, want: Option<f64>) {
    check_tol(what, got, want, REL);
}

/// One fixture data set: the CSV as text cells by column name.
struct Data {
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Data {
    fn load(name: &str) -> Data {
        let t = Table::load(&["maic", &format!("{name}.csv")]);
        Data {
            header: t.header,
            rows: t.rows,
        }
    }
    fn cells(&self, col: &str) -> Vec<String> {
        let c = self.header.iter().position(|h| h == col).unwrap();
        self.rows.iter().map(|r| r[c].to_string()).collect()
    }
    fn numbers(&self, col: &str) -> Vec<f64> {
        self.cells(col).iter().map(|s| num(s).unwrap()).collect()
    }
    fn time(&self) -> Vec<f64> {
        self.numbers("time")
    }
    fn event(&self) -> Vec<bool> {
        self.numbers("status").iter().map(|&s| s == 1.0).collect()
    }
}

struct Term {
    column: String,
    kind: String,
    level: String,
    target: f64,
}

fn terms() -> BTreeMap<String, Vec<Term>> {
    let t = Table::load(&["maic", "targets.csv"]);
    let mut out: BTreeMap<String, Vec<Term>> = BTreeMap::new();
    for r in &t.rows {
        out.entry(r[t.col("dataset")].to_string())
            .or_default()
            .push(Term {
                column: r[t.col("column")].to_string(),
                kind: r[t.col("kind")].to_string(),
                level: r[t.col("level")].to_string(),
                target: num(&r[t.col("target")]).unwrap(),
            });
    }
    out
}

/// The matched columns, built as the R script builds them.
fn design(d: &Data, terms: &[Term]) -> (Vec<f64>, usize) {
    let p = terms.len();
    let n = d.rows.len();
    let mut x = vec![0.0; n * p];
    for (j, t) in terms.iter().enumerate() {
        let col: Vec<f64> = match t.kind.as_str() {
            "mean" => d.numbers(&t.column),
            "sd" => d.numbers(&t.column).iter().map(|v| v * v).collect(),
            "proportion" => d
                .cells(&t.column)
                .iter()
                .map(|c| if *c == t.level { 1.0 } else { 0.0 })
                .collect(),
            k => panic!("unknown kind {k}"),
        };
        for i in 0..n {
            x[i * p + j] = col[i];
        }
    }
    (x, p)
}

fn r_weights() -> BTreeMap<String, Vec<f64>> {
    let t = Table::load(&["maic", "weights.csv"]);
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in &t.rows {
        out.entry(r[t.col("dataset")].to_string())
            .or_default()
            .push(num(&r[t.col("weight")]).unwrap());
    }
    out
}

#[test]
fn maic_weights_match_r() {
    let terms = terms();
    let weights = r_weights();
    let summary = Table::load(&["maic", "summary.csv"]);
    let beta = Table::load(&["maic", "beta.csv"]);
    assert_eq!(terms.len(), DATASETS.len());
    for ds in DATASETS {
        let d = Data::load(ds);
        let tt = &terms[ds];
        let (x, p) = design(&d, tt);
        let targets: Vec<f64> = tt.iter().map(|t| t.target).collect();
        let fit = maic_weights(&x, p, &targets).unwrap_or_else(|e| panic!("{ds}: {e}"));
        let want = &weights[ds];
        assert_eq!(fit.weights.len(), want.len());
        for (i, (&g, &w)) in fit.weights.iter().zip(want).enumerate() {
            check(&format!("{ds} weight {i}"), Some(g), Some(w));
        }
        let n = want.len();
        let sum: f64 = fit.weights.iter().sum();
        check(&format!("{ds} sum of weights"), Some(sum), Some(n as f64));
        for (j, t) in targets.iter().enumerate() {
            let mean = (0..n).map(|i| fit.weights[i] * x[i * p + j]).sum::<f64>() / sum;
            let tol = 1e-8 * t.abs().max(1.0);
            assert!((mean - t).abs() <= tol, "{ds} term {j}: {mean} vs {t}");
        }
        assert!(fit.max_abs_balance_error <= 1e-10 * 5000.0);
        let row = summary
            .rows
            .iter()
            .find(|r| &r[summary.col("dataset")] == ds)
            .unwrap();
        check(
            &format!("{ds} ess"),
            Some(fit.ess),
            num(&row[summary.col("ess")]),
        );
        let r_beta: Vec<f64> = beta
            .rows
            .iter()
            .filter(|r| &r[beta.col("dataset")] == ds)
            .map(|r| num(&r[beta.col("beta")]).unwrap())
            .collect();
        for (j, (&g, &w)) in fit.beta.iter().zip(&r_beta).enumerate() {
            check_tol(&format!("{ds} beta {j}"), Some(g), Some(w), 1e-7);
        }
        assert!(fit.iterations > 0 && fit.iterations < 20);
    }
}

fn conf_tag(c: ConfType) -> &'static str {
    match c {
        ConfType::Plain => "plain",
        ConfType::Log => "log",
        ConfType::LogLog => "loglog",
        ConfType::Logit => "logit",
        ConfType::Arcsin => "arcsin",
    }
}

/// (time, event, weights) of a group ("all" or an arm) with R's weights.
fn group_data(ds: &str, group: &str, weights: &[f64]) -> (Vec<f64>, Vec<bool>, Vec<f64>) {
    let d = Data::load(ds);
    let arm = d.cells("arm");
    let (time, event) = (d.time(), d.event());
    let keep: Vec<usize> = (0..time.len())
        .filter(|&i| group == "all" || arm[i] == group)
        .collect();
    (
        keep.iter().map(|&i| time[i]).collect(),
        keep.iter().map(|&i| event[i]).collect(),
        keep.iter().map(|&i| weights[i]).collect(),
    )
}

fn variance(tag: &str) -> KmVariance {
    match tag {
        "robust" => KmVariance::InfinitesimalJackknife,
        "greenwood" => KmVariance::Greenwood,
        t => panic!("unknown variance {t}"),
    }
}

/// Fits a group's curve as the fixture did: the robust rows with survfit's
/// default for these (fractional) weights, the Greenwood rows explicitly.
fn fit_group(
    km: &mut KaplanMeier,
    ds: &str,
    group: &str,
    var: &str,
    weights: &BTreeMap<String, Vec<f64>>,
) {
    let (t, e, w) = group_data(ds, group, &weights[ds]);
    match variance(var) {
        KmVariance::InfinitesimalJackknife => km.fit_weighted(&t, &e, &w).unwrap(),
        v => km.fit_weighted_with(&t, &e, &w, v).unwrap(),
    }
    assert_eq!(
        km.variance(),
        variance(var),
        "{ds} {group}: default variance"
    );
}

#[test]
fn weighted_survfit_table_and_intervals_match_r() {
    let weights = r_weights();
    let t = Table::load(&["maic", "survfit.csv"]);
    let c = |n: &str| t.col(n);
    let mut groups: BTreeMap<(String, String, String), Vec<&csv::StringRecord>> = BTreeMap::new();
    for r in &t.rows {
        groups
            .entry((
                r[c("dataset")].to_string(),
                r[c("group")].to_string(),
                r[c("variance")].to_string(),
            ))
            .or_default()
            .push(r);
    }
    assert_eq!(groups.len(), DATASETS.len() * 3 * 2);
    let mut km = KaplanMeier::new();
    let mut checked = 0;
    for ((ds, group, var), rows) in &groups {
        fit_group(&mut km, ds, group, var, &weights);
        assert!(km.is_weighted());
        assert_eq!(km.len(), rows.len(), "{ds} {group} {var}: rows");
        for (i, r) in rows.iter().enumerate() {
            let level = num(&r[c("level")]).unwrap();
            let ctx = |q: &str| format!("{ds} {group} {var} row {i} {q}");
            check(&ctx("time"), Some(km.time()[i]), num(&r[c("time")]));
            check(
                &ctx("n.risk"),
                Some(km.weighted_n_risk()[i]),
                num(&r[c("n_risk")]),
            );
            check(
                &ctx("n.event"),
                Some(km.weighted_n_event()[i]),
                num(&r[c("n_event")]),
            );
            check(
                &ctx("n.censor"),
                Some(km.weighted_n_censor()[i]),
                num(&r[c("n_censor")]),
            );
            check(&ctx("surv"), Some(km.surv()[i]), num(&r[c("surv")]));
            check(
                &ctx("std.err"),
                Some(km.std_err()[i]),
                num(&r[c("std_err")]),
            );
            for conf in ConfType::ALL {
                let (lo, hi) = km.ci_at_index(i, conf, level);
                let tag = conf_tag(conf);
                check(
                    &ctx(&format!("lower {conf}")),
                    opt(lo),
                    num(&r[c(&format!("lower_{tag}"))]),
                );
                check(
                    &ctx(&format!("upper {conf}")),
                    opt(hi),
                    num(&r[c(&format!("upper_{tag}"))]),
                );
                checked += 2;
            }
        }
    }
    assert!(checked > 15_000, "only {checked} bounds checked");
}

#[test]
fn weighted_quantiles_match_r() {
    let weights = r_weights();
    let t = Table::load(&["maic", "quantile.csv"]);
    let c = |n: &str| t.col(n);
    let mut km = KaplanMeier::new();
    let mut current = (String::new(), String::new(), String::new());
    let mut medians = 0;
    for r in &t.rows {
        let key = (
            r[c("dataset")].to_string(),
            r[c("group")].to_string(),
            r[c("variance")].to_string(),
        );
        if key != current {
            fit_group(&mut km, &key.0, &key.1, &key.2, &weights);
            current = key;
        }
        let level = num(&r[c("level")]).unwrap();
        let conf: ConfType = r[c("conf")].parse().unwrap();
        let p = num(&r[c("prob")]).unwrap();
        let q = km.quantile(p, conf, level);
        let ctx = format!("{current:?} {conf} level {level} p {p}");
        check(
            &format!("{ctx} quantile"),
            q.estimate,
            num(&r[c("quantile")]),
        );
        check(&format!("{ctx} lower"), q.lower, num(&r[c("lower")]));
        check(&format!("{ctx} upper"), q.upper, num(&r[c("upper")]));
        if p == 0.5 {
            assert_eq!(km.median(conf, level), q);
            medians += 1;
        }
    }
    assert_eq!(medians, DATASETS.len() * 3 * 2 * 2 * 5);
}

#[test]
fn weighted_landmarks_match_summary_survfit() {
    let weights = r_weights();
    let t = Table::load(&["maic", "landmark.csv"]);
    let c = |n: &str| t.col(n);
    let mut km = KaplanMeier::new();
    let mut current = (String::new(), String::new(), String::new());
    let mut beyond = 0;
    for r in &t.rows {
        let key = (
            r[c("dataset")].to_string(),
            r[c("group")].to_string(),
            r[c("variance")].to_string(),
        );
        if key != current {
            fit_group(&mut km, &key.0, &key.1, &key.2, &weights);
            current = key;
        }
        let level = num(&r[c("level")]).unwrap();
        let conf: ConfType = r[c("conf")].parse().unwrap();
        let time = num(&r[c("time")]).unwrap();
        let ctx = format!("{current:?} {conf} level {level} t {time}");
        let want = num(&r[c("surv")]);
        match km.survival_at(time, conf, level) {
            None => {
                assert_eq!(want, None, "{ctx}: R has a row, we have none");
                beyond += 1;
            }
            Some(lm) => {
                check(&format!("{ctx} surv"), opt(lm.surv), want);
                check(
                    &format!("{ctx} std.err"),
                    opt(lm.std_err),
                    num(&r[c("std_err")]),
                );
                check(&format!("{ctx} lower"), opt(lm.lower), num(&r[c("lower")]));
                check(&format!("{ctx} upper"), opt(lm.upper), num(&r[c("upper")]));
            }
        }
    }
    assert_eq!(beyond, DATASETS.len() * 3 * 2 * 2 * 5);
}

#[test]
fn weighted_rmean_matches_r() {
    let weights = r_weights();
    let t = Table::load(&["maic", "rmean.csv"]);
    let c = |n: &str| t.col(n);
    let mut km = KaplanMeier::new();
    for r in &t.rows {
        let (ds, group, var) = (&r[c("dataset")], &r[c("group")], &r[c("variance")]);
        fit_group(&mut km, ds, group, var, &weights);
        let tau = num(&r[c("tau")]).unwrap();
        let got = rmst(&km, tau).unwrap();
        let ctx = format!("{ds} {group} {var} tau {tau}");
        check(
            &format!("{ctx} rmean"),
            Some(got.estimate),
            num(&r[c("rmean")]),
        );
        check(&format!("{ctx} se"), Some(got.se), num(&r[c("se_rmean")]));
    }
}

#[test]
fn weighted_robust_coxph_matches_r() {
    let weights = r_weights();
    let t = Table::load(&["maic", "cox.csv"]);
    let c = |n: &str| t.col(n);
    let mut cases: BTreeMap<(String, String, String, String), Vec<&csv::StringRecord>> =
        BTreeMap::new();
    for r in &t.rows {
        cases
            .entry((
                r[c("dataset")].to_string(),
                r[c("model")].to_string(),
                r[c("weights")].to_string(),
                r[c("ties")].to_string(),
            ))
            .or_default()
            .push(r);
    }
    assert_eq!(cases.len(), DATASETS.len() * 2 * 2 + 2 * 2);
    let mut model = CoxModel::new();
    for ((ds, form, wtype, ties), rows) in &cases {
        let d = Data::load(ds);
        let arm = d.cells("arm");
        let mut levels = arm.clone();
        levels.sort();
        let reference = &levels[0];
        let n = arm.len();
        let w: Vec<f64> = match wtype.as_str() {
            "maic" => weights[ds].clone(),
            _ => vec![1.0; n],
        };
        let ties = if ties == "efron" {
            Ties::Efron
        } else {
            Ties::Breslow
        };
        let dummy: Vec<f64> = arm
            .iter()
            .map(|a| if a == reference { 0.0 } else { 1.0 })
            .collect();
        let (x, p, strata) = match form.as_str() {
            "arm" => (dummy, 1, None),
            "arm+age|iss" => {
                let age = d.numbers("age");
                let x = (0..n).flat_map(|i| [dummy[i], age[i]]).collect();
                let iss = d.cells("iss");
                let codes: Vec<u32> = iss
                    .iter()
                    .map(|s| match s.as_str() {
                        "I" => 0,
                        "II" => 1,
                        _ => 2,
                    })
                    .collect();
                (x, 2, Some(codes))
            }
            f => panic!("unknown model {f}"),
        };
        let fit = model
            .fit_weighted(&d.time(), &d.event(), &x, p, strata.as_deref(), &w, ties)
            .unwrap();
        assert!(fit.is_ok());
        assert_eq!(rows.len(), p);
        for (j, r) in rows.iter().enumerate() {
            let ctx = format!("{ds} {form} {wtype} {ties:?} term {j}");
            let rel = 1e-7;
            check_tol(
                &format!("{ctx} coef"),
                Some(model.coefficients()[j]),
                num(&r[c("coef")]),
                rel,
            );
            check_tol(
                &format!("{ctx} se"),
                Some(model.std_errors()[j]),
                num(&r[c("se")]),
                rel,
            );
            check_tol(
                &format!("{ctx} robust se"),
                Some(model.robust_std_errors()[j]),
                num(&r[c("robust_se")]),
                rel,
            );
            check_tol(
                &format!("{ctx} loglik"),
                Some(fit.loglik),
                num(&r[c("loglik")]),
                rel,
            );
            let s = model.robust_coef_summary(j, 0.95).unwrap();
            assert_eq!(s.se, model.robust_std_errors()[j]);
        }
    }
}
