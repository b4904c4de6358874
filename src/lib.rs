//! cohortsim: virtual cohorts of patients with relapsed/refractory multiple
//! myeloma, built from what a publication reports, followed through a study
//! design and reanalysed the way the paper did, many times over.
//!
//! The data flow one way, and the modules follow it:
//! `scenario` (parse, validate) -> `cohort` (baseline covariates) -> `design`
//! and `outcomes` (entry, arms, event times under the hazard model, what the
//! study observes) -> `analysis` (the estimators a paper applies; they know
//! nothing of the simulator) -> `summary` (aggregates over replicates) ->
//! `report` (CSV, JSON, text). `sim` drives one replicate through the flow and
//! many in parallel; `commands` are the subcommands of the binary.

pub mod analysis;
pub mod calibrate;
pub mod cohort;
pub mod commands;
pub mod data;
pub mod design;
pub mod error;
pub mod experiment;
pub mod explain;
pub mod hazard;
pub mod outcomes;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod study;
pub mod summary;

pub use error::{Error, ScenarioError};
