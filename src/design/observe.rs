//! What the trial observes of each patient's latent history.
//!
//! Inputs per patient `i` (entry order): entry `e_i` (calendar months), latent
//! progression `P_i` and death `D_i` (months after entry, `+inf` if none).
//!
//! # Rules
//!
//! 1. **Loss to follow-up.** Exactly one Exp(1) variate `E_i` is drawn per
//!    patient, in patient order, with the ziggurat sampler
//!    (`rand_distr::Exp1`: no logarithm on its fast path), even when
//!    `loss_rate == 0`; so a call makes exactly `n` draws and random streams
//!    stay aligned across scenarios. Loss time `L_i = E_i / loss_rate`,
//!    `+inf` when `loss_rate == 0`.
//! 2. **Latent observed event times** (no cut-off yet). Progression is seen at
//!    the first visit at or after `P_i` (`V_i`, see [`Schedule`]; a
//!    progression on a visit day is seen that day); death is seen when it
//!    happens. PFS event time `T_i = min(V_i, D_i)`; OS event time `D_i`.
//! 3. **Calendar cut-off `c`.**
//!    * `Calendar { month }`: `c = month`.
//!    * `MinFollowup { months }`: `c = max_i e_i + months` (max over finite
//!      entries; 0 if there are none).
//!    * `AfterEvents { events: k, endpoint }`: the calendar event times
//!      `e_i + t_i` of the endpoint (`t_i = T_i` for PFS, `D_i` for OS) of the
//!      patients whose event happens before loss (`t_i <= L_i`), but with no
//!      cut-off, are collected; `c` is the k-th smallest (selected with
//!      `select_nth_unstable`, no sort). If fewer than `k` events ever occur,
//!      `c` is the last of them and `events_target_reached = false`; if none
//!      occurs at all, `c = max_i e_i` (the end of accrual as realised).
//! 4. **Censoring time** `C_i = max(0, min(c - e_i, L_i))`. A patient entering
//!    after the cut-off (impossible for a `Calendar` cut-off after accrual end,
//!    which the caller validates) gets `C_i = 0` and both endpoints censored
//!    at time 0.
//! 5. **PFS.** Observed event at `T_i` if `T_i <= C_i`. Otherwise censored at
//!    the last visit at or before `C_i` when `censor_at_last_assessment`
//!    (FDA-style "last adequate assessment"; `C_i` itself for `Continuous`),
//!    else at `C_i`.
//! 6. **OS.** Observed death at `D_i` if `D_i <= C_i`, else censored at `C_i`.
//!
//! "`t <= C_i`" is evaluated as `t <= L_i && e_i + t <= c`, i.e. on the
//! calendar scale with the very expression used to build the `AfterEvents`
//! cut-off, so the k-th event is never lost to rounding in `c - e_i` (exactly
//! `k` events are observed when reachable, barring exact ties in calendar
//! time, which are all included).
//!
//! Input hygiene (no panics on any input): NaN latent times count as "never"
//! (`+inf`), negative latent times as 0; a non-finite entry counts as never
//! entering (`+inf`: censored at 0, ignored by `MinFollowup`). Slices of
//! different lengths or an invalid design (the fields are public) are
//! reported as [`ObserveError`]; `out` is then left empty and no random
//! numbers are drawn.

use super::cutoff::kth_smallest;
use super::{Cutoff, CutoffError, CutoffOutcome, Endpoint, Schedule, ScheduleError};
use rand::distributions::Distribution;
use rand::Rng;
use rand_distr::Exp1;
use std::fmt;

/// Observation design: assessment schedule, loss to follow-up and cut-off.
/// Build with [`ObservationDesign::new`]; the fields are public for reading
/// and are re-validated (O(1)) on each [`ObservationDesign::observe_into`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObservationDesign {
    /// Disease assessment schedule.
    pub schedule: Schedule,
    /// Exponential loss-to-follow-up rate per month; 0 = no loss.
    pub loss_rate: f64,
    /// Data cut-off rule.
    pub cutoff: Cutoff,
    /// Censor PFS at the last assessment at or before the censoring time.
    pub censor_at_last_assessment: bool,
}

