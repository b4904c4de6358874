//! Restricted mean survival time (RMST) from the Kaplan-Meier curve, exactly
//! as survival 3.5.3 reports it in `summary(survfit(...), rmean = tau)$table`
//! (`"rmean"`, `"se(rmean)"`) and `print(fit, rmean = tau)`; both call the
//! internal `survival:::survmean`.
//!
//! # What survmean computes (and so do we)
//!
//! With `t_1 < ... < t_K` the curve's rows (event *and* censoring times) with
//! `t_j <= tau`, `S_j` the KM value after `t_j`, and `start = min(0, t_1)`:
//!
//! * estimate: the area under the step function from `start` to `tau`,
//!   `sum_j (t_{j+1} - t_j) S_j` with `t_0 = start`, `S_0 = 1`,
//!   `t_{K+1} = tau`, plus `start` (which is 0 for non-negative times).
//! * variance: `sum_j h_j A_j^2`, where `A_j` is the area from `t_j` to
//!   `tau` and `h_j = d_j / (n_j (n_j - d_j))` (0 when `n_j == d_j`). This is
//!   the Greenwood-type formula of Klein & Moeschberger with **no**
//!   `n / (n - 1)` small-sample factor; survRM2's `rmst1` uses the identical
//!   formula (the R fixture script checks the two agree to 1e-13), so
//!   survRM2 and survmean give the same SE.
//! * tau exactly at a time: that row is included (`time <= tau`), its
//!   rectangle has width 0 and its `h_j` multiplies an area of 0.
//! * tau beyond the last observed time: survmean extends the last value of
//!   the curve flat up to tau (no error, no NA; `print` only flags the
//!   column with `rmean*`). If the curve ended at 0 the area stops growing.
//!   survRM2's `rmst2` would refuse such a tau; we follow survmean.
//! * tau before the first observed time (with no `start.time`):
//!   `summary.survfit`/`print.survfit` stop with "Truncation point for the
//!   mean ... is < smallest survival"; we return `None`.
//!
//! A weighted fit ([`KaplanMeier::fit_weighted`]) works the same way with
//! `n_j`, `d_j` the summed case weights, because survmean reads the fit's
//! weighted `n.risk` / `n.event`; it keeps this Greenwood-type SE even when
//! the curve itself carries survfit's robust variance.
//!
//! Ties need no special handling: the curve already has one row per distinct
//! time with `d_j` deaths and `n_j` at risk, which is what survmean uses.
//!
//! Nothing here allocates; [`rmst_from_data`] refits a caller-owned scratch
//! [`KaplanMeier`], which itself stops allocating once warmed up.

use statrs::distribution::{ContinuousCDF, Normal};

use super::confidence::z_value;
use super::kaplan_meier::KaplanMeier;

/// RMST up to `tau` with its standard error (survmean's `rmean`, `se(rmean)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rmst {
    /// Truncation time (months).
    pub tau: f64,
    /// Restricted mean survival time, in the same unit as `tau`.
    pub estimate: f64,
    /// Standard error (square root of survmean's `varmean`).
    pub se: f64,
}

/// Difference `a - b` of two independent RMSTs with a normal (Wald) interval
/// and two-sided test, as survRM2's `rmst2` reports "RMST (arm=1)-(arm=0)".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmstDifference {
    pub estimate: f64,
    /// `sqrt(se_a^2 + se_b^2)`.
    pub se: f64,
    pub lower: f64,
    pub upper: f64,
    /// `estimate / se` (R arithmetic: `±Inf` if `se == 0` and the estimate is
    /// not, NaN if both are 0).
    pub z: f64,
    /// Two-sided p-value `2 * pnorm(-|z|)`.
    pub p: f64,
}

impl RmstDifference {
    const NAN: RmstDifference = RmstDifference {
        estimate: f64::NAN,
        se: f64::NAN,
        lower: f64::NAN,
        upper: f64::NAN,
        z: f64::NAN,
        p: f64::NAN,
    };
}

