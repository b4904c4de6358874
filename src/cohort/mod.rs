//! Virtual cohorts from a publication's Table 1.
//!
//! A [`CohortSpec`] lists covariates (names and levels from `covariates.md`), each with a
//! margin that encodes what the table reports, plus dependence (conditional tables,
//! only-if structural zeros, a Gaussian copula among root margins) and eligibility rules.
//! All validation happens once in [`CohortSpec::new`] / [`CohortSpecBuilder::build`], with
//! errors that name the covariate, level and value at fault; generation then cannot fail
//! except when rejection sampling hits its cap.
//!
//! # Model
//! Every non-band covariate has a latent standard normal `Z`. Root latents may be
//! correlated (Gaussian copula, Cholesky factor); children's latents are independent.
//! With `U = Phi(Z)`: a categorical level is the first whose cumulative probability is
//! `>= U` (listed order); a continuous value is the piecewise-linear quantile at `U`; a
//! median/range count is its floor. Children use the row of their parent's level; bands
//! classify their source's value.
//!
//! # Modes
//! [`Mode::Sampled`] draws each patient from the super-population. [`Mode::Exact`]
//! reproduces the table's counts (apportioned by largest remainder at other n, see
//! [`apportion`]) by assigning levels to patients in order of their latent `Z`, so rank
//! dependence from the copula survives; children are apportioned within each parent
//! level; numeric margins get exact counts in the strata between band-count knots, with
//! values uniform in `p` within each stratum.
//!
//! # Draw order
//! Fixed, so a seed always gives the same cohort (details in the `generate` module):
//! 1. both modes first draw all n patients' latents, patient by patient, one standard
//!    normal (`rand_distr::StandardNormal`) per non-band covariate in covariate order, and
//!    apply the copula to each patient's latents;
//! 2. sampled mode then walks the patients in order and redraws (same pattern of normals)
//!    each one that fails eligibility, until eligible;
//! 3. exact mode then draws n uniforms (`rng.gen::<f64>()`) per continuous or median/range
//!    count covariate, in covariate order.
//!
//! # Hot path
//! [`CohortSpec::generate_into`] writes into a reused [`Cohort`] (struct of arrays) and
//! allocates nothing once its buffers have grown to n.

pub mod apportion;
pub mod bands;
mod compile;
pub mod dependence;
pub mod eligibility;
mod error;
mod exact;
mod generate;
pub mod margin;
mod spec;
mod table;

pub use bands::{BandError, BandSpec, Boundary};
pub use dependence::{ConditionalTable, Correlation, DependenceError, OnlyIf};
pub use eligibility::{Rule, RuleError, RuleKind};
pub use error::{GenerateError, SpecError};
pub use margin::{
    CategoricalMargin, ContinuousMargin, CountMargin, Knot, KnotOrigin, MarginError,
    PiecewiseLinearQuantile, MISSING_LEVEL,
};
pub use spec::{
    CohortSpec, CohortSpecBuilder, Covariate, Margin, Mode, SpecOptions,
    DEFAULT_MAX_SCREENED_PER_PATIENT, MAX_EXCLUDED_PROBABILITY,
};
pub use table::{CellValue, Cohort, ColumnKind, GenerationStats};
