//! Exponential and Weibull maximum likelihood for right-censored data, as
//! `survreg(Surv(time, status) ~ 1, dist = "exponential" / "weibull")` in
//! survival 3.5.3 reports it.
//!
//! # survreg's parameterisation (accelerated failure time)
//!
//! survreg models `log T = mu + sigma * W`, with `W` the standard (minimum)
//! extreme-value distribution, `P(W > w) = exp(-e^w)`. It reports
//!
//! * `coef(fit)["(Intercept)"]` = `mu` → [`ParametricFit::intercept`];
//! * `fit$scale` = `sigma` (fixed at 1 for the exponential) and its log,
//!   `"Log(scale)"`, which is the second parameter of `fit$var`
//!   → [`ParametricFit::scale`], [`ParametricFit::log_scale`];
//! * `fit$var` = inverse observed information in `(mu, log sigma)`
//!   → [`ParametricFit::covariance`] (for the exponential only the `[0][0]`
//!   entry is estimated; the others are 0 because sigma is fixed);
//! * `fit$loglik[2]` = log-likelihood **on the time scale**, i.e. including
//!   the Jacobian `-sum(log t_i)` over events (survreg's `logcorrect`)
//!   → [`ParametricFit::loglik`].
//!
//! Mapping to the hazard parameterisation
//! `S(t) = exp(-(t / lambda)^k)`, `h(t) = (k / lambda) (t / lambda)^(k - 1)`
//! (R's `rweibull(shape = k, scale = lambda)`):
//!
//! * Weibull shape `k = 1 / sigma` ([`ParametricFit::shape`]);
//! * Weibull scale `lambda = exp(mu)` ([`ParametricFit::weibull_scale`]);
//! * proportional-hazards form `S(t) = exp(-rho t^k)`: `rho = exp(-mu / sigma)`;
//! * exponential rate `= exp(-mu)` ([`ParametricFit::rate`]; 1/mean).
//!
//! # Quantiles and the delta method
//!
//! `predict(fit, type = "quantile", p, se.fit = TRUE)`: with
//! `w_p = log(-log(1 - p))` (so `w_0.5 = log(log 2)`),
//! `t_p = exp(mu + sigma * w_p)`; the SE is computed on the log scale with
//! gradient `(1, sigma * w_p)` with respect to `(mu, log sigma)` (just `1`
//! for the exponential), `se_log = sqrt(g' V g)`, and mapped back by
//! `se = se_log * t_p` (R's `se / dtrans(pred)`, `dtrans(t) = 1/t`).
//!
//! # Fitting
//!
//! Exponential: closed form, `mu = log(sum t / d)`, `var = 1 / d`,
//! `loglik = -d (mu + 1)` (the value survreg's iterations converge to).
//!
//! Weibull: Newton-Raphson with step halving in `(beta, k)`, where
//! `k = 1 / sigma` and `beta = k (c - mu)` with `c = max log t`. In these
//! coordinates the log-likelihood is strictly concave (linear terms plus
//! `d log k` minus a sum of exponentials of affine functions), so damped
//! Newton from the exponential fit (`k = 1`) converges from that start for
//! any data with a finite maximum; centring at `c` keeps every exponential
//! `<= e^beta`, so nothing overflows. Iteration stops when the Newton step
//! is below 1e-12 relative, far tighter than survreg's default
//! `rel.tolerance = 1e-9` on the log-likelihood; the covariance is then the
//! inverse of the exact observed information in `(mu, log sigma)` at the
//! estimate, as survreg does.
//!
//! The Weibull MLE is finite iff at least one event time is strictly below
//! the largest observed time; otherwise the likelihood increases without
//! bound as `sigma -> 0` and we return [`FitError::NoFiniteMaximum`]
//! (survreg would stop at its iteration limit with a warning).
//!
//! Nothing here allocates: every iteration is a pass over the input slices.

use std::fmt;

/// Which survreg distribution was fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Distribution {
    Exponential,
    Weibull,
}

