//! Survival-time quantiles with confidence intervals.
//!
//! [`KaplanMeier::quantile`] reproduces `quantile.survfit` (survival 3.5.3,
//! internal helpers `doquant`/`findq`) exactly, because simulated reanalyses
//! are compared with published R output. [`KaplanMeier::median_symmetric`]
//! gives the "median +- z SE" interval that SPSS-style reports quote.

use super::confidence::{bound_z, z_value, ConfType, RInterval, Side};
use super::kaplan_meier::KaplanMeier;

/// `quantile.survfit`'s default `tolerance = sqrt(.Machine$double.eps)`.
///
/// Products of KM factors rarely land on 0.5 exactly in floating point even
/// when they do mathematically (e.g. 10/20), so R treats values within this
/// tolerance of p as hitting p.
pub const QUANTILE_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

/// A survival-time quantile and its confidence limits; `None` where R gives NA
/// (curve or bound never reaches the probability).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QuantileEstimate {
    pub estimate: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// Median with a symmetric normal-approximation interval `median +- z * se`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SymmetricMedian {
    pub estimate: Option<f64>,
    pub se: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// A value on R's side of the computation, keeping NA and NaN apart because
/// `duplicated()` (used by `findq`) does.
#[derive(Debug, Clone, Copy)]
enum RVal {
    Num(f64),
    NaN,
    Na,
}

impl RVal {
    /// `duplicated()` semantics: NA matches NA, NaN matches NaN, numbers by `==`.
    fn same(self, other: RVal) -> bool {
        match (self, other) {
            (RVal::Num(a), RVal::Num(b)) => a == b,
            (RVal::NaN, RVal::NaN) | (RVal::Na, RVal::Na) => true,
            _ => false,
        }
    }

    /// `1 - bound` in R, carrying NA/NaN through.
    fn one_minus(v: f64, na: bool) -> RVal {
        if na {
            RVal::Na
        } else if v.is_nan() {
            RVal::NaN
        } else {
            RVal::Num(1.0 - v)
        }
    }
}

/// `survival:::findq(c(0, time), c(0, 1 - curve), p, tol)` computed in one
/// pass over the curve, so each band value (exp/log work) is evaluated once.
///
/// findq's steps and how they map here:
/// * `max(y, na.rm = TRUE) < p` gives NA: `max_y`.
/// * `y <- y[!duplicated(y)]`, then `approx(y +- tol, 1:n, p, "constant",
///   f = 1)`: the first-occurring point with the smallest shifted value
///   `>= p` (`best_hi`, `best_lo`), or NA when `p` is outside the range of
///   shifted values (`rule = 1`: `min_hi`, `min_lo`). Keeping the first point
///   on ties is exactly the point `duplicated()` keeps, and approx's sort is
///   implicit in taking a minimum, so non-monotone bands are handled too.
/// * quantile = midpoint of the two look-ups. This is the flat-stretch rule:
///   the `+tol` look-up finds where the curve reaches p (within tol), the
///   `-tol` one where it leaves p, so a curve sitting at p on [x1, x2) gives
///   (x1 + x2) / 2 and a curve crossing p gives the crossing time.
/// * `p == 0` gives the origin.
/// * last-point rule: if the last de-duplicated value is within tol of p, the
///   curve sits at p until the end of follow-up and the quantile is the
///   midpoint of where it reached p and the last observed time.
struct FindQ {
    p: f64,
    max_y: f64,
    min_hi: f64,
    min_lo: f64,
    best_hi: Option<(f64, usize)>,
    best_lo: Option<(f64, usize)>,
    /// Largest numeric value so far and where it first occurred.
    top: f64,
    top_pos: usize,
    /// Numeric values never decreased; then the last de-duplicated element is
    /// whichever of {first occurrence of `top`, first NaN, first NA} is latest.
    monotone: bool,
    first_nan: Option<usize>,
    first_na: Option<usize>,
}

impl FindQ {
    fn new(p: f64) -> Self {
        FindQ {
            p,
            max_y: f64::NEG_INFINITY,
            min_hi: f64::INFINITY,
            min_lo: f64::INFINITY,
            best_hi: None,
            best_lo: None,
            top: f64::NEG_INFINITY,
            top_pos: 0,
            monotone: true,
            first_nan: None,
            first_na: None,
        }
    }

