//! Small dense symmetric linear algebra for estimators (p <= ~20).
//!
//! A generalised Cholesky decomposition `A = F D F'` (F unit lower
//! triangular, D diagonal) with the same singularity handling as the
//! `cholesky2` / `chsolve2` / `chinv2` routines of R's `survival` package:
//! a pivot below `toler * max(diag(A))` marks the column as redundant, its
//! diagonal is set to zero and the solve/inverse treat it as aliased (zero
//! solution component, zero row/column of the inverse).
//!
//! All matrices are square `n x n`, stored row-major in a caller-owned slice;
//! nothing here allocates.

/// Result of [`cholesky`]: `rank` is the number of non-redundant columns,
/// `first_singular` the first column found redundant (if any), `nonneg` is
/// false when a clearly negative pivot was met (matrix not non-negative
/// definite).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CholInfo {
    pub rank: usize,
    pub first_singular: Option<usize>,
    pub nonneg: bool,
}

/// In-place `F D F'` decomposition of the symmetric matrix `m` (only the
/// upper triangle and diagonal are read; the factor is written to the lower
/// triangle and the diagonal; the strict upper triangle is left unchanged).
pub fn cholesky(m: &mut [f64], n: usize, toler: f64) -> CholInfo {
    debug_assert!(m.len() >= n * n);
    let mut eps = 0.0_f64;
    for i in 0..n {
        let d = m[i * n + i];
        if d > eps {
            eps = d;
        }
        for j in (i + 1)..n {
            m[j * n + i] = m[i * n + j];
        }
    }
    if eps == 0.0 || eps.is_nan() {
        // no positive diagonal at all
        for i in 0..n {
            m[i * n + i] = 0.0;
        }
        return CholInfo {
            rank: 0,
            first_singular: if n > 0 { Some(0) } else { None },
            nonneg: true,
        };
    }
    let eps = eps * toler;
    let mut rank = 0;
    let mut nonneg = true;
    let mut first_singular = None;
    for i in 0..n {
        let pivot = m[i * n + i];
        if !pivot.is_finite() || pivot < eps {
            m[i * n + i] = 0.0;
            if pivot < -8.0 * eps {
                nonneg = false;
            }
            if first_singular.is_none() {
                first_singular = Some(i);
            }
        } else {
            rank += 1;
            for j in (i + 1)..n {
                let temp = m[j * n + i] / pivot;
                m[j * n + i] = temp;
                m[j * n + j] -= temp * temp * pivot;
                for k in (j + 1)..n {
                    m[k * n + j] -= temp * m[k * n + i];
                }
            }
        }
    }
    CholInfo {
        rank,
        first_singular,
        nonneg,
    }
}

/// Solve `A b = y` given the decomposition from [`cholesky`]; `y` is
/// overwritten with `b`. Redundant columns get a zero solution component.
pub fn chol_solve(m: &[f64], n: usize, y: &mut [f64]) {
    for i in 0..n {
        let mut temp = y[i];
        for j in 0..i {
            temp -= y[j] * m[i * n + j];
        }
        y[i] = temp;
    }
    for i in (0..n).rev() {
        if m[i * n + i] == 0.0 {
            y[i] = 0.0;
        } else {
            let mut temp = y[i] / m[i * n + i];
            for j in (i + 1)..n {
                temp -= y[j] * m[j * n + i];
            }
            y[i] = temp;
        }
    }
}

/// Replace the decomposition from [`cholesky`] by the (generalised) inverse
/// of the original matrix, written as a full symmetric matrix. Rows and
/// columns of redundant columns are zero.
pub fn chol_invert(m: &mut [f64], n: usize) {
    // invert the Cholesky factor in the lower triangle
    for i in 0..n {
        if m[i * n + i] > 0.0 {
            m[i * n + i] = 1.0 / m[i * n + i];
            for j in (i + 1)..n {
                m[j * n + i] = -m[j * n + i];
                for k in 0..i {
                    m[j * n + k] += m[j * n + i] * m[i * n + k];
                }
            }
        }
    }
    // F' D F into the upper triangle
    for i in 0..n {
        if m[i * n + i] == 0.0 {
            for j in 0..i {
                m[j * n + i] = 0.0;
            }
            for j in i..n {
                m[i * n + j] = 0.0;
            }
        } else {
            for j in (i + 1)..n {
                let temp = m[j * n + i] * m[j * n + j];
                m[i * n + j] = temp;
                for k in i..j {
                    m[i * n + k] += temp * m[j * n + k];
                }
            }
        }
    }
    // symmetrise
    for i in 0..n {
        for j in (i + 1)..n {
            m[j * n + i] = m[i * n + j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_and_invert_spd() {
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let mut m = a;
        let info = cholesky(&mut m, 3, 1e-12);
        assert_eq!(info.rank, 3);
        assert!(info.first_singular.is_none());
        let mut y = [1.0, 2.0, 3.0];
        chol_solve(&m, 3, &mut y);
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| a[i * 3 + j] * y[j]).sum();
            assert!((r - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        chol_invert(&mut m, 3);
        for i in 0..3 {
            for j in 0..3 {
                let r: f64 = (0..3).map(|k| a[i * 3 + k] * m[k * 3 + j]).sum();
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((r - e).abs() < 1e-12, "{i},{j}: {r}");
            }
        }
    }

    #[test]
    fn singular_column_detected() {
        // third column = first + second
        let a = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0];
        let mut m = a;
        let info = cholesky(&mut m, 3, 1e-9);
        assert_eq!(info.rank, 2);
        assert_eq!(info.first_singular, Some(2));
    }
}
