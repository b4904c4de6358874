//! summary.json: the run's settings, how the true values were found, and each
//! estimate's summary, for programs.

use super::atomic::write_atomic;
use crate::error::Error;
use crate::sim::truth::TruthMethod;
use crate::summary::EstimateSummary;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct RunSummary<'a> {
    pub cohortsim_version: &'static str,
    pub scenario: &'a str,
    pub scenario_file: String,
    pub seed: u64,
    pub replicates: u64,
    pub n: usize,
    pub conf_type: String,
    pub conf_level: f64,
    /// How the percentiles were found.
    pub percentiles: &'static str,
    pub landmarks: &'a [f64],
    pub truth: &'a [TruthMethod],
    pub estimates: &'a [EstimateSummary],
}

pub fn write_summary_json(path: &Path, summary: &RunSummary) -> Result<(), Error> {
    write_atomic(path, |w: &mut dyn Write| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}
