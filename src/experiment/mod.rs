//! Simulation studies over scenarios, in the shape of Morris, White &
//! Crowther (2019) and SimDesign: a design (a grid of scenario settings, a
//! test, a set of estimators) -> generate (virtual cohorts, one random
//! stream per replicate) -> analyse (the estimators) -> summarise
//! (performance measures with Monte Carlo standard errors, aggregated as
//! replicates stream past, so memory does not grow with their number).

pub mod analytic;
pub mod assumptions;
pub mod benchmark;
pub mod distribution;
pub mod hypothesis;
pub mod performance;
pub mod power;
pub mod quantiles;
pub mod stream;
pub mod sweep;
pub mod tornado;
pub mod variation;
