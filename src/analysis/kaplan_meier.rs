//! Kaplan-Meier fit with Greenwood variance, laid out like `survfit`'s table.
//!
//! One row per distinct observed time (event or censoring), because that is
//! what survfit returns and what `summary(fit, times = ...)` and
//! `quantile(fit)` operate on; matching its layout makes R comparisons direct.
//!
//! # Case weights
//!
//! [`KaplanMeier::fit_weighted`] is `survfit(Surv(time, event) ~ 1, weights
//! = w)` (survival 3.5.3, C routine `survfitkm`): `n.risk`, `n.event` and
//! `n.censor` are sums of weights, the curve steps by `(n - d) / n` on those
//! sums, and rows are still one per distinct time, including times whose
//! subjects all have weight 0 (which then do not step). Which variance R
//! uses depends on the weights, and so it does here:
//!
//! * all weights whole numbers (R: `any(weights != floor(weights))` is
//!   false): `robust = FALSE`, Greenwood's formula on the weighted counts,
//!   `std.err` on the cumulative-hazard scale. Unit weights therefore give
//!   exactly the unweighted fit.
//! * any fractional weight (MAIC and inverse-probability weights):
//!   survfit's default switches to `robust = TRUE` with each observation its
//!   own cluster, the infinitesimal-jackknife (IJ) variance of S, and returns
//!   `std.err` on the survival scale (`logse = FALSE`), which also changes
//!   how the pointwise intervals are built.
//!
//! [`KaplanMeier::fit_weighted_with`] picks the variance explicitly, as
//! `robust = FALSE` / `robust = TRUE` would. Whatever the variance, the
//! quantile, median-CI and landmark code reads it through
//! [`KaplanMeier::variance`], so every summary works unchanged.

use std::fmt;

use super::confidence::{both_sides, bound_z, bound_z_surv_se, z_value, ConfType, RInterval, Side};
use super::time_key::total_key;

/// Variance estimator behind a curve's `std_err` and pointwise intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KmVariance {
    /// Greenwood's formula (on weighted counts for a weighted fit);
    /// `std_err` is the standard error of the cumulative hazard.
    #[default]
    Greenwood,
    /// survfit's `robust = TRUE` for right-censored data without clusters:
    /// the infinitesimal jackknife with one cluster per observation;
    /// `std_err` is the standard error of the survival probability.
    InfinitesimalJackknife,
}

impl KmVariance {
    /// Whether `std_err` is on the cumulative-hazard (log-survival) scale,
    /// survfit's `logse`.
    pub fn log_scale(self) -> bool {
        self == KmVariance::Greenwood
    }
}

/// Why case weights were rejected (survfit stops on the same inputs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightError {
    /// `event` or `weights` does not have one entry per time.
    LengthMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// A weight is NaN or infinite (0-based index).
    NonFinite { index: usize },
    /// A weight is negative (0-based index).
    Negative { index: usize },
}

impl fmt::Display for WeightError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightError::LengthMismatch {
                what,
                expected,
                found,
            } => write!(
                f,
                "weighted Kaplan-Meier: `{what}` has length {found}, expected {expected}"
            ),
            WeightError::NonFinite { index } => write!(
                f,
                "weighted Kaplan-Meier: weight {index} is not a finite number"
            ),
            WeightError::Negative { index } => {
                write!(f, "weighted Kaplan-Meier: weight {index} is negative")
            }
        }
    }
}

impl std::error::Error for WeightError {}