    #[inline]
    fn push(&mut self, k: usize, y: RVal) {
        let v = match y {
            RVal::Num(v) => v,
            RVal::NaN => {
                self.first_nan.get_or_insert(k);
                return;
            }
            RVal::Na => {
                self.first_na.get_or_insert(k);
                return;
            }
        };
        let tol = QUANTILE_TOLERANCE;
        self.max_y = self.max_y.max(v);
        let (hi, lo) = (v + tol, v - tol);
        self.min_hi = self.min_hi.min(hi);
        self.min_lo = self.min_lo.min(lo);
        if hi >= self.p && self.best_hi.is_none_or(|(b, _)| hi < b) {
            self.best_hi = Some((hi, k));
        }
        if lo >= self.p && self.best_lo.is_none_or(|(b, _)| lo < b) {
            self.best_lo = Some((lo, k));
        }
        if v > self.top {
            self.top = v;
            self.top_pos = k;
        } else if v < self.top {
            self.monotone = false;
        }
    }

    /// `x(k)` is the time of point k (`x(0) = 0`), `m` the last point; `y` is
    /// only re-evaluated for the rare non-monotone band, to find the last
    /// de-duplicated value.
    fn finish(self, m: usize, x: impl Fn(usize) -> f64, y: impl Fn(usize) -> RVal) -> Option<f64> {
        self.finish_with(m, x, y, true)
    }

    /// As [`Self::finish`]; `last_rule = false` leaves out the last-point
    /// rule, for a pass that skipped points and has shown that no point's
    /// value is within the tolerance of `p` (so the rule cannot apply).
    fn finish_with(
        self,
        m: usize,
        x: impl Fn(usize) -> f64,
        y: impl Fn(usize) -> RVal,
        last_rule: bool,
    ) -> Option<f64> {
        let p = self.p;
        if self.max_y < p {
            return None;
        }
        let indx1 = if p < self.min_hi {
            None
        } else {
            self.best_hi.map(|b| b.1)
        };
        let indx2 = if p < self.min_lo {
            None
        } else {
            self.best_lo.map(|b| b.1)
        };
        let mut quant = match (indx1, indx2) {
            (Some(i), Some(j)) => Some((x(i) + x(j)) / 2.0),
            _ => None,
        };
        if p == 0.0 {
            quant = Some(x(0));
        }
        if !last_rule {
            return quant;
        }
        let last = if self.monotone {
            let mut last = (self.top_pos, RVal::Num(self.top));
            for cand in [(self.first_nan, RVal::NaN), (self.first_na, RVal::Na)] {
                if let (Some(pos), v) = cand {
                    if pos > last.0 {
                        last = (pos, v);
                    }
                }
            }
            last.1
        } else {
            last_unique(m, &y)
        };
        if let RVal::Num(last) = last {
            if (p - last).abs() < QUANTILE_TOLERANCE {
                quant = indx1.map(|i| (x(i) + x(m)) / 2.0);
            }
        }
        quant
    }
}

/// Bounds on `1 - band` over blocks of rows of a Greenwood curve, for the
/// pruned quantile search: one band evaluation stands for a whole block.
///
/// Along the rows S does not rise and Greenwood's standard error does not
/// fall. The upper band rises with both, for `plain` (`S (1 + z se)`,
/// capped at 1), `log` (`S exp(z se)`, capped) and `log-log` (`exp(-h)`,
/// `h = u exp(-c / u)`, `u = -ln S`, `c = z se`: h rises with u and falls
/// with c). The lower band rises with S and falls with the standard error
/// for `plain` (`max(S (1 - z se), 0)`) and `log` (`S exp(-z se)`); for
/// `log-log` it is `exp(-g)`, `g = u exp(c / u)`, which rises with c and is
/// convex in u (`g'' = c^2 exp(c / u) / u^3`), rising only where `u >= c`.
/// `logit` and `arcsin` get no bounds (the search evaluates them row by
/// row). Every bound is a band value at some (S, se) pair, computed as the
/// rows' own values are, so the bounds hold up to the transforms' rounding,
/// which the search's slack covers.
struct BandBounds<'a> {
    surv: &'a [f64],
    se: &'a [f64],
    conf: ConfType,
    z: f64,
}

