//! replicates.csv: a row per replicate, a column per estimate.

use super::atomic::write_atomic;
use super::format_number;
use crate::error::Error;
use crate::sim::RunOutput;
use std::io::Write;
use std::path::Path;

pub fn write_replicates(path: &Path, run: &RunOutput) -> Result<(), Error> {
    write_atomic(path, |w: &mut dyn Write| {
        write!(w, "replicate")?;
        for c in &run.columns {
            write!(w, ",{}", c.name)?;
        }
        writeln!(w)?;
        for r in 0..run.replicates() {
            write!(w, "{r}")?;
            for &v in run.row(r) {
                write!(w, ",{}", format_number(v))?;
            }
            writeln!(w)?;
        }
        Ok(())
    })
}
