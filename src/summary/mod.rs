//! Aggregates over replicates: each estimate's sampling distribution beside the
//! model's true value, with the Monte Carlo standard error of its mean.

use crate::experiment::distribution::DistributionSummary;
use crate::experiment::performance::Measure;
use crate::sim::{Quantity, RunOutput};
use serde::Serialize;

/// One estimate's distribution over replicates.
#[derive(Debug, Clone, Serialize)]
pub struct EstimateSummary {
    pub name: String,
    /// Replicates with a value.
    pub replicates: usize,
    /// Replicates without one: "not reached" for medians and their CI bounds
    /// (then counted as longer than any value in the percentiles), otherwise
    /// undefined (e.g. a landmark beyond the last follow-up).
    pub missing: usize,
    pub missing_means_not_reached: bool,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    /// Monte Carlo standard error of the mean: sd / sqrt(replicates).
    pub mcse_mean: Option<f64>,
    /// Percentiles; None where the percentile is "not reached" or undefined.
    pub p2_5: Option<f64>,
    pub p50: Option<f64>,
    pub p97_5: Option<f64>,
    pub truth: Option<f64>,
    /// The paper's figure for this estimate, if the scenario gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<f64>,
    /// Whether the published figure lies in the central 95% of the simulated
    /// sampling distribution (a "not reached" percentile counts as +infinity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_in_central_95: Option<bool>,
}

/// R's default (type 7) sample quantile of sorted values.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let (a, b) = (sorted[lo], sorted[hi]);
    if a.is_infinite() || b.is_infinite() {
        return if hi == lo || b == a {
            Some(a)
        } else {
            Some(f64::INFINITY)
        };
    }
    Some(a + (h - lo as f64) * (b - a))
}

/// The paper's figure for column `name`, and whether it lies within the
/// simulated central 95% `lo..=hi` (an infinite end counts as "not reached").
fn published_against(
    published: &[(String, f64)],
    name: &str,
    lo: Option<f64>,
    hi: Option<f64>,
) -> (Option<f64>, Option<bool>) {
    let value = published.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    let inside = match (value, lo, hi) {
        (Some(v), Some(lo), Some(hi)) => Some(lo <= v && v <= hi),
        _ => None,
    };
    (value, inside)
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// Summarises every column of a run; `published` holds the paper's figures by
/// column name.
pub fn summarise(
    run: &RunOutput,
    truth: &[Option<f64>],
    published: &[(String, f64)],
) -> Vec<EstimateSummary> {
    let k = run.columns.len();
    let r = run.replicates();
    let mut values = Vec::with_capacity(r);
    run.columns
        .iter()
        .enumerate()
        .map(|(c, col)| {
            let not_reached = col.quantity.missing_means_not_reached();
            values.clear();
            values.extend((0..r).map(|i| run.rows[i * k + c]));
            let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
            let missing = values.len() - present.len();
            let m = present.len() as f64;
            let mean = (!present.is_empty()).then(|| present.iter().sum::<f64>() / m);
            let sd = mean.filter(|_| present.len() > 1).map(|mu| {
                (present.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / (m - 1.0)).sqrt()
            });
            let mut sorted: Vec<f64> = if not_reached {
                values
                    .iter()
                    .map(|&v| if v.is_nan() { f64::INFINITY } else { v })
                    .collect()
            } else {
                present.clone()
            };
            sorted.sort_by(|a, b| a.total_cmp(b));
            let lo = quantile_sorted(&sorted, 0.025);
            let hi = quantile_sorted(&sorted, 0.975);
            let (published_value, inside) = published_against(published, &col.name, lo, hi);
            EstimateSummary {
                published: published_value,
                published_in_central_95: inside,
                name: col.name.clone(),
                replicates: present.len(),
                missing,
                missing_means_not_reached: not_reached,
                mean,
                sd,
                mcse_mean: sd.map(|s| s / m.sqrt()),
                p2_5: finite(quantile_sorted(&sorted, 0.025)),
                p50: finite(quantile_sorted(&sorted, 0.5)),
                p97_5: finite(quantile_sorted(&sorted, 0.975)),
                truth: truth.get(c).copied().flatten(),
            }
        })
        .collect()
}

/// A streamed column summary in the shape `summary.json` reports;
/// `published` holds the paper's figures by column name.
pub fn summary_of(d: &DistributionSummary, published: &[(String, f64)]) -> EstimateSummary {
    // Percentiles keep their infinities here: "not reached" is above any figure.
    let p = |m: Option<Measure>| m.map(|m| m.value).filter(|v| !v.is_nan());
    let (lo, hi) = (p(d.p2_5), p(d.p97_5));
    let (published_value, inside) = published_against(published, &d.name, lo, hi);
    EstimateSummary {
        name: d.name.clone(),
        replicates: d.replicates as usize,
        missing: d.missing as usize,
        missing_means_not_reached: d.missing_means_not_reached,
        mean: d.mean.map(|m| m.value),
        sd: d.sd.map(|m| m.value),
        mcse_mean: d.mean.map(|m| m.mcse).filter(|v| v.is_finite()),
        p2_5: finite(lo),
        p50: finite(p(d.p50)),
        p97_5: finite(hi),
        truth: d.truth,
        published: published_value,
        published_in_central_95: inside,
    }
}

/// Whether a column is one a reader looks for first in the printed summary.
pub fn is_headline(q: Quantity) -> bool {
    !matches!(q, Quantity::PfsAtLower(_) | Quantity::PfsAtUpper(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_quantiles_match_r() {
        // R: quantile(c(1, 2, 4, 8, 16), c(.025, .5, .975)) = 1.1, 4, 15.2
        let v = [1.0, 2.0, 4.0, 8.0, 16.0];
        assert!((quantile_sorted(&v, 0.025).unwrap() - 1.1).abs() < 1e-12);
        assert_eq!(quantile_sorted(&v, 0.5), Some(4.0));
        assert!((quantile_sorted(&v, 0.975).unwrap() - 15.2).abs() < 1e-12);
    }

    #[test]
    fn not_reached_sorts_above_every_value() {
        let v = [1.0, 2.0, f64::INFINITY, f64::INFINITY];
        assert_eq!(quantile_sorted(&v, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&v, 0.975), Some(f64::INFINITY));
    }
}
