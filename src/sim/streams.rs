//! One random stream per replicate, derived from (seed, replicate index).
//!
//! ChaCha8 has a 64-bit stream id beside its 256-bit key, so replicate r uses
//! stream r of the key the seed gives: replicates never share or overlap draws,
//! and a replicate's numbers do not depend on which thread, shard or order
//! computes it. rand_chacha promises value stability across its releases.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator of replicate `replicate` of a study with seed `seed`.
pub fn replicate_rng(seed: u64, replicate: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replicate);
    rng
}

/// Streams counted down from the top are reserved for work beside the
/// replicates (the large cohorts behind true values), one per arm.
pub fn truth_rng(seed: u64, arm: usize) -> ChaCha8Rng {
    replicate_rng(seed, u64::MAX - arm as u64)
}
