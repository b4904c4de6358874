//! Errors raised when a cohort spec is assembled or a cohort generated.

use super::margin::{fmt_p, MarginError};
use std::fmt;

/// Why a [`super::CohortSpec`] could not be built. Every variant names the covariate(s)
/// and value(s) involved, so a scenario author can find the line to fix.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecError {
    /// A covariate has an empty name.
    EmptyCovariateName {
        /// Position in the spec.
        index: usize,
    },
    /// Two covariates share a name.
    DuplicateCovariate {
        /// The name.
        name: String,
    },
    /// A margin became invalid when the spec combined facts (e.g. band knots added to the
    /// source quantile function conflict with its median).
    Margin {
        /// The covariate whose margin is invalid.
        covariate: String,
        /// What is wrong.
        source: MarginError,
    },
    /// A conditional or only-if child names a parent that is not in the spec.
    UnknownParent {
        /// The child.
        child: String,
        /// The missing parent.
        parent: String,
    },
    /// The parent is not level-valued (continuous and count parents are not supported:
    /// condition on a derived band instead).
    ParentNotCategorical {
        /// The child.
        child: String,
        /// The parent.
        parent: String,
    },
    /// A parent level has no row in the child's conditional table.
    MissingParentLevel {
        /// The child.
        child: String,
        /// The parent.
        parent: String,
        /// The uncovered parent level.
        level: String,
    },
    /// A row (or only-if) names a level the parent does not have.
    UnknownParentLevel {
        /// The child.
        child: String,
        /// The parent.
        parent: String,
        /// The unknown level.
        level: String,
    },
    /// A count row of a conditional table does not add up to the parent level's count.
    ConditionalCountsDisagree {
        /// The child.
        child: String,
        /// The parent.
        parent: String,
        /// The parent level.
        level: String,
        /// Sum of the row's counts.
        row_total: u64,
        /// The parent's count at that level.
        parent_count: u64,
    },
    /// An only-if child is more frequent than the parent level it requires.
    OnlyIfUnsatisfiable {
        /// The child.
        child: String,
        /// `P(child != otherwise)`.
        p_child: f64,
        /// The parent.
        parent: String,
        /// The required parent level.
        parent_level: String,
        /// `P(parent = parent_level)`.
        p_parent: f64,
    },
    /// Parents form a cycle.
    DependencyCycle {
        /// Covariates on or behind the cycle.
        covariates: Vec<String>,
    },
    /// A band names a source that is not in the spec.
    UnknownBandSource {
        /// The band covariate.
        band: String,
        /// The missing source.
        source: String,
    },
    /// A band's source is not continuous or count.
    BandSourceNotNumeric {
        /// The band covariate.
        band: String,
        /// The source.
        source: String,
    },
    /// Bands of a count source need integer cuts.
    BandCutNotInteger {
        /// The band covariate.
        band: String,
        /// The cut.
        cut: f64,
    },
    /// Band counts disagree with the explicit value table of their count source.
    BandCountsDisagree {
        /// The band covariate.
        band: String,
        /// The band.
        label: String,
        /// Share implied by the band counts.
        band_share: f64,
        /// Share implied by the source's value table.
        table_share: f64,
    },
    /// Counts of a covariate do not add up to the table's n.
    CountsDoNotSumToN {
        /// The covariate.
        covariate: String,
        /// Their sum.
        sum: u64,
        /// The table's n.
        n: u32,
    },
    /// A correlation or rule names a covariate that is not in the spec.
    UnknownCovariate {
        /// The name.
        name: String,
        /// Where it was named ("correlation", "eligibility rule").
        context: &'static str,
    },
    /// Only root margins (categorical, continuous, count) take part in the copula.
    CorrelationOnDependent {
        /// The dependent covariate.
        name: String,
    },
    /// A pair is given twice.
    DuplicateCorrelation {
        /// First covariate.
        a: String,
        /// Second covariate.
        b: String,
    },
    /// The pairs do not form a positive definite correlation matrix.
    CorrelationNotPositiveDefinite {
        /// The covariates of the matrix, in order.
        covariates: Vec<String>,
        /// The covariate at which the Cholesky factorisation failed: its correlations with
        /// the ones before it are inconsistent with theirs among themselves.
        failed_at: String,
    },
    /// A rule's kind does not fit the covariate (level rule on a value, bound on levels).
    RuleKindMismatch {
        /// The covariate.
        covariate: String,
        /// What the rule needs.
        expected: &'static str,
    },
    /// A level rule names a level the covariate does not have.
    RuleUnknownLevel {
        /// The covariate.
        covariate: String,
        /// The level.
        level: String,
    },
    /// A rule excludes (almost) everyone, so rejection sampling would never finish.
    EligibilityExcludesAll {
        /// The covariate.
        covariate: String,
        /// Probability that the rule alone excludes a patient.
        excluded: f64,
    },
    /// In exact mode, a rule would exclude patients the table counts.
    EligibilityConflictsWithExact {
        /// The covariate.
        covariate: String,
        /// The excluded level or bound.
        what: String,
        /// Share the rule would exclude.
        probability: f64,
    },
    /// `max_screened_per_patient` must be at least 1.
    InvalidMaxScreened,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SpecError::*;
        match self {
            EmptyCovariateName { index } => write!(f, "covariate {index} has an empty name"),
            DuplicateCovariate { name } => write!(f, "covariate {name} is defined twice"),
            Margin { covariate, source } => write!(f, "{covariate}: {source}"),
            UnknownParent { child, parent } => {
                write!(f, "{child}: parent {parent} is not a covariate of the spec")
            }
            ParentNotCategorical { child, parent } => write!(
                f,
                "{child}: parent {parent} is not categorical (condition on a band of it)"
            ),
            MissingParentLevel {
                child,
                parent,
                level,
            } => write!(
                f,
                "{child}: no row for {parent} = {level}; every parent level needs one"
            ),
            UnknownParentLevel {
                child,
                parent,
                level,
            } => write!(f, "{child}: {parent} has no level {level:?}"),
            ConditionalCountsDisagree {
                child,
                parent,
                level,
                row_total,
                parent_count,
            } => write!(
                f,
                "{child}: row for {parent} = {level} counts {row_total} patients, \
                 but {parent} = {level} has {parent_count}"
            ),
            OnlyIfUnsatisfiable {
                child,
                p_child,
                parent,
                parent_level,
                p_parent,
            } => write!(
                f,
                "{child} only if {parent} = {parent_level} cannot be satisfied: \
                 P({child}) = {} exceeds P({parent} = {parent_level}) = {} \
                 (the conditional probability would be {} > 1)",
                fmt_p(*p_child),
                fmt_p(*p_parent),
                fmt_p(if *p_parent > 0.0 {
                    p_child / p_parent
                } else {
                    f64::INFINITY
                })
            ),
            DependencyCycle { covariates } => {
                write!(f, "parents form a cycle among {}", covariates.join(", "))
            }
            UnknownBandSource { band, source } => {
                write!(f, "{band}: source {source} is not a covariate of the spec")
            }
            BandSourceNotNumeric { band, source } => {
                write!(f, "{band}: source {source} is not continuous or count")
            }
            BandCutNotInteger { band, cut } => {
                write!(f, "{band}: cut {cut} of a count must be an integer")
            }
            BandCountsDisagree {
                band,
                label,
                band_share,
                table_share,
            } => write!(
                f,
                "{band}: band {label} has share {} from the band counts but {} from the \
                 source's value table",
                fmt_p(*band_share),
                fmt_p(*table_share)
            ),
            CountsDoNotSumToN { covariate, sum, n } => {
                write!(
                    f,
                    "{covariate}: counts sum to {sum}, but the table's n is {n}"
                )
            }
            UnknownCovariate { name, context } => {
                write!(
                    f,
                    "{context} names {name}, which is not a covariate of the spec"
                )
            }
            CorrelationOnDependent { name } => write!(
                f,
                "{name} is a conditional/only-if child or a band; only root margins \
                 can be correlated"
            ),
            DuplicateCorrelation { a, b } => {
                write!(f, "correlation of {a} and {b} is given twice")
            }
            CorrelationNotPositiveDefinite {
                covariates,
                failed_at,
            } => write!(
                f,
                "correlation matrix over [{}] is not positive definite (failed at {failed_at}): \
                 its pairs are mutually inconsistent",
                covariates.join(", ")
            ),
            RuleKindMismatch {
                covariate,
                expected,
            } => write!(f, "eligibility rule on {covariate} needs {expected}"),
            RuleUnknownLevel { covariate, level } => {
                write!(f, "eligibility rule: {covariate} has no level {level:?}")
            }
            EligibilityExcludesAll {
                covariate,
                excluded,
            } => write!(
                f,
                "eligibility rule on {covariate} alone excludes {:.2}% of patients; \
                 at most 99.9% is allowed",
                excluded * 100.0
            ),
            EligibilityConflictsWithExact {
                covariate,
                what,
                probability,
            } => write!(
                f,
                "exact mode: eligibility rule excluding {covariate} {what} would remove \
                 {} of the table's patients",
                fmt_p(*probability)
            ),
            InvalidMaxScreened => write!(f, "max_screened_per_patient must be at least 1"),
        }
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpecError::Margin { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a cohort could not be generated.
#[derive(Debug, Clone, PartialEq)]
pub enum GenerateError {
    /// Rejection sampling hit its cap: the rules jointly exclude (almost) everyone.
    TooManyRejections {
        /// Patients requested.
        n: usize,
        /// Patients accepted before giving up.
        accepted: usize,
        /// Patients screened.
        screened: u64,
        /// Patients excluded.
        excluded: u64,
    },
    /// `n` times the number of latent variables overflows memory indexing.
    TooLarge {
        /// Patients requested.
        n: usize,
    },
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::TooManyRejections {
                n,
                accepted,
                screened,
                excluded,
            } => write!(
                f,
                "eligibility rules excluded {excluded} of {screened} screened patients; \
                 gave up with {accepted} of {n} accepted"
            ),
            GenerateError::TooLarge { n } => write!(f, "cohort of {n} patients is too large"),
        }
    }
}

impl std::error::Error for GenerateError {}
