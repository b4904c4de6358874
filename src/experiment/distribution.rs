//! One estimate's sampling distribution over replicates, aggregated as the
//! replicates stream past: mean and SD (each with its Monte Carlo standard
//! error) and percentiles (with theirs), in memory that does not grow with
//! the number of replicates unless exact percentiles are asked for.

use super::performance::{Measure, Moments};
use super::quantiles::QuantileStore;
use serde::{Deserialize, Serialize};

/// Accumulates one column of replicate values.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnAccumulator {
    moments: Moments,
    quantiles: QuantileStore,
    missing: u64,
    /// A missing value is "not reached" (a median beyond follow-up): it sorts
    /// above every value in the percentiles.
    not_reached: bool,
}

impl crate::study::Aggregate for ColumnAccumulator {
    fn append(&mut self, right: &Self) {
        self.merge(right);
    }
}

impl ColumnAccumulator {
    pub fn new(not_reached: bool, exact: bool) -> Self {
        ColumnAccumulator {
            moments: Moments::new(),
            quantiles: if exact {
                QuantileStore::exact()
            } else {
                QuantileStore::sketch()
            },
            missing: 0,
            not_reached,
        }
    }

    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            self.missing += 1;
            if self.not_reached {
                self.quantiles.push(f64::INFINITY);
            }
        } else {
            if x.is_finite() {
                self.moments.push(x);
            }
            self.quantiles.push(x);
        }
    }

    pub fn merge(&mut self, other: &ColumnAccumulator) {
        self.moments.merge(&other.moments);
        self.quantiles.merge(&other.quantiles);
        self.missing += other.missing;
    }

    pub fn finish(&mut self, name: &str, truth: Option<f64>) -> DistributionSummary {
        self.quantiles.prepare();
        let n = self.moments.n();
        let sd = self.moments.sd();
        let q = |p: f64| self.quantiles.quantile_with_mcse(p);
        DistributionSummary {
            name: name.to_string(),
            replicates: n,
            missing: self.missing,
            missing_means_not_reached: self.not_reached,
            mean: self.moments.mean().map(|m| Measure {
                value: m,
                mcse: sd.map_or(f64::NAN, |s| s / (n as f64).sqrt()),
            }),
            // MCSE of an SD: S / sqrt(2 (n - 1)) (Morris et al. 2019, Table 6).
            sd: sd.map(|s| Measure {
                value: s,
                mcse: s / (2.0 * (n as f64 - 1.0)).sqrt(),
            }),
            p2_5: q(0.025),
            p50: q(0.5),
            p97_5: q(0.975),
            truth,
        }
    }
}

/// One estimate's distribution over replicates.
#[derive(Debug, Clone, Serialize)]
pub struct DistributionSummary {
    pub name: String,
    /// Replicates with a finite value.
    pub replicates: u64,
    /// Replicates without one (for medians: not reached).
    pub missing: u64,
    pub missing_means_not_reached: bool,
    pub mean: Option<Measure>,
    pub sd: Option<Measure>,
    /// Percentiles with their Monte Carlo standard errors (+inf: not reached).
    pub p2_5: Option<Measure>,
    pub p50: Option<Measure>,
    pub p97_5: Option<Measure>,
    /// The model's true value, where the estimate has one.
    pub truth: Option<f64>,
}