/// A fitted Kaplan-Meier curve whose buffers are reused across fits.
///
/// Fitting happens once per simulated replicate, so `fit` only clears and
/// refills the internal vectors: once their capacity covers the largest
/// cohort seen, refitting performs no heap allocation.
#[derive(Debug, Clone, Default)]
pub struct KaplanMeier {
    /// (total-order key of the time, row) pairs, sorted: the fit's sort.
    keys: Vec<(u64, u64)>,
    order: Vec<usize>,
    time: Vec<f64>,
    n_risk: Vec<usize>,
    n_event: Vec<usize>,
    n_censor: Vec<usize>,
    /// survfit's n.risk / n.event / n.censor: sums of case weights (the
    /// counts themselves, as exact f64, for an unweighted fit).
    w_risk: Vec<f64>,
    w_event: Vec<f64>,
    w_censor: Vec<f64>,
    surv: Vec<f64>,
    std_err: Vec<f64>,
    n: usize,
    variance: KmVariance,
    weighted: bool,
}

/// Survival read off the curve at a landmark time, as one row of
/// `summary(fit, times = t)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landmark {
    /// The requested landmark time (not the event time the value comes from).
    pub time: f64,
    pub surv: f64,
    /// Standard error on the *survival* scale, `surv * sqrt(greenwood)`
    /// for a Greenwood fit, which is what summary.survfit prints; it differs
    /// from [`KaplanMeier::std_err`], which is then on the cumulative-hazard
    /// scale (see [`KaplanMeier::surv_std_err`]).
    pub std_err: f64,
    /// Pointwise bounds; NaN where R reports NA (e.g. once the curve hits 0).
    pub lower: f64,
    pub upper: f64,
}

impl KaplanMeier {
    /// An empty fit; buffers grow on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty fit pre-sized for cohorts of up to `n` subjects, so even the
    /// first `fit` does not allocate.
    pub fn with_capacity(n: usize) -> Self {
        KaplanMeier {
            keys: Vec::with_capacity(n),
            order: Vec::with_capacity(n),
            time: Vec::with_capacity(n),
            n_risk: Vec::with_capacity(n),
            n_event: Vec::with_capacity(n),
            n_censor: Vec::with_capacity(n),
            w_risk: Vec::with_capacity(n),
            w_event: Vec::with_capacity(n),
            w_censor: Vec::with_capacity(n),
            surv: Vec::with_capacity(n),
            std_err: Vec::with_capacity(n),
            n: 0,
            variance: KmVariance::Greenwood,
            weighted: false,
        }
    }

    /// Fits `survfit(Surv(time, event) ~ 1)`.
    ///
    /// If the slices differ in length only the common prefix is used, so a
    /// caller bug cannot turn into a panic inside a simulation loop.
    ///
    /// Times already in ascending order (as a simulated replicate's PFS,
    /// sorted once for every estimator) skip the sort: see
    /// [`Self::fit_sorted_unweighted`].
    pub fn fit(&mut self, time: &[f64], event: &[bool]) {
        let n = time.len().min(event.len());
        let (time, event) = (&time[..n], &event[..n]);
        if is_sorted(time) {
            self.fit_sorted_unweighted(time, |i| event[i]);
        } else {
            self.fit_with(time, |i| event[i], |_| 1.0, KmVariance::Greenwood);
        }
    }

    /// Fits the reverse Kaplan-Meier curve, `survfit(Surv(time, 1 - event) ~ 1)`:
    /// censorings become the events, which estimates the follow-up distribution.
    pub fn fit_reverse(&mut self, time: &[f64], event: &[bool]) {
        let n = time.len().min(event.len());
        let (time, event) = (&time[..n], &event[..n]);
        if is_sorted(time) {
            self.fit_sorted_unweighted(time, |i| !event[i]);
        } else {
            self.fit_with(time, |i| !event[i], |_| 1.0, KmVariance::Greenwood);
        }
    }

