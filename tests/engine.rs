//! End to end: scenario -> cohorts -> reanalysis, against closed forms.

use cohortsim::scenario;
use cohortsim::sim::{self, replicate_rng, simulate_into, RunConfig, Workspace};
use std::path::Path;

/// Constant hazards, no covariates, follow-up long enough that nobody is censored.
fn constant_hazards(extra_design: &str) -> String {
    format!(
        r#"
[meta]
name = "constant"
[cohort]
n = 200
[[arms]]
name = "A"
[outcome.progression]
family = "exponential"
rate = 0.06
[outcome.death_before_progression]
family = "exponential"
rate = 0.01
[outcome.death_after_progression]
family = "exponential"
rate = 0.04
[design.accrual]
end = 12.0
[design.cutoff]
date = 2000.0
{extra_design}
[analysis]
landmarks = [6, 12]
truth_n = 200000
"#
    )
}

fn os_closed_form(l01: f64, l02: f64, l12: f64, t: f64) -> f64 {
    let a = l01 + l02;
    (-a * t).exp() + l01 * ((-l12 * t).exp() - (-a * t).exp()) / (a - l12)
}

fn column(out: &sim::RunOutput, name: &str) -> Vec<f64> {
    let c = out.columns.iter().position(|c| c.name == name).unwrap();
    (0..out.replicates()).map(|r| out.row(r)[c]).collect()
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let s = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt();
    (m, s)
}

#[test]
fn truths_and_landmark_estimates_match_the_illness_death_closed_forms() {
    let s = scenario::from_str(&constant_hazards(""), Path::new("constant.toml")).unwrap();
    let cols = sim::columns(&s);
    let (truth, _) = sim::true_values(&s, &cols).unwrap();
    let get = |name: &str| truth[cols.iter().position(|c| c.name == name).unwrap()];

    // PFS is exponential with rate 0.07: the truth is exact (closed form, no covariates).
    let median = (2f64).ln() / 0.07;
    assert!((get("A.pfs_median").unwrap() / median - 1.0).abs() < 1e-9);
    // (an average of 200,000 equal terms: summation error only)
    assert!((get("A.pfs_at_12").unwrap() / (-0.07f64 * 12.0).exp() - 1.0).abs() < 1e-10);
    // OS from the large cohort: within 4 binomial SEs of the closed form.
    let os12 = os_closed_form(0.06, 0.01, 0.04, 12.0);
    let se = (os12 * (1.0 - os12) / 200_000.0).sqrt();
    assert!((get("A.os_at_12").unwrap() - os12).abs() < 4.0 * se);

    // Without censoring the KM landmark estimate is a sample proportion: its mean over
    // replicates is the truth within 4 Monte Carlo SEs.
    let out = sim::run(
        &s,
        &RunConfig {
            replicates: 2000,
            seed: 3,
            n: 200,
        },
        &|_| {},
    )
    .unwrap();
    for (name, target) in [
        ("A.pfs_at_12", (-0.84f64).exp()),
        ("A.os_at_12", os12),
        ("A.os_at_6", os_closed_form(0.06, 0.01, 0.04, 6.0)),
    ] {
        let (m, sd) = mean_sd(&column(&out, name));
        let mcse = sd / (2000f64).sqrt();
        assert!(
            (m - target).abs() < 4.0 * mcse,
            "{name}: mean {m} vs {target} (mcse {mcse})"
        );
        // and the spread is binomial
        let binom = (target * (1.0 - target) / 200.0).sqrt();
        assert!(
            (sd / binom - 1.0).abs() < 0.1,
            "{name}: sd {sd} vs binomial {binom}"
        );
    }
    // Everyone has both events by month 2000: no censoring.
    let events = column(&out, "A.os_events");
    assert!(events.iter().all(|&e| e == 200.0));
}

