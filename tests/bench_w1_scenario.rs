//! Issue 7's benchmark W1 as shipped in scenarios/bench-w1.toml: a two-arm
//! trial of 307 patients, exactly 154 + 153 in every replicate, whose true PFS
//! medians are W1's 11.5 and 6.5 months.

use cohortsim::scenario;
use cohortsim::sim::{columns, replicate_rng, simulate_into, true_values, Quantity, Workspace};
use std::path::Path;

fn w1() -> scenario::Scenario {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench-w1.toml");
    scenario::load(&file).expect("bench-w1.toml loads")
}

#[test]
fn loads_with_307_patients_in_two_arms() {
    let s = w1();
    assert_eq!(s.n, 307);
    assert_eq!(s.arms.len(), 2);
    assert_eq!(s.analysis.landmarks, Vec::<f64>::new());
}

#[test]
fn every_replicate_has_arms_of_154_and_153() {
    let s = w1();
    let mut ws = Workspace::new();
    for r in 0..20 {
        simulate_into(&s, s.n, &mut replicate_rng(1, r), &mut ws).unwrap();
        assert_eq!(ws.arm.len(), 307);
        let first = ws.arm.iter().filter(|&&a| a == 0).count();
        let second = ws.arm.iter().filter(|&&a| a == 1).count();
        assert_eq!((first, second), (154, 153), "replicate {r}");
    }
}

#[test]
fn true_pfs_medians_are_11_5_and_6_5() {
    let mut s = w1();
    // No covariates: every patient of the truth population is the reference
    // patient, and the true PFS is the closed-form exponential curve, so a
    // small population gives the same value as the default 400,000.
    s.analysis.truth_n = 1_000;
    let cols = columns(&s);
    let (truth, _) = true_values(&s, &cols).unwrap();
    let median = |arm: usize| {
        let k = cols
            .iter()
            .position(|c| c.arm == Some(arm) && c.quantity == Quantity::PfsMedian)
            .unwrap();
        truth[k].unwrap()
    };
    for (arm, want) in [(0, 11.5), (1, 6.5)] {
        let got = median(arm);
        assert!(
            (got - want).abs() < 1e-9 * want,
            "arm {arm}: true PFS median {got}, want {want}"
        );
    }
}
