//! Study design: accrual window, cut-off, loss to follow-up, assessment
//! schedule, and the allocation of patients to arms.

use super::columns::{ColumnInfo, ColumnKind};
use super::Ctx;
use crate::design::{
    weeks_to_months, Accrual, AccrualShape, Allocation, Cutoff, Endpoint, ObservationDesign,
    Schedule,
};
use crate::scenario::calendar::Date;
use crate::scenario::raw::{RawArm, RawDesign, RawRandomisation, RawTime};

/// The resolved design, in months since the accrual start.
pub struct ResolvedDesign {
    pub accrual: Accrual,
    pub accrual_start: Option<Date>,
    pub accrual_months: f64,
    pub observation: ObservationDesign,
}

/// A calendar time in months since the accrual start; a date needs a dated start.
fn months(ctx: &mut Ctx, key: &str, t: &RawTime, start: Option<Date>) -> Option<f64> {
    match t {
        RawTime::Months(m) if m.is_finite() => Some(*m),
        RawTime::Months(m) => {
            ctx.err(key, format!("must be a finite number of months, got {m}"));
            None
        }
        RawTime::Date(dt) => match Date::from_toml(dt) {
            Err(msg) => {
                ctx.err(key, msg);
                None
            }
            Ok(date) => match start {
                Some(s) => Some(date.months_since(&s)),
                None => {
                    ctx.err(
                        key,
                        "is a date, but design.accrual.start is not: give the accrual start as a date too, or this time in months since the accrual start",
                    );
                    None
                }
            },
        },
    }
}

