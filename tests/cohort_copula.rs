//! (e) Gaussian copula: Spearman correlation of two continuous margins matches
//! 6/pi * asin(rho/2), in sampled and (rank-assigned) exact mode.

#[path = "cohort_common/mod.rs"]
mod common;
use cohortsim::cohort::{
    CategoricalMargin, CohortSpec, ContinuousMargin, Correlation, CountMargin, Mode,
};
use common::s;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    for (k, &i) in idx.iter().enumerate() {
        r[i] = k as f64;
    }
    r
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

fn spec(mode: Mode, rho: f64) -> CohortSpec {
    CohortSpec::builder()
        .mode(mode)
        .covariate(
            "age",
            ContinuousMargin::new(39.0, 81.0)
                .unwrap()
                .with_median(66.0)
                .unwrap(),
        )
        .covariate(
            "sex",
            CategoricalMargin::from_probs(s(&["female", "male"]), vec![0.5, 0.5]).unwrap(),
        )
        .covariate(
            "m_protein",
            ContinuousMargin::new(0.0, 80.0)
                .unwrap()
                .with_quantile(0.25, 5.0)
                .unwrap(),
        )
        .covariate(
            "prior_lines",
            CountMargin::from_median_range(1, 3.0, 9).unwrap(),
        )
        .correlation(Correlation::new("age", "m_protein", rho).unwrap())
        .build()
        .unwrap()
}

#[test]
fn spearman_matches_closed_form_sampled() {
    let n = 200_000;
    for (seed, rho) in [(1u64, 0.5), (2, -0.3)] {
        let spec = spec(Mode::Sampled, rho);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let c = spec.generate(n, &mut rng).unwrap();
        let rs = spearman(
            c.values_by_name("age").unwrap(),
            c.values_by_name("m_protein").unwrap(),
        );
        let target = 6.0 / std::f64::consts::PI * (rho / 2.0_f64).asin();
        // Var of Fisher-z of Spearman ~ 1.06 / (n - 3) (Fieller et al. 1957); delta method.
        let se = (1.0 - target * target) * (1.06 / (n as f64 - 3.0)).sqrt();
        assert!(
            (rs - target).abs() <= 4.0 * se,
            "rho {rho}: spearman {rs} vs {target} (4 SE = {})",
            4.0 * se
        );
        // Uncorrelated margins stay uncorrelated.
        let r0 = spearman(
            c.values_by_name("age").unwrap(),
            c.values_by_name("prior_lines").unwrap(),
        );
        assert!(
            r0.abs() < 4.0 * (1.06 / (n as f64 - 3.0)).sqrt(),
            "independent: {r0}"
        );
    }
}

#[test]
fn exact_mode_keeps_rank_dependence() {
    // Many exact cohorts of 500: the pooled mean Spearman is close to the closed form.
    // Exact values are uniform in p within strata and matched to latent ranks, so the
    // within-cohort rank correlation equals that of the latents.
    let spec = spec(Mode::Exact, 0.5);
    let target = 6.0 / std::f64::consts::PI * 0.25_f64.asin();
    let reps = 400;
    let n = 500;
    let mut sum = 0.0;
    let mut c = cohortsim::cohort::Cohort::new();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for _ in 0..reps {
        spec.generate_into(n, &mut rng, &mut c).unwrap();
        sum += spearman(
            c.values_by_name("age").unwrap(),
            c.values_by_name("m_protein").unwrap(),
        );
    }
    let mean = sum / reps as f64;
    let se = (1.0 - target * target) * (1.06 / (n as f64 - 3.0)).sqrt() / (reps as f64).sqrt();
    // Small-sample Spearman is biased by O(1/n); allow it on top of 4 SE.
    assert!(
        (mean - target).abs() <= 4.0 * se + 2.0 / n as f64,
        "mean spearman {mean} vs {target}"
    );
}
