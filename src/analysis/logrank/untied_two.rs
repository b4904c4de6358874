//! The plain two-group log-rank sums on one stratum without ties: every row
//! is its own time (continuous simulated times), with 0 or 1 death.
//!
//! survdiff2's blocked loop adds, at a row with one death, `wt = 1` and
//! `deaths = 1` terms; at a censored row every term it would add is exactly
//! +0.0 (and no sum is ever -0.0, so adding +0.0 changes no bit). The
//! censored rows are therefore dropped first, branch-free (a death and an
//! arm are coin flips, so branches on them mispredict), and the four
//! divisions of a death go into a loop of their own that has no
//! loop-carried dependency and so runs two divisions per instruction; the
//! sums then follow in the blocked loop's order. The result is the blocked
//! loop's to the bit (tests/estimator_fast_paths.rs,
//! tests/logrank_two_sorted.rs).

/// Per-death buffers, grown to the largest n seen and never shrunk.
#[derive(Debug, Clone, Default)]
pub(super) struct Scratch {
    /// Numbers at risk in group 0 and 1 and in all, at each death.
    r0: Vec<f64>,
    r1: Vec<f64>,
    nrisk: Vec<f64>,
    /// The dying subject's group (0 or 1).
    g: Vec<f64>,
    /// The death's expected shares `r0 / n`, `r1 / n` and variance factors
    /// `f = (n - 1) / (n (n - 1))`, `f / n`.
    e0: Vec<f64>,
    e1: Vec<f64>,
    f: Vec<f64>,
    f_n: Vec<f64>,
}

/// Observed, expected and the row-major 2 x 2 variance.
pub(super) struct Sums {
    pub obs: [f64; 2],
    pub exp: [f64; 2],
    pub var: [f64; 4],
}

/// `true` when sorted rows with these times are untied for survdiff: every
/// time strictly above the previous one and, with `timefix`, no two merged
/// by aeqSurv. aeqSurv merges `a < b` when `b - a <= tol` or
/// `(b - a) / mean <= tol`, `mean` the mean |time|; the mean is at most
/// the largest |time| (the first or last, once the order is checked), and
/// the computed mean at most a relative 2^-20 above it (n < 2^32), so a gap
/// above `2 tol max|time|` is never merged, whatever the mean's rounding.
/// Times near a merge (or huge enough for the mean's sum to overflow) give
/// `false` and the general path decides. One pass, without early exit.
pub(super) fn untied_sorted(time: &[f64], timefix: bool) -> bool {
    let (Some(&first), Some(&last)) = (time.first(), time.last()) else {
        return false;
    };
    let tol = f64::EPSILON.sqrt();
    let top = first.abs().max(last.abs());
    if top > 1e290 {
        return false;
    }
    // Without timefix any positive gap separates; `gap > 0` is `b > a`.
    let min_gap = if timefix {
        (2.0 * tol * top).max(tol)
    } else {
        0.0
    };
    time.windows(2)
        .fold(true, |ok, w| ok & (w[1] - w[0] > min_gap))
}

/// The sums over rows given in time order as (group is 1, died), `n` rows
/// of which `n1` in group 1.
pub(super) fn accumulate(
    rows: impl Iterator<Item = (bool, bool)>,
    n: usize,
    n1: usize,
    s: &mut Scratch,
) -> Sums {
    for v in [&mut s.r0, &mut s.r1, &mut s.nrisk, &mut s.g] {
        v.clear();
        v.resize(n, 0.0);
    }
    // Keep the deaths: each row is written at `m`, which only moves on
    // past a death.
    let (mut r1, mut r0) = (n1 as f64, (n - n1) as f64);
    let mut m = 0;
    for (i, (g1, dead)) in rows.take(n).enumerate() {
        let g = f64::from(u8::from(g1));
        s.r0[m] = r0;
        s.r1[m] = r1;
        s.nrisk[m] = (n - i) as f64;
        s.g[m] = g;
        m += usize::from(dead);
        r0 -= 1.0 - g;
        r1 -= g;
    }
    for v in [&mut s.e0, &mut s.e1, &mut s.f, &mut s.f_n] {
        v.clear();
        v.resize(m, 0.0);
    }
    let (r0, r1, nrisk) = (&s.r0[..m], &s.r1[..m], &s.nrisk[..m]);
    for j in 0..m {
        let nr = nrisk[j];
        // survdiff2's terms with d = 1 (1 * x is x to the bit).
        s.e0[j] = r0[j] / nr;
        s.e1[j] = r1[j] / nr;
        // Variance terms exist only while two are at risk.
        let f = if nr > 1.0 {
            (nr - 1.0) / (nr * (nr - 1.0))
        } else {
            0.0
        };
        s.f[j] = f;
        s.f_n[j] = f / nr;
    }
    let (mut o0, mut o1, mut e0, mut e1) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    let (mut v00, mut v01, mut v10, mut v11) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    for j in 0..m {
        let (ra, rb, g, f, f_n) = (r0[j], r1[j], s.g[j], s.f[j], s.f_n[j]);
        o0 += 1.0 - g;
        o1 += g;
        e0 += s.e0[j];
        e1 += s.e1[j];
        v00 += f * ra;
        let c = f_n * ra;
        v00 -= c * ra;
        v01 -= c * rb;
        v11 += f * rb;
        let c = f_n * rb;
        v10 -= c * ra;
        v11 -= c * rb;
    }
    Sums {
        obs: [o0, o1],
        exp: [e0, e1],
        var: [v00, v01, v10, v11],
    }
}
