//! Pointwise confidence intervals for a survival probability, as
//! `survival:::survfit_confint` (survival 3.5.3) builds them for `survfit`.
//!
//! The standard error passed in is survfit's `std.err`. For ordinary and
//! Greenwood-weighted fits that is the standard error of the cumulative
//! hazard (`logse = TRUE` in R); for the robust (infinitesimal jackknife)
//! variance survfit uses with non-integer case weights it is the standard
//! error of the survival itself (`logse = FALSE`), see
//! [`interval_z_surv_se`]. Either way the formulas are R's with
//! `selow = std.err` (`conf.lower = "usual"`). The arithmetic is kept in R's
//! operation order so results agree with R to the last few ulps, including
//! R's missing values.

use std::f64::consts::FRAC_PI_2;
use std::fmt;
use std::str::FromStr;

use statrs::distribution::{ContinuousCDF, Normal};

/// Transformation used for the pointwise interval (survfit's `conf.type`).
///
/// `Log` is the default because it is survfit's default; papers that quote R
/// output without saying otherwise used it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConfType {
    /// Symmetric on the survival scale, clipped to [0, 1].
    Plain,
    /// Symmetric on log S; upper limit capped at 1.
    #[default]
    Log,
    /// Symmetric on log(-log S); undefined (NA) where S is 0 or 1.
    LogLog,
    /// Symmetric on log(S / (1 - S)).
    Logit,
    /// Symmetric on asin(sqrt(S)).
    Arcsin,
}

impl ConfType {
    /// All variants, in the order the R fixtures list them.
    pub const ALL: [ConfType; 5] = [
        ConfType::Plain,
        ConfType::Log,
        ConfType::LogLog,
        ConfType::Logit,
        ConfType::Arcsin,
    ];

    /// The spelling R uses for `conf.type`, so reports can quote it verbatim.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfType::Plain => "plain",
            ConfType::Log => "log",
            ConfType::LogLog => "log-log",
            ConfType::Logit => "logit",
            ConfType::Arcsin => "arcsin",
        }
    }
}

impl fmt::Display for ConfType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when a string is not one of R's `conf.type` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseConfTypeError(pub String);

impl fmt::Display for ParseConfTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown conf type {:?} (expected plain, log, log-log, logit or arcsin)",
            self.0
        )
    }
}

impl std::error::Error for ParseConfTypeError {}

impl FromStr for ConfType {
    type Err = ParseConfTypeError;

    /// Accepts exactly R's spellings so configuration files can be shared with R scripts.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "plain" => Ok(ConfType::Plain),
            "log" => Ok(ConfType::Log),
            "log-log" => Ok(ConfType::LogLog),
            "logit" => Ok(ConfType::Logit),
            "arcsin" => Ok(ConfType::Arcsin),
            other => Err(ParseConfTypeError(other.to_string())),
        }
    }
}

/// Two-sided normal critical value, `qnorm(1 - (1 - level) / 2)` as R writes it.
///
/// Returns NaN for a level outside (0, 1) instead of panicking, so a bad
/// configuration shows up as missing intervals rather than a crash mid-run.
pub fn z_value(level: f64) -> f64 {
    if level > 0.0 && level < 1.0 {
        Normal::standard().inverse_cdf(1.0 - (1.0 - level) / 2.0)
    } else {
        f64::NAN
    }
}

/// One pointwise interval plus R's NA/NaN distinction for each bound.
///
/// R distinguishes NA (introduced on purpose, e.g. `ifelse(p == 0, NA, p)`)
/// from NaN (arising from arithmetic such as `0 * Inf`). Both are "missing"
/// to users, but `quantile.survfit` de-duplicates the curve with
/// `duplicated()`, which treats NA and NaN as different values; to reproduce
/// its quantiles exactly we have to know which one R would have produced.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RInterval {
    pub lower: f64,
    pub upper: f64,
    pub lower_na: bool,
    pub upper_na: bool,
}

