//! Performance measures for a simulation study, after Morris, White & Crowther
//! (2019, Stat Med 38:2074, Table 6), each with its Monte Carlo standard error.
//!
//! Replicates arrive one at a time and possibly on several threads, so every
//! accumulator here keeps only running moments and counts: memory does not grow
//! with the number of replicates, and two accumulators built on disjoint chunks
//! can be merged into the accumulator of the union. All arithmetic is plain,
//! ordered floating point, so a fixed push/merge order gives bit-identical
//! results on every run.

use serde::{Deserialize, Serialize, Serializer};

/// Upper 97.5% point of the standard normal, shared with the percentile MCSE so
/// that both modules describe "95%" the same way.
pub const Z_975: f64 = 1.959_963_984_540_054;

/// Streaming mean and variance (Welford), mergeable (Chan et al.).
///
/// Welford's update avoids the catastrophic cancellation of `sum(x^2) -
/// n*mean^2`, which matters here because squared errors of nearly unbiased
/// estimators are tiny compared with their sum. Non-finite inputs are skipped:
/// one overflowing replicate must not turn every later summary into NaN, and
/// callers that need to report such replicates count them themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    n: u64,
    #[serde(with = "crate::study::float")]
    mean: f64,
    /// Sum of squared deviations from the running mean, i.e. (n-1)·variance.
    #[serde(with = "crate::study::float")]
    m2: f64,
}

impl crate::study::Aggregate for Moments {
    fn append(&mut self, right: &Self) {
        self.merge(right);
    }
}

impl Moments {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Chan, Golub & LeVeque's pairwise update, so chunks summarised in
    /// parallel combine to the same moments (up to rounding) as one pass.
    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let na = self.n as f64;
        let nb = other.n as f64;
        let n = self.n + other.n;
        let nf = n as f64;
        let delta = other.mean - self.mean;
        self.mean += delta * (nb / nf);
        self.m2 += other.m2 + delta * delta * (na * nb / nf);
        self.n = n;
    }

    pub fn n(&self) -> u64 {
        self.n
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n >= 1).then_some(self.mean)
    }

    /// Sample variance with the n-1 denominator, as in Morris et al.'s formulas;
    /// undefined (None) below two values rather than a misleading zero.
    pub fn variance(&self) -> Option<f64> {
        (self.n >= 2).then(|| (self.m2 / (self.n - 1) as f64).max(0.0))
    }

    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// Sum of squared deviations from the mean, (n-1)·variance, exposed because
    /// several MCSE formulas are written in terms of it.
    pub fn sum_sq_dev(&self) -> f64 {
        self.m2.max(0.0)
    }
}

/// A value and its Monte Carlo standard error.
///
/// `mcse` is NaN when it cannot be estimated (e.g. a single replicate) and
/// +inf when it is unbounded (e.g. a percentile that touches an infinite
/// value). Both serialise as JSON `null`, because JSON has no NaN/Infinity and
/// a report must never claim a precision it does not have.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Measure {
    #[serde(serialize_with = "finite_or_null")]
    pub value: f64,
    #[serde(serialize_with = "finite_or_null")]
    pub mcse: f64,
}

impl Measure {
    pub fn new(value: f64, mcse: f64) -> Self {
        Self { value, mcse }
    }
}

/// Serialises a float as a number when finite and as `null` otherwise: serde_json
/// would write `null` for NaN anyway but other formats would not, and the
/// intent should not depend on the output format.
pub fn finite_or_null<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    if x.is_finite() {
        s.serialize_f64(*x)
    } else {
        s.serialize_none()
    }
}

/// A proportion and its binomial MCSE sqrt(p(1-p)/n), the form Morris et al. use
/// for coverage and rejection (power / type I error).
///
/// None when there is nothing to divide by or the counts are inconsistent,
/// rather than a number that would look like a result.
pub fn proportion(successes: u64, n: u64) -> Option<Measure> {
    if n == 0 || successes > n {
        return None;
    }
    let nf = n as f64;
    let p = successes as f64 / nf;
    Some(Measure::new(p, (p * (1.0 - p) / nf).sqrt()))
}

