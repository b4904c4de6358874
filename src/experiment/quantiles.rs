//! Percentiles of a replicate distribution (e.g. the spread of estimated
//! medians across Monte Carlo replicates), streaming and mergeable, with a
//! distribution-free Monte Carlo standard error.
//!
//! Two modes share one rank arithmetic. `Exact` keeps every finite value and
//! reproduces R's default (type 7) quantiles, for when a user wants numbers
//! that match a reference analysis and can afford O(R) memory. `Sketch` keeps a
//! DDSketch (relative accuracy 0.5%) whose size is bounded whatever the number
//! of replicates, for long runs. In both modes infinite values ("median not
//! reached") and NaN are counted beside the finite store, not inside it:
//! sketches-ddsketch 0.4.2 panics when given an infinity and silently counts
//! NaN as zero, and keeping them out of the vector too lets the two modes rank
//! values identically.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sketches_ddsketch::{Config, DDSketch};

use super::performance::{Measure, Z_975};

/// Relative accuracy of the sketch: every reported order statistic is within
/// 0.5% of the true one, well below the Monte Carlo error of a percentile at
/// any replicate count a simulation can afford.
pub const SKETCH_ALPHA: f64 = 0.005;

/// Bin limit per sign: enough for every key a finite double above
/// [`SKETCH_MIN_VALUE`] can map to (about 141,820 at alpha = 0.005), so the
/// store never collapses its smallest magnitudes. That keeps the 0.5%
/// guarantee over the whole double range and, more importantly, makes the
/// sketch a pure function of the multiset of values: results do not depend on
/// how rayon happened to split replicates into chunks. The dense store only
/// allocates the key range it has seen, so typical data (say 1e-12 .. 1e3)
/// takes about 3,500 bins = 28 KiB; the worst case, values across the whole
/// double range, is 2 × 143,360 × 8 bytes ≈ 2.2 MiB, still independent of the
/// number of replicates.
pub const SKETCH_MAX_BINS: u32 = 143_360;

/// Magnitudes at or below this are counted as zero by the sketch. The smallest
/// normal double, so that tiny p-values still get their own bins.
pub const SKETCH_MIN_VALUE: f64 = f64::MIN_POSITIVE;

fn sketch_config() -> Config {
    Config::new(SKETCH_ALPHA, SKETCH_MAX_BINS, SKETCH_MIN_VALUE)
}

#[derive(Clone)]
enum Store {
    /// Finite values only, in push order (sorted on demand).
    Exact(Vec<f64>),
    /// Boxed so the enum stays small when exact mode is used.
    Sketch(Box<DDSketch>),
}

/// Why two stores could not be merged as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantileMergeError {
    /// One store is exact and the other a sketch.
    ModeMismatch,
}

impl std::fmt::Display for QuantileMergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuantileMergeError::ModeMismatch => {
                write!(f, "cannot merge an exact quantile store with a sketch")
            }
        }
    }
}

impl std::error::Error for QuantileMergeError {}

/// Streaming store of replicate values from which percentiles are read.
#[derive(Clone)]
pub struct QuantileStore {
    store: Store,
    n_pos_inf: u64,
    n_neg_inf: u64,
    missing: u64,
}

impl std::fmt::Debug for QuantileStore {
    // DDSketch has no Debug; a summary is more useful than its bins anyway.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuantileStore")
            .field("mode", &if self.is_exact() { "exact" } else { "sketch" })
            .field("count", &self.count())
            .field("n_pos_inf", &self.n_pos_inf)
            .field("n_neg_inf", &self.n_neg_inf)
            .field("missing", &self.missing)
            .finish()
    }
}

