//! Cox proportional-hazards regression, numerically equivalent to R's
//! `survival::coxph` (version 3.5-x, `coxph.fit` / C routine `coxfit6`).
//!
//! What is reproduced from coxph, and how:
//!
//! * **Centring and scaling.** Every covariate column whose values are not
//!   all in {-1, 0, 1} is centred on its mean and multiplied by
//!   `n / sum|x - mean|` before fitting (coxph's `nocenter = c(-1,0,1)` and
//!   coxfit6's `doscale`). Coefficients, score and variance are transformed
//!   back at the end. The partial likelihood is invariant to centring, so
//!   the log-likelihoods equal R's.
//! * **Newton-Raphson** from beta = 0. Convergence when
//!   `|1 - loglik_best / loglik_new| <= eps` (default 1e-9) with a finite
//!   score, information and log-likelihood; at most `iter_max` (20)
//!   iterations. The returned estimate is the iterate at which the test
//!   passed (as coxph).
//! * **Step halving** exactly as coxfit6: when the new log-likelihood is
//!   lower than the best so far (or anything is non-finite), the trial point
//!   is pulled back towards the last accepted point, `new = (new + h*old) /
//!   (h + 1)` with `h` incremented at every consecutive failure.
//! * **Ties**: Breslow, or Efron (for `d` tied deaths the risk-set sums are
//!   built by adding `1/d` of the deaths' contributions `d` times), with
//!   exactly coxfit6's accumulation. Strata: separate risk sets, common beta.
//! * **Score (log-rank) test** = `U(0)' I(0)^- U(0)` at beta = 0 (coxph's
//!   `fit$score`, `summary()$sctest`); **LR** = `2 (loglik - loglik_null)`;
//!   **Wald** = `b' V^- b` with V the inverse information at the estimate
//!   (coxph's `wald.test`, unrounded). df = p for all three.
//! * **Generalised Cholesky** with coxph's `toler.chol` (`eps^0.75`).
//!
//! Agreement with R 4 / survival 3.5-3 on the fixtures is ~1e-13 relative
//! (not bit-exact: summation order of tied times and `x / denom` computed as
//! `x * (1 / denom)` differ).
//!
//! Monotone likelihood (an infinite MLE, e.g. a binary covariate whose
//! level has no events): coxph keeps iterating until the log-likelihood
//! stops changing and then warns "Loglik converged before variable j;
//! coefficient may be infinite" when the Newton step still left,
//! `|(U' V)_j|`, exceeds both `eps` and `toler.inf * |beta_j|`
//! (`toler.inf = sqrt(eps)`). The same rule is applied here (plus: a
//! non-finite score/coefficient, or a column whose information collapsed to
//! zero during the iterations); flagged coefficients are reported through
//! [`CoxFit::monotone`], [`CoxModel::infinite`] and [`CoefSummary::infinite`]
//! (beta = +-inf, HR = inf or 0, SE/z/p/CI = NaN in the summary). The raw
//! last iterate (what coxph prints) stays available via
//! [`CoxModel::coefficients`] and friends.
//!
//! **Case weights** ([`CoxModel::fit_weighted`]) enter exactly as in
//! coxfit6: each observation's risk is `w exp(x b)`, its event adds
//! `w x b` to the log-likelihood and `w x` to the score, tied deaths carry
//! their summed (Breslow) or mean (Efron) weight, and the centring means and
//! scale factors are weighted. Unit weights reproduce [`CoxModel::fit`]
//! bit for bit. A weighted fit also computes the **robust (sandwich)
//! variance** of `coxph(..., weights = w, robust = TRUE)` without a cluster
//! term: `D'D`, with `D` the weighted dfbeta residuals (score residuals,
//! times the weight, times the model-based variance), one row per
//! observation; see [`CoxModel::robust_covariance`]. (coxph itself switches
//! to `robust = TRUE` by default as soon as a weight is fractional.)
//!
//! Hot path: [`CoxModel`] owns every buffer; after the first fit of a given
//! size, [`CoxModel::fit`] does not allocate. No input makes it panic. A
//! two-arm model (one 0/1 covariate, no weights, no strata, rows already
//! sorted by time: what a simulated trial hands over) is fitted on its table
//! of event times (`two_group`), with the same Newton iterations and rules;
//! it equals the row-by-row fit up to rounding (tests/cox_two_group.rs).
//! Rows already in (stratum, time) order skip the general path's sort.

mod robust;
mod two_group;

use super::linalg::{chol_invert, chol_solve, cholesky};
use super::log_product::LogProduct;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};
use std::fmt;

/// Method for tied event times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ties {
    #[default]
    Efron,
    Breslow,
}

