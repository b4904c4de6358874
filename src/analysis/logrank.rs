//! K-sample log-rank and weighted (Fleming-Harrington) tests for right-censored
//! data, numerically matching R's `survival::survdiff` (survival 3.5.x).
//!
//! # What is computed
//!
//! For each stratum, the rows are ordered by time and processed one distinct
//! time at a time (ties form one block). At a time `t` with `n` subjects at
//! risk (`n_k` in group `k`) and `d` deaths (`d_k` in group `k`), with weight
//! `w(t)`:
//!
//! * observed  `O_k += w * d_k`
//! * expected  `E_k += w * d * n_k / n`
//! * variance  `V_jk += w² * d (n - d) / (n (n - 1)) * (n_j δ_jk - n_j n_k / n)`
//!   (hypergeometric, skipped when `n == 1`)
//!
//! `O`, `E` and `V` are summed over strata. The weight is
//! `w(t) = S(t-)^rho * (1 - S(t-))^gamma`, where `S(t-)` is the *pooled,
//! per-stratum*, left-continuous Kaplan-Meier estimate. `rho = gamma = 0`
//! (or [`Weighting::LogRank`]) gives weight 1. With `gamma = 0` this is
//! exactly survdiff's `G(rho)` family (C routine `survdiff2`); as in survdiff,
//! the reported observed and expected values are **weighted** sums.
//! `O`, `E` and the Kaplan-Meier use survdiff2's operation order; the variance
//! update hoists the risk-free factors (a few ulps). Against R the fixtures
//! agree to about 1e-13 relative.
//!
//! # Chi-square, degrees of freedom (survdiff rules)
//!
//! * A group is *informative* when its (weighted) expected value is `> 0`.
//!   Groups with no rows, or whose rows are all gone before the first
//!   death with non-zero weight, are excluded (with `gamma > 0` the weight
//!   at the first death time is 0 because `S(t-) = 1`).
//! * `df = (number of informative groups) - 1`.
//! * `chisq = z' V⁻¹ z`, where `z = O - E` and `V` restricted to the
//!   informative groups **minus the first informative one** (survdiff drops
//!   the first group). The reduced system is solved with an LDLᵀ
//!   (cholesky2-style) generalised inverse: singular pivots (below
//!   `eps^0.75` times the largest diagonal entry) are set to zero. When the
//!   reduced matrix is non-singular this is the same number survdiff's
//!   `solve()` gives; when it is singular (e.g. every subject at risk dies at
//!   the only death time) R stops with an error, whereas this returns the
//!   generalised-inverse quadratic form and reports the rank in
//!   [`LogRankResult::rank`].
//! * Fewer than two informative groups: `chisq = 0` (as survdiff),
//!   `df = 0`, `p_value = NaN` and [`LogRankError::TooFewGroups`].
//! * `p_value` is the chi-square upper tail with `df` degrees of freedom.
//!
//! # Ties and `timefix`
//!
//! survdiff runs `aeqSurv()` (its `timefix = TRUE` default) before testing:
//! consecutive distinct times `a < b` (over all rows, all strata) with
//! `b - a <= sqrt(eps)` or `(b - a) / mean(|unique times|) <= sqrt(eps)` are
//! merged, chaining, into the smallest. This is reproduced by default;
//! switch it off with [`LogRank::set_timefix`]. Tied times are one block,
//! deaths and censorings at the same time: censored subjects count as at risk.
//!
//! # Performance
//!
//! [`LogRank`] keeps all buffers; after the first call with a given
//! `(n, n_groups)` size no further allocation happens. Sorting uses
//! `sort_unstable_by_key` on an owned buffer of 16-byte row records
//! (time key, group/event, row index). Two groups of untied times already
//! in order, unstratified and unweighted (a simulated two-arm trial), skip
//! the records and the sort altogether.
//!
//! ```
//! use cohortsim::analysis::logrank::{LogRank, Weighting};
//! let time = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let event = [true, true, false, true, false, true];
//! let group = [0, 0, 1, 1, 0, 1];
//! let mut lr = LogRank::new();
//! let res = lr.test(&time, &event, &group, 2, None, Weighting::LogRank);
//! assert!(res.error.is_none());
//! assert_eq!(res.df, 1);
//! assert!((lr.observed()[0] - 2.0).abs() < 1e-12);
//! ```

