//! Causes of death as competing risks on top of the illness-death model.
//!
//! The illness-death model decides *when* a patient dies and whether that is before
//! progression (transition 0 -> 2) or after it (1 -> 2). Papers also report *why*
//! (reference cohort, `published-cohorts.md` §1: 19 deaths, progression 9, COVID-19 3,
//! pneumonia 4, second tumour 1, myocardial infarction 1, unknown 1). This module
//! attaches a cause to each death:
//!
//! * a death **before progression** cannot be progression-related, so its cause is
//!   drawn from a distribution over the other causes;
//! * a death **after progression** is progression-related with probability
//!   `p_progression_after`; otherwise its cause is drawn from the same distribution
//!   over the other causes.
//!
//! The cause is a label only: it does not feed back into the event times, which the
//! illness-death model has already fixed.

use rand::Rng;
use std::fmt;

/// Name of the progression cause, always index 0.
pub const PROGRESSION: &str = "progression";

/// Index of a cause of death in a [`DeathCauses`]: 0 is progression, 1.. are the other
/// causes in the order given to the constructor. Obtained from [`DeathCauses`]; look the
/// name up with [`DeathCauses::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CauseIndex(usize);

impl CauseIndex {
    /// The progression-related cause.
    pub const PROGRESSION: CauseIndex = CauseIndex(0);

    /// Position among all causes (0 = progression, i + 1 = i-th other cause).
    pub fn get(self) -> usize {
        self.0
    }

    /// Whether this is the progression-related cause.
    pub fn is_progression(self) -> bool {
        self.0 == 0
    }
}

/// A patient's vital status at the end of follow-up, as the illness-death model leaves
/// it; input to [`DeathCauses::sample_for_patient`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VitalStatus {
    /// Alive (censored) at the end of follow-up.
    Alive,
    /// Died without prior progression (0 -> 2).
    DiedBeforeProgression,
    /// Died after progression (1 -> 2).
    DiedAfterProgression,
}

/// Error from constructing a [`DeathCauses`].
#[derive(Debug, Clone, PartialEq)]
pub enum DeathCausesError {
    /// No non-progression cause given: deaths before progression would have no cause.
    NoOtherCauses,
    /// The other cause at this position (0-based) has an empty name.
    EmptyName {
        /// Position in the list of other causes.
        index: usize,
    },
    /// Two causes share a name.
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// An other cause is called "progression", which is reserved for index 0.
    ReservedName {
        /// The name given.
        name: String,
    },
    /// A cause probability is NaN or outside [0, 1] (names the cause and value).
    InvalidProbability {
        /// Cause at fault.
        name: String,
        /// Value supplied.
        value: f64,
    },
    /// The probabilities of the other causes do not sum to 1 within 1e-6.
    ProbabilitiesDoNotSumToOne {
        /// Their sum.
        sum: f64,
    },
    /// The probability that a death after progression is progression-related is NaN or
    /// outside [0, 1].
    InvalidProgressionShare {
        /// Value supplied.
        value: f64,
    },
    /// `from_counts`: all counts of the other causes are zero.
    NoOtherDeaths,
    /// `from_counts`: more progression deaths than deaths after progression.
    ProgressionExceedsDeathsAfter {
        /// Progression deaths.
        progression: u64,
        /// Deaths after progression.
        deaths_after: u64,
    },
    /// `from_counts`: more deaths after progression than deaths in total.
    DeathsAfterExceedTotal {
        /// Deaths after progression.
        deaths_after: u64,
        /// All deaths (progression + other causes).
        total: u64,
    },
}

impl fmt::Display for DeathCausesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DeathCausesError::*;
        match self {
            NoOtherCauses => f.write_str(
                "no cause of death other than progression: deaths before progression need one",
            ),
            EmptyName { index } => {
                write!(f, "cause of death at position {index} has an empty name")
            }
            DuplicateName { name } => write!(f, "cause of death {name:?} appears more than once"),
            ReservedName { name } => write!(
                f,
                "cause of death {name:?} is reserved for progression (index 0); \
                 give its share via the progression probability"
            ),
            InvalidProbability { name, value } => write!(
                f,
                "probability of cause of death {name:?} is {value}, must be in [0, 1]"
            ),
            ProbabilitiesDoNotSumToOne { sum } => write!(
                f,
                "probabilities of the non-progression causes of death sum to {sum}, \
                 must sum to 1 within 1e-6"
            ),
            InvalidProgressionShare { value } => write!(
                f,
                "probability that a death after progression is progression-related is {value}, \
                 must be in [0, 1]"
            ),
            NoOtherDeaths => {
                f.write_str("counts of the non-progression causes of death are all zero")
            }
            ProgressionExceedsDeathsAfter {
                progression,
                deaths_after,
            } => write!(
                f,
                "{progression} progression deaths but only {deaths_after} deaths after progression"
            ),
            DeathsAfterExceedTotal {
                deaths_after,
                total,
            } => write!(
                f,
                "{deaths_after} deaths after progression but only {total} deaths in total"
            ),
        }
    }
}