/// Iteration control, defaults as `survival::coxph.control()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxControl {
    /// Relative log-likelihood change for convergence (1e-9).
    pub eps: f64,
    /// Maximum Newton-Raphson iterations (20).
    pub iter_max: u32,
    /// Cholesky singularity tolerance (`f64::EPSILON^0.75`).
    pub toler_chol: f64,
    /// Relative tolerance of the infinite-coefficient check (`sqrt(eps)`).
    pub toler_inf: f64,
}

impl Default for CoxControl {
    fn default() -> Self {
        CoxControl {
            eps: 1e-9,
            iter_max: 20,
            toler_chol: f64::EPSILON.powf(0.75),
            toler_inf: 1e-9_f64.sqrt(),
        }
    }
}

/// Why a fit could not be produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoxError {
    /// No observations.
    EmptyInput,
    /// `p == 0`.
    NoCovariates,
    /// An input slice has the wrong length (`what` names it).
    LengthMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// A time is NaN or infinite.
    NonFiniteTime { row: usize },
    /// A covariate value is NaN or infinite.
    NonFiniteCovariate { row: usize, column: usize },
    /// No events at all.
    NoEvents,
    /// A case weight is NaN or infinite.
    NonFiniteWeight { row: usize },
    /// A case weight is zero or negative (coxph: "Invalid weights, must be
    /// >0").
    NonPositiveWeight { row: usize },
    /// The covariate column takes a single value (0-based column index).
    ConstantCovariate { column: usize },
    /// The information matrix at beta = 0 is singular: `column` (0-based) is
    /// redundant given the columns before it, or carries no information
    /// (e.g. constant within every stratum, or varies only among subjects
    /// never at risk at an event time). coxph would report NA for it.
    SingularInformation { column: usize },
    /// The log-likelihood at beta = 0 is not finite (cannot happen with
    /// finite inputs; kept as a guard).
    NonFiniteLikelihood,
}

impl fmt::Display for CoxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoxError::EmptyInput => write!(f, "Cox model: no observations"),
            CoxError::NoCovariates => write!(f, "Cox model: no covariates (p = 0)"),
            CoxError::LengthMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "Cox model: `{what}` has length {found}, expected {expected}"
            ),
            CoxError::NonFiniteTime { row } => {
                write!(f, "Cox model: non-finite time at row {row}")
            }
            CoxError::NonFiniteCovariate { row, column } => write!(
                f,
                "Cox model: non-finite covariate value at row {row}, column {column}"
            ),
            CoxError::NoEvents => write!(f, "Cox model: no events"),
            CoxError::NonFiniteWeight { row } => {
                write!(f, "Cox model: non-finite case weight at row {row}")
            }
            CoxError::NonPositiveWeight { row } => {
                write!(f, "Cox model: case weight at row {row} is not > 0")
            }
            CoxError::ConstantCovariate { column } => {
                write!(f, "Cox model: covariate column {column} is constant")
            }
            CoxError::SingularInformation { column } => write!(
                f,
                "Cox model: singular information matrix, covariate column {column} is \
                 redundant or carries no information"
            ),
            CoxError::NonFiniteLikelihood => {
                write!(f, "Cox model: non-finite log-likelihood at beta = 0")
            }
        }
    }
}

impl std::error::Error for CoxError {}

/// Scalar summary of a fit (Copy; per-coefficient vectors are on
/// [`CoxModel`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoxFit {
    /// Observations used.
    pub n: usize,
    /// Number of events.
    pub n_events: usize,
    /// Number of coefficients (df of the three global tests).
    pub p: usize,
    /// Partial log-likelihood at beta = 0 (`fit$loglik[1]`).
    pub loglik_null: f64,
    /// Partial log-likelihood at the estimate (`fit$loglik[2]`).
    pub loglik: f64,
    /// Likelihood-ratio chi-square `2 (loglik - loglik_null)`.
    pub lr_chisq: f64,
    /// Score (log-rank) chi-square at beta = 0.
    pub score_chisq: f64,
    /// Wald chi-square `b' V^- b` (meaningless when `monotone`).
    pub wald_chisq: f64,
    /// Newton-Raphson iterations (coxph's `iter` when converged; `iter_max`
    /// when not).
    pub iterations: u32,
    /// The log-likelihood convergence criterion was met (coxph did not warn
    /// "Ran out of iterations"). Check `monotone` too: see [`Self::is_ok`].
    pub converged: bool,
    /// At least one coefficient looks infinite (monotone likelihood); the
    /// coefficient-level flags are [`CoxModel::infinite`].
    pub monotone: bool,
    /// Step halving was active at the final iteration (coxfit6 flag -2).
    pub halving: bool,
}

impl CoxFit {
    /// Converged with all coefficients finite: estimates, SEs and Wald
    /// quantities can be used as they are.
    pub fn is_ok(&self) -> bool {
        self.converged && !self.monotone
    }

