//! From the file as written to the validated `Scenario`.
//!
//! Resolution collects every problem it finds (key path and message) instead of
//! stopping at the first, so one run of `cohortsim validate` lists them all.

pub mod columns;
mod covariates;
mod design;
mod endpoints;
mod outcome;

use super::raw::{RawAnalysis, RawArm, RawScenario};
use super::{AnalysisPlan, Arm, Meta, Scenario};
use crate::analysis::{ConfType, Ties};
use crate::error::Problem;

/// Collects problems with their key paths.
#[derive(Default)]
pub struct Ctx {
    problems: Vec<Problem>,
}

impl Ctx {
    pub fn err(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }
}

/// Default number of patients per arm in the large cohort behind the model's
/// true values: the median's Monte Carlo error is then about 0.2% of it.
pub const DEFAULT_TRUTH_N: usize = 400_000;

fn analysis_plan(
    ctx: &mut Ctx,
    raw: Option<&RawAnalysis>,
    arms: &[RawArm],
) -> Option<AnalysisPlan> {
    let landmarks = raw
        .and_then(|a| a.landmarks.clone())
        .unwrap_or_else(|| vec![12.0]);
    let mut ok = true;
    for (i, &t) in landmarks.iter().enumerate() {
        if !(t.is_finite() && t > 0.0) {
            ctx.err(
                format!("analysis.landmarks[{i}]"),
                format!("a landmark must be a positive number of months, got {t}"),
            );
            ok = false;
        }
    }
    let conf_name = raw
        .and_then(|a| a.conf_type.clone())
        .unwrap_or_else(|| "log".into());
    let conf_type = match conf_name.parse::<ConfType>() {
        Ok(c) => Some(c),
        Err(_) => {
            ctx.err(
                "analysis.conf_type",
                format!("expected one of plain, log, log-log, logit, arcsin; got `{conf_name}`"),
            );
            None
        }
    };
    let conf_level = raw.and_then(|a| a.conf_level).unwrap_or(0.95);
    if !(conf_level > 0.0 && conf_level < 1.0) {
        ctx.err(
            "analysis.conf_level",
            format!("must be between 0 and 1, got {conf_level}"),
        );
        ok = false;
    }
    let truth_n = raw
        .and_then(|a| a.truth_n)
        .unwrap_or(DEFAULT_TRUTH_N as i64);
    if !(1000..=100_000_000).contains(&truth_n) {
        ctx.err(
            "analysis.truth_n",
            format!("must be from 1,000 to 100,000,000, got {truth_n}"),
        );
        ok = false;
    }
    let control = match raw.and_then(|a| a.control.as_deref()) {
        None => arms.len().saturating_sub(1),
        Some(name) => match arms.iter().position(|a| a.name == name) {
            Some(i) => i,
            None => {
                ctx.err("analysis.control", format!("no arm named `{name}`"));
                ok = false;
                0
            }
        },
    };
    let ties = match raw.and_then(|a| a.ties.as_deref()).unwrap_or("efron") {
        "efron" => Ties::Efron,
        "breslow" => Ties::Breslow,
        other => {
            ctx.err(
                "analysis.ties",
                format!("expected `efron` or `breslow`, got `{other}`"),
            );
            ok = false;
            Ties::Efron
        }
    };
    if !ok {
        return None;
    }
    Some(AnalysisPlan {
        landmarks,
        conf_type: conf_type?,
        conf_level,
        truth_n: truth_n as usize,
        control,
        ties,
        os: raw.and_then(|a| a.os).unwrap_or(true),
        followup: raw.and_then(|a| a.followup).unwrap_or(true),
    })
}

/// Fills the defaults into the raw scenario so `validate` can show them.
fn normalise(raw: &RawScenario, plan: Option<&AnalysisPlan>) -> RawScenario {
    let mut out = raw.clone();
    out.cohort.margins.get_or_insert_with(|| "sampled".into());
    for arm in &mut out.arms {
        arm.ratio.get_or_insert(1);
    }
    if let Some(o) = out.outcome.as_mut() {
        o.death_clock.get_or_insert_with(|| "reset".into());
    }
    out.design.loss_rate.get_or_insert(0.0);
    out.design
        .accrual
        .shape
        .get_or_insert_with(|| "uniform".into());
    if out.design.assessment.is_none() {
        out.design.assessment = Some(super::raw::RawAssessment {
            schedule: "continuous".into(),
            every_weeks: None,
            censor_at_last_assessment: Some(false),
        });
    }
    if let Some(a) = out.design.assessment.as_mut() {
        let every = a.schedule == "every";
        a.censor_at_last_assessment.get_or_insert(every);
    }
    if let Some(plan) = plan {
        out.analysis = Some(RawAnalysis {
            landmarks: Some(plan.landmarks.clone()),
            conf_type: Some(plan.conf_type.to_string()),
            conf_level: Some(plan.conf_level),
            truth_n: Some(plan.truth_n as i64),
            control: raw.arms.get(plan.control).map(|a| a.name.clone()),
            ties: Some(match plan.ties {
                Ties::Efron => "efron".into(),
                Ties::Breslow => "breslow".into(),
            }),
            os: Some(plan.os),
            followup: Some(plan.followup),
        });
    }
    out
}

