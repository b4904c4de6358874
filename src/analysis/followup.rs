//! Median follow-up by the reverse Kaplan-Meier method (Schemper & Smith 1996).
//!
//! Papers report follow-up this way because the naive median of observed
//! times is dragged down by early deaths; flipping the indicator makes
//! censoring the "event", so the curve estimates how long patients would have
//! been followed had they not died.

use super::confidence::ConfType;
use super::kaplan_meier::KaplanMeier;
use super::quantile::QuantileEstimate;

/// Median follow-up with 95% log-transformed CI, exactly as
/// `quantile(survfit(Surv(time, 1 - status) ~ 1), 0.5)` with survfit's defaults.
///
/// `scratch` is overwritten with the reverse fit; pass a long-lived
/// `KaplanMeier` so the hot path does not allocate.
pub fn median_followup(
    time: &[f64],
    event: &[bool],
    scratch: &mut KaplanMeier,
) -> QuantileEstimate {
    median_followup_with(time, event, ConfType::Log, 0.95, scratch)
}

/// As [`median_followup`] with an explicit `conf.type` and `conf.int`.
pub fn median_followup_with(
    time: &[f64],
    event: &[bool],
    conf: ConfType,
    level: f64,
    scratch: &mut KaplanMeier,
) -> QuantileEstimate {
    scratch.fit_reverse(time, event);
    scratch.median(conf, level)
}
