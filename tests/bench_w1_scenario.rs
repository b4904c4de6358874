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

/// W1 analyses PFS only (`analysis.os` and `analysis.followup` off): no OS or
/// follow-up columns, and the PFS columns are bit for bit those of the same
/// study with them on (the switches skip fits; the simulation is unchanged).
#[test]
fn pfs_only_switches_drop_columns_and_change_no_pfs_value() {
    use cohortsim::sim::Analyser;
    let pfs_only = w1();
    let mut full = w1();
    full.analysis.os = true;
    full.analysis.followup = true;
    let (cols_pfs, cols_full) = (columns(&pfs_only), columns(&full));
    assert!(cols_pfs
        .iter()
        .all(|c| !c.name.contains("os_") && !c.name.contains("followup")));
    assert_eq!(cols_full.len(), cols_pfs.len() + 2 * 3);
    let (mut ws, mut an) = (Workspace::new(), Analyser::new());
    let mut row_pfs = vec![0.0; cols_pfs.len()];
    let mut row_full = vec![0.0; cols_full.len()];
    for r in 0..50 {
        simulate_into(&pfs_only, pfs_only.n, &mut replicate_rng(3, r), &mut ws).unwrap();
        an.analyse(&pfs_only, &ws, &cols_pfs, &mut row_pfs);
        simulate_into(&full, full.n, &mut replicate_rng(3, r), &mut ws).unwrap();
        an.analyse(&full, &ws, &cols_full, &mut row_full);
        for (c, v) in cols_pfs.iter().zip(&row_pfs) {
            let k = cols_full.iter().position(|f| f.name == c.name).unwrap();
            assert_eq!(
                v.to_bits(),
                row_full[k].to_bits(),
                "replicate {r}, {}",
                c.name
            );
        }
        let median = cols_full
            .iter()
            .position(|c| c.name == "control.os_median")
            .unwrap();
        assert!(row_full[median].is_nan() || row_full[median] > 0.0);
    }
}
