//! Agreement of `cohortsim::analysis::logrank` with R survival 3.5.3
//! (`survdiff` for G(rho); a hand-coded R Fleming-Harrington test for
//! gamma > 0). Fixtures: tests/fixtures/make_logrank_fixtures.R.

use std::collections::HashMap;
use std::path::PathBuf;

use cohortsim::analysis::logrank::{LogRank, LogRankError, LogRankResult, Weighting};

const REL: f64 = 1e-8;
const ABS: f64 = 1e-12;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logrank")
}

struct Data {
    time: Vec<f64>,
    event: Vec<bool>,
    group: Vec<u32>,
    stratum: Vec<u32>,
}

fn read_data(name: &str) -> Data {
    let mut rdr = csv::Reader::from_path(dir().join(format!("data_{name}.csv"))).unwrap();
    let mut d = Data {
        time: vec![],
        event: vec![],
        group: vec![],
        stratum: vec![],
    };
    for rec in rdr.records() {
        let rec = rec.unwrap();
        d.time.push(rec[0].parse().unwrap());
        d.event.push(&rec[1] == "1");
        d.group.push(rec[2].parse().unwrap());
        d.stratum.push(rec[3].parse().unwrap());
    }
    d
}

type Key = (String, bool, String, String); // case, use_strata, rho, gamma (as written)

struct Expected {
    n_groups: usize,
    rho: f64,
    gamma: f64,
    source: String,
    chisq: f64,
    df: usize,
    p: f64,
    obs: Vec<f64>,
    exp: Vec<f64>,
    var: Vec<f64>,
}

fn read_expected() -> Vec<(Key, Expected)> {
    let mut out: Vec<(Key, Expected)> = vec![];
    let mut rdr = csv::Reader::from_path(dir().join("results.csv")).unwrap();
    for rec in rdr.records() {
        let r = rec.unwrap();
        let k = r[2].parse::<usize>().unwrap();
        out.push((
            (
                r[0].to_string(),
                &r[1] == "1",
                r[3].to_string(),
                r[4].to_string(),
            ),
            Expected {
                n_groups: k,
                rho: r[3].parse().unwrap(),
                gamma: r[4].parse().unwrap(),
                source: r[5].to_string(),
                chisq: r[6].parse().unwrap(),
                df: r[7].parse().unwrap(),
                p: r[8].parse().unwrap(),
                obs: vec![f64::NAN; k],
                exp: vec![f64::NAN; k],
                var: vec![f64::NAN; k * k],
            },
        ));
    }
    let pos: HashMap<Key, usize> = out
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.clone(), i))
        .collect();
    let mut rdr = csv::Reader::from_path(dir().join("results_groups.csv")).unwrap();
    for rec in rdr.records() {
        let r = rec.unwrap();
        let key = (
            r[0].to_string(),
            &r[1] == "1",
            r[2].to_string(),
            r[3].to_string(),
        );
        let e = &mut out[pos[&key]].1;
        let g: usize = r[4].parse().unwrap();
        e.obs[g] = r[5].parse().unwrap();
        e.exp[g] = r[6].parse().unwrap();
    }
    let mut rdr = csv::Reader::from_path(dir().join("results_var.csv")).unwrap();
    for rec in rdr.records() {
        let r = rec.unwrap();
        let key = (
            r[0].to_string(),
            &r[1] == "1",
            r[2].to_string(),
            r[3].to_string(),
        );
        let e = &mut out[pos[&key]].1;
        let i: usize = r[4].parse().unwrap();
        let j: usize = r[5].parse().unwrap();
        e.var[i * e.n_groups + j] = r[6].parse().unwrap();
    }
    out
}

fn close(a: f64, b: f64) -> bool {
    let d = (a - b).abs();
    d <= ABS || d <= REL * b.abs()
}