    /// The unweighted fit of times already in the sort's order, without the
    /// sort or the index indirection. The result is the general
    /// path's to the bit: with unit weights every weight sum is an exact
    /// whole number, so the counts converted to f64 are the sums themselves,
    /// and the numbers at risk summed from the end are `n - pos` exactly.
    ///
    /// The table is written through slices sized to `n` rows (at most one
    /// per subject) and cut to the rows found, rather than by nine pushes
    /// per row that each re-check the capacity and store the length; the
    /// slices keep the previous fit's values, so resizing writes only rows
    /// beyond the previous fit's. The curve follows in passes of its own
    /// (see the body).
    fn fit_sorted_unweighted(&mut self, time: &[f64], is_event: impl Fn(usize) -> bool) {
        let n = time.len();
        self.clear_keeping_columns();
        self.n = n;
        self.size_columns(n);
        let (out_time, out_risk, out_event, out_censor) = (
            &mut self.time[..n],
            &mut self.n_risk[..n],
            &mut self.n_event[..n],
            &mut self.n_censor[..n],
        );
        let (out_w_risk, out_w_event, out_w_censor, out_surv, out_var) = (
            &mut self.w_risk[..n],
            &mut self.w_event[..n],
            &mut self.w_censor[..n],
            &mut self.surv[..n],
            &mut self.std_err[..n],
        );
        let (mut pos, mut row) = (0, 0);
        while pos < n {
            let t = time[pos];
            let at_risk = n - pos;
            let (mut d, mut c) = (0usize, 0usize);
            // The first subject is consumed unconditionally so a NaN time
            // (never equal to itself) still advances the loop. Counted
            // without a branch: whether a subject had the event is a coin
            // flip in time order, which a branch would mispredict.
            loop {
                let e = usize::from(is_event(pos));
                d += e;
                c += 1 - e;
                pos += 1;
                if pos >= n || time[pos] != t {
                    break;
                }
            }
            out_time[row] = t;
            out_risk[row] = at_risk;
            out_event[row] = d;
            out_censor[row] = c;
            out_w_event[row] = d as f64;
            out_w_censor[row] = c as f64;
            out_w_risk[row] = at_risk as f64;
            row += 1;
        }
        // `curve`'s steps in three passes of their own: first each row's
        // factor and Greenwood term (two divisions that depend on nothing
        // before them, so they pipeline), then the running product and sum
        // (whose chains are then only a multiply and an add per row), then
        // the square roots; each pass vectorises or pipelines, where one
        // fused loop waited on its divisions. Every row takes the step,
        // without a branch: where `curve` skips a row (d = 0) the step
        // multiplies by `nr / nr`, exactly 1, and adds `0 / nr^2`, exactly
        // +0 (`nr` is at least 1), so every bit is `curve`'s.
        let (risk, events) = (&out_w_risk[..row], &out_w_event[..row]);
        let (surv, var) = (&mut out_surv[..row], &mut out_var[..row]);
        for (((q, g), &nr), &df) in surv.iter_mut().zip(var.iter_mut()).zip(risk).zip(events) {
            *q = (nr - df) / nr;
            *g = df / (nr * (nr - df));
        }
        let (mut km, mut greenwood) = (1.0_f64, 0.0_f64);
        for (q, g) in surv.iter_mut().zip(var.iter_mut()) {
            km *= *q;
            greenwood += *g;
            (*q, *g) = (km, greenwood);
        }
        for v in var.iter_mut() {
            *v = v.sqrt();
        }
        self.truncate_columns(row);
    }

    /// The reverse of an unweighted fit, as [`Self::fit_reverse`] on the
    /// same data would give it, without sorting again: the rows (distinct
    /// times) and numbers at risk are the same, events and censorings swap.
    /// A weighted `forward` is refitted from nothing but its table would be
    /// wrong, so it clears this fit instead.
    pub fn reverse_of(&mut self, forward: &KaplanMeier) {
        self.clear();
        if forward.weighted {
            return;
        }
        self.n = forward.n;
        self.time.extend_from_slice(&forward.time);
        self.n_risk.extend_from_slice(&forward.n_risk);
        self.n_event.extend_from_slice(&forward.n_censor);
        self.n_censor.extend_from_slice(&forward.n_event);
        self.w_risk.extend_from_slice(&forward.w_risk);
        self.w_event.extend_from_slice(&forward.w_censor);
        self.w_censor.extend_from_slice(&forward.w_event);
        self.curve();
    }

