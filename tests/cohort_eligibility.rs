//! (f) Eligibility by rejection: screened-out fraction and no excluded patient.

#[path = "cohort_common/mod.rs"]
mod common;
use cohortsim::cohort::{
    CategoricalMargin, CohortSpec, ContinuousMargin, CountMargin, GenerateError, Mode, Rule,
};
use common::{age_band, assert_prop, s};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn builder() -> cohortsim::cohort::CohortSpecBuilder {
    CohortSpec::builder()
        .covariate("age", ContinuousMargin::new(39.0, 81.0).unwrap())
        .covariate("age_band", age_band())
        .covariate(
            "ecog",
            CategoricalMargin::from_probs(
                s(&["0", "1", "2", "3to4", "unknown"]),
                vec![0.35, 0.4, 0.1, 0.05, 0.1],
            )
            .unwrap(),
        )
        .covariate(
            "prior_lines",
            CountMargin::from_median_range(2, 2.0, 7).unwrap(),
        )
}

#[test]
fn screened_out_fraction_matches() {
    let spec = builder()
        .rule(Rule::exclude_levels("ecog", s(&["3to4"])).unwrap())
        .rule(Rule::exclude_above("age", 75.0).unwrap())
        .rule(Rule::exclude_above("prior_lines", 3.0).unwrap())
        .build()
        .unwrap();
    // P(ecog 3to4) = 0.05; P(age > 75) = 3/60; P(lines > 3) = 1 - P(Y < 4) = 0.5 - 0.75/5.5.
    let p_lines = 0.5 - 0.75 / 5.5;
    assert!((spec.rule_exclusion_probability(0).unwrap() - 0.05).abs() < 1e-12);
    assert!((spec.rule_exclusion_probability(1).unwrap() - 0.05).abs() < 1e-12);
    assert!((spec.rule_exclusion_probability(2).unwrap() - p_lines).abs() < 1e-12);
    let p_excl = 1.0 - 0.95 * 0.95 * (1.0 - p_lines);
    let n = 100_000;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut c = cohortsim::cohort::Cohort::new();
    let stats = spec.generate_into(n, &mut rng, &mut c).unwrap();
    assert_eq!(stats.screened - stats.excluded, n as u64);
    assert_prop(
        "screened-out fraction",
        stats.excluded_fraction(),
        p_excl,
        stats.screened as usize,
    );
    let ecog = c.levels_by_name("ecog").unwrap();
    assert!(ecog.iter().all(|&l| l != 3));
    assert!(c.values_by_name("age").unwrap().iter().all(|&a| a <= 75.0));
    assert!(c
        .values_by_name("prior_lines")
        .unwrap()
        .iter()
        .all(|&x| x <= 3.0));
    assert!(c
        .levels_by_name("age_band")
        .unwrap()
        .iter()
        .all(|&b| b != 2));
    // Accepted ecog is the margin conditioned on eligibility: P(1 | not 3to4) = 0.4 / 0.95.
    let e1 = ecog.iter().filter(|&&l| l == 1).count() as f64 / n as f64;
    assert_prop("P(ecog 1 | eligible)", e1, 0.4 / 0.95, n);
}

#[test]
fn jointly_impossible_rules_error_instead_of_hanging() {
    // Each rule alone excludes part; together everyone.
    let spec = builder()
        .rule(Rule::exclude_below("age", 60.0).unwrap())
        .rule(Rule::exclude_above("age", 59.0).unwrap())
        .max_screened_per_patient(50)
        .build()
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let err = spec.generate(10, &mut rng).unwrap_err();
    assert!(matches!(
        err,
        GenerateError::TooManyRejections {
            n: 10,
            accepted: 0,
            screened: 500,
            ..
        }
    ));
    assert!(err.to_string().contains("excluded"));
}

#[test]
fn exact_mode_allows_rules_that_exclude_nothing() {
    let spec = builder()
        .mode(Mode::Exact)
        .rule(Rule::exclude_below("age", 18.0).unwrap())
        .rule(Rule::exclude_above("prior_lines", 7.0).unwrap())
        .build()
        .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let c = spec.generate(60, &mut rng).unwrap();
    assert_eq!(c.levels_by_name("age_band").unwrap().len(), 60);
}
