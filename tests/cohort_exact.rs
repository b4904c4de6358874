//! (b) Exact mode: the table's counts at n = 60 over many seeds, apportioned counts at
//! n = 137 (computed by hand below); (c) only-if in both modes.

#[path = "cohort_common/mod.rs"]
mod common;
use cohortsim::cohort::{Cohort, Mode};
use common::{assert_prop, botkin, table_counts};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn counts(c: &Cohort, name: &str) -> Vec<usize> {
    c.level_counts(c.covariate_index(name).unwrap()).unwrap()
}

#[test]
fn exact_reproduces_table_at_60_for_many_seeds() {
    let spec = botkin(Mode::Exact);
    let mut c = Cohort::new();
    for seed in 0..500 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let stats = spec.generate_into(60, &mut rng, &mut c).unwrap();
        assert_eq!((stats.screened, stats.excluded), (60, 0));
        for (name, want) in table_counts() {
            assert_eq!(counts(&c, name), want, "{name}, seed {seed}");
        }
        // Cross-table of iss within egfr is exact too.
        let egfr = c.levels_by_name("egfr").unwrap();
        let iss = c.levels_by_name("iss").unwrap();
        let mut cross = [[0usize; 4]; 3];
        for (&e, &i) in egfr.iter().zip(iss) {
            cross[e as usize][i as usize] += 1;
        }
        assert_eq!(
            cross,
            [[3, 19, 18, 6], [0, 2, 5, 1], [0, 1, 5, 0]],
            "seed {seed}"
        );
        // Ages in range and consistent with their bands.
        let age = c.values_by_name("age").unwrap();
        let band = c.levels_by_name("age_band").unwrap();
        for (&a, &b) in age.iter().zip(band) {
            assert!((39.0..=81.0).contains(&a));
            let want = if a < 65.0 {
                0
            } else if a < 75.0 {
                1
            } else {
                2
            };
            assert_eq!(b, want, "age {a}");
        }
        let lines = c.values_by_name("prior_lines").unwrap();
        assert!(lines.iter().all(|&x| (2.0..=7.0).contains(&x)));
    }
}

#[test]
fn exact_apportions_at_137() {
    let spec = botkin(Mode::Exact);
    let mut c = Cohort::new();
    for seed in 0..50 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        spec.generate_into(137, &mut rng, &mut c).unwrap();
        assert_eq!(c.len(), 137);
        // Hand-computed largest remainder (quota = count * 137 / 60):
        // sex 73.07 / 63.93 -> 73, 64
        assert_eq!(counts(&c, "sex"), [73, 64]);
        // ds_stage 4.57 / 57.08 / 75.35 -> 5, 57, 75
        assert_eq!(counts(&c, "ds_stage"), [5, 57, 75]);
        // age_band 61.65 / 68.5 / 6.85 -> 62, 68, 7
        assert_eq!(counts(&c, "age_band"), [62, 68, 7]);
        // isotype 61.65 / 20.55 / 2.28 / 27.4 / 25.11 -> 62, 21, 2, 27, 25
        assert_eq!(counts(&c, "isotype"), [62, 21, 2, 27, 25]);
        // cyto_risk 68.5 / 18.27 / 50.23 -> 69, 18, 50
        assert_eq!(counts(&c, "cyto_risk"), [69, 18, 50]);
        // egfr 105.03 / 18.27 / 13.7 -> 105, 18, 14; iss within each egfr level:
        // ge60 (105): 6.85 / 43.37 / 41.09 / 13.70 -> 7, 43, 41, 14
        // 30to59 (18): 0 / 4.5 / 11.25 / 2.25 -> 0, 5, 11, 2
        // lt30 (14): 0 / 2.33 / 11.67 / 0 -> 0, 2, 12, 0
        assert_eq!(counts(&c, "egfr"), [105, 18, 14]);
        assert_eq!(counts(&c, "iss"), [7, 50, 64, 16]);
        // prior_dara 98.18 / 38.82 -> 98, 39; dara_refractory within the 39 exposed:
        // 39 * 11/17 = 25.24, 39 * 6/17 = 13.76 -> yes 25
        assert_eq!(counts(&c, "prior_dara"), [98, 39]);
        assert_eq!(counts(&c, "dara_refractory"), [112, 25]);
    }
}

