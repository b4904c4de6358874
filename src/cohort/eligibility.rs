//! Eligibility rules (a trial's inclusion criteria), applied by rejection.
//!
//! In sampled mode a patient failing any rule is discarded and a whole new patient is
//! drawn, which is how screening works: the accepted cohort is the super-population
//! conditioned on eligibility, and the screened-out fraction is reported in
//! [`super::GenerationStats`]. In exact mode counts are fixed by the table, so a rule that
//! could exclude anyone is a validation error instead (it would break the counts).

use super::table::Column;
use std::fmt;

/// What a rule excludes.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// Exclude patients at any of these levels of a level-valued covariate.
    ExcludeLevels(Vec<String>),
    /// Exclude patients whose value is strictly below the bound.
    ExcludeBelow(f64),
    /// Exclude patients whose value is strictly above the bound.
    ExcludeAbove(f64),
}

/// An eligibility rule on one covariate.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    covariate: String,
    kind: RuleKind,
}

/// Why a rule could not be constructed.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleError {
    /// The covariate name is empty.
    EmptyCovariate,
    /// A level rule lists no level.
    NoLevels {
        /// The covariate.
        covariate: String,
    },
    /// A bound is NaN or infinite.
    NonFiniteBound {
        /// The covariate.
        covariate: String,
        /// The bound.
        bound: f64,
    },
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::EmptyCovariate => write!(f, "eligibility rule names no covariate"),
            RuleError::NoLevels { covariate } => {
                write!(f, "eligibility rule on {covariate} excludes no level")
            }
            RuleError::NonFiniteBound { covariate, bound } => {
                write!(
                    f,
                    "eligibility bound on {covariate} is {bound}; it must be finite"
                )
            }
        }
    }
}

impl std::error::Error for RuleError {}

impl Rule {
    /// Excludes the listed levels (e.g. `ecog` `3to4`).
    pub fn exclude_levels(
        covariate: impl Into<String>,
        levels: Vec<String>,
    ) -> Result<Self, RuleError> {
        let covariate = covariate.into();
        if covariate.is_empty() {
            return Err(RuleError::EmptyCovariate);
        }
        if levels.is_empty() {
            return Err(RuleError::NoLevels { covariate });
        }
        Ok(Rule {
            covariate,
            kind: RuleKind::ExcludeLevels(levels),
        })
    }

    /// Excludes values strictly below `bound` (e.g. age < 18).
    pub fn exclude_below(covariate: impl Into<String>, bound: f64) -> Result<Self, RuleError> {
        Self::bound(covariate.into(), bound, RuleKind::ExcludeBelow(bound))
    }

    /// Excludes values strictly above `bound` (e.g. prior lines > 3).
    pub fn exclude_above(covariate: impl Into<String>, bound: f64) -> Result<Self, RuleError> {
        Self::bound(covariate.into(), bound, RuleKind::ExcludeAbove(bound))
    }

    fn bound(covariate: String, bound: f64, kind: RuleKind) -> Result<Self, RuleError> {
        if covariate.is_empty() {
            return Err(RuleError::EmptyCovariate);
        }
        if !bound.is_finite() {
            return Err(RuleError::NonFiniteBound { covariate, bound });
        }
        Ok(Rule { covariate, kind })
    }

    /// The covariate the rule is on.
    pub fn covariate(&self) -> &str {
        &self.covariate
    }

    /// What it excludes.
    pub fn kind(&self) -> &RuleKind {
        &self.kind
    }
}

/// A rule resolved against the spec's columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CompiledRule {
    Levels { col: usize, excluded: Vec<bool> },
    Below { col: usize, bound: f64 },
    Above { col: usize, bound: f64 },
}

impl CompiledRule {
    /// True when patient `i` is excluded.
    #[inline]
    pub(crate) fn excludes(&self, columns: &[Column], i: usize) -> bool {
        match self {
            CompiledRule::Levels { col, excluded } => match columns.get(*col) {
                Some(Column::Levels(v)) => v
                    .get(i)
                    .and_then(|&l| excluded.get(usize::from(l)))
                    .copied()
                    .unwrap_or(false),
                _ => false,
            },
            CompiledRule::Below { col, bound } => match columns.get(*col) {
                Some(Column::Values(v)) => v.get(i).is_some_and(|x| x < bound),
                _ => false,
            },
            CompiledRule::Above { col, bound } => match columns.get(*col) {
                Some(Column::Values(v)) => v.get(i).is_some_and(|x| x > bound),
                _ => false,
            },
        }
    }
}
