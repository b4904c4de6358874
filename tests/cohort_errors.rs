//! (g) Every invalid spec gives its specific error, with a message naming what is wrong.

#[path = "cohort_common/mod.rs"]
mod common;
use cohortsim::cohort::{
    BandError, BandSpec, Boundary, CategoricalMargin, CohortSpec, ConditionalTable,
    ContinuousMargin, Correlation, CountMargin, DependenceError, KnotOrigin, MarginError, Mode,
    OnlyIf, Rule, SpecError,
};
use common::{age_band, botkin_builder, cat, s, yes_no};
use rand::SeedableRng;

fn is_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}

#[test]
fn probabilities_not_summing_to_one() {
    let e = CategoricalMargin::from_probs(s(&["female", "male"]), vec![0.5, 0.6]).unwrap_err();
    assert!(
        matches!(e, MarginError::ProbabilitiesDoNotSumToOne { sum } if (sum - 1.1).abs() < 1e-12)
    );
    assert!(e.to_string().contains("sum to 1.1"), "{e}");
    is_error(&e);
    // Within 1e-6 is accepted (rounded percentages are not, they need counts).
    assert!(CategoricalMargin::from_probs(s(&["a", "b"]), vec![0.5, 0.5000005]).is_ok());
    let e = CategoricalMargin::from_probs(s(&["a", "b"]), vec![-0.1, 1.1]).unwrap_err();
    assert!(matches!(e, MarginError::InvalidProbability { ref level, .. } if level == "a"));
    let e = CategoricalMargin::from_probs(s(&["a", "a"]), vec![0.5, 0.5]).unwrap_err();
    assert!(matches!(e, MarginError::DuplicateLevel { .. }));
    let e = CategoricalMargin::from_counts(s(&["a", "b"]), vec![0, 0]).unwrap_err();
    assert_eq!(e, MarginError::ZeroTotal);
    let e = CategoricalMargin::from_counts(s(&["a", "b"]), vec![1]).unwrap_err();
    assert!(matches!(
        e,
        MarginError::LengthMismatch {
            levels: 2,
            weights: 1
        }
    ));
}

#[test]
fn counts_not_summing_to_table_n() {
    let e = botkin_builder(Mode::Sampled)
        .covariate("ecog", cat(&["0", "1"], &[30, 29]))
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::CountsDoNotSumToN {
            covariate: "ecog".into(),
            sum: 59,
            n: 60
        }
    );
    assert!(e
        .to_string()
        .contains("ecog: counts sum to 59, but the table's n is 60"));
}

#[test]
fn non_monotone_knots() {
    let e = ContinuousMargin::new(39.0, 81.0)
        .unwrap()
        .with_median(90.0)
        .unwrap_err();
    match &e {
        MarginError::KnotConflict { lower_p, higher_p } => {
            assert_eq!(lower_p.origin, KnotOrigin::Median(90.0));
            assert_eq!(higher_p.origin, KnotOrigin::Max(81.0));
        }
        other => panic!("unexpected {other:?}"),
    }
    let e = ContinuousMargin::new(81.0, 39.0).unwrap_err();
    assert!(matches!(e, MarginError::KnotConflict { .. }));
    assert!(
        e.to_string()
            .contains("max 39 (p = 1) conflicts with min 81 (p = 0)"),
        "{e}"
    );
    let e = ContinuousMargin::new(39.0, 81.0)
        .unwrap()
        .with_quantile(1.5, 70.0)
        .unwrap_err();
    assert!(matches!(e, MarginError::ProbabilityOutOfRange { .. }));
    let e = ContinuousMargin::new(39.0, f64::NAN).unwrap_err();
    assert!(matches!(e, MarginError::NonFinite { .. }));
}

#[test]
fn botkin_median_conflicts_with_age_band() {
    // The table says median 64 but only 27 of 60 (45%) below 65.
    let e = CohortSpec::builder()
        .covariate(
            "age",
            ContinuousMargin::new(39.0, 81.0)
                .unwrap()
                .with_median(64.0)
                .unwrap(),
        )
        .covariate("age_band", age_band())
        .build()
        .unwrap_err();
    let SpecError::Margin { covariate, source } = &e else {
        panic!("unexpected {e:?}")
    };
    assert_eq!(covariate, "age");
    let MarginError::KnotConflict { lower_p, higher_p } = source else {
        panic!("unexpected {source:?}")
    };
    assert!(
        matches!(&lower_p.origin, KnotOrigin::Band { label, cut, .. } if label == "lt65" && *cut == 65.0)
    );
    assert_eq!(lower_p.p, 0.45);
    assert_eq!(higher_p.origin, KnotOrigin::Median(64.0));
    let msg = e.to_string();
    assert!(
        msg.contains(
            "median 64 (p = 0.50) conflicts with band lt65 of age_band (p = 0.45 below 65)"
        ),
        "{msg}"
    );
}