#[test]
fn only_if_never_violated_in_either_mode() {
    for mode in [Mode::Sampled, Mode::Exact] {
        let spec = botkin(mode);
        let mut c = Cohort::new();
        for seed in 0..200 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            spec.generate_into(97, &mut rng, &mut c).unwrap();
            let dara = c.levels_by_name("prior_dara").unwrap();
            let refr = c.levels_by_name("dara_refractory").unwrap();
            assert!(
                dara.iter().zip(refr).all(|(&d, &r)| r == 0 || d == 1),
                "{mode:?} seed {seed}: refractory without exposure"
            );
        }
    }
}

#[test]
fn only_if_margin_and_conditional_sampled() {
    let spec = botkin(Mode::Sampled);
    let n = 200_000;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let c = spec.generate(n, &mut rng).unwrap();
    let dara = c.levels_by_name("prior_dara").unwrap();
    let refr = c.levels_by_name("dara_refractory").unwrap();
    let yes = refr.iter().filter(|&&r| r == 1).count();
    assert_prop("P(dara_refractory)", yes as f64 / n as f64, 11.0 / 60.0, n);
    let exposed = dara.iter().filter(|&&d| d == 1).count();
    assert_prop(
        "P(dara_refractory | prior_dara)",
        yes as f64 / exposed as f64,
        11.0 / 17.0,
        exposed,
    );
    assert!(dara.iter().zip(refr).all(|(&d, &r)| r == 0 || d == 1));
}

#[test]
fn small_and_zero_n_do_not_panic() {
    for mode in [Mode::Sampled, Mode::Exact] {
        let spec = botkin(mode);
        let mut c = Cohort::new();
        for n in [0, 1, 2, 3, 7] {
            let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
            spec.generate_into(n, &mut rng, &mut c).unwrap();
            assert_eq!(c.len(), n);
            let dara = c.levels_by_name("prior_dara").unwrap();
            let refr = c.levels_by_name("dara_refractory").unwrap();
            assert!(dara.iter().zip(refr).all(|(&d, &r)| r == 0 || d == 1));
        }
    }
}

#[test]
fn count_band_counts_are_exact_and_sampled() {
    use cohortsim::cohort::{BandSpec, Boundary, CohortSpec, CountMargin};
    // Two encodings of the same bands 1 / 2to3 / gt3: cuts 2, 4 (cut to upper band) and
    // cuts 1, 3 (cut to lower band). Counts 0 / 40 / 20 of 60 with min 2, median 2, max 7.
    for (cuts, boundary) in [
        (vec![2.0, 4.0], Boundary::Upper),
        (vec![1.0, 3.0], Boundary::Lower),
    ] {
        let band = BandSpec::new(
            "prior_lines",
            cuts,
            common::s(&["1", "2to3", "gt3"]),
            boundary,
        )
        .unwrap()
        .with_counts(vec![0, 40, 20])
        .unwrap();
        let build = |mode| {
            CohortSpec::builder()
                .table_n(60)
                .mode(mode)
                .covariate(
                    "prior_lines",
                    CountMargin::from_median_range(2, 2.0, 7).unwrap(),
                )
                .covariate("lines_band", band.clone())
                .build()
                .unwrap()
        };
        let exact = build(Mode::Exact);
        let mut c = Cohort::new();
        for seed in 0..200 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            exact.generate_into(60, &mut rng, &mut c).unwrap();
            assert_eq!(
                counts(&c, "lines_band"),
                [0, 40, 20],
                "{boundary:?} seed {seed}"
            );
            let v = c.values_by_name("prior_lines").unwrap();
            assert_eq!(v.iter().filter(|&&x| x <= 3.0).count(), 40);
            assert!(v.iter().all(|&x| (2.0..=7.0).contains(&x)));
        }
        let sampled = build(Mode::Sampled);
        let n = 200_000;
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let c = sampled.generate(n, &mut rng).unwrap();
        let v = c.values_by_name("prior_lines").unwrap();
        let le3 = v.iter().filter(|&&x| x <= 3.0).count() as f64 / n as f64;
        assert_prop("P(prior_lines <= 3)", le3, 40.0 / 60.0, n);
        let le2 = v.iter().filter(|&&x| x <= 2.0).count() as f64 / n as f64;
        assert!(le2 > 0.5, "median stays 2: P(X <= 2) = {le2}");
    }
}
