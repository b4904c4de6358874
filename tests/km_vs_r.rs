//! Agreement with R (survival 3.5.3) on fixtures written by
//! `tests/fixtures/make_fixtures.R`: every number to 1e-8 relative
//! (1e-12 absolute near zero) and the same NA pattern (R's NA and NaN are
//! both "missing"; Rust reports them as NaN or `None`).

use std::collections::BTreeMap;

#[path = "support/r_fixtures.rs"]
mod r_fixtures;
use r_fixtures::{check_close, num, opt, Data, Table};

use cohortsim::analysis::{median_followup, ConfType, KaplanMeier};

const REL: f64 = 1e-8;
const ABS: f64 = 1e-12;

#[track_caller]
fn check(what: &str, got: Option<f64>, want: Option<f64>) {
    check_close(what, got, want, REL, ABS);
}

fn datasets() -> BTreeMap<String, Data> {
    let out = r_fixtures::datasets(&Table::load(&["data.csv"]));
    assert_eq!(out.len(), 11, "expected 11 fixture data sets");
    out
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

#[test]
fn survfit_table_and_pointwise_cis_match_r() {
    let data = datasets();
    let t = Table::load(&["survfit.csv"]);
    let (cd, cl) = (t.col("dataset"), t.col("level"));
    // Group rows by (dataset, level) preserving order.
    let mut groups: BTreeMap<(String, String), Vec<&csv::StringRecord>> = BTreeMap::new();
    for r in &t.rows {
        groups
            .entry((r[cd].to_string(), r[cl].to_string()))
            .or_default()
            .push(r);
    }
    // One KaplanMeier reused across all data sets, as in the simulation loop.
    let mut km = KaplanMeier::new();
    let mut checked = 0;
    for ((ds, level), rows) in &groups {
        let d = &data[ds];
        km.fit(&d.time, &d.event);
        let level = num(level).unwrap();
        assert_eq!(km.len(), rows.len(), "{ds}: number of rows");
        assert_eq!(km.n(), d.time.len());
        for (i, r) in rows.iter().enumerate() {
            let ctx = |c: &str| format!("{ds} level {level} row {i} {c}");
            check(&ctx("time"), Some(km.time()[i]), num(&r[t.col("time")]));
            check(
                &ctx("n.risk"),
                Some(km.n_risk()[i] as f64),
                num(&r[t.col("n_risk")]),
            );
            check(
                &ctx("n.event"),
                Some(km.n_event()[i] as f64),
                num(&r[t.col("n_event")]),
            );
            check(
                &ctx("n.censor"),
                Some(km.n_censor()[i] as f64),
                num(&r[t.col("n_censor")]),
            );
            check(&ctx("surv"), Some(km.surv()[i]), num(&r[t.col("surv")]));
            check(
                &ctx("std.err"),
                Some(km.std_err()[i]),
                num(&r[t.col("std_err")]),
            );
            for conf in ConfType::ALL {
                let (lo, hi) = km.ci_at_index(i, conf, level);
                let tag = conf_tag(conf);
                check(
                    &ctx(&format!("lower {conf}")),
                    opt(lo),
                    num(&r[t.col(&format!("lower_{tag}"))]),
                );
                check(
                    &ctx(&format!("upper {conf}")),
                    opt(hi),
                    num(&r[t.col(&format!("upper_{tag}"))]),
                );
                checked += 2;
            }
        }
    }
    assert!(checked > 10_000, "only {checked} interval bounds checked");
}

#[test]
fn quantiles_match_r() {
    let data = datasets();
    let t = Table::load(&["quantile.csv"]);
    let c = |n| t.col(n);
    let mut km = KaplanMeier::new();
    let mut current = String::new();
    for r in &t.rows {
        let ds = &r[c("dataset")];
        if ds != current {
            km.fit(&data[ds].time, &data[ds].event);
            current = ds.to_string();
        }
        let level = num(&r[c("level")]).unwrap();
        let conf: ConfType = r[c("conf")].parse().unwrap();
        let p = num(&r[c("prob")]).unwrap();
        let q = km.quantile(p, conf, level);
        let ctx = format!("{ds} {conf} level {level} p {p}");
        check(
            &format!("{ctx} quantile"),
            q.estimate,
            num(&r[c("quantile")]),
        );
        check(&format!("{ctx} lower"), q.lower, num(&r[c("lower")]));
        check(&format!("{ctx} upper"), q.upper, num(&r[c("upper")]));
        if p == 0.5 {
            assert_eq!(km.median(conf, level), q);
        }
    }
}

#[test]
fn landmarks_match_summary_survfit() {
    let data = datasets();
    let t = Table::load(&["landmark.csv"]);
    let c = |n| t.col(n);
    let mut km = KaplanMeier::new();
    let mut current = String::new();
    let mut beyond = 0;
    for r in &t.rows {
        let ds = &r[c("dataset")];
        if ds != current {
            km.fit(&data[ds].time, &data[ds].event);
            current = ds.to_string();
        }
        let level = num(&r[c("level")]).unwrap();
        let conf: ConfType = r[c("conf")].parse().unwrap();
        let time = num(&r[c("time")]).unwrap();
        let ctx = format!("{ds} {conf} level {level} t {time}");
        let want_surv = num(&r[c("surv")]);
        match km.survival_at(time, conf, level) {
            None => {
                assert_eq!(want_surv, None, "{ctx}: R has a row, we have none");
                beyond += 1;
            }
            Some(lm) => {
                assert!(
                    want_surv.is_some(),
                    "{ctx}: R dropped this time, we did not"
                );
                assert_eq!(lm.time, time);
                check(&format!("{ctx} surv"), opt(lm.surv), want_surv);
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
    // One landmark beyond the last time per data set, level and conf type.
    assert_eq!(beyond, (11 * 2 + 1) * 5);
}

#[test]
fn reverse_km_median_followup_matches_r() {
    let data = datasets();
    let t = Table::load(&["followup.csv"]);
    let mut scratch = KaplanMeier::new();
    for r in &t.rows {
        let ds = &r[t.col("dataset")];
        let q = median_followup(&data[ds].time, &data[ds].event, &mut scratch);
        check(
            &format!("{ds} follow-up median"),
            q.estimate,
            num(&r[t.col("quantile")]),
        );
        check(
            &format!("{ds} follow-up lower"),
            q.lower,
            num(&r[t.col("lower")]),
        );
        check(
            &format!("{ds} follow-up upper"),
            q.upper,
            num(&r[t.col("upper")]),
        );
    }
}
