//! Marginal distributions of single covariates.
//!
//! Every margin is driven by a latent standard normal `Z` (so that a Gaussian copula can
//! couple margins, see [`crate::cohort::dependence`]): `U = Phi(Z)`, and the margin maps `U`
//! to a level or a value. Categorical levels are chosen by comparing `Z` with precomputed
//! thresholds `Phi^-1(cumulative probability)`, which is the same rule as "first level whose
//! cumulative probability >= U" but needs no `Phi` evaluation on the hot path; where `U` is
//! drawn directly (sampled mode, outside the copula) it is compared with the cumulative
//! probabilities themselves.

pub mod categorical;
pub mod continuous;
pub mod count;
mod small_cuts;

pub use categorical::{CategoricalMargin, MISSING_LEVEL};
pub use continuous::{ContinuousMargin, Knot, KnotOrigin, PiecewiseLinearQuantile};
pub use count::CountMargin;

use small_cuts::SmallCuts;
use std::f64::consts::SQRT_2;
use std::fmt;

/// Tolerance for "probabilities sum to 1".
pub const PROBABILITY_SUM_TOLERANCE: f64 = 1e-6;

/// Why a margin could not be constructed.
#[derive(Debug, Clone, PartialEq)]
pub enum MarginError {
    /// No levels (or values) were given.
    Empty,
    /// Level names and probabilities/counts differ in length.
    LengthMismatch {
        /// Number of level names (or values).
        levels: usize,
        /// Number of probabilities or counts.
        weights: usize,
    },
    /// A level name is empty.
    EmptyLevelName {
        /// Position of the empty name.
        index: usize,
    },
    /// A level name appears twice.
    DuplicateLevel {
        /// The repeated name.
        level: String,
    },
    /// More levels than fit in a `u16` column.
    TooManyLevels {
        /// Number of levels given.
        count: usize,
    },
    /// A probability is negative, NaN or infinite.
    InvalidProbability {
        /// Level the probability belongs to.
        level: String,
        /// The offending value.
        value: f64,
    },
    /// Probabilities do not sum to 1 (within [`PROBABILITY_SUM_TOLERANCE`]).
    ProbabilitiesDoNotSumToOne {
        /// Their actual sum.
        sum: f64,
    },
    /// All counts are zero, so no proportions can be formed.
    ZeroTotal,
    /// A parameter is NaN or infinite.
    NonFinite {
        /// Which parameter ("min", "median", "quantile p = 0.25", ...).
        what: String,
        /// The offending value.
        value: f64,
    },
    /// A knot's probability lies outside `[0, 1]`.
    ProbabilityOutOfRange {
        /// The offending knot.
        knot: Box<Knot>,
    },
    /// Two knots cannot both hold: quantiles must increase strictly with `p`.
    KnotConflict {
        /// The knot with the smaller (or equal) `p`.
        lower_p: Box<Knot>,
        /// The knot with the larger (or equal) `p`.
        higher_p: Box<Knot>,
    },
    /// Count values of a value table are not strictly increasing.
    ValuesNotIncreasing {
        /// The earlier value.
        previous: i64,
        /// The value that does not exceed it.
        next: i64,
    },
    /// A count median must be an integer or a half-integer (mean of two integers).
    MedianNotHalfInteger {
        /// The reported median.
        median: f64,
    },
    /// The operation applies only to the median/range form of a count margin.
    NotQuantileForm,
}

impl fmt::Display for MarginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MarginError::Empty => write!(f, "no levels given"),
            MarginError::LengthMismatch { levels, weights } => write!(
                f,
                "{levels} levels but {weights} probabilities/counts; one per level is required"
            ),
            MarginError::EmptyLevelName { index } => {
                write!(f, "level name at position {index} is empty")
            }
            MarginError::DuplicateLevel { level } => write!(f, "level {level:?} is listed twice"),
            MarginError::TooManyLevels { count } => {
                write!(f, "{count} levels; at most {} are supported", u16::MAX)
            }
            MarginError::InvalidProbability { level, value } => write!(
                f,
                "probability of level {level:?} is {value}; it must be finite and >= 0"
            ),
            MarginError::ProbabilitiesDoNotSumToOne { sum } => write!(
                f,
                "probabilities sum to {}, not 1 (tolerance {PROBABILITY_SUM_TOLERANCE})",
                // 12 decimals: 0.3 + 0.3 + 0.3 reads as 0.9, not 0.8999999999999999
                (sum * 1e12).round() / 1e12
            ),
            MarginError::ZeroTotal => write!(f, "all counts are zero"),
            MarginError::NonFinite { what, value } => {
                write!(f, "{what} is {value}; it must be finite")
            }
            MarginError::ProbabilityOutOfRange { knot } => {
                write!(f, "{knot}: p must lie in [0, 1]")
            }
            MarginError::KnotConflict { lower_p, higher_p } => {
                if lower_p.p == higher_p.p {
                    write!(
                        f,
                        "{higher_p} conflicts with {lower_p}: both put p = {} at different values",
                        fmt_p(lower_p.p)
                    )
                } else {
                    write!(
                        f,
                        "{higher_p} conflicts with {lower_p}: quantiles must increase strictly \
                         with p, so the larger share needs the larger value"
                    )
                }
            }
            MarginError::ValuesNotIncreasing { previous, next } => write!(
                f,
                "count values must increase strictly, but {next} follows {previous}"
            ),
            MarginError::MedianNotHalfInteger { median } => write!(
                f,
                "median {median} of a count must be an integer or end in .5"
            ),
            MarginError::NotQuantileForm => write!(
                f,
                "only a count margin given by median and range takes extra quantile knots"
            ),
        }
    }
}

