//! Largest-remainder (Hamilton) apportionment of `n` patients over weighted levels.
//!
//! Exact mode reproduces a table's counts. At the table's own n the quotas are the counts
//! themselves (weights are kept as integer counts, so `count * n / total` is exact) and the
//! result equals the table. At another n, each level gets the floor of its quota
//! `n * w / sum(w)` and the seats left over go, one each, to the largest fractional parts:
//! every level ends within one patient of its quota, and the total is exactly n.
//! Ties are broken by level order (the first listed level wins), so the result is
//! deterministic. Quotas within 1e-9 of an integer are snapped to it, so that
//! floating-point noise in probability weights (0.05 * 60 = 2.9999999999999996) cannot move
//! a seat. Allocation-free: it writes into a caller-provided slice.

use std::fmt;

/// Why apportionment failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApportionError {
    /// `out` and `weights` differ in length.
    LengthMismatch {
        /// Number of weights.
        weights: usize,
        /// Length of the output slice.
        out: usize,
    },
    /// A weight is negative or not finite, or all weights are zero.
    InvalidWeights,
}

impl fmt::Display for ApportionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApportionError::LengthMismatch { weights, out } => {
                write!(f, "{weights} weights but an output of length {out}")
            }
            ApportionError::InvalidWeights => {
                write!(f, "weights must be finite, non-negative and not all zero")
            }
        }
    }
}

impl std::error::Error for ApportionError {}

#[inline]
fn quota(w: f64, n: usize, total: f64) -> f64 {
    let q = w * n as f64 / total;
    let r = q.round();
    if (q - r).abs() <= 1e-9 * r.abs().max(1.0) {
        r
    } else {
        q
    }
}

/// Apportions `n` over `weights` by largest remainder, writing counts into `out`.
pub fn largest_remainder(
    weights: &[f64],
    n: usize,
    out: &mut [usize],
) -> Result<(), ApportionError> {
    if weights.len() != out.len() {
        return Err(ApportionError::LengthMismatch {
            weights: weights.len(),
            out: out.len(),
        });
    }
    let total: f64 = weights.iter().sum();
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0)
        || total.is_nan()
        || total <= 0.0
        || !total.is_finite()
    {
        return Err(ApportionError::InvalidWeights);
    }
    let mut assigned = 0usize;
    for (o, &w) in out.iter_mut().zip(weights) {
        *o = quota(w, n, total).floor() as usize;
        assigned = assigned.saturating_add(*o);
    }
    // Hand out the remaining seats to the largest remainders (first level wins ties); a
    // level takes at most one extra seat, and never when its weight is zero.
    while assigned < n {
        let mut best: Option<(usize, f64)> = None;
        for (i, &w) in weights.iter().enumerate() {
            let q = quota(w, n, total);
            if w <= 0.0 || out[i] as f64 > q.floor() {
                continue;
            }
            let rem = q - q.floor();
            if best.is_none_or(|(_, r)| rem > r) {
                best = Some((i, rem));
            }
        }
        let i = match best {
            Some((i, _)) => i,
            // Only reachable through rounding: give the seat to the heaviest level.
            None => heaviest(weights),
        };
        out[i] += 1;
        assigned += 1;
    }
    // Only reachable through rounding: take seats back from the smallest remainders.
    while assigned > n {
        let mut best: Option<(usize, f64)> = None;
        for (i, &w) in weights.iter().enumerate() {
            if out[i] == 0 {
                continue;
            }
            let q = quota(w, n, total);
            let rem = q - q.floor();
            if best.is_none_or(|(_, r)| rem < r) {
                best = Some((i, rem));
            }
        }
        match best {
            Some((i, _)) => {
                out[i] -= 1;
                assigned -= 1;
            }
            None => break,
        }
    }
    Ok(())
}

fn heaviest(weights: &[f64]) -> usize {
    let mut best = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > weights[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_n_is_identity() {
        let w = [27.0, 30.0, 3.0];
        let mut out = [0; 3];
        largest_remainder(&w, 60, &mut out).unwrap();
        assert_eq!(out, [27, 30, 3]);
    }

    #[test]
    fn other_n_by_hand() {
        // 137 * (27, 30, 3) / 60 = 61.65, 68.5, 6.85 -> floors 61, 68, 6; 2 seats to .85, .65
        let mut out = [0; 3];
        largest_remainder(&[27.0, 30.0, 3.0], 137, &mut out).unwrap();
        assert_eq!(out, [62, 68, 7]);
    }

    #[test]
    fn float_noise_does_not_move_seats() {
        let mut out = [0; 3];
        largest_remainder(&[0.45, 0.95 - 0.45, 1.0 - 0.95], 60, &mut out).unwrap();
        assert_eq!(out, [27, 30, 3]);
    }

    #[test]
    fn ties_go_to_first_and_zero_weight_gets_nothing() {
        let mut out = [0; 3];
        largest_remainder(&[1.0, 0.0, 1.0], 3, &mut out).unwrap();
        assert_eq!(out, [2, 0, 1]);
        largest_remainder(&[1.0, 0.0, 1.0], 0, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0]);
    }

    #[test]
    fn invalid_inputs_are_errors() {
        let mut out = [0; 2];
        assert_eq!(
            largest_remainder(&[0.0, 0.0], 5, &mut out),
            Err(ApportionError::InvalidWeights)
        );
        assert_eq!(
            largest_remainder(&[1.0, f64::NAN], 5, &mut out),
            Err(ApportionError::InvalidWeights)
        );
        assert!(matches!(
            largest_remainder(&[1.0], 5, &mut out),
            Err(ApportionError::LengthMismatch { .. })
        ));
    }
}