impl BandBounds<'_> {
    /// `1 - band` at survival `s` and standard error `se`, if a number.
    fn at(&self, s: f64, se: f64, side: Side) -> Option<f64> {
        if s.is_nan() || s <= 0.0 || !se.is_finite() {
            return None;
        }
        let (v, na) = bound_z(s, se, self.conf, self.z, side);
        (!na && v.is_finite()).then_some(1.0 - v)
    }

    /// Whether `g(u, c)` rises in u from row `k` on when c is at most row
    /// `e`'s, i.e. `-ln S_k >= z se_e` (with a margin for rounding).
    fn log_log_rising(&self, k: usize, e: usize) -> bool {
        let s = self.surv[k - 1];
        s < 1.0 && -s.ln() > self.z * self.se[e - 1] * (1.0 + 1e-9) + 1e-300
    }

    /// At least `1 - lower band` at every row of `k..=e` (1-based rows).
    fn lower_max(&self, k: usize, e: usize) -> Option<f64> {
        let (s_end, se_end) = (self.surv[e - 1], self.se[e - 1]);
        let end = || self.at(s_end, se_end, Side::Lower);
        match self.conf {
            ConfType::Plain | ConfType::Log => end(),
            ConfType::LogLog if self.log_log_rising(k, e) => end(),
            // g(u, c_e) is convex in u: its largest value on [u_k, u_e] is
            // at an end.
            ConfType::LogLog => {
                let first = self.at(self.surv[k - 1], se_end, Side::Lower)?;
                Some(first.max(end()?))
            }
            ConfType::Logit | ConfType::Arcsin => None,
        }
    }

    /// Whether `1 - lower band` at every row after `k` is at least its
    /// value at row `k`: always for plain and log; for log-log where
    /// `u_k >= c_k`, since g rises in c and, from `u_k` on, in u.
    fn lower_rises_from(&self, k: usize) -> bool {
        match self.conf {
            ConfType::Plain | ConfType::Log => true,
            ConfType::LogLog => self.log_log_rising(k, k),
            ConfType::Logit | ConfType::Arcsin => false,
        }
    }

    /// At least `1 - upper band` at every row of `k..=e`: the band at the
    /// block's smallest S and smallest standard error.
    fn upper_max(&self, k: usize, e: usize) -> Option<f64> {
        match self.conf {
            ConfType::Plain | ConfType::Log | ConfType::LogLog => {
                self.at(self.surv[e - 1], self.se[k - 1], Side::Upper)
            }
            ConfType::Logit | ConfType::Arcsin => None,
        }
    }

    /// At most `1 - upper band` at every row of `k..=e`: the band at the
    /// block's largest S and largest standard error.
    fn upper_min(&self, k: usize, e: usize) -> Option<f64> {
        match self.conf {
            ConfType::Plain | ConfType::Log | ConfType::LogLog => {
                self.at(self.surv[k - 1], self.se[e - 1], Side::Upper)
            }
            ConfType::Logit | ConfType::Arcsin => None,
        }
    }
}

/// The first row from `k` on not shown to lie below `limit` by `max_over`
/// (an upper bound of the values over a block of rows), `m + 1` if none.
///
/// Blocks start at `size` rows and double while they are ruled out (one
/// bound each); a block that is not is halved until the row is found (a
/// binary search for where the band reaches `limit`, which is where rows
/// start to matter).
fn first_not_below(
    mut k: usize,
    m: usize,
    mut size: usize,
    limit: f64,
    max_over: impl Fn(usize, usize) -> Option<f64>,
) -> usize {
    // The end of a block that could not be ruled out.
    let mut failed: Option<usize> = None;
    loop {
        if k > m {
            return k;
        }
        let e = match failed {
            Some(h) => k + (h - k) / 2,
            None => (k + size - 1).min(m),
        };
        if e == k {
            return k;
        }
        if max_over(k, e).is_some_and(|v| v + SLACK < limit) {
            k = e + 1;
            size = (size * 2).min(MAX_BLOCK);
        } else {
            failed = Some(e);
        }
    }
}

/// Rows ruled out together at most.
const MAX_BLOCK: usize = 64;

/// Rounding of the band transforms (a few ulps) and of `1 - S`.
const SLACK: f64 = 1e-12;

