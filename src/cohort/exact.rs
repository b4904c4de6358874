//! Exact mode: the cohort's counts equal the table's, combined at random.
//!
//! For each level-valued margin, the patients with the `c_0` lowest latent normals get
//! level 0, the next `c_1` level 1, and so on, with `c_k` the table's counts apportioned
//! to n (see [`super::apportion`]). Because assignment follows the latent rank, the
//! copula's rank dependence carries over. Children are apportioned within each parent
//! level (ranked by their own latent). Numeric margins are split into strata at the knots
//! that came from band counts; each stratum gets its apportioned count, values are uniform
//! in `p` within it, sorted and matched to the latent ranks, and kept strictly inside the
//! stratum so the derived bands come out exact.
//!
//! Draw order (fixed, so a seed always gives the same cohort): first all n patients'
//! latents, patient by patient, one standard normal (`rand_distr::StandardNormal`) per
//! non-band covariate in covariate order, with the copula applied to each patient's
//! latents; then, for each continuous or median/range count covariate in covariate
//! order, n uniforms (`rng.gen::<f64>()`) for the within-stratum values. Nothing else.
//!
//! Ranks use the total order (latent, patient index), so results do not depend on the
//! selection algorithm. Level groups are found by `select_nth_unstable` (linear time, no
//! allocation) rather than a full sort; only numeric margins need a sort.

use super::apportion::largest_remainder;
use super::error::GenerateError;
use super::generate::{get_value, Node, Stratum};
use super::margin::count::floor_clamped;
use super::spec::CohortSpec;
use super::table::{Cohort, Column, GenerationStats};
use rand::Rng;
use rand_distr::StandardNormal;
use std::cmp::Ordering;

/// Total order on (latent, patient index).
#[inline]
fn by_key(a: &(f64, usize), b: &(f64, usize)) -> Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

/// Fills `keys` with (latent of `slot`, patient) for every patient.
fn fill_keys(keys: &mut Vec<(f64, usize)>, latent: &[f64], l: usize, slot: usize) {
    keys.clear();
    if l == 0 {
        return;
    }
    keys.extend(
        latent
            .chunks_exact(l)
            .enumerate()
            .map(|(i, row)| (row.get(slot).copied().unwrap_or(0.0), i)),
    );
}

/// Gives the `counts[0]` lowest keys level 0, the next `counts[1]` level 1, ...
/// (partitions `keys` in place; `counts` sums to `keys.len()`).
fn assign_by_rank(col: &mut [u16], keys: &mut [(f64, usize)], counts: &[usize]) {
    let mut rest = keys;
    for (level, &c) in counts.iter().enumerate() {
        let c = c.min(rest.len());
        if c > 0 && c < rest.len() {
            rest.select_nth_unstable_by(c, by_key);
        }
        let (group, tail) = rest.split_at_mut(c);
        for &(_, i) in group.iter() {
            if let Some(x) = col.get_mut(i) {
                *x = level as u16;
            }
        }
        rest = tail;
    }
}

/// Apportions `n` over `weights` into `counts`; on (unreachable) invalid weights, puts
/// everyone in the first level rather than panicking.
fn apportion_into(counts: &mut Vec<usize>, weights: &[f64], n: usize) {
    counts.clear();
    counts.resize(weights.len(), 0);
    if largest_remainder(weights, n, counts).is_err() {
        counts.iter_mut().for_each(|c| *c = 0);
        if let Some(c) = counts.first_mut() {
            *c = n;
        }
    }
}

/// Keeps an exact-mode value strictly inside its stratum, so that rounding at a cut can
/// never put it in the neighbouring band (whichever side the cut belongs to).
#[inline]
fn clamp_into(y: f64, s: &Stratum, floor: Option<(i64, i64)>) -> f64 {
    match floor {
        // Counts: floor(y) must lie in [x_lo, x_hi - 1].
        Some((lo, hi)) => {
            let mut y = y.max(s.x_lo);
            if y >= s.x_hi {
                y = s.x_hi.next_down();
            }
            floor_clamped(y, lo, hi) as f64
        }
        None => {
            let mut y = y;
            if y <= s.x_lo && s.x_lo.next_up() < s.x_hi {
                y = s.x_lo.next_up();
            }
            if y >= s.x_hi && s.x_hi.next_down() > s.x_lo {
                y = s.x_hi.next_down();
            }
            y
        }
    }
}

impl CohortSpec {
    /// Step 1 of exact mode's draw order: all latents, patient-major, copula per patient.
    fn draw_latents<R: Rng + ?Sized>(&self, rng: &mut R, latent: &mut [f64]) {
        if self.n_latent == 0 {
            return;
        }
        // Patient-major, so one pass over the whole buffer draws in the documented order;
        // the copula draws nothing and can follow.
        for z in latent.iter_mut() {
            *z = rng.sample(StandardNormal);
        }
        if let Some(c) = &self.copula {
            for row in latent.chunks_exact_mut(self.n_latent) {
                c.apply(row);
            }
        }
    }

