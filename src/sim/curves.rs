//! What a report draws from the replicates: each arm's Kaplan-Meier PFS and
//! OS curves on a common time grid, and the level counts of every categorical
//! covariate (the simulated Table 1). Replicate r uses the same random stream
//! as in `run`, so the curves belong to the same virtual cohorts.

use super::streams::replicate_rng;
use super::workspace::{simulate_into, SimulationError, Workspace};
use crate::analysis::KaplanMeier;
use crate::design::Endpoint;
use crate::scenario::{ColumnKind, Scenario};
use rayon::prelude::*;

/// Per replicate: PFS then OS curve values for each arm at each grid time
/// (NaN past the last observed time), then the counts of each level of each
/// categorical column.
#[derive(Debug, Clone)]
pub struct ReplicateCurves {
    pub grid: Vec<f64>,
    pub arms: usize,
    pub replicates: usize,
    /// `curves[((r * arms + arm) * 2 + endpoint) * grid.len() + k]`, endpoint 0 = PFS, 1 = OS.
    pub curves: Vec<f64>,
    /// Level columns' (column index, level count), in column order.
    pub level_layout: Vec<(usize, usize)>,
    /// `counts[r * total_levels + offset]`.
    pub counts: Vec<u32>,
}

impl ReplicateCurves {
    /// The values of one curve point over all replicates.
    pub fn point(&self, arm: usize, endpoint: usize, k: usize) -> impl Iterator<Item = f64> + '_ {
        let g = self.grid.len();
        (0..self.replicates)
            .map(move |r| self.curves[((r * self.arms + arm) * 2 + endpoint) * g + k])
    }

    fn total_levels(&self) -> usize {
        self.level_layout.iter().map(|(_, l)| l).sum()
    }

    /// The counts of one level over all replicates; `offset` indexes the
    /// flattened levels of `level_layout`.
    pub fn level(&self, offset: usize) -> impl Iterator<Item = u32> + '_ {
        let t = self.total_levels();
        (0..self.replicates).map(move |r| self.counts[r * t + offset])
    }
}

/// One replicate's curve values and level counts.
type ReplicateRow = (Vec<f64>, Vec<u32>);

/// Curves on `grid` and Table 1 counts for replicates 0..`replicates`.
pub fn replicate_curves(
    s: &Scenario,
    seed: u64,
    replicates: usize,
    n: usize,
    grid: &[f64],
) -> Result<ReplicateCurves, SimulationError> {
    let arms = s.arms.len();
    let g = grid.len();
    let level_layout: Vec<(usize, usize)> = s
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.kind {
            ColumnKind::Levels(l) => Some((i, l.len())),
            ColumnKind::Numeric => None,
        })
        .collect();
    let total: usize = level_layout.iter().map(|(_, l)| l).sum();
    let per_curves = arms * 2 * g;
    let results: Vec<Result<ReplicateRow, SimulationError>> = (0..replicates)
        .into_par_iter()
        .map_init(
            || (Workspace::new(), KaplanMeier::new(), Vec::new(), Vec::new()),
            |(ws, km, time, event), r| {
                let mut rng = replicate_rng(seed, r as u64);
                simulate_into(s, n, &mut rng, ws)?;
                let mut curves = vec![f64::NAN; per_curves];
                for arm in 0..arms {
                    for endpoint in 0..2 {
                        let which = if endpoint == 0 {
                            Endpoint::Pfs
                        } else {
                            Endpoint::Os
                        };
                        ws.arm_endpoint_into(arm, which, time, event);
                        km.fit(time, event);
                        for (k, &t) in grid.iter().enumerate() {
                            if let Some(l) =
                                km.survival_at(t, s.analysis.conf_type, s.analysis.conf_level)
                            {
                                curves[(arm * 2 + endpoint) * g + k] = l.surv;
                            }
                        }
                    }
                }
                let mut counts = Vec::with_capacity(total);
                for &(col, levels) in &level_layout {
                    let mut c = vec![0u32; levels];
                    for i in 0..n {
                        if let Some(x) = c.get_mut(ws.cohort.level(col, i) as usize) {
                            *x += 1;
                        }
                    }
                    counts.extend(c);
                }
                Ok((curves, counts))
            },
        )
        .collect();
    let mut out = ReplicateCurves {
        grid: grid.to_vec(),
        arms,
        replicates,
        curves: Vec::with_capacity(replicates * per_curves),
        level_layout,
        counts: Vec::with_capacity(replicates * total),
    };
    for r in results {
        let (c, k) = r?;
        out.curves.extend(c);
        out.counts.extend(k);
    }
    Ok(out)
}