    /// Fits `survfit(Surv(time, event) ~ 1, weights = weights)` with
    /// survfit's default variance for those weights: Greenwood on weighted
    /// counts when every weight is a whole number, the robust
    /// (infinitesimal-jackknife) variance as soon as one is fractional (see
    /// the module documentation). [`Self::variance`] tells which was used.
    ///
    /// Weights must be finite and non-negative (zero is allowed, as in R);
    /// on error the previous fit is cleared.
    pub fn fit_weighted(
        &mut self,
        time: &[f64],
        event: &[bool],
        weights: &[f64],
    ) -> Result<(), WeightError> {
        let fractional = weights.iter().any(|w| w.fract() != 0.0);
        let variance = if fractional {
            KmVariance::InfinitesimalJackknife
        } else {
            KmVariance::Greenwood
        };
        self.fit_weighted_with(time, event, weights, variance)
    }

    /// As [`Self::fit_weighted`] with the variance chosen explicitly:
    /// `Greenwood` is survfit's `robust = FALSE`, `InfinitesimalJackknife`
    /// its `robust = TRUE`.
    pub fn fit_weighted_with(
        &mut self,
        time: &[f64],
        event: &[bool],
        weights: &[f64],
        variance: KmVariance,
    ) -> Result<(), WeightError> {
        self.clear();
        let n = time.len();
        for (what, found) in [("event", event.len()), ("weights", weights.len())] {
            if found != n {
                return Err(WeightError::LengthMismatch {
                    what,
                    expected: n,
                    found,
                });
            }
        }
        if let Some(index) = weights.iter().position(|w| !w.is_finite()) {
            return Err(WeightError::NonFinite { index });
        }
        if let Some(index) = weights.iter().position(|&w| w < 0.0) {
            return Err(WeightError::Negative { index });
        }
        self.fit_with(time, |i| event[i], |i| weights[i], variance);
        self.weighted = true;
        Ok(())
    }

    /// Every column at `rows` rows, keeping the values already there (a
    /// fit that writes every row it keeps need not zero them first).
    fn size_columns(&mut self, rows: usize) {
        self.time.resize(rows, 0.0);
        self.n_risk.resize(rows, 0);
        self.n_event.resize(rows, 0);
        self.n_censor.resize(rows, 0);
        self.w_risk.resize(rows, 0.0);
        self.w_event.resize(rows, 0.0);
        self.w_censor.resize(rows, 0.0);
        self.surv.resize(rows, 0.0);
        self.std_err.resize(rows, 0.0);
    }

    fn truncate_columns(&mut self, rows: usize) {
        self.time.truncate(rows);
        self.n_risk.truncate(rows);
        self.n_event.truncate(rows);
        self.n_censor.truncate(rows);
        self.w_risk.truncate(rows);
        self.w_event.truncate(rows);
        self.w_censor.truncate(rows);
        self.surv.truncate(rows);
        self.std_err.truncate(rows);
    }

    /// [`Self::clear`] except the table's columns, which the caller sizes.
    fn clear_keeping_columns(&mut self) {
        self.n = 0;
        self.order.clear();
        self.variance = KmVariance::Greenwood;
        self.weighted = false;
    }

    fn clear(&mut self) {
        self.clear_keeping_columns();
        self.truncate_columns(0);
    }