mod untied_two;

use super::time_key::{key_time, total_key};
use std::fmt;

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Largest number of groups accepted (the variance matrix is `k × k`).
pub const MAX_GROUPS: usize = 1024;

/// Weight function of the test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Weighting {
    /// Ordinary log-rank (Mantel-Haenszel): weight 1. survdiff `rho = 0`.
    LogRank,
    /// `w(t) = S(t-)^rho * (1 - S(t-))^gamma` with the pooled left-continuous
    /// Kaplan-Meier `S`. `gamma = 0` is survdiff's `rho = rho`.
    /// `rho` must be finite, `gamma` finite and `>= 0`.
    FlemingHarrington {
        /// Exponent of `S(t-)` (early differences).
        rho: f64,
        /// Exponent of `1 - S(t-)` (late differences).
        gamma: f64,
    },
}

impl Weighting {
    /// survdiff's `G(rho)` family (`FlemingHarrington { rho, gamma: 0 }`).
    pub fn g_rho(rho: f64) -> Self {
        Weighting::FlemingHarrington { rho, gamma: 0.0 }
    }
}

/// Why a result is degenerate or invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogRankError {
    /// `time`, `event`, `group` (and `strata` when given) differ in length.
    LengthMismatch {
        /// `time.len()`
        time: usize,
        /// `event.len()`
        event: usize,
        /// `group.len()`
        group: usize,
        /// `strata.len()` if strata were given
        strata: Option<usize>,
    },
    /// `n_groups` is 0 or larger than [`MAX_GROUPS`].
    BadGroupCount {
        /// the `n_groups` argument
        n_groups: usize,
    },
    /// A group label is `>= n_groups`.
    GroupOutOfRange {
        /// first offending row
        row: usize,
        /// its label
        group: u32,
    },
    /// A time is NaN or infinite.
    NonFiniteTime {
        /// first offending row
        row: usize,
    },
    /// `rho` not finite, or `gamma` not finite or negative.
    InvalidWeighting,
    /// More than `u32::MAX` rows.
    TooManyRows,
    /// Fewer than two groups with expected > 0 (includes empty input, one
    /// group only, all censored). Observed/expected/variance are still
    /// filled in; `chisq = 0`, `df = 0`, `p_value = NaN`.
    TooFewGroups {
        /// number of groups with expected > 0
        informative: usize,
    },
}

impl fmt::Display for LogRankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LogRankError::LengthMismatch {
                time,
                event,
                group,
                strata,
            } => {
                write!(
                    f,
                    "input lengths differ: time {time}, event {event}, group {group}"
                )?;
                if let Some(s) = strata {
                    write!(f, ", strata {s}")?;
                }
                Ok(())
            }
            LogRankError::BadGroupCount { n_groups } => {
                write!(f, "n_groups = {n_groups} is not in 1..={MAX_GROUPS}")
            }
            LogRankError::GroupOutOfRange { row, group } => {
                write!(f, "group label {group} at row {row} is >= n_groups")
            }
            LogRankError::NonFiniteTime { row } => write!(f, "non-finite time at row {row}"),
            LogRankError::InvalidWeighting => write!(
                f,
                "invalid weighting: rho must be finite, gamma finite and >= 0"
            ),
            LogRankError::TooManyRows => write!(f, "more than u32::MAX rows"),
            LogRankError::TooFewGroups { informative } => write!(
                f,
                "only {informative} group(s) with expected > 0: no test possible"
            ),
        }
    }
}

impl std::error::Error for LogRankError {}