#[test]
fn botkin_lines_median_conflicts_with_exactly_two() {
    // Median 2 needs P(X <= 2) >= 0.5, but "exactly 2 prior lines: 29" with min 2 is 29/60.
    let e = CountMargin::from_median_range(2, 2.0, 7)
        .unwrap()
        .with_at_most(2, 29.0 / 60.0)
        .unwrap_err();
    assert!(matches!(e, MarginError::KnotConflict { .. }));
    assert!(
        e.to_string()
            .contains("median 2 (p = 0.50) conflicts with at most 2 (p = 0.4833)"),
        "{e}"
    );
    let e = CountMargin::from_median_range(2, 2.25, 7).unwrap_err();
    assert_eq!(e, MarginError::MedianNotHalfInteger { median: 2.25 });
    let e = CountMargin::from_counts(vec![1, 3, 2], vec![1, 1, 1]).unwrap_err();
    assert_eq!(
        e,
        MarginError::ValuesNotIncreasing {
            previous: 3,
            next: 2
        }
    );
}

#[test]
fn band_counts_at_the_ends_conflict_with_range() {
    // ge75 = 0 but max 81: somebody is >= 75.
    let band = BandSpec::new(
        "age",
        vec![65.0, 75.0],
        s(&["lt65", "65to74", "ge75"]),
        Boundary::Upper,
    )
    .unwrap()
    .with_counts(vec![27, 33, 0])
    .unwrap();
    let e = CohortSpec::builder()
        .covariate("age", ContinuousMargin::new(39.0, 81.0).unwrap())
        .covariate("age_band", band)
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, SpecError::Margin { covariate, source: MarginError::KnotConflict { .. } } if covariate == "age"),
        "{e:?}"
    );
    assert!(e.to_string().contains("max 81"), "{e}");
}

#[test]
fn band_spec_errors() {
    let e = BandSpec::new(
        "age",
        vec![75.0, 65.0],
        s(&["a", "b", "c"]),
        Boundary::Upper,
    )
    .unwrap_err();
    assert_eq!(
        e,
        BandError::CutsNotIncreasing {
            previous: 75.0,
            next: 65.0
        }
    );
    let e = BandSpec::new("age", vec![65.0], s(&["a", "b", "c"]), Boundary::Upper).unwrap_err();
    assert_eq!(e, BandError::LabelCount { cuts: 1, labels: 3 });
    let e = age_band().with_counts(vec![1, 2]).unwrap_err();
    assert_eq!(
        e,
        BandError::CountLength {
            labels: 3,
            counts: 2
        }
    );
    // Count source needs integer cuts.
    let e = CohortSpec::builder()
        .covariate(
            "prior_lines",
            CountMargin::from_median_range(2, 2.0, 7).unwrap(),
        )
        .covariate(
            "lines_band",
            BandSpec::new(
                "prior_lines",
                vec![2.5],
                s(&["le2", "gt2"]),
                Boundary::Upper,
            )
            .unwrap(),
        )
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::BandCutNotInteger {
            band: "lines_band".into(),
            cut: 2.5
        }
    );
    let e = CohortSpec::builder()
        .covariate("sex", cat(&["female", "male"], &[1, 1]))
        .covariate("age_band", age_band())
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::UnknownBandSource {
            band: "age_band".into(),
            source: "age".into()
        }
    );
    let e = CohortSpec::builder()
        .covariate("age", cat(&["young", "old"], &[1, 1]))
        .covariate("age_band", age_band())
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::BandSourceNotNumeric {
            band: "age_band".into(),
            source: "age".into()
        }
    );
}

