//! Outcome model: transition hazards per arm, from `[outcome]`, each arm's
//! `hazard_ratio` and its optional `[arms.outcome]` replacements.

use super::columns::{ColumnInfo, ColumnKind};
use super::Ctx;
use crate::hazard::{
    BaselineHazard, Exponential, Gompertz, LogLogistic, PiecewiseConstant, Weibull,
};
use crate::outcomes::effects::{ArmEffects, LinearPredictor, Term};
use crate::outcomes::illness_death::{DeathClock, Discontinuation, IllnessDeath};
use crate::scenario::raw::{RawArm, RawOutcome, RawTransition};
use std::collections::BTreeMap;

/// The families a scenario may name, for messages.
const FAMILIES: &str = "exponential, weibull, gompertz, piecewise, loglogistic";

/// Which keys each family takes, beside `family` and `effects`.
fn allowed_keys(family: &str) -> &'static [&'static str] {
    match family {
        "exponential" => &["median", "rate"],
        "weibull" => &["median", "scale", "shape"],
        "gompertz" => &["median", "rate", "shape"],
        "piecewise" => &["median", "starts", "rates"],
        "loglogistic" => &["median", "scale", "shape"],
        _ => &[],
    }
}

fn present_keys(t: &RawTransition) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if t.median.is_some() {
        keys.push("median");
    }
    if t.rate.is_some() {
        keys.push("rate");
    }
    if t.shape.is_some() {
        keys.push("shape");
    }
    if t.scale.is_some() {
        keys.push("scale");
    }
    if t.starts.is_some() {
        keys.push("starts");
    }
    if t.rates.is_some() {
        keys.push("rates");
    }
    keys
}

