//! Bracketed inversion of non-decreasing functions.
//!
//! Used as the default [`CumulativeHazard::inverse_cumulative_hazard`](super::CumulativeHazard)
//! and by callers that build composite cumulative hazards without a closed-form
//! inverse. The method must be robust rather than clever: cumulative hazards
//! can be flat (zero-rate pieces), saturate below the target (cure models),
//! or be extremely steep, so every step keeps a strict bracket.

/// Beyond this many months (about 83 billion years) the target is treated as
/// never reached; no clinical hazard needs a larger horizon and the cap makes
/// the doubling phase terminate for defective (cured) distributions.
pub const MAX_TIME: f64 = 1e12;

/// Relative width of the final bracket; well below the 1e-9 agreement with the
/// closed forms that the families are tested against.
pub const RELATIVE_TOLERANCE: f64 = 1e-13;

/// Hard cap on refinement steps. Floating-point resolution normally stops the
/// loop much earlier; the cap only guarantees termination for pathological `f`.
const MAX_ITERATIONS: usize = 2_000;

/// Smallest `t >= 0` with `f(t) >= target` for a non-decreasing `f` with
/// `f(0) = 0`, to relative tolerance [`RELATIVE_TOLERANCE`].
///
/// Returns `0` for `target <= 0`, `NaN` for a `NaN` target, and
/// `f64::INFINITY` when `f` stays below `target` up to [`MAX_TIME`] (or for an
/// infinite target). `NaN` values of `f` are treated as "below target", so a
/// misbehaving `f` yields a finite bracket or infinity, never a panic.
///
/// The bracket is found by doubling from `t = 1` and refined with the Illinois
/// variant of regula falsi, falling back to bisection whenever a step fails to
/// halve the bracket. The returned point always satisfies `f(t) >= target`,
/// which is what makes it the *smallest* such `t` even on flat stretches.
pub fn invert_monotone(f: impl Fn(f64) -> f64, target: f64) -> f64 {
    if target.is_nan() {
        return f64::NAN;
    }
    if target <= 0.0 {
        return 0.0;
    }
    if target == f64::INFINITY {
        return f64::INFINITY;
    }

    // Invariant from here on: g(lo) < 0 <= g(hi) with g = f - target.
    let (mut lo, mut g_lo) = (0.0_f64, -target);
    let mut hi = 1.0_f64;
    let mut g_hi = f(hi) - target;
    while g_hi.is_nan() || g_hi < 0.0 {
        if hi >= MAX_TIME {
            return f64::INFINITY;
        }
        lo = hi;
        g_lo = g_hi;
        hi *= 2.0;
        g_hi = f(hi) - target;
    }

    let mut bisect = false;
    let mut last_side_hi: Option<bool> = None;
    for _ in 0..MAX_ITERATIONS {
        let width = hi - lo;
        if width <= RELATIVE_TOLERANCE * hi {
            break;
        }
        let secant = (lo * g_hi - hi * g_lo) / (g_hi - g_lo);
        let mut x = if bisect { 0.5 * (lo + hi) } else { secant };
        if !(x > lo && x < hi) {
            x = 0.5 * (lo + hi);
        }
        if !(x > lo && x < hi) {
            // No representable point strictly inside the bracket.
            break;
        }
        let g_x = f(x) - target;
        if g_x >= 0.0 {
            hi = x;
            g_hi = g_x;
            // Illinois: if the same end moves twice, halve the stale end's
            // value so the secant stops creeping from one side.
            if last_side_hi == Some(true) {
                g_lo *= 0.5;
            }
            last_side_hi = Some(true);
        } else {
            lo = x;
            g_lo = g_x;
            if last_side_hi == Some(false) {
                g_hi *= 0.5;
            }
            last_side_hi = Some(false);
        }
        bisect = hi - lo > 0.5 * width;
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel_err(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs()
    }

    #[test]
    fn inverts_smooth_functions_over_many_scales() {
        for &k in &[1e-8, 1e-3, 0.05, 1.0, 40.0, 1e6] {
            for &target in &[1e-12, 1e-3, 0.7, 3.0, 50.0] {
                let t = invert_monotone(|t| k * t * t, target);
                assert!(
                    rel_err(t, (target / k).sqrt()) < 1e-12,
                    "k={k} target={target}"
                );
            }
        }
    }

    #[test]
    fn returns_left_end_of_a_flat_stretch() {
        // f rises to 1 on [0, 1], stays flat until 5, then rises again.
        let f = |t: f64| {
            if t <= 1.0 {
                t
            } else if t <= 5.0 {
                1.0
            } else {
                1.0 + (t - 5.0)
            }
        };
        assert!(rel_err(invert_monotone(f, 1.0), 1.0) < 1e-12);
        assert!(rel_err(invert_monotone(f, 1.5), 5.5) < 1e-12);
    }

    #[test]
    fn unreachable_targets_give_infinity() {
        let saturating = |t: f64| 2.0 * (1.0 - (-t).exp());
        assert_eq!(invert_monotone(saturating, 2.5), f64::INFINITY);
        assert_eq!(invert_monotone(|_| f64::NAN, 1.0), f64::INFINITY);
        assert_eq!(invert_monotone(|t| t, f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn degenerate_targets() {
        assert_eq!(invert_monotone(|t| t, 0.0), 0.0);
        assert_eq!(invert_monotone(|t| t, -3.0), 0.0);
        assert!(invert_monotone(|t| t, f64::NAN).is_nan());
    }

    #[test]
    fn handles_steep_jumps() {
        // Step function: the answer is the jump location.
        let step = |t: f64| if t >= 3.25 { 10.0 } else { 0.0 };
        let t = invert_monotone(step, 1.0);
        assert!(rel_err(t, 3.25) < 1e-12);
        assert!(step(t) >= 1.0);
    }
}
