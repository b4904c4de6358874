//! Treatment allocation, in order of entry.
//!
//! * `Single`: one arm (arm 0), no randomisation, no random draws.
//! * `Simple { ratios }`: each patient independently gets arm `a` with
//!   probability `ratios[a] / sum(ratios)`.
//! * `Blocked { ratios, block_size }`: permuted blocks, stratified. Each
//!   stratum has its own sequence of blocks; a block holds exactly
//!   `ratios[a] * block_size / sum(ratios)` slots for arm `a`, in uniformly
//!   random order. The order is drawn sequentially (each patient takes a
//!   uniformly random one of the block's remaining slots), which gives every
//!   arrangement of the block the same probability as shuffling the whole
//!   block up front, but needs only per-arm counts instead of a stored block.
//!   Each call starts fresh blocks in every stratum (one cohort = one trial).
//!
//! Random draws: `Simple` and `Blocked` take exactly one `u64` per patient
//! (also for single-arm ratios and for the last slot of a block); `Single`
//! takes none. The draw is mapped to `[0, m)` by a widening multiply
//! (`(x * m) >> 64`) without rejection, so the count is fixed; the bias is at
//! most `m / 2^64`, negligible for `m < 2^32`.

use rand::Rng;
use std::fmt;

/// Allocation rule. Build it with [`Allocation::simple`] /
/// [`Allocation::blocked`] (validated); variants built directly are
/// re-validated by [`Allocation::allocate_into`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allocation {
    /// Everyone on arm 0.
    Single,
    /// Independent allocation with the given ratios (one entry per arm).
    Simple {
        /// Allocation ratio per arm, all `> 0`.
        ratios: Vec<u32>,
    },
    /// Stratified permuted blocks.
    Blocked {
        /// Allocation ratio per arm, all `> 0`.
        ratios: Vec<u32>,
        /// Block size, a positive multiple of `sum(ratios)`.
        block_size: u32,
    },
}

/// Why an allocation rule was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationError {
    /// No arms given.
    EmptyRatios,
    /// Arm `arm` has ratio 0 (an arm that can never be allocated).
    ZeroRatio {
        /// Index of the offending arm.
        arm: usize,
    },
    /// More arms than a `u16` arm index can address (65 536).
    TooManyArms {
        /// Number of arms requested.
        n_arms: usize,
    },
    /// `sum(ratios)` does not fit in a `u32`.
    RatioSumOverflow,
    /// Block size 0.
    ZeroBlockSize,
    /// Block size is not a multiple of `sum(ratios)`.
    BlockSizeNotMultiple {
        /// Requested block size.
        block_size: u32,
        /// Sum of the ratios.
        ratio_sum: u32,
    },
}

impl fmt::Display for AllocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyRatios => write!(f, "allocation ratios are empty (no arms)"),
            Self::ZeroRatio { arm } => write!(f, "allocation ratio of arm {arm} is 0"),
            Self::TooManyArms { n_arms } => {
                write!(f, "{n_arms} arms requested, at most 65536 are supported")
            }
            Self::RatioSumOverflow => write!(f, "sum of allocation ratios overflows u32"),
            Self::ZeroBlockSize => write!(f, "block size must be positive"),
            Self::BlockSizeNotMultiple {
                block_size,
                ratio_sum,
            } => write!(
                f,
                "block size {block_size} is not a multiple of the ratio sum {ratio_sum}"
            ),
        }
    }
}

impl std::error::Error for AllocationError {}

/// Why a call to [`Allocation::allocate_into`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocateError {
    /// The rule itself is invalid (it was built without its constructor).
    InvalidDesign(AllocationError),
    /// A patient's stratum index is `>= n_strata`.
    StratumOutOfRange {
        /// Patient index (entry order).
        patient: usize,
        /// The stratum given.
        stratum: u32,
        /// The number of strata given.
        n_strata: usize,
    },
}

impl fmt::Display for AllocateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDesign(e) => write!(f, "invalid allocation rule: {e}"),
            Self::StratumOutOfRange {
                patient,
                stratum,
                n_strata,
            } => write!(
                f,
                "patient {patient} has stratum {stratum}, but there are only {n_strata} strata"
            ),
        }
    }
}

impl std::error::Error for AllocateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidDesign(e) => Some(e),
            Self::StratumOutOfRange { .. } => None,
        }
    }
}

impl From<AllocationError> for AllocateError {
    fn from(e: AllocationError) -> Self {
        Self::InvalidDesign(e)
    }
}

/// Reusable working memory for [`Allocation::allocate_into`]: remaining
/// slots per (stratum, arm) of the current block and per stratum. Sized by the
/// largest stratum index actually present, so it stays small.
#[derive(Debug, Clone, Default)]
pub struct AllocationScratch {
    remaining: Vec<u32>,
    left: Vec<u32>,
}