    // The p-values are computed when asked for: an incomplete gamma
    // function each, which a simulated trial, reading only the hazard
    // ratio, would otherwise pay three times per fit.

    /// p-value of the likelihood-ratio test (`p` df).
    pub fn lr_p(&self) -> f64 {
        chisq_sf(self.lr_chisq, self.p as f64)
    }

    /// p-value of the score (log-rank) test (`p` df).
    pub fn score_p(&self) -> f64 {
        chisq_sf(self.score_chisq, self.p as f64)
    }

    /// p-value of the Wald test (`p` df).
    pub fn wald_p(&self) -> f64 {
        chisq_sf(self.wald_chisq, self.p as f64)
    }
}

/// Per-coefficient summary (as `summary(coxph)$coefficients` / `$conf.int`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoefSummary {
    pub beta: f64,
    pub se: f64,
    pub hr: f64,
    pub hr_lower: f64,
    pub hr_upper: f64,
    pub z: f64,
    /// Coefficient flagged infinite: `beta` is +-inf, `hr` inf or 0 and
    /// `se`, `z`, [`Self::p_value`] and the interval are NaN.
    pub infinite: bool,
}

impl CoefSummary {
    /// Two-sided Wald p-value (NaN when `z` is), computed when asked for:
    /// the hazard ratio and its interval do not need it.
    pub fn p_value(&self) -> f64 {
        chisq_sf(self.z * self.z, 1.0)
    }
}

/// Buffers of one likelihood evaluation.
#[derive(Debug, Default, Clone)]
struct IterWork {
    u: Vec<f64>,
    a: Vec<f64>,
    a2: Vec<f64>,
    imat: Vec<f64>,
    cmat: Vec<f64>,
    cmat2: Vec<f64>,
}

/// Data sorted by (stratum, time), covariates centred/scaled, row-major.
#[derive(Debug, Default, Clone)]
struct Sorted {
    time: Vec<f64>,
    status: Vec<bool>,
    /// Case weights (1 for an unweighted fit).
    weight: Vec<f64>,
    last: Vec<bool>,
    x: Vec<f64>,
    /// Every weight is 1, so each event's `ln(denominator)` can go into one
    /// [`LogProduct`] (a weighted event's is scaled by its weight).
    unit_weights: bool,
    /// One covariate column, every value 0 or 1 (and so never rescaled).
    binary: bool,
}

/// Reusable Cox model fitter; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct CoxModel {
    control: CoxControl,
    p: usize,
    order: Vec<usize>,
    data: Sorted,
    means: Vec<f64>,
    scale: Vec<f64>,
    beta: Vec<f64>,
    newbeta: Vec<f64>,
    work: IterWork,
    /// Event-time table of a two-arm fit (see [`two_group`]).
    table: two_group::Table,
    // outputs
    coef: Vec<f64>,
    se: Vec<f64>,
    var: Vec<f64>,
    score: Vec<f64>,
    infinite: Vec<bool>,
    wald_work: Vec<f64>,
    wald_b: Vec<f64>,
    /// Robust variance (row-major p x p) and its SEs; empty unless the last
    /// fit was weighted.
    robust_var: Vec<f64>,
    robust_se: Vec<f64>,
    robust_work: robust::Work,
    last: Option<CoxFit>,
}

fn resize(v: &mut Vec<f64>, n: usize) {
    v.clear();
    v.resize(n, 0.0);
}

/// Upper tail of the chi-square distribution (R's `pchisq(x, df,
/// lower.tail = FALSE)`); 1 for `x <= 0`, NaN for NaN.
pub fn chisq_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

/// Standard normal quantile `qnorm((1 + level) / 2)` for a two-sided
/// interval; NaN unless `0 < level < 1`.
pub fn two_sided_z(level: f64) -> f64 {
    if !(level > 0.0 && level < 1.0) {
        return f64::NAN;
    }
    match Normal::new(0.0, 1.0) {
        Ok(d) => d.inverse_cdf(0.5 * (1.0 + level)),
        Err(_) => f64::NAN,
    }
}

impl CoxModel {
    /// New model with coxph's default control.
    pub fn new() -> Self {
        Self::default()
    }

    /// New model with the given iteration control.
    pub fn with_control(control: CoxControl) -> Self {
        CoxModel {
            control,
            ..Self::default()
        }
    }

    pub fn control(&self) -> CoxControl {
        self.control
    }

    pub fn set_control(&mut self, control: CoxControl) {
        self.control = control;
    }

