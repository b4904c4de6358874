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
//! classify their source's value. Sampled mode draws `U` directly for a covariate outside
//! the copula (the same distribution, with no normal and no `Phi` to compute).
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
//! Fixed, so a seed always gives the same cohort (details in the `sampled` and `exact`
//! modules):
//! - sampled mode draws the copula members' normals patient by patient, then one uniform
//!   per patient for each other non-band covariate, column by column in evaluation order,
//!   then redraws (same pattern, one patient) each patient failing eligibility;
//! - exact mode draws all n patients' latents, patient by patient, one standard normal
//!   (`rand_distr::StandardNormal`) per non-band covariate in covariate order (copula
//!   applied per patient), then n uniforms (`rng.gen::<f64>()`) per continuous or
//!   median/range count covariate, in covariate order.
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
mod sampled;
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
