//! Data cut-off rules: when (in calendar months since accrual start) the
//! analysis data set is frozen. How each rule is resolved per cohort is
//! documented in [`observe`](super::observe).

use std::fmt;

/// Endpoint whose events drive an event-driven cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Progression-free survival (progression seen at a visit, or death).
    Pfs,
    /// Overall survival (death).
    Os,
}

/// Cut-off rule. Build through [`Cutoff::calendar`],
/// [`Cutoff::after_events`], [`Cutoff::min_followup`] (validated); values
/// built directly are re-validated by `ObservationDesign`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cutoff {
    /// Fixed calendar time.
    Calendar {
        /// Months since accrual start; finite, `> 0`.
        month: f64,
    },
    /// When the `events`-th event of `endpoint` is observed.
    AfterEvents {
        /// Target number of events, `>= 1`.
        events: u32,
        /// Endpoint counted.
        endpoint: Endpoint,
    },
    /// A minimum follow-up after the last patient's entry.
    MinFollowup {
        /// Months after the last entry; finite, `> 0`.
        months: f64,
    },
}

/// Why a cut-off rule was rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CutoffError {
    /// Calendar month is NaN or infinite.
    NonFiniteCalendarMonth(f64),
    /// Calendar month is `<= 0` (no follow-up possible).
    NonPositiveCalendarMonth(f64),
    /// Event target is 0.
    ZeroEventsTarget,
    /// Minimum follow-up is NaN or infinite.
    NonFiniteMinFollowup(f64),
    /// Minimum follow-up is `<= 0` (the last patient would have none).
    NonPositiveMinFollowup(f64),
}

impl fmt::Display for CutoffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonFiniteCalendarMonth(m) => {
                write!(f, "calendar cut-off month must be finite, got {m}")
            }
            Self::NonPositiveCalendarMonth(m) => {
                write!(f, "calendar cut-off month must be > 0, got {m}")
            }
            Self::ZeroEventsTarget => write!(f, "event-driven cut-off needs at least 1 event"),
            Self::NonFiniteMinFollowup(m) => {
                write!(f, "minimum follow-up must be finite, got {m}")
            }
            Self::NonPositiveMinFollowup(m) => {
                write!(f, "minimum follow-up must be > 0 months, got {m}")
            }
        }
    }
}

impl std::error::Error for CutoffError {}

/// How the cut-off was resolved for one cohort.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CutoffOutcome {
    /// Calendar time of the cut-off (months since accrual start).
    pub calendar_cutoff: f64,
    /// `AfterEvents`: whether the target was reached (if not, the cut-off is
    /// the last event that ever occurs). Always `true` for the other rules,
    /// which have no target that could be missed.
    pub events_target_reached: bool,
}

impl Cutoff {
    /// Calendar cut-off at `month` (finite, `> 0`).
    pub fn calendar(month: f64) -> Result<Self, CutoffError> {
        let c = Self::Calendar { month };
        c.validate()?;
        Ok(c)
    }

    /// Event-driven cut-off (`events >= 1`).
    pub fn after_events(events: u32, endpoint: Endpoint) -> Result<Self, CutoffError> {
        let c = Self::AfterEvents { events, endpoint };
        c.validate()?;
        Ok(c)
    }

    /// Minimum follow-up after the last entry (finite, `> 0`).
    pub fn min_followup(months: f64) -> Result<Self, CutoffError> {
        let c = Self::MinFollowup { months };
        c.validate()?;
        Ok(c)
    }

    /// Checks the parameters. Whether a calendar cut-off falls after the end
    /// of accrual is a cross-module check left to the caller.
    pub fn validate(&self) -> Result<(), CutoffError> {
        match *self {
            Self::Calendar { month } => {
                if !month.is_finite() {
                    Err(CutoffError::NonFiniteCalendarMonth(month))
                } else if month <= 0.0 {
                    Err(CutoffError::NonPositiveCalendarMonth(month))
                } else {
                    Ok(())
                }
            }
            Self::AfterEvents { events, .. } => {
                if events == 0 {
                    Err(CutoffError::ZeroEventsTarget)
                } else {
                    Ok(())
                }
            }
            Self::MinFollowup { months } => {
                if !months.is_finite() {
                    Err(CutoffError::NonFiniteMinFollowup(months))
                } else if months <= 0.0 {
                    Err(CutoffError::NonPositiveMinFollowup(months))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// k-th smallest (1-based) of `times` by partial selection (no sort, no
/// allocation); `None` if `k == 0` or fewer than `k` values.
pub(crate) fn kth_smallest(times: &mut [f64], k: u32) -> Option<f64> {
    let k = usize::try_from(k).ok()?;
    if k == 0 || k > times.len() {
        return None;
    }
    let (_, kth, _) = times.select_nth_unstable_by(k - 1, f64::total_cmp);
    Some(*kth)
}
