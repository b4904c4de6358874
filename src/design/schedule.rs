//! Assessment schedule: when disease status is assessed.
//!
//! Visits are at `0` (baseline), `interval`, `2 * interval`, ... from each
//! patient's own entry. A progression is only *seen* at the first visit at or
//! after it happens; `Continuous` means it is seen the moment it happens.
//!
//! Floating-point guard: a time `t` whose visit count `k = t / interval` lies
//! within `VISIT_REL_EPS * max(round(k), 1)` of the integer `round(k)` is
//! treated as being exactly on visit `round(k)`. So a progression computed to
//! fall "exactly" on a visit day (e.g. `3.0 * interval`, which may round to
//! `2.9999999999999996` or `3.0000000000000004` visits) is seen that day, not
//! one interval later; the returned visit time is then `round(k) * interval`,
//! which may be below `t` by at most that relative tolerance (`1e-9`, i.e.
//! well under a second over decades of follow-up).

use std::fmt;

/// Relative tolerance used to snap times onto visit days (see module doc).
pub const VISIT_REL_EPS: f64 = 1e-9;

/// Assessment schedule.
///
/// Build `Every` through [`Schedule::every`] / [`Schedule::every_weeks`]. An
/// `Every` with a non-finite or non-positive interval built directly behaves
/// as `Continuous` in the visit functions (they must not panic), and is
/// rejected by [`Schedule::validate`] and hence by `ObservationDesign`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// Status known at all times.
    Continuous,
    /// Visits every `interval` months from entry.
    Every {
        /// Months between visits, finite and `> 0`.
        interval: f64,
    },
}

/// Why a schedule was rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScheduleError {
    /// Interval is NaN or infinite.
    NonFiniteInterval(f64),
    /// Interval is `<= 0`.
    NonPositiveInterval(f64),
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonFiniteInterval(i) => write!(f, "visit interval must be finite, got {i}"),
            Self::NonPositiveInterval(i) => write!(f, "visit interval must be > 0, got {i}"),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// 2^52: every f64 at or above it is an integer.
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

/// Visit index for a positive, non-NaN visit count `k = t / interval`: the
/// nearest integer if within the snapping tolerance, else `ceil(k)` (`up`) or
/// `floor(k)`. Uses an integer conversion instead of `round`/`ceil`/`floor`,
/// which are libm calls on baseline x86-64 and showed up in profiles.
#[inline]
fn visit_index(k: f64, up: bool) -> f64 {
    if k >= TWO_POW_52 {
        return k; // already an integer (or +inf)
    }
    // Exact floor for 0 < k < 2^52, through i64: baseline x86-64 converts
    // doubles to and from i64 in one instruction each, to and from u64 only
    // by a sequence that handles values above 2^63.
    let fl = (k as i64) as f64;
    let frac = k - fl; // exact, in [0, 1)
                       // The nearest integer and the distance to it, without a branch (whether
                       // a time is past a half visit is a coin flip, which a branch mispredicts
                       // half the time): `half` is 1 when frac >= 0.5, else 0, and
                       // `|frac - half|` is `1 - frac` or `frac`, both exact.
    let half = f64::from(u8::from(frac >= 0.5));
    let nearest = fl + half;
    let dist = (frac - half).abs();
    if dist <= VISIT_REL_EPS * nearest.max(1.0) {
        nearest
    } else if up {
        fl + 1.0
    } else {
        fl
    }
}

impl Schedule {
    /// Visits every `interval_months` months (finite, `> 0`).
    pub fn every(interval_months: f64) -> Result<Self, ScheduleError> {
        let s = Self::Every {
            interval: interval_months,
        };
        s.validate()?;
        Ok(s)
    }

    /// Visits every `weeks` weeks (converted with
    /// [`weeks_to_months`](super::weeks_to_months)).
    pub fn every_weeks(weeks: f64) -> Result<Self, ScheduleError> {
        if !weeks.is_finite() {
            return Err(ScheduleError::NonFiniteInterval(weeks));
        }
        if weeks <= 0.0 {
            return Err(ScheduleError::NonPositiveInterval(weeks));
        }
        Self::every(super::weeks_to_months(weeks))
    }

