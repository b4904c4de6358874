//! Outputs appear whole or not at all: each is written to a temporary file in
//! the destination's directory and renamed over the destination, so an error or
//! a kill mid-write never leaves a half-written file behind.

use crate::error::Error;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `path` atomically with what `fill` produces.
pub fn write_atomic<F>(path: &Path, fill: F) -> Result<(), Error>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".cohortsim-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(path, e))?;
    {
        let mut w = BufWriter::new(tmp.as_file());
        fill(&mut w).map_err(|e| Error::io(path, e))?;
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