/// One replicate's output from one estimator.
///
/// `lower`/`upper` may be -inf/+inf (an open interval, e.g. a median CI whose
/// upper limit is "not reached"); None = no interval in this replicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EstimatorOutput {
    pub estimate: Option<f64>,
    pub se: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// Why two accumulators could not be merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeError {
    /// They target a different true value or null value, so their measures
    /// describe different questions and a pooled number would be meaningless.
    DifferentTarget,
}

impl std::fmt::Display for MergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MergeError::DifferentTarget => {
                write!(f, "accumulators have different theta or null values")
            }
        }
    }
}

impl std::error::Error for MergeError {}

/// Accumulates one estimator's outputs against a true value theta.
///
/// Squared errors and squared standard errors get their own [`Moments`] so the
/// MCSEs of MSE and ModSE come from numerically stable variances instead of
/// differences of large sums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceAccumulator {
    #[serde(with = "crate::study::float")]
    theta: f64,
    #[serde(with = "crate::study::float::option")]
    null: Option<f64>,
    replicates: u64,
    /// Estimates, for mean / bias / EmpSE.
    est: Moments,
    /// Squared errors (estimate - theta)^2, for MSE and its MCSE.
    sq_err: Moments,
    /// Squared model SEs, for ModSE and its MCSE.
    se2: Moments,
    intervals: u64,
    covered: u64,
    rejected: u64,
    width: Moments,
    infinite_widths: u64,
    rejected_merges: u64,
}

impl crate::study::Aggregate for PerformanceAccumulator {
    fn append(&mut self, right: &Self) {
        self.merge(right);
    }
}

impl PerformanceAccumulator {
    /// `null`: value whose exclusion by the CI counts as a rejection (e.g. 0 for
    /// a difference, 0 for a log HR); None when rejection is not of interest.
    pub fn new(theta: f64, null: Option<f64>) -> Self {
        Self {
            theta,
            null,
            replicates: 0,
            est: Moments::new(),
            sq_err: Moments::new(),
            se2: Moments::new(),
            intervals: 0,
            covered: 0,
            rejected: 0,
            width: Moments::new(),
            infinite_widths: 0,
            rejected_merges: 0,
        }
    }

    pub fn theta(&self) -> f64 {
        self.theta
    }

    pub fn null(&self) -> Option<f64> {
        self.null
    }

    /// Records one replicate.
    ///
    /// An estimate counts only if it and its squared error are finite, so that
    /// mean, bias, EmpSE and MSE are all over the same replicates. A model SE
    /// counts only alongside a counted estimate and only if finite and
    /// non-negative, because ModSE is compared against EmpSE of those same
    /// replicates. An interval counts if both bounds are present, not NaN and
    /// ordered; infinite bounds are legitimate (open intervals) and enter
    /// coverage and rejection but not the mean width.
    pub fn push(&mut self, out: &EstimatorOutput) {
        self.replicates += 1;

        if let Some(e) = out.estimate {
            let err = e - self.theta;
            let sq = err * err;
            if e.is_finite() && sq.is_finite() {
                self.est.push(e);
                self.sq_err.push(sq);
                if let Some(se) = out.se {
                    let v = se * se;
                    if se.is_finite() && se >= 0.0 && v.is_finite() {
                        self.se2.push(v);
                    }
                }
            }
        }

        if let (Some(lo), Some(hi)) = (out.lower, out.upper) {
            if !lo.is_nan() && !hi.is_nan() && lo <= hi {
                self.intervals += 1;
                if lo <= self.theta && self.theta <= hi {
                    self.covered += 1;
                }
                if let Some(null) = self.null {
                    if null < lo || null > hi {
                        self.rejected += 1;
                    }
                }
                let w = hi - lo;
                if w.is_finite() {
                    self.width.push(w);
                } else {
                    self.infinite_widths += 1;
                }
            }
        }
    }