pub fn design(ctx: &mut Ctx, raw: &RawDesign) -> Option<ResolvedDesign> {
    let start = match &raw.accrual.start {
        None => None,
        Some(RawTime::Date(dt)) => match Date::from_toml(dt) {
            Ok(d) => Some(d),
            Err(msg) => {
                ctx.err("design.accrual.start", msg);
                return None;
            }
        },
        Some(RawTime::Months(m)) if *m == 0.0 => None,
        Some(RawTime::Months(m)) => {
            ctx.err(
                "design.accrual.start",
                format!("times are counted from the accrual start, so a start in months must be 0, got {m}; give a date instead"),
            );
            return None;
        }
    };
    let end = months(ctx, "design.accrual.end", &raw.accrual.end, start);
    let shape = match raw.accrual.shape.as_deref().unwrap_or("uniform") {
        "uniform" => {
            if raw.accrual.ramp_months.is_some() {
                ctx.err(
                    "design.accrual.ramp_months",
                    "only a `ramp` accrual takes `ramp_months`",
                );
            }
            Some(AccrualShape::Uniform)
        }
        "ramp" => match raw.accrual.ramp_months {
            Some(r) => Some(AccrualShape::Ramp { ramp_months: r }),
            None => {
                ctx.err(
                    "design.accrual.ramp_months",
                    "a `ramp` accrual needs `ramp_months`, the months until full speed",
                );
                None
            }
        },
        other => {
            ctx.err(
                "design.accrual.shape",
                format!("expected `uniform` or `ramp`, got `{other}`"),
            );
            None
        }
    };
    let accrual = match (end, shape) {
        (Some(end), Some(shape)) => match Accrual::new(end, shape) {
            Ok(a) => Some(a),
            Err(e) => {
                ctx.err("design.accrual", e.to_string());
                None
            }
        },
        _ => None,
    };

    let c = &raw.cutoff;
    let given = [
        c.date.is_some(),
        c.events.is_some(),
        c.min_followup.is_some(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    let cutoff = if given != 1 {
        ctx.err(
            "design.cutoff",
            "give exactly one of `date` (calendar cut-off), `events` (after that many events) or `min_followup` (months after the last entry)",
        );
        None
    } else if let Some(t) = &c.date {
        if c.endpoint.is_some() {
            ctx.err(
                "design.cutoff.endpoint",
                "only an event-driven cut-off (`events`) takes `endpoint`",
            );
        }
        months(ctx, "design.cutoff.date", t, start).and_then(|m| match end {
            Some(e) if m < e => {
                ctx.err(
                    "design.cutoff.date",
                    format!("the cut-off ({m:.2} months after the accrual start) is before the accrual ends ({e:.2} months)"),
                );
                None
            }
            _ if m <= 0.0 => {
                ctx.err("design.cutoff.date", "the cut-off is not after the accrual start");
                None
            }
            _ => Some(Cutoff::Calendar { month: m }),
        })
    } else if let Some(k) = c.events {
        let endpoint = match c.endpoint.as_deref().unwrap_or("pfs") {
            "pfs" => Some(Endpoint::Pfs),
            "os" => Some(Endpoint::Os),
            other => {
                ctx.err(
                    "design.cutoff.endpoint",
                    format!("expected `pfs` or `os`, got `{other}`"),
                );
                None
            }
        };
        if k < 1 || k > u32::MAX as i64 {
            ctx.err(
                "design.cutoff.events",
                format!("must be a positive number of events, got {k}"),
            );
            None
        } else {
            endpoint.map(|endpoint| Cutoff::AfterEvents {
                events: k as u32,
                endpoint,
            })
        }
    } else {
        let m = c.min_followup.unwrap_or(f64::NAN);
        if c.endpoint.is_some() {
            ctx.err(
                "design.cutoff.endpoint",
                "only an event-driven cut-off (`events`) takes `endpoint`",
            );
        }
        if m.is_finite() && m > 0.0 {
            Some(Cutoff::MinFollowup { months: m })
        } else {
            ctx.err(
                "design.cutoff.min_followup",
                format!("must be a positive number of months, got {m}"),
            );
            None
        }
    };

    let (schedule, censor_at_last) = match &raw.assessment {
        None => (Some(Schedule::Continuous), false),
        Some(a) => {
            let s = match (a.schedule.as_str(), a.every_weeks) {
                ("continuous", None) => Some(Schedule::Continuous),
                ("continuous", Some(_)) => {
                    ctx.err(
                        "design.assessment.every_weeks",
                        "a `continuous` schedule takes no `every_weeks`",
                    );
                    None
                }
                ("every", Some(w)) if w.is_finite() && w > 0.0 => Some(Schedule::Every {
                    interval: weeks_to_months(w),
                }),
                ("every", Some(w)) => {
                    ctx.err(
                        "design.assessment.every_weeks",
                        format!("must be a positive number of weeks, got {w}"),
                    );
                    None
                }
                ("every", None) => {
                    ctx.err(
                        "design.assessment.every_weeks",
                        "an `every` schedule needs `every_weeks`",
                    );
                    None
                }
                (other, _) => {
                    ctx.err(
                        "design.assessment.schedule",
                        format!("expected `continuous` or `every`, got `{other}`"),
                    );
                    None
                }
            };
            let default_censor = matches!(s, Some(Schedule::Every { .. }));
            (s, a.censor_at_last_assessment.unwrap_or(default_censor))
        }
    };

    let loss_rate = raw.loss_rate.unwrap_or(0.0);
    let observation = match (schedule, cutoff) {
        (Some(schedule), Some(cutoff)) => {
            match ObservationDesign::new(schedule, loss_rate, cutoff, censor_at_last) {
                Ok(o) => Some(o),
                Err(e) => {
                    ctx.err("design", e.to_string());
                    None
                }
            }
        }
        _ => None,
    };
    Some(ResolvedDesign {
        accrual: accrual?,
        accrual_start: start,
        accrual_months: end?,
        observation: observation?,
    })
}

/// Arms' allocation ratios and the randomisation method, with strata resolved
/// to cohort columns (which must be categorical).
pub fn allocation(
    ctx: &mut Ctx,
    arms: &[RawArm],
    raw: Option<&RawRandomisation>,
    columns: Option<&[ColumnInfo]>,
) -> Option<(Allocation, Vec<usize>)> {
    let mut ratios = Vec::with_capacity(arms.len());
    for (i, arm) in arms.iter().enumerate() {
        match arm.ratio.unwrap_or(1) {
            r if (1..=1000).contains(&r) => ratios.push(r as u32),
            r => ctx.err(
                format!("arms[{i}].ratio"),
                format!("must be a whole number from 1 to 1000, got {r}"),
            ),
        }
    }
    if ratios.len() != arms.len() {
        return None;
    }
    if arms.len() == 1 {
        if raw.is_some() {
            ctx.err(
                "randomisation",
                "a single-arm scenario has nothing to randomise",
            );
            return None;
        }
        return Some((Allocation::Single, Vec::new()));
    }
    let Some(raw) = raw else {
        ctx.err(
            "randomisation",
            "a scenario with several arms needs [randomisation] (method = \"blocked\" or \"simple\")",
        );
        return None;
    };
    let mut strata = Vec::new();
    // With covariate problems already reported (None), strata are not checked again.
    for (i, name) in raw.strata.iter().enumerate().filter(|_| columns.is_some()) {
        let columns = columns.unwrap_or_default();
        match columns.iter().position(|c| &c.name == name) {
            Some(col) if matches!(columns[col].kind, ColumnKind::Levels(_)) => strata.push(col),
            Some(_) => ctx.err(
                format!("randomisation.strata[{i}]"),
                format!("`{name}` is numeric; stratify by a categorical covariate or a band (e.g. age_band)"),
            ),
            None => ctx.err(format!("randomisation.strata[{i}]"), format!("no covariate `{name}` in this scenario")),
        }
    }
    let allocation = match raw.method.as_str() {
        "simple" => {
            if raw.block_size.is_some() {
                ctx.err(
                    "randomisation.block_size",
                    "simple randomisation takes no `block_size`",
                );
            }
            if !raw.strata.is_empty() {
                ctx.err(
                    "randomisation.strata",
                    "simple randomisation is not stratified; use method = \"blocked\"",
                );
            }
            Allocation::simple(ratios)
        }
        "blocked" => {
            let sum: u32 = ratios.iter().sum();
            let block = raw.block_size.unwrap_or(2 * sum as i64);
            if !(1..=100_000).contains(&block) {
                ctx.err(
                    "randomisation.block_size",
                    format!("must be a positive whole number, got {block}"),
                );
                return None;
            }
            Allocation::blocked(ratios, block as u32)
        }
        other => {
            ctx.err(
                "randomisation.method",
                format!("expected `blocked` or `simple`, got `{other}`"),
            );
            return None;
        }
    };
    match allocation {
        Ok(a) => Some((a, strata)),
        Err(e) => {
            ctx.err("randomisation", e.to_string());
            None
        }
    }
}