/// Scalar summary of one test. Per-group vectors are on [`LogRank`]
/// ([`LogRank::observed`], [`LogRank::expected`], [`LogRank::variance`], ...).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRankResult {
    /// Chi-square statistic (NaN on invalid input, 0 with too few groups).
    pub chisq: f64,
    /// Degrees of freedom: informative groups - 1 (0 when degenerate).
    pub df: usize,
    /// Upper-tail chi-square p-value (NaN when `df == 0` or input invalid).
    pub p_value: f64,
    /// Rank of the reduced variance matrix used for `chisq`; equals `df`
    /// unless the matrix is singular (where R's survdiff would stop).
    pub rank: usize,
    /// Number of rows used.
    pub n: usize,
    /// Number of distinct strata (1 without strata, 0 for empty input).
    pub n_strata: usize,
    /// `None` for a regular result.
    pub error: Option<LogRankError>,
}

impl LogRankResult {
    fn invalid(e: LogRankError, n: usize) -> Self {
        LogRankResult {
            chisq: f64::NAN,
            df: 0,
            p_value: f64::NAN,
            rank: 0,
            n,
            n_strata: 0,
            error: Some(e),
        }
    }

    /// `true` when a test statistic with `df >= 1` was computed.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }
}

/// One row in processing order.
#[derive(Debug, Clone, Copy)]
struct Rec {
    /// First the time's total-order key, then `stratum << 32 | tie id`.
    key: u64,
    /// `group << 1 | event`.
    gev: u32,
    /// Original row (to look up the stratum).
    row: u32,
}

/// Reusable K-sample (weighted) log-rank tester. See the module docs.
#[derive(Debug, Clone)]
pub struct LogRank {
    timefix: bool,
    k: usize,
    // per-row / per-position buffers
    recs: Vec<Rec>,
    // per-group buffers
    risk: Vec<f64>,
    obs: Vec<f64>,
    exp: Vec<f64>,
    var: Vec<f64>, // k*k, row-major (symmetric)
    n_per_group: Vec<u64>,
    events: Vec<u64>,
    // solver buffers
    sel: Vec<usize>,
    z: Vec<f64>,
    work: Vec<f64>,
    untied: untied_two::Scratch,
}

impl Default for LogRank {
    fn default() -> Self {
        Self::new()
    }
}

impl LogRank {
    /// New tester with survdiff's default `timefix = true`.
    pub fn new() -> Self {
        LogRank {
            timefix: true,
            k: 0,
            recs: Vec::new(),
            risk: Vec::new(),
            obs: Vec::new(),
            exp: Vec::new(),
            var: Vec::new(),
            n_per_group: Vec::new(),
            events: Vec::new(),
            sel: Vec::new(),
            z: Vec::new(),
            work: Vec::new(),
            untied: untied_two::Scratch::default(),
        }
    }

    /// Pre-size buffers for `n` rows and `n_groups` groups (optional).
    pub fn with_capacity(n: usize, n_groups: usize) -> Self {
        let mut s = Self::new();
        s.recs.reserve(n);
        s.resize_groups(n_groups.min(MAX_GROUPS));
        s
    }

    /// Merge near-equal times as survdiff's `timefix = TRUE` (`aeqSurv`)
    /// does. Default `true`.
    pub fn set_timefix(&mut self, on: bool) {
        self.timefix = on;
    }

    /// Current `timefix` setting.
    pub fn timefix(&self) -> bool {
        self.timefix
    }

    /// The two-group log-rank chi-square and p-value read off the score
    /// statistic of a Cox model with the groups' 0/1 dummy as its only
    /// covariate, fitted to the same rows (`CoxFit::score_chisq`), when no
    /// two of the `time`s, given in ascending order, tie for survdiff (with
    /// this tester's `timefix`); `None` when they may tie or are out of
    /// order, and the test must run.
    ///
    /// Without ties every death is alone at its time, so coxph's score
    /// U(0)^2 / I(0) (Breslow and Efron alike) and survdiff's
    /// (O - E)^2 / V add the same terms, `s1 - n1 / n` and `n0 n1 / n^2` at
    /// each death (survival's documentation calls coxph's score test the
    /// log-rank test): the two agree up to rounding (tests/logrank_from_cox_score.rs:
    /// 6e-14 at worst, relative to the chi-square plus its square root,
    /// since the score's rounding is absolute near 0), and a trial that fits
    /// the Cox model anyway need not run the test's own pass.
    pub fn untied_two_group_from_score(
        &self,
        time: &[f64],
        score_chisq: f64,
    ) -> Option<(f64, f64)> {
        (score_chisq.is_finite() && untied_two::untied_sorted(time, self.timefix))
            .then(|| (score_chisq, chisq_sf(score_chisq, 1)))
    }