/// The baseline hazard of the reference patient, from a family and either its
/// median or its natural parameters (never both: one must not silently win).
pub fn baseline_hazard(ctx: &mut Ctx, key: &str, t: &RawTransition) -> Option<BaselineHazard> {
    let family = t.family.as_str();
    if allowed_keys(family).is_empty() {
        ctx.err(
            format!("{key}.family"),
            format!("unknown hazard family `{family}`; expected one of {FAMILIES}"),
        );
        return None;
    }
    let mut ok = true;
    for k in present_keys(t) {
        if !allowed_keys(family).contains(&k) {
            ctx.err(
                format!("{key}.{k}"),
                format!("the {family} family takes no `{k}`"),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let scale_key = if family == "weibull" || family == "loglogistic" {
        "scale"
    } else {
        "rate"
    };
    let natural = if scale_key == "scale" {
        t.scale
    } else {
        t.rate
    };
    if family != "piecewise" {
        match (t.median, natural) {
            (Some(_), Some(_)) => {
                ctx.err(
                    key,
                    format!("give either `median` or `{scale_key}`, not both"),
                );
                return None;
            }
            (None, None) => {
                ctx.err(
                    key,
                    format!("the {family} family needs `median` or `{scale_key}`"),
                );
                return None;
            }
            _ => {}
        }
        if family != "exponential" && t.shape.is_none() {
            ctx.err(
                format!("{key}.shape"),
                format!("the {family} family needs `shape`"),
            );
            return None;
        }
    }
    let built: Result<BaselineHazard, String> = match family {
        "exponential" => match t.median {
            Some(m) => Exponential::from_median(m)
                .map(BaselineHazard::Exponential)
                .map_err(|e| e.to_string()),
            None => Exponential::new(natural.unwrap_or(f64::NAN))
                .map(BaselineHazard::Exponential)
                .map_err(|e| e.to_string()),
        },
        "weibull" => {
            let shape = t.shape.unwrap_or(f64::NAN);
            match t.median {
                Some(m) => Weibull::from_median(m, shape)
                    .map(BaselineHazard::Weibull)
                    .map_err(|e| e.to_string()),
                None => Weibull::new(shape, natural.unwrap_or(f64::NAN))
                    .map(BaselineHazard::Weibull)
                    .map_err(|e| e.to_string()),
            }
        }
        "gompertz" => {
            let shape = t.shape.unwrap_or(f64::NAN);
            match t.median {
                Some(m) => Gompertz::from_median(m, shape)
                    .map(BaselineHazard::Gompertz)
                    .map_err(|e| e.to_string()),
                None => Gompertz::new(shape, natural.unwrap_or(f64::NAN))
                    .map(BaselineHazard::Gompertz)
                    .map_err(|e| e.to_string()),
            }
        }
        "loglogistic" => {
            let shape = t.shape.unwrap_or(f64::NAN);
            match t.median {
                Some(m) => LogLogistic::from_median(m, shape)
                    .map(BaselineHazard::LogLogistic)
                    .map_err(|e| e.to_string()),
                None => LogLogistic::new(shape, natural.unwrap_or(f64::NAN))
                    .map(BaselineHazard::LogLogistic)
                    .map_err(|e| e.to_string()),
            }
        }
        "piecewise" => {
            let starts = t.starts.clone().unwrap_or_default();
            let Some(rates) = t.rates.as_ref() else {
                ctx.err(format!("{key}.rates"), "the piecewise family needs `rates`");
                return None;
            };
            match t.median {
                Some(m) => PiecewiseConstant::from_median(m, &starts, rates)
                    .map(BaselineHazard::PiecewiseConstant)
                    .map_err(|e| e.to_string()),
                None => PiecewiseConstant::new(&starts, rates)
                    .map(BaselineHazard::PiecewiseConstant)
                    .map_err(|e| e.to_string()),
            }
        }
        _ => unreachable!("family checked above"),
    };
    match built {
        Ok(h) => Some(h),
        Err(msg) => {
            ctx.err(key, msg);
            None
        }
    }
}

/// Covariate effects of one transition, resolved against the cohort's columns
/// (None when the covariates had problems of their own: then effects are not
/// checked, so one mistake is not reported twice).
pub(super) fn effects(
    ctx: &mut Ctx,
    key: &str,
    table: &BTreeMap<String, BTreeMap<String, f64>>,
    columns: Option<&[ColumnInfo]>,
) -> Vec<Term> {
    let mut terms = Vec::new();
    let Some(columns) = columns else {
        return terms;
    };
    for (name, table) in table {
        let ekey = format!("{key}.effects.{name}");
        let Some((column, info)) = columns.iter().enumerate().find(|(_, c)| &c.name == name) else {
            let known: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            ctx.err(
                ekey,
                format!(
                    "no covariate `{name}` in this scenario (covariates: {})",
                    known.join(", ")
                ),
            );
            continue;
        };
        match &info.kind {
            ColumnKind::Levels(levels) => {
                let mut log_hr = vec![0.0; levels.len()];
                let mut ok = true;
                for (level, &hr) in table {
                    let Some(i) = levels.iter().position(|l| l == level) else {
                        ctx.err(
                            format!("{ekey}.{level}"),
                            format!(
                                "`{name}` has no level `{level}` (levels: {})",
                                levels.join(", ")
                            ),
                        );
                        ok = false;
                        continue;
                    };
                    if !(hr.is_finite() && hr > 0.0) {
                        ctx.err(
                            format!("{ekey}.{level}"),
                            format!(
                                "a ratio (hazard or odds) must be positive and finite, got {hr}"
                            ),
                        );
                        ok = false;
                        continue;
                    }
                    log_hr[i] = hr.ln();
                }
                if ok {
                    terms.push(Term::Level { column, log_hr });
                }
            }
            ColumnKind::Numeric => {
                let mut per_unit = None;
                let mut center = 0.0;
                let mut ok = true;
                for (k, &v) in table {
                    match k.as_str() {
                        "per_unit" => per_unit = Some(v),
                        "center" => center = v,
                        other => {
                            ctx.err(
                                format!("{ekey}.{other}"),
                                format!("`{name}` is numeric: its effect takes `per_unit` (HR per unit) and `center`, not `{other}`"),
                            );
                            ok = false;
                        }
                    }
                }
                match per_unit {
                    Some(hr) if hr.is_finite() && hr > 0.0 && center.is_finite() => {
                        if ok {
                            terms.push(Term::PerUnit { column, log_hr: hr.ln(), center });
                        }
                    }
                    Some(hr) => ctx.err(
                        format!("{ekey}.per_unit"),
                        format!("a ratio (hazard or odds) must be positive and finite, got {hr} (center {center})"),
                    ),
                    None => ctx.err(ekey, format!("`{name}` is numeric: give `per_unit`, the hazard ratio per unit")),
                }
            }
        }
    }
    terms
}

/// A resolved transition: its baseline hazard and its linear predictor.
struct Transition {
    hazard: BaselineHazard,
    predictor: LinearPredictor,
}

fn transition(
    ctx: &mut Ctx,
    key: &str,
    t: &RawTransition,
    columns: Option<&[ColumnInfo]>,
) -> Option<Transition> {
    if t.progression_hr_after.is_some() && !key.ends_with("discontinuation") {
        ctx.err(
            format!("{key}.progression_hr_after"),
            "only the discontinuation transition takes `progression_hr_after`",
        );
    }
    let hazard = baseline_hazard(ctx, key, t);
    let terms = effects(ctx, key, &t.effects, columns);
    Some(Transition {
        hazard: hazard?,
        predictor: LinearPredictor { offset: 0.0, terms },
    })
}

/// One arm's illness-death model and effects.
pub struct ArmModel {
    pub model: IllnessDeath,
    pub effects: ArmEffects,
}

fn pick<'a>(
    arm: Option<&'a RawTransition>,
    shared: Option<&'a RawTransition>,
    arm_key: &str,
    shared_key: &str,
) -> Option<(&'a RawTransition, String)> {
    match (arm, shared) {
        (Some(t), _) => Some((t, arm_key.to_string())),
        (None, Some(t)) => Some((t, shared_key.to_string())),
        (None, None) => None,
    }
}

/// Resolves the outcome model of arm `index`: its own transitions where given,
/// else the shared `[outcome]` ones, then its hazard ratios as offsets.
pub fn arm_model(
    ctx: &mut Ctx,
    index: usize,
    arm: &RawArm,
    shared: Option<&RawOutcome>,
    columns: Option<&[ColumnInfo]>,
) -> Option<ArmModel> {
    let empty = RawOutcome::default();
    let shared = shared.unwrap_or(&empty);
    let own = arm.outcome.as_ref().unwrap_or(&empty);
    let akey = format!("arms[{index}].outcome");
    let get = |ctx: &mut Ctx,
               name: &str,
               a: Option<&RawTransition>,
               s: Option<&RawTransition>,
               required: bool| {
        match pick(a, s, &format!("{akey}.{name}"), &format!("outcome.{name}")) {
            Some((t, key)) => transition(ctx, &key, t, columns).map(Some),
            None if required => {
                ctx.err(
                    format!("outcome.{name}"),
                    format!("arm `{}` has no `{name}` transition: give [outcome.{name}] or [arms.outcome.{name}]", arm.name),
                );
                None
            }
            None => Some(None),
        }
    };
    let prog = get(
        ctx,
        "progression",
        own.progression.as_ref(),
        shared.progression.as_ref(),
        true,
    );
    let before = get(
        ctx,
        "death_before_progression",
        own.death_before_progression.as_ref(),
        shared.death_before_progression.as_ref(),
        true,
    );
    let after = get(
        ctx,
        "death_after_progression",
        own.death_after_progression.as_ref(),
        shared.death_after_progression.as_ref(),
        true,
    );
    let disc_raw = own
        .discontinuation
        .as_ref()
        .or(shared.discontinuation.as_ref());
    let disc = get(
        ctx,
        "discontinuation",
        own.discontinuation.as_ref(),
        shared.discontinuation.as_ref(),
        false,
    );

    let clock_raw = own
        .death_clock
        .as_deref()
        .or(shared.death_clock.as_deref())
        .unwrap_or("reset");
    let clock = match clock_raw {
        "reset" => Some(DeathClock::Reset),
        "forward" => Some(DeathClock::Forward),
        other => {
            ctx.err(
                "outcome.death_clock",
                format!("expected `reset` or `forward`, got `{other}`"),
            );
            None
        }
    };

    let discontinuation = match (disc, disc_raw) {
        (Some(Some(d)), Some(raw)) => {
            let factor = raw.progression_hr_after.unwrap_or(1.0);
            if !(factor.is_finite() && factor > 0.0) {
                ctx.err(
                    "outcome.discontinuation.progression_hr_after",
                    format!("must be positive and finite, got {factor}"),
                );
                return None;
            }
            Some(Some((d, factor)))
        }
        (Some(None), _) => Some(None),
        _ => None,
    };

    let factors = arm.hazard_ratio.as_ref();
    let mut offset = |name: &str, v: Option<f64>| -> f64 {
        match v {
            None => 0.0,
            Some(hr) if hr.is_finite() && hr > 0.0 => hr.ln(),
            Some(hr) => {
                ctx.err(
                    format!("arms[{index}].hazard_ratio.{name}"),
                    format!("must be positive and finite, got {hr}"),
                );
                0.0
            }
        }
    };
    let off_prog = offset("progression", factors.and_then(|f| f.progression));
    let off_before = offset(
        "death_before_progression",
        factors.and_then(|f| f.death_before_progression),
    );
    let off_after = offset(
        "death_after_progression",
        factors.and_then(|f| f.death_after_progression),
    );

    let (mut prog, mut before, mut after) = (prog??, before??, after??);
    prog.predictor.offset += off_prog;
    before.predictor.offset += off_before;
    after.predictor.offset += off_after;
    let (disc_model, disc_pred) = match discontinuation? {
        Some((d, factor)) => (
            Some(Discontinuation {
                hazard: d.hazard,
                progression_multiplier: factor,
            }),
            d.predictor,
        ),
        None => (None, LinearPredictor::default()),
    };
    Some(ArmModel {
        model: IllnessDeath {
            progression: prog.hazard,
            death_before_progression: before.hazard,
            death_after_progression: after.hazard,
            clock: clock?,
            discontinuation: disc_model,
        },
        effects: ArmEffects {
            progression: prog.predictor,
            death_before_progression: before.predictor,
            death_after_progression: after.predictor,
            discontinuation: disc_pred,
        },
    })
}
