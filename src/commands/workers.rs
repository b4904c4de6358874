//! What every long-running command shares: a worker pool of the asked size,
//! and a progress bar on standard error that hides itself when not wanted.

use crate::error::Error;
use crate::study::partial::StudyHeader;
use crate::study::{ExecOptions, Executor, Shard};
use serde::{Deserialize, Serialize};

/// The options every simulating command takes. Threads do not change a
/// result, so they are not part of what identifies a study.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct RunOptions {
    #[arg(long, default_value_t = 1000)]
    pub replicates: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    #[serde(skip)]
    pub threads: Option<usize>,
}

/// How a long study executes: split across machines, and resumable.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExecArgs {
    /// Compute only shard K of N (e.g. 3/16) of the replicates and write a
    /// partial aggregate; `cohortsim merge` combines the N shards.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Continue from the checkpoint an interrupted run left in its output
    /// directory (chunks it records are not computed again).
    #[arg(long)]
    pub resume: bool,
    /// Seconds between checkpoints (0: after every chunk of 512 replicates).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub checkpoint_every: u64,
}

impl ExecArgs {
    pub fn options(&self) -> ExecOptions {
        ExecOptions {
            shard: self.shard,
            resume: self.resume,
            checkpoint_every: std::time::Duration::from_secs(self.checkpoint_every),
        }
    }
}

/// The executor a command runs its study with: whole or a shard, with
/// checkpoints in `out_dir`, which it creates.
pub fn executor(
    command: &str,
    args: &impl Serialize,
    files: Vec<crate::study::fingerprint::FileHash>,
    exec: &ExecArgs,
    out_dir: &std::path::Path,
) -> Result<Executor, Error> {
    output_dir(out_dir)?;
    let header = StudyHeader::new(command, args, files)?;
    Executor::new(header, &exec.options(), out_dir)
}

/// Ends a command's study; for a shard, what it prints instead of outputs
/// (where its partial aggregate went).
pub fn finish_study(exec: Executor, out_dir: &std::path::Path) -> Result<Option<String>, Error> {
    Ok(exec.finish(out_dir)?.map(|(shard, partial)| {
        format!(
            "shard {shard}: wrote {}\ncombine the shards with `cohortsim merge`\n",
            partial.display()
        )
    }))
}

/// A rayon pool with `threads` workers (default: one per core).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        if t == 0 {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        pool = pool.num_threads(t);
    }
    pool.build().map_err(|e| {
        Error::Usage(format!(
            "cannot start {} worker threads: {e}",
            threads.unwrap_or(0)
        ))
    })
}

/// A progress bar over `total` replicates, or a hidden one.
pub fn progress_bar(total: u64, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} replicates, {per_sec}, eta {eta}",
    ) {
        b.set_style(style);
    }
    b
}

/// Checks a replicate count the way every command does.
pub fn check_replicates(replicates: u64) -> Result<(), Error> {
    if replicates == 0 {
        return Err(Error::Usage("--replicates must be at least 1".into()));
    }
    Ok(())
}

/// Creates the output directory.
pub fn output_dir(dir: &std::path::Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}

/// `out/<scenario file stem>/<what>`: where a command writes unless told.
pub fn default_out(scenario: &std::path::Path, what: &str) -> std::path::PathBuf {
    let stem = scenario
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    std::path::Path::new("out").join(stem).join(what)
}
