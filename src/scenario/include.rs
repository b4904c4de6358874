//! Shared assumptions: files of prognostic hazard ratios that scenarios
//! `include`, so one value (and its source or sensitivity range) serves every
//! cohort, and a difference between scenarios is never a difference of
//! typing.
//!
//! An included file has two tables, `[pfs]` (effects on the progression
//! hazard) and `[os]` (effects on death, before and after progression), each
//! `covariate = { level = HR }` or `covariate = { per_unit = HR, center = x }`
//! as in a transition's `effects`. Merging rules:
//! - an effect applies only to covariates the scenario has (a shared file
//!   covers many cohorts; each reports different factors);
//! - the scenario's own `effects` entry for a covariate overrides the
//!   included one entirely (to drop an included effect, set it to HR 1);
//! - later includes override earlier ones.

use super::raw::{RawScenario, RawTransition};
use crate::error::{Problem, ScenarioError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Effects = BTreeMap<String, BTreeMap<String, f64>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Assumptions {
    #[serde(default)]
    pfs: Effects,
    #[serde(default)]
    os: Effects,
}

fn problem(file: &Path, key: String, message: String) -> ScenarioError {
    ScenarioError {
        file: file.to_path_buf(),
        problems: vec![Problem { key, message }],
    }
}

/// The path of an included file, relative paths taken from the scenario's
/// directory.
pub fn include_path(scenario: &Path, rel: &str) -> PathBuf {
    scenario
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(rel)
}

fn read(
    scenario: &Path,
    rel: &str,
    replaced: &[(String, String)],
) -> Result<(PathBuf, Assumptions), ScenarioError> {
    let path = include_path(scenario, rel);
    let text = match replaced.iter().find(|(r, _)| r == rel) {
        Some((_, text)) => text.clone(),
        None => std::fs::read_to_string(&path).map_err(|e| {
            problem(
                scenario,
                "include".into(),
                format!("cannot read `{}`: {e}", path.display()),
            )
        })?,
    };
    let de = toml::Deserializer::new(&text);
    let a: Assumptions = serde_path_to_error::deserialize(de).map_err(|e| {
        problem(
            &path,
            e.path().to_string(),
            e.inner().message().trim().to_string(),
        )
    })?;
    Ok((path, a))
}

fn merge(target: &mut Option<RawTransition>, shared: &Effects, known: &[String]) {
    let Some(t) = target.as_mut() else {
        return;
    };
    for (covariate, effect) in shared {
        if known.contains(covariate) && !t.effects.contains_key(covariate) {
            t.effects.insert(covariate.clone(), effect.clone());
        }
    }
}

/// Applies the scenario's `include` files to its transitions' effects.
pub fn apply(raw: &mut RawScenario, scenario: &Path) -> Result<(), ScenarioError> {
    apply_replacing(raw, scenario, &[])
}

/// As [`apply`], with the text of some included files (by their `include`
/// entry, as written) given instead of read: a sweep varies a shared
/// assumption in memory, never by writing the shared file.
pub fn apply_replacing(
    raw: &mut RawScenario,
    scenario: &Path,
    replaced: &[(String, String)],
) -> Result<(), ScenarioError> {
    let files = std::mem::take(&mut raw.include);
    if files.is_empty() {
        return Ok(());
    }
    let mut known: Vec<String> = Vec::new();
    for c in &raw.covariates {
        known.push(c.name.clone());
        if let Some(b) = &c.bands {
            known.push(b.name.clone());
        }
    }
    // Later files override earlier ones: collect into one table per group.
    let mut pfs = Effects::new();
    let mut os = Effects::new();
    for rel in &files {
        let (_, a) = read(scenario, rel, replaced)?;
        pfs.extend(a.pfs);
        os.extend(a.os);
    }
    let mut outcomes: Vec<&mut super::raw::RawOutcome> = raw.outcome.iter_mut().collect();
    for arm in &mut raw.arms {
        if let Some(o) = arm.outcome.as_mut() {
            outcomes.push(o);
        }
    }
    for o in outcomes {
        merge(&mut o.progression, &pfs, &known);
        merge(&mut o.death_before_progression, &os, &known);
        merge(&mut o.death_after_progression, &os, &known);
    }
    // Kept in the normalised scenario so `validate` shows what was included.
    raw.include = files;
    Ok(())
}
