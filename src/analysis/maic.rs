//! Matching-adjusted indirect comparison (MAIC) weights by the method of
//! moments (Signorovitch et al., *Value in Health* 2010; NICE DSU TSD 18).
//!
//! A comparator trial reports only aggregate baseline characteristics (its
//! Table 1); the index trial has patient-level data. MAIC reweights the
//! index patients so that their weighted covariate means equal the
//! comparator's, then reanalyses outcomes with those weights.
//!
//! # Method
//!
//! With `X` the n x p matrix of covariates to match and `m` the target
//! means, centre `Z = X - m` and minimise the convex function
//! `Q(b) = sum_i exp(Z_i b)`. At the minimum the gradient `sum_i w_i Z_i`
//! is zero for `w_i = exp(Z_i b)`, i.e. the weighted means equal the targets
//! exactly; this is also the entropy-balancing solution (the weights closest
//! to uniform in Kullback-Leibler divergence that balance the means). The
//! minimum exists, and is unique, exactly when `m` lies strictly inside the
//! convex hull of the rows of `X`.
//!
//! Newton's method with step halving, from `b = 0`, is applied to
//! `log Q(b)`, which has the same minimiser: its gradient is the weighted
//! mean of `Z` (the balance error itself) and its Hessian the weighted
//! covariance of `Z`, and working with normalised weights cannot overflow.
//! Columns are internally divided by their standard deviation so that the
//! iteration does not care whether age is in years or age squared in
//! years squared; `beta` is reported on the original scale.
//!
//! Iteration stops when every weighted mean is within `tolerance * max(1,
//! |m_j|)` of its target (default 1e-10); one further Newton step then
//! takes the balance to rounding level (it is kept only if it does not
//! make the balance worse), so the weights do not depend on where the
//! tolerance cut the iteration. Targets already met at `b = 0` give weights
//! of exactly 1. Weights are rescaled to sum to
//! n, the number of patients: their mean is 1, so equal weights are all
//! exactly 1 (and estimators that treat them as case weights give the
//! unweighted answer), and the effective sample size `(sum w)^2 / sum w^2`
//! can be read against n directly. The rescaling changes neither the
//! weighted means nor any scale-free estimate (weighted KM, Cox HR, robust
//! SEs).
//!
//! # Proportions and standard deviations
//!
//! A proportion is the mean of a 0/1 column. A reported standard deviation
//! is matched, as in published MAICs, by also matching the mean of the
//! squared column to `mean^2 + sd^2` ([`second_moment`]); the weighted SD
//! computed with the population formula `sqrt(E_w[x^2] - E_w[x]^2)` then
//! equals the target SD. (Whether the comparator used n or n - 1 is not
//! knowable from a Table 1 and is ignored, as everyone does.)
//!
//! # Failure
//!
//! No input panics. A target outside the range of its column (e.g. a
//! proportion 0.7 for a level nobody has) or a constant column is caught
//! before iterating; collinear columns (e.g. every level of one factor) by
//! a Cholesky factorisation; targets that are individually in range but
//! jointly unreachable make Newton diverge (the weights pile onto a face of
//! the hull and the Hessian becomes singular, or the iteration limit is
//! hit), reported as [`MaicError::OutsideHull`]. Targets exactly on the
//! boundary of the hull converge in the means only by sending some weights
//! to 0; that is reported as [`MaicError::OnHullBoundary`].

use super::linalg::{chol_solve, cholesky};
use std::fmt;

/// The mean of `x^2` that matches a reported mean and standard deviation.
pub fn second_moment(mean: f64, sd: f64) -> f64 {
    mean * mean + sd * sd
}

/// Iteration control for [`maic_weights_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaicControl {
    /// Largest accepted `|weighted mean - target| / max(1, |target|)`.
    pub tolerance: f64,
    /// Newton iterations before giving up (declared divergence).
    pub max_iter: u32,
}

impl Default for MaicControl {
    fn default() -> Self {
        MaicControl {
            tolerance: 1e-10,
            max_iter: 100,
        }
    }
}

/// The fitted weights.
#[derive(Debug, Clone, PartialEq)]
pub struct MaicWeights {
    /// One weight per row, `exp(Z_i beta)` rescaled to sum to n.
    pub weights: Vec<f64>,
    /// Coefficients on the original scale of each column:
    /// `w_i` is proportional to `exp(sum_j (x_ij - m_j) beta_j)`.
    pub beta: Vec<f64>,
    /// Effective sample size `(sum w)^2 / sum w^2` (n for equal weights).
    pub ess: f64,
    /// `max_j |sum_i w_i x_ij / sum_i w_i - m_j|`, in the columns' units.
    pub max_abs_balance_error: f64,
    /// Newton steps taken (0 when the targets are already the means).
    pub iterations: u32,
}