impl std::error::Error for MarginError {}

/// Formats a probability with two decimals, or four when two would hide its value.
pub(crate) fn fmt_p(p: f64) -> String {
    let two = (p * 100.0).round() / 100.0;
    if (p - two).abs() < 1e-9 {
        format!("{p:.2}")
    } else {
        format!("{p:.4}")
    }
}

/// Standard normal CDF.
#[inline]
pub(crate) fn std_normal_cdf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-z / SQRT_2)
}

/// Standard normal quantile; `-inf` at 0 and `+inf` at 1.
pub(crate) fn std_normal_inv(p: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        -SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
    }
}

/// Probabilities (and, when given, the integer counts behind them) of an ordered list of
/// levels. Counts are kept because exact mode apportions them without rounding error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Weights {
    /// Normalised probabilities (sum to 1 up to rounding).
    pub probs: Vec<f64>,
    /// The counts, when the margin was given as counts.
    pub counts: Option<Vec<u32>>,
}

impl Weights {
    /// Validates probabilities: finite, >= 0, summing to 1 within tolerance (then
    /// renormalised so later cumulative sums end at 1).
    pub(crate) fn from_probs(names: &[String], probs: Vec<f64>) -> Result<Self, MarginError> {
        check_lengths(names.len(), probs.len())?;
        for (name, &p) in names.iter().zip(&probs) {
            if !p.is_finite() || p < 0.0 {
                return Err(MarginError::InvalidProbability {
                    level: name.clone(),
                    value: p,
                });
            }
        }
        let sum: f64 = probs.iter().sum();
        if (sum - 1.0).abs() > PROBABILITY_SUM_TOLERANCE {
            return Err(MarginError::ProbabilitiesDoNotSumToOne { sum });
        }
        let probs = probs.into_iter().map(|p| p / sum).collect();
        Ok(Weights {
            probs,
            counts: None,
        })
    }

    /// Validates counts: at least one non-zero.
    pub(crate) fn from_counts(names_len: usize, counts: Vec<u32>) -> Result<Self, MarginError> {
        check_lengths(names_len, counts.len())?;
        let total = counts.iter().map(|&c| u64::from(c)).sum::<u64>();
        if total == 0 {
            return Err(MarginError::ZeroTotal);
        }
        let probs = counts.iter().map(|&c| c as f64 / total as f64).collect();
        Ok(Weights {
            probs,
            counts: Some(counts),
        })
    }

    /// Weights for apportionment: the counts when known (exact at the table's n), else the
    /// probabilities.
    pub(crate) fn apportion_weights(&self) -> Vec<f64> {
        match &self.counts {
            Some(c) => c.iter().map(|&c| f64::from(c)).collect(),
            None => self.probs.clone(),
        }
    }

    /// Sum of the counts, if given as counts.
    pub(crate) fn total(&self) -> Option<u64> {
        self.counts
            .as_ref()
            .map(|c| c.iter().map(|&c| u64::from(c)).sum())
    }
}

fn check_lengths(levels: usize, weights: usize) -> Result<(), MarginError> {
    if levels == 0 {
        return Err(MarginError::Empty);
    }
    if levels != weights {
        return Err(MarginError::LengthMismatch { levels, weights });
    }
    if levels > usize::from(u16::MAX) {
        return Err(MarginError::TooManyLevels { count: levels });
    }
    Ok(())
}

/// Validates level names: non-empty, unique, few enough for `u16`.
pub(crate) fn check_level_names(names: &[String]) -> Result<(), MarginError> {
    if names.is_empty() {
        return Err(MarginError::Empty);
    }
    if names.len() > usize::from(u16::MAX) {
        return Err(MarginError::TooManyLevels { count: names.len() });
    }
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(MarginError::EmptyLevelName { index: i });
        }
        if names[..i].contains(name) {
            return Err(MarginError::DuplicateLevel {
                level: name.clone(),
            });
        }
    }
    Ok(())
}

