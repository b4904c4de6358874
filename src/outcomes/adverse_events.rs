//! Binary adverse events, one probability per event (Table 6 style).
//!
//! Papers report adverse events as "n (%) of patients with at least one event of
//! grade >= g" (reference cohort, Table 6, `published-cohorts.md` §1). Each event is modelled
//! as an independent Bernoulli with a logistic link: the reference patient has the
//! published proportion `p0`, and the caller's linear predictor `eta` (a sum of log
//! odds ratios) shifts it, `p = logistic(logit(p0) + eta)`. The logit scale keeps
//! every `p` inside [0, 1] for any covariate effect.
//!
//! Dependence between events (e.g. neutropenia and pneumonia) is not modelled; a
//! caller that needs it can put a shared patient frailty into the `eta`s.

use super::logit::logistic;
use rand::Rng;
use std::fmt;

/// Error from constructing an [`AdverseEvent`].
#[derive(Debug, Clone, PartialEq)]
pub enum AdverseEventError {
    /// The name is empty or only whitespace.
    EmptyName,
    /// The baseline probability is NaN or outside [0, 1] (names the event and value).
    InvalidProbability {
        /// Event at fault.
        name: String,
        /// Value supplied.
        value: f64,
    },
    /// `from_count` with zero patients.
    NoPatients {
        /// Event at fault.
        name: String,
    },
    /// `from_count` with more events than patients.
    CountExceedsTotal {
        /// Event at fault.
        name: String,
        /// Patients with the event.
        events: u64,
        /// Patients at risk.
        n: u64,
    },
}

impl fmt::Display for AdverseEventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdverseEventError::EmptyName => f.write_str("adverse event name is empty"),
            AdverseEventError::InvalidProbability { name, value } => write!(
                f,
                "baseline probability of adverse event {name:?} is {value}, must be in [0, 1]"
            ),
            AdverseEventError::NoPatients { name } => {
                write!(f, "adverse event {name:?}: zero patients at risk")
            }
            AdverseEventError::CountExceedsTotal { name, events, n } => write!(
                f,
                "adverse event {name:?}: {events} patients with the event out of {n}"
            ),
        }
    }
}

impl std::error::Error for AdverseEventError {}

/// One binary adverse event: name, baseline probability for the reference patient, and
/// a logistic link for the caller's linear predictor (log odds ratios).
#[derive(Debug, Clone, PartialEq)]
pub struct AdverseEvent {
    name: String,
    p0: f64,
    logit_p0: f64,
}

impl AdverseEvent {
    /// `p0` must lie in [0, 1]. The bounds are allowed and are absorbing: with `p0 = 0`
    /// the event never happens and with `p0 = 1` it always does, whatever `eta` (no
    /// finite odds ratio moves a probability off 0 or 1).
    pub fn new(name: impl Into<String>, p0: f64) -> Result<Self, AdverseEventError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(AdverseEventError::EmptyName);
        }
        if !(0.0..=1.0).contains(&p0) {
            return Err(AdverseEventError::InvalidProbability { name, value: p0 });
        }
        let logit_p0 = p0.ln() - (1.0 - p0).ln();
        Ok(AdverseEvent { name, p0, logit_p0 })
    }

    /// From a published count, e.g. Table 6 neutropenia grade >= 3: `events = 21`,
    /// `n = 60`.
    pub fn from_count(
        name: impl Into<String>,
        events: u64,
        n: u64,
    ) -> Result<Self, AdverseEventError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(AdverseEventError::EmptyName);
        }
        if n == 0 {
            return Err(AdverseEventError::NoPatients { name });
        }
        if events > n {
            return Err(AdverseEventError::CountExceedsTotal { name, events, n });
        }
        Self::new(name, events as f64 / n as f64)
    }

    /// The event's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Baseline probability (reference patient, `eta = 0`).
    pub fn baseline(&self) -> f64 {
        self.p0
    }

    /// `logistic(logit(p0) + eta)`.
    ///
    /// Returns `p0` exactly for `eta = 0`, and exactly 0 or 1 when `p0` is 0 or 1 (for
    /// every `eta`, NaN included). Otherwise a NaN `eta` gives NaN and `eta = ±inf`
    /// gives 1 or 0.
    pub fn probability(&self, eta: f64) -> f64 {
        if self.p0 == 0.0 || self.p0 == 1.0 || eta == 0.0 {
            return self.p0;
        }
        logistic(self.logit_p0 + eta)
    }

    /// Draws whether the patient has the event: exactly **one** uniform
    /// (`rng.gen::<f64>()`), always, including when `p0` is 0 or 1; event iff
    /// `u < probability(eta)`. A NaN probability gives `false` (no event). Does not
    /// allocate.
    pub fn sample<R>(&self, eta: f64, rng: &mut R) -> bool
    where
        R: Rng + ?Sized,
    {
        let u: f64 = rng.gen();
        u < self.probability(eta)
    }
}

