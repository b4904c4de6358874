//! One-at-a-time sensitivity: each documented assumption set to the low and
//! to the high end of its range, everything else as shipped, and the typical
//! estimated median PFS of each arm at each end. All runs share the seed, so
//! a bar's length is the assumption's effect, not noise.

use super::assumptions::{documented_assumptions, Assumption};
use super::performance::Measure;
use super::stream::summarise_unit;
use super::variation::ScenarioSource;
use crate::error::Error;
use crate::report::format_number;
use crate::scenario::Scenario;
use crate::sim::{Quantity, RunConfig};
use crate::study::Executor;

/// The typical estimate in one run, per arm.
pub type ArmMedians = Vec<Option<Measure>>;

/// One run's estimated median PFS per arm: mean and median over replicates,
/// and whether any replicate did not reach its median.
#[derive(Debug, Clone, Default)]
struct RunMedians {
    mean: ArmMedians,
    p50: ArmMedians,
    any_missing: bool,
}

/// One assumption's swing.
#[derive(Debug, Clone)]
pub struct TornadoRow {
    pub assumption: Assumption,
    pub at_low: ArmMedians,
    pub at_high: ArmMedians,
    /// Why an end of the range was not run (the scenario is invalid there,
    /// e.g. a minimum above the median); that end's estimates are None.
    pub note: Option<String>,
}

/// The whole one-at-a-time analysis.
#[derive(Debug, Clone)]
pub struct TornadoAnalysis {
    pub arms: Vec<String>,
    /// What the bars show: the mean over replicates of the estimated median
    /// PFS (smooth in the assumption, where estimates sit on a visit grid),
    /// or, if any run had a replicate whose median was not reached, the
    /// median over replicates (which copes with "not reached").
    pub statistic: &'static str,
    pub base: ArmMedians,
    pub rows: Vec<TornadoRow>,
}

fn median_pfs(
    exec: &mut Executor,
    label: &str,
    s: &Scenario,
    cfg: &RunConfig,
    exact: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<RunMedians>, Error> {
    let Some((cols, est)) = summarise_unit(exec, label, s, cfg, exact, &[], None, progress)? else {
        return Ok(None);
    };
    let mut out = RunMedians::default();
    for a in 0..s.arms.len() {
        let e = cols
            .iter()
            .position(|c| c.arm == Some(a) && c.quantity == Quantity::PfsMedian)
            .map(|i| &est[i]);
        out.mean.push(e.and_then(|e| e.mean));
        out.p50.push(e.and_then(|e| e.p50));
        out.any_missing |= e.is_some_and(|e| e.missing > 0);
    }
    Ok(Some(out))
}

/// The assumptions the analysis will vary (so a caller can size progress).
pub fn tornado_assumptions(src: &ScenarioSource) -> Vec<Assumption> {
    documented_assumptions(src)
}

/// Runs the base scenario and each assumption at both ends of its range, as
/// units of the study `exec` runs (None when `exec` is a shard).
pub fn tornado(
    exec: &mut Executor,
    src: &ScenarioSource,
    replicates: u64,
    seed: u64,
    n: Option<usize>,
    exact: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<TornadoAnalysis>, Error> {
    let base_s = src.with(&[])?;
    let cfg = |s: &Scenario| RunConfig {
        replicates,
        seed,
        n: n.unwrap_or(s.n),
    };
    let assumptions = tornado_assumptions(src);
    // An end of a range that makes the scenario invalid is reported, not
    // run; the rest of the analysis goes on.
    let none = RunMedians {
        mean: vec![None; base_s.arms.len()],
        p50: vec![None; base_s.arms.len()],
        any_missing: false,
    };
    let base = median_pfs(
        exec,
        "tornado/base",
        &base_s,
        &cfg(&base_s),
        exact,
        progress,
    )?
    .unwrap_or_else(|| none.clone());
    let mut runs = Vec::with_capacity(assumptions.len());
    for a in assumptions {
        let mut notes = Vec::new();
        let mut end = |x: f64, which: &str| -> Result<RunMedians, Error> {
            match src.with(&[(&a.at, &format_setting(x))]) {
                Ok(s) => {
                    let label = format!("tornado/{}/{which}", a.at);
                    Ok(median_pfs(exec, &label, &s, &cfg(&s), exact, progress)?
                        .unwrap_or_else(|| none.clone()))
                }
                Err(e) => {
                    notes.push(format!("{which} end not run: {e}"));
                    // Keep the progress total honest.
                    progress(replicates);
                    Ok(none.clone())
                }
            }
        };
        let low = end(a.low, "low")?;
        let high = end(a.high, "high")?;
        runs.push((a, low, high, notes));
    }
    if !exec.computes_outputs() {
        return Ok(None);
    }
    let any_missing = base.any_missing
        || runs
            .iter()
            .any(|(_, l, h, _)| l.any_missing || h.any_missing);
    let pick = |m: &RunMedians| {
        if any_missing {
            m.p50.clone()
        } else {
            m.mean.clone()
        }
    };
    Ok(Some(TornadoAnalysis {
        arms: base_s.arms.iter().map(|a| a.name.clone()).collect(),
        statistic: if any_missing {
            "median over replicates of the Kaplan-Meier median PFS (some medians not reached)"
        } else {
            "mean over replicates of the Kaplan-Meier median PFS"
        },
        base: pick(&base),
        rows: runs
            .into_iter()
            .map(|(a, l, h, notes)| TornadoRow {
                at_low: pick(&l),
                at_high: pick(&h),
                note: (!notes.is_empty()).then(|| notes.join("; ")),
                assumption: a,
            })
            .collect(),
    }))
}

/// A range end as the key path setter reads it (whole numbers stay whole).
pub fn format_setting(x: f64) -> String {
    format_number(x)
}