/// Which scale a latent is on: a standard normal `Z`, or a uniform `U` (`Phi(Z)`, drawn
/// directly when no copula needs the normal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    Normal,
    Uniform,
}

/// Thresholds that pick a level from a latent: the level is the first (with positive
/// probability) whose cut is `>= ` the latent. On the uniform scale the cuts are the
/// cumulative probabilities; on the normal scale they are `Phi^-1` of them (the same
/// rule for `U = Phi(Z)`, with no `Phi` evaluation on the hot path). Levels of probability
/// zero are left out, so they can never be drawn (structural zeros hold exactly, whatever
/// rounding does to the cumulative sums).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Thresholds {
    /// Cuts on the normal scale.
    z: Vec<f64>,
    /// Cuts on the uniform scale.
    u: Vec<f64>,
    level: Vec<u16>,
    /// The same cuts on each scale in fixed arrays, when there are few (see
    /// [`Thresholds::level_fast`]).
    small_z: Option<SmallCuts>,
    small_u: Option<SmallCuts>,
}

impl Thresholds {
    pub(crate) fn from_probs(probs: &[f64]) -> Self {
        let mut u = Vec::new();
        let mut level = Vec::new();
        let mut cum = 0.0;
        for (k, &p) in probs.iter().enumerate() {
            if p > 0.0 {
                cum += p;
                u.push(cum);
                level.push(k as u16);
            }
        }
        match u.last_mut() {
            // +inf rather than the sum: rounding may leave it just below 1.
            Some(last) => *last = f64::INFINITY,
            None => {
                u.push(f64::INFINITY);
                level.push(0);
            }
        }
        let z: Vec<f64> = u.iter().map(|&c| std_normal_inv(c)).collect();
        // The last cut is +inf, which no latent exceeds: only the others are kept.
        let head = |c: &[f64]| c.split_last().map_or(&[][..], |(_, h)| h).to_vec();
        let small_z = SmallCuts::new(&head(&z), &level);
        let small_u = SmallCuts::new(&head(&u), &level);
        Thresholds {
            z,
            u,
            level,
            small_z,
            small_u,
        }
    }

    fn cuts(&self, scale: Scale) -> &[f64] {
        match scale {
            Scale::Normal => &self.z,
            Scale::Uniform => &self.u,
        }
    }

    /// Level for latent normal `z`.
    #[inline]
    pub(crate) fn level(&self, z: f64) -> u16 {
        self.level_on(Scale::Normal, z)
    }

    /// Level for latent `x` on `scale`: the number of cuts below `x` indexes the level.
    /// Counting is branch-free (the comparison outcome is data-dependent, so a searching
    /// loop mispredicts). NaN maps to the first level rather than panicking.
    #[inline]
    pub(crate) fn level_on(&self, scale: Scale, x: f64) -> u16 {
        let k: usize = self.cuts(scale).iter().map(|&t| usize::from(x > t)).sum();
        self.level
            .get(k)
            .or(self.level.last())
            .copied()
            .unwrap_or(0)
    }

    /// [`Thresholds::level_on`], faster where one latent at a time is classified (a
    /// conditional row per patient, a redrawn patient): with few levels the cuts are a
    /// fixed array (see [`SmallCuts`]), so the count is a fixed number of comparisons.
    #[inline]
    pub(crate) fn level_fast(&self, scale: Scale, x: f64) -> u16 {
        let small = match scale {
            Scale::Normal => &self.small_z,
            Scale::Uniform => &self.small_u,
        };
        match small {
            Some(s) => s.level(x),
            None => self.level_on(scale, x),
        }
    }