    /// Merges a chunk summarised elsewhere; refuses (leaving `self` unchanged)
    /// when the chunk was built for another theta or null, since pooling would
    /// silently mix two different questions. Values are compared bitwise so a
    /// NaN target still matches itself.
    pub fn try_merge(&mut self, other: &Self) -> Result<(), MergeError> {
        let same_null = match (self.null, other.null) {
            (None, None) => true,
            (Some(a), Some(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        };
        if self.theta.to_bits() != other.theta.to_bits() || !same_null {
            return Err(MergeError::DifferentTarget);
        }
        self.replicates += other.replicates;
        self.est.merge(&other.est);
        self.sq_err.merge(&other.sq_err);
        self.se2.merge(&other.se2);
        self.intervals += other.intervals;
        self.covered += other.covered;
        self.rejected += other.rejected;
        self.width.merge(&other.width);
        self.infinite_widths += other.infinite_widths;
        self.rejected_merges += other.rejected_merges;
        Ok(())
    }

    /// Like [`try_merge`](Self::try_merge), but a refused merge is recorded in
    /// [`Performance::rejected_merges`] instead of returned, so that a
    /// programming error shows up in the report rather than as a panic.
    pub fn merge(&mut self, other: &Self) {
        if self.try_merge(other).is_err() {
            self.rejected_merges += 1 + other.rejected_merges;
        }
    }

    pub fn finish(&self) -> Performance {
        let n = self.est.n();
        let nf = n as f64;
        let theta = self.theta;

        let mean_est = self.est.mean();
        let s = self.est.sd();
        // MCSE of a mean is S/sqrt(n); NaN (-> null) while S is undefined.
        let mcse_mean = s.map_or(f64::NAN, |s| s / nf.sqrt());

        let mean = mean_est.map(|m| Measure::new(m, mcse_mean));
        let bias = mean_est.map(|m| Measure::new(m - theta, mcse_mean));
        let relative_bias = mean_est.and_then(|m| {
            (theta != 0.0 && theta.is_finite())
                .then(|| Measure::new((m - theta) / theta, mcse_mean / theta.abs()))
        });
        // MCSE(EmpSE) = EmpSE / sqrt(2(n-1)).
        let emp_se = s.map(|s| Measure::new(s, s / (2.0 * (nf - 1.0)).sqrt()));

        // MCSE(MSE) = sqrt( sum((e_i^2 - MSE)^2) / (n(n-1)) ) = sqrt(Var(e^2) / n).
        let mse_val = self.sq_err.mean();
        let mcse_mse = self.sq_err.variance().map_or(f64::NAN, |v| (v / nf).sqrt());
        let mse = mse_val.map(|m| Measure::new(m, mcse_mse));
        // Delta method: MCSE(RMSE) = MCSE(MSE) / (2 RMSE). When every error is
        // zero both numerator and denominator vanish and the MCSE is exactly 0.
        let rmse = mse_val.map(|m| {
            let r = m.sqrt();
            let mcse = if mcse_mse == 0.0 {
                0.0
            } else {
                mcse_mse / (2.0 * r)
            };
            Measure::new(r, mcse)
        });

        // ModSE = sqrt(mean(se^2)); MCSE = sqrt(Var(se^2) / (4 n_se ModSE^2)).
        let n_se = self.se2.n() as f64;
        let var_se2 = self.se2.variance();
        let mod_se_val = self.se2.mean().map(f64::sqrt);
        let mod_se = mod_se_val.map(|m| {
            let mcse = match var_se2 {
                None => f64::NAN,
                Some(0.0) => 0.0,
                Some(v) => (v / (4.0 * n_se * m * m)).sqrt(),
            };
            Measure::new(m, mcse)
        });

        // 100(ModSE/EmpSE - 1); MCSE = 100 (ModSE/EmpSE)
        //   · sqrt( Var(se^2)/(4 n_se ModSE^4) + 1/(2(n-1)) ).
        let rel_error_mod_se = match (mod_se_val, s) {
            (Some(m), Some(s)) if s > 0.0 => {
                let ratio = m / s;
                let first = match var_se2 {
                    None => f64::NAN,
                    Some(0.0) => 0.0,
                    Some(v) => v / (4.0 * n_se * m.powi(4)),
                };
                let mcse = 100.0 * ratio * (first + 1.0 / (2.0 * (nf - 1.0))).sqrt();
                Some(Measure::new(100.0 * (ratio - 1.0), mcse))
            }
            _ => None,
        };

        let coverage = proportion(self.covered, self.intervals);
        let rejection = self
            .null
            .and_then(|_| proportion(self.rejected, self.intervals));

        let m_w = self.width.n() as f64;
        let mean_width = self.width.mean().map(|w| {
            let mcse = self.width.sd().map_or(f64::NAN, |sd| sd / m_w.sqrt());
            Measure::new(w, mcse)
        });

        Performance {
            theta,
            replicates: self.replicates,
            estimated: n,
            missing: self.replicates - n,
            mean,
            bias,
            relative_bias,
            emp_se,
            mse,
            rmse,
            mod_se,
            rel_error_mod_se,
            coverage,
            intervals: self.intervals,
            mean_width,
            infinite_widths: self.infinite_widths,
            rejection,
            rejected_merges: self.rejected_merges,
        }
    }
}

/// Finished measures for one estimator; see [`PerformanceAccumulator`].
///
/// A measure is None when its value cannot be computed; its `mcse` is NaN (JSON
/// null) when only the uncertainty cannot be, typically with one replicate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Performance {
    #[serde(serialize_with = "finite_or_null")]
    pub theta: f64,
    /// Pushes.
    pub replicates: u64,
    /// With a finite estimate.
    pub estimated: u64,
    /// Without.
    pub missing: u64,
    /// Mean estimate, MCSE = S/sqrt(n).
    pub mean: Option<Measure>,
    /// mean - theta, MCSE = S/sqrt(n).
    pub bias: Option<Measure>,
    /// bias/theta (None if theta == 0), MCSE = S/(sqrt(n)|theta|).
    pub relative_bias: Option<Measure>,
    /// S, MCSE = S/sqrt(2(n-1)).
    pub emp_se: Option<Measure>,
    /// mean (est-theta)^2, MCSE = sqrt( sum((e_i^2 - MSE)^2) / (n(n-1)) ).
    pub mse: Option<Measure>,
    /// sqrt(MSE), MCSE by delta method = MCSE(MSE)/(2 RMSE).
    pub rmse: Option<Measure>,
    /// sqrt(mean(se^2)) over replicates with se, MCSE = sqrt( Var(se^2) / (4 n_se ModSE^2) ).
    pub mod_se: Option<Measure>,
    /// 100(ModSE/EmpSE - 1), MCSE = 100 (ModSE/EmpSE) sqrt( Var(se^2)/(4 n_se ModSE^4) + 1/(2(n-1)) ).
    pub rel_error_mod_se: Option<Measure>,
    /// Share of replicates with an interval where lower <= theta <= upper; MCSE sqrt(C(1-C)/n_ci).
    pub coverage: Option<Measure>,
    /// Replicates with an interval.
    pub intervals: u64,
    /// Mean of finite widths, MCSE sd/sqrt(m).
    pub mean_width: Option<Measure>,
    /// Intervals with an infinite bound (or a width that overflows).
    pub infinite_widths: u64,
    /// Share of intervals excluding `null` (None when null is None); MCSE sqrt(p(1-p)/n_ci).
    pub rejection: Option<Measure>,
    /// Merges refused because the accumulators targeted different theta/null;
    /// non-zero means these measures omit data and should not be trusted.
    pub rejected_merges: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(est: f64, se: f64, lo: f64, hi: f64) -> EstimatorOutput {
        EstimatorOutput {
            estimate: Some(est),
            se: Some(se),
            lower: Some(lo),
            upper: Some(hi),
        }
    }

    fn close(a: f64, b: f64, tol: f64) {
        assert!(
            (a - b).abs() <= tol * b.abs().max(1.0),
            "{a} != {b} (tol {tol})"
        );
    }

    #[test]
    fn moments_small_cases() {
        let mut m = Moments::new();
        assert_eq!(m.mean(), None);
        assert_eq!(m.variance(), None);
        m.push(f64::NAN);
        m.push(f64::INFINITY);
        assert_eq!(m.n(), 0);
        m.push(4.0);
        assert_eq!(m.mean(), Some(4.0));
        assert_eq!(m.variance(), None);
        m.push(8.0);
        // mean 6, deviations ±2, sum of squares 8, /(n-1)=8.
        close(m.variance().unwrap(), 8.0, 1e-15);
        close(m.sd().unwrap(), 8f64.sqrt(), 1e-15);
    }

    #[test]
    fn moments_are_stable_with_large_offset() {
        // Values 1e9 + {1,2,3,4}: variance 5/3 exactly; the naive
        // sum-of-squares formula loses every digit here.
        let mut m = Moments::new();
        for x in [1.0, 2.0, 3.0, 4.0] {
            m.push(1e9 + x);
        }
        close(m.variance().unwrap(), 5.0 / 3.0, 1e-9);
    }

    #[test]
    fn empty_and_degenerate_accumulators_do_not_panic() {
        let acc = PerformanceAccumulator::new(1.0, Some(0.0));
        let p = acc.finish();
        assert_eq!(p.replicates, 0);
        assert!(p.mean.is_none() && p.bias.is_none() && p.coverage.is_none());
        assert!(p.rejection.is_none() && p.mod_se.is_none() && p.mean_width.is_none());

        let mut acc = PerformanceAccumulator::new(0.0, None);
        acc.push(&out(1.0, 0.5, 0.0, 2.0));
        let p = acc.finish();
        assert_eq!(p.mean.unwrap().value, 1.0);
        assert!(p.mean.unwrap().mcse.is_nan());
        assert!(p.emp_se.is_none());
        assert!(p.relative_bias.is_none(), "theta = 0");
        assert!(p.rel_error_mod_se.is_none());
        assert!(p.rejection.is_none(), "no null value");
        let json = serde_json::to_string(&p).unwrap();
        assert!(
            json.contains("\"mean\":{\"value\":1.0,\"mcse\":null}"),
            "{json}"
        );
    }

    #[test]
    fn proportion_edge_cases() {
        assert_eq!(proportion(0, 0), None);
        assert_eq!(proportion(3, 2), None);
        let p = proportion(0, 10).unwrap();
        assert_eq!((p.value, p.mcse), (0.0, 0.0));
        let p = proportion(25, 100).unwrap();
        close(p.value, 0.25, 1e-15);
        // sqrt(.25*.75/100) = sqrt(0.001875)
        close(p.mcse, 0.001875f64.sqrt(), 1e-15);
    }

    #[test]
    fn mismatched_merge_is_refused_and_reported() {
        let mut a = PerformanceAccumulator::new(1.0, Some(0.0));
        let mut b = PerformanceAccumulator::new(2.0, Some(0.0));
        a.push(&out(1.0, 1.0, 0.0, 2.0));
        b.push(&out(2.0, 1.0, 1.0, 3.0));
        let before = a.clone();
        assert_eq!(a.try_merge(&b), Err(MergeError::DifferentTarget));
        assert_eq!(a, before);
        a.merge(&b);
        let p = a.finish();
        assert_eq!(p.replicates, 1);
        assert_eq!(p.rejected_merges, 1);
        let c = PerformanceAccumulator::new(1.0, None);
        assert!(a.clone().try_merge(&c).is_err());
    }
}