    fn fit_with(
        &mut self,
        time: &[f64],
        is_event: impl Fn(usize) -> bool,
        weight: impl Fn(usize) -> f64,
        variance: KmVariance,
    ) {
        self.clear();
        let n = time.len();
        self.n = n;
        self.variance = variance;
        // Sorted by the IEEE total order of the time (never panics; NaN,
        // the caller's bug, sorts last), as (key, index) pairs sorted
        // directly rather than indices through the times. (The order within
        // tied times only affects the rounding of weight sums, so an
        // unstable sort is fine.)
        self.keys.clear();
        self.keys
            .extend(time.iter().zip(0u64..).map(|(&t, i)| (total_key(t), i)));
        self.keys.sort_unstable();
        self.order
            .extend(self.keys.iter().map(|&(_, i)| i as usize));

        // Pass 1: one row per distinct time with its counts and weight sums.
        let mut pos = 0;
        while pos < n {
            let t = time[self.order[pos]];
            let at_risk = n - pos;
            let (mut d, mut c) = (0usize, 0usize);
            let (mut wd, mut wc) = (0.0_f64, 0.0_f64);
            // The first subject is consumed unconditionally so a NaN time
            // (never equal to itself) still advances the loop.
            loop {
                let i = self.order[pos];
                if is_event(i) {
                    d += 1;
                    wd += weight(i);
                } else {
                    c += 1;
                    wc += weight(i);
                }
                pos += 1;
                if pos >= n || time[self.order[pos]] != t {
                    break;
                }
            }
            self.time.push(t);
            self.n_risk.push(at_risk);
            self.n_event.push(d);
            self.n_censor.push(c);
            self.w_event.push(wd);
            self.w_censor.push(wc);
            self.w_risk.push(0.0); // filled by pass 2
        }
        // Pass 2: weighted numbers at risk, accumulated from the end as
        // survfitkm does (a forward "total minus what left" would cancel).
        let m = self.time.len();
        let mut acc = 0.0;
        for k in (0..m).rev() {
            acc += self.w_event[k] + self.w_censor[k];
            self.w_risk[k] = acc;
        }

        self.curve();
        if variance == KmVariance::InfinitesimalJackknife {
            self.ij_std_err(&is_event, &weight);
        }
    }

    /// Pass 3 of a fit: the curve. Same arithmetic as survfitkm.c: km *=
    /// (n - d) / n and the Greenwood sum v += d / (n (n - d)), only at times
    /// with an event of positive weight, so an unweighted surv matches R to
    /// the last ulp.
    fn curve(&mut self) {
        let mut km = 1.0_f64;
        let mut greenwood = 0.0_f64;
        for k in 0..self.time.len() {
            let (nr, df) = (self.w_risk[k], self.w_event[k]);
            if self.n_event[k] > 0 && df > 0.0 {
                km *= (nr - df) / nr;
                greenwood += df / (nr * (nr - df));
            }
            self.surv.push(km);
            self.std_err.push(greenwood.sqrt());
        }
    }

    /// Replaces `std_err` by survfit's robust variance (survfitkm.c, type 1,
    /// one cluster per observation): the infinitesimal jackknife
    /// `sqrt(sum_k U_k(t)^2)`, `U_k` the influence of observation k on S(t)
    /// times its weight.
    ///
    /// survfitkm updates every `U_k` at every event time (O(n) per time).
    /// Here the same recursion is carried in closed form: everyone still at
    /// risk has `U_k = w_k A` for one shared `A`, and everyone who has left
    /// is only rescaled by `(1 - h)` at later event times, so one running sum
    /// of their squares suffices. Same quantities, O(n) in all.
    fn ij_std_err(&mut self, is_event: &impl Fn(usize) -> bool, weight: &impl Fn(usize) -> f64) {
        let m = self.time.len();
        let n = self.n;
        // Sum of squared weights of those at risk after row k (suffix sums,
        // again to avoid cancellation), reusing std_err as scratch.
        let mut after = 0.0;
        for k in (0..m).rev() {
            self.std_err[k] = after;
            let start = n - self.n_risk[k];
            let count = self.n_event[k] + self.n_censor[k];
            for &i in &self.order[start..start + count] {
                let w = weight(i);
                after += w * w;
            }
        }
        let mut shared = 0.0_f64; // A
        let mut left = 0.0_f64; // sum of U_k^2 over those no longer at risk
        let mut km = 1.0_f64; // survfitkm's lagging km for the IJ pass
        let mut v = 0.0_f64;
        for k in 0..m {
            let start = n - self.n_risk[k];
            let count = self.n_event[k] + self.n_censor[k];
            let at_risk_after = self.std_err[k];
            let (nr, df) = (self.w_risk[k], self.w_event[k]);
            if self.n_event[k] > 0 && df > 0.0 {
                let haz = df / nr;
                let keep = 1.0 - haz;
                left *= keep * keep;
                // Those leaving now, in survfitkm's operation order, so that
                // when the curve drops to 0 (haz = 1) the events' influence
                // cancels exactly and the std.err is exactly 0, as in R.
                for &i in &self.order[start..start + count] {
                    let w = weight(i);
                    let mut u = w * shared * keep + w * km * haz / nr;
                    if is_event(i) {
                        u -= km * w / nr;
                    }
                    left += u * u;
                }
                shared = shared * keep + km * haz / nr;
                km *= keep;
                v = left + shared * shared * at_risk_after;
            } else {
                // No step: those leaving keep the influence they had.
                for &i in &self.order[start..start + count] {
                    let u = weight(i) * shared;
                    left += u * u;
                }
            }
            self.std_err[k] = v.sqrt();
        }
    }