/// A sorted view of the finite values, so that several quantiles of one
/// query share a single sort.
enum View<'a> {
    Exact(Cow<'a, [f64]>),
    Sketch(&'a DDSketch),
}

impl View<'_> {
    fn len(&self) -> u64 {
        match self {
            View::Exact(v) => v.len() as u64,
            View::Sketch(s) => s.count() as u64,
        }
    }

    /// The k-th smallest finite value (0-based).
    fn finite_at(&self, k: u64) -> Option<f64> {
        match self {
            View::Exact(v) => usize::try_from(k).ok().and_then(|k| v.get(k).copied()),
            View::Sketch(s) => {
                let m = s.count() as u64;
                if k >= m {
                    None
                } else if k == 0 {
                    s.min()
                } else if k == m - 1 {
                    s.max()
                } else {
                    // The crate reads rank floor(q (m-1)); aiming at the middle
                    // of [k, k+1) keeps rounding from landing on k-1. Here
                    // 0 < k < m-1, so q stays strictly inside (0, 1).
                    let q = (k as f64 + 0.5) / (m - 1) as f64;
                    // A bin's representative value can lie outside the data
                    // (all values equal: 154 read back as 153.7); the exact
                    // extremes bound every order statistic.
                    let (lo, hi) = (s.min()?, s.max()?);
                    s.quantile(q).ok().flatten().map(|v| v.clamp(lo, hi))
                }
            }
        }
    }
}

impl QuantileStore {
    /// Keeps every value: exact type-7 quantiles (R's default), memory O(R).
    pub fn exact() -> Self {
        Self::with_store(Store::Exact(Vec::new()))
    }

    /// Memory bounded independently of the replicate count (see
    /// [`SKETCH_MAX_BINS`]), relative accuracy 0.5%.
    pub fn sketch() -> Self {
        Self::with_store(Store::Sketch(Box::new(DDSketch::new(sketch_config()))))
    }

    fn with_store(store: Store) -> Self {
        Self {
            store,
            n_pos_inf: 0,
            n_neg_inf: 0,
            missing: 0,
        }
    }

    pub fn is_exact(&self) -> bool {
        matches!(self.store, Store::Exact(_))
    }

