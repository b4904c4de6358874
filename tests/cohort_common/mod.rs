//! Shared fixtures: a spec expressing the Botkin Table 1 (published-cohorts.md, section 1).
#![allow(dead_code)]

use cohortsim::cohort::{
    BandSpec, Boundary, CategoricalMargin, CohortSpec, CohortSpecBuilder, ConditionalTable,
    ContinuousMargin, CountMargin, Mode, OnlyIf,
};

pub const N_TABLE: u32 = 60;

pub fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

pub fn cat(levels: &[&str], counts: &[u32]) -> CategoricalMargin {
    CategoricalMargin::from_counts(s(levels), counts.to_vec()).unwrap()
}

pub fn yes_no(yes: u32) -> CategoricalMargin {
    CategoricalMargin::binary_from_counts(yes, N_TABLE).unwrap()
}

pub fn age_band() -> BandSpec {
    BandSpec::new(
        "age",
        vec![65.0, 75.0],
        s(&["lt65", "65to74", "ge75"]),
        Boundary::Upper,
    )
    .unwrap()
    .with_counts(vec![27, 30, 3])
    .unwrap()
}

/// iss given egfr. ASSUMPTION: the table gives only margins; this cross-table is invented
/// so that its margins are the table's (iss 3/22/28/7, egfr nested as 46/8/6).
pub fn iss_given_egfr() -> ConditionalTable {
    ConditionalTable::from_counts(
        "egfr",
        s(&["I", "II", "III", "unknown"]),
        vec![
            ("ge60".into(), vec![3, 19, 18, 6]),
            ("30to59".into(), vec![0, 2, 5, 1]),
            ("lt30".into(), vec![0, 1, 5, 0]),
        ],
    )
    .unwrap()
}

/// Botkin Table 1 without the age median (it conflicts with the age bands; see the errors
/// test) and with prior lines as median 2, range 2-7.
pub fn botkin_builder(mode: Mode) -> CohortSpecBuilder {
    CohortSpec::builder()
        .table_n(N_TABLE)
        .mode(mode)
        .covariate("age", ContinuousMargin::new(39.0, 81.0).unwrap())
        .covariate("age_band", age_band())
        .covariate("sex", cat(&["female", "male"], &[32, 28]))
        .covariate("ds_stage", cat(&["I", "II", "III"], &[2, 25, 33]))
        .covariate("egfr", cat(&["ge60", "30to59", "lt30"], &[46, 8, 6]))
        .covariate("iss", iss_given_egfr())
        .covariate(
            "isotype",
            cat(
                &["IgG", "IgA", "IgD", "light_chain", "nonsecretory"],
                &[27, 9, 1, 12, 11],
            ),
        )
        .covariate(
            "cyto_risk",
            cat(&["standard", "high", "unknown"], &[30, 8, 22]),
        )
        .covariate(
            "prior_lines",
            CountMargin::from_median_range(2, 2.0, 7).unwrap(),
        )
        .covariate(
            "lines_band",
            BandSpec::new(
                "prior_lines",
                vec![2.0, 4.0],
                s(&["1", "2to3", "gt3"]),
                Boundary::Upper,
            )
            .unwrap(),
        )
        .covariate("prior_asct", yes_no(19))
        .covariate("prior_alkylator", yes_no(40))
        .covariate("prior_dara", yes_no(17))
        .covariate(
            "dara_refractory",
            OnlyIf::new(yes_no(11), "prior_dara", "yes", "no").unwrap(),
        )
        .covariate("len_refractory", yes_no(39))
        .covariate("last_line_refractory", yes_no(41))
        .covariate("plasmacytoma", yes_no(11))
}

pub fn botkin(mode: Mode) -> CohortSpec {
    botkin_builder(mode).build().unwrap()
}

/// Table 1 counts of every level-valued covariate whose counts the table gives.
pub fn table_counts() -> Vec<(&'static str, Vec<usize>)> {
    vec![
        ("age_band", vec![27, 30, 3]),
        ("sex", vec![32, 28]),
        ("ds_stage", vec![2, 25, 33]),
        ("egfr", vec![46, 8, 6]),
        ("iss", vec![3, 22, 28, 7]),
        ("isotype", vec![27, 9, 1, 12, 11]),
        ("cyto_risk", vec![30, 8, 22]),
        ("prior_asct", vec![41, 19]),
        ("prior_alkylator", vec![20, 40]),
        ("prior_dara", vec![43, 17]),
        ("dara_refractory", vec![49, 11]),
        ("len_refractory", vec![21, 39]),
        ("last_line_refractory", vec![19, 41]),
        ("plasmacytoma", vec![49, 11]),
    ]
}

/// Binomial standard error of a proportion.
pub fn se(p: f64, n: usize) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt()
}

/// Asserts `|observed - target| <= 4 SE` (SE of a proportion over `n`).
pub fn assert_prop(what: &str, observed: f64, target: f64, n: usize) {
    let tol = 4.0 * se(target, n);
    assert!(
        (observed - target).abs() <= tol,
        "{what}: observed {observed:.5}, target {target:.5}, tolerance {tol:.5} (4 SE, n = {n})"
    );
}