    /// Number of groups of the last call.
    pub fn n_groups(&self) -> usize {
        self.k
    }

    /// Weighted observed events per group (survdiff `obs`, summed over strata).
    pub fn observed(&self) -> &[f64] {
        &self.obs[..self.k]
    }

    /// Weighted expected events per group (survdiff `exp`, summed over strata).
    pub fn expected(&self) -> &[f64] {
        &self.exp[..self.k]
    }

    /// Variance matrix of `O - E`, `n_groups × n_groups`, row-major
    /// (symmetric; survdiff `var`).
    pub fn variance(&self) -> &[f64] {
        &self.var[..self.k * self.k]
    }

    /// Entry `(i, j)` of the variance matrix (NaN when out of range).
    pub fn variance_at(&self, i: usize, j: usize) -> f64 {
        if i < self.k && j < self.k {
            self.var[i * self.k + j]
        } else {
            f64::NAN
        }
    }

    /// Rows per group (survdiff `n`).
    pub fn n_per_group(&self) -> &[u64] {
        &self.n_per_group[..self.k]
    }

    /// Unweighted number of events per group.
    pub fn events(&self) -> &[u64] {
        &self.events[..self.k]
    }

    fn resize_groups(&mut self, k: usize) {
        self.k = k;
        self.risk.resize(k, 0.0);
        self.obs.resize(k, 0.0);
        self.exp.resize(k, 0.0);
        self.var.resize(k * k, 0.0);
        self.n_per_group.resize(k, 0);
        self.events.resize(k, 0);
        self.sel.resize(k, 0);
        self.z.resize(k, 0.0);
        self.work.resize(k * k, 0.0);
    }

    fn fill_nan(&mut self) {
        let k = self.k;
        self.obs[..k].fill(f64::NAN);
        self.exp[..k].fill(f64::NAN);
        self.var[..k * k].fill(f64::NAN);
        self.n_per_group[..k].fill(0);
        self.events[..k].fill(0);
    }