    /// NaN is counted as missing; ±inf are counted apart and rank beyond every
    /// finite value.
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            self.missing += 1;
        } else if x == f64::INFINITY {
            self.n_pos_inf += 1;
        } else if x == f64::NEG_INFINITY {
            self.n_neg_inf += 1;
        } else {
            match &mut self.store {
                Store::Exact(v) => v.push(x),
                Store::Sketch(s) => s.add(x),
            }
        }
    }

    /// Merges a store of the same mode. Either way the quantiles do not depend
    /// on how values were split into chunks or in which order chunks are
    /// merged: the exact store is sorted before use, and the sketch holds
    /// integer counts per bin (it never collapses, see [`SKETCH_MAX_BINS`]),
    /// with exact minimum and maximum.
    pub fn try_merge(&mut self, other: &Self) -> Result<(), QuantileMergeError> {
        match (&mut self.store, &other.store) {
            (Store::Exact(a), Store::Exact(b)) => a.extend_from_slice(b),
            (Store::Sketch(a), Store::Sketch(b)) => {
                // Both sketches come from `sketch_config`, so configs match.
                a.merge(b).map_err(|_| QuantileMergeError::ModeMismatch)?
            }
            _ => return Err(QuantileMergeError::ModeMismatch),
        }
        self.add_counts(other);
        Ok(())
    }

    /// Same mode is expected. A mixed merge is not refused, because dropping a
    /// chunk would be worse than losing exactness: the result degrades to a
    /// sketch holding every value (exact values are fed into it in their
    /// stored order, so the outcome is still deterministic).
    pub fn merge(&mut self, other: &Self) {
        if self.try_merge(other).is_ok() {
            return;
        }
        if let Store::Exact(values) = &self.store {
            let mut s = DDSketch::new(sketch_config());
            for &x in values {
                s.add(x);
            }
            self.store = Store::Sketch(Box::new(s));
        }
        if let Store::Sketch(s) = &mut self.store {
            match &other.store {
                Store::Exact(values) => {
                    for &x in values {
                        s.add(x);
                    }
                }
                Store::Sketch(o) => {
                    // Cannot fail: every sketch here shares one config.
                    let _ = s.merge(o);
                }
            }
        }
        self.add_counts(other);
    }

    fn add_counts(&mut self, other: &Self) {
        self.n_pos_inf += other.n_pos_inf;
        self.n_neg_inf += other.n_neg_inf;
        self.missing += other.missing;
    }

    /// Non-NaN values pushed, infinities included.
    pub fn count(&self) -> u64 {
        self.finite_count() + self.n_pos_inf + self.n_neg_inf
    }

    fn finite_count(&self) -> u64 {
        match &self.store {
            Store::Exact(v) => v.len() as u64,
            Store::Sketch(s) => s.count() as u64,
        }
    }

    /// NaN values pushed.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    pub fn n_pos_inf(&self) -> u64 {
        self.n_pos_inf
    }

    pub fn n_neg_inf(&self) -> u64 {
        self.n_neg_inf
    }

    /// Sorts exact values in place so that later queries skip the copy-and-sort
    /// a `&self` query otherwise needs. No effect on a sketch.
    pub fn prepare(&mut self) {
        if let Store::Exact(v) = &mut self.store {
            v.sort_unstable_by(f64::total_cmp);
        }
    }

    fn view(&self) -> View<'_> {
        match &self.store {
            Store::Exact(v) => {
                if v.is_sorted_by(|a, b| a.total_cmp(b).is_le()) {
                    View::Exact(Cow::Borrowed(v.as_slice()))
                } else {
                    let mut sorted = v.clone();
                    sorted.sort_unstable_by(f64::total_cmp);
                    View::Exact(Cow::Owned(sorted))
                }
            }
            Store::Sketch(s) => View::Sketch(s),
        }
    }

    /// The value of 0-based rank `r` among [-inf.., finite.., +inf..].
    fn at_rank(&self, view: &View<'_>, r: u64) -> Option<f64> {
        if r < self.n_neg_inf {
            Some(f64::NEG_INFINITY)
        } else if r - self.n_neg_inf < view.len() {
            view.finite_at(r - self.n_neg_inf)
        } else {
            Some(f64::INFINITY)
        }
    }

    /// R's type 7, written as R writes it, so that values match R to the last
    /// bit where the inputs do: index = 1 + (n-1)p, and interpolation
    /// (1-h)·x[lo] + h·x[hi] only when x[hi] differs from x[lo]. Infinite
    /// neighbours therefore propagate; -inf beside +inf has no answer (R: NaN).
    fn quantile_in(&self, view: &View<'_>, p: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&p) {
            return None;
        }
        let n = self.n_neg_inf + view.len() + self.n_pos_inf;
        if n == 0 {
            return None;
        }
        let index = 1.0 + (n - 1) as f64 * p;
        let lo = index.floor();
        let hi = index.ceil();
        let lo_rank = (lo as u64).saturating_sub(1).min(n - 1);
        let hi_rank = (hi as u64).saturating_sub(1).min(n - 1);
        let x_lo = self.at_rank(view, lo_rank)?;
        if index > lo {
            let x_hi = self.at_rank(view, hi_rank)?;
            if x_hi != x_lo {
                let h = index - lo;
                let q = (1.0 - h) * x_lo + h * x_hi;
                return (!q.is_nan()).then_some(q);
            }
        }
        Some(x_lo)
    }

    /// Type-7 p-quantile; +inf if it falls among +inf values. None when empty,
    /// when p is outside [0, 1], or when it lies between -inf and +inf.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        self.quantile_in(&self.view(), p)
    }

    /// The p-quantile with a distribution-free MCSE from order statistics: a
    /// 95% interval for the quantile spans the ranks n p ± z·sqrt(n p (1-p)),
    /// and dividing its width by 2z turns it into a standard error without
    /// assuming a density. +inf when either end is infinite, since the
    /// quantile is then not pinned down.
    pub fn quantile_with_mcse(&self, p: f64) -> Option<Measure> {
        let view = self.view();
        let value = self.quantile_in(&view, p)?;
        let n = self.count() as f64;
        let d = Z_975 * (n * p * (1.0 - p)).sqrt();
        let p_lo = (p - d / n).max(0.0);
        let p_hi = (p + d / n).min(1.0);
        let q_lo = self.quantile_in(&view, p_lo);
        let q_hi = self.quantile_in(&view, p_hi);
        let mcse = match (q_lo, q_hi) {
            (Some(a), Some(b)) if a.is_finite() && b.is_finite() => (b - a) / (2.0 * Z_975),
            _ => f64::INFINITY,
        };
        Some(Measure::new(value, mcse))
    }
}

