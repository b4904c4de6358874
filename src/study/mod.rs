//! A simulation study run whole, split across machines (`--shard K/N`, then
//! `cohortsim merge`), or resumed after an interruption, with the same
//! result bits every way.

pub mod executor;
pub mod fingerprint;
pub mod float;
pub mod partial;
pub mod shard;
pub mod tree;

pub use executor::{ExecOptions, Executor, RowSink};
pub use shard::Shard;
pub use tree::{Aggregate, Block, ChunkTree};