    /// Run the test.
    ///
    /// * `time`: follow-up times (finite); `event`: `true` = event, `false` = censored.
    /// * `group`: labels `0..n_groups`; labels with no rows are allowed.
    /// * `strata`: optional stratum labels (any `u32`), stratified test as
    ///   `survdiff(... + strata(s))`.
    ///
    /// Never panics. Invalid input gives `chisq = p_value = NaN`, NaN-filled
    /// per-group vectors (when `n_groups` is valid) and `error = Some(..)`.
    pub fn test(
        &mut self,
        time: &[f64],
        event: &[bool],
        group: &[u32],
        n_groups: usize,
        strata: Option<&[u32]>,
        weights: Weighting,
    ) -> LogRankResult {
        let n = time.len();
        // ---- validation -------------------------------------------------
        if n_groups == 0 || n_groups > MAX_GROUPS {
            self.k = 0;
            return LogRankResult::invalid(LogRankError::BadGroupCount { n_groups }, n);
        }
        self.resize_groups(n_groups);
        if event.len() != n || group.len() != n || strata.is_some_and(|s| s.len() != n) {
            self.fill_nan();
            return LogRankResult::invalid(
                LogRankError::LengthMismatch {
                    time: n,
                    event: event.len(),
                    group: group.len(),
                    strata: strata.map(|s| s.len()),
                },
                n,
            );
        }
        if n > u32::MAX as usize {
            self.fill_nan();
            return LogRankResult::invalid(LogRankError::TooManyRows, n);
        }
        let (rho, gamma) = match weights {
            Weighting::LogRank => (0.0, 0.0),
            Weighting::FlemingHarrington { rho, gamma } => (rho, gamma),
        };
        if !rho.is_finite() || !gamma.is_finite() || gamma < 0.0 {
            self.fill_nan();
            return LogRankResult::invalid(LogRankError::InvalidWeighting, n);
        }
        if let Some(row) = time.iter().position(|t| !t.is_finite()) {
            self.fill_nan();
            return LogRankResult::invalid(LogRankError::NonFiniteTime { row }, n);
        }
        if let Some(row) = group.iter().position(|&g| g as usize >= n_groups) {
            self.fill_nan();
            return LogRankResult::invalid(
                LogRankError::GroupOutOfRange {
                    row,
                    group: group[row],
                },
                n,
            );
        }

        // ---- accumulate O, E, V ------------------------------------------
        let k = n_groups;
        self.obs[..k].fill(0.0);
        self.exp[..k].fill(0.0);
        self.var[..k * k].fill(0.0);
        self.n_per_group[..k].fill(0);
        self.events[..k].fill(0);
        for (&g, &e) in group.iter().zip(event) {
            self.n_per_group[g as usize] += 1;
            self.events[g as usize] += e as u64;
        }

        // Two arms of continuous times, handed over sorted (a simulated
        // trial): the order is the identity and every row its own time, so
        // the records and their sort are skipped; the sums are the ones the
        // general path gives (tests/logrank_two_sorted.rs).
        let n_strata = if k == 2
            && strata.is_none()
            && rho == 0.0
            && gamma == 0.0
            && untied_two::untied_sorted(time, self.timefix)
        {
            let rows = group.iter().zip(event).map(|(&g, &e)| (g == 1, e));
            let n1 = self.n_per_group[1] as usize;
            let sums = untied_two::accumulate(rows, n, n1, &mut self.untied);
            self.store_two(&sums);
            1
        } else {
            let n_strata = self.order(time, event, group, strata);
            self.accumulate(rho, gamma);
            n_strata
        };

        // ---- chi-square --------------------------------------------------
        let (chisq, df, rank, informative) = self.chisq();
        let mut res = LogRankResult {
            chisq,
            df,
            p_value: f64::NAN,
            rank,
            n,
            n_strata,
            error: None,
        };
        if informative < 2 {
            res.error = Some(LogRankError::TooFewGroups { informative });
        } else {
            res.p_value = chisq_sf(chisq, df);
        }
        res
    }

    /// Fill `recs` with one record per row in processing order (stratum,
    /// time); afterwards `rec.key = stratum << 32 | tie-block id`.
    /// Returns the number of strata.
    fn order(
        &mut self,
        time: &[f64],
        event: &[bool],
        group: &[u32],
        strata: Option<&[u32]>,
    ) -> usize {
        let n = time.len();
        self.recs.clear();
        if n == 0 {
            return 0;
        }
        // Sort key: the IEEE total order of the time mapped to u64.
        self.recs
            .extend(
                time.iter()
                    .zip(group)
                    .zip(event)
                    .zip(0u32..)
                    .map(|(((&t, &g), &e), i)| Rec {
                        key: total_key(t),
                        gev: (g << 1) | e as u32,
                        row: i,
                    }),
            );
        self.recs.sort_unstable_by_key(|r| r.key);

        // aeqSurv tolerance: relative to the mean |.| of the distinct times.
        let tol = f64::EPSILON.sqrt();
        let mean_abs = if self.timefix {
            let mut sum = 0.0;
            let mut cnt = 0usize;
            let mut prev = f64::NAN;
            for r in &self.recs {
                let t = key_time(r.key);
                if t != prev {
                    sum += t.abs();
                    cnt += 1;
                    prev = t;
                }
            }
            sum / cnt as f64
        } else {
            f64::NAN
        };
        // Replace the sort key by (stratum, tie-block id).
        let mut id: u64 = 0;
        let mut prev = key_time(self.recs[0].key);
        for r in self.recs.iter_mut() {
            let t = key_time(r.key);
            if t != prev {
                // -0.0 == 0.0, so signed zeros share a block (as in C)
                let dy = t - prev;
                let tied = self.timefix && (dy <= tol || dy / mean_abs <= tol);
                if !tied {
                    id += 1;
                }
                prev = t;
            }
            let st = strata.map_or(0, |s| s[r.row as usize]) as u64;
            r.key = (st << 32) | id;
        }
        match strata {
            None => 1,
            Some(_) => {
                self.recs.sort_unstable_by_key(|r| r.key);
                1 + self
                    .recs
                    .windows(2)
                    .filter(|w| (w[0].key >> 32) != (w[1].key >> 32))
                    .count()
            }
        }
    }

