//! (a) Sampled margins of the Botkin Table 1 spec, 200,000 patients; (d) conditional table.
//! Tolerances are 4 Monte Carlo standard errors.

#[path = "cohort_common/mod.rs"]
mod common;
use cohortsim::cohort::{Cohort, CohortSpec, Mode};
use common::{assert_prop, botkin, se, table_counts};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const N: usize = 200_000;

fn big_cohort(spec: &CohortSpec, seed: u64) -> Cohort {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    spec.generate(N, &mut rng).unwrap()
}

#[test]
fn every_category_within_4_se() {
    let spec = botkin(Mode::Sampled);
    let c = big_cohort(&spec, 1);
    assert_eq!(c.len(), N);
    for (name, counts) in table_counts() {
        let idx = c.covariate_index(name).unwrap();
        let observed = c.level_counts(idx).unwrap();
        let names = c.level_names(idx).unwrap();
        for ((obs, &cnt), level) in observed.iter().zip(&counts).zip(names) {
            let target = cnt as f64 / 60.0;
            assert_prop(
                &format!("{name} = {level}"),
                *obs as f64 / N as f64,
                target,
                N,
            );
        }
    }
}

#[test]
fn prior_lines_median_and_range_honoured() {
    let spec = botkin(Mode::Sampled);
    let c = big_cohort(&spec, 2);
    let v = c.values_by_name("prior_lines").unwrap();
    // Latent knots (0, 2), (0.5, 2.5), (1, 8): P(X = 2) = 0.5 + 0.5 * 0.5 / 5.5,
    // P(X = k) = 0.5 / 5.5 for k = 3..=7.
    let p2 = 0.5 + 0.25 / 5.5;
    let pk = 0.5 / 5.5;
    assert!(v
        .iter()
        .all(|&x| (2.0..=7.0).contains(&x) && x.fract() == 0.0));
    for k in 2..=7 {
        let obs = v.iter().filter(|&&x| x == k as f64).count() as f64 / N as f64;
        assert_prop(
            &format!("prior_lines = {k}"),
            obs,
            if k == 2 { p2 } else { pk },
            N,
        );
    }
    // Discrete median is 2: P(X <= 2) > 0.5 comfortably beyond Monte Carlo error.
    let le2 = v.iter().filter(|&&x| x <= 2.0).count() as f64 / N as f64;
    assert!(le2 - 4.0 * se(p2, N) > 0.5);
    // lines_band = 1 is impossible (min 2); 2to3 = P(Y < 4) = 0.5 + 0.5 * 1.5 / 5.5.
    let lb = c
        .level_counts(c.covariate_index("lines_band").unwrap())
        .unwrap();
    assert_eq!(lb[0], 0);
    assert_prop(
        "lines_band = 2to3",
        lb[1] as f64 / N as f64,
        0.5 + 0.75 / 5.5,
        N,
    );
}

#[test]
fn age_range_and_knot_quantiles() {
    let spec = botkin(Mode::Sampled);
    let c = big_cohort(&spec, 3);
    let mut age = c.values_by_name("age").unwrap().to_vec();
    assert!(age.iter().all(|&a| (39.0..=81.0).contains(&a)));
    age.sort_by(f64::total_cmp);
    // Expected gap between the range end and the sample extreme is 1 / (n * density):
    // 1 / (200000 * 0.45 / 26) = 0.0003 at the bottom, 1 / (200000 * 0.05 / 6) = 0.0006 at
    // the top; 0.01 is > 16 times that (failure probability < e^-16).
    assert!(age[0] - 39.0 < 0.01, "sample min {}", age[0]);
    assert!(81.0 - age[N - 1] < 0.01, "sample max {}", age[N - 1]);
    // Knots (0, 39), (0.45, 65), (0.95, 75), (1, 81). SE of a sample quantile is
    // sqrt(p (1 - p) / n) / density; at a kink the smaller adjacent density is used.
    for (p, x, density) in [(0.45, 65.0, 0.45 / 26.0), (0.95, 75.0, 0.05 / 6.0)] {
        let q = age[((p * N as f64) as usize).min(N - 1)];
        let tol = 4.0 * se(p, N) / density;
        assert!((q - x).abs() <= tol, "quantile {p}: {q} vs {x} (tol {tol})");
        let ecdf = age.partition_point(|&a| a < x) as f64 / N as f64;
        assert_prop(&format!("P(age < {x})"), ecdf, p, N);
    }
    // A point inside a segment: P(age < 70) = 0.45 + 0.5 * 5 / 10.
    let ecdf = age.partition_point(|&a| a < 70.0) as f64 / N as f64;
    assert_prop("P(age < 70)", ecdf, 0.7, N);
}

#[test]
fn conditional_table_recovered() {
    let spec = botkin(Mode::Sampled);
    let c = big_cohort(&spec, 4);
    let egfr = c.levels_by_name("egfr").unwrap();
    let iss = c.levels_by_name("iss").unwrap();
    // Row lt30 (egfr level 2) is 0/1/5/0 of 6: P(iss = III | lt30) = 5/6.
    let in_lt30: Vec<u16> = egfr
        .iter()
        .zip(iss)
        .filter(|(e, _)| **e == 2)
        .map(|(_, i)| *i)
        .collect();
    let m = in_lt30.len();
    let iii = in_lt30.iter().filter(|&&i| i == 2).count() as f64 / m as f64;
    assert_prop("P(iss = III | egfr = lt30)", iii, 5.0 / 6.0, m);
    // Structural zeros of the cross-table hold exactly.
    assert!(in_lt30.iter().all(|&i| i == 1 || i == 2));
    // And in row ge60: P(iss = unknown | ge60) = 6/46.
    let in_ge60: Vec<u16> = egfr
        .iter()
        .zip(iss)
        .filter(|(e, _)| **e == 0)
        .map(|(_, i)| *i)
        .collect();
    let m = in_ge60.len();
    let unk = in_ge60.iter().filter(|&&i| i == 3).count() as f64 / m as f64;
    assert_prop("P(iss = unknown | egfr = ge60)", unk, 6.0 / 46.0, m);
}

#[test]
fn implied_level_probs_match_table() {
    let spec = botkin(Mode::Sampled);
    for (name, counts) in table_counts() {
        let p = spec
            .level_probs(spec.covariate_index(name).unwrap())
            .unwrap();
        for (pk, &ck) in p.iter().zip(&counts) {
            assert!(
                (pk - ck as f64 / 60.0).abs() < 1e-12,
                "{name}: {pk} vs {ck}/60"
            );
        }
    }
}

#[test]
fn missing_level_and_csv() {
    let spec = botkin(Mode::Sampled);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let c = spec.generate(200, &mut rng).unwrap();
    let iss = c.covariate_index("iss").unwrap();
    let unknown = c.levels(iss).unwrap().iter().filter(|&&l| l == 3).count();
    let missing = (0..c.len()).filter(|&i| c.is_missing(i, iss)).count();
    assert_eq!(unknown, missing);
    let mut w = csv::Writer::from_writer(Vec::new());
    c.write_csv(&mut w).unwrap();
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("patient,age,age_band,sex"));
    assert_eq!(text.lines().count(), 201);
    let first = lines.next().unwrap();
    assert!(first.starts_with("1,"));
    assert_eq!(first.split(',').count(), 18);
}