/// Why no weights could be produced. Columns and rows are 0-based.
#[derive(Debug, Clone, PartialEq)]
pub enum MaicError {
    /// No rows.
    EmptyData,
    /// `p == 0`: nothing to match.
    NoTargets,
    /// `x` is not n x p, or `targets` does not have p entries.
    LengthMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    NonFiniteCovariate {
        row: usize,
        column: usize,
    },
    NonFiniteTarget {
        column: usize,
    },
    /// Every row has the same value, so the column cannot move (and if the
    /// target equals it, it carries no constraint and must be dropped).
    ConstantColumn {
        column: usize,
        value: f64,
        target: f64,
    },
    /// The target is not strictly between the column's smallest and largest
    /// values: positive weights cannot reach it.
    TargetOutsideRange {
        column: usize,
        target: f64,
        min: f64,
        max: f64,
    },
    /// The column is (numerically) a linear combination of the earlier
    /// columns and a constant, e.g. the last level of a factor whose other
    /// levels are all matched: drop it.
    Collinear {
        column: usize,
    },
    /// Each target is in range but together they are not: they lie on or
    /// outside the convex hull of the data, and the weights diverge.
    /// `column` is the worst-balanced column at the last iterate and
    /// `balance_error` its weighted mean minus its target.
    OutsideHull {
        column: usize,
        balance_error: f64,
        iterations: u32,
    },
    /// The iteration converged only by driving some weights to nothing
    /// (smallest / largest below [`MIN_WEIGHT_RATIO`]): the targets are on
    /// the boundary of the convex hull, where no positive weights balance
    /// exactly, or so close to it that the weighting is meaningless.
    OnHullBoundary {
        min_weight_ratio: f64,
        iterations: u32,
    },
}

impl fmt::Display for MaicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaicError::EmptyData => write!(f, "MAIC: no patients"),
            MaicError::NoTargets => write!(f, "MAIC: no targets to match"),
            MaicError::LengthMismatch {
                what,
                expected,
                found,
            } => write!(f, "MAIC: `{what}` has length {found}, expected {expected}"),
            MaicError::NonFiniteCovariate { row, column } => write!(
                f,
                "MAIC: non-finite covariate value at row {row}, column {column}"
            ),
            MaicError::NonFiniteTarget { column } => {
                write!(
                    f,
                    "MAIC: the target of column {column} is not a finite number"
                )
            }
            MaicError::ConstantColumn {
                column,
                value,
                target,
            } => write!(
                f,
                "MAIC: column {column} is {value} for every patient, so no weighting can \
                 move it (target {target})"
            ),
            MaicError::TargetOutsideRange {
                column,
                target,
                min,
                max,
            } => write!(
                f,
                "MAIC: the target {target} of column {column} is not strictly between its \
                 smallest ({min}) and largest ({max}) value, which positive weights cannot reach"
            ),
            MaicError::Collinear { column } => write!(
                f,
                "MAIC: column {column} is a linear combination of the columns before it \
                 (e.g. every level of one factor): drop one"
            ),
            MaicError::OutsideHull {
                column,
                balance_error,
                iterations,
            } => write!(
                f,
                "MAIC: the targets cannot be matched together (they lie on or outside the \
                 convex hull of the data); after {iterations} iterations column {column} is \
                 still {balance_error:e} off its target"
            ),
            MaicError::OnHullBoundary {
                min_weight_ratio,
                iterations,
            } => write!(
                f,
                "MAIC: the targets lie on the edge of what the data can reach: after \
                 {iterations} iterations the weights balance only by giving some patients \
                 {min_weight_ratio:e} times the largest weight"
            ),
        }
    }
}

impl std::error::Error for MaicError {}

/// [`maic_weights_with`] with the default control (tolerance 1e-10).
pub fn maic_weights(x: &[f64], p: usize, targets: &[f64]) -> Result<MaicWeights, MaicError> {
    maic_weights_with(x, p, targets, MaicControl::default())
}

