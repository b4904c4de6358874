//! What each subcommand does, as library functions with plain arguments; the
//! binary only parses the command line and reports errors.

pub mod analyze;
pub mod bench_estimators;
pub mod calibrate;
pub mod explain;
pub mod maic;
pub mod merge;
pub mod power;
pub mod report;
pub mod run;
pub mod simulate;
pub mod sweep;
pub mod validate;
pub mod workers;