    /// Exact-mode generation (draw order: see the module documentation).
    pub(crate) fn generate_exact<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
        out: &mut Cohort,
    ) -> Result<GenerationStats, GenerateError> {
        let l = self.n_latent;
        let Cohort {
            columns, scratch, ..
        } = out;
        self.draw_latents(rng, &mut scratch.latent);
        for u in scratch.uniform.iter_mut() {
            *u = rng.gen::<f64>();
        }
        let latent = &scratch.latent;
        let keys = &mut scratch.keys;
        let counts = &mut scratch.counts;
        let groups = &mut scratch.groups;
        for &c in &self.order {
            // Take the column out so parents can be read while it is written (no allocation:
            // an empty Vec is a placeholder).
            let Some(slot_col) = columns.get_mut(c) else {
                continue;
            };
            let mut col = std::mem::replace(slot_col, Column::Levels(Vec::new()));
            match (self.nodes.get(c), &mut col) {
                (Some(Node::Categorical { slot, weights, .. }), Column::Levels(v)) => {
                    fill_keys(keys, latent, l, *slot);
                    apportion_into(counts, weights, n);
                    assign_by_rank(v, keys, counts);
                }
                (
                    Some(Node::CountTable {
                        slot,
                        values,
                        weights,
                        ..
                    }),
                    Column::Values(v),
                ) => {
                    fill_keys(keys, latent, l, *slot);
                    keys.sort_unstable_by(by_key);
                    apportion_into(counts, weights, n);
                    let mut it = keys.iter();
                    for (k, &cnt) in counts.iter().enumerate() {
                        let val = values.get(k).copied().unwrap_or(0.0);
                        for &(_, i) in it.by_ref().take(cnt) {
                            if let Some(x) = v.get_mut(i) {
                                *x = val;
                            }
                        }
                    }
                }
                (
                    Some(Node::Numeric {
                        slot,
                        uslot,
                        quantile,
                        strata,
                        strata_weights,
                        floor,
                    }),
                    Column::Values(v),
                ) => {
                    fill_keys(keys, latent, l, *slot);
                    keys.sort_unstable_by(by_key);
                    apportion_into(counts, strata_weights, n);
                    let start = uslot * n;
                    if let Some(block) = scratch.uniform.get_mut(start..start + n) {
                        let mut pos = 0;
                        for (s, &cnt) in strata.iter().zip(counts.iter()) {
                            let (Some(sub), Some(who)) =
                                (block.get_mut(pos..pos + cnt), keys.get(pos..pos + cnt))
                            else {
                                break;
                            };
                            // Uniform in p within the stratum, sorted so that the value
                            // order follows the latent rank (keeps copula rank dependence).
                            for u in sub.iter_mut() {
                                *u = s.p_lo + (s.p_hi - s.p_lo) * *u;
                            }
                            sub.sort_unstable_by(f64::total_cmp);
                            for (&p, &(_, i)) in sub.iter().zip(who) {
                                let y = clamp_into(quantile.quantile(p), s, *floor);
                                if let Some(x) = v.get_mut(i) {
                                    *x = y;
                                }
                            }
                            pos += cnt;
                        }
                    }
                }
                (Some(Node::Child { slot, parent, rows }), Column::Levels(v)) => {
                    let Some(Column::Levels(pv)) = columns.get(*parent) else {
                        continue;
                    };
                    // Counting sort of the patients by parent level, then ranks within
                    // each parent level.
                    groups.clear();
                    groups.resize(rows.len() + 1, 0);
                    for &pl in pv.iter() {
                        if let Some(g) = groups.get_mut(usize::from(pl) + 1) {
                            *g += 1;
                        }
                    }
                    for j in 1..groups.len() {
                        groups[j] += groups[j - 1];
                    }
                    keys.clear();
                    keys.resize(n, (0.0, 0));
                    if l > 0 {
                        for (i, (row, &pl)) in latent.chunks_exact(l).zip(pv.iter()).enumerate() {
                            if let Some(g) = groups.get_mut(usize::from(pl)) {
                                if let Some(k) = keys.get_mut(*g) {
                                    *k = (row.get(*slot).copied().unwrap_or(0.0), i);
                                }
                                *g += 1;
                            }
                        }
                    }
                    // After the fill, groups[j] is the end of parent level j's block.
                    let mut start = 0;
                    for (j, row) in rows.iter().enumerate() {
                        let end = groups.get(j).copied().unwrap_or(start).min(n);
                        if let Some(block) = keys.get_mut(start..end) {
                            apportion_into(counts, &row.weights, end - start);
                            assign_by_rank(v, block, counts);
                        }
                        start = end;
                    }
                }
                (Some(Node::Band { source, band }), Column::Levels(v)) => {
                    for (i, x) in v.iter_mut().enumerate() {
                        *x = band.classify(get_value(columns, *source, i));
                    }
                }
                _ => {}
            }
            if let Some(slot_col) = columns.get_mut(c) {
                *slot_col = col;
            }
        }
        Ok(GenerationStats {
            screened: n as u64,
            excluded: 0,
        })
    }
}