/// How a store is written into a partial aggregate: the exact values or the
/// sketch's bins (an empty sketch is left out, because its sentinel minimum
/// and maximum are infinities), beside the counts kept apart.
#[derive(Serialize)]
struct StoreOut<'a> {
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    values: Option<&'a [f64]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sketch: Option<&'a DDSketch>,
    n_pos_inf: u64,
    n_neg_inf: u64,
    missing: u64,
}

#[derive(Deserialize)]
struct StoreIn {
    mode: String,
    #[serde(default)]
    values: Option<Vec<f64>>,
    #[serde(default)]
    sketch: Option<DDSketch>,
    n_pos_inf: u64,
    n_neg_inf: u64,
    missing: u64,
}

impl Serialize for QuantileStore {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (mode, values, sketch) = match &self.store {
            Store::Exact(v) => ("exact", Some(v.as_slice()), None),
            Store::Sketch(k) => ("sketch", None, (k.count() > 0).then_some(&**k)),
        };
        StoreOut {
            mode,
            values,
            sketch,
            n_pos_inf: self.n_pos_inf,
            n_neg_inf: self.n_neg_inf,
            missing: self.missing,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for QuantileStore {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let r = StoreIn::deserialize(d)?;
        let store = match (r.mode.as_str(), r.values, r.sketch) {
            ("exact", Some(v), None) => {
                if v.iter().any(|x| !x.is_finite()) {
                    return Err(D::Error::custom("an exact store holds finite values only"));
                }
                Store::Exact(v)
            }
            ("sketch", None, sketch) => {
                let mut k = DDSketch::new(sketch_config());
                if let Some(other) = sketch {
                    // Refuses a sketch of another accuracy or bin limit.
                    k.merge(&other).map_err(|_| {
                        D::Error::custom("a sketch with another configuration than this program's")
                    })?;
                }
                Store::Sketch(Box::new(k))
            }
            (mode, _, _) => {
                return Err(D::Error::custom(format!(
                    "a quantile store of mode `{mode}` with the wrong contents"
                )))
            }
        };
        Ok(QuantileStore {
            store,
            n_pos_inf: r.n_pos_inf,
            n_neg_inf: r.n_neg_inf,
            missing: r.missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both() -> [QuantileStore; 2] {
        [QuantileStore::exact(), QuantileStore::sketch()]
    }

    #[test]
    fn empty_and_invalid_queries() {
        for s in both() {
            assert_eq!(s.count(), 0);
            assert_eq!(s.quantile(0.5), None);
            assert_eq!(s.quantile_with_mcse(0.5), None);
        }
        for mut s in both() {
            s.push(1.0);
            assert_eq!(s.quantile(f64::NAN), None);
            assert_eq!(s.quantile(-0.1), None);
            assert_eq!(s.quantile(1.1), None);
            assert_eq!(s.quantile(0.3), Some(1.0));
            // One value: d = 0 ranks, so both ends are the value itself.
            assert_eq!(s.quantile_with_mcse(0.3), Some(Measure::new(1.0, 0.0)));
        }
    }

    #[test]
    fn nan_only_is_missing_not_a_value() {
        for mut s in both() {
            s.push(f64::NAN);
            s.push(f64::NAN);
            assert_eq!((s.count(), s.missing()), (0, 2));
            assert_eq!(s.quantile(0.5), None);
        }
    }

    #[test]
    fn opposite_infinities_have_no_quantile_between_them() {
        for mut s in both() {
            s.push(f64::NEG_INFINITY);
            s.push(f64::INFINITY);
            assert_eq!(s.quantile(0.0), Some(f64::NEG_INFINITY));
            assert_eq!(s.quantile(1.0), Some(f64::INFINITY));
            assert_eq!(s.quantile(0.5), None);
            let m = s.quantile_with_mcse(0.0).unwrap();
            assert_eq!(m.value, f64::NEG_INFINITY);
            assert_eq!(m.mcse, f64::INFINITY);
        }
    }

    #[test]
    fn zero_and_signed_values_in_sketch() {
        let mut s = QuantileStore::sketch();
        for x in [0.0, -0.0, 0.0, -2.0, 3.0] {
            s.push(x);
        }
        // Sorted: -2, 0, 0, 0, 3.
        assert_eq!(s.quantile(0.5), Some(0.0));
        assert_eq!(s.quantile(0.0), Some(-2.0));
        assert_eq!(s.quantile(1.0), Some(3.0));
    }

    #[test]
    fn mixed_mode_merge_degrades_to_sketch() {
        let mut a = QuantileStore::exact();
        let mut b = QuantileStore::sketch();
        for i in 1..=50 {
            a.push(i as f64);
            b.push((i + 50) as f64);
        }
        b.push(f64::INFINITY);
        assert_eq!(
            a.clone().try_merge(&b),
            Err(QuantileMergeError::ModeMismatch)
        );
        a.merge(&b);
        assert!(!a.is_exact());
        assert_eq!(a.count(), 101);
        assert_eq!(a.n_pos_inf(), 1);
        // Type 7 at p = 0.5 over 1..=100, +inf: index 51 -> 51.
        let q = a.quantile(0.5).unwrap();
        assert!((q - 51.0).abs() <= 51.0 * SKETCH_ALPHA, "{q}");
        let dbg = format!("{a:?}");
        assert!(dbg.contains("sketch") && dbg.contains("101"), "{dbg}");
    }

    #[test]
    fn bin_limit_covers_every_finite_double() {
        let c = sketch_config();
        let lowest = c.key(SKETCH_MIN_VALUE * (1.0 + 1e-15));
        let highest = c.key(f64::MAX);
        let needed = (highest - lowest + 1) as u32;
        // The dense store grows in chunks of 128 bins.
        assert!(needed.div_ceil(128) * 128 <= SKETCH_MAX_BINS, "{needed}");
        assert!(SKETCH_MAX_BINS - needed < 2048, "limit needlessly large");
    }

    #[test]
    fn sketch_over_the_whole_double_range_stays_accurate() {
        // Magnitudes from 1e-300 to 1e300 of both signs, plus the extremes:
        // nothing collapses, so every percentile keeps the 0.5% accuracy.
        let mut s = QuantileStore::sketch();
        let mut exact = QuantileStore::exact();
        let mut values: Vec<f64> = (0..200_000)
            .map(|i| {
                let x = 10f64.powf(-300.0 + 600.0 * (i as f64 / 199_999.0));
                if i % 2 == 0 {
                    x
                } else {
                    -x
                }
            })
            .collect();
        values.extend([f64::MAX, -f64::MAX, 5e-324, -5e-324, f64::MIN_POSITIVE]);
        for &v in &values {
            s.push(v);
            exact.push(v);
        }
        let Store::Sketch(sk) = &s.store else {
            unreachable!()
        };
        assert!(sk.length() <= 2 * SKETCH_MAX_BINS as usize);
        assert_eq!(s.count(), 200_005);
        assert_eq!(s.quantile(0.0), Some(-f64::MAX));
        assert_eq!(s.quantile(1.0), Some(f64::MAX));
        for i in 0..=100 {
            let p = i as f64 / 100.0;
            let (q, want) = (s.quantile(p).unwrap(), exact.quantile(p).unwrap());
            // Interpolation between neighbours 1.4% apart stays within alpha.
            assert!(
                (q - want).abs() <= 0.0051 * want.abs() + 1e-300,
                "p={p}: {q} vs {want}"
            );
        }
        // Mixed-mode merge into an empty exact store: becomes a sketch, no panic.
        let mut e = QuantileStore::exact();
        e.merge(&s);
        assert!(!e.is_exact());
        assert_eq!(e.quantile(0.99), s.quantile(0.99));
    }

    #[test]
    fn merging_wide_ranged_sketches_is_order_free() {
        // Chunks whose values spread over random, often disjoint, spans of
        // up to the whole double range, merged in opposite orders.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let chunks: Vec<QuantileStore> = (0..4)
                .map(|_| {
                    let lo = -307.0 + 614.0 * rng.gen::<f64>();
                    let span = (614.0 * rng.gen::<f64>() * rng.gen::<f64>()).min(308.0 - lo);
                    let mut s = QuantileStore::sketch();
                    for _ in 0..rng.gen_range(0..200) {
                        let x = 10f64.powf(lo + span * rng.gen::<f64>());
                        s.push(if rng.gen::<bool>() { x } else { -x });
                    }
                    s
                })
                .collect();
            let mut forward = QuantileStore::sketch();
            chunks.iter().for_each(|c| forward.merge(c));
            let mut backward = QuantileStore::sketch();
            chunks.iter().rev().for_each(|c| backward.merge(c));
            let total: u64 = chunks.iter().map(QuantileStore::count).sum();
            assert_eq!(forward.count(), total);
            for p in [0.0, 0.1, 0.5, 0.9, 1.0] {
                assert_eq!(forward.quantile(p), backward.quantile(p));
            }
        }
    }
}

#[cfg(test)]
mod serde_tests {
    use super::QuantileStore;

    fn round_trip(q: &QuantileStore) -> QuantileStore {
        serde_json::from_str(&serde_json::to_string(q).unwrap()).unwrap()
    }

    #[test]
    fn stores_round_trip_to_the_same_percentiles_and_merges() {
        for mut q in [QuantileStore::sketch(), QuantileStore::exact()] {
            let empty = round_trip(&q);
            assert_eq!(empty.count(), 0);
            for i in 0..1000 {
                q.push((i as f64 * 0.37).sin() * 10.0 + 0.1 / (1.0 + i as f64));
            }
            q.push(f64::INFINITY);
            q.push(f64::NAN);
            let back = round_trip(&q);
            assert_eq!(back.is_exact(), q.is_exact());
            assert_eq!(
                (back.count(), back.missing(), back.n_pos_inf()),
                (1001, 1, 1)
            );
            for p in [0.0, 0.025, 0.5, 0.975, 1.0] {
                assert_eq!(
                    back.quantile_with_mcse(p).map(|m| m.value.to_bits()),
                    q.quantile_with_mcse(p).map(|m| m.value.to_bits()),
                    "p = {p}"
                );
            }
            // A store read back merges like the original.
            let (mut a, mut b) = (q.clone(), back.clone());
            a.merge(&q);
            b.merge(&back);
            assert_eq!(
                a.quantile_with_mcse(0.3).map(|m| m.value.to_bits()),
                b.quantile_with_mcse(0.3).map(|m| m.value.to_bits())
            );
        }
    }

    #[test]
    fn a_constant_column_reads_back_exactly() {
        let mut q = QuantileStore::sketch();
        for _ in 0..1000 {
            q.push(154.0);
        }
        for p in [0.025, 0.5, 0.975] {
            assert_eq!(q.quantile_with_mcse(p).unwrap().value, 154.0);
        }
    }

    #[test]
    fn a_sketch_of_another_accuracy_is_refused() {
        let mut q = QuantileStore::sketch();
        q.push(1.0);
        let text = serde_json::to_string(&q).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let gamma = v["sketch"]["config"]["gamma"].as_f64().unwrap();
        let other = text.replace(&format!("\"gamma\":{gamma}"), "\"gamma\":1.05");
        assert_ne!(other, text);
        assert!(serde_json::from_str::<QuantileStore>(&other).is_err());
    }
}
