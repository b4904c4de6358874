//! Derived bands (e.g. `age_band` from `age`, `lines_band` from `prior_lines`).
//!
//! A band covariate is a deterministic function of its source, so it needs no latent
//! variable and can never disagree with the source value. Band counts reported in a table
//! are not sampled separately: they become knots of the source's quantile function (the
//! cumulative share below each cut), so the band shares and the continuous summary come
//! from one distribution, and in exact mode the band counts are met exactly.

use super::margin::{check_level_names, MarginError};
use std::fmt;

/// Which band a value equal to a cut belongs to.
///
/// Papers print "< 65 / 65-75 / > 75" and leave 75 ambiguous, so the scenario must say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// A value equal to a cut goes to the band above: bands are `[c_i, c_{i+1})`
    /// (`lt65`, `65to74`, `ge75` with cuts 65, 75).
    Upper,
    /// A value equal to a cut goes to the band below: bands are `(c_i, c_{i+1}]`
    /// (`le65`, `66to75`, `gt75` with cuts 65, 75).
    Lower,
}

/// Why a band specification is invalid.
#[derive(Debug, Clone, PartialEq)]
pub enum BandError {
    /// The source covariate name is empty.
    EmptySource,
    /// No cut points were given (a single band is not a band).
    NoCuts,
    /// `labels.len()` must be `cuts.len() + 1`.
    LabelCount {
        /// Number of cuts.
        cuts: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A cut is NaN or infinite.
    NonFiniteCut {
        /// Position of the cut.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// Cuts must increase strictly.
    CutsNotIncreasing {
        /// The earlier cut.
        previous: f64,
        /// The cut that does not exceed it.
        next: f64,
    },
    /// A label problem (empty, duplicate, too many).
    Labels(MarginError),
    /// One count per band is required.
    CountLength {
        /// Number of bands.
        labels: usize,
        /// Number of counts.
        counts: usize,
    },
    /// All band counts are zero.
    ZeroTotal,
}

impl fmt::Display for BandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BandError::EmptySource => write!(f, "band source covariate name is empty"),
            BandError::NoCuts => write!(f, "at least one cut point is required"),
            BandError::LabelCount { cuts, labels } => {
                write!(f, "{cuts} cuts need {} labels, got {labels}", cuts + 1)
            }
            BandError::NonFiniteCut { index, value } => {
                write!(f, "cut {index} is {value}; cuts must be finite")
            }
            BandError::CutsNotIncreasing { previous, next } => write!(
                f,
                "cuts must increase strictly, but {next} follows {previous}"
            ),
            BandError::Labels(e) => write!(f, "band labels: {e}"),
            BandError::CountLength { labels, counts } => {
                write!(f, "{labels} bands but {counts} counts")
            }
            BandError::ZeroTotal => write!(f, "all band counts are zero"),
        }
    }
}

impl std::error::Error for BandError {}

/// A band covariate derived from a continuous or count covariate.
#[derive(Debug, Clone, PartialEq)]
pub struct BandSpec {
    source: String,
    cuts: Vec<f64>,
    labels: Vec<String>,
    boundary: Boundary,
    counts: Option<Vec<u32>>,
}

impl BandSpec {
    /// Bands of `source` split at `cuts` (strictly increasing), labelled low to high.
    /// For a count source, cuts must be integers (checked when the cohort spec is built).
    pub fn new(
        source: impl Into<String>,
        cuts: Vec<f64>,
        labels: Vec<String>,
        boundary: Boundary,
    ) -> Result<Self, BandError> {
        let source = source.into();
        if source.is_empty() {
            return Err(BandError::EmptySource);
        }
        if cuts.is_empty() {
            return Err(BandError::NoCuts);
        }
        if labels.len() != cuts.len() + 1 {
            return Err(BandError::LabelCount {
                cuts: cuts.len(),
                labels: labels.len(),
            });
        }
        for (i, &c) in cuts.iter().enumerate() {
            if !c.is_finite() {
                return Err(BandError::NonFiniteCut { index: i, value: c });
            }
        }
        for w in cuts.windows(2) {
            if w[1] <= w[0] {
                return Err(BandError::CutsNotIncreasing {
                    previous: w[0],
                    next: w[1],
                });
            }
        }
        check_level_names(&labels).map_err(BandError::Labels)?;
        Ok(BandSpec {
            source,
            cuts,
            labels,
            boundary,
            counts: None,
        })
    }

    /// Adds the reported count of each band. They become knots of the source margin and
    /// are exact in exact mode.
    pub fn with_counts(mut self, counts: Vec<u32>) -> Result<Self, BandError> {
        if counts.len() != self.labels.len() {
            return Err(BandError::CountLength {
                labels: self.labels.len(),
                counts: counts.len(),
            });
        }
        if counts.iter().all(|&c| c == 0) {
            return Err(BandError::ZeroTotal);
        }
        self.counts = Some(counts);
        Ok(self)
    }

    /// Source covariate name.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Cut points.
    pub fn cuts(&self) -> &[f64] {
        &self.cuts
    }

    /// Band labels, low to high.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Which side a cut value belongs to.
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }

    /// Reported band counts, if any.
    pub fn counts(&self) -> Option<&[u32]> {
        self.counts.as_deref()
    }

    /// Sum of the reported counts.
    pub fn total(&self) -> Option<u64> {
        self.counts
            .as_ref()
            .map(|c| c.iter().map(|&c| u64::from(c)).sum())
    }

    /// Band index of a value.
    #[inline]
    pub fn classify(&self, x: f64) -> u16 {
        let k = match self.boundary {
            Boundary::Upper => self.cuts.partition_point(|&c| c <= x),
            Boundary::Lower => self.cuts.partition_point(|&c| c < x),
        };
        k as u16
    }

    /// [`BandSpec::classify`] of every value in `x`, into `out` (as far as both go).
    ///
    /// The same bands, faster: cuts increase strictly, so the partition point is the
    /// number of cuts on the value's lower side, which a branch-free count finds with no
    /// mispredicted search for the few cuts of a band (NaN is below none either way).
    #[inline]
    pub fn classify_into(&self, x: &[f64], out: &mut [u16]) {
        let pairs = out.iter_mut().zip(x);
        match (self.boundary, self.cuts.as_slice()) {
            (_, cuts) if cuts.len() > 8 => pairs.for_each(|(o, &x)| *o = self.classify(x)),
            (Boundary::Upper, cuts) => pairs.for_each(|(o, &x)| {
                *o = cuts.iter().map(|&c| u16::from(c <= x)).sum();
            }),
            (Boundary::Lower, cuts) => pairs.for_each(|(o, &x)| {
                *o = cuts.iter().map(|&c| u16::from(c < x)).sum();
            }),
        }
    }

    /// Cumulative reported share up to and including band `i`, for `i < cuts.len()`.
    pub(crate) fn cumulative_shares(&self) -> Option<Vec<f64>> {
        let counts = self.counts.as_ref()?;
        let total = self.total()? as f64;
        let mut cum = 0u64;
        Some(
            counts[..self.cuts.len()]
                .iter()
                .map(|&c| {
                    cum += u64::from(c);
                    cum as f64 / total
                })
                .collect(),
        )
    }
}