#[test]
fn only_if_not_satisfiable() {
    let e = CohortSpec::builder()
        .table_n(60)
        .covariate("prior_dara", yes_no(10))
        .covariate(
            "dara_refractory",
            OnlyIf::new(yes_no(11), "prior_dara", "yes", "no").unwrap(),
        )
        .build()
        .unwrap_err();
    let SpecError::OnlyIfUnsatisfiable {
        child,
        parent,
        parent_level,
        p_child,
        p_parent,
    } = &e
    else {
        panic!("unexpected {e:?}")
    };
    assert_eq!(
        (child.as_str(), parent.as_str(), parent_level.as_str()),
        ("dara_refractory", "prior_dara", "yes")
    );
    assert!((p_child - 11.0 / 60.0).abs() < 1e-12 && (p_parent - 10.0 / 60.0).abs() < 1e-12);
    let msg = e.to_string();
    assert!(
        msg.contains("cannot be satisfied")
            && msg.contains("dara_refractory")
            && msg.contains("prior_dara"),
        "{msg}"
    );
    // Probability form too.
    let p = |y: f64| CategoricalMargin::from_probs(s(&["no", "yes"]), vec![1.0 - y, y]).unwrap();
    let e = CohortSpec::builder()
        .covariate("prior_dara", p(0.2))
        .covariate(
            "dara_refractory",
            OnlyIf::new(p(0.25), "prior_dara", "yes", "no").unwrap(),
        )
        .build()
        .unwrap_err();
    assert!(matches!(e, SpecError::OnlyIfUnsatisfiable { .. }));
    // Unknown otherwise level / parent level.
    let e = OnlyIf::new(yes_no(11), "prior_dara", "yes", "nope").unwrap_err();
    assert!(matches!(e, DependenceError::UnknownOtherwiseLevel { .. }));
    let e = CohortSpec::builder()
        .covariate("prior_dara", yes_no(17))
        .covariate(
            "dara_refractory",
            OnlyIf::new(yes_no(11), "prior_dara", "Yes", "no").unwrap(),
        )
        .build()
        .unwrap_err();
    assert!(matches!(e, SpecError::UnknownParentLevel { ref level, .. } if level == "Yes"));
}

#[test]
fn correlation_errors() {
    let e = Correlation::new("age", "m", 1.0).unwrap_err();
    assert!(matches!(e, DependenceError::CorrelationOutOfRange { rho, .. } if rho == 1.0));
    assert!(matches!(
        Correlation::new("age", "age", 0.1).unwrap_err(),
        DependenceError::SelfCorrelation { .. }
    ));
    let c = |a: &str, b: &str, r: f64| Correlation::new(a, b, r).unwrap();
    let m = || ContinuousMargin::new(0.0, 1.0).unwrap();
    let base = || {
        CohortSpec::builder()
            .covariate("a", m())
            .covariate("b", m())
            .covariate("c", m())
            .covariate(
                "band",
                BandSpec::new("a", vec![0.5], s(&["lo", "hi"]), Boundary::Upper).unwrap(),
            )
    };
    let e = base()
        .correlation(c("a", "b", 0.9))
        .correlation(c("a", "c", 0.9))
        .correlation(c("b", "c", -0.9))
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::CorrelationNotPositiveDefinite {
            covariates: s(&["a", "b", "c"]),
            failed_at: "c".into()
        }
    );
    assert!(e.to_string().contains("not positive definite"));
    let e = base().correlation(c("a", "zz", 0.1)).build().unwrap_err();
    assert_eq!(
        e,
        SpecError::UnknownCovariate {
            name: "zz".into(),
            context: "correlation"
        }
    );
    let e = base().correlation(c("a", "band", 0.1)).build().unwrap_err();
    assert_eq!(
        e,
        SpecError::CorrelationOnDependent {
            name: "band".into()
        }
    );
    let e = base()
        .correlation(c("a", "b", 0.1))
        .correlation(c("b", "a", 0.2))
        .build()
        .unwrap_err();
    assert!(matches!(e, SpecError::DuplicateCorrelation { .. }));
}