    /// Fit a Cox model.
    ///
    /// * `time`, `event`: length n (`event[i]` true = event, false = censored).
    /// * `x`: covariates, row-major n x p (`x[i * p + j]`).
    /// * `strata`: optional stratum label per row (any u32 values).
    ///
    /// On success, the per-coefficient results are available through the
    /// accessors until the next call.
    pub fn fit(
        &mut self,
        time: &[f64],
        event: &[bool],
        x: &[f64],
        p: usize,
        strata: Option<&[u32]>,
        ties: Ties,
    ) -> Result<CoxFit, CoxError> {
        self.last = None;
        self.robust_var.clear();
        self.robust_se.clear();
        let res = self.fit_inner(time, event, x, p, strata, None, ties);
        if let Ok(f) = res {
            self.last = Some(f);
        }
        res
    }

    /// Fit with case weights, as `coxph(..., weights = weights, robust =
    /// TRUE)`: the point estimate and model-based variance use the weights
    /// as coxph does, and the robust variance is available from
    /// [`Self::robust_covariance`] / [`Self::robust_std_errors`] /
    /// [`Self::robust_coef_summary`]. Weights must be finite and > 0.
    ///
    /// The robust variance is computed for every observation as its own
    /// cluster (what coxph does without `cluster()`); it is scale-free in
    /// the weights, unlike the model-based one.
    #[allow(clippy::too_many_arguments)]
    pub fn fit_weighted(
        &mut self,
        time: &[f64],
        event: &[bool],
        x: &[f64],
        p: usize,
        strata: Option<&[u32]>,
        weights: &[f64],
        ties: Ties,
    ) -> Result<CoxFit, CoxError> {
        self.last = None;
        self.robust_var.clear();
        self.robust_se.clear();
        let res = self.fit_inner(time, event, x, p, strata, Some(weights), ties);
        if let Ok(f) = res {
            self.last = Some(f);
            robust::sandwich(self, ties == Ties::Efron);
        }
        res
    }

    #[allow(clippy::too_many_arguments)]
    fn fit_inner(
        &mut self,
        time: &[f64],
        event: &[bool],
        x: &[f64],
        p: usize,
        strata: Option<&[u32]>,
        weights: Option<&[f64]>,
        ties: Ties,
    ) -> Result<CoxFit, CoxError> {
        let efron = ties == Ties::Efron;
        if strata.is_none() && weights.is_none() && p == 1 {
            if let Some(n_events) = self.table.collapse(time, event, x, efron) {
                self.p = 1;
                resize(&mut self.means, 1);
                self.scale.clear();
                self.scale.push(1.0);
                return self.newton(time.len(), n_events, Source::Table);
            }
        }
        let n = time.len();
        if n == 0 {
            return Err(CoxError::EmptyInput);
        }
        if p == 0 {
            return Err(CoxError::NoCovariates);
        }
        if event.len() != n {
            return Err(CoxError::LengthMismatch {
                what: "event",
                expected: n,
                found: event.len(),
            });
        }
        let np = n.checked_mul(p).ok_or(CoxError::LengthMismatch {
            what: "x",
            expected: usize::MAX,
            found: x.len(),
        })?;
        if x.len() != np {
            return Err(CoxError::LengthMismatch {
                what: "x",
                expected: np,
                found: x.len(),
            });
        }
        if let Some(s) = strata {
            if s.len() != n {
                return Err(CoxError::LengthMismatch {
                    what: "strata",
                    expected: n,
                    found: s.len(),
                });
            }
        }
        if let Some(w) = weights {
            if w.len() != n {
                return Err(CoxError::LengthMismatch {
                    what: "weights",
                    expected: n,
                    found: w.len(),
                });
            }
            if let Some(row) = w.iter().position(|v| !v.is_finite()) {
                return Err(CoxError::NonFiniteWeight { row });
            }
            if let Some(row) = w.iter().position(|&v| v <= 0.0) {
                return Err(CoxError::NonPositiveWeight { row });
            }
        }
        if let Some(row) = time.iter().position(|t| !t.is_finite()) {
            return Err(CoxError::NonFiniteTime { row });
        }
        if let Some(k) = x.iter().position(|v| !v.is_finite()) {
            return Err(CoxError::NonFiniteCovariate {
                row: k / p,
                column: k % p,
            });
        }
        let n_events = event.iter().filter(|&&e| e).count();
        if n_events == 0 {
            return Err(CoxError::NoEvents);
        }
        for j in 0..p {
            let x0 = x[j];
            if (1..n).all(|i| x[i * p + j] == x0) {
                return Err(CoxError::ConstantCovariate { column: j });
            }
        }

        self.p = p;

        // ---- sort by (stratum, time) ----
        // Rows already in that order (a simulated trial's are) keep it: the
        // sort's index tie-break makes the identity the sorted order then.
        let by_key = |a: usize, b: usize| match strata {
            Some(s) => s[a].cmp(&s[b]).then(time[a].total_cmp(&time[b])),
            None => time[a].total_cmp(&time[b]),
        };
        self.order.clear();
        self.order.extend(0..n);
        if !(1..n).all(|i| by_key(i - 1, i).is_le()) {
            self.order
                .sort_unstable_by(|&a, &b| by_key(a, b).then(a.cmp(&b)));
        }
        let d = &mut self.data;
        d.time.clear();
        d.status.clear();
        d.weight.clear();
        d.last.clear();
        d.x.clear();
        for (k, &i) in self.order.iter().enumerate() {
            d.time.push(time[i]);
            d.status.push(event[i]);
            d.weight.push(weights.map_or(1.0, |w| w[i]));
            let last = match strata {
                Some(s) => k + 1 == n || s[self.order[k + 1]] != s[i],
                None => k + 1 == n,
            };
            d.last.push(last);
            d.x.extend_from_slice(&x[i * p..(i + 1) * p]);
        }

        d.unit_weights = d.weight.iter().all(|&w| w == 1.0);
        d.binary = p == 1 && d.x.iter().all(|&v| v == 0.0 || v == 1.0);

        // ---- centre and scale (coxfit6 doscale; coxph nocenter = -1,0,1) ----
        // Weighted means and scale, as coxfit6; with unit weights `nf` (the
        // summed weights) is exactly n and every product below exact, so an
        // unweighted fit is unchanged.
        resize(&mut self.means, p);
        resize(&mut self.scale, p);
        let nf: f64 = d.weight.iter().sum();
        for j in 0..p {
            let zero_one = (0..n).all(|i| {
                let v = d.x[i * p + j];
                v == 0.0 || v == 1.0 || v == -1.0
            });
            if zero_one {
                self.means[j] = 0.0;
                self.scale[j] = 1.0;
                continue;
            }
            let mean = (0..n).map(|i| d.weight[i] * d.x[i * p + j]).sum::<f64>() / nf;
            let mut abs = 0.0;
            for i in 0..n {
                d.x[i * p + j] -= mean;
                abs += d.weight[i] * d.x[i * p + j].abs();
            }
            let sc = if abs > 0.0 { nf / abs } else { 1.0 };
            for i in 0..n {
                d.x[i * p + j] *= sc;
            }
            self.means[j] = mean;
            self.scale[j] = sc;
        }

        self.newton(n, n_events, Source::Rows { efron })
    }