/// Error from an [`AdverseEventSet`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdverseEventSetError {
    /// Two events share a name (names are how results are reported).
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// A slice passed to a sampling / probability method does not have one entry per
    /// event.
    LengthMismatch {
        /// Number of events in the set.
        expected: usize,
        /// Length of the linear-predictor slice.
        etas: usize,
        /// Length of the output slice.
        out: usize,
    },
}

impl fmt::Display for AdverseEventSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdverseEventSetError::DuplicateName { name } => {
                write!(f, "adverse event {name:?} appears more than once")
            }
            AdverseEventSetError::LengthMismatch {
                expected,
                etas,
                out,
            } => write!(
                f,
                "adverse event set has {expected} events but got {etas} linear predictors \
                 and an output of length {out}"
            ),
        }
    }
}

impl std::error::Error for AdverseEventSetError {}

/// Several adverse events sampled together, in a fixed order (the order given to
/// [`AdverseEventSet::new`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AdverseEventSet {
    events: Vec<AdverseEvent>,
}

impl AdverseEventSet {
    /// Events are kept in the given order; names must be distinct. An empty set is
    /// allowed (it draws nothing).
    pub fn new(events: Vec<AdverseEvent>) -> Result<Self, AdverseEventSetError> {
        for (i, e) in events.iter().enumerate() {
            if events[..i].iter().any(|o| o.name == e.name) {
                return Err(AdverseEventSetError::DuplicateName {
                    name: e.name.clone(),
                });
            }
        }
        Ok(AdverseEventSet { events })
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the set has no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The events in sampling order.
    pub fn events(&self) -> &[AdverseEvent] {
        &self.events
    }

    /// Position of the event called `name`, if any.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.events.iter().position(|e| e.name == name)
    }

    fn check(&self, etas: usize, out: usize) -> Result<(), AdverseEventSetError> {
        let expected = self.events.len();
        if etas != expected || out != expected {
            return Err(AdverseEventSetError::LengthMismatch {
                expected,
                etas,
                out,
            });
        }
        Ok(())
    }

    /// Writes `probability(etas[i])` of event i into `out[i]`.
    pub fn probabilities_into(
        &self,
        etas: &[f64],
        out: &mut [f64],
    ) -> Result<(), AdverseEventSetError> {
        self.check(etas.len(), out.len())?;
        for ((e, &eta), o) in self.events.iter().zip(etas).zip(out.iter_mut()) {
            *o = e.probability(eta);
        }
        Ok(())
    }

    /// Samples every event for one patient into `out` (one linear predictor per
    /// event), in set order: exactly `len()` uniforms, one per event, event i using the
    /// i-th. On a length mismatch returns an error **before drawing anything**, so the
    /// stream is untouched. Does not allocate.
    pub fn sample_into<R>(
        &self,
        etas: &[f64],
        out: &mut [bool],
        rng: &mut R,
    ) -> Result<(), AdverseEventSetError>
    where
        R: Rng + ?Sized,
    {
        self.check(etas.len(), out.len())?;
        for ((e, &eta), o) in self.events.iter().zip(etas).zip(out.iter_mut()) {
            *o = e.sample(eta, rng);
        }
        Ok(())
    }
}