    /// One forward pass per stratum over tie blocks (survdiff2 arithmetic).
    fn accumulate(&mut self, rho: f64, gamma: f64) {
        if self.k == 2 {
            self.accumulate_two(rho, gamma);
            return;
        }
        let k = self.k;
        let recs = &self.recs[..];
        let n = recs.len();
        let risk = &mut self.risk[..k];
        let obs = &mut self.obs[..k];
        let exp = &mut self.exp[..k];
        let var = &mut self.var[..k * k];

        let mut start = 0;
        while start < n {
            let end = stratum_end(recs, start);
            risk.fill(0.0);
            for r in &recs[start..end] {
                risk[(r.gev >> 1) as usize] += 1.0;
            }
            let mut km = 1.0_f64;
            let mut i = start;
            while i < end {
                // tie block [i, j)
                let kb = recs[i].key;
                let mut j = i + 1;
                while j < end && recs[j].key == kb {
                    j += 1;
                }
                let block = &recs[i..j];
                let nrisk = (end - i) as f64;
                let mut deaths = 0.0;
                for r in block {
                    deaths += (r.gev & 1) as f64;
                }
                if deaths > 0.0 {
                    // weight only matters at death times
                    let wt = weight(km, rho, gamma);
                    for r in block {
                        if r.gev & 1 == 1 {
                            obs[(r.gev >> 1) as usize] += wt;
                        }
                    }
                    for (e, &rk) in exp.iter_mut().zip(risk.iter()) {
                        *e += wt * deaths * rk / nrisk;
                    }
                    if nrisk > 1.0 {
                        // survdiff2: tmp = wt² d risk[a] (n - d) / (n (n - 1)),
                        // V[a][a] += tmp, V[a][b] -= tmp risk[b] / n. The
                        // risk-free factors are hoisted (same value to a few
                        // ulps, two divisions per death time instead of 2k).
                        let f = wt * wt * deaths * (nrisk - deaths) / (nrisk * (nrisk - 1.0));
                        let f_n = f / nrisk;
                        for a in 0..k {
                            let ra = risk[a];
                            if ra == 0.0 {
                                continue;
                            }
                            let row = &mut var[a * k..(a + 1) * k];
                            row[a] += f * ra;
                            let c = f_n * ra;
                            for (v, &rb) in row.iter_mut().zip(risk.iter()) {
                                *v -= c * rb;
                            }
                        }
                    }
                }
                // survdiff2 updates the KM at every distinct time (factor 1
                // when there are no deaths); keep its exact arithmetic.
                km = km * (nrisk - deaths) / nrisk;
                for r in block {
                    risk[(r.gev >> 1) as usize] -= 1.0;
                }
                i = j;
            }
            start = end;
        }
    }