    /// coxfit6's Newton-Raphson from beta = 0 on the prepared data, then
    /// the estimates on the original scale, the infinite-coefficient flags
    /// and the three global tests.
    fn newton(&mut self, n: usize, n_events: usize, src: Source) -> Result<CoxFit, CoxError> {
        let p = self.p;
        let ctl = self.control;
        let d = &self.data;
        let table = &self.table;
        let w = &mut self.work;
        resize(&mut w.u, p);
        resize(&mut w.a, p);
        resize(&mut w.a2, p);
        resize(&mut w.imat, p * p);
        resize(&mut w.cmat, p * p);
        resize(&mut w.cmat2, p * p);
        resize(&mut self.beta, p);
        resize(&mut self.newbeta, p);

        // ---- initial step at beta = 0 ----
        let loglik0 = evaluate(d, table, src, p, &self.beta, w);
        if !loglik0.is_finite() {
            return Err(CoxError::NonFiniteLikelihood);
        }
        // score test: U(0)' I(0)^- U(0); the step is kept in newbeta
        self.newbeta.copy_from_slice(&w.u);
        let info = cholesky(&mut w.imat, p, ctl.toler_chol);
        if info.rank < p || !info.nonneg {
            return Err(CoxError::SingularInformation {
                column: info.first_singular.unwrap_or(0),
            });
        }
        chol_solve(&w.imat, p, &mut self.newbeta);
        let sctest: f64 = w.u.iter().zip(&self.newbeta).map(|(u, s)| u * s).sum();

        // ---- Newton-Raphson with step halving (coxfit6) ----
        let mut loglik = loglik0;
        let mut halving = 0.0_f64;
        let mut converged = false;
        let mut iterations = 0;
        let mut final_rank = p;
        for iter in 1..=ctl.iter_max {
            iterations = iter;
            let newlk = evaluate(d, table, src, p, &self.newbeta, w);
            let info = cholesky(&mut w.imat, p, ctl.toler_chol);
            let notfinite = !newlk.is_finite()
                || w.u.iter().any(|v| !v.is_finite())
                || w.imat.iter().any(|v| !v.is_finite());
            if !notfinite && (1.0 - loglik / newlk).abs() <= ctl.eps {
                loglik = newlk;
                self.beta.copy_from_slice(&self.newbeta);
                converged = true;
                final_rank = info.rank;
                break;
            }
            if notfinite || newlk < loglik {
                halving += 1.0;
                for (nb, &b) in self.newbeta.iter_mut().zip(&self.beta) {
                    *nb = (*nb + halving * b) / (halving + 1.0);
                }
            } else {
                halving = 0.0;
                loglik = newlk;
                chol_solve(&w.imat, p, &mut w.u);
                for i in 0..p {
                    self.beta[i] = self.newbeta[i];
                    self.newbeta[i] += w.u[i];
                }
            }
        }
        if !converged {
            // Ran out of iterations: report the last accepted point, with its
            // (properly factored) information.
            loglik = evaluate(d, table, src, p, &self.beta, w);
            final_rank = cholesky(&mut w.imat, p, ctl.toler_chol).rank;
        }
        chol_invert(&mut w.imat, p);

        // ---- back to the original scale ----
        resize(&mut self.coef, p);
        resize(&mut self.se, p);
        resize(&mut self.var, p * p);
        resize(&mut self.score, p);
        self.infinite.clear();
        self.infinite.resize(p, false);
        for i in 0..p {
            self.coef[i] = self.beta[i] * self.scale[i];
            self.score[i] = w.u[i] / self.scale[i];
            for j in 0..p {
                self.var[i * p + j] = w.imat[i * p + j] * self.scale[i] * self.scale[j];
            }
        }
        for i in 0..p {
            self.se[i] = self.var[i * p + i].sqrt();
        }

        // ---- infinite coefficients (coxph's "Loglik converged before
        // variable ..." rule, plus collapsed information) ----
        let mut monotone = false;
        for j in 0..p {
            let step: f64 = (0..p).map(|k| self.score[k] * self.var[k * p + j]).sum();
            let step = step.abs();
            let flag = !self.score[j].is_finite()
                || !self.coef[j].is_finite()
                || !step.is_finite()
                || (step > ctl.eps && step > ctl.toler_inf * self.coef[j].abs())
                || (final_rank < p && self.var[j * p + j] == 0.0);
            self.infinite[j] = flag;
            monotone |= flag;
        }

        // ---- Wald test (coxph.wtest) ----
        resize(&mut self.wald_work, p * p);
        resize(&mut self.wald_b, p);
        self.wald_work.copy_from_slice(&self.var);
        self.wald_b.copy_from_slice(&self.coef);
        cholesky(&mut self.wald_work, p, ctl.toler_chol);
        chol_solve(&self.wald_work, p, &mut self.wald_b);
        let wald: f64 = self.coef.iter().zip(&self.wald_b).map(|(b, s)| b * s).sum();

        Ok(CoxFit {
            n,
            n_events,
            p,
            loglik_null: loglik0,
            loglik,
            lr_chisq: 2.0 * (loglik - loglik0),
            score_chisq: sctest,
            wald_chisq: wald,
            iterations,
            converged,
            monotone,
            halving: converged && halving > 0.0,
        })
    }