    /// Checks the interval.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        match *self {
            Self::Continuous => Ok(()),
            Self::Every { interval } => {
                if !interval.is_finite() {
                    Err(ScheduleError::NonFiniteInterval(interval))
                } else if interval <= 0.0 {
                    Err(ScheduleError::NonPositiveInterval(interval))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The valid interval, or `None` for `Continuous` (or an invalid one).
    #[inline]
    fn interval(&self) -> Option<f64> {
        match *self {
            Self::Every { interval } if interval > 0.0 && interval.is_finite() => Some(interval),
            _ => None,
        }
    }

    /// Time of the first visit at or after `t` (patient time).
    ///
    /// `Continuous`: `t`. `Every`: `t <= 0` gives the baseline visit 0;
    /// `+inf` stays `+inf` (never seen); NaN stays NaN; otherwise
    /// `ceil(t / interval) * interval` with the snapping of the module doc.
    #[inline]
    pub fn next_visit_at_or_after(&self, t: f64) -> f64 {
        let Some(iv) = self.interval() else {
            return t;
        };
        if t.is_nan() || t == f64::INFINITY {
            return t;
        }
        if t <= 0.0 {
            return 0.0;
        }
        visit_index(t / iv, true) * iv
    }

    /// Time of the last visit at or before `t` (patient time).
    ///
    /// `Continuous`: `t`. `Every`: `t <= 0` gives 0 (nothing precedes the
    /// baseline visit; callers never pass negative times); `+inf` and NaN are
    /// returned unchanged; otherwise `floor(t / interval) * interval` with the
    /// snapping of the module doc.
    #[inline]
    pub fn last_visit_at_or_before(&self, t: f64) -> f64 {
        let Some(iv) = self.interval() else {
            return t;
        };
        if t.is_nan() || t == f64::INFINITY {
            return t;
        }
        if t <= 0.0 {
            return 0.0;
        }
        visit_index(t / iv, false) * iv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// `visit_index` as first written (with a branch on the half), kept as
    /// the specification of the branch-free one.
    fn visit_index_reference(k: f64, up: bool) -> f64 {
        if k >= TWO_POW_52 {
            return k;
        }
        let fl = (k as u64) as f64;
        let frac = k - fl;
        let (nearest, dist) = if frac >= 0.5 {
            (fl + 1.0, 1.0 - frac)
        } else {
            (fl, frac)
        };
        if dist <= VISIT_REL_EPS * nearest.max(1.0) {
            nearest
        } else if up {
            fl + 1.0
        } else {
            fl
        }
    }

    #[test]
    fn branch_free_visit_index_matches_the_reference() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut ks = vec![
            f64::MIN_POSITIVE,
            5e-324,
            0.5,
            0.5 - f64::EPSILON,
            1.0,
            1.5,
            2.5,
            3.0 * (1.0 - f64::EPSILON),
            3.0 * (1.0 + f64::EPSILON),
            1e9 + 0.5,
            1e9 + 0.999_999,
            TWO_POW_52 - 0.5,
            TWO_POW_52,
            f64::INFINITY,
        ];
        for _ in 0..100_000 {
            let scale = 10f64.powi(rng.gen_range(-3..12));
            let k: f64 = rng.gen::<f64>() * scale;
            ks.push(k);
            ks.push(k.round() + rng.gen_range(-2e-9..2e-9) * k.max(1.0));
            ks.push(k.floor() + 0.5);
        }
        for k in ks.into_iter().filter(|&k| k > 0.0) {
            for up in [false, true] {
                let (a, b) = (visit_index(k, up), visit_index_reference(k, up));
                assert_eq!(a.to_bits(), b.to_bits(), "k = {k:e}, up = {up}");
            }
        }
    }
}
