//! Continuous margins given by a piecewise-linear quantile function through knots.
//!
//! A Table 1 reports a continuous covariate as median and range, sometimes with band counts
//! ("age < 65: 27 of 60"). Each fact is a point `(p, x)` of the quantile function:
//! `(0, min)`, `(0.5, median)`, `(1, max)`, `(27/60, 65)`. Joining the points linearly is
//! the least-assuming distribution that honours all of them, and makes every reported fact
//! hold exactly in the super-population. Two facts that cannot both hold (quantiles must
//! increase strictly with `p`) are an error naming both.

use super::{fmt_p, std_normal_cdf, MarginError};
use rand::Rng;
use rand_distr::StandardNormal;
use std::fmt;

/// Where a knot of a quantile function comes from; carries the value as reported, which
/// for a count margin differs from the knot's internal `x` (see [`super::CountMargin`]).
#[derive(Debug, Clone, PartialEq)]
pub enum KnotOrigin {
    /// The reported minimum (`p = 0`).
    Min(f64),
    /// The reported maximum (`p = 1`).
    Max(f64),
    /// The reported median (`p = 0.5`).
    Median(f64),
    /// A further reported quantile.
    Quantile(f64),
    /// A count's cumulative probability `P(X <= value)`.
    AtMost(i64),
    /// A band count turned into a cumulative probability at a cut.
    Band {
        /// The derived band covariate (e.g. `age_band`).
        covariate: String,
        /// The band just below the cut (e.g. `lt65`).
        label: String,
        /// The cut point as reported (e.g. 65).
        cut: f64,
        /// True when the cut value itself belongs to the band below (`p` is "at or below").
        inclusive: bool,
    },
}

/// A point `(p, x)` of a quantile function, with its origin for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Knot {
    /// Cumulative probability.
    pub p: f64,
    /// Quantile at `p` (internal scale).
    pub x: f64,
    /// What reported fact the knot encodes.
    pub origin: KnotOrigin,
}

impl fmt::Display for Knot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = fmt_p(self.p);
        match &self.origin {
            KnotOrigin::Min(v) => write!(f, "min {v} (p = 0)"),
            KnotOrigin::Max(v) => write!(f, "max {v} (p = 1)"),
            KnotOrigin::Median(v) => write!(f, "median {v} (p = {p})"),
            KnotOrigin::Quantile(v) => write!(f, "quantile {v} (p = {p})"),
            KnotOrigin::AtMost(v) => write!(f, "at most {v} (p = {p})"),
            KnotOrigin::Band {
                covariate,
                label,
                cut,
                inclusive,
            } => {
                let side = if *inclusive { "at or below" } else { "below" };
                write!(f, "band {label} of {covariate} (p = {p} {side} {cut})")
            }
        }
    }
}

/// Strictly increasing piecewise-linear quantile function from `(0, x0)` to `(1, x_last)`.
/// Constructed only through validated margins, so it always has both end knots.
#[derive(Debug, Clone, PartialEq)]
pub struct PiecewiseLinearQuantile {
    knots: Vec<Knot>,
    p: Vec<f64>,
    x: Vec<f64>,
}

impl PiecewiseLinearQuantile {
    /// Validates and sorts knots. The caller guarantees knots at `p = 0` and `p = 1`.
    pub(crate) fn from_knots(mut knots: Vec<Knot>) -> Result<Self, MarginError> {
        for k in &knots {
            if !k.p.is_finite() {
                return Err(MarginError::NonFinite {
                    what: format!("p of {}", k),
                    value: k.p,
                });
            }
            if !k.x.is_finite() {
                return Err(MarginError::NonFinite {
                    what: format!("value of {}", k),
                    value: k.x,
                });
            }
            if !(0.0..=1.0).contains(&k.p) {
                return Err(MarginError::ProbabilityOutOfRange {
                    knot: Box::new(k.clone()),
                });
            }
        }
        knots.sort_by(|a, b| a.p.total_cmp(&b.p).then(a.x.total_cmp(&b.x)));
        // The same fact reported twice (e.g. two band covariates sharing a cut) is harmless.
        knots.dedup_by(|b, a| a.p == b.p && a.x == b.x);
        for w in knots.windows(2) {
            if w[1].p <= w[0].p || w[1].x <= w[0].x {
                return Err(MarginError::KnotConflict {
                    lower_p: Box::new(w[0].clone()),
                    higher_p: Box::new(w[1].clone()),
                });
            }
        }
        let p = knots.iter().map(|k| k.p).collect();
        let x = knots.iter().map(|k| k.x).collect();
        Ok(PiecewiseLinearQuantile { knots, p, x })
    }