    /// [`Self::accumulate`] for two groups (a two-arm trial, the common
    /// case): the same operations in the same order, so the same bits, with
    /// the numbers at risk, sums and the variance matrix in registers
    /// instead of k-long loops over buffers.
    fn accumulate_two(&mut self, rho: f64, gamma: f64) {
        let recs = &self.recs[..];
        let n = recs.len();
        let weighted = rho != 0.0 || gamma != 0.0;
        // One stratum, no ties: tie-block ids are 0, 1, .., n - 1.
        if !weighted && n > 0 && recs[n - 1].key == n as u64 - 1 {
            self.accumulate_two_untied();
            return;
        }
        let (mut o, mut e) = ([0.0_f64; 2], [0.0_f64; 2]);
        let mut v = [[0.0_f64; 2]; 2];
        let mut start = 0;
        while start < n {
            let end = stratum_end(recs, start);
            let mut risk = [0.0_f64; 2];
            for r in &recs[start..end] {
                risk[(r.gev >> 1) as usize & 1] += 1.0;
            }
            let mut km = 1.0_f64;
            let mut i = start;
            while i < end {
                let kb = recs[i].key;
                let mut j = i + 1;
                // Deaths and leavers per group, counted as the block is found.
                let mut dead = [0u32; 2];
                let mut left = [0u32; 2];
                let tally = |r: &Rec, dead: &mut [u32; 2], left: &mut [u32; 2]| {
                    let g = (r.gev >> 1) as usize & 1;
                    dead[g] += r.gev & 1;
                    left[g] += 1;
                };
                tally(&recs[i], &mut dead, &mut left);
                while j < end && recs[j].key == kb {
                    tally(&recs[j], &mut dead, &mut left);
                    j += 1;
                }
                let nrisk = (end - i) as f64;
                // A sum of 0s and 1s: exact whichever way it is added.
                let deaths = (dead[0] + dead[1]) as f64;
                if deaths > 0.0 {
                    let wt = weight(km, rho, gamma);
                    // obs += wt once per death, as the general loop adds it.
                    for g in 0..2 {
                        for _ in 0..dead[g] {
                            o[g] += wt;
                        }
                    }
                    for g in 0..2 {
                        e[g] += wt * deaths * risk[g] / nrisk;
                    }
                    if nrisk > 1.0 {
                        let f = wt * wt * deaths * (nrisk - deaths) / (nrisk * (nrisk - 1.0));
                        let f_n = f / nrisk;
                        for a in 0..2 {
                            let ra = risk[a];
                            if ra == 0.0 {
                                continue;
                            }
                            v[a][a] += f * ra;
                            let c = f_n * ra;
                            v[a][0] -= c * risk[0];
                            v[a][1] -= c * risk[1];
                        }
                    }
                }
                // The curve only feeds the weight: plain log-rank skips it
                // (a division per time, on the loop's critical path).
                if weighted {
                    km = km * (nrisk - deaths) / nrisk;
                }
                risk[0] -= left[0] as f64;
                risk[1] -= left[1] as f64;
                i = j;
            }
            start = end;
        }
        self.obs[..2].copy_from_slice(&o);
        self.exp[..2].copy_from_slice(&e);
        self.var[..4].copy_from_slice(&[v[0][0], v[0][1], v[1][0], v[1][1]]);
    }

    /// [`Self::accumulate_two`] for the plain log-rank test on one stratum
    /// without ties (see [`untied_two`]).
    fn accumulate_two_untied(&mut self) {
        let recs = &self.recs[..];
        let n1 = recs.iter().filter(|r| r.gev >> 1 & 1 == 1).count();
        let rows = recs.iter().map(|r| (r.gev >> 1 & 1 == 1, r.gev & 1 == 1));
        let sums = untied_two::accumulate(rows, recs.len(), n1, &mut self.untied);
        self.store_two(&sums);
    }

    fn store_two(&mut self, s: &untied_two::Sums) {
        self.obs[..2].copy_from_slice(&s.obs);
        self.exp[..2].copy_from_slice(&s.exp);
        self.var[..4].copy_from_slice(&s.var);
    }