/// R's `pmax`/`pmin` propagate NaN; `f64::max`/`min` would silently drop it.
#[inline]
fn pmax(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

#[inline]
fn pmin(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `survfit_confint(p, se, logse = TRUE, conf.type, selow = se)` for one point.
///
/// `z` is passed in (see [`z_value`]) so callers looping over a curve pay for
/// the normal quantile once.
pub(crate) fn interval_z(p: f64, se: f64, conf: ConfType, z: f64) -> RInterval {
    both_sides(|side| bound_z(p, se, conf, z, side))
}

/// `survfit_confint(p, se, logse = FALSE, conf.type, selow = se)`: as
/// [`interval_z`] for a standard error of the survival probability itself,
/// which is what survfit's robust (infinitesimal jackknife) variance gives.
///
/// R first converts it to the log scale, `se <- ifelse(se == 0, 0, se / p)`
/// (so `Inf` where S is 0 and se is not), after computing `scale` from the
/// untransformed value; the rest is the `logse = TRUE` formula.
pub(crate) fn interval_z_surv_se(p: f64, se: f64, conf: ConfType, z: f64) -> RInterval {
    both_sides(|side| bound_z_surv_se(p, se, conf, z, side))
}

/// An interval from its two sides.
pub(crate) fn both_sides(bound: impl Fn(Side) -> (f64, bool)) -> RInterval {
    let (lower, lower_na) = bound(Side::Lower);
    let (upper, upper_na) = bound(Side::Upper);
    RInterval {
        lower,
        upper,
        lower_na,
        upper_na,
    }
}

/// `scale <- ifelse(selow == 0, 1, selow / se)` with `selow = se`: 1 for a
/// finite se, NaN for se = Inf (the row where S drops to 0, Inf / Inf), NA
/// (the flag) when se is NaN.
fn selow_scale(se: f64) -> (f64, bool) {
    let scale = if se.is_finite() { 1.0 } else { f64::NAN };
    (scale, se.is_nan())
}

/// Which side of a pointwise interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Lower,
    Upper,
}

/// One side of the transform step of `survfit_confint` once `se` is on the
/// log scale (value and R-NA flag), in R's operation order; `se_na` marks an
/// `se` that R holds as NA (so both bounds are NA). One side at a time, so a
/// search that needs only one band pays for one.
#[allow(clippy::too_many_arguments)]
#[inline]
fn transformed_bound(
    p: f64,
    se: f64,
    se_na: bool,
    scale: f64,
    scale_na: bool,
    conf: ConfType,
    z: f64,
    side: Side,
) -> (f64, bool) {
    // xx <- ifelse(p == 0 [| p == 1], NA, p)
    let xx_na = match conf {
        ConfType::Plain => false,
        ConfType::LogLog => p == 0.0 || p == 1.0,
        _ => p == 0.0,
    };
    let xx = if xx_na { f64::NAN } else { p };
    let lower = side == Side::Lower;
    let value = match conf {
        ConfType::Plain => {
            let se2 = se * p * z;
            if lower {
                pmax(p - se2 * scale, 0.0)
            } else {
                pmin(p + se2, 1.0)
            }
        }
        ConfType::Log => {
            let se2 = z * se;
            if lower {
                (xx.ln() - se2 * scale).exp()
            } else {
                pmin((xx.ln() + se2).exp(), 1.0)
            }
        }
        ConfType::LogLog => {
            let se2 = z * se / xx.ln();
            let lll = (-xx.ln()).ln();
            if lower {
                (-(lll - se2 * scale).exp()).exp()
            } else {
                (-(lll + se2).exp()).exp()
            }
        }
        ConfType::Logit => {
            let se2 = z * se * (1.0 + xx / (1.0 - xx));
            // R uses p (not xx) inside the logit.
            let lgt = (p / (1.0 - p)).ln();
            if lower {
                1.0 - 1.0 / (1.0 + (lgt - se2 * scale).exp())
            } else {
                1.0 - 1.0 / (1.0 + (lgt + se2).exp())
            }
        }
        ConfType::Arcsin => {
            let se2 = 0.5 * z * se * (xx / (1.0 - xx)).sqrt();
            let a = xx.sqrt().asin();
            let b = if lower {
                pmax(0.0, a - se2 * scale).sin()
            } else {
                pmin(FRAC_PI_2, a + se2).sin()
            };
            b * b
        }
    };
    let na = if lower {
        xx_na || scale_na || se_na
    } else {
        xx_na || se_na
    };
    (value, na)
}

/// One side of [`interval_z`].
#[inline]
pub(crate) fn bound_z(p: f64, se: f64, conf: ConfType, z: f64, side: Side) -> (f64, bool) {
    let (scale, scale_na) = selow_scale(se);
    transformed_bound(p, se, false, scale, scale_na, conf, z, side)
}

/// One side of [`interval_z_surv_se`] (R first converts `se` to the log
/// scale: see there).
#[inline]
pub(crate) fn bound_z_surv_se(p: f64, se: f64, conf: ConfType, z: f64, side: Side) -> (f64, bool) {
    let (scale, scale_na) = selow_scale(se);
    // ifelse(NaN == 0, ...) is NA, not NaN.
    let se_na = se.is_nan();
    let se_log = if se == 0.0 { 0.0 } else { se / p };
    transformed_bound(p, se_log, se_na, scale, scale_na, conf, z, side)
}

/// survfit's pointwise `(lower, upper)` for survival `surv` whose cumulative
/// hazard has standard error `std_err` (survfit's `std.err`).
///
/// Missing values (R's NA or NaN) come back as NaN, e.g. both bounds when
/// `surv == 0`, and both log-log bounds when `surv == 1`.
pub fn pointwise_interval(surv: f64, std_err: f64, conf: ConfType, level: f64) -> (f64, f64) {
    let iv = interval_z(surv, std_err, conf, z_value(level));
    (iv.lower, iv.upper)
}

/// As [`pointwise_interval`] for `std_err` on the survival scale (survfit's
/// `logse = FALSE`, as with its robust variance for weighted curves).
pub fn pointwise_interval_surv_se(
    surv: f64,
    std_err: f64,
    conf: ConfType,
    level: f64,
) -> (f64, f64) {
    let iv = interval_z_surv_se(surv, std_err, conf, z_value(level));
    (iv.lower, iv.upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_r_names_and_round_trips() {
        for c in ConfType::ALL {
            assert_eq!(c.as_str().parse::<ConfType>().unwrap(), c);
        }
        assert!("loglog".parse::<ConfType>().is_err());
        assert_eq!(ConfType::default(), ConfType::Log);
    }

    #[test]
    fn z_matches_qnorm_and_rejects_bad_levels() {
        assert!((z_value(0.95) - 1.959_963_984_540_054).abs() < 1e-13);
        assert!(z_value(1.0).is_nan() && z_value(0.0).is_nan() && z_value(f64::NAN).is_nan());
    }

    #[test]
    fn edge_cases_follow_r() {
        // S = 1 with se = 0: log-log undefined, logit/arcsin NaN (0 * Inf in R).
        let iv = interval_z(1.0, 0.0, ConfType::LogLog, 1.96);
        assert!(iv.lower.is_nan() && iv.lower_na && iv.upper_na);
        let iv = interval_z(1.0, 0.0, ConfType::Logit, 1.96);
        assert!(iv.lower.is_nan() && !iv.lower_na);
        let (l, u) = pointwise_interval(1.0, 0.0, ConfType::Log, 0.95);
        assert_eq!((l, u), (1.0, 1.0));
        // Survival-scale se: S = 0 with se = 0 (the robust variance once the
        // curve has dropped to 0) gives plain bounds 0, NA for the others.
        assert_eq!(
            pointwise_interval_surv_se(0.0, 0.0, ConfType::Plain, 0.95),
            (0.0, 0.0)
        );
        let (l, u) = pointwise_interval_surv_se(0.0, 0.0, ConfType::Log, 0.95);
        assert!(l.is_nan() && u.is_nan());
        // se / S on the log scale: equals the cumulative-hazard-scale interval.
        let (a, b) = pointwise_interval(0.8, 0.1, ConfType::LogLog, 0.9);
        let (c, d) = pointwise_interval_surv_se(0.8, 0.08, ConfType::LogLog, 0.9);
        assert!((a - c).abs() < 1e-15 && (b - d).abs() < 1e-15);
        // S = 0 with se = Inf: everything missing.
        for c in ConfType::ALL {
            let (l, u) = pointwise_interval(0.0, f64::INFINITY, c, 0.95);
            assert!(l.is_nan() && u.is_nan(), "{c}");
        }
    }
}
