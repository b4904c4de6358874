//! What each replicate reports: the columns of replicates.csv and how one
//! virtual cohort is reanalysed into them, with the same estimators
//! `cohortsim analyze` applies to real data.

use super::workspace::Workspace;
use crate::analysis::proportion::clopper_pearson;
use crate::analysis::time_key::sort_by_time_key;
use crate::analysis::{CoxModel, KaplanMeier, Landmark, LogRank, Weighting};
use crate::outcomes::response::duration_of_response;
use crate::scenario::Scenario;
use std::collections::HashMap;

/// The quantity behind a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    Patients,
    PfsEvents,
    PfsMedian,
    PfsMedianLower,
    PfsMedianUpper,
    /// Kaplan-Meier PFS at landmark k, and its pointwise CI bounds.
    PfsAt(usize),
    PfsAtLower(usize),
    PfsAtUpper(usize),
    OsEvents,
    OsMedian,
    OsAt(usize),
    /// Median follow-up by reverse Kaplan-Meier.
    FollowupMedian,
    /// Cox PFS hazard ratio of this arm against the control arm (arms as
    /// dummies in one model), and its CI bounds.
    PfsHr,
    PfsHrLower,
    PfsHrUpper,
    /// Overall response rate (CR + VGPR + PR, of all patients) and its exact
    /// (Clopper-Pearson) CI; VGPR or better; median duration of response.
    Orr,
    OrrLower,
    OrrUpper,
    VgprOrBetter,
    DorMedian,
    /// The rate of adverse event j.
    AdverseEvent(usize),
    /// Observed deaths attributed to progression, and to other causes.
    DeathsProgression,
    DeathsOther,
    /// Log-rank test of PFS across all arms.
    PfsLogrankChisq,
    PfsLogrankP,
    /// Calendar month of the data cut-off (since the accrual start).
    CutoffMonth,
    /// Fraction of screened patients that the eligibility rules excluded.
    ScreenedOut,
}

impl Quantity {
    /// A missing median or CI bound means "not reached": longer than any
    /// follow-up, so it sorts above every reached value in percentiles.
    pub fn missing_means_not_reached(self) -> bool {
        matches!(
            self,
            Quantity::PfsMedian
                | Quantity::PfsMedianLower
                | Quantity::PfsMedianUpper
                | Quantity::OsMedian
                | Quantity::FollowupMedian
                | Quantity::DorMedian
        )
    }
}

/// One column of replicates.csv.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub arm: Option<usize>,
    pub quantity: Quantity,
}

/// Landmark times print without a trailing ".0" (pfs_at_12, pfs_at_7.5).
fn month_label(t: f64) -> String {
    if t.fract() == 0.0 && t.abs() < 1e9 {
        format!("{}", t as i64)
    } else {
        format!("{t}")
    }
}

/// The columns of a scenario's replicates, arm by arm, then study-wide ones.
pub fn columns(s: &Scenario) -> Vec<Column> {
    let mut cols = Vec::new();
    for (a, arm) in s.arms.iter().enumerate() {
        let mut push = |suffix: String, q: Quantity| {
            cols.push(Column {
                name: format!("{}.{}", arm.name, suffix),
                arm: Some(a),
                quantity: q,
            })
        };
        push("n".into(), Quantity::Patients);
        push("pfs_events".into(), Quantity::PfsEvents);
        push("pfs_median".into(), Quantity::PfsMedian);
        push("pfs_median_lower".into(), Quantity::PfsMedianLower);
        push("pfs_median_upper".into(), Quantity::PfsMedianUpper);
        for (k, &t) in s.analysis.landmarks.iter().enumerate() {
            let m = month_label(t);
            push(format!("pfs_at_{m}"), Quantity::PfsAt(k));
            push(format!("pfs_at_{m}_lower"), Quantity::PfsAtLower(k));
            push(format!("pfs_at_{m}_upper"), Quantity::PfsAtUpper(k));
        }
        if s.analysis.os {
            push("os_events".into(), Quantity::OsEvents);
            push("os_median".into(), Quantity::OsMedian);
            for (k, &t) in s.analysis.landmarks.iter().enumerate() {
                push(format!("os_at_{}", month_label(t)), Quantity::OsAt(k));
            }
        }
        if s.analysis.followup {
            push("followup_median".into(), Quantity::FollowupMedian);
        }
        if s.response.is_some() {
            push("orr".into(), Quantity::Orr);
            push("orr_lower".into(), Quantity::OrrLower);
            push("orr_upper".into(), Quantity::OrrUpper);
            push("vgpr_or_better".into(), Quantity::VgprOrBetter);
            push("dor_median".into(), Quantity::DorMedian);
        }
        for (j, ae) in s.adverse_events.iter().enumerate() {
            push(format!("ae_{}", ae.event.name()), Quantity::AdverseEvent(j));
        }
        if s.death_causes.is_some() {
            push("deaths_progression".into(), Quantity::DeathsProgression);
            push("deaths_other".into(), Quantity::DeathsOther);
        }
        if s.arms.len() > 1 && a != s.analysis.control {
            push("pfs_hr".into(), Quantity::PfsHr);
            push("pfs_hr_lower".into(), Quantity::PfsHrLower);
            push("pfs_hr_upper".into(), Quantity::PfsHrUpper);
        }
    }
    if s.arms.len() > 1 {
        for (name, q) in [
            ("pfs_logrank_chisq", Quantity::PfsLogrankChisq),
            ("pfs_logrank_p", Quantity::PfsLogrankP),
        ] {
            cols.push(Column {
                name: name.into(),
                arm: None,
                quantity: q,
            });
        }
    }
    cols.push(Column {
        name: "cutoff_month".into(),
        arm: None,
        quantity: Quantity::CutoffMonth,
    });
    cols.push(Column {
        name: "screened_out".into(),
        arm: None,
        quantity: Quantity::ScreenedOut,
    });
    cols
}