    /// Summary of the last successful fit, if any.
    pub fn last_fit(&self) -> Option<CoxFit> {
        self.last
    }

    /// Number of coefficients of the last successful fit (0 if none).
    pub fn p(&self) -> usize {
        if self.last.is_some() {
            self.p
        } else {
            0
        }
    }

    fn slice<'a, T>(&self, v: &'a [T]) -> &'a [T] {
        if self.last.is_some() {
            v
        } else {
            &v[..0]
        }
    }

    /// Raw coefficients as coxph reports them (the last iterate, finite even
    /// for a coefficient flagged infinite). Empty if the last fit failed.
    pub fn coefficients(&self) -> &[f64] {
        self.slice(&self.coef)
    }

    /// Raw standard errors `sqrt(diag(V))`.
    pub fn std_errors(&self) -> &[f64] {
        self.slice(&self.se)
    }

    /// Covariance matrix V (inverse information), row-major p x p.
    pub fn covariance(&self) -> &[f64] {
        self.slice(&self.var)
    }

    /// Score vector at the reported estimate.
    pub fn score_vector(&self) -> &[f64] {
        self.slice(&self.score)
    }

    /// Column means used for centring (0 for columns with values in
    /// {-1, 0, 1}, which coxph does not centre).
    pub fn means(&self) -> &[f64] {
        self.slice(&self.means)
    }

    /// Per-coefficient infinite (monotone likelihood) flags.
    pub fn infinite(&self) -> &[bool] {
        self.slice(&self.infinite)
    }

    /// Robust (sandwich) covariance `D'D` of the last fit, row-major p x p,
    /// as coxph's `fit$var` with `robust = TRUE` (its model-based variance,
    /// `fit$naive.var`, is [`Self::covariance`]). Empty unless the last
    /// successful fit was [`Self::fit_weighted`].
    pub fn robust_covariance(&self) -> &[f64] {
        self.slice(&self.robust_var)
    }

    /// Robust standard errors `sqrt(diag(D'D))` (coxph's "robust se");
    /// empty unless the last successful fit was weighted.
    pub fn robust_std_errors(&self) -> &[f64] {
        self.slice(&self.robust_se)
    }

    /// As [`Self::coef_summary`] with the robust standard error in the
    /// z-test and the interval (what `summary(coxph(..., robust = TRUE))`
    /// reports); `None` unless the last successful fit was weighted.
    pub fn robust_coef_summary(&self, j: usize, level: f64) -> Option<CoefSummary> {
        let se = *self.robust_std_errors().get(j)?;
        let mut c = self.coef_summary(j, level)?;
        if c.infinite {
            return Some(c);
        }
        let q = two_sided_z(level);
        c.se = se;
        c.z = c.beta / se;
        c.hr_lower = (c.beta - q * se).exp();
        c.hr_upper = (c.beta + q * se).exp();
        Some(c)
    }

    /// Summary of coefficient `j` with a `level` (e.g. 0.95) Wald interval
    /// for the hazard ratio. `None` if there is no successful fit or `j` is
    /// out of range.
    pub fn coef_summary(&self, j: usize, level: f64) -> Option<CoefSummary> {
        self.last?;
        if j >= self.p {
            return None;
        }
        let beta = self.coef[j];
        if self.infinite[j] {
            let sign = if beta < 0.0 { -1.0 } else { 1.0 };
            return Some(CoefSummary {
                beta: sign * f64::INFINITY,
                se: f64::NAN,
                hr: if sign < 0.0 { 0.0 } else { f64::INFINITY },
                hr_lower: f64::NAN,
                hr_upper: f64::NAN,
                z: f64::NAN,
                infinite: true,
            });
        }
        let se = self.se[j];
        let z = beta / se;
        let q = two_sided_z(level);
        Some(CoefSummary {
            beta,
            se,
            hr: beta.exp(),
            hr_lower: (beta - q * se).exp(),
            hr_upper: (beta + q * se).exp(),
            z,
            infinite: false,
        })
    }
}

