//! Statistical and numerical helpers shared by the integration tests.
#![allow(dead_code)]

use cohortsim::hazard::CumulativeHazard;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Number of draws for every distributional test.
pub const N: usize = 100_000;

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Asymptotic one-sample Kolmogorov-Smirnov critical value at alpha = 0.001.
pub fn ks_critical(n: usize) -> f64 {
    1.95 / (n as f64).sqrt()
}

/// One-sample KS statistic `sup |F_n - F|`. Infinite samples (patients who
/// never have the event) are handled by also comparing the mass at infinity:
/// `F(inf)` is taken from `cdf(f64::INFINITY)`.
pub fn ks_statistic(samples: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mut d: f64 = 0.0;
    let mut finite = 0usize;
    for (i, &x) in sorted.iter().enumerate() {
        assert!(!x.is_nan(), "NaN sample");
        if x == f64::INFINITY {
            break;
        }
        let f = cdf(x);
        d = d.max((i + 1) as f64 / n - f).max(f - i as f64 / n);
        finite = i + 1;
    }
    // The ECDF just below infinity versus the defective CDF's limit.
    d.max((finite as f64 / n - cdf(f64::INFINITY)).abs())
}

/// Sample median (mean of the two central order statistics for even n).
pub fn sample_median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }
}

/// Adaptive Simpson quadrature on `[a, b]` to absolute tolerance `tol`.
pub fn integrate(f: &dyn Fn(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    fn simpson(fa: f64, fm: f64, fb: f64, a: f64, b: f64) -> f64 {
        (b - a) / 6.0 * (fa + 4.0 * fm + fb)
    }
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        f: &dyn Fn(f64) -> f64,
        a: f64,
        b: f64,
        fa: f64,
        fm: f64,
        fb: f64,
        whole: f64,
        tol: f64,
        depth: u32,
    ) -> f64 {
        let m = 0.5 * (a + b);
        let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
        let (flm, frm) = (f(lm), f(rm));
        let left = simpson(fa, flm, fm, a, m);
        let right = simpson(fm, frm, fb, m, b);
        let diff = left + right - whole;
        if depth == 0 || diff.abs() <= 15.0 * tol {
            left + right + diff / 15.0
        } else {
            recurse(f, a, m, fa, flm, fm, left, 0.5 * tol, depth - 1)
                + recurse(f, m, b, fm, frm, fb, right, 0.5 * tol, depth - 1)
        }
    }
    let (fa, fm, fb) = (f(a), f(0.5 * (a + b)), f(b));
    recurse(f, a, b, fa, fm, fb, simpson(fa, fm, fb, a, b), tol, 50)
}

/// `∫_0^t h(s) ds` computed numerically with the substitution `s = t v^4`,
/// which tames integrable singularities at 0 (Weibull/log-logistic shape < 1).
pub fn integrate_hazard<H: CumulativeHazard + ?Sized>(h: &H, t: f64) -> f64 {
    let g = |v: f64| {
        if v == 0.0 {
            0.0
        } else {
            h.hazard(t * v.powi(4)) * 4.0 * t * v.powi(3)
        }
    };
    integrate(&g, 0.0, 1.0, 1e-13)
}

/// Wraps a hazard exposing only `hazard` and `cumulative_hazard`, so the
/// trait's *default* root-finding inversion and median are exercised.
pub struct DefaultInversion<'a, H: ?Sized>(pub &'a H);

impl<H: CumulativeHazard + ?Sized> CumulativeHazard for DefaultInversion<'_, H> {
    fn hazard(&self, t: f64) -> f64 {
        self.0.hazard(t)
    }
    fn cumulative_hazard(&self, t: f64) -> f64 {
        self.0.cumulative_hazard(t)
    }
}

pub fn rel_err(actual: f64, expected: f64) -> f64 {
    if actual == expected {
        0.0
    } else {
        (actual - expected).abs() / expected.abs()
    }
}