/// MAIC weights for the row-major n x p covariate matrix `x` (`x[i * p + j]`)
/// and the `p` target means; see the module documentation.
pub fn maic_weights_with(
    x: &[f64],
    p: usize,
    targets: &[f64],
    control: MaicControl,
) -> Result<MaicWeights, MaicError> {
    if p == 0 {
        return Err(MaicError::NoTargets);
    }
    if targets.len() != p {
        return Err(MaicError::LengthMismatch {
            what: "targets",
            expected: p,
            found: targets.len(),
        });
    }
    if x.len() % p != 0 {
        return Err(MaicError::LengthMismatch {
            what: "x",
            expected: (x.len() / p + 1) * p,
            found: x.len(),
        });
    }
    let n = x.len() / p;
    if n == 0 {
        return Err(MaicError::EmptyData);
    }
    if let Some(k) = x.iter().position(|v| !v.is_finite()) {
        return Err(MaicError::NonFiniteCovariate {
            row: k / p,
            column: k % p,
        });
    }
    if let Some(column) = targets.iter().position(|v| !v.is_finite()) {
        return Err(MaicError::NonFiniteTarget { column });
    }
    let col = |j: usize| (0..n).map(move |i| x[i * p + j]);
    let mut sd = vec![0.0; p];
    for (j, &m) in targets.iter().enumerate() {
        let (min, max) = col(j).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if min == max {
            return Err(MaicError::ConstantColumn {
                column: j,
                value: min,
                target: m,
            });
        }
        if !(min < m && m < max) {
            return Err(MaicError::TargetOutsideRange {
                column: j,
                target: m,
                min,
                max,
            });
        }
        let mean = col(j).sum::<f64>() / n as f64;
        let var = col(j).map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        // A non-constant column has var > 0 unless it underflows; fall back
        // to the range so the scaling is never 0.
        sd[j] = if var > 0.0 { var.sqrt() } else { max - min };
    }

    // Standardised, centred on the targets.
    let mut z = vec![0.0; n * p];
    for i in 0..n {
        for j in 0..p {
            z[i * p + j] = (x[i * p + j] - targets[j]) / sd[j];
        }
    }
    let mut work = Newton::new(n, p);

    // Collinearity: the Hessian at b = 0 is the (uniform-weight) covariance
    // of the standardised columns, i.e. their correlation matrix.
    work.moments(&z, &vec![0.0; p]);
    if let Some(column) = work.factor_hessian(COLLINEARITY_TOLERANCE) {
        return Err(MaicError::Collinear { column });
    }

    let tol = |j: usize| control.tolerance * targets[j].abs().max(1.0);
    let balanced = |g: &[f64]| (0..p).all(|j| (g[j] * sd[j]).abs() <= tol(j));
    let mut beta = vec![0.0; p];
    let mut trial = vec![0.0; p];
    let mut f = work.moments(&z, &beta);
    let mut iterations = 0;
    let diverged = |work: &Newton, iterations: u32| {
        let (column, err) =
            (0..p)
                .map(|j| (j, work.g[j] * sd[j]))
                .fold((0, 0.0_f64), |best, (j, e)| {
                    if e.abs() > best.1.abs() || e.is_nan() {
                        (j, e)
                    } else {
                        best
                    }
                });
        MaicError::OutsideHull {
            column,
            balance_error: err,
            iterations,
        }
    };
    while !balanced(&work.g) {
        if iterations >= control.max_iter || !f.is_finite() {
            return Err(diverged(&work, iterations));
        }
        // Weights piling onto a face of the hull: the weighted covariance
        // loses rank. That only happens when there is no solution.
        if work.factor_hessian(SINGULAR_TOLERANCE).is_some() {
            return Err(diverged(&work, iterations));
        }
        let mut step = work.g.clone();
        chol_solve(&work.h, p, &mut step);
        iterations += 1;
        // Step halving: accept the first trial that lowers log Q.
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..60 {
            for j in 0..p {
                trial[j] = beta[j] - t * step[j];
            }
            let ft = work.objective(&z, &trial);
            if ft.is_finite() && ft < f {
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            // No decrease along the Newton direction: rounding level (the
            // balance test failed only by noise) or a degenerate problem.
            work.moments(&z, &beta);
            if balanced_loose(&work.g, &sd, control.tolerance, targets) {
                break;
            }
            return Err(diverged(&work, iterations));
        }
        beta.copy_from_slice(&trial);
        f = work.moments(&z, &beta);
    }
    // Polish: one more Newton step, kept if it does not worsen the balance.
    // Convergence is quadratic, so this takes the weights from "within the
    // tolerance" to rounding level, and the result no longer depends on
    // where the tolerance happened to cut the iteration. Targets already
    // met at b = 0 (the data's own means) keep weights of exactly 1.
    if iterations > 0 && work.factor_hessian(SINGULAR_TOLERANCE).is_none() {
        let before = max_abs(&work.g);
        let mut step = work.g.clone();
        chol_solve(&work.h, p, &mut step);
        for j in 0..p {
            trial[j] = beta[j] - step[j];
        }
        let ft = work.moments(&z, &trial);
        if ft.is_finite() && max_abs(&work.g) <= before {
            beta.copy_from_slice(&trial);
        }
    }

    // Final weights from the converged iterate, rescaled to sum to n.
    let eta: Vec<f64> = (0..n)
        .map(|i| (0..p).map(|j| z[i * p + j] * beta[j]).sum::<f64>())
        .collect();
    let top = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut weights: Vec<f64> = eta.iter().map(|&e| (e - top).exp()).collect();
    let total: f64 = weights.iter().sum();
    let nf = n as f64;
    for w in &mut weights {
        *w *= nf / total;
    }
    let smallest = weights.iter().copied().fold(f64::INFINITY, f64::min);
    let largest = weights.iter().copied().fold(0.0, f64::max);
    // Also catches NaN (cannot happen with finite inputs; kept as a guard).
    if smallest.is_nan() || smallest < MIN_WEIGHT_RATIO * largest {
        return Err(MaicError::OnHullBoundary {
            min_weight_ratio: smallest / largest,
            iterations,
        });
    }
    let sum_w: f64 = weights.iter().sum();
    let sum_w2: f64 = weights.iter().map(|w| w * w).sum();
    let max_abs_balance_error = (0..p)
        .map(|j| {
            let mean = (0..n).map(|i| weights[i] * x[i * p + j]).sum::<f64>() / sum_w;
            (mean - targets[j]).abs()
        })
        .fold(0.0, f64::max);
    Ok(MaicWeights {
        ess: sum_w * sum_w / sum_w2,
        beta: beta.iter().zip(&sd).map(|(b, s)| b / s).collect(),
        weights,
        max_abs_balance_error,
        iterations,
    })
}

/// Smallest accepted ratio of the smallest to the largest weight. Interior
/// targets, even extreme ones, stay many orders of magnitude above it; a
/// target on the hull boundary drives some weights towards 0 without end.
pub const MIN_WEIGHT_RATIO: f64 = 1e-12;

/// Pivot tolerance (relative to the largest diagonal, 1 for a correlation
/// matrix) below which a column counts as collinear with the others.
const COLLINEARITY_TOLERANCE: f64 = 1e-10;
/// The same during the iterations, where a collapsing weighted covariance
/// signals divergence.
const SINGULAR_TOLERANCE: f64 = 1e-13;

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// When step halving can no longer lower log Q, accept balance within
/// 1000 times the tolerance: the remaining error is rounding.
fn balanced_loose(g: &[f64], sd: &[f64], tolerance: f64, targets: &[f64]) -> bool {
    (0..g.len()).all(|j| (g[j] * sd[j]).abs() <= 1e3 * tolerance * targets[j].abs().max(1.0))
}

/// Scratch for one Newton step on `log Q`.
struct Newton {
    n: usize,
    p: usize,
    /// Normalised weights `exp(eta_i - max eta) / sum`.
    pw: Vec<f64>,
    /// Gradient of log Q: the weighted mean of the standardised Z.
    g: Vec<f64>,
    /// Hessian of log Q: the weighted covariance of Z; factored in place.
    h: Vec<f64>,
}

impl Newton {
    fn new(n: usize, p: usize) -> Self {
        Newton {
            n,
            p,
            pw: vec![0.0; n],
            g: vec![0.0; p],
            h: vec![0.0; p * p],
        }
    }

    /// `log Q(beta)` without touching the moments.
    fn objective(&mut self, z: &[f64], beta: &[f64]) -> f64 {
        let (n, p) = (self.n, self.p);
        let mut top = f64::NEG_INFINITY;
        for i in 0..n {
            let eta: f64 = (0..p).map(|j| z[i * p + j] * beta[j]).sum();
            self.pw[i] = eta;
            top = top.max(eta);
        }
        if !top.is_finite() {
            return f64::NAN;
        }
        let s: f64 = self.pw.iter().map(|&e| (e - top).exp()).sum();
        top + s.ln()
    }

    /// `log Q(beta)`, and the gradient and Hessian there.
    fn moments(&mut self, z: &[f64], beta: &[f64]) -> f64 {
        let (n, p) = (self.n, self.p);
        let f = self.objective(z, beta);
        if !f.is_finite() {
            self.g.fill(f64::NAN);
            return f;
        }
        // pw holds eta; f = top + ln(sum exp(eta - top)) so exp(eta - f) are
        // the normalised weights.
        let mut total = 0.0;
        for e in &mut self.pw {
            *e = (*e - f).exp();
            total += *e;
        }
        // Renormalise away the rounding in f.
        for e in &mut self.pw {
            *e /= total;
        }
        self.g.fill(0.0);
        for i in 0..n {
            for j in 0..p {
                self.g[j] += self.pw[i] * z[i * p + j];
            }
        }
        self.h.fill(0.0);
        for i in 0..n {
            for r in 0..p {
                let dr = z[i * p + r] - self.g[r];
                for c in r..p {
                    self.h[r * p + c] += self.pw[i] * dr * (z[i * p + c] - self.g[c]);
                }
            }
        }
        f
    }

    /// Factors the Hessian in place; the first rank-deficient column, if any.
    fn factor_hessian(&mut self, toler: f64) -> Option<usize> {
        let info = cholesky(&mut self.h, self.p, toler);
        if info.rank < self.p || !info.nonneg {
            Some(info.first_singular.unwrap_or(0))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_at_the_means_give_unit_weights() {
        let x = [1.0, 0.0, 2.0, 1.0, 3.0, 1.0, 6.0, 0.0];
        let w = maic_weights(&x, 2, &[3.0, 0.5]).unwrap();
        assert_eq!(w.iterations, 0);
        assert!(w.weights.iter().all(|&v| v == 1.0));
        assert_eq!(w.ess, 4.0);
    }

    #[test]
    fn matches_a_proportion_and_a_mean() {
        let x = [50.0, 0.0, 60.0, 1.0, 70.0, 0.0, 65.0, 1.0, 55.0, 1.0];
        let w = maic_weights(&x, 2, &[62.0, 0.4]).unwrap();
        assert!(w.max_abs_balance_error < 1e-10);
        assert!((w.weights.iter().sum::<f64>() - 5.0).abs() < 1e-12);
        assert!(w.ess < 5.0 && w.ess > 1.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let x = [1.0, 0.0, 2.0, 0.0, 3.0, 0.0];
        assert_eq!(
            maic_weights(&x, 2, &[2.0, 0.7]),
            Err(MaicError::ConstantColumn {
                column: 1,
                value: 0.0,
                target: 0.7
            })
        );
        assert!(matches!(
            maic_weights(&[1.0, 2.0], 1, &[2.0]),
            Err(MaicError::TargetOutsideRange { column: 0, .. })
        ));
        assert_eq!(maic_weights(&[], 1, &[0.0]), Err(MaicError::EmptyData));
        assert_eq!(maic_weights(&[1.0], 0, &[]), Err(MaicError::NoTargets));
        assert!(matches!(
            maic_weights(&[1.0, 2.0, 3.0], 2, &[1.0, 1.0]),
            Err(MaicError::LengthMismatch { what: "x", .. })
        ));
        assert_eq!(
            maic_weights(&[1.0, f64::NAN], 1, &[1.0]),
            Err(MaicError::NonFiniteCovariate { row: 1, column: 0 })
        );
        assert_eq!(
            maic_weights(&[1.0, 2.0], 1, &[f64::INFINITY]),
            Err(MaicError::NonFiniteTarget { column: 0 })
        );
        // Two levels of one factor plus their complement: x2 = 1 - x1.
        let x = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0];
        assert_eq!(
            maic_weights(&x, 2, &[0.4, 0.6]),
            Err(MaicError::Collinear { column: 1 })
        );
    }

    #[test]
    fn jointly_unreachable_targets_are_detected() {
        // (0,0), (1,0), (0,1) and (1,1)'s hull is the square, but the rows
        // here are only the three corners of a triangle: x1 + x2 <= 1.
        let x = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.2, 0.3];
        let r = maic_weights(&x, 2, &[0.7, 0.6]);
        assert!(matches!(r, Err(MaicError::OutsideHull { .. })), "{r:?}");
        // On the boundary (x1 + x2 = 1): no positive weights either.
        let r = maic_weights(&x, 2, &[0.5, 0.5]);
        assert!(matches!(r, Err(MaicError::OnHullBoundary { .. })), "{r:?}");
    }
}