/// Where a likelihood evaluation takes its data from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// [`Sorted`], row by row.
    Rows { efron: bool },
    /// The two-arm event-time table ([`two_group::Table`], p = 1).
    Table,
}

/// Log-likelihood at `beta`, with the score in `w.u` and the information
/// in `w.imat`.
fn evaluate(
    d: &Sorted,
    table: &two_group::Table,
    src: Source,
    p: usize,
    beta: &[f64],
    w: &mut IterWork,
) -> f64 {
    match src {
        Source::Rows { efron } => coxfit_iter(d, p, efron, beta, w),
        Source::Table => {
            let (loglik, u, info) = table.evaluate(beta[0]);
            w.u[0] = u;
            w.imat[0] = info;
            loglik
        }
    }
}

/// One evaluation of the partial log-likelihood, score `w.u` and
/// information `w.imat` (full symmetric) at `beta` (centred/scaled scale).
/// Mirrors coxfit6_iter: walk backwards in time, add each tied set, then
/// the Breslow or Efron correction for its deaths.
fn coxfit_iter(d: &Sorted, p: usize, efron: bool, beta: &[f64], w: &mut IterWork) -> f64 {
    // Monomorphised for small p so the inner loops are unrolled, and for
    // unit weights: LLVM treats `ln` as free of side effects and computes it
    // ahead of a runtime branch, so the weighted path's `ln` per event would
    // still be paid on the unit-weight path.
    match (p, d.unit_weights) {
        (1, true) => coxfit_iter_p::<1, true>(d, p, efron, beta, w),
        (2, true) => coxfit_iter_p::<2, true>(d, p, efron, beta, w),
        (3, true) => coxfit_iter_p::<3, true>(d, p, efron, beta, w),
        (4, true) => coxfit_iter_p::<4, true>(d, p, efron, beta, w),
        (_, true) => coxfit_iter_p::<0, true>(d, p, efron, beta, w),
        (1, false) => coxfit_iter_p::<1, false>(d, p, efron, beta, w),
        (2, false) => coxfit_iter_p::<2, false>(d, p, efron, beta, w),
        (_, false) => coxfit_iter_p::<0, false>(d, p, efron, beta, w),
    }
}