/// RMST up to `tau` from a fitted curve, as `summary(fit, rmean = tau)$table`.
///
/// Returns `None` when the fit is empty, `tau` is not finite, or `tau` is
/// before the first observed time (R stops with an error there). `tau`
/// beyond the last observed time is allowed and extends the curve flat, as
/// survmean does.
pub fn rmst(km: &KaplanMeier, tau: f64) -> Option<Rmst> {
    let time = km.time();
    let &first = time.first()?;
    if !tau.is_finite() || tau < first {
        return None;
    }
    let surv = km.surv();
    // survmean uses the fit's n.risk / n.event, i.e. the weighted sums for
    // a weighted fit (whatever variance the curve itself carries).
    let n_risk = km.weighted_n_risk();
    let n_event = km.weighted_n_event();
    // keep <- which(time <= end.time); non-empty because tau >= first.
    let k = time.partition_point(|&t| t <= tau);
    // start.time <- min(0, x$time)
    let start = first.min(0.0);

    // rectangles[j] = (temptime[j] - temptime[j-1]) * tempsurv[j-1], with
    // temptime = c(time[keep], tau), tempsurv = c(1, surv[keep]) shifted.
    let rect = |j: usize| -> f64 {
        // j in 0..=k; right end is time[j] (or tau for j == k).
        let right = if j == k { tau } else { time[j] };
        let (left, s) = if j == 0 {
            (start, 1.0)
        } else {
            (time[j - 1], surv[j - 1])
        };
        (right - left) * s
    };
    let mut area = 0.0;
    for j in 0..=k {
        area += rect(j);
    }
    // varmean <- sum(cumsum(rev(rectangles[-1]))^2 * rev(hh)[-1]): walk
    // backwards accumulating the area to the right of each kept row.
    let mut var = 0.0;
    let mut right_area = 0.0;
    for j in (0..k).rev() {
        right_area += rect(j + 1);
        let (nf, df) = (n_risk[j], n_event[j]);
        // hh <- ifelse(n.risk - n.event == 0, 0, n.event / (n.risk * (n.risk - n.event)))
        if nf - df != 0.0 {
            var += right_area * right_area * (df / (nf * (nf - df)));
        }
    }
    Some(Rmst {
        tau,
        estimate: area + start,
        se: var.sqrt(),
    })
}

/// Fits `scratch` to the data (`survfit(Surv(time, event) ~ 1)`) and returns
/// [`rmst`] of it. Pass a long-lived `KaplanMeier` so the hot path does not
/// allocate; slices of unequal length use their common prefix.
pub fn rmst_from_data(
    time: &[f64],
    event: &[bool],
    tau: f64,
    scratch: &mut KaplanMeier,
) -> Option<Rmst> {
    scratch.fit(time, event);
    rmst(scratch, tau)
}

/// [`rmst_difference_with`] at the 95% level.
pub fn rmst_difference(a: &Rmst, b: &Rmst) -> RmstDifference {
    rmst_difference_with(a, b, 0.95)
}

/// Difference `a - b` of RMSTs from two independent groups:
/// `se = sqrt(se_a^2 + se_b^2)`, interval `estimate ± qnorm(1 - (1 - level)/2) * se`,
/// `z = estimate / se`, `p = 2 * pnorm(-|z|)` (survRM2's `rmst2` formulas,
/// fed with survmean's SEs, which equal survRM2's).
///
/// Every field is NaN when the two RMSTs were computed at different `tau`
/// (the contrast would be meaningless); `lower`/`upper` are NaN when `level`
/// is outside (0, 1). Never panics.
pub fn rmst_difference_with(a: &Rmst, b: &Rmst, level: f64) -> RmstDifference {
    if a.tau != b.tau {
        return RmstDifference::NAN;
    }
    let estimate = a.estimate - b.estimate;
    let se = (a.se * a.se + b.se * b.se).sqrt();
    let half = z_value(level) * se;
    let z = estimate / se;
    let p = if z.is_nan() {
        f64::NAN
    } else {
        2.0 * Normal::standard().cdf(-z.abs())
    };
    RmstDifference {
        estimate,
        se,
        lower: estimate - half,
        upper: estimate + half,
        z,
        p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(time: &[f64], event: &[bool]) -> KaplanMeier {
        let mut km = KaplanMeier::new();
        km.fit(time, event);
        km
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let km = fit(&[], &[]);
        assert_eq!(rmst(&km, 1.0), None);
        let km = fit(&[2.0, 3.0], &[true, false]);
        assert_eq!(rmst(&km, 1.0), None, "tau before first time: R errors");
        assert_eq!(rmst(&km, f64::NAN), None);
        assert_eq!(rmst(&km, f64::INFINITY), None);
        // All censored: S = 1 throughout, RMST = tau, SE 0.
        let km = fit(&[2.0, 3.0], &[false, false]);
        let r = rmst(&km, 10.0).unwrap();
        assert_eq!((r.estimate, r.se), (10.0, 0.0));
    }

    #[test]
    fn hand_computed_example() {
        // S = 1 on [0,1), 2/3 on [1,2), 1/3 on [2,3), 0 after 3 (n = 3).
        let km = fit(&[1.0, 2.0, 3.0], &[true, true, true]);
        let r = rmst(&km, 5.0).unwrap();
        assert!((r.estimate - 2.0).abs() < 1e-15);
        // h = 1/6 at t=1 with area-after 1, 1/2 at t=2 with area-after 1/3.
        let var: f64 = 1.0 / 6.0 + 0.5 / 9.0;
        assert!((r.se - var.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn difference_edge_cases() {
        let a = Rmst {
            tau: 5.0,
            estimate: 3.0,
            se: 0.0,
        };
        let b = Rmst { estimate: 2.0, ..a };
        let d = rmst_difference(&a, &b);
        assert_eq!((d.z, d.p), (f64::INFINITY, 0.0));
        let d = rmst_difference(&a, &a);
        assert!(d.z.is_nan() && d.p.is_nan());
        let c = Rmst { tau: 6.0, ..a };
        assert!(rmst_difference(&a, &c).estimate.is_nan());
        assert!(rmst_difference_with(&a, &b, 1.5).lower.is_nan());
    }
}