impl std::error::Error for DeathCausesError {}

/// Distribution of causes of death given the death's timing relative to progression.
#[derive(Debug, Clone, PartialEq)]
pub struct DeathCauses {
    /// Names of the non-progression causes (index i here is `CauseIndex(i + 1)`).
    names: Vec<String>,
    /// Their probabilities, normalised to sum to 1.
    probs: Vec<f64>,
    /// Cumulative probabilities; set to exactly 1 from the last positive entry on, so
    /// inversion never falls off the end or lands on a zero-probability cause.
    cum: Vec<f64>,
    /// Position (in `probs`) of the last cause with positive probability: the fallback
    /// if rounding ever puts a rescaled uniform at 1.
    last_positive: usize,
    /// P(progression-related | died after progression).
    p_prog_after: f64,
}

impl DeathCauses {
    /// `other`: the non-progression causes with their probabilities (each in [0, 1],
    /// summing to 1 within 1e-6, then rescaled to sum to exactly 1), used for every
    /// death before progression and for the non-progression deaths after it.
    /// `p_progression_after`: probability that a death after progression is
    /// progression-related.
    ///
    /// Names must be non-empty, distinct, and not "progression" (any case).
    pub fn new(other: &[(&str, f64)], p_progression_after: f64) -> Result<Self, DeathCausesError> {
        if other.is_empty() {
            return Err(DeathCausesError::NoOtherCauses);
        }
        for (i, &(name, p)) in other.iter().enumerate() {
            if name.trim().is_empty() {
                return Err(DeathCausesError::EmptyName { index: i });
            }
            if name.trim().eq_ignore_ascii_case(PROGRESSION) {
                return Err(DeathCausesError::ReservedName {
                    name: name.to_string(),
                });
            }
            if other[..i].iter().any(|&(o, _)| o == name) {
                return Err(DeathCausesError::DuplicateName {
                    name: name.to_string(),
                });
            }
            if !(0.0..=1.0).contains(&p) {
                return Err(DeathCausesError::InvalidProbability {
                    name: name.to_string(),
                    value: p,
                });
            }
        }
        if !(0.0..=1.0).contains(&p_progression_after) {
            return Err(DeathCausesError::InvalidProgressionShare {
                value: p_progression_after,
            });
        }
        let sum: f64 = other.iter().map(|&(_, p)| p).sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(DeathCausesError::ProbabilitiesDoNotSumToOne { sum });
        }
        let names: Vec<String> = other.iter().map(|&(n, _)| n.to_string()).collect();
        let probs: Vec<f64> = other.iter().map(|&(_, p)| p / sum).collect();
        let mut cum = Vec::with_capacity(probs.len());
        let mut acc = 0.0;
        for &p in &probs {
            acc += p;
            cum.push(acc);
        }
        // sum == 1 within 1e-6 guarantees at least one positive entry.
        let last_positive = probs.iter().rposition(|&p| p > 0.0).unwrap_or(0);
        for c in cum[last_positive..].iter_mut() {
            *c = 1.0;
        }
        Ok(DeathCauses {
            names,
            probs,
            cum,
            last_positive,
            p_prog_after: p_progression_after,
        })
    }

    /// From a published list of causes, given how many deaths came after progression.
    ///
    /// Papers report causes but not the timing split, so the caller supplies
    /// `deaths_after_progression` (an assumption in the scenario). All `progression`
    /// deaths are taken to be after progression, so
    /// `p_progression_after = progression / deaths_after_progression`, and the other
    /// causes get probabilities proportional to their counts. With the reference
    /// cohort (progression 9; COVID-19 3, pneumonia 4, second tumour 1, myocardial
    /// infarction 1, unknown 1) and, say, 12 deaths after progression: `p = 0.75`,
    /// and of 12 deaths after / 7 before progression, 9 are expected to be
    /// progression-related, matching the paper.
    pub fn from_counts(
        progression: u64,
        other: &[(&str, u64)],
        deaths_after_progression: u64,
    ) -> Result<Self, DeathCausesError> {
        if other.is_empty() {
            return Err(DeathCausesError::NoOtherCauses);
        }
        let other_total: u64 = other.iter().fold(0u64, |a, &(_, c)| a.saturating_add(c));
        if other_total == 0 {
            return Err(DeathCausesError::NoOtherDeaths);
        }
        let total = other_total.saturating_add(progression);
        if deaths_after_progression > total {
            return Err(DeathCausesError::DeathsAfterExceedTotal {
                deaths_after: deaths_after_progression,
                total,
            });
        }
        if progression > deaths_after_progression {
            return Err(DeathCausesError::ProgressionExceedsDeathsAfter {
                progression,
                deaths_after: deaths_after_progression,
            });
        }
        let p_after = if deaths_after_progression == 0 {
            0.0
        } else {
            progression as f64 / deaths_after_progression as f64
        };
        let mut probs: Vec<(&str, f64)> = Vec::with_capacity(other.len());
        for &(name, c) in other {
            probs.push((name, c as f64 / other_total as f64));
        }
        Self::new(&probs, p_after)
    }

    /// Number of causes, progression included.
    pub fn n_causes(&self) -> usize {
        self.names.len() + 1
    }

    /// Name of a cause; `None` if the index does not belong to this model (e.g. from a
    /// model with more causes).
    pub fn name(&self, c: CauseIndex) -> Option<&str> {
        match c.0 {
            0 => Some(PROGRESSION),
            i => self.names.get(i - 1).map(String::as_str),
        }
    }

    /// Index of the cause called `name` (exact match; "progression" gives index 0).
    pub fn index_of(&self, name: &str) -> Option<CauseIndex> {
        if name == PROGRESSION {
            return Some(CauseIndex::PROGRESSION);
        }
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| CauseIndex(i + 1))
    }

    /// All names in index order, "progression" first.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        std::iter::once(PROGRESSION).chain(self.names.iter().map(String::as_str))
    }

    /// P(progression-related | died after progression).
    pub fn p_progression_after(&self) -> f64 {
        self.p_prog_after
    }

    /// Probability of each cause given the timing, in index order, written into `out`
    /// (length [`DeathCauses::n_causes`]; returns `false` and writes nothing otherwise).
    pub fn probabilities_into(&self, died_after_progression: bool, out: &mut [f64]) -> bool {
        if out.len() != self.n_causes() {
            return false;
        }
        let (p_prog, scale) = if died_after_progression {
            (self.p_prog_after, 1.0 - self.p_prog_after)
        } else {
            (0.0, 1.0)
        };
        out[0] = p_prog;
        for (o, &p) in out[1..].iter_mut().zip(&self.probs) {
            *o = scale * p;
        }
        true
    }

    /// Expected number of progression-related deaths given `deaths_after` deaths after
    /// progression: `deaths_after * p_progression_after` (deaths before progression
    /// never are, so their number does not enter).
    pub fn expected_progression_deaths(&self, deaths_after: f64) -> f64 {
        deaths_after * self.p_prog_after
    }

    /// Expected number of deaths from each cause, index order, for a split of
    /// `deaths_before` / `deaths_after` deaths before / after progression, written into
    /// `out` (length [`DeathCauses::n_causes`]; returns `false` and writes nothing
    /// otherwise). Lets a scenario check its assumed split against a published list.
    pub fn expected_counts_into(
        &self,
        deaths_before: f64,
        deaths_after: f64,
        out: &mut [f64],
    ) -> bool {
        if out.len() != self.n_causes() {
            return false;
        }
        out[0] = deaths_after * self.p_prog_after;
        let other = deaths_before + deaths_after * (1.0 - self.p_prog_after);
        for (o, &p) in out[1..].iter_mut().zip(&self.probs) {
            *o = other * p;
        }
        true
    }

    /// Cause of a death, given whether it came after progression.
    ///
    /// Exactly **one** uniform `u` (`rng.gen::<f64>()`). After progression: progression
    /// if `u < p_progression_after`, otherwise `u` is rescaled to
    /// `(u - p) / (1 - p)` and inverted over the other causes. Before progression: `u`
    /// is inverted over the other causes directly. Does not allocate.
    ///
    /// To keep random streams aligned across scenarios (where the same patient may die
    /// in one and not in another), call this — or [`DeathCauses::sample_for_patient`] —
    /// for **every** patient, dead or not, so each patient consumes one uniform here.
    pub fn sample<R>(&self, died_after_progression: bool, rng: &mut R) -> CauseIndex
    where
        R: Rng + ?Sized,
    {
        let u: f64 = rng.gen();
        let v = if died_after_progression {
            let p = self.p_prog_after;
            if u < p {
                return CauseIndex::PROGRESSION;
            }
            // p < 1 here (u < 1 <= p would have returned), so the division is safe.
            (u - p) / (1.0 - p)
        } else {
            u
        };
        // The first cause whose cumulative probability exceeds v, counted
        // without a branch per cause (which cause a death has is a coin
        // flip, which a search loop mispredicts): `cum` never falls, so the
        // causes with `v >= cum` are the ones before it. `cum` is 1 from the
        // last positive cause on, so for v < 1 the count stops there; v >= 1
        // (rounding of the rescaled uniform) takes that cause directly.
        let below: usize = self.cum.iter().map(|&c| usize::from(v >= c)).sum();
        let i = if v < 1.0 { below } else { self.last_positive };
        CauseIndex(i + 1)
    }

    /// One patient: draws exactly one uniform whatever the status (the stream-alignment
    /// rule of [`DeathCauses::sample`]) and returns the cause for a death, `None` for a
    /// patient alive at the end of follow-up.
    pub fn sample_for_patient<R>(&self, status: VitalStatus, rng: &mut R) -> Option<CauseIndex>
    where
        R: Rng + ?Sized,
    {
        let after = matches!(status, VitalStatus::DiedAfterProgression);
        let c = self.sample(after, rng);
        match status {
            VitalStatus::Alive => None,
            _ => Some(c),
        }
    }
}