/// Why an observation design was rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ObservationDesignError {
    /// Invalid schedule.
    Schedule(ScheduleError),
    /// Loss rate is NaN or infinite.
    NonFiniteLossRate(f64),
    /// Loss rate is negative.
    NegativeLossRate(f64),
    /// Invalid cut-off rule.
    Cutoff(CutoffError),
}

impl fmt::Display for ObservationDesignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Schedule(e) => write!(f, "invalid schedule: {e}"),
            Self::NonFiniteLossRate(r) => write!(f, "loss rate must be finite, got {r}"),
            Self::NegativeLossRate(r) => write!(f, "loss rate must be >= 0 per month, got {r}"),
            Self::Cutoff(e) => write!(f, "invalid cut-off: {e}"),
        }
    }
}

impl std::error::Error for ObservationDesignError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Schedule(e) => Some(e),
            Self::Cutoff(e) => Some(e),
            Self::NonFiniteLossRate(_) | Self::NegativeLossRate(_) => None,
        }
    }
}

impl From<ScheduleError> for ObservationDesignError {
    fn from(e: ScheduleError) -> Self {
        Self::Schedule(e)
    }
}

impl From<CutoffError> for ObservationDesignError {
    fn from(e: CutoffError) -> Self {
        Self::Cutoff(e)
    }
}

/// Why a call to [`ObservationDesign::observe_into`] failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ObserveError {
    /// The design is invalid (a public field was set without validation).
    InvalidDesign(ObservationDesignError),
    /// `entry`, `progression` and `death` differ in length.
    LengthMismatch {
        /// `entry.len()`.
        entry: usize,
        /// `progression.len()`.
        progression: usize,
        /// `death.len()`.
        death: usize,
    },
}

impl fmt::Display for ObserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDesign(e) => write!(f, "invalid observation design: {e}"),
            Self::LengthMismatch {
                entry,
                progression,
                death,
            } => write!(
                f,
                "input lengths differ: {entry} entries, {progression} progression times, \
                 {death} death times"
            ),
        }
    }
}

impl std::error::Error for ObserveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidDesign(e) => Some(e),
            Self::LengthMismatch { .. } => None,
        }
    }
}

/// Observed data of one cohort, patient order as the inputs. Reusable: each
/// call clears and refills the vectors, keeping their capacity. Times are in
/// months after entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// PFS time (event or censoring).
    pub pfs_time: Vec<f64>,
    /// PFS event indicator (`false` = censored).
    pub pfs_event: Vec<bool>,
    /// OS time (event or censoring).
    pub os_time: Vec<f64>,
    /// OS event indicator (`false` = censored).
    pub os_event: Vec<bool>,
    /// Latent loss-to-follow-up time (`+inf` if `loss_rate == 0`).
    pub loss: Vec<f64>,
}

impl Observed {
    /// Empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Buffers pre-sized for `n` patients (avoids growth on first use).
    pub fn with_capacity(n: usize) -> Self {
        Self {
            pfs_time: Vec::with_capacity(n),
            pfs_event: Vec::with_capacity(n),
            os_time: Vec::with_capacity(n),
            os_event: Vec::with_capacity(n),
            loss: Vec::with_capacity(n),
        }
    }

    /// Number of patients.
    pub fn len(&self) -> usize {
        self.pfs_time.len()
    }

    /// No patients.
    pub fn is_empty(&self) -> bool {
        self.pfs_time.is_empty()
    }

    /// Clears all vectors, keeping capacity.
    pub fn clear(&mut self) {
        self.pfs_time.clear();
        self.pfs_event.clear();
        self.os_time.clear();
        self.os_event.clear();
        self.loss.clear();
    }
}

/// Latent time hygiene: NaN means "never", negative means "at entry".
#[inline]
fn latent(t: f64) -> f64 {
    if t.is_nan() {
        f64::INFINITY
    } else {
        t.max(0.0)
    }
}