#[test]
fn visits_move_observed_progressions_onto_visit_days() {
    let text = constant_hazards("[design.assessment]\nschedule = \"every\"\nevery_weeks = 6\n");
    let s = scenario::from_str(&text, Path::new("visits.toml")).unwrap();
    let interval = 6.0 * 7.0 / 30.4375;
    let mut ws = Workspace::new();
    let mut rng = replicate_rng(11, 0);
    simulate_into(&s, 2000, &mut rng, &mut ws).unwrap();
    let mut progressions = 0;
    for i in 0..2000 {
        let o = &ws.observed;
        assert!(o.pfs_event[i], "no censoring expected");
        let p = ws.progression[i];
        let d = ws.death[i];
        let visit = (p / interval - 1e-9).ceil() * interval;
        if p.is_finite() && visit <= d {
            progressions += 1;
            let k = o.pfs_time[i] / interval;
            assert!(
                (k - k.round()).abs() < 1e-9,
                "observed progression {} is not a visit day",
                o.pfs_time[i]
            );
            assert!(o.pfs_time[i] >= p - 1e-12 && o.pfs_time[i] < p + interval);
        } else {
            // death came first (or before the visit that would have seen progression)
            assert_eq!(o.pfs_time[i], d);
        }
    }
    assert!(
        progressions > 1500,
        "expected most PFS events to be progressions, got {progressions}"
    );
}

#[test]
fn shipped_scenarios_resolve_and_their_truths_are_plausible() {
    for (file, arm, lo, hi) in [
        ("scenarios/botkin-isapd-2024.toml", "IsaPd", 12.0, 20.0),
        ("scenarios/icaria-mm.toml", "Pd", 5.0, 8.0),
    ] {
        let s = scenario::load(Path::new(file)).unwrap();
        let cols = sim::columns(&s);
        let (truth, _) = sim::true_values(&s, &cols).unwrap();
        let m = truth[cols
            .iter()
            .position(|c| c.name == format!("{arm}.pfs_median"))
            .unwrap()]
        .unwrap();
        assert!(
            m > lo && m < hi,
            "{file}: true median PFS {m} outside the hand-set range"
        );
    }
}

#[test]
fn truth_with_discontinuation_matches_its_closed_form() {
    // Progression 0.05/month, doubled after discontinuation (0.02/month); death
    // before progression 0.01/month. P(PFS > t) = e^{-bt} [e^{-(a+d)t}
    //   + d e^{-2at} (1 - e^{-(d-a)t}) / (d - a)].
    let text = constant_hazards("")
        .replace("rate = 0.06", "rate = 0.05")
        .replace(
            "[design.accrual]",
            "[outcome.discontinuation]\nfamily = \"exponential\"\nrate = 0.02\nprogression_hr_after = 2.0\n[design.accrual]",
        );
    let s = scenario::from_str(&text, Path::new("disc.toml")).unwrap();
    let pop = cohortsim::sim::truth::arm_population(&s, 0).unwrap();
    let (a, b, d) = (0.05f64, 0.01f64, 0.02f64);
    for t in [3.0, 6.0, 12.0, 24.0] {
        let exact = (-b * t).exp()
            * ((-(a + d) * t).exp()
                + d * (-2.0 * a * t).exp() * (1.0 - (-(d - a) * t).exp()) / (d - a));
        // Conditional Monte Carlo over 200,000 patients: the binomial SE bounds its error.
        let se = (exact * (1.0 - exact) / 200_000.0).sqrt();
        let got = pop.pfs_survival(t);
        assert!((got - exact).abs() < 4.0 * se, "t = {t}: {got} vs {exact}");
    }
}

#[test]
fn causes_of_death_split_as_specified() {
    let text = constant_hazards("")
        .replace("[design.accrual]", "[death_causes]\nprogression_after = 0.7\nother = { infection = 3, other = 1 }\n[design.accrual]");
    let s = scenario::from_str(&text, Path::new("causes.toml")).unwrap();
    let mut ws = Workspace::new();
    let (mut after, mut after_prog, mut before, mut before_prog) = (0usize, 0usize, 0usize, 0usize);
    for r in 0..50 {
        simulate_into(&s, 200, &mut replicate_rng(5, r), &mut ws).unwrap();
        for i in 0..200 {
            let cause = ws.death_cause[i].expect("everyone dies by month 2000");
            if ws.progression[i] < ws.death[i] {
                after += 1;
                after_prog += cause.is_progression() as usize;
            } else {
                before += 1;
                before_prog += cause.is_progression() as usize;
            }
        }
    }
    // Deaths before progression are never progression-related; after it, 70% are.
    assert_eq!(before_prog, 0);
    assert!(before > 1000);
    let p = after_prog as f64 / after as f64;
    let se = (0.7f64 * 0.3 / after as f64).sqrt();
    assert!((p - 0.7).abs() < 4.0 * se, "{p} vs 0.7 (se {se})");
}
