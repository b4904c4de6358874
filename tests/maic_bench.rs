//! MAIC as an estimator against the simulator's known truth: weighting one
//! cohort's patients to another's means recovers the other population's
//! median when the weighting model is right, where the unadjusted median
//! does not.

use cohortsim::experiment::benchmark::{benchmark, maic_slots, Estimator};
use cohortsim::scenario;
use cohortsim::sim::RunConfig;
use cohortsim::study::Executor;
use std::path::Path;

/// One arm, exponential hazards, no censoring; `x` (P(yes) = px) and `y`
/// (P(yes) = 0.5), independent binaries, both prognostic.
fn cohort(name: &str, px: f64, n: usize) -> scenario::Scenario {
    let text = format!(
        r#"
[meta]
name = "{name}"
[cohort]
n = {n}
[[arms]]
name = "T"
[[covariates]]
name = "x"
kind = "binary"
p_yes = {px}
[[covariates]]
name = "y"
kind = "binary"
p_yes = 0.5
[outcome.progression]
family = "exponential"
median = 12
effects = {{ x = {{ yes = 2.0 }}, y = {{ yes = 1.5 }} }}
[outcome.death_before_progression]
family = "exponential"
rate = 0.002
[outcome.death_after_progression]
family = "exponential"
rate = 0.05
[design.accrual]
end = 6.0
[design.cutoff]
date = 400.0
[analysis]
landmarks = [12]
truth_n = 20000
"#
    );
    scenario::from_str(&text, Path::new(&format!("{name}.toml"))).unwrap()
}

#[test]
fn maic_recovers_the_target_population_median_where_the_naive_median_does_not() {
    let source = cohort("source", 0.3, 1500);
    let target = cohort("target", 0.7, 200);
    let slots = maic_slots(&source, &target, 100_000).unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(slots[0].estimator, Estimator::MaicMedian);
    let rows = benchmark(
        &mut Executor::local(),
        &source,
        &slots,
        &RunConfig {
            replicates: 600,
            seed: 4,
            n: 1500,
        },
        12.0,
        &|_| {},
    )
    .unwrap()
    .unwrap();
    let maic = &rows[0].performance;
    let naive = &rows[1].performance;
    assert_eq!(maic.estimated, 600, "MAIC weights exist in every replicate");
    let bias = maic.bias.unwrap();
    // The median's own small-sample bias at n = 1500 is about 0.005 x
    // median: far below this MCSE.
    assert!(
        bias.value.abs() < 3.0 * bias.mcse,
        "MAIC bias {} (MCSE {})",
        bias.value,
        bias.mcse
    );
    let naive_bias = naive.bias.unwrap();
    assert!(
        naive_bias.value > 10.0 * naive_bias.mcse,
        "the unadjusted median should be biased upwards: {naive_bias:?}"
    );
    let cov = maic.coverage.unwrap();
    assert!(
        (cov.value - 0.95).abs() < 4.0 * cov.mcse + 0.01,
        "MAIC coverage {cov:?}"
    );
}