impl AllocationScratch {
    /// Empty scratch; grows on first use.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Uniform integer in `[0, m)` from exactly one `u64` (see module doc).
#[inline]
fn bounded<R: Rng + ?Sized>(rng: &mut R, m: u32) -> u32 {
    ((u128::from(rng.next_u64()) * u128::from(m)) >> 64) as u32
}

/// Index of the slot `x` (< sum(counts)) in the cumulative counts. Falls back
/// to the last arm if `x` is out of range, which cannot happen for validated
/// inputs but keeps the function total.
///
/// Branch-free: the cumulative counts never decrease, so the first arm whose
/// cumulative count exceeds `x` is the number of arms whose cumulative count
/// does not. The arm is random, so an early-exit loop would mispredict about
/// once per patient.
#[inline]
fn pick(counts: &[u32], x: u32) -> usize {
    let mut acc: u32 = 0;
    let mut below = 0;
    for &c in counts {
        acc = acc.saturating_add(c);
        below += usize::from(acc <= x);
    }
    below.min(counts.len().saturating_sub(1))
}

/// A permuted block: `ratios[a] * per_unit` slots for arm `a`, `size` in all.
struct Block<'a> {
    ratios: &'a [u32],
    per_unit: u32,
    size: u32,
}

/// Permuted blocks in each of `used` strata (the general case).
fn blocked_stratified<R: Rng + ?Sized>(
    strata: &[u32],
    used: usize,
    block: &Block,
    rng: &mut R,
    out: &mut Vec<u16>,
    scratch: &mut AllocationScratch,
) {
    let k = block.ratios.len();
    scratch.left.clear();
    scratch.left.resize(used, 0);
    scratch.remaining.clear();
    scratch.remaining.resize(used * k, 0);
    for &s in strata {
        let s = s as usize;
        let counts = &mut scratch.remaining[s * k..(s + 1) * k];
        let left = &mut scratch.left[s];
        if *left == 0 {
            // Start a new block in this stratum.
            for (c, &r) in counts.iter_mut().zip(block.ratios) {
                *c = r * block.per_unit;
            }
            *left = block.size;
        }
        let x = bounded(rng, *left);
        let arm = pick(counts, x);
        // Invariant: sum(counts) == *left > x, so counts[arm] > 0;
        // saturating ops keep the code total regardless.
        counts[arm] = counts[arm].saturating_sub(1);
        *left = left.saturating_sub(1);
        out.push(arm as u16);
    }
}

/// Permuted blocks of two arms in a single stratum (an unstratified
/// two-arm trial): the general loop below with the counts held in locals
/// instead of the per-stratum table, so that each patient's slot no longer
/// waits on the previous patient's store. `first` is arm 0's slots per block;
/// arm 1 has the rest (`left - c0` at every step). Same draws and arms as the
/// general loop: `pick` gives arm `(c0 <= x)` because `x < left = c0 + c1`.
fn blocked_two_arms<R: Rng + ?Sized>(
    n: usize,
    first: u32,
    block_size: u32,
    rng: &mut R,
    out: &mut Vec<u16>,
) {
    let (mut c0, mut left) = (0u32, 0u32);
    // Written through a slice rather than pushed: no capacity check and
    // length store per patient.
    let start = out.len();
    out.resize(start + n, 0);
    for slot in &mut out[start..] {
        if left == 0 {
            c0 = first;
            left = block_size;
        }
        let x = bounded(rng, left);
        let arm = u32::from(c0 <= x);
        // Arm 0 only when x < c0, so c0 >= 1 here.
        c0 -= 1 - arm;
        left -= 1;
        *slot = arm as u16;
    }
}

fn validate_ratios(ratios: &[u32]) -> Result<u32, AllocationError> {
    if ratios.is_empty() {
        return Err(AllocationError::EmptyRatios);
    }
    if ratios.len() > usize::from(u16::MAX) + 1 {
        return Err(AllocationError::TooManyArms {
            n_arms: ratios.len(),
        });
    }
    if let Some(arm) = ratios.iter().position(|&r| r == 0) {
        return Err(AllocationError::ZeroRatio { arm });
    }
    let sum: u64 = ratios.iter().map(|&r| u64::from(r)).sum();
    u32::try_from(sum).map_err(|_| AllocationError::RatioSumOverflow)
}

impl Allocation {
    /// Single arm.
    pub fn single() -> Self {
        Self::Single
    }

    /// Simple randomisation; `ratios` non-empty, all `> 0`, sum fits `u32`.
    pub fn simple(ratios: Vec<u32>) -> Result<Self, AllocationError> {
        let a = Self::Simple { ratios };
        a.validate()?;
        Ok(a)
    }

    /// Stratified permuted blocks; as [`Allocation::simple`] plus
    /// `block_size` a positive multiple of `sum(ratios)`.
    pub fn blocked(ratios: Vec<u32>, block_size: u32) -> Result<Self, AllocationError> {
        let a = Self::Blocked { ratios, block_size };
        a.validate()?;
        Ok(a)
    }

