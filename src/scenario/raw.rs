//! The scenario file exactly as written: serde types that mirror the TOML.
//!
//! Nothing here is checked beyond its shape; `resolve` turns these into the
//! validated model and is the one place that reports what is wrong, by key path.
//! Every struct denies unknown keys so that a misspelt key is an error, not a
//! silently ignored assumption.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Shared-assumption files (paths relative to this file) whose prognostic
    /// hazard ratios fill in effects the scenario does not set itself.
    #[serde(default)]
    pub include: Vec<String>,
    pub meta: RawMeta,
    pub cohort: RawCohort,
    #[serde(default)]
    pub arms: Vec<RawArm>,
    #[serde(default)]
    pub randomisation: Option<RawRandomisation>,
    #[serde(default)]
    pub covariates: Vec<RawCovariate>,
    #[serde(default)]
    pub dependence: Option<RawDependence>,
    #[serde(default)]
    pub eligibility: Option<RawEligibility>,
    #[serde(default)]
    pub outcome: Option<RawOutcome>,
    pub design: RawDesign,
    #[serde(default)]
    pub analysis: Option<RawAnalysis>,
    /// Best response (optional): its distribution, covariate effects and link
    /// to the progression hazard.
    #[serde(default)]
    pub response: Option<RawResponse>,
    /// Causes of death (optional).
    #[serde(default)]
    pub death_causes: Option<RawDeathCauses>,
    /// Binary adverse events (optional).
    #[serde(default)]
    pub adverse_events: Vec<RawAdverseEvent>,
    /// The paper's headline figures, keyed by replicate column
    /// (`IsaPd.pfs_median`, `IsaPd.pfs_at_12`, ...), to set beside the
    /// simulated sampling distributions.
    #[serde(default)]
    pub published: Option<BTreeMap<String, f64>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCohort {
    pub n: i64,
    #[serde(default)]
    pub margins: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawArm {
    pub name: String,
    #[serde(default)]
    pub ratio: Option<i64>,
    /// Multiplies the shared outcome model's transition hazards for this arm.
    #[serde(default)]
    pub hazard_ratio: Option<RawTransitionFactors>,
    /// Odds ratio of a better best response in this arm (on the shared
    /// response model's cumulative-logit scale).
    #[serde(default)]
    pub response_odds_ratio: Option<f64>,
    /// Replaces whole transitions of the shared outcome model for this arm.
    #[serde(default)]
    pub outcome: Option<RawOutcome>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransitionFactors {
    #[serde(default)]
    pub progression: Option<f64>,
    #[serde(default)]
    pub death_before_progression: Option<f64>,
    #[serde(default)]
    pub death_after_progression: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRandomisation {
    pub method: String,
    #[serde(default)]
    pub block_size: Option<i64>,
    #[serde(default)]
    pub strata: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCovariate {
    pub name: String,
    pub kind: String,
    /// Categorical: level names in order. Binary covariates default to ["no", "yes"].
    #[serde(default)]
    pub levels: Option<Vec<String>>,
    #[serde(default)]
    pub probs: Option<Vec<f64>>,
    #[serde(default)]
    pub counts: Option<Vec<f64>>,
    /// Binary shorthand: P(yes).
    #[serde(default)]
    pub p_yes: Option<f64>,
    /// Continuous and count summaries.
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub median: Option<f64>,
    /// Further quantiles as [p, value] pairs.
    #[serde(default)]
    pub quantiles: Option<Vec<[f64; 2]>>,
    /// Count: explicit support (with `probs` or `counts`).
    #[serde(default)]
    pub values: Option<Vec<f64>>,
    #[serde(default)]
    pub bands: Option<RawBands>,
    /// Conditional categorical: the parent covariate and, per parent level,
    /// this covariate's level probabilities.
    #[serde(default)]
    pub given: Option<String>,
    #[serde(default)]
    pub conditional: Option<BTreeMap<String, Vec<f64>>>,
    /// The same as counts per parent level (normalised row by row).
    #[serde(default)]
    pub conditional_counts: Option<BTreeMap<String, Vec<f64>>>,
    /// Structural zero: "yes" only where the parent is at this level.
    #[serde(default)]
    pub only_if: Option<RawOnlyIf>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBands {
    pub name: String,
    pub cuts: Vec<f64>,
    pub labels: Vec<String>,
    #[serde(default)]
    pub counts: Option<Vec<f64>>,
    /// Where a value equal to a cut goes: "upper" (default: 65 is in 65to74) or "lower".
    #[serde(default)]
    pub boundary: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOnlyIf {
    pub covariate: String,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDependence {
    #[serde(default)]
    pub correlations: Vec<RawCorrelation>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub a: String,
    pub b: String,
    pub rho: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEligibility {
    #[serde(default)]
    pub exclude: Vec<RawExclusion>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawExclusion {
    pub covariate: String,
    #[serde(default)]
    pub levels: Option<Vec<String>>,
    #[serde(default)]
    pub below: Option<f64>,
    #[serde(default)]
    pub above: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutcome {
    #[serde(default)]
    pub death_clock: Option<String>,
    #[serde(default)]
    pub progression: Option<RawTransition>,
    #[serde(default)]
    pub death_before_progression: Option<RawTransition>,
    #[serde(default)]
    pub death_after_progression: Option<RawTransition>,
    #[serde(default)]
    pub discontinuation: Option<RawTransition>,
}

/// One transition hazard: a baseline family for the reference patient and
/// proportional-hazards effects of covariates.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransition {
    pub family: String,
    #[serde(default)]
    pub median: Option<f64>,
    #[serde(default)]
    pub rate: Option<f64>,
    #[serde(default)]
    pub shape: Option<f64>,
    #[serde(default)]
    pub scale: Option<f64>,
    /// Piecewise-constant: start of each piece after the first (months).
    #[serde(default)]
    pub starts: Option<Vec<f64>>,
    /// Piecewise-constant: rates (or relative rates when `median` is given).
    #[serde(default)]
    pub rates: Option<Vec<f64>>,
    /// Discontinuation only: factor applied to the progression hazard after it.
    #[serde(default)]
    pub progression_hr_after: Option<f64>,
    /// Covariate name -> either { level = HR, ... } or { per_unit = HR, center = x }.
    #[serde(default)]
    pub effects: BTreeMap<String, BTreeMap<String, f64>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDesign {
    pub accrual: RawAccrual,
    pub cutoff: RawCutoff,
    #[serde(default)]
    pub loss_rate: Option<f64>,
    #[serde(default)]
    pub assessment: Option<RawAssessment>,
}

/// A calendar time: a TOML date, or months since the accrual start.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawTime {
    Date(toml::value::Datetime),
    Months(f64),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccrual {
    #[serde(default)]
    pub start: Option<RawTime>,
    pub end: RawTime,
    #[serde(default)]
    pub shape: Option<String>,
    #[serde(default)]
    pub ramp_months: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCutoff {
    #[serde(default)]
    pub date: Option<RawTime>,
    #[serde(default)]
    pub events: Option<i64>,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub min_followup: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssessment {
    /// "continuous" or "every".
    pub schedule: String,
    #[serde(default)]
    pub every_weeks: Option<f64>,
    #[serde(default)]
    pub censor_at_last_assessment: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAnalysis {
    #[serde(default)]
    pub landmarks: Option<Vec<f64>>,
    #[serde(default)]
    pub conf_type: Option<String>,
    #[serde(default)]
    pub conf_level: Option<f64>,
    #[serde(default)]
    pub truth_n: Option<i64>,
    /// The comparator arm for hazard ratios (default: the last arm).
    #[serde(default)]
    pub control: Option<String>,
    /// Cox model ties: "efron" (default) or "breslow".
    #[serde(default)]
    pub ties: Option<String>,
    /// Report OS per replicate (default true).
    #[serde(default)]
    pub os: Option<bool>,
    /// Report the median follow-up (reverse Kaplan-Meier; default true).
    #[serde(default)]
    pub followup: Option<bool>,
}

/// Best response: the reference patient's distribution over CR, VGPR, PR, MR,
/// SD, PD and NE (probabilities or counts), covariate effects as odds ratios of
/// a better response (proportional odds), and optionally the hazard ratio on
/// progression of each response level (PR = 1).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawResponse {
    #[serde(default)]
    pub probs: Option<BTreeMap<String, f64>>,
    #[serde(default)]
    pub counts: Option<BTreeMap<String, f64>>,
    #[serde(default)]
    pub effects: BTreeMap<String, BTreeMap<String, f64>>,
    #[serde(default)]
    pub progression_hr: Option<BTreeMap<String, f64>>,
}

/// A binary adverse event: its probability for the reference patient (`p`, or
/// `count` of `n`), and covariate effects as odds ratios.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdverseEvent {
    pub name: String,
    #[serde(default)]
    pub p: Option<f64>,
    #[serde(default)]
    pub count: Option<f64>,
    #[serde(default)]
    pub n: Option<f64>,
    #[serde(default)]
    pub effects: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Causes of death: the probability that a death after progression is
/// progression-related, and the other causes' relative weights (counts or
/// probabilities; normalised), which deaths before progression always have
/// and deaths after progression have otherwise.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeathCauses {
    pub progression_after: f64,
    pub other: BTreeMap<String, f64>,
}