    /// Knots sorted by `p`.
    pub fn knots(&self) -> &[Knot] {
        &self.knots
    }

    /// Value at `p = 0`.
    pub fn min(&self) -> f64 {
        self.x.first().copied().unwrap_or(0.0)
    }

    /// Value at `p = 1`.
    pub fn max(&self) -> f64 {
        self.x.last().copied().unwrap_or(0.0)
    }

    /// Quantile at `u` (clamped to `[0, 1]`; NaN is treated as 0). At a knot's `p` it returns
    /// the knot's `x` exactly.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        let n = self.p.len();
        if n < 2 {
            return self.min();
        }
        let u = if u >= 0.0 { u.min(1.0) } else { 0.0 };
        // Knots are sorted by p, so the number with `p <= u` is the partition point; a
        // branch-free count finds it faster than a search for the few knots of a Table 1.
        let below = if n <= 8 {
            self.p.iter().map(|&pk| usize::from(pk <= u)).sum()
        } else {
            self.p.partition_point(|&pk| pk <= u)
        };
        let k = below.clamp(1, n - 1) - 1;
        let (p0, p1, x0, x1) = (self.p[k], self.p[k + 1], self.x[k], self.x[k + 1]);
        x0 + (x1 - x0) * ((u - p0) / (p1 - p0))
    }

    /// Cumulative distribution function `P(X <= x)` (continuous, so also `P(X < x)`).
    pub fn cdf(&self, x: f64) -> f64 {
        let n = self.x.len();
        if n < 2 || x.is_nan() {
            return 0.0;
        }
        if x <= self.x[0] {
            return 0.0;
        }
        if x >= self.x[n - 1] {
            return 1.0;
        }
        let k = self.x.partition_point(|&xk| xk <= x).clamp(1, n - 1) - 1;
        let (p0, p1, x0, x1) = (self.p[k], self.p[k + 1], self.x[k], self.x[k + 1]);
        p0 + (p1 - p0) * ((x - x0) / (x1 - x0))
    }

    pub(crate) fn with_knot(&self, knot: Knot) -> Result<Self, MarginError> {
        let mut knots = self.knots.clone();
        knots.push(knot);
        Self::from_knots(knots)
    }
}

/// A continuous margin (e.g. age): piecewise-linear quantile through reported knots.
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousMargin {
    quantile: PiecewiseLinearQuantile,
}

impl ContinuousMargin {
    /// From the reported range; `min < max` is required.
    pub fn new(min: f64, max: f64) -> Result<Self, MarginError> {
        let knots = vec![
            Knot {
                p: 0.0,
                x: min,
                origin: KnotOrigin::Min(min),
            },
            Knot {
                p: 1.0,
                x: max,
                origin: KnotOrigin::Max(max),
            },
        ];
        Ok(ContinuousMargin {
            quantile: PiecewiseLinearQuantile::from_knots(knots)?,
        })
    }

    /// Adds the reported median as knot `(0.5, median)`.
    pub fn with_median(self, median: f64) -> Result<Self, MarginError> {
        self.with_knot(Knot {
            p: 0.5,
            x: median,
            origin: KnotOrigin::Median(median),
        })
    }

    /// Adds a further reported quantile `(p, x)`, `0 < p < 1`.
    pub fn with_quantile(self, p: f64, x: f64) -> Result<Self, MarginError> {
        self.with_knot(Knot {
            p,
            x,
            origin: KnotOrigin::Quantile(x),
        })
    }

    /// Adds any knot (band knots are added this way by the cohort spec).
    pub fn with_knot(self, knot: Knot) -> Result<Self, MarginError> {
        Ok(ContinuousMargin {
            quantile: self.quantile.with_knot(knot)?,
        })
    }

    /// The quantile function.
    pub fn quantile_function(&self) -> &PiecewiseLinearQuantile {
        &self.quantile
    }

    /// Value for a latent standard normal `z`: `quantile(Phi(z))`.
    #[inline]
    pub fn value_for_latent(&self, z: f64) -> f64 {
        self.quantile.quantile(std_normal_cdf(z))
    }

    /// Draws a value (one standard normal from `rng`).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let z: f64 = rng.sample(StandardNormal);
        self.value_for_latent(z)
    }
}