    /// Checks the rule (O(number of arms)).
    pub fn validate(&self) -> Result<(), AllocationError> {
        match self {
            Self::Single => Ok(()),
            Self::Simple { ratios } => validate_ratios(ratios).map(|_| ()),
            Self::Blocked { ratios, block_size } => {
                let ratio_sum = validate_ratios(ratios)?;
                if *block_size == 0 {
                    return Err(AllocationError::ZeroBlockSize);
                }
                if block_size % ratio_sum != 0 {
                    return Err(AllocationError::BlockSizeNotMultiple {
                        block_size: *block_size,
                        ratio_sum,
                    });
                }
                Ok(())
            }
        }
    }

    /// Number of arms (1 for `Single`; 0 only for an invalid empty rule).
    pub fn n_arms(&self) -> usize {
        match self {
            Self::Single => 1,
            Self::Simple { ratios } | Self::Blocked { ratios, .. } => ratios.len(),
        }
    }

    /// Allocates arms to patients in entry order.
    ///
    /// `strata[i]` is patient `i`'s stratum (entry order), `< n_strata`;
    /// `out` receives one arm index per patient. Strata are checked for every
    /// rule (even those that ignore them) so a bad stratum vector is caught
    /// early. On error `out` is left empty and no random draws are made.
    ///
    /// Draws exactly `strata.len()` `u64` words for `Simple`/`Blocked`, none
    /// for `Single`. Allocates only while `out`/`scratch` grow.
    pub fn allocate_into<R: Rng + ?Sized>(
        &self,
        strata: &[u32],
        n_strata: usize,
        rng: &mut R,
        out: &mut Vec<u16>,
        scratch: &mut AllocationScratch,
    ) -> Result<(), AllocateError> {
        out.clear();
        self.validate()?;
        let mut max_stratum: usize = 0;
        for (patient, &s) in strata.iter().enumerate() {
            let su = s as usize;
            if su >= n_strata {
                return Err(AllocateError::StratumOutOfRange {
                    patient,
                    stratum: s,
                    n_strata,
                });
            }
            max_stratum = max_stratum.max(su);
        }
        out.reserve(strata.len());
        match self {
            Self::Single => out.extend(strata.iter().map(|_| 0u16)),
            Self::Simple { ratios } => {
                // Validated: non-empty, sum fits u32 and is > 0.
                let total: u32 = ratios.iter().sum();
                for _ in strata {
                    let x = bounded(rng, total);
                    out.push(pick(ratios, x) as u16);
                }
            }
            Self::Blocked { ratios, block_size } => {
                let total: u32 = ratios.iter().sum();
                let per_unit = block_size / total;
                let used = if strata.is_empty() {
                    0
                } else {
                    max_stratum + 1
                };
                if let ([r0, _], 1) = (ratios.as_slice(), used) {
                    blocked_two_arms(strata.len(), r0 * per_unit, *block_size, rng, out);
                } else {
                    let block = Block {
                        ratios,
                        per_unit,
                        size: *block_size,
                    };
                    blocked_stratified(strata, used, &block, rng, out, scratch);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::pick;

    /// The early-exit search `pick` replaced, kept as its specification.
    fn first_above(counts: &[u32], x: u32) -> usize {
        let mut acc: u32 = 0;
        for (a, &c) in counts.iter().enumerate() {
            acc = acc.saturating_add(c);
            if x < acc {
                return a;
            }
        }
        counts.len().saturating_sub(1)
    }

    /// The two-arm, one-stratum loop allocates what the general one does,
    /// from the same draws.
    #[test]
    fn two_arm_blocks_match_the_general_loop() {
        use super::{blocked_stratified, blocked_two_arms, AllocationScratch, Block};
        use rand::{RngCore, SeedableRng};
        let mut scratch = AllocationScratch::new();
        for (ratios, size) in [
            ([1, 1], 2),
            ([1, 1], 8),
            ([2, 1], 9),
            ([1, 3], 4),
            ([154, 153], 307),
        ] {
            for n in [0, 1, 2, 5, 17, 307, 1000] {
                let strata = vec![0u32; n];
                let per_unit = size / (ratios[0] + ratios[1]);
                let block = Block {
                    ratios: &ratios,
                    per_unit,
                    size,
                };
                let mut a = rand_chacha::ChaCha8Rng::seed_from_u64(n as u64);
                let mut b = a.clone();
                let (mut want, mut got) = (Vec::new(), Vec::new());
                blocked_stratified(&strata, 1, &block, &mut a, &mut want, &mut scratch);
                blocked_two_arms(n, ratios[0] * per_unit, size, &mut b, &mut got);
                assert_eq!(got, want, "{ratios:?} {size} {n}");
                assert_eq!(a.next_u64(), b.next_u64());
            }
        }
    }

    #[test]
    fn branch_free_pick_is_the_first_arm_above() {
        let cases: [&[u32]; 6] = [
            &[],
            &[3],
            &[154, 153],
            &[0, 2, 0, 1],
            &[1, 0, 0],
            &[u32::MAX, 5, 1],
        ];
        for counts in cases {
            for x in (0..8).chain([152, 153, 154, 306, 307, u32::MAX - 1, u32::MAX]) {
                assert_eq!(pick(counts, x), first_above(counts, x), "{counts:?} {x}");
            }
        }
    }
}
