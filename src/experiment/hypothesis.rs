//! The hypothesis tests a power analysis simulates, applied to one virtual
//! cohort's observed PFS with the same estimators `analyze` uses on real data.

use crate::analysis::one_sample_logrank::one_sample_logrank_exponential;
use crate::analysis::rmst::rmst_from_data;
use crate::analysis::{rmst_difference, CoxModel, KaplanMeier, LogRank, Ties, Weighting};
use crate::design::Endpoint;
use crate::sim::Workspace;

/// A test of PFS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Test {
    /// Two-arm log-rank test.
    LogRank,
    /// Wald test of the arm coefficient in a Cox model with the arm as the
    /// only covariate.
    Cox,
    /// Difference in restricted mean PFS up to `tau`, Wald test.
    Rmst { tau: f64 },
    /// One arm against an exponential historical control with this median.
    OneSampleLogRank { historical_median: f64 },
}

impl Test {
    pub fn name(&self) -> &'static str {
        match self {
            Test::LogRank => "logrank",
            Test::Cox => "cox",
            Test::Rmst { .. } => "rmst",
            Test::OneSampleLogRank { .. } => "one-sample-logrank",
        }
    }

    pub fn is_one_sample(&self) -> bool {
        matches!(self, Test::OneSampleLogRank { .. })
    }
}

/// The arm tested, and the arm it is compared with (none for a one-sample
/// test).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub arm: usize,
    pub control: Option<usize>,
}

/// One replicate's test: its two-sided p-value (NaN when the test cannot be
/// computed, e.g. no events) and the PFS events it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestOutcome {
    pub p_value: f64,
    pub events: f64,
}

/// Reused buffers; keep one per worker thread.
#[derive(Debug, Default)]
pub struct Tester {
    time: Vec<f64>,
    event: Vec<bool>,
    time2: Vec<f64>,
    event2: Vec<bool>,
    group: Vec<u32>,
    x: Vec<f64>,
    logrank: LogRank,
    cox: CoxModel,
    km: KaplanMeier,
}

impl Tester {
    pub fn new() -> Self {
        Self::default()
    }

    /// The compared arms' patients, pooled, with the tested arm coded 1.
    fn pool(&mut self, ws: &Workspace, cmp: &Comparison, control: usize) {
        self.time.clear();
        self.event.clear();
        self.group.clear();
        self.x.clear();
        let o = &ws.observed;
        for (i, &a) in ws.arm.iter().enumerate() {
            let a = a as usize;
            if a == cmp.arm || a == control {
                let g = (a == cmp.arm) as u32;
                self.time.push(o.pfs_time[i]);
                self.event.push(o.pfs_event[i]);
                self.group.push(g);
                self.x.push(g as f64);
            }
        }
    }

    pub fn test(
        &mut self,
        test: Test,
        cmp: &Comparison,
        ties: Ties,
        ws: &Workspace,
    ) -> TestOutcome {
        let events = |e: &[bool]| e.iter().filter(|&&x| x).count() as f64;
        match (test, cmp.control) {
            (Test::OneSampleLogRank { historical_median }, _) => {
                ws.arm_endpoint_into(cmp.arm, Endpoint::Pfs, &mut self.time, &mut self.event);
                let p = one_sample_logrank_exponential(&self.time, &self.event, historical_median)
                    .map_or(f64::NAN, |r| r.p_value);
                TestOutcome {
                    p_value: p,
                    events: events(&self.event),
                }
            }
            (_, None) => TestOutcome {
                p_value: f64::NAN,
                events: f64::NAN,
            },
            (Test::LogRank, Some(control)) => {
                self.pool(ws, cmp, control);
                let r = self.logrank.test(
                    &self.time,
                    &self.event,
                    &self.group,
                    2,
                    None,
                    Weighting::LogRank,
                );
                TestOutcome {
                    p_value: r.p_value,
                    events: events(&self.event),
                }
            }
            (Test::Cox, Some(control)) => {
                self.pool(ws, cmp, control);
                let ok = self
                    .cox
                    .fit(&self.time, &self.event, &self.x, 1, None, ties)
                    .is_ok_and(|f| f.is_ok());
                let p = if ok {
                    self.cox
                        .coef_summary(0, 0.95)
                        .map_or(f64::NAN, |c| c.p_value())
                } else {
                    f64::NAN
                };
                TestOutcome {
                    p_value: p,
                    events: events(&self.event),
                }
            }
            (Test::Rmst { tau }, Some(control)) => {
                ws.arm_endpoint_into(cmp.arm, Endpoint::Pfs, &mut self.time, &mut self.event);
                ws.arm_endpoint_into(control, Endpoint::Pfs, &mut self.time2, &mut self.event2);
                let a = rmst_from_data(&self.time, &self.event, tau, &mut self.km);
                let b = rmst_from_data(&self.time2, &self.event2, tau, &mut self.km);
                let p = match (a, b) {
                    (Some(a), Some(b)) => rmst_difference(&a, &b).p,
                    _ => f64::NAN,
                };
                TestOutcome {
                    p_value: p,
                    events: events(&self.event) + events(&self.event2),
                }
            }
        }
    }
}