impl Distribution {
    /// survreg's `dist` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::Exponential => "exponential",
            Distribution::Weibull => "weibull",
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a parametric fit failed. The fitters never panic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FitError {
    /// No observations (after truncating to the common slice length).
    Empty,
    /// No events: the likelihood has no maximum (mu -> infinity).
    NoEvents,
    /// A time that is not finite and strictly positive (survreg: "Invalid
    /// survival times for this distribution").
    InvalidTime { index: usize, time: f64 },
    /// Weibull with every event at the largest observed time: the
    /// likelihood grows without bound as the scale goes to 0.
    NoFiniteMaximum,
    /// Newton-Raphson did not converge (should not happen for valid data).
    NotConverged { iterations: usize },
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::Empty => write!(f, "no observations"),
            FitError::NoEvents => {
                write!(f, "no events: maximum likelihood estimate does not exist")
            }
            FitError::InvalidTime { index, time } => {
                write!(
                    f,
                    "invalid survival time {time} at index {index} (must be finite and > 0)"
                )
            }
            FitError::NoFiniteMaximum => write!(
                f,
                "all events at the largest observed time: Weibull scale estimate is 0"
            ),
            FitError::NotConverged { iterations } => {
                write!(
                    f,
                    "Newton-Raphson did not converge in {iterations} iterations"
                )
            }
        }
    }
}

impl std::error::Error for FitError {}

/// An intercept-only survreg fit (see the module docs for the mapping).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParametricFit {
    pub distribution: Distribution,
    /// Number of observations used.
    pub n: usize,
    /// Number of events.
    pub events: usize,
    /// survreg's `(Intercept)`: mu, the location of log T.
    pub intercept: f64,
    /// survreg's `Log(scale)`: log sigma (0 for the exponential).
    pub log_scale: f64,
    /// survreg's `scale`: sigma = exp(log_scale) (1 for the exponential).
    pub scale: f64,
    /// survreg's `var`, ordered `(intercept, log_scale)`. For the
    /// exponential only `[0][0]` is estimated; the log-scale row and column
    /// are 0.
    pub covariance: [[f64; 2]; 2],
    /// survreg's `loglik[2]` (time scale, includes `-sum(log t)` over events).
    pub loglik: f64,
    /// Newton iterations used (0 for the closed-form exponential).
    pub iterations: usize,
}

/// A survival-time quantile from a parametric fit with its delta-method SE,
/// as `predict(fit, type = "quantile", p = p, se.fit = TRUE)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParametricQuantile {
    pub p: f64,
    pub estimate: f64,
    pub se: f64,
}

impl ParametricFit {
    /// Weibull shape `k = 1 / scale` (1 for the exponential).
    pub fn shape(&self) -> f64 {
        1.0 / self.scale
    }

    /// Weibull scale `lambda = exp(intercept)` in `S(t) = exp(-(t/lambda)^k)`.
    pub fn weibull_scale(&self) -> f64 {
        self.intercept.exp()
    }

    /// Exponential hazard rate `exp(-intercept)`; for a Weibull fit this is
    /// `1 / lambda`, the rate at which `(t / lambda)` is measured.
    pub fn rate(&self) -> f64 {
        (-self.intercept).exp()
    }

    /// Fitted survival function `S(t) = exp(-(t / lambda)^k)`.
    pub fn survival(&self, t: f64) -> f64 {
        if t <= 0.0 {
            return 1.0;
        }
        (-((t.ln() - self.intercept) / self.scale).exp()).exp()
    }

    /// Fitted hazard `h(t) = (k / lambda) (t / lambda)^(k - 1)`.
    pub fn hazard(&self, t: f64) -> f64 {
        let k = self.shape();
        let lambda = self.weibull_scale();
        k / lambda * (t / lambda).powf(k - 1.0)
    }

    /// Quantile `t_p` (time by which a fraction `p` has had the event) with
    /// its delta-method SE, as `predict(fit, type = "quantile", p = p,
    /// se.fit = TRUE)`. `None` unless `0 < p < 1`.
    pub fn quantile(&self, p: f64) -> Option<ParametricQuantile> {
        if !(p > 0.0 && p < 1.0) {
            return None;
        }
        // Extreme-value quantile, survreg.distributions$extreme$quantile.
        Some(self.quantile_at(p, (-(-p).ln_1p()).ln()))
    }

    /// Median survival time and its SE ([`quantile`](Self::quantile) at 0.5).
    pub fn median(&self) -> ParametricQuantile {
        self.quantile_at(0.5, std::f64::consts::LN_2.ln())
    }

    fn quantile_at(&self, p: f64, w: f64) -> ParametricQuantile {
        let estimate = (self.intercept + w * self.scale).exp();
        let v = &self.covariance;
        let var = match self.distribution {
            // Fixed scale: gradient is just 1 (R's `fixedscale` branch).
            Distribution::Exponential => v[0][0],
            Distribution::Weibull => {
                let g = w * self.scale;
                v[0][0] + 2.0 * g * v[0][1] + g * g * v[1][1]
            }
        };
        ParametricQuantile {
            p,
            estimate,
            se: var.sqrt() * estimate,
        }
    }
}