fn check_against_r(source: &str) -> usize {
    let expected = read_expected();
    let mut lr = LogRank::new();
    let mut failures = vec![];
    let mut n_checked = 0;
    let mut worst = (0.0_f64, String::new());
    let mut cache: HashMap<String, Data> = HashMap::new();
    for ((case, use_strata, _, _), e) in expected.iter().filter(|(_, e)| e.source == source) {
        let d = cache.entry(case.clone()).or_insert_with(|| read_data(case));
        let w = if e.rho == 0.0 && e.gamma == 0.0 {
            Weighting::LogRank
        } else {
            Weighting::FlemingHarrington {
                rho: e.rho,
                gamma: e.gamma,
            }
        };
        let strata = if *use_strata {
            Some(&d.stratum[..])
        } else {
            None
        };
        let res = lr.test(&d.time, &d.event, &d.group, e.n_groups, strata, w);
        let tag = format!("{case} strata={use_strata} rho={} gamma={}", e.rho, e.gamma);
        let mut chk = |what: &str, a: f64, b: f64| {
            let rel = (a - b).abs() / b.abs().max(1e-300);
            if b.abs() > ABS && rel > worst.0 {
                worst = (rel, format!("{tag} {what}"));
            }
            if !close(a, b) {
                failures.push(format!("{tag}: {what} rust={a:.17e} R={b:.17e}"));
            }
        };
        chk("chisq", res.chisq, e.chisq);
        chk("p", res.p_value, e.p);
        for g in 0..e.n_groups {
            chk(&format!("obs[{g}]"), lr.observed()[g], e.obs[g]);
            chk(&format!("exp[{g}]"), lr.expected()[g], e.exp[g]);
            for h in 0..e.n_groups {
                chk(
                    &format!("var[{g},{h}]"),
                    lr.variance_at(g, h),
                    e.var[g * e.n_groups + h],
                );
            }
        }
        if res.df != e.df {
            failures.push(format!("{tag}: df rust={} R={}", res.df, e.df));
        }
        if res.error.is_some() || res.rank != res.df {
            failures.push(format!("{tag}: unexpected status {res:?}"));
        }
        n_checked += 1;
    }
    eprintln!(
        "{source}: worst relative difference {:.3e} at {}",
        worst.0, worst.1
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    n_checked
}

#[test]
fn matches_survdiff_g_rho() {
    let n = check_against_r("survdiff");
    // 14 data sets, 4 with strata run both ways: 18 cases x 3 weightings
    assert_eq!(n, 54);
}

#[test]
fn matches_hand_coded_fleming_harrington() {
    let n = check_against_r("hand");
    assert_eq!(n, 54);
}

#[test]
fn g_rho_constructor_equals_fh_with_gamma_zero() {
    let d = read_data("lung_ecog3");
    let mut lr = LogRank::new();
    let a = lr.test(&d.time, &d.event, &d.group, 3, None, Weighting::g_rho(0.5));
    let b = lr.test(
        &d.time,
        &d.event,
        &d.group,
        3,
        None,
        Weighting::FlemingHarrington {
            rho: 0.5,
            gamma: 0.0,
        },
    );
    assert_eq!(a, b);
    let c = lr.test(
        &d.time,
        &d.event,
        &d.group,
        3,
        None,
        Weighting::FlemingHarrington {
            rho: 0.0,
            gamma: 0.0,
        },
    );
    let e = lr.test(&d.time, &d.event, &d.group, 3, None, Weighting::LogRank);
    assert_eq!(c, e);
}

#[test]
fn timefix_switch_changes_near_ties_only() {
    let d = read_data("near_ties");
    let mut lr = LogRank::new();
    let with = lr.test(&d.time, &d.event, &d.group, 2, None, Weighting::LogRank);
    lr.set_timefix(false);
    assert!(!lr.timefix());
    let without = lr.test(&d.time, &d.event, &d.group, 2, None, Weighting::LogRank);
    assert!((with.chisq - without.chisq).abs() > 1e-6);
    // integer-time data: no effect
    let d = read_data("ties_int3");
    let a = lr.test(&d.time, &d.event, &d.group, 3, None, Weighting::LogRank);
    lr.set_timefix(true);
    let b = lr.test(&d.time, &d.event, &d.group, 3, None, Weighting::LogRank);
    assert_eq!(a.chisq, b.chisq);
}

#[test]
fn row_order_and_group_relabelling_do_not_matter() {
    let d = read_data("veteran_trt_by_celltype");
    let mut lr = LogRank::new();
    let w = Weighting::FlemingHarrington {
        rho: 1.0,
        gamma: 1.0,
    };
    let a = lr.test(&d.time, &d.event, &d.group, 2, Some(&d.stratum), w);
    let n = d.time.len();
    let perm: Vec<usize> = (0..n).map(|i| (i * 37 + 11) % n).collect();
    assert!({
        let mut p = perm.clone();
        p.sort();
        p.dedup();
        p.len() == n
    });
    let t: Vec<f64> = perm.iter().map(|&i| d.time[i]).collect();
    let e: Vec<bool> = perm.iter().map(|&i| d.event[i]).collect();
    let g: Vec<u32> = perm.iter().map(|&i| 1 - d.group[i]).collect();
    let s: Vec<u32> = perm.iter().map(|&i| 1000 + 7 * d.stratum[i]).collect();
    let b = lr.test(&t, &e, &g, 2, Some(&s), w);
    assert!((a.chisq - b.chisq).abs() <= 1e-10 * a.chisq);
    assert_eq!(a.n_strata, 4);
    assert_eq!(b.n_strata, 4);
}

// ---------------------------------------------------------------- edge cases

fn all_weightings() -> [Weighting; 3] {
    [
        Weighting::LogRank,
        Weighting::g_rho(1.0),
        Weighting::FlemingHarrington {
            rho: 0.5,
            gamma: 2.0,
        },
    ]
}

#[test]
fn empty_input() {
    let mut lr = LogRank::new();
    for w in all_weightings() {
        let r = lr.test(&[], &[], &[], 2, None, w);
        assert_eq!(r.chisq, 0.0);
        assert_eq!(r.df, 0);
        assert!(r.p_value.is_nan());
        assert_eq!(r.n, 0);
        assert_eq!(r.error, Some(LogRankError::TooFewGroups { informative: 0 }));
        assert_eq!(lr.observed(), &[0.0, 0.0]);
        assert_eq!(lr.expected(), &[0.0, 0.0]);
        let r = lr.test(&[], &[], &[], 3, Some(&[]), w);
        assert_eq!(r.error, Some(LogRankError::TooFewGroups { informative: 0 }));
    }
}

#[test]
fn one_group_only() {
    let mut lr = LogRank::new();
    let t = [1.0, 2.0, 3.0];
    let e = [true, false, true];
    let r = lr.test(&t, &e, &[0, 0, 0], 1, None, Weighting::LogRank);
    assert_eq!(r.error, Some(LogRankError::TooFewGroups { informative: 1 }));
    assert_eq!(r.chisq, 0.0);
    assert!(r.p_value.is_nan());
    assert_eq!(lr.observed(), &[2.0]);
    assert_eq!(lr.expected(), &[2.0]);
    // declared 3 groups, rows only in group 1
    let r = lr.test(&t, &e, &[1, 1, 1], 3, None, Weighting::g_rho(1.0));
    assert_eq!(r.error, Some(LogRankError::TooFewGroups { informative: 1 }));
    assert_eq!(lr.n_per_group(), &[0, 3, 0]);
}

#[test]
fn group_without_rows_is_ignored() {
    let d = read_data("aml_x");
    let mut lr = LogRank::new();
    let a = lr.test(&d.time, &d.event, &d.group, 2, None, Weighting::LogRank);
    // relabel group 1 -> 3, groups 1 and 2 empty
    let g: Vec<u32> = d
        .group
        .iter()
        .map(|&g| if g == 1 { 3 } else { 0 })
        .collect();
    let b = lr.test(&d.time, &d.event, &g, 4, None, Weighting::LogRank);
    assert_eq!(b.df, 1);
    assert!((a.chisq - b.chisq).abs() <= 1e-12 * a.chisq);
    assert_eq!(a.p_value, b.p_value);
    assert_eq!(lr.expected()[1], 0.0);
    assert_eq!(lr.variance_at(2, 2), 0.0);
    assert!(lr.variance_at(4, 0).is_nan());
}

#[test]
fn all_censored() {
    let mut lr = LogRank::new();
    for w in all_weightings() {
        let r = lr.test(
            &[1.0, 2.0, 3.0, 4.0],
            &[false; 4],
            &[0, 1, 0, 1],
            2,
            None,
            w,
        );
        assert_eq!(r.error, Some(LogRankError::TooFewGroups { informative: 0 }));
        assert_eq!(r.chisq, 0.0);
        assert!(r.p_value.is_nan());
        assert_eq!(lr.variance(), &[0.0; 4]);
    }
}

#[test]
fn singular_variance_uses_generalised_inverse() {
    // both subjects die at the only time: R's survdiff stops ("exactly singular")
    let mut lr = LogRank::new();
    let r = lr.test(
        &[5.0, 5.0],
        &[true, true],
        &[0, 1],
        2,
        None,
        Weighting::LogRank,
    );
    assert!(r.error.is_none());
    assert_eq!(r.df, 1);
    assert_eq!(r.rank, 0);
    assert_eq!(r.chisq, 0.0);
    assert_eq!(r.p_value, 1.0);
    // single subject at risk at the only death: no variance, one group informative
    let r = lr.test(
        &[1.0, 2.0],
        &[false, true],
        &[0, 1],
        2,
        None,
        Weighting::LogRank,
    );
    assert_eq!(r.error, Some(LogRankError::TooFewGroups { informative: 1 }));
}

#[test]
fn invalid_inputs_give_errors_not_panics() {
    let mut lr = LogRank::new();
    let t = [1.0, 2.0, 3.0];
    let e = [true, true, false];
    let g = [0u32, 1, 1];
    let check = |r: LogRankResult, want: LogRankError| {
        assert_eq!(r.error, Some(want));
        assert!(r.chisq.is_nan() && r.p_value.is_nan());
        assert!(!r.is_ok());
        assert!(!want.to_string().is_empty());
    };
    check(
        lr.test(&t, &e[..2], &g, 2, None, Weighting::LogRank),
        LogRankError::LengthMismatch {
            time: 3,
            event: 2,
            group: 3,
            strata: None,
        },
    );
    check(
        lr.test(&t, &e, &g, 2, Some(&[0, 1]), Weighting::LogRank),
        LogRankError::LengthMismatch {
            time: 3,
            event: 3,
            group: 3,
            strata: Some(2),
        },
    );
    assert!(lr.observed().iter().all(|x| x.is_nan()));
    check(
        lr.test(&t, &e, &g, 0, None, Weighting::LogRank),
        LogRankError::BadGroupCount { n_groups: 0 },
    );
    assert!(lr.observed().is_empty());
    check(
        lr.test(&t, &e, &g, usize::MAX, None, Weighting::LogRank),
        LogRankError::BadGroupCount {
            n_groups: usize::MAX,
        },
    );
    check(
        lr.test(&t, &e, &[0, 2, 1], 2, None, Weighting::LogRank),
        LogRankError::GroupOutOfRange { row: 1, group: 2 },
    );
    check(
        lr.test(&[1.0, f64::NAN, 2.0], &e, &g, 2, None, Weighting::LogRank),
        LogRankError::NonFiniteTime { row: 1 },
    );
    check(
        lr.test(
            &[1.0, 2.0, f64::INFINITY],
            &e,
            &g,
            2,
            None,
            Weighting::LogRank,
        ),
        LogRankError::NonFiniteTime { row: 2 },
    );
    for (rho, gamma) in [(f64::NAN, 0.0), (1.0, -1.0), (0.0, f64::INFINITY)] {
        check(
            lr.test(
                &t,
                &e,
                &g,
                2,
                None,
                Weighting::FlemingHarrington { rho, gamma },
            ),
            LogRankError::InvalidWeighting,
        );
    }
    // and the struct is still usable afterwards
    let r = lr.test(&t, &e, &g, 2, None, Weighting::LogRank);
    assert!(r.is_ok());
}

#[test]
fn negative_zero_and_negative_times_are_fine() {
    let mut lr = LogRank::new();
    let a = lr.test(
        &[0.0, -0.0, 1.0, 2.0],
        &[true, true, true, false],
        &[0, 1, 0, 1],
        2,
        None,
        Weighting::LogRank,
    );
    let b = lr.test(
        &[0.0, 0.0, 1.0, 2.0],
        &[true, true, true, false],
        &[0, 1, 0, 1],
        2,
        None,
        Weighting::LogRank,
    );
    assert_eq!(a.chisq, b.chisq);
    let c = lr.test(
        &[-5.0, -3.0, 1.0, 2.0],
        &[true, true, true, false],
        &[0, 1, 0, 1],
        2,
        None,
        Weighting::g_rho(1.0),
    );
    assert!(c.chisq.is_finite());
}
