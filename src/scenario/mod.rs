//! Scenario files: parse (`raw`), check and resolve (`resolve`) into the model
//! the simulator runs (`Scenario`).
//!
//! This is the first stage of the one-way flow scenario -> cohort -> outcomes
//! -> analysis -> summary -> report; nothing downstream reads TOML.

pub mod calendar;
pub mod include;
pub mod raw;
pub mod resolve;

use crate::analysis::ConfType;
use crate::cohort::CohortSpec;
use crate::design::{Accrual, Allocation, ObservationDesign};
use crate::error::{Problem, ScenarioError};
use crate::outcomes::effects::ArmEffects;
use crate::outcomes::illness_death::IllnessDeath;
use calendar::Date;
pub use resolve::columns::{ColumnInfo, ColumnKind};
use std::path::Path;

/// A scenario's citation and notes.
#[derive(Debug, Clone)]
pub struct Meta {
    pub name: String,
    pub source: Option<String>,
    pub notes: Option<String>,
}

/// One arm: its allocation weight and outcome model.
#[derive(Debug, Clone)]
pub struct Arm {
    pub name: String,
    pub ratio: u32,
    pub model: IllnessDeath,
    pub effects: ArmEffects,
}

/// Best response: the shared model, its link to progression, covariate
/// effects (log odds ratios of a better response) and each arm's offset.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    pub model: crate::outcomes::response::ResponseModel,
    pub link: Option<crate::outcomes::response::ResponseLink>,
    pub predictor: crate::outcomes::effects::LinearPredictor,
    pub arm_offsets: Vec<f64>,
}

/// A binary adverse event and its covariate effects (log odds ratios).
#[derive(Debug, Clone)]
pub struct AdverseEventSpec {
    pub event: crate::outcomes::adverse_events::AdverseEvent,
    pub predictor: crate::outcomes::effects::LinearPredictor,
}

/// How each replicate is reanalysed.
#[derive(Debug, Clone)]
pub struct AnalysisPlan {
    pub landmarks: Vec<f64>,
    pub conf_type: ConfType,
    pub conf_level: f64,
    /// Patients per arm in the large cohort that gives the model's true values.
    pub truth_n: usize,
    /// The arm other arms are compared with (hazard ratios, log-rank).
    pub control: usize,
    pub ties: crate::analysis::Ties,
    /// Whether each replicate reports OS (events, median, landmarks) and the
    /// median follow-up: a PFS-only study skips both fits.
    pub os: bool,
    pub followup: bool,
}

/// A validated scenario: everything the simulator needs, in months since the
/// accrual start.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub meta: Meta,
    pub n: usize,
    pub cohort: CohortSpec,
    /// Name and kind of each cohort column, in the cohort's column order.
    pub columns: Vec<ColumnInfo>,
    pub arms: Vec<Arm>,
    pub allocation: Allocation,
    /// Cohort columns whose level combinations form randomisation strata.
    pub strata: Vec<usize>,
    pub accrual: Accrual,
    pub accrual_start: Option<Date>,
    pub accrual_months: f64,
    pub observation: ObservationDesign,
    pub analysis: AnalysisPlan,
    pub response: Option<ResponseSpec>,
    pub adverse_events: Vec<AdverseEventSpec>,
    pub death_causes: Option<crate::outcomes::death_cause::DeathCauses>,
    /// The paper's headline figures by replicate column name, as written (the
    /// names are checked against the columns by `sim::check_published`).
    pub published: Vec<(String, f64)>,
    /// The file as read, with every default written out (`cohortsim validate`).
    pub normalised: raw::RawScenario,
}

/// Reads, parses and resolves a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.to_path_buf(),
        problems: vec![Problem {
            key: String::new(),
            message: format!("cannot read the scenario file: {e}"),
        }],
    })?;
    from_str(&text, path)
}

/// Parses and resolves scenario text; `path` only names the file in messages.
pub fn from_str(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    from_str_replacing(text, path, &[])
}

/// As [`from_str`], with the text of some included files (by their `include`
/// entry) given in memory instead of read from disk.
pub fn from_str_replacing(
    text: &str,
    path: &Path,
    includes: &[(String, String)],
) -> Result<Scenario, ScenarioError> {
    let mut raw = parse(text, path)?;
    include::apply_replacing(&mut raw, path, includes)?;
    resolve::resolve(raw).map_err(|problems| ScenarioError {
        file: path.to_path_buf(),
        problems,
    })
}

/// TOML syntax and shape: a misspelt or misplaced key is reported with its key
/// path and line, not ignored.
pub fn parse(text: &str, path: &Path) -> Result<raw::RawScenario, ScenarioError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.inner();
        let location = inner
            .span()
            .map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
                format!(" (line {line}, column {col})")
            })
            .unwrap_or_default();
        let message = inner.message().trim().to_string();
        ScenarioError {
            file: path.to_path_buf(),
            problems: vec![Problem {
                key: if key == "." { String::new() } else { key },
                message: format!("{message}{location}"),
            }],
        }
    })
}
