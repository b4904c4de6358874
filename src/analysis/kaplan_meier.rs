//! Kaplan-Meier fit with Greenwood variance, laid out like `survfit`'s table.
//!
//! One row per distinct observed time (event or censoring), because that is
//! what survfit returns and what `summary(fit, times = ...)` and
//! `quantile(fit)` operate on; matching its layout makes R comparisons direct.

use super::confidence::{interval_z, z_value, ConfType, RInterval};

/// A fitted Kaplan-Meier curve whose buffers are reused across fits.
///
/// Fitting happens once per simulated replicate, so `fit` only clears and
/// refills the internal vectors: once their capacity covers the largest
/// cohort seen, refitting performs no heap allocation.
#[derive(Debug, Clone, Default)]
pub struct KaplanMeier {
    order: Vec<usize>,
    time: Vec<f64>,
    n_risk: Vec<usize>,
    n_event: Vec<usize>,
    n_censor: Vec<usize>,
    surv: Vec<f64>,
    std_err: Vec<f64>,
    n: usize,
}

/// Survival read off the curve at a landmark time, as one row of
/// `summary(fit, times = t)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Landmark {
    /// The requested landmark time (not the event time the value comes from).
    pub time: f64,
    pub surv: f64,
    /// Standard error on the *survival* scale, `surv * sqrt(greenwood)`,
    /// which is what summary.survfit prints; it differs from
    /// [`KaplanMeier::std_err`], which is on the cumulative-hazard scale.
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
            order: Vec::with_capacity(n),
            time: Vec::with_capacity(n),
            n_risk: Vec::with_capacity(n),
            n_event: Vec::with_capacity(n),
            n_censor: Vec::with_capacity(n),
            surv: Vec::with_capacity(n),
            std_err: Vec::with_capacity(n),
            n: 0,
        }
    }

    /// Fits `survfit(Surv(time, event) ~ 1)`.
    ///
    /// If the slices differ in length only the common prefix is used, so a
    /// caller bug cannot turn into a panic inside a simulation loop.
    pub fn fit(&mut self, time: &[f64], event: &[bool]) {
        let n = time.len().min(event.len());
        self.fit_with(&time[..n], |i| event[i]);
    }

    /// Fits the reverse Kaplan-Meier curve, `survfit(Surv(time, 1 - event) ~ 1)`:
    /// censorings become the events, which estimates the follow-up distribution.
    pub fn fit_reverse(&mut self, time: &[f64], event: &[bool]) {
        let n = time.len().min(event.len());
        self.fit_with(&time[..n], |i| !event[i]);
    }

    fn fit_with(&mut self, time: &[f64], is_event: impl Fn(usize) -> bool) {
        let n = time.len();
        self.n = n;
        self.order.clear();
        self.order.extend(0..n);
        // total_cmp: never panics, and NaN (the caller's bug) just sorts last.
        self.order
            .sort_unstable_by(|&a, &b| time[a].total_cmp(&time[b]));
        self.time.clear();
        self.n_risk.clear();
        self.n_event.clear();
        self.n_censor.clear();
        self.surv.clear();
        self.std_err.clear();

        // Same arithmetic as survfitkm.c: km *= (n - d) / n and the Greenwood
        // sum v += d / (n (n - d)), so surv matches R to the last ulp.
        let mut km = 1.0_f64;
        let mut greenwood = 0.0_f64;
        let mut pos = 0;
        while pos < n {
            let t = time[self.order[pos]];
            let at_risk = n - pos;
            let (mut d, mut c) = (0usize, 0usize);
            // The first subject is consumed unconditionally so a NaN time
            // (never equal to itself) still advances the loop.
            loop {
                if is_event(self.order[pos]) {
                    d += 1;
                } else {
                    c += 1;
                }
                pos += 1;
                if pos >= n || time[self.order[pos]] != t {
                    break;
                }
            }
            if d > 0 {
                let nr = at_risk as f64;
                let df = d as f64;
                km *= (nr - df) / nr;
                greenwood += df / (nr * (nr - df));
            }
            self.time.push(t);
            self.n_risk.push(at_risk);
            self.n_event.push(d);
            self.n_censor.push(c);
            self.surv.push(km);
            self.std_err.push(greenwood.sqrt());
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

    /// Kaplan-Meier survival just after each time.
    pub fn surv(&self) -> &[f64] {
        &self.surv
    }

    /// survfit's `std.err`: standard error of the cumulative hazard,
    /// `sqrt(sum d / (n (n - d)))`, *not* of the survival probability.
    /// It is `Inf` on the row where every remaining subject has an event.
    pub fn std_err(&self) -> &[f64] {
        &self.std_err
    }

    /// survfit's `lower`/`upper` for row `i`; `(NaN, NaN)` if `i` is out of range.
    pub fn ci_at_index(&self, i: usize, conf: ConfType, level: f64) -> (f64, f64) {
        let iv = self.interval_at(i, conf, z_value(level));
        (iv.lower, iv.upper)
    }

    pub(crate) fn interval_at(&self, i: usize, conf: ConfType, z: f64) -> RInterval {
        match (self.surv.get(i), self.std_err.get(i)) {
            (Some(&s), Some(&se)) => interval_z(s, se, conf, z),
            _ => RInterval {
                lower: f64::NAN,
                upper: f64::NAN,
                lower_na: true,
                upper_na: true,
            },
        }
    }

    /// `summary(fit, times = t, extend = FALSE)` for a single landmark.
    ///
    /// `None` when `t` is not finite, the fit is empty, or `t` is beyond the
    /// last observed time (R silently drops such times). Before the first
    /// observed time R uses the row it prepends at time 0 (survival 1,
    /// std.err 0, bounds 1 for every conf type), and so do we.
    pub fn survival_at(&self, t: f64, conf: ConfType, level: f64) -> Option<Landmark> {
        let (&first, &last) = (self.time.first()?, self.time.last()?);
        if !t.is_finite() || t > last {
            return None;
        }
        // findInterval(t, fit0$time): rows with time <= t.
        let count = self.time.partition_point(|&x| x <= t);
        // survfit0 prepends a time-0 row unless the data already start there
        // (start.time = min(0, times)).
        let prepended = first > 0.0;
        let row = if prepended {
            if count == 0 {
                return Some(Landmark {
                    time: t,
                    surv: 1.0,
                    std_err: 0.0,
                    lower: 1.0,
                    upper: 1.0,
                });
            }
            count - 1
        } else {
            count.max(1) - 1
        };
        let surv = self.surv[row];
        let (lower, upper) = self.ci_at_index(row, conf, level);
        Some(Landmark {
            time: t,
            surv,
            std_err: self.std_err[row] * surv,
            lower,
            upper,
        })
    }
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