#[test]
fn conditional_table_errors() {
    let egfr = || cat(&["ge60", "30to59", "lt30"], &[46, 8, 6]);
    let rows = |r: Vec<(&str, Vec<u32>)>| {
        ConditionalTable::from_counts(
            "egfr",
            s(&["I", "II"]),
            r.into_iter().map(|(a, b)| (a.to_string(), b)).collect(),
        )
        .unwrap()
    };
    let full = || {
        rows(vec![
            ("ge60", vec![40, 6]),
            ("30to59", vec![4, 4]),
            ("lt30", vec![1, 5]),
        ])
    };
    // Unknown parent.
    let e = CohortSpec::builder()
        .covariate("egfr", egfr())
        .covariate(
            "iss",
            ConditionalTable::from_counts("egfrr", s(&["I"]), vec![("x".into(), vec![1])]).unwrap(),
        )
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::UnknownParent {
            child: "iss".into(),
            parent: "egfrr".into()
        }
    );
    // Missing parent level.
    let e = CohortSpec::builder()
        .covariate("egfr", egfr())
        .covariate(
            "iss",
            rows(vec![("ge60", vec![40, 6]), ("lt30", vec![1, 5])]),
        )
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::MissingParentLevel {
            child: "iss".into(),
            parent: "egfr".into(),
            level: "30to59".into()
        }
    );
    // Row counts disagree with the parent's count.
    let e = CohortSpec::builder()
        .covariate("egfr", egfr())
        .covariate(
            "iss",
            rows(vec![
                ("ge60", vec![40, 6]),
                ("30to59", vec![4, 3]),
                ("lt30", vec![1, 5]),
            ]),
        )
        .build()
        .unwrap_err();
    assert!(matches!(
        e,
        SpecError::ConditionalCountsDisagree {
            row_total: 7,
            parent_count: 8,
            ..
        }
    ));
    // Continuous parent.
    let e = CohortSpec::builder()
        .covariate("egfr", ContinuousMargin::new(10.0, 120.0).unwrap())
        .covariate("iss", full())
        .build()
        .unwrap_err();
    assert!(matches!(e, SpecError::ParentNotCategorical { .. }));
    // A row that does not sum to 1.
    let e = ConditionalTable::from_probs(
        "egfr",
        s(&["I", "II"]),
        vec![("ge60".into(), vec![0.5, 0.4])],
    )
    .unwrap_err();
    assert!(
        matches!(e, DependenceError::Row { ref parent_level, source: MarginError::ProbabilitiesDoNotSumToOne { .. } } if parent_level == "ge60")
    );
    // Cycle.
    let e = CohortSpec::builder()
        .covariate(
            "a",
            ConditionalTable::from_probs(
                "b",
                s(&["x", "y"]),
                vec![("x".into(), vec![0.5, 0.5]), ("y".into(), vec![0.5, 0.5])],
            )
            .unwrap(),
        )
        .covariate(
            "b",
            ConditionalTable::from_probs(
                "a",
                s(&["x", "y"]),
                vec![("x".into(), vec![0.5, 0.5]), ("y".into(), vec![0.5, 0.5])],
            )
            .unwrap(),
        )
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::DependencyCycle {
            covariates: s(&["a", "b"])
        }
    );
}

#[test]
fn eligibility_errors() {
    let b = || {
        CohortSpec::builder()
            .covariate("age", ContinuousMargin::new(39.0, 81.0).unwrap())
            .covariate("sex", cat(&["female", "male"], &[32, 28]))
    };
    let e = b()
        .rule(Rule::exclude_levels("sex", s(&["female", "male"])).unwrap())
        .build()
        .unwrap_err();
    assert!(
        matches!(e, SpecError::EligibilityExcludesAll { ref covariate, excluded } if covariate == "sex" && (excluded - 1.0).abs() < 1e-12)
    );
    let e = b()
        .rule(Rule::exclude_below("age", 100.0).unwrap())
        .build()
        .unwrap_err();
    assert!(matches!(e, SpecError::EligibilityExcludesAll { .. }));
    assert!(e.to_string().contains("excludes 100.00%"), "{e}");
    let e = b()
        .mode(Mode::Exact)
        .rule(Rule::exclude_levels("sex", s(&["male"])).unwrap())
        .build()
        .unwrap_err();
    assert!(
        matches!(e, SpecError::EligibilityConflictsWithExact { ref what, .. } if what == "= male")
    );
    let e = b()
        .mode(Mode::Exact)
        .rule(Rule::exclude_above("age", 80.0).unwrap())
        .build()
        .unwrap_err();
    assert!(matches!(e, SpecError::EligibilityConflictsWithExact { .. }));
    let e = b()
        .rule(Rule::exclude_levels("sex", s(&["other"])).unwrap())
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::RuleUnknownLevel {
            covariate: "sex".into(),
            level: "other".into()
        }
    );
    let e = b()
        .rule(Rule::exclude_above("sex", 1.0).unwrap())
        .build()
        .unwrap_err();
    assert!(matches!(e, SpecError::RuleKindMismatch { .. }));
    let e = b()
        .rule(Rule::exclude_above("weight", 1.0).unwrap())
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        SpecError::UnknownCovariate {
            name: "weight".into(),
            context: "eligibility rule"
        }
    );
    assert!(Rule::exclude_above("age", f64::INFINITY).is_err());
    assert!(Rule::exclude_levels("sex", vec![]).is_err());
}

#[test]
fn spec_level_errors() {
    // A cohort without covariates is a valid spec (a design with no case mix):
    // it still has n patients.
    let empty = CohortSpec::builder().build().unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    assert_eq!(empty.generate(25, &mut rng).unwrap().n(), 25);
    let e = CohortSpec::builder()
        .covariate("sex", cat(&["female", "male"], &[1, 1]))
        .covariate("sex", cat(&["female", "male"], &[1, 1]))
        .build()
        .unwrap_err();
    assert_eq!(e, SpecError::DuplicateCovariate { name: "sex".into() });
    is_error(&e);
    let e = CohortSpec::builder()
        .covariate("sex", cat(&["female", "male"], &[1, 1]))
        .max_screened_per_patient(0)
        .build()
        .unwrap_err();
    assert_eq!(e, SpecError::InvalidMaxScreened);
}