/// [`FindQ`]'s answer for the points `(0, 0)` and `(x(k), y(k))`, k in
/// `1..=m`, when the values are numbers that never decrease, found by two
/// binary searches instead of a pass over every point.
///
/// An unweighted curve is such a case: each factor `(n - d) / n` is at most
/// 1, so S never rises, and `1 - S` (correctly rounded) never falls. Then
/// every step of findq has a closed form: the maximum is the last value;
/// the smallest shifted value `>= p` first occurs at the first point that
/// reaches it (`partition_point`); the smallest shifted values are point
/// 0's (`+-tol`), which `p >= 0` cannot undercut except `p < tol` for the
/// `+tol` look-up; and the last de-duplicated value is the largest.
fn monotone_findq(
    p: f64,
    m: usize,
    x: impl Fn(usize) -> f64,
    y: impl Fn(usize) -> f64,
) -> Option<f64> {
    let tol = QUANTILE_TOLERANCE;
    let value = |k: usize| if k == 0 { 0.0 } else { y(k) };
    let top = value(m);
    if top < p {
        return None;
    }
    // First point whose shifted value reaches p (all later ones do too).
    let first = |shift: f64| {
        let (mut lo, mut hi) = (0usize, m + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if value(mid) + shift >= p {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        (lo <= m).then_some(lo)
    };
    let indx1 = if p < tol { None } else { first(tol) };
    let indx2 = first(-tol);
    let mut quant = match (indx1, indx2) {
        (Some(i), Some(j)) => Some((x(i) + x(j)) / 2.0),
        _ => None,
    };
    if p == 0.0 {
        quant = Some(x(0));
    }
    if (p - top).abs() < QUANTILE_TOLERANCE {
        quant = indx1.map(|i| (x(i) + x(m)) / 2.0);
    }
    quant
}

/// The last element of `y[!duplicated(y)]`: the latest point whose value has
/// not occurred earlier. Quadratic in the worst case, so only used when a
/// band is not monotone.
fn last_unique(m: usize, y: &impl Fn(usize) -> RVal) -> RVal {
    let mut k = m;
    loop {
        let v = y(k);
        if k == 0 {
            return v;
        }
        if v.same(y(k - 1)) || (0..k - 1).any(|j| v.same(y(j))) {
            k -= 1;
            continue;
        }
        return v;
    }
}

impl KaplanMeier {
    /// `quantile(fit, p)` with its confidence limits, where `fit` is
    /// `survfit(..., conf.type = conf, conf.int = level)`.
    ///
    /// The limits are the times at which the pointwise lower/upper survival
    /// bands cross `1 - p` (Brookmeyer-Crowley style inversion, as R does);
    /// each is `None` when that band never gets there. Returns all `None` for
    /// an empty fit or `p` outside [0, 1].
    pub fn quantile(&self, p: f64, conf: ConfType, level: f64) -> QuantileEstimate {
        if self.is_empty() || !(0.0..=1.0).contains(&p) {
            return QuantileEstimate::default();
        }
        let z = z_value(level);
        if let Some(q) = self.quantile_pruned(p, conf, z) {
            return q;
        }
        self.quantile_full(p, conf, z)
    }

    /// [`Self::quantile`] evaluating the bands at every point: the
    /// reference the pruned pass is tested against, and its fallback.
    pub(crate) fn quantile_full(&self, p: f64, conf: ConfType, z: f64) -> QuantileEstimate {
        if self.is_empty() || !(0.0..=1.0).contains(&p) {
            return QuantileEstimate::default();
        }
        let m = self.len();
        let time = self.time();
        let x = |k: usize| if k == 0 { 0.0 } else { time[k - 1] };

        // Point 0 is findq's prepended (firstx = 0, y = 0).
        let mut lo = FindQ::new(p);
        let mut hi = FindQ::new(p);
        lo.push(0, RVal::Num(0.0));
        hi.push(0, RVal::Num(0.0));
        for k in 1..=m {
            // R: lower quantile from 1 - lower band, upper from 1 - upper band.
            let iv = self.interval_at(k - 1, conf, z);
            lo.push(k, RVal::one_minus(iv.lower, iv.lower_na));
            hi.push(k, RVal::one_minus(iv.upper, iv.upper_na));
        }
        let band = |k: usize, upper: bool| -> RVal {
            if k == 0 {
                return RVal::Num(0.0);
            }
            let iv: RInterval = self.interval_at(k - 1, conf, z);
            if upper {
                RVal::one_minus(iv.upper, iv.upper_na)
            } else {
                RVal::one_minus(iv.lower, iv.lower_na)
            }
        };
        let estimate = self.quantile_estimate(p);
        let lower = lo.finish(m, x, |k| band(k, false));
        let upper = hi.finish(m, x, |k| band(k, true));
        QuantileEstimate {
            estimate,
            lower,
            upper,
        }
    }

    /// The confidence limits of `quantile(fit, p)` evaluating the bands only
    /// where they can decide the answer; `None` when this pass cannot vouch
    /// for its result (then the full pass runs).
    ///
    /// Each band is a transform per row (two logarithms and four
    /// exponentials for log-log), and reanalysing a simulated trial spent
    /// most of its Kaplan-Meier time on them. Three facts prune the work
    /// without changing any result:
    ///
    /// * a row whose survival and standard error equal the previous row's (a
    ///   censoring-only time) has the same bands, so they are reused;
    /// * the lower band lies below the curve and the upper band above it
    ///   (for every `conf.type`, up to rounding, which `SLACK` covers). So
    ///   `1 - lower >= 1 - S`: once `1 - S` exceeds the best candidates
    ///   found and `p + tol`, no later row of the lower limit's search can
    ///   win or sit within `tol` of `p`. And `1 - upper <= 1 - S`: while
    ///   `1 - S < p - tol` a row cannot be a candidate of the upper limit's
    ///   search, nor sit near `p`;
    /// * on a Greenwood curve the bands are monotone in S and the standard
    ///   error (see [`BandBounds`]), so one band value bounds a whole block
    ///   of rows. Before candidates are found, blocks that provably stay
    ///   below `p - tol` are skipped, and the row where the band gets there
    ///   is found by halving the block that does not (a binary search);
    ///   after, the upper limit's search skips blocks that provably stay
    ///   above the candidates, and the lower limit's stops at the first row
    ///   past them from which the lower band provably only falls.
    ///
    /// findq's last-point rule only applies when some value lies within
    /// `tol` of `p`; the pass returns `None` if an evaluated one does, and
    /// pruned rows provably do not.
    fn quantile_pruned(&self, p: f64, conf: ConfType, z: f64) -> Option<QuantileEstimate> {
        let tol = QUANTILE_TOLERANCE;
        let usable = (2.0 * tol..=1.0 - 2.0 * tol).contains(&p) && z > 0.0;
        if self.is_empty() || !usable {
            return None;
        }
        let m = self.len();
        let (time, surv, se) = (self.time(), self.surv(), self.std_err());
        let x = |k: usize| if k == 0 { 0.0 } else { time[k - 1] };
        let mut near = false;
        // 1 - band at row k, reusing the previous row's when S and its
        // standard error are unchanged (a censoring-only row).
        let band = |side: Side| {
            let mut memo: Option<(u64, u64, RVal)> = None;
            move |k: usize| -> RVal {
                let key = (surv[k - 1].to_bits(), se[k - 1].to_bits());
                match memo {
                    Some((a, b, y)) if (a, b) == key => y,
                    _ => {
                        let (v, na) = self.bound_at(k - 1, conf, z, side);
                        let y = RVal::one_minus(v, na);
                        memo = Some((key.0, key.1, y));
                        y
                    }
                }
            }
        };
        let mut lower_band = band(Side::Lower);
        let mut upper_band = band(Side::Upper);
        let is_near = |y: RVal| matches!(y, RVal::Num(v) if (v - p).abs() < tol);
        // The value a later row must reach before it can matter to `f`.
        let settled = |f: &FindQ| match (f.best_hi, f.best_lo) {
            (Some((hi, _)), Some((lo, _))) => Some((hi - tol).max(lo + tol).max(p + tol)),
            _ => None,
        };
        let bounds = self
            .variance()
            .log_scale()
            .then_some(BandBounds { surv, se, conf, z });
        let below = p - tol;

        // Lower limit: from the start, skipping rows that provably stay
        // below p - tol, until the curve has passed the best candidates or
        // the band provably only rises from an evaluated row past them.
        let mut lo = FindQ::new(p);
        lo.push(0, RVal::Num(0.0));
        let mut k = 1;
        // Blocks start long from the first row, short after a row that
        // fell just short (the band is then near p).
        let mut size = 16;
        while k <= m {
            let settled_at = settled(&lo);
            if settled_at.is_some_and(|v| 1.0 - surv[k - 1] - SLACK >= v) {
                break;
            }
            if let (None, Some(b)) = (settled_at, &bounds) {
                k = first_not_below(k, m, size, below, |k, e| b.lower_max(k, e));
                if k > m {
                    break;
                }
            }
            let y = lower_band(k);
            near |= is_near(y);
            lo.push(k, y);
            size = 2;
            if let (Some(v), RVal::Num(y), Some(b)) = (settled(&lo), y, &bounds) {
                if y - SLACK >= v && b.lower_rises_from(k) {
                    break;
                }
            }
            k += 1;
        }

        // Upper limit: from where the curve is near p, skipping rows that
        // provably stay below p - tol until candidates are found, then
        // blocks that provably stay above them (growing while they do).
        let mut hi = FindQ::new(p);
        hi.push(0, RVal::Num(0.0));
        let mut k = 1;
        while k <= m && 1.0 - surv[k - 1] + SLACK < below {
            k += 1;
        }
        let (mut size, mut size_below) = (2, 16);
        while k <= m {
            if let Some(b) = &bounds {
                match settled(&hi) {
                    None => {
                        k = first_not_below(k, m, size_below, below, |k, e| b.upper_max(k, e));
                        size_below = 2;
                        if k > m {
                            break;
                        }
                    }
                    Some(v) => {
                        let e = (k + size - 1).min(m);
                        if e > k && b.upper_min(k, e).is_some_and(|y| y - SLACK >= v) {
                            k = e + 1;
                            size = (size * 2).min(MAX_BLOCK);
                            continue;
                        }
                        if e > k && size > 2 {
                            size /= 2;
                            continue;
                        }
                    }
                }
            }
            let y = upper_band(k);
            near |= is_near(y);
            hi.push(k, y);
            k += 1;
        }
        if near {
            return None;
        }
        let unused = |_: usize| RVal::Na;
        Some(QuantileEstimate {
            estimate: self.quantile_estimate(p),
            lower: lo.finish_with(m, x, unused, false),
            upper: hi.finish_with(m, x, unused, false),
        })
    }

    /// Median survival with CI, `quantile(fit, 0.5)`.
    pub fn median(&self, conf: ConfType, level: f64) -> QuantileEstimate {
        self.quantile(0.5, conf, level)
    }

    /// The point estimate of `quantile(fit, p)` alone: the same value as
    /// [`Self::quantile`]'s `estimate`, without evaluating the confidence
    /// bands (a transform per row), for callers that report no CI.
    pub fn quantile_estimate(&self, p: f64) -> Option<f64> {
        if self.is_empty() || !(0.0..=1.0).contains(&p) {
            return None;
        }
        let m = self.len();
        let time = self.time();
        let surv = self.surv();
        let x = |k: usize| if k == 0 { 0.0 } else { time[k - 1] };
        if !self.is_weighted() {
            return monotone_findq(p, m, x, |k| 1.0 - surv[k - 1]);
        }
        let y = |k: usize| {
            if k == 0 {
                RVal::Num(0.0)
            } else {
                RVal::Num(1.0 - surv[k - 1])
            }
        };
        let mut est = FindQ::new(p);
        for k in 0..=m {
            est.push(k, y(k));
        }
        est.finish(m, x, y)
    }

    /// The median alone, `quantile(fit, 0.5)`'s estimate.
    pub fn median_estimate(&self) -> Option<f64> {
        self.quantile_estimate(0.5)
    }

    /// Median with the symmetric interval `median +- z * se` that SPSS's
    /// Kaplan-Meier output (and papers analysed in SPSS) report.
    ///
    /// The standard error is Collett's (*Modelling Survival Data in Medical
    /// Research*, 2nd ed., 2003, sec. 2.4 on the median and percentiles): the
    /// Greenwood SE of S at the median divided by a finite-difference density.
    /// IBM's SPSS algorithms document was not available when this was
    /// written, so SPSS's exact rule is unverified; secondary sources on SPSS
    /// survival output cite this same formula (Collett / Kleinbaum & Klein).
    ///
    /// * median `t50` = smallest event time with `S(t) <= 0.5` (no midpoint
    ///   rule, unlike survfit);
    /// * `se(t50) = se{S(t50)} / f(t50)`, with `se{S}` the Greenwood standard
    ///   error on the survival scale, `S * sqrt(sum d / (n (n - d)))` (for a
    ///   weighted fit, whichever variance the fit used, on the survival
    ///   scale: [`KaplanMeier::surv_std_err`]);
    /// * `f(t50) = (S(u) - S(l)) / (l - u)`, `u` = largest event time with
    ///   `S >= 0.55`, `l` = smallest event time with `S <= 0.45`.
    ///
    /// Comparisons with 0.5 / 0.55 / 0.45 allow [`QUANTILE_TOLERANCE`] so that
    /// e.g. 11/20 computed as a product still counts as 0.55. If no event time
    /// has `S >= 0.55` the origin (`u = 0`, `S = 1`) is used. `se`, `lower` and
    /// `upper` are `None` when `l` does not exist or the SE is not finite and
    /// positive; the lower limit is not truncated at 0, as in the symmetric
    /// formula papers quote.
    pub fn median_symmetric(&self, level: f64) -> SymmetricMedian {
        let tol = QUANTILE_TOLERANCE;
        // Times where the curve steps (an event of positive weight); the
        // third element is the SE of S there, whatever the variance.
        let events = || {
            (0..self.len())
                .filter(move |&i| self.weighted_n_event()[i] > 0.0)
                .map(move |i| (self.time()[i], self.surv()[i], self.surv_std_err(i)))
        };
        let Some((t50, _, se_s50)) = events().find(|&(_, s, _)| s <= 0.5 + tol) else {
            return SymmetricMedian::default();
        };
        let mut out = SymmetricMedian {
            estimate: Some(t50),
            ..SymmetricMedian::default()
        };
        let (u, s_u) = events()
            .rfind(|&(_, s, _)| s >= 0.55 - tol)
            .map_or((0.0, 1.0), |(t, s, _)| (t, s));
        let Some((l, s_l, _)) = events().find(|&(_, s, _)| s <= 0.45 + tol) else {
            return out;
        };
        let density = (s_u - s_l) / (l - u);
        let se = se_s50 / density;
        if !(se.is_finite() && se > 0.0 && l > u) {
            return out;
        }
        let half = z_value(level) * se;
        out.se = Some(se);
        if half.is_finite() {
            out.lower = Some(t50 - half);
            out.upper = Some(t50 + half);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NA: RVal = RVal::Na;
    const NAN: RVal = RVal::NaN;

    fn n(v: f64) -> RVal {
        RVal::Num(v)
    }

    type Case<'a> = (&'a [RVal], &'a [(f64, Option<f64>)]);

    fn findq(y: &[RVal], p: f64) -> Option<f64> {
        let mut f = FindQ::new(p);
        for (k, &v) in y.iter().enumerate() {
            f.push(k, v);
        }
        f.finish(y.len() - 1, |k| k as f64, |k| y[k])
    }

    /// Expected values printed by `survival:::findq(0:6, y, p, sqrt(.Machine$double.eps))`
    /// in R 4 / survival 3.5.3, on curves a KM band can produce: non-monotone
    /// stretches, repeated values, and NaN/NA in different orders.
    #[test]
    fn matches_r_findq_on_synthetic_curves() {
        let cases: &[Case] = &[
            (
                &[n(0.0), n(0.0), n(0.1), n(0.25), n(0.2), n(0.15), n(0.15)],
                &[
                    (0.1, Some(3.5)),
                    (0.15, Some(5.5)),
                    (0.2, Some(3.5)),
                    (0.25, None),
                ],
            ),
            (
                &[n(0.0), n(0.0), n(0.1), n(0.25), n(0.2), n(0.25), n(0.3)],
                &[
                    (0.1, Some(3.0)),
                    (0.15, Some(4.0)),
                    (0.2, Some(3.5)),
                    (0.25, Some(4.5)),
                    (0.3, Some(6.0)),
                ],
            ),
            (
                &[n(0.0), NAN, n(0.1), n(0.25), n(0.25), NA, NA],
                &[(0.0, Some(0.0)), (0.1, Some(2.5)), (0.25, None)],
            ),
            (
                &[n(0.0), NA, n(0.1), n(0.25), n(0.25), NAN, NAN],
                &[(0.0, Some(0.0)), (0.1, Some(2.5)), (0.25, None)],
            ),
            (
                &[n(0.0), NAN, n(0.1), n(0.25), n(0.25), NAN, NA],
                &[(0.0, Some(0.0)), (0.1, Some(2.5)), (0.25, None)],
            ),
            (
                &[n(0.0), n(0.5), n(0.1), n(0.5), n(0.2), n(0.3), n(0.1)],
                &[(0.1, Some(3.0)), (0.3, Some(5.5)), (0.5, None)],
            ),
        ];
        for (y, expected) in cases {
            for &(p, want) in expected.iter() {
                assert_eq!(findq(y, p), want, "y = {y:?}, p = {p}");
            }
        }
    }

    /// Asserts that `quantile` gives `quantile_full`'s bits on fit `km` for
    /// every conf type, level and p given; returns how many cases were
    /// compared and how many of them the pruned pass answered itself.
    fn assert_pruned_is_full(
        km: &KaplanMeier,
        levels: &[f64],
        ps: &[f64],
        round: usize,
    ) -> (usize, usize) {
        let bits =
            |q: QuantileEstimate| [q.estimate, q.lower, q.upper].map(|v| v.map(f64::to_bits));
        let (mut cases, mut pruned) = (0, 0);
        for conf in ConfType::ALL {
            for &level in levels {
                for &p in ps {
                    let z = z_value(level);
                    assert_eq!(
                        bits(km.quantile(p, conf, level)),
                        bits(km.quantile_full(p, conf, z)),
                        "round {round}, n {}, {conf}, level {level}, p {p}",
                        km.n()
                    );
                    cases += 1;
                    pruned += km.quantile_pruned(p, conf, z).is_some() as usize;
                }
            }
        }
        (cases, pruned)
    }

    /// Curves like a simulated trial's arms (continuous exponential times,
    /// 10-40% censored by a uniform cut-off, 20 to 160 subjects), where the
    /// block bounds, the binary search for the band's crossing and the stop
    /// once the lower band only rises all fire: the pruned pass gives the
    /// full pass's bits for every conf type, level and p in {0.25, 0.5,
    /// 0.75}, and takes the pruned pass nearly always.
    #[test]
    fn pruned_pass_equals_the_full_pass_on_trial_like_curves() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        let mut km = KaplanMeier::new();
        let (mut cases, mut pruned) = (0usize, 0usize);
        for round in 0..1500 {
            let n = if round % 2 == 0 {
                rng.gen_range(20..60)
            } else {
                rng.gen_range(140..160)
            };
            // Uniform cut-off on (0, horizon): horizon 100 censors about
            // 10%, 25 about 40%, for a mean event time of 10.
            let horizon = rng.gen_range(25.0..100.0);
            let mut data: Vec<(f64, bool)> = (0..n)
                .map(|_| {
                    let t = -rng.gen::<f64>().ln() * 10.0;
                    let c = rng.gen_range(0.0..horizon);
                    (t.min(c), t <= c)
                })
                .collect();
            if round % 3 == 0 {
                // Sorted input takes the fit's fast path.
                data.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            let (time, event): (Vec<f64>, Vec<bool>) = data.into_iter().unzip();
            km.fit(&time, &event);
            let (c, p) = assert_pruned_is_full(&km, &[0.9, 0.95], &[0.25, 0.5, 0.75], round);
            cases += c;
            pruned += p;
        }
        assert!(pruned * 100 >= cases * 99, "{pruned} of {cases}");
    }

    /// The pruned pass must give exactly what evaluating every row gives:
    /// many random curves (ties, heavy and light censoring, tiny and large
    /// n, case weights whole and fractional), every conf type, levels and
    /// probabilities, compared bit for bit. The pruned pass's share of
    /// fallbacks is checked too, so it is known to do its job.
    #[test]
    fn pruned_pass_equals_the_full_pass() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut km = KaplanMeier::new();
        let (mut cases, mut pruned) = (0usize, 0usize);
        for round in 0..3000 {
            let n = match round % 5 {
                0 => rng.gen_range(1..8),
                1 => rng.gen_range(8..40),
                _ => rng.gen_range(40..320),
            };
            let censor = [0.0, 0.2, 0.5, 0.8][round % 4];
            let grid = [0.0, 0.5, 1.0][round % 3];
            let time: Vec<f64> = (0..n)
                .map(|_| {
                    let t: f64 = -rng.gen::<f64>().ln() * 10.0;
                    if grid > 0.0 {
                        (t / grid).ceil() * grid
                    } else {
                        t
                    }
                })
                .collect();
            let event: Vec<bool> = (0..n).map(|_| rng.gen::<f64>() >= censor).collect();
            match round % 7 {
                5 => {
                    let w: Vec<f64> = (0..n).map(|_| rng.gen_range(1..4) as f64).collect();
                    km.fit_weighted(&time, &event, &w).unwrap();
                }
                6 => {
                    let w: Vec<f64> = (0..n).map(|_| rng.gen_range(0.2..3.0)).collect();
                    km.fit_weighted(&time, &event, &w).unwrap();
                }
                _ => km.fit(&time, &event),
            }
            let levels = [0.8, 0.95, 0.99];
            let ps = [0.1, 0.25, 0.5, 0.75, 0.9];
            let (c, p) = assert_pruned_is_full(&km, &levels, &ps, round);
            cases += c;
            pruned += p;
        }
        // Nearly every case takes the pruned pass (the fallback is for
        // values within 1.5e-8 of p, which grid times make common).
        assert!(pruned * 10 >= cases * 8, "{pruned} of {cases}");
    }
}
