//! Survival estimators used to reanalyse simulated cohorts the way papers do.
//!
//! Everything here takes plain `time` (months, f64) / `event` (bool) slices so
//! the estimators stay independent of the simulator, and every number is
//! validated against R's `survival` package (3.5.3) in `tests/km_vs_r.rs`.
//! Rejecting NaN or negative times is the caller's job; empty input never
//! panics, it just yields empty fits and `None` summaries.

pub mod confidence;
pub mod cox;
pub mod followup;
pub mod kaplan_meier;
pub mod linalg;
pub mod log_product;
pub mod logrank;
pub mod maic;
pub mod one_sample_logrank;
pub mod parametric;
pub mod proportion;
pub mod quantile;
pub mod rmst;
pub mod time_key;

pub use confidence::{
    pointwise_interval, pointwise_interval_surv_se, z_value, ConfType, ParseConfTypeError,
};
pub use cox::{CoefSummary, CoxControl, CoxError, CoxFit, CoxModel, Ties};
pub use followup::{median_followup, median_followup_with};
pub use kaplan_meier::{KaplanMeier, KmVariance, Landmark, WeightError};
pub use logrank::{LogRank, LogRankError, LogRankResult, Weighting};
pub use maic::{maic_weights, maic_weights_with, MaicControl, MaicError, MaicWeights};
pub use quantile::{QuantileEstimate, SymmetricMedian, QUANTILE_TOLERANCE};
pub use rmst::{rmst, rmst_difference, rmst_difference_with, Rmst, RmstDifference};
