//! Solving model(x) = targets for the free parameters: damped Newton on the
//! logarithms of the (positive) parameters, with a finite-difference Jacobian.
//!
//! The model's true values come from a fixed-seed large cohort, so the same
//! random numbers serve every evaluation (common random numbers): the map from
//! parameters to true values is deterministic and, for PFS, smooth, which is
//! what Newton's method needs. Relative residuals put medians (months) and
//! survival probabilities on one scale.

/// How the solve ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// The parameters (natural scale).
    pub x: Vec<f64>,
    /// The model's values at `x`.
    pub achieved: Vec<f64>,
    pub iterations: usize,
    pub evaluations: usize,
}

/// Why there is no solution.
#[derive(Debug, Clone, PartialEq)]
pub enum SolveError {
    /// The model has no value at the start (e.g. a median not reached).
    Undefined { target: usize },
    /// A target does not move with any free parameter.
    Singular,
    /// No step reduces the residual, or the parameters run off to 0 or infinity:
    /// the targets cannot be reached by these parameters.
    Unreachable { achieved: Vec<f64>, x: Vec<f64> },
    /// An evaluation failed for another reason.
    Model(String),
}

/// Relative tolerance on every target at convergence.
pub const TOLERANCE: f64 = 1e-6;
const MAX_ITERATIONS: usize = 60;
/// Finite-difference step on log(parameter).
const H: f64 = 1e-4;
/// Parameters may move at most this factor from their start.
const MAX_FACTOR: f64 = 1e6;

fn residuals(values: &[Option<f64>], targets: &[f64]) -> Option<Vec<f64>> {
    values
        .iter()
        .zip(targets)
        .map(|(v, t)| v.map(|v| (v - t) / t.abs()))
        .collect()
}

fn norm(r: &[f64]) -> f64 {
    r.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Solves `a x = b` in place by Gaussian elimination with partial pivoting;
/// None when `a` is (numerically) singular.
fn solve_linear(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-12 {
            return None;
        }
        if pivot != col {
            for k in 0..n {
                a.swap(col * n + k, pivot * n + k);
            }
            b.swap(col, pivot);
        }
        for row in col + 1..n {
            let f = a[row * n + col] / a[col * n + col];
            for k in col..n {
                a[row * n + k] -= f * a[col * n + k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row * n + k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row * n + row];
    }
    Some(x)
}

/// Finds positive `x` (starting at `start`) with `model(x)` = `targets`.
/// `model` returns one value per target (None where undefined).
pub fn solve<F>(start: &[f64], targets: &[f64], mut model: F) -> Result<Solution, SolveError>
where
    F: FnMut(&[f64]) -> Result<Vec<Option<f64>>, String>,
{
    let n = start.len();
    let mut evaluations = 0usize;
    let mut eval = |logx: &[f64]| -> Result<Vec<Option<f64>>, SolveError> {
        evaluations += 1;
        let x: Vec<f64> = logx.iter().map(|v| v.exp()).collect();
        model(&x).map_err(SolveError::Model)
    };
    let origin: Vec<f64> = start.iter().map(|v| v.ln()).collect();
    let mut logx = origin.clone();
    let first = eval(&logx)?;
    let mut r = match residuals(&first, targets) {
        Some(r) => r,
        None => {
            let target = first.iter().position(|v| v.is_none()).unwrap_or(0);
            return Err(SolveError::Undefined { target });
        }
    };
    let mut achieved: Vec<f64> = first.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
    for iteration in 0..MAX_ITERATIONS {
        if r.iter().all(|v| v.abs() < TOLERANCE) {
            return Ok(Solution {
                x: logx.iter().map(|v| v.exp()).collect(),
                achieved,
                iterations: iteration,
                evaluations,
            });
        }
        // Jacobian of the residuals, column by column.
        let mut jac = vec![0.0; n * n];
        for j in 0..n {
            let mut probe = logx.clone();
            probe[j] += H;
            let rj = residuals(&eval(&probe)?, targets);
            for i in 0..n {
                jac[i * n + j] = match &rj {
                    Some(rj) => (rj[i] - r[i]) / H,
                    None => 0.0,
                };
            }
        }
        let step =
            solve_linear(jac, r.iter().map(|v| -v).collect(), n).ok_or(SolveError::Singular)?;
        // Halve the step until the residual falls (or give up: unreachable).
        let mut lambda = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            let trial: Vec<f64> = logx
                .iter()
                .zip(&step)
                .map(|(x, d)| x + lambda * d)
                .collect();
            if trial
                .iter()
                .zip(&origin)
                .any(|(t, o)| (t - o).abs() > MAX_FACTOR.ln())
            {
                lambda *= 0.5;
                continue;
            }
            let values = eval(&trial)?;
            if let Some(rt) = residuals(&values, targets) {
                if norm(&rt) < norm(&r) {
                    logx = trial;
                    r = rt;
                    achieved = values.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
                    accepted = true;
                    break;
                }
            }
            lambda *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    if r.iter().all(|v| v.abs() < TOLERANCE) {
        return Ok(Solution {
            x: logx.iter().map(|v| v.exp()).collect(),
            achieved,
            iterations: MAX_ITERATIONS,
            evaluations,
        });
    }
    Err(SolveError::Unreachable {
        achieved,
        x: logx.iter().map(|v| v.exp()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_smooth_square_system() {
        // f(a, b) = (a * b, a / b) = (6, 1.5)  =>  a = 3, b = 2
        let sol = solve(&[1.0, 1.0], &[6.0, 1.5], |x| {
            Ok(vec![Some(x[0] * x[1]), Some(x[0] / x[1])])
        })
        .unwrap();
        assert!(
            (sol.x[0] - 3.0).abs() < 1e-5 && (sol.x[1] - 2.0).abs() < 1e-5,
            "{sol:?}"
        );
    }

    #[test]
    fn an_unreachable_target_is_an_error() {
        // f(a) = a / (1 + a) < 1 for every a > 0: 1.5 cannot be reached.
        let e = solve(&[1.0], &[1.5], |x| Ok(vec![Some(x[0] / (1.0 + x[0]))])).unwrap_err();
        assert!(matches!(e, SolveError::Unreachable { .. }), "{e:?}");
    }

    #[test]
    fn a_target_that_ignores_the_parameter_is_singular() {
        let e = solve(&[1.0], &[2.0], |_| Ok(vec![Some(1.0)])).unwrap_err();
        assert_eq!(e, SolveError::Singular);
    }
}
