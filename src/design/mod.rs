//! Study design: how patients enter a trial, how they are randomised, when
//! they are assessed, when the data are cut off and what is observed.
//!
//! Time unit throughout is the **month** (`1 month = 30.4375 days`, the mean
//! Gregorian month), measured from the start of accrual for calendar times and
//! from each patient's own entry for patient times.
//!
//! Every function that runs per replicate writes into caller-provided buffers
//! (`Vec`s that are cleared and refilled), so after the buffers have grown to
//! the cohort size nothing allocates. Nothing panics on any input: invalid
//! values either are rejected by the fallible constructors (`new`, `every`,
//! `blocked`, ...) or, because enum variants and some fields are public and a
//! value can be built without a constructor, are re-validated cheaply at run
//! time and reported as an error.
//!
//! Random-number use is deterministic in *count*: each hot-path function
//! documents exactly how many draws (`u64` words, or ziggurat `Exp(1)`
//! variates) it takes from the generator, which depends on the cohort size
//! but not on the design's parameter values, and keeps streams aligned across
//! scenarios (common random numbers).

pub mod accrual;
pub mod allocation;
pub mod cutoff;
pub mod observe;
pub mod schedule;

pub use accrual::{Accrual, AccrualError, AccrualShape};
pub use allocation::{AllocateError, Allocation, AllocationError, AllocationScratch};
pub use cutoff::{Cutoff, CutoffError, CutoffOutcome, Endpoint};
pub use observe::{ObservationDesign, ObservationDesignError, ObserveError, Observed};
pub use schedule::{Schedule, ScheduleError, VISIT_REL_EPS};

/// Days per month: the mean Gregorian month (365.25 / 12), so that 12 months
/// are exactly one Julian year.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// Converts weeks to months (`w * 7 / 30.4375`); protocols specify
/// assessment intervals in weeks while the simulation clock runs in months.
pub fn weeks_to_months(w: f64) -> f64 {
    w * 7.0 / DAYS_PER_MONTH
}
