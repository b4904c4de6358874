//! Categorical margins: ordered levels with probabilities or counts.

use super::{check_level_names, MarginError, Thresholds, Weights};
use rand::Rng;
use rand_distr::StandardNormal;

/// Name of the level that means "not reported" (see `covariates.md`).
pub const MISSING_LEVEL: &str = "unknown";

/// A categorical margin: ordered level names with their probabilities.
///
/// Level order matters twice: the level index stored in a [`crate::cohort::Cohort`] column is
/// the position in this list, and under a Gaussian copula (or exact-mode rank assignment)
/// low latent values go to the first levels. A level named [`MISSING_LEVEL`] is treated as
/// missing data by [`CategoricalMargin::missing_level`]; it is otherwise an ordinary level.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalMargin {
    levels: Vec<String>,
    weights: Weights,
    thresholds: Thresholds,
}

impl CategoricalMargin {
    /// From probabilities, which must be finite, non-negative and sum to 1 within
    /// [`super::PROBABILITY_SUM_TOLERANCE`] (they are then renormalised exactly).
    pub fn from_probs(levels: Vec<String>, probs: Vec<f64>) -> Result<Self, MarginError> {
        check_level_names(&levels)?;
        let weights = Weights::from_probs(&levels, probs)?;
        Ok(Self::assemble(levels, weights))
    }

    /// From counts (as a Table 1 prints them); probabilities are `count / total`. The counts
    /// are kept: in exact mode at the table's own n they are reproduced exactly.
    pub fn from_counts(levels: Vec<String>, counts: Vec<u32>) -> Result<Self, MarginError> {
        check_level_names(&levels)?;
        let weights = Weights::from_counts(levels.len(), counts)?;
        Ok(Self::assemble(levels, weights))
    }

    /// Convenience for a `no`/`yes` binary margin given the count of `yes` among `total`.
    pub fn binary_from_counts(yes: u32, total: u32) -> Result<Self, MarginError> {
        if yes > total {
            return Err(MarginError::InvalidProbability {
                level: "yes".into(),
                value: f64::from(yes) / f64::from(total.max(1)),
            });
        }
        Self::from_counts(vec!["no".into(), "yes".into()], vec![total - yes, yes])
    }

    pub(crate) fn assemble(levels: Vec<String>, weights: Weights) -> Self {
        let thresholds = Thresholds::from_probs(&weights.probs);
        CategoricalMargin {
            levels,
            weights,
            thresholds,
        }
    }

    /// Level names, in order.
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// Probabilities, in level order.
    pub fn probs(&self) -> &[f64] {
        &self.weights.probs
    }

    /// The counts, if the margin was given as counts.
    pub fn counts(&self) -> Option<&[u32]> {
        self.weights.counts.as_deref()
    }

    /// Index of a level by name.
    pub fn level_index(&self, name: &str) -> Option<usize> {
        self.levels.iter().position(|l| l == name)
    }

    /// Index of the [`MISSING_LEVEL`] level, if there is one.
    pub fn missing_level(&self) -> Option<usize> {
        self.level_index(MISSING_LEVEL)
    }

    /// Level for a latent standard normal `z`: the first level whose cumulative probability
    /// is `>= Phi(z)`; levels of probability zero are never returned.
    #[inline]
    pub fn level_for_latent(&self, z: f64) -> usize {
        usize::from(self.thresholds.level(z))
    }

    /// Draws a level index (one standard normal from `rng`).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let z: f64 = rng.sample(StandardNormal);
        self.level_for_latent(z)
    }

    pub(crate) fn weights(&self) -> &Weights {
        &self.weights
    }

    pub(crate) fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }
}