    /// Number of subjects in the last fit.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of rows (distinct observed times).
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Distinct observed times, ascending.
    pub fn time(&self) -> &[f64] {
        &self.time
    }

    pub fn n_risk(&self) -> &[usize] {
        &self.n_risk
    }

    pub fn n_event(&self) -> &[usize] {
        &self.n_event
    }

    pub fn n_censor(&self) -> &[usize] {
        &self.n_censor
    }

    /// survfit's `n.risk`: the summed case weights at risk at each time
    /// (equal to [`Self::n_risk`] for an unweighted fit, which counts
    /// subjects whatever their weights).
    pub fn weighted_n_risk(&self) -> &[f64] {
        &self.w_risk
    }

    /// survfit's `n.event`: summed weights of the events at each time.
    pub fn weighted_n_event(&self) -> &[f64] {
        &self.w_event
    }

    /// survfit's `n.censor`: summed weights of the censorings at each time.
    pub fn weighted_n_censor(&self) -> &[f64] {
        &self.w_censor
    }

    /// The variance behind [`Self::std_err`] and every interval.
    pub fn variance(&self) -> KmVariance {
        self.variance
    }

    /// The last fit came from [`Self::fit_weighted`] or
    /// [`Self::fit_weighted_with`].
    pub fn is_weighted(&self) -> bool {
        self.weighted
    }

    /// Kaplan-Meier survival just after each time.
    pub fn surv(&self) -> &[f64] {
        &self.surv
    }

    /// survfit's `std.err`. With [`KmVariance::Greenwood`] (every unweighted
    /// fit) it is the standard error of the cumulative hazard,
    /// `sqrt(sum d / (n (n - d)))`, *not* of the survival probability, and
    /// `Inf` on the row where every remaining subject has an event. With
    /// [`KmVariance::InfinitesimalJackknife`] it is, as in R, the standard
    /// error of the survival probability itself. [`Self::surv_std_err`]
    /// gives the survival scale either way.
    pub fn std_err(&self) -> &[f64] {
        &self.std_err
    }

    /// Standard error of the survival probability at row `i` (what
    /// `summary.survfit` prints as `std.err`); NaN if `i` is out of range.
    pub fn surv_std_err(&self, i: usize) -> f64 {
        match (self.surv.get(i), self.std_err.get(i)) {
            (Some(&s), Some(&se)) if self.variance.log_scale() => se * s,
            (Some(_), Some(&se)) => se,
            _ => f64::NAN,
        }
    }

    /// survfit's `lower`/`upper` for row `i`; `(NaN, NaN)` if `i` is out of range.
    pub fn ci_at_index(&self, i: usize, conf: ConfType, level: f64) -> (f64, f64) {
        let iv = self.interval_at(i, conf, z_value(level));
        (iv.lower, iv.upper)
    }