pub fn resolve(raw: RawScenario) -> Result<Scenario, Vec<Problem>> {
    let mut ctx = Ctx::default();
    if raw.meta.name.trim().is_empty() {
        ctx.err("meta.name", "must not be empty");
    }
    let n = raw.cohort.n;
    if !(1..=10_000_000).contains(&n) {
        ctx.err(
            "cohort.n",
            format!("must be a whole number of patients from 1 to 10,000,000, got {n}"),
        );
    }
    if raw.arms.is_empty() {
        ctx.err("arms", "a scenario needs at least one [[arms]] entry");
    }
    for (i, arm) in raw.arms.iter().enumerate() {
        if arm.name.trim().is_empty() || arm.name.contains([',', '"', '\n']) {
            ctx.err(
                format!("arms[{i}].name"),
                format!(
                    "`{}` is not a usable arm name (empty, or has a comma, quote or newline)",
                    arm.name
                ),
            );
        }
        if raw.arms[..i].iter().any(|a| a.name == arm.name) {
            ctx.err(
                format!("arms[{i}].name"),
                format!("arm `{}` is named twice", arm.name),
            );
        }
    }

    let cohort = covariates::cohort(&mut ctx, &raw, n.max(1) as usize);
    let columns = cohort.as_ref().map(|(_, c)| c.as_slice());

    let mut arms = Vec::new();
    for (i, a) in raw.arms.iter().enumerate() {
        if let Some(m) = outcome::arm_model(&mut ctx, i, a, raw.outcome.as_ref(), columns) {
            arms.push(Arm {
                name: a.name.clone(),
                ratio: a.ratio.unwrap_or(1).max(1) as u32,
                model: m.model,
                effects: m.effects,
            });
        }
    }
    let allocation = if raw.arms.is_empty() {
        None
    } else {
        design::allocation(&mut ctx, &raw.arms, raw.randomisation.as_ref(), columns)
    };
    let design = design::design(&mut ctx, &raw.design);
    let response = raw
        .response
        .as_ref()
        .map(|r| endpoints::response(&mut ctx, r, &raw.arms, columns));
    let adverse_events = endpoints::adverse_events(&mut ctx, &raw.adverse_events, columns);
    let death_causes = raw
        .death_causes
        .as_ref()
        .map(|d| endpoints::death_causes(&mut ctx, d));
    let plan = analysis_plan(&mut ctx, raw.analysis.as_ref(), &raw.arms);

    if !ctx.problems.is_empty() {
        return Err(ctx.problems);
    }
    let (Some((cohort, columns)), Some((allocation, strata)), Some(design), Some(plan)) =
        (cohort, allocation, design, plan)
    else {
        // Every None above has pushed a problem; this is a guard, not a path.
        return Err(vec![Problem {
            key: String::new(),
            message: "the scenario could not be resolved".into(),
        }]);
    };
    if arms.len() != raw.arms.len() {
        return Err(vec![Problem {
            key: "arms".into(),
            message: "an arm's outcome model could not be resolved".into(),
        }]);
    }
    let normalised = normalise(&raw, Some(&plan));
    Ok(Scenario {
        meta: Meta {
            name: raw.meta.name.clone(),
            source: raw.meta.source.clone(),
            notes: raw.meta.notes.clone(),
        },
        n: n as usize,
        cohort,
        columns,
        arms,
        allocation,
        strata,
        accrual: design.accrual,
        accrual_start: design.accrual_start,
        accrual_months: design.accrual_months,
        observation: design.observation,
        analysis: plan,
        response: response.flatten(),
        adverse_events,
        death_causes: death_causes.flatten(),
        published: raw
            .published
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        normalised,
    })
}
