//! Count margins (e.g. number of prior lines).
//!
//! Either an explicit table value -> probability (or count), or the reported median and
//! range. For the latter a continuous latent `Y` gets the quantile knots
//! `(0, min)`, `(0.5, median + 0.5)`, `(1, max + 1)` and the count is `floor(Y)`:
//! then `P(X <= median - 1) = P(Y < median) < 0.5 < P(Y < median + 1) = P(X <= median)`, so
//! the discrete median is the reported one and every value in `min..=max` (and only those)
//! can occur. A half-integer median `m + 0.5` (mean of two middle values) gives knot
//! `(0.5, m + 1)`, i.e. `P(X <= m) = 0.5` exactly.

use super::continuous::{Knot, KnotOrigin, PiecewiseLinearQuantile};
use super::{std_normal_cdf, MarginError, Thresholds, Weights};
use rand::Rng;
use rand_distr::StandardNormal;

#[derive(Debug, Clone, PartialEq)]
enum Form {
    Table {
        values: Vec<i64>,
        weights: Weights,
        thresholds: Thresholds,
    },
    Floor {
        quantile: PiecewiseLinearQuantile,
        min: i64,
        max: i64,
    },
}

/// A count margin; values are integers stored as `f64` in a cohort column.
#[derive(Debug, Clone, PartialEq)]
pub struct CountMargin {
    form: Form,
}

impl CountMargin {
    /// Explicit values (strictly increasing) with probabilities summing to 1.
    pub fn from_probs(values: Vec<i64>, probs: Vec<f64>) -> Result<Self, MarginError> {
        let names = check_values(&values)?;
        let weights = Weights::from_probs(&names, probs)?;
        Ok(Self::table(values, weights))
    }

    /// Explicit values (strictly increasing) with counts.
    pub fn from_counts(values: Vec<i64>, counts: Vec<u32>) -> Result<Self, MarginError> {
        check_values(&values)?;
        let weights = Weights::from_counts(values.len(), counts)?;
        Ok(Self::table(values, weights))
    }

    fn table(values: Vec<i64>, weights: Weights) -> Self {
        let thresholds = Thresholds::from_probs(&weights.probs);
        CountMargin {
            form: Form::Table {
                values,
                weights,
                thresholds,
            },
        }
    }

    /// From the reported median and range (see the module docs for why `median + 0.5`).
    /// `median` must be an integer or a half-integer with `min <= median <= max`.
    pub fn from_median_range(min: i64, median: f64, max: i64) -> Result<Self, MarginError> {
        if !median.is_finite() {
            return Err(MarginError::NonFinite {
                what: "median".into(),
                value: median,
            });
        }
        if (median * 2.0).fract() != 0.0 {
            return Err(MarginError::MedianNotHalfInteger { median });
        }
        let knots = vec![
            Knot {
                p: 0.0,
                x: min as f64,
                origin: KnotOrigin::Min(min as f64),
            },
            Knot {
                p: 0.5,
                x: median + 0.5,
                origin: KnotOrigin::Median(median),
            },
            Knot {
                p: 1.0,
                x: max as f64 + 1.0,
                origin: KnotOrigin::Max(max as f64),
            },
        ];
        Ok(CountMargin {
            form: Form::Floor {
                quantile: PiecewiseLinearQuantile::from_knots(knots)?,
                min,
                max,
            },
        })
    }

    /// Adds a reported cumulative count, `P(X <= value) = p` (e.g. "exactly 2 prior lines:
    /// 29 of 60" with minimum 2 is `P(X <= 2) = 29/60`). Median/range form only.
    pub fn with_at_most(self, value: i64, p: f64) -> Result<Self, MarginError> {
        self.with_knot(Knot {
            p,
            x: value as f64 + 1.0,
            origin: KnotOrigin::AtMost(value),
        })
    }

    /// Adds a knot on the latent scale `Y` (count = `floor(Y)`). Median/range form only.
    pub fn with_knot(self, knot: Knot) -> Result<Self, MarginError> {
        match self.form {
            Form::Floor { quantile, min, max } => Ok(CountMargin {
                form: Form::Floor {
                    quantile: quantile.with_knot(knot)?,
                    min,
                    max,
                },
            }),
            Form::Table { .. } => Err(MarginError::NotQuantileForm),
        }
    }

    /// Smallest possible value.
    pub fn min(&self) -> i64 {
        match &self.form {
            Form::Table { values, .. } => values.first().copied().unwrap_or(0),
            Form::Floor { min, .. } => *min,
        }
    }

    /// Largest possible value.
    pub fn max(&self) -> i64 {
        match &self.form {
            Form::Table { values, .. } => values.last().copied().unwrap_or(0),
            Form::Floor { max, .. } => *max,
        }
    }

    /// The explicit values and probabilities, for the table form.
    pub fn table_values(&self) -> Option<(&[i64], &[f64])> {
        match &self.form {
            Form::Table {
                values, weights, ..
            } => Some((values, &weights.probs)),
            Form::Floor { .. } => None,
        }
    }

    /// The latent quantile function, for the median/range form.
    pub fn quantile_function(&self) -> Option<&PiecewiseLinearQuantile> {
        match &self.form {
            Form::Floor { quantile, .. } => Some(quantile),
            Form::Table { .. } => None,
        }
    }

    /// `P(X <= v)`.
    pub fn cdf(&self, v: i64) -> f64 {
        match &self.form {
            Form::Table {
                values, weights, ..
            } => values
                .iter()
                .zip(&weights.probs)
                .filter(|(x, _)| **x <= v)
                .map(|(_, p)| p)
                .sum(),
            Form::Floor { quantile, .. } => quantile.cdf(v as f64 + 1.0),
        }
    }

    /// Value for a latent standard normal `z`.
    #[inline]
    pub fn value_for_latent(&self, z: f64) -> i64 {
        match &self.form {
            Form::Table {
                values, thresholds, ..
            } => values
                .get(usize::from(thresholds.level(z)))
                .copied()
                .unwrap_or(0),
            Form::Floor { quantile, min, max } => {
                floor_clamped(quantile.quantile(std_normal_cdf(z)), *min, *max)
            }
        }
    }

    /// Draws a value (one standard normal from `rng`).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        let z: f64 = rng.sample(StandardNormal);
        self.value_for_latent(z)
    }

    pub(crate) fn table_parts(&self) -> Option<(&[i64], &Weights, &Thresholds)> {
        match &self.form {
            Form::Table {
                values,
                weights,
                thresholds,
            } => Some((values, weights, thresholds)),
            Form::Floor { .. } => None,
        }
    }
}

/// `floor(y)` clamped to `[min, max]` (the clamp only matters when `Phi(z)` rounds to 1).
#[inline]
pub(crate) fn floor_clamped(y: f64, min: i64, max: i64) -> i64 {
    (y.floor() as i64).clamp(min, max.max(min))
}

fn check_values(values: &[i64]) -> Result<Vec<String>, MarginError> {
    if values.is_empty() {
        return Err(MarginError::Empty);
    }
    if values.len() > usize::from(u16::MAX) {
        return Err(MarginError::TooManyLevels {
            count: values.len(),
        });
    }
    for w in values.windows(2) {
        if w[1] <= w[0] {
            return Err(MarginError::ValuesNotIncreasing {
                previous: w[0],
                next: w[1],
            });
        }
    }
    Ok(values.iter().map(|v| v.to_string()).collect())
}
