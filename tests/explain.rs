//! Acceptance of `explain`: the case-mix part goes to the factor whose
//! distribution differs, and every decomposition adds up.

use cohortsim::design::Endpoint;
use cohortsim::explain::case_mix::case_mix;
use cohortsim::explain::shapley::shapley;
use cohortsim::explain::{explain, Estimands, ExplainConfig};
use cohortsim::scenario;
use std::path::Path;

/// One arm, exponential hazards; three prognostic factors: `x` (binary,
/// P(yes) = `px`), `y` (binary, 0.4) and `z` (continuous 40-80, median
/// 60), each with an effect on progression.
fn cohort(name: &str, px: f64, progression_median: f64) -> String {
    format!(
        r#"
[meta]
name = "{name}"
[cohort]
n = 120
[[arms]]
name = "T"
[[covariates]]
name = "x"
kind = "binary"
p_yes = {px}
[[covariates]]
name = "y"
kind = "binary"
p_yes = 0.4
[[covariates]]
name = "z"
kind = "continuous"
min = 40
median = 60
max = 80
[outcome.progression]
family = "exponential"
median = {progression_median}
effects = {{ x = {{ yes = 2.0 }}, y = {{ yes = 1.5 }}, z = {{ per_unit = 1.03, center = 60 }} }}
[outcome.death_before_progression]
family = "exponential"
rate = 0.005
[outcome.death_after_progression]
family = "exponential"
rate = 0.05
[design.accrual]
end = 12.0
[design.cutoff]
date = 48.0
[analysis]
landmarks = [12, 24]
truth_n = 20000
"#
    )
}

fn load(text: &str, file: &str) -> scenario::Scenario {
    scenario::from_str(text, Path::new(file)).unwrap()
}

/// Student's t with 9 degrees of freedom (10 batch means), two-sided 1e-4.
const T9_TWO_SIDED_1E4: f64 = 6.594;

const ESTIMANDS: Estimands = Estimands {
    endpoint: Endpoint::Pfs,
    landmark: 12.0,
    tau: 24.0,
};

#[test]
fn a_factor_that_differs_alone_takes_the_whole_case_mix_gap() {
    let a = load(&cohort("a", 0.2, 12.0), "a.toml");
    let b = load(&cohort("b", 0.6, 12.0), "b.toml");
    let mix = case_mix(&a, 0, &b, 0, &ESTIMANDS, 60_000).unwrap();
    let names: Vec<&str> = mix.factors.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["x", "y", "z"]);
    for j in 0..3 {
        let total = mix.b_model_on_a.value[j] - mix.b_on_b.value[j];
        let sum: f64 = mix.factors.iter().map(|(_, t)| t.value[j]).sum();
        // Shapley's efficiency: exact, whatever the noise.
        assert!((sum - total).abs() < 1e-9, "estimand {j}: {sum} vs {total}");
        let (x, y, z) = (&mix.factors[0].1, &mix.factors[1].1, &mix.factors[2].1);
        // Fewer patients with the bad factor: a longer median, better survival.
        assert!(x.value[j] > 0.0, "{x:?}");
        // Same distributions: no share beyond Monte Carlo error. The MCSE
        // comes from 10 batch means, so value / MCSE is Student's t with 9
        // degrees of freedom, not normal: 4 MCSEs would fail 0.3% of seeds
        // (this one gives 5.7 for y's share, from A's y proportion falling
        // 0.005 below B's); t_9's two-sided 1e-4 point is 6.59.
        for (name, t) in [("y", y), ("z", z)] {
            assert!(
                t.value[j].abs() < T9_TWO_SIDED_1E4 * t.mcse[j] + 1e-12,
                "estimand {j}: {name} got {} (MCSE {})",
                t.value[j],
                t.mcse[j]
            );
        }
        assert!(
            (x.value[j] - total).abs() < 4.0 * (y.mcse[j] + z.mcse[j]) + 1e-12,
            "estimand {j}: x {} of {total}",
            x.value[j]
        );
        // Same model: no outcome-model part.
        assert!(mix.outcome_model.value[j].abs() < 1e-12);
    }
    // With exponential hazards and no covariate at all in the difference,
    // the true median under B's model on B's patients is B's own truth.
    let (truth_b, _) = cohortsim::sim::true_values(&b, &cohortsim::sim::columns(&b)).unwrap();
    let median_b = truth_b[cohortsim::sim::columns(&b)
        .iter()
        .position(|c| c.name == "T.pfs_median")
        .unwrap()]
    .unwrap();
    assert!((mix.b_on_b.value[0] / median_b - 1.0).abs() < 0.02);
}

#[test]
fn a_different_baseline_hazard_is_the_outcome_model_not_the_case_mix() {
    let a = load(&cohort("a", 0.4, 16.0), "a.toml");
    let b = load(&cohort("b", 0.4, 12.0), "b.toml");
    let mix = case_mix(&a, 0, &b, 0, &ESTIMANDS, 40_000).unwrap();
    for (name, t) in &mix.factors {
        assert!(t.value[0].abs() < 4.0 * t.mcse[0] + 1e-12, "{name}: {t:?}");
    }
    let total = mix.a_on_a.value[0] - mix.b_on_b.value[0];
    assert!(
        total > 2.0,
        "a longer reference median lengthens the median: {total}"
    );
    let parts =
        mix.outcome_model.value[0] + mix.factors.iter().map(|(_, t)| t.value[0]).sum::<f64>();
    assert!((parts - total).abs() < 1e-9);
}

#[test]
fn every_part_of_an_explanation_adds_up_from_b_to_a() {
    let dir = tempfile::tempdir().unwrap();
    let pa = dir.path().join("a.toml");
    let pb = dir.path().join("b.toml");
    // A: fewer bad-factor patients, a longer follow-up.
    std::fs::write(
        &pa,
        cohort("a", 0.2, 14.0).replace("date = 48.0", "date = 60.0"),
    )
    .unwrap();
    std::fs::write(&pb, cohort("b", 0.6, 12.0)).unwrap();
    let a = scenario::load(&pa).unwrap();
    let b = scenario::load(&pb).unwrap();
    let cfg = ExplainConfig {
        estimands: ESTIMANDS,
        replicates: 300,
        seed: 3,
        patients: 20_000,
        bootstrap: 50,
    };
    let x = explain(&pa, &a, None, &pb, &b, None, &cfg, &|_| {}).unwrap();
    for j in 0..3 {
        let sum: f64 = x.parts.iter().map(|p| p.value[j]).sum();
        let want = x.typical_a.value[j] - x.typical_b.value[j];
        assert!(
            (sum - want).abs() < 1e-9,
            "estimand {j}: parts {sum}, total {want}"
        );
    }
    let labels: Vec<&str> = x.parts.iter().map(|p| p.label.as_str()).collect();
    assert!(labels.contains(&"follow-up and cut-off"), "{labels:?}");
    // Identical designs apart from the cut-off: the other elements are noted, not parts.
    assert!(x.notes.iter().any(|n| n.contains("loss to follow-up")));
    // Chance: the two studies' estimates differ by chance within the interval.
    assert!(x.chance[1].interval[0] < x.chance[1].interval[1]);
}

#[test]
fn shapley_values_add_up_on_random_games() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for k in 1..=6 {
        let v: Vec<f64> = (0..1 << k).map(|_| rng.gen_range(-5.0..5.0)).collect();
        let phi = shapley(k, &v);
        assert!((phi.iter().sum::<f64>() - (v[(1 << k) - 1] - v[0])).abs() < 1e-9);
    }
}