/// Validates the data: common prefix, times finite and > 0, at least one
/// event. Returns (n, events).
fn check(time: &[f64], event: &[bool]) -> Result<(usize, usize), FitError> {
    let n = time.len().min(event.len());
    if n == 0 {
        return Err(FitError::Empty);
    }
    for (index, &t) in time[..n].iter().enumerate() {
        if !(t > 0.0 && t.is_finite()) {
            return Err(FitError::InvalidTime { index, time: t });
        }
    }
    let events = event[..n].iter().filter(|&&e| e).count();
    if events == 0 {
        return Err(FitError::NoEvents);
    }
    Ok((n, events))
}

/// `survreg(Surv(time, event) ~ 1, dist = "exponential")`.
///
/// Slices of unequal length use their common prefix.
pub fn fit_exponential(time: &[f64], event: &[bool]) -> Result<ParametricFit, FitError> {
    let (n, events) = check(time, event)?;
    let total: f64 = time[..n].iter().sum();
    let d = events as f64;
    let intercept = (total / d).ln();
    Ok(ParametricFit {
        distribution: Distribution::Exponential,
        n,
        events,
        intercept,
        log_scale: 0.0,
        scale: 1.0,
        covariance: [[1.0 / d, 0.0], [0.0, 0.0]],
        loglik: -d * (intercept + 1.0),
        iterations: 0,
    })
}

/// Maximum Newton iterations for the Weibull fit.
const MAX_ITER: usize = 200;
/// Relative Newton step at which the Weibull fit is declared converged; the
/// next step would be below 1e-20 (quadratic convergence), so the estimate
/// is at machine precision.
const STEP_TOL: f64 = 1e-12;

/// Log-likelihood (without the constant `-sum_ev log t`), gradient and
/// Hessian in (beta, k); `r_i = log t_i - c`.
struct Eval {
    ll: f64,
    g: [f64; 2],
    h: [[f64; 2]; 2],
}

fn eval(time: &[f64], event: &[bool], c: f64, d: f64, beta: f64, k: f64) -> Eval {
    let (mut s0, mut s1, mut s2, mut sr_ev) = (0.0, 0.0, 0.0, 0.0);
    for (&t, &e) in time.iter().zip(event) {
        let r = t.ln() - c;
        let ez = (k * r + beta).exp();
        s0 += ez;
        s1 += r * ez;
        s2 += r * r * ez;
        if e {
            sr_ev += r;
        }
    }
    Eval {
        ll: k * sr_ev + d * beta + d * k.ln() - s0,
        g: [d - s0, sr_ev + d / k - s1],
        h: [[-s0, -s1], [-s1, -d / (k * k) - s2]],
    }
}