/// `P > 0`: compile-time dimension (must equal `p_dyn`); `P == 0`: dynamic.
/// `UNIT`: every weight is 1 (the events' logarithms go into a [`LogProduct`]).
fn coxfit_iter_p<const P: usize, const UNIT: bool>(
    d: &Sorted,
    p_dyn: usize,
    efron: bool,
    beta: &[f64],
    w: &mut IterWork,
) -> f64 {
    let p = if P == 0 { p_dyn } else { P };
    let beta = &beta[..p];
    let IterWork {
        u,
        a,
        a2,
        imat,
        cmat,
        cmat2,
    } = w;
    let (u, a, a2) = (&mut u[..p], &mut a[..p], &mut a2[..p]);
    let (imat, cmat, cmat2) = (&mut imat[..p * p], &mut cmat[..p * p], &mut cmat2[..p * p]);
    u.fill(0.0);
    a2.fill(0.0);
    imat.fill(0.0);
    cmat2.fill(0.0);
    a.fill(0.0);
    cmat.fill(0.0);
    let n = d.time.len();
    let mut loglik = 0.0;
    // The events' ln(denominator) terms when every weight is 1.
    let mut log_denoms = LogProduct::new();
    let mut denom = 0.0;
    let mut person = n;
    // exp(zbeta) of the last two distinct linear predictors: with arm
    // dummies (a trial's model) only a few values occur, and the same input
    // gives the same exp, so this saves most exp calls and changes no bit.
    let mut memo = [(f64::NAN, f64::NAN); 2];
    let mut exp_memo = |z: f64| {
        if z == memo[0].0 {
            memo[0].1
        } else if z == memo[1].0 {
            memo.swap(0, 1);
            memo[0].1
        } else {
            let e = z.exp();
            memo[1] = memo[0];
            memo[0] = (z, e);
            e
        }
    };
    let two = if P == 1 && d.binary {
        [(0.0 * beta[0]).exp(), (1.0 * beta[0]).exp()]
    } else {
        [f64::NAN; 2]
    };
    while person > 0 {
        if d.last[person - 1] {
            denom = 0.0;
            a.fill(0.0);
            cmat.fill(0.0);
        }
        let dtime = d.time[person - 1];
        let mut ndead = 0usize;
        let mut deadwt = 0.0;
        let mut denom2 = 0.0;
        while person > 0 && d.time[person - 1] == dtime {
            let i = person - 1;
            let xi = &d.x[i * p..(i + 1) * p];
            let zbeta: f64 = xi.iter().zip(beta).map(|(x, b)| x * b).sum();
            let wi = d.weight[i];
            // One 0/1 covariate (a two-arm trial): its two risks by table,
            // the very values exp(zbeta) gives, without the memo's
            // unpredictable branches.
            let e = if P == 1 && d.binary {
                two[(xi[0] == 1.0) as usize]
            } else {
                exp_memo(zbeta)
            };
            let risk = e * wi;
            if !d.status[i] {
                denom += risk;
                for r in 0..p {
                    a[r] += risk * xi[r];
                    for c in 0..=r {
                        cmat[r * p + c] += risk * xi[r] * xi[c];
                    }
                }
            } else {
                ndead += 1;
                deadwt += wi;
                denom2 += risk;
                loglik += wi * zbeta;
                for r in 0..p {
                    u[r] += wi * xi[r];
                    a2[r] += risk * xi[r];
                    for c in 0..=r {
                        cmat2[r * p + c] += risk * xi[r] * xi[c];
                    }
                }
            }
            person -= 1;
            if person > 0 && d.last[person - 1] {
                break; // ties do not cross strata
            }
        }
        if ndead > 0 {
            if !efron || ndead == 1 {
                denom += denom2;
                if UNIT {
                    log_denoms.push_times(denom, ndead);
                } else {
                    loglik -= deadwt * denom.ln();
                }
                let inv = 1.0 / denom;
                for r in 0..p {
                    a[r] += a2[r];
                    let mean = a[r] * inv;
                    u[r] -= deadwt * mean;
                    for c in 0..=r {
                        cmat[r * p + c] += cmat2[r * p + c];
                        imat[r * p + c] += deadwt * (cmat[r * p + c] - mean * a[c]) * inv;
                    }
                }
            } else {
                // Each of the ndead partial risk sets carries the deaths'
                // mean weight (exactly 1 when unweighted).
                let nd = ndead as f64;
                let wtave = deadwt / nd;
                for _ in 0..ndead {
                    denom += denom2 / nd;
                    if UNIT {
                        log_denoms.push(denom);
                    } else {
                        loglik -= wtave * denom.ln();
                    }
                    let inv = 1.0 / denom;
                    for r in 0..p {
                        a[r] += a2[r] / nd;
                        let mean = a[r] * inv;
                        u[r] -= wtave * mean;
                        for c in 0..=r {
                            cmat[r * p + c] += cmat2[r * p + c] / nd;
                            imat[r * p + c] += wtave * (cmat[r * p + c] - mean * a[c]) * inv;
                        }
                    }
                }
            }
            a2.fill(0.0);
            cmat2.fill(0.0);
        }
    }
    for r in 0..p {
        for c in 0..r {
            imat[c * p + r] = imat[r * p + c];
        }
    }
    loglik - log_denoms.ln()
}