    /// survdiff's rule: informative groups (expected > 0), drop the first,
    /// solve with a generalised (LDLᵀ) inverse. Returns
    /// (chisq, df, rank, informative).
    fn chisq(&mut self) -> (f64, usize, usize, usize) {
        let k = self.k;
        let mut m = 0;
        for g in 0..k {
            if self.exp[g] > 0.0 {
                self.sel[m] = g;
                m += 1;
            }
        }
        if m < 2 {
            return (0.0, 0, 0, m);
        }
        let sel = &self.sel[1..m];
        let p = m - 1;
        let a = &mut self.work[..p * p];
        let z = &mut self.z[..p];
        for (r, &gr) in sel.iter().enumerate() {
            z[r] = self.obs[gr] - self.exp[gr];
            for (c, &gc) in sel.iter().enumerate() {
                a[r * p + c] = self.var[gr * k + gc];
            }
        }
        let (q, rank) = ginv_quadratic(a, z, p);
        (q, p, rank, m)
    }
}

/// `z' A⁻ z` for symmetric non-negative definite `A` (`p × p`, row-major,
/// overwritten) via an LDLᵀ decomposition in the style of survival's
/// `cholesky2`: pivots below `eps^0.75 * max|diag|` are treated as zero
/// (their rows/columns dropped). `z` is overwritten. Returns (form, rank).
fn ginv_quadratic(a: &mut [f64], z: &mut [f64], p: usize) -> (f64, usize) {
    let mut maxdiag = 0.0_f64;
    for i in 0..p {
        maxdiag = maxdiag.max(a[i * p + i].abs());
    }
    // eps^0.75 = (2^-52)^0.75 = 2^-39 exactly (a `powf` per test otherwise).
    let toler = 2.0_f64.powi(-39);
    let eps = if maxdiag == 0.0 {
        toler
    } else {
        maxdiag * toler
    };
    let mut rank = 0;
    // Column-wise LDLᵀ in the lower triangle: after step i, a[i*p+i] = d_i,
    // a[j*p+i] (j > i) = L_ji.
    for i in 0..p {
        let pivot = a[i * p + i];
        if !(pivot.is_finite() && pivot >= eps) {
            a[i * p + i] = 0.0;
            for j in (i + 1)..p {
                a[j * p + i] = 0.0;
            }
            continue;
        }
        rank += 1;
        for j in (i + 1)..p {
            let temp = a[j * p + i] / pivot;
            a[j * p + i] = temp;
            a[j * p + j] -= temp * temp * pivot;
            for kk in (j + 1)..p {
                a[kk * p + j] -= temp * a[kk * p + i];
            }
        }
    }
    // forward solve L y = z, then sum y_i^2 / d_i over non-zero pivots
    let mut q = 0.0;
    for i in 0..p {
        let mut yi = z[i];
        for j in 0..i {
            yi -= a[i * p + j] * z[j];
        }
        z[i] = yi;
        let d = a[i * p + i];
        if d > 0.0 {
            q += yi * yi / d;
        }
    }
    (q, rank)
}

/// End (exclusive) of the stratum that starts at `recs[start]`: records
/// are in (stratum, time) order with the stratum in the key's high half.
fn stratum_end(recs: &[Rec], start: usize) -> usize {
    let stratum = recs[start].key >> 32;
    recs[start + 1..]
        .iter()
        .position(|r| r.key >> 32 != stratum)
        .map_or(recs.len(), |k| start + 1 + k)
}

/// `S(t-)^rho * (1 - S(t-))^gamma`, with exponents 0 and 1 short-cut
/// (bit-identical to `pow`).
#[inline]
fn weight(km: f64, rho: f64, gamma: f64) -> f64 {
    let a = if rho == 0.0 {
        1.0
    } else if rho == 1.0 {
        km
    } else {
        km.powf(rho)
    };
    let b = if gamma == 0.0 {
        1.0
    } else if gamma == 1.0 {
        1.0 - km
    } else {
        (1.0 - km).powf(gamma)
    };
    a * b
}

/// Upper tail of the chi-square distribution (NaN for `df == 0`).
fn chisq_sf(x: f64, df: usize) -> f64 {
    if df == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    match ChiSquared::new(df as f64) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}
