//! What every long-running command shares: a worker pool of the asked size,
//! and a progress bar on standard error that hides itself when not wanted.

use crate::error::Error;

/// The options every simulating command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct RunOptions {
    #[arg(long, default_value_t = 1000)]
    pub replicates: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
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