/// Entry hygiene: a non-finite entry never enters in time.
#[inline]
fn entry_time(e: f64) -> f64 {
    if !e.is_finite() {
        f64::INFINITY
    } else {
        e
    }
}

/// Largest finite entry, or 0 if none.
fn max_finite_entry(entry: &[f64]) -> f64 {
    let m = entry
        .iter()
        .copied()
        .filter(|e| e.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        0.0
    } else {
        m
    }
}

/// Rule 1: one ziggurat `Exp(1)` draw per patient, in patient order, into
/// `loss`. Without loss (`loss_rate == 0`) the draw is still made, so streams
/// stay aligned, but the loss time is `+inf` whatever the draw.
///
/// The draws are stored first and divided by the rate in a second pass (the
/// same division of the same draw): in the sampling loop the division sat on
/// every iteration beside the sampler's spilled registers, while on its own
/// it runs as packed division over the whole column.
fn draw_losses<R: Rng + ?Sized>(loss_rate: f64, rng: &mut R, loss: &mut [f64]) {
    for l in loss.iter_mut() {
        *l = Exp1.sample(rng);
    }
    if loss_rate > 0.0 {
        for l in loss.iter_mut() {
            *l /= loss_rate;
        }
    } else {
        loss.fill(f64::INFINITY);
    }
}

/// Rule 2: the latent observed PFS time `min(V_i, D_i)`, where `seen_at`
/// is the schedule's `next_visit_at_or_after` (passed as a closure so that
/// the continuous schedule compiles to the identity).
#[inline]
fn latent_pfs(progression: &[f64], death: &[f64], pfs: &mut [f64], seen_at: impl Fn(f64) -> f64) {
    for ((t, &p), &d) in pfs.iter_mut().zip(progression).zip(death) {
        *t = seen_at(latent(p)).min(latent(d));
    }
}

/// Rules 4 to 6: censoring at the cut-off `cut` and at loss; `pfs_time`
/// holds the latent observed PFS times on entry. `censor_pfs` maps the
/// censoring time to the PFS censoring time (the last visit at or before it,
/// or itself). Written without data-dependent branches: whether a patient's
/// event is seen is a coin flip the branch predictor cannot learn.
#[inline]
fn apply_cutoff(
    cut: f64,
    entry: &[f64],
    death: &[f64],
    loss: &[f64],
    (pfs_time, pfs_event, os_time, os_event): (&mut [f64], &mut [bool], &mut [f64], &mut [bool]),
    censor_pfs: impl Fn(f64) -> f64,
) {
    let n = pfs_time.len();
    let (entry, death, loss) = (&entry[..n], &death[..n], &loss[..n]);
    let (pfs_event, os_time, os_event) =
        (&mut pfs_event[..n], &mut os_time[..n], &mut os_event[..n]);
    for i in 0..n {
        let e = entry_time(entry[i]);
        let l = loss[i];
        let c = (cut - e).min(l);
        let c = if c > 0.0 { c } else { 0.0 };
        let seen = |t: f64| (t <= l) & (e + t <= cut);

        let t = pfs_time[i];
        let pfs_seen = seen(t);
        let censored = censor_pfs(c);
        pfs_time[i] = if pfs_seen { t } else { censored };
        pfs_event[i] = pfs_seen;

        let d = latent(death[i]);
        let os_seen = seen(d);
        os_time[i] = if os_seen { d } else { c };
        os_event[i] = os_seen;
    }
}

impl ObservationDesign {
    /// Builds a validated design: valid schedule, `loss_rate` finite and
    /// `>= 0`, valid cut-off rule.
    pub fn new(
        schedule: Schedule,
        loss_rate: f64,
        cutoff: Cutoff,
        censor_at_last_assessment: bool,
    ) -> Result<Self, ObservationDesignError> {
        let d = Self {
            schedule,
            loss_rate,
            cutoff,
            censor_at_last_assessment,
        };
        d.validate()?;
        Ok(d)
    }