    pub(crate) fn interval_at(&self, i: usize, conf: ConfType, z: f64) -> RInterval {
        both_sides(|side| self.bound_at(i, conf, z, side))
    }

    /// One side of [`Self::interval_at`]: the same value, for a search that
    /// needs one band only.
    pub(crate) fn bound_at(&self, i: usize, conf: ConfType, z: f64, side: Side) -> (f64, bool) {
        match (self.surv.get(i), self.std_err.get(i)) {
            (Some(&s), Some(&se)) if self.variance.log_scale() => bound_z(s, se, conf, z, side),
            (Some(&s), Some(&se)) => bound_z_surv_se(s, se, conf, z, side),
            _ => (f64::NAN, true),
        }
    }

    /// `summary(fit, times = t, extend = FALSE)` for a single landmark.
    ///
    /// `None` when `t` is not finite, the fit is empty, or `t` is beyond the
    /// last observed time (R silently drops such times). Before the first
    /// observed time R uses the row it prepends at time 0 (survival 1,
    /// std.err 0, bounds 1 for every conf type), and so do we.
    pub fn survival_at(&self, t: f64, conf: ConfType, level: f64) -> Option<Landmark> {
        let Some(row) = self.landmark_row(t)? else {
            return Some(Landmark {
                time: t,
                surv: 1.0,
                std_err: 0.0,
                lower: 1.0,
                upper: 1.0,
            });
        };
        let surv = self.surv[row];
        let (lower, upper) = self.ci_at_index(row, conf, level);
        Some(Landmark {
            time: t,
            surv,
            std_err: self.surv_std_err(row),
            lower,
            upper,
        })
    }

    /// [`Self::survival_at`]'s survival alone, without the interval (two
    /// transforms) and the normal quantile, for callers that report no CI.
    pub fn survival_estimate_at(&self, t: f64) -> Option<f64> {
        Some(self.landmark_row(t)?.map_or(1.0, |row| self.surv[row]))
    }

    /// The row `summary(fit, times = t)` reads: `None` when R drops `t`,
    /// `Some(None)` for the time-0 row survfit0 prepends.
    fn landmark_row(&self, t: f64) -> Option<Option<usize>> {
        let (&first, &last) = (self.time.first()?, self.time.last()?);
        if !t.is_finite() || t > last {
            return None;
        }
        // findInterval(t, fit0$time): rows with time <= t.
        let count = self.time.partition_point(|&x| x <= t);
        // survfit0 prepends a time-0 row unless the data already start there
        // (start.time = min(0, times)).
        let prepended = first > 0.0;
        Some(if prepended {
            count.checked_sub(1)
        } else {
            Some(count.max(1) - 1)
        })
    }
}

/// Whether `time` is in the order the fit's sort would give it (the IEEE
/// total order of [`total_key`]); then that sort is the identity.
fn is_sorted(time: &[f64]) -> bool {
    time.windows(2).all(|w| total_key(w[0]) <= total_key(w[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_is_harmless() {
        let mut km = KaplanMeier::new();
        km.fit(&[], &[]);
        assert!(km.is_empty());
        assert_eq!(km.survival_at(1.0, ConfType::Log, 0.95), None);
        assert!(km.ci_at_index(0, ConfType::Log, 0.95).0.is_nan());
        km.fit(&[1.0, 2.0], &[true]);
        assert_eq!(km.n(), 1);
    }

    #[test]
    fn nan_time_does_not_panic() {
        let mut km = KaplanMeier::new();
        km.fit(&[f64::NAN, 1.0, f64::NAN], &[true, true, false]);
        assert_eq!(km.n_risk()[0], 3);
        assert_eq!(
            km.n_event().iter().sum::<usize>() + km.n_censor().iter().sum::<usize>(),
            3
        );
    }
}