    /// [`Thresholds::level_on`] of every latent in `x`, into `out` (as far as both go).
    ///
    /// The same levels, faster: the last cut is `+inf` (see `from_probs`), which no
    /// latent exceeds, so only the others are counted and the count always indexes a
    /// level; and the common short lists (one to three finite cuts: binary and
    /// three-level covariates) get loops with the comparisons unrolled.
    #[inline]
    pub(crate) fn levels_into(&self, scale: Scale, x: impl Iterator<Item = f64>, out: &mut [u16]) {
        let cuts = self.cuts(scale);
        let finite = match cuts.split_last() {
            Some((&f64::INFINITY, finite)) if self.level.len() == cuts.len() => finite,
            _ => {
                // Not as `from_probs` builds them: the general rule.
                for (o, x) in out.iter_mut().zip(x) {
                    *o = self.level_on(scale, x);
                }
                return;
            }
        };
        let level = self.level.as_slice();
        let pairs = out.iter_mut().zip(x);
        match *finite {
            [] => pairs.for_each(|(o, _)| *o = level[0]),
            [t0] => pairs.for_each(|(o, x)| *o = level[usize::from(x > t0)]),
            [t0, t1] => {
                pairs.for_each(|(o, x)| *o = level[usize::from(x > t0) + usize::from(x > t1)])
            }
            [t0, t1, t2] => pairs.for_each(|(o, x)| {
                *o = level[usize::from(x > t0) + usize::from(x > t1) + usize::from(x > t2)]
            }),
            _ => pairs.for_each(|(o, x)| {
                *o = level[finite.iter().map(|&t| usize::from(x > t)).sum::<usize>()]
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{std_normal_cdf, Scale, Thresholds};
    use rand::{Rng, SeedableRng};
    use rand_distr::StandardNormal;

    /// A column's levels are each value's `level`, for every list length the column
    /// path unrolls and beyond, with zero-probability levels and odd latents.
    #[test]
    fn levels_into_matches_level() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let probs: [&[f64]; 9] = [
            &[],
            &[1.0],
            &[0.3, 0.7],
            &[0.0, 1.0],
            &[0.2, 0.0, 0.8],
            &[0.1, 0.2, 0.3, 0.4],
            &[0.5, 0.25, 0.0, 0.25],
            &[0.05, 0.1, 0.15, 0.2, 0.2, 0.3],
            &[1.0 / 3.0; 3],
        ];
        let mut z: Vec<f64> = (0..2000).map(|_| rng.sample(StandardNormal)).collect();
        z.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0]);
        let mut u: Vec<f64> = z.iter().map(|&z| std_normal_cdf(z)).collect();
        u.extend([0.0, 1.0, 1.0f64.next_down()]);
        for p in probs {
            let t = Thresholds::from_probs(p);
            z.extend(t.z.iter().copied());
            u.extend(t.u.iter().copied());
            for (scale, x) in [(Scale::Normal, &z), (Scale::Uniform, &u)] {
                let mut out = vec![u16::MAX; x.len()];
                t.levels_into(scale, x.iter().copied(), &mut out);
                let want: Vec<u16> = x.iter().map(|&x| t.level_on(scale, x)).collect();
                assert_eq!(out, want, "{p:?} {scale:?}");
            }
        }
    }

    /// One latent's fast level is its `level_on` level, on both scales, for lists of
    /// zero to four cuts before the last (fixed arrays) and longer ones (the general
    /// rule), with zero-probability levels, a cut rounded to 1 before the last, and
    /// latents at, just beside and far from every cut.
    #[test]
    fn level_fast_matches_level_on() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
        let probs: [&[f64]; 11] = [
            &[],
            &[1.0],
            &[0.3, 0.7],
            &[0.0, 1.0, 0.0],
            &[0.2, 0.0, 0.8],
            &[0.1, 0.2, 0.3, 0.4],
            &[0.5, 0.5, 1e-17],
            &[0.4, 0.1, 0.2, 0.2, 0.1],
            &[0.3, 0.0, 0.1, 0.2, 0.2, 0.2],
            &[0.05, 0.1, 0.15, 0.2, 0.2, 0.3],
            &[1.0 / 7.0; 7],
        ];
        for p in probs {
            let t = Thresholds::from_probs(p);
            let mut z: Vec<f64> = (0..3000).map(|_| rng.sample(StandardNormal)).collect();
            z.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0]);
            let mut u: Vec<f64> = (0..3000).map(|_| rng.gen::<f64>()).collect();
            u.extend([f64::NAN, 0.0, 1.0, 1.0f64.next_down(), 2.0, -1.0]);
            for c in &t.z {
                z.extend([*c, c.next_up(), c.next_down()]);
            }
            for c in &t.u {
                u.extend([*c, c.next_up(), c.next_down()]);
            }
            for (scale, x) in [(Scale::Normal, &z), (Scale::Uniform, &u)] {
                for &x in x.iter() {
                    assert_eq!(
                        t.level_fast(scale, x),
                        t.level_on(scale, x),
                        "{p:?} {scale:?} {x}"
                    );
                }
            }
        }
    }

    /// Both scales pick the same level: `U = Phi(Z)` on the uniform cuts gives `Z`'s
    /// level on the normal cuts (away from rounding distance of a cut).
    #[test]
    fn uniform_and_normal_scales_agree() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for p in [
            &[0.3, 0.7][..],
            &[0.2, 0.0, 0.8],
            &[0.05, 0.1, 0.15, 0.2, 0.2, 0.3],
        ] {
            let t = Thresholds::from_probs(p);
            for _ in 0..20_000 {
                let z: f64 = rng.sample(StandardNormal);
                if t.z.iter().any(|&c| (z - c).abs() < 1e-9) {
                    continue;
                }
                assert_eq!(
                    t.level_on(Scale::Uniform, std_normal_cdf(z)),
                    t.level(z),
                    "{z}"
                );
            }
        }
    }
}
