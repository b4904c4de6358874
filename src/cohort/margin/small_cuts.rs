//! A short list of level cuts in a fixed array, for per-latent level look-ups.
//!
//! [`super::Thresholds::level_on`] counts the cuts below a latent over a `Vec` of any
//! length; where one latent's level is wanted at a time from a table chosen per patient
//! (a conditional table's row for the parent's level), that loop's unknown trip count and
//! its checks cost more than the comparisons. Padding the few finite cuts of a Table 1
//! covariate to a fixed count with `+inf`, which no latent exceeds, makes the level a
//! fixed number of branch-free comparisons that count the same cuts.

/// The most cuts held besides the last `+inf` (five levels with positive probability).
pub(crate) const SMALL: usize = 4;

/// Cuts but the last (increasing) padded with `+inf`, and the level for each number of cuts
/// below a latent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SmallCuts {
    cuts: [f64; SMALL],
    level: [u16; SMALL + 1],
}

impl SmallCuts {
    /// From the cuts before the last `+inf` and the levels (one more than the cuts, as
    /// [`super::Thresholds::from_probs`] builds them); `None` when there are more than
    /// [`SMALL`] such cuts or the lengths do not match.
    pub(crate) fn new(finite: &[f64], level: &[u16]) -> Option<Self> {
        if finite.len() > SMALL || level.len() != finite.len() + 1 {
            return None;
        }
        let mut cuts = [f64::INFINITY; SMALL];
        cuts[..finite.len()].copy_from_slice(finite);
        // Counts past the finite cuts cannot occur; the last level fills them anyway.
        let last = level.last().copied().unwrap_or(0);
        let mut lv = [last; SMALL + 1];
        lv[..level.len()].copy_from_slice(level);
        Some(SmallCuts { cuts, level: lv })
    }

    /// Level of latent `x`: indexed by the number of cuts below `x` (NaN exceeds none, so
    /// it gets the first level, as in `level_on`).
    #[inline]
    pub(crate) fn level(&self, x: f64) -> u16 {
        let [t0, t1, t2, t3] = self.cuts;
        let k =
            usize::from(x > t0) + usize::from(x > t1) + usize::from(x > t2) + usize::from(x > t3);
        self.level[k.min(SMALL)]
    }
}
