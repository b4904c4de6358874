//! The endpoints papers report beside PFS: best response (with its link to
//! the progression hazard) and binary adverse events.

use super::columns::ColumnInfo;
use super::outcome::effects;
use super::Ctx;
use crate::outcomes::adverse_events::AdverseEvent;
use crate::outcomes::death_cause::DeathCauses;
use crate::outcomes::effects::LinearPredictor;
use crate::outcomes::response::{Response, ResponseLink, ResponseModel};
use crate::scenario::raw::{RawAdverseEvent, RawArm, RawDeathCauses, RawResponse};
use crate::scenario::{AdverseEventSpec, ResponseSpec};
use std::collections::BTreeMap;

const LEVELS: &str = "CR, VGPR, PR, MR, SD, PD, NE";

/// A table keyed by response level, as an array in `Response::ALL` order.
fn by_level(
    ctx: &mut Ctx,
    key: &str,
    table: &BTreeMap<String, f64>,
    default: f64,
) -> Option<[f64; 7]> {
    let mut out = [default; 7];
    let mut ok = true;
    for (name, &v) in table {
        match name.parse::<Response>() {
            Ok(r) => out[r.index()] = v,
            Err(_) => {
                ctx.err(
                    format!("{key}.{name}"),
                    format!("not a response level; levels are {LEVELS}"),
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

pub fn response(
    ctx: &mut Ctx,
    raw: &RawResponse,
    arms: &[RawArm],
    columns: Option<&[ColumnInfo]>,
) -> Option<ResponseSpec> {
    let model = match (&raw.probs, &raw.counts) {
        (Some(p), None) => by_level(ctx, "response.probs", p, 0.0).and_then(|p| {
            ResponseModel::from_probabilities(p)
                .map_err(|e| ctx.err("response.probs", e.to_string()))
                .ok()
        }),
        (None, Some(c)) => by_level(ctx, "response.counts", c, 0.0).and_then(|c| {
            if c.iter()
                .any(|x| !(x.is_finite() && *x >= 0.0 && x.fract() == 0.0))
            {
                ctx.err("response.counts", "counts must be whole numbers >= 0");
                return None;
            }
            ResponseModel::from_counts(c.map(|x| x as u64))
                .map_err(|e| ctx.err("response.counts", e.to_string()))
                .ok()
        }),
        _ => {
            ctx.err(
                "response",
                format!("give exactly one of `probs` or `counts`, keyed by level ({LEVELS})"),
            );
            None
        }
    };
    let link = match &raw.progression_hr {
        None => Some(None),
        Some(t) => by_level(ctx, "response.progression_hr", t, 1.0).and_then(|hr| {
            ResponseLink::new(hr)
                .map(Some)
                .map_err(|e| ctx.err("response.progression_hr", e.to_string()))
                .ok()
        }),
    };
    let terms = effects(ctx, "response", &raw.effects, columns);
    let mut arm_offsets = Vec::with_capacity(arms.len());
    for (i, a) in arms.iter().enumerate() {
        match a.response_odds_ratio {
            None => arm_offsets.push(0.0),
            Some(or) if or.is_finite() && or > 0.0 => arm_offsets.push(or.ln()),
            Some(or) => {
                ctx.err(
                    format!("arms[{i}].response_odds_ratio"),
                    format!("must be positive and finite, got {or}"),
                );
                arm_offsets.push(0.0);
            }
        }
    }
    Some(ResponseSpec {
        model: model?,
        link: link?,
        predictor: LinearPredictor { offset: 0.0, terms },
        arm_offsets,
    })
}

pub fn death_causes(ctx: &mut Ctx, raw: &RawDeathCauses) -> Option<DeathCauses> {
    let total: f64 = raw.other.values().sum();
    if !(total.is_finite() && total > 0.0)
        || raw.other.values().any(|v| !(v.is_finite() && *v >= 0.0))
    {
        ctx.err(
            "death_causes.other",
            "weights must be finite, >= 0 and not all 0",
        );
        return None;
    }
    let pairs: Vec<(&str, f64)> = raw
        .other
        .iter()
        .map(|(k, v)| (k.as_str(), v / total))
        .collect();
    DeathCauses::new(&pairs, raw.progression_after)
        .map_err(|e| ctx.err("death_causes", e.to_string()))
        .ok()
}

pub fn adverse_events(
    ctx: &mut Ctx,
    raw: &[RawAdverseEvent],
    columns: Option<&[ColumnInfo]>,
) -> Vec<AdverseEventSpec> {
    let mut out: Vec<AdverseEventSpec> = Vec::new();
    for (i, ae) in raw.iter().enumerate() {
        let key = format!("adverse_events[{i}]");
        if !ae
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            || ae.name.is_empty()
        {
            ctx.err(
                format!("{key}.name"),
                format!(
                    "`{}`: use letters, digits and _ (it becomes a column name)",
                    ae.name
                ),
            );
            continue;
        }
        if out.iter().any(|o| o.event.name() == ae.name) {
            ctx.err(
                format!("{key}.name"),
                format!("`{}` is named twice", ae.name),
            );
            continue;
        }
        let event = match (ae.p, ae.count, ae.n) {
            (Some(p), None, None) => AdverseEvent::new(ae.name.clone(), p),
            (None, Some(c), Some(n))
                if c >= 0.0 && n >= 0.0 && c.fract() == 0.0 && n.fract() == 0.0 =>
            {
                AdverseEvent::from_count(ae.name.clone(), c as u64, n as u64)
            }
            _ => {
                ctx.err(&key, "give `p`, or whole `count` and `n`");
                continue;
            }
        };
        let terms = effects(ctx, &key, &ae.effects, columns);
        match event {
            Ok(event) => out.push(AdverseEventSpec {
                event,
                predictor: LinearPredictor { offset: 0.0, terms },
            }),
            Err(e) => ctx.err(&key, e.to_string()),
        }
    }
    out
}