/// `survreg(Surv(time, event) ~ 1, dist = "weibull")`; see the module docs
/// for the algorithm and parameterisation.
///
/// Slices of unequal length use their common prefix.
pub fn fit_weibull(time: &[f64], event: &[bool]) -> Result<ParametricFit, FitError> {
    let (n, events) = check(time, event)?;
    let (time, event) = (&time[..n], &event[..n]);
    let d = events as f64;
    // Finite MLE iff some event time is below the largest observed time
    // (the profile score for k then changes sign); compared on the raw
    // times so the test is exact.
    let max_time = time.iter().fold(0.0_f64, |m, &t| m.max(t));
    let min_event = time
        .iter()
        .zip(event)
        .filter(|(_, &e)| e)
        .fold(f64::INFINITY, |m, (&t, _)| m.min(t));
    if min_event >= max_time {
        return Err(FitError::NoFiniteMaximum);
    }
    let c = max_time.ln();

    // Start from the exponential fit: k = 1, e^beta = d / sum exp(log t - c).
    let mut k = 1.0_f64;
    let mut beta = (d / time.iter().map(|&t| (t.ln() - c).exp()).sum::<f64>()).ln();
    let mut cur = eval(time, event, c, d, beta, k);
    let mut iterations = 0;
    let mut converged = false;
    while iterations < MAX_ITER {
        iterations += 1;
        // Newton step: solve H delta = -g (H negative definite).
        let [[a, b], [_, e]] = cur.h;
        let det = a * e - b * b;
        if !(det > 0.0 && det.is_finite()) {
            break;
        }
        let db = -(e * cur.g[0] - b * cur.g[1]) / det;
        let dk = -(a * cur.g[1] - b * cur.g[0]) / det;
        if !(db.is_finite() && dk.is_finite()) {
            break;
        }
        let small = db.abs() <= STEP_TOL * (1.0 + beta.abs()) && dk.abs() <= STEP_TOL * k;
        let mut frac = 1.0;
        let mut accepted = None;
        for _ in 0..60 {
            let (nb, nk) = (beta + frac * db, k + frac * dk);
            if nk > 0.0 {
                let next = eval(time, event, c, d, nb, nk);
                // Allow rounding-level decreases so the final, tiny steps
                // are not rejected because ll is flat to machine precision.
                if next.ll.is_finite() && next.ll >= cur.ll - 1e-13 * cur.ll.abs().max(1.0) {
                    accepted = Some((nb, nk, next));
                    break;
                }
            }
            frac *= 0.5;
        }
        match accepted {
            Some((nb, nk, next)) => {
                beta = nb;
                k = nk;
                cur = next;
            }
            None => {
                // No ascent possible: we are at the maximum to rounding.
                converged = small;
                break;
            }
        }
        if small {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(FitError::NotConverged { iterations });
    }

    // Back to survreg's coordinates and the observed information there.
    let sigma = 1.0 / k;
    let mu = c - beta / k;
    let (mut sa, mut sb, mut sc, mut z_ev) = (0.0, 0.0, 0.0, 0.0);
    let mut ll = 0.0;
    for (&t, &ev) in time.iter().zip(event) {
        let y = t.ln();
        let z = k * (y - c) + beta;
        let ez = z.exp();
        sa += ez;
        sb += z * ez;
        sc += z * z * ez;
        if ev {
            z_ev += z;
            ll += z - y;
        }
        ll -= ez;
    }
    ll -= d * sigma.ln();
    // Observed information (minus the Hessian) in (mu, log sigma).
    let i11 = sa / (sigma * sigma);
    let i12 = (sa - d) / sigma + sb / sigma;
    let i22 = sb + sc - z_ev;
    let det = i11 * i22 - i12 * i12;
    let covariance = [[i22 / det, -i12 / det], [-i12 / det, i11 / det]];
    Ok(ParametricFit {
        distribution: Distribution::Weibull,
        n,
        events,
        intercept: mu,
        log_scale: -k.ln(),
        scale: sigma,
        covariance,
        loglik: ll,
        iterations,
    })
}

/// Fits either distribution.
pub fn fit(
    distribution: Distribution,
    time: &[f64],
    event: &[bool],
) -> Result<ParametricFit, FitError> {
    match distribution {
        Distribution::Exponential => fit_exponential(time, event),
        Distribution::Weibull => fit_weibull(time, event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_not_panics() {
        assert_eq!(fit_weibull(&[], &[]), Err(FitError::Empty));
        assert_eq!(
            fit_exponential(&[1.0, 2.0], &[false, false]),
            Err(FitError::NoEvents)
        );
        assert!(matches!(
            fit_weibull(&[1.0, 0.0], &[true, true]),
            Err(FitError::InvalidTime { index: 1, .. })
        ));
        assert!(matches!(
            fit_exponential(&[1.0, f64::NAN], &[true, true]),
            Err(FitError::InvalidTime { index: 1, .. })
        ));
        // All events at the largest time: no finite Weibull MLE.
        assert_eq!(
            fit_weibull(&[1.0, 2.0, 3.0, 3.0], &[false, false, true, true]),
            Err(FitError::NoFiniteMaximum)
        );
        assert_eq!(
            fit_weibull(&[3.0; 4], &[true; 4]),
            Err(FitError::NoFiniteMaximum)
        );
        // ... but the exponential is fine there.
        assert!(fit_exponential(&[3.0; 4], &[true; 4]).is_ok());
        for e in [FitError::NoEvents, FitError::NotConverged { iterations: 3 }] {
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn weibull_with_exponential_data_recovers_closed_form_when_shape_is_one() {
        // Single event below the max: finite MLE; a quick sanity check that
        // the score is zero at the returned estimate.
        let t = [0.5, 1.0, 2.0, 4.0, 8.0];
        let e = [true, true, false, true, false];
        let f = fit_weibull(&t, &e).unwrap();
        let k = f.shape();
        let d = 3.0;
        let s: f64 = t.iter().map(|&x| x.powf(k)).sum();
        let lam_k = s / d;
        assert!((f.weibull_scale().powf(k) - lam_k).abs() < 1e-10 * lam_k);
        assert!(f.median().se > 0.0 && f.covariance[0][0] > 0.0);
        assert_eq!(f.quantile(1.0), None);
        assert!((f.survival(f.median().estimate) - 0.5).abs() < 1e-12);
        assert!(f.hazard(1.0) > 0.0);
    }
}