    /// Checks all parameters (O(1)).
    pub fn validate(&self) -> Result<(), ObservationDesignError> {
        self.schedule.validate()?;
        if !self.loss_rate.is_finite() {
            return Err(ObservationDesignError::NonFiniteLossRate(self.loss_rate));
        }
        if self.loss_rate < 0.0 {
            return Err(ObservationDesignError::NegativeLossRate(self.loss_rate));
        }
        self.cutoff.validate()?;
        Ok(())
    }

    /// Applies the observation rules of the module doc to one cohort.
    ///
    /// `entry` are calendar entry times; `progression` and `death` latent
    /// times after entry (`+inf` if none). Results go to `out` (cleared and
    /// refilled); `scratch` is working memory for `AfterEvents`. Makes
    /// exactly `entry.len()` `Exp(1)` draws from `rng`. Allocation-free once the
    /// buffers have reached the cohort size.
    pub fn observe_into<R: Rng + ?Sized>(
        &self,
        entry: &[f64],
        progression: &[f64],
        death: &[f64],
        rng: &mut R,
        out: &mut Observed,
        scratch: &mut Vec<f64>,
    ) -> Result<CutoffOutcome, ObserveError> {
        out.clear();
        self.validate().map_err(ObserveError::InvalidDesign)?;
        let n = entry.len();
        if progression.len() != n || death.len() != n {
            return Err(ObserveError::LengthMismatch {
                entry: n,
                progression: progression.len(),
                death: death.len(),
            });
        }
        // Size all outputs once (no allocation if capacity suffices) and work
        // on plain slices: avoids per-push capacity checks and reloading the
        // Vec headers through `out` in the loops.
        out.pfs_time.resize(n, 0.0);
        out.pfs_event.resize(n, false);
        out.os_time.resize(n, 0.0);
        out.os_event.resize(n, false);
        out.loss.resize(n, 0.0);
        let Observed {
            pfs_time,
            pfs_event,
            os_time,
            os_event,
            loss,
        } = out;
        let (pfs_time, pfs_event) = (&mut pfs_time[..n], &mut pfs_event[..n]);
        let (os_time, os_event, loss) = (&mut os_time[..n], &mut os_event[..n], &mut loss[..n]);

        // Pass 1: loss times and latent observed PFS times (kept in pfs_time
        // until pass 2 overwrites them).
        draw_losses(self.loss_rate, rng, loss);
        match self.schedule {
            Schedule::Continuous => latent_pfs(progression, death, pfs_time, |t| t),
            schedule => latent_pfs(progression, death, pfs_time, |t| {
                schedule.next_visit_at_or_after(t)
            }),
        }

        // Calendar cut-off.
        let (cut, reached) = match self.cutoff {
            Cutoff::Calendar { month } => (month, true),
            Cutoff::MinFollowup { months } => (max_finite_entry(entry) + months, true),
            Cutoff::AfterEvents { events, endpoint } => {
                scratch.clear();
                for i in 0..n {
                    let t = match endpoint {
                        Endpoint::Pfs => pfs_time[i],
                        Endpoint::Os => latent(death[i]),
                    };
                    if t <= loss[i] {
                        let c = entry_time(entry[i]) + t;
                        if c.is_finite() {
                            scratch.push(c);
                        }
                    }
                }
                match kth_smallest(scratch, events) {
                    Some(c) => (c, true),
                    None if scratch.is_empty() => (max_finite_entry(entry), false),
                    None => (
                        scratch.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                        false,
                    ),
                }
            }
        };

        // Pass 2: apply cut-off and loss.
        let schedule = self.schedule;
        let outputs = (pfs_time, pfs_event, os_time, os_event);
        match (self.censor_at_last_assessment, schedule) {
            (true, Schedule::Every { .. }) => apply_cutoff(cut, entry, death, loss, outputs, |c| {
                schedule.last_visit_at_or_before(c)
            }),
            _ => apply_cutoff(cut, entry, death, loss, outputs, |c| c),
        }

        Ok(CutoffOutcome {
            calendar_cutoff: cut,
            events_target_reached: reached,
        })
    }
}