/// Checks that every `[published]` figure names a replicate column, so a typo
/// is an error at `validate`, not a silently missing comparison.
pub fn check_published(
    s: &Scenario,
    file: &std::path::Path,
) -> Result<(), crate::error::ScenarioError> {
    let cols = columns(s);
    let problems: Vec<crate::error::Problem> = s
        .published
        .iter()
        .filter_map(|(name, value)| {
            let message = if !cols.iter().any(|c| &c.name == name) {
                let arms: Vec<&str> = s.arms.iter().map(|a| a.name.as_str()).collect();
                format!(
                    "no estimate `{name}`: keys are replicate columns such as {}.pfs_median or {}.pfs_at_12 (arms: {}; landmarks come from analysis.landmarks)",
                    arms[0],
                    arms[0],
                    arms.join(", ")
                )
            } else if !value.is_finite() {
                format!("`{name}` must be a finite number")
            } else {
                return None;
            };
            Some(crate::error::Problem {
                key: format!("published.\"{name}\""),
                message,
            })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(crate::error::ScenarioError {
            file: file.to_path_buf(),
            problems,
        })
    }
}

/// Reused buffers for reanalysing cohorts; keep one per worker thread.
#[derive(Debug, Default)]
pub struct Analyser {
    time: Vec<f64>,
    event: Vec<bool>,
    pfs: KaplanMeier,
    os: KaplanMeier,
    followup: KaplanMeier,
    dor: KaplanMeier,
    /// This arm's responders, VGPR-or-better, adverse-event counts and ORR CI.
    responders: usize,
    vgpr: usize,
    ae_counts: Vec<usize>,
    orr_ci: (f64, f64),
    /// Clopper-Pearson intervals already computed, by (responders, patients,
    /// level bits): each is two beta-quantile root searches, and a trial of
    /// fixed size only ever asks for a few dozen distinct ones.
    orr_cache: HashMap<(u64, u64, u64), (f64, f64)>,
    deaths_progression: usize,
    deaths_other: usize,
    /// The cohort's PFS sorted by time once per replicate, as (time key,
    /// patient), and its times, events and arms in that order: every PFS
    /// estimator (per-arm Kaplan-Meier, log-rank, Cox) gets sorted input, on
    /// which its own sort is one linear pass.
    pfs_order: Vec<(u64, u32)>,
    pfs_time: Vec<f64>,
    pfs_event: Vec<bool>,
    pfs_arm: Vec<u32>,
    /// The same sorted PFS split by arm in the same pass.
    pfs_by_arm: ByArm,
    /// The cohort's OS sorted by time once per replicate and split by arm,
    /// as PFS is, so each arm's OS fit gets sorted input.
    os_order: Vec<(u64, u32)>,
    os_by_arm: ByArm,
    /// Scratch of the sorts.
    sort_words: Vec<u64>,
    /// The current arm's Kaplan-Meier PFS and OS at each landmark, read
    /// once per arm rather than once per column (each PFS read is a
    /// two-sided interval).
    pfs_landmarks: Vec<Option<Landmark>>,
    os_landmarks: Vec<Option<f64>>,
    /// The Cox design matrix (a dummy per non-control arm) and the results.
    x: Vec<f64>,
    logrank: LogRank,
    cox: CoxModel,
    /// Per arm: (HR, lower, upper) against the control arm.
    hr: Vec<[f64; 3]>,
    logrank_chisq: f64,
    logrank_p: f64,
}

const NA: f64 = f64::NAN;

/// A cohort's rows split by arm in one pass, each arm's in the order they
/// came: arm `a`'s rows are the first `len[a]` of block `a` (of `n` rows)
/// of each column. Splitting arm by arm would test every row's arm once per
/// arm, on a branch as unpredictable as the arms are in time order; here
/// each row costs one indexed store per column. Rows with an arm out of
/// range go to a last block that is never read, so they can neither panic
/// nor join an arm.
#[derive(Debug, Default)]
struct ByArm {
    n: usize,
    time: Vec<f64>,
    event: Vec<bool>,
    patient: Vec<u32>,
    len: Vec<usize>,
}

impl ByArm {
    /// Splits `rows` (arm, time, event, patient) by arm, keeping their order.
    fn split(&mut self, arms: usize, rows: impl ExactSizeIterator<Item = (usize, f64, bool, u32)>) {
        let n = rows.len();
        self.n = n;
        // Grown, never shrunk or cleared: every cell read was written first.
        let cells = (arms + 1) * n;
        if self.time.len() < cells {
            self.time.resize(cells, 0.0);
            self.event.resize(cells, false);
            self.patient.resize(cells, 0);
        }
        // Each arm's next cell (`len` holds it during the loop). Slices
        // taken once: the stores cannot alias them, so nothing is reloaded
        // per row.
        self.len.clear();
        self.len.extend((0..=arms).map(|a| a * n));
        let (next, time, event, patient) = (
            &mut self.len[..],
            &mut self.time[..],
            &mut self.event[..],
            &mut self.patient[..],
        );
        for (a, t, e, p) in rows {
            let a = a.min(arms);
            let at = next[a];
            next[a] += 1;
            time[at] = t;
            event[at] = e;
            patient[at] = p;
        }
        for (a, next) in self.len.iter_mut().enumerate() {
            *next -= a * n;
        }
    }

    /// Arm `a`'s times, events and patients.
    fn arm(&self, a: usize) -> (&[f64], &[bool], &[u32]) {
        let rows = match self.len.get(a) {
            Some(&len) if a + 1 < self.len.len() => a * self.n..a * self.n + len,
            _ => 0..0,
        };
        (
            &self.time[rows.clone()],
            &self.event[rows.clone()],
            &self.patient[rows],
        )
    }
}

impl Analyser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sorts the cohort's observed PFS by time (ties by patient, so each
    /// estimator's order within ties is the one it would choose itself),
    /// gathers the sorted columns, and splits them by arm.
    fn sort_pfs(&mut self, ws: &Workspace, arms: usize) {
        let o = &ws.observed;
        sort_by_time_key(&o.pfs_time, &mut self.sort_words, &mut self.pfs_order);
        let n = self.pfs_order.len();
        // Sized up front and written through zipped iterators: no capacity
        // or bounds check per row.
        self.pfs_time.resize(n, 0.0);
        self.pfs_event.resize(n, false);
        self.pfs_arm.resize(n, 0);
        let rows = self
            .pfs_order
            .iter()
            .zip(&mut self.pfs_time)
            .zip(&mut self.pfs_event)
            .zip(&mut self.pfs_arm);
        for (((&(_, p), time), event), arm) in rows {
            let i = p as usize;
            (*time, *event, *arm) = (o.pfs_time[i], o.pfs_event[i], u32::from(ws.arm[i]));
        }
        let sorted = self
            .pfs_order
            .iter()
            .zip(&self.pfs_time)
            .zip(&self.pfs_event)
            .zip(&self.pfs_arm);
        self.pfs_by_arm.split(
            arms,
            sorted.map(|(((&(_, p), &t), &e), &a)| (a as usize, t, e, p)),
        );
    }

    /// Sorts the cohort's observed OS by time (ties by patient) and splits
    /// it by arm.
    fn sort_os(&mut self, ws: &Workspace, arms: usize) {
        let o = &ws.observed;
        sort_by_time_key(&o.os_time, &mut self.sort_words, &mut self.os_order);
        let rows = self.os_order.iter().map(|&(_, p)| {
            let i = p as usize;
            (usize::from(ws.arm[i]), o.os_time[i], o.os_event[i], p)
        });
        self.os_by_arm.split(arms, rows);
    }

    /// Log-rank test across arms and one Cox model with a dummy per
    /// non-control arm, on observed PFS: what a trial report gives. The
    /// Cox model comes first: for two arms without tied times the log-rank
    /// statistic is its score statistic (see
    /// [`LogRank::untied_two_group_from_score`]).
    fn compare_arms(&mut self, s: &Scenario) {
        let k = s.arms.len();
        let control = s.analysis.control;
        let others: usize = k - 1;
        // Row-major, one dummy per non-control arm (arm j > control is
        // column j - 1): zero everywhere, then one 1 per non-control row.
        // The store is unconditional (a 0 into a row's first cell when the
        // row is the control's) because the arms come in time order, at
        // random: a branch on them would be mispredicted half the time.
        self.x.clear();
        self.x.resize(self.pfs_arm.len() * others, 0.0);
        if others > 0 {
            for (row, &a) in self.x.chunks_exact_mut(others).zip(&self.pfs_arm) {
                let a = a as usize;
                let dummy = a != control && a < k;
                let col = if dummy {
                    a - usize::from(a > control)
                } else {
                    0
                };
                row[col] = f64::from(u8::from(dummy));
            }
        }
        self.hr.clear();
        self.hr.resize(k, [NA; 3]);
        let fit = self.cox.fit(
            &self.pfs_time,
            &self.pfs_event,
            &self.x,
            others,
            None,
            s.analysis.ties,
        );
        if fit.as_ref().is_ok_and(|f| f.is_ok()) {
            for (col, arm) in (0..k).filter(|&j| j != control).enumerate() {
                if let Some(c) = self.cox.coef_summary(col, s.analysis.conf_level) {
                    self.hr[arm] = [c.hr, c.hr_lower, c.hr_upper];
                }
            }
        }

        // Two arms without tied times (any trial of continuous times): the
        // log-rank test is the Cox fit's score test, already computed.
        let from_score = match &fit {
            Ok(f) if k == 2 => self
                .logrank
                .untied_two_group_from_score(&self.pfs_time, f.score_chisq),
            _ => None,
        };
        (self.logrank_chisq, self.logrank_p) = from_score.unwrap_or_else(|| {
            let r = self.logrank.test(
                &self.pfs_time,
                &self.pfs_event,
                &self.pfs_arm,
                k,
                None,
                Weighting::LogRank,
            );
            (r.chisq, r.p_value)
        });
    }

    /// Response and adverse-event tallies of arm `a`, and the Kaplan-Meier fit
    /// of duration of response (from start to progression, for responders, as
    /// the reference paper defines it).
    fn endpoints(&mut self, s: &Scenario, ws: &Workspace, a: usize) {
        let k = s.adverse_events.len();
        self.ae_counts.clear();
        self.ae_counts.resize(k, 0);
        self.responders = 0;
        self.vgpr = 0;
        self.deaths_progression = 0;
        self.deaths_other = 0;
        self.time.clear();
        self.event.clear();
        let o = &ws.observed;
        // In PFS time order: duration of response is the responders' PFS,
        // so its fit gets sorted input (the tallies do not depend on order).
        let (_, _, patients) = self.pfs_by_arm.arm(a);
        let n = patients.len() as u64;
        for &i in patients {
            let i = i as usize;
            if let Some(&r) = ws.response.get(i) {
                self.responders += r.is_orr() as usize;
                self.vgpr += r.is_vgpr_or_better() as usize;
                if let Some((t, e)) = duration_of_response(r, o.pfs_time[i], o.pfs_event[i]) {
                    self.time.push(t);
                    self.event.push(e);
                }
            }
            match ws.death_cause.get(i).copied().flatten() {
                Some(c) if c.is_progression() => self.deaths_progression += 1,
                Some(_) => self.deaths_other += 1,
                None => {}
            }
            // The patient's row of the flat table as one slice: no bounds
            // check per event.
            if let Some(row) = ws.adverse.get(i * k..(i + 1) * k) {
                for (c, &e) in self.ae_counts.iter_mut().zip(row) {
                    *c += usize::from(e);
                }
            }
        }
        self.dor.fit(&self.time, &self.event);
        let level = s.analysis.conf_level;
        self.orr_ci = *self
            .orr_cache
            .entry((self.responders as u64, n, level.to_bits()))
            .or_insert_with(|| match clopper_pearson(self.responders as u64, n, level) {
                Ok(p) => (p.lower, p.upper),
                Err(_) => (NA, NA),
            });
    }

    /// Fills `row` (one value per column of `columns(s)`) from the cohort in `ws`.
    pub fn analyse(&mut self, s: &Scenario, ws: &Workspace, cols: &[Column], row: &mut [f64]) {
        let plan = &s.analysis;
        let arms = s.arms.len();
        self.sort_pfs(ws, arms);
        if arms > 1 {
            self.compare_arms(s);
        }
        let os_fit = plan.os || plan.followup;
        if os_fit {
            self.sort_os(ws, arms);
        }
        let per_patient =
            s.response.is_some() || !s.adverse_events.is_empty() || s.death_causes.is_some();
        let mut current_arm = usize::MAX;
        let mut pfs_median = None;
        let mut os_median = None;
        let mut followup = None;
        let mut pfs_events = 0usize;
        let mut os_events = 0usize;
        let mut n = 0usize;
        for (col, out) in cols.iter().zip(row.iter_mut()) {
            if let Some(a) = col.arm {
                if a != current_arm {
                    current_arm = a;
                    if os_fit {
                        let (time, event, _) = self.os_by_arm.arm(a);
                        self.os.fit(time, event);
                        os_events = event.iter().filter(|&&e| e).count();
                        // Only the OS and follow-up medians' estimates are
                        // reported, so their CI bands are never computed; the
                        // reverse (follow-up) fit reuses the OS fit's table.
                        os_median = self.os.median_estimate();
                        self.followup.reverse_of(&self.os);
                        followup = self.followup.median_estimate();
                    }
                    let (time, event, _) = self.pfs_by_arm.arm(a);
                    self.pfs.fit(time, event);
                    pfs_events = event.iter().filter(|&&e| e).count();
                    n = time.len();
                    pfs_median = Some(self.pfs.median(plan.conf_type, plan.conf_level));
                    self.pfs_landmarks.clear();
                    self.pfs_landmarks.extend(
                        plan.landmarks
                            .iter()
                            .map(|&t| self.pfs.survival_at(t, plan.conf_type, plan.conf_level)),
                    );
                    self.os_landmarks.clear();
                    if plan.os {
                        self.os_landmarks.extend(
                            plan.landmarks
                                .iter()
                                .map(|&t| self.os.survival_estimate_at(t)),
                        );
                    }
                    if per_patient {
                        self.endpoints(s, ws, a);
                    }
                }
            }
            let landmark = |k: usize| self.pfs_landmarks.get(k).copied().flatten();
            *out = match col.quantity {
                Quantity::Patients => n as f64,
                Quantity::PfsEvents => pfs_events as f64,
                Quantity::OsEvents => os_events as f64,
                Quantity::PfsMedian => pfs_median.and_then(|q| q.estimate).unwrap_or(NA),
                Quantity::PfsMedianLower => pfs_median.and_then(|q| q.lower).unwrap_or(NA),
                Quantity::PfsMedianUpper => pfs_median.and_then(|q| q.upper).unwrap_or(NA),
                Quantity::OsMedian => os_median.unwrap_or(NA),
                Quantity::FollowupMedian => followup.unwrap_or(NA),
                Quantity::PfsAt(k) => landmark(k).map(|l| l.surv).unwrap_or(NA),
                Quantity::PfsAtLower(k) => landmark(k).map(|l| l.lower).unwrap_or(NA),
                Quantity::PfsAtUpper(k) => landmark(k).map(|l| l.upper).unwrap_or(NA),
                Quantity::OsAt(k) => self.os_landmarks.get(k).copied().flatten().unwrap_or(NA),
                Quantity::Orr => self.responders as f64 / n.max(1) as f64,
                Quantity::OrrLower => self.orr_ci.0,
                Quantity::OrrUpper => self.orr_ci.1,
                Quantity::VgprOrBetter => self.vgpr as f64 / n.max(1) as f64,
                Quantity::DorMedian => self.dor.median_estimate().unwrap_or(NA),
                Quantity::AdverseEvent(j) => self
                    .ae_counts
                    .get(j)
                    .map_or(NA, |&c| c as f64 / n.max(1) as f64),
                Quantity::DeathsProgression => self.deaths_progression as f64,
                Quantity::DeathsOther => self.deaths_other as f64,
                Quantity::PfsHr => self.hr[current_arm][0],
                Quantity::PfsHrLower => self.hr[current_arm][1],
                Quantity::PfsHrUpper => self.hr[current_arm][2],
                Quantity::PfsLogrankChisq => self.logrank_chisq,
                Quantity::PfsLogrankP => self.logrank_p,
                Quantity::CutoffMonth => ws.cutoff.map(|c| c.calendar_cutoff).unwrap_or(NA),
                Quantity::ScreenedOut => ws.generation.excluded_fraction(),
            };
        }
    }
}
