//! replicates.csv: a row per replicate, a column per estimate.

use super::atomic::write_atomic;
use super::format_number;
use crate::error::Error;
use crate::sim::{Column, RunOutput};
use crate::study::RowSink;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub fn write_replicates(path: &Path, run: &RunOutput) -> Result<(), Error> {
    write_atomic(path, |w: &mut dyn Write| {
        write_header(w, &run.columns)?;
        for r in 0..run.replicates() {
            write_row(w, r as u64, run.row(r))?;
        }
        Ok(())
    })
}

fn write_header(w: &mut dyn Write, columns: &[Column]) -> std::io::Result<()> {
    write!(w, "replicate")?;
    for c in columns {
        write!(w, ",{}", c.name)?;
    }
    writeln!(w)
}

fn write_row(w: &mut dyn Write, r: u64, row: &[f64]) -> std::io::Result<()> {
    write!(w, "{r}")?;
    for &v in row {
        write!(w, ",{}", format_number(v))?;
    }
    writeln!(w)
}

/// replicates.csv written as chunks finish, so a long run keeps no rows in
/// memory: into a fixed hidden name beside the destination (found again on
/// resume, and cut back to what the checkpoint recorded), renamed over the
/// destination only when complete.
pub struct ReplicatesWriter {
    dest: PathBuf,
    tmp: PathBuf,
    width: usize,
    out: BufWriter<File>,
}

impl ReplicatesWriter {
    pub fn create(dest: &Path, columns: &[Column], resume_at: Option<u64>) -> Result<Self, Error> {
        let name = dest.file_name().map_or("replicates.csv".into(), |n| {
            n.to_string_lossy().into_owned()
        });
        let tmp = dest.with_file_name(format!(".{name}.partial"));
        let io = |e| Error::io(&tmp, e);
        let out = match resume_at {
            Some(len) if tmp.exists() => {
                let mut f = OpenOptions::new().write(true).open(&tmp).map_err(io)?;
                let have = f.metadata().map_err(io)?.len();
                if have < len {
                    return Err(Error::Usage(format!(
                        "--resume: {} holds {have} bytes, the checkpoint recorded {len}; run without --resume to start again",
                        tmp.display()
                    )));
                }
                f.set_len(len).map_err(io)?;
                f.seek(SeekFrom::End(0)).map_err(io)?;
                BufWriter::new(f)
            }
            Some(_) => {
                return Err(Error::Usage(format!(
                    "--resume: the checkpoint's rows file {} is gone; run without --resume to start again",
                    tmp.display()
                )))
            }
            None => {
                let mut w = BufWriter::new(File::create(&tmp).map_err(io)?);
                write_header(&mut w, columns).map_err(io)?;
                w
            }
        };
        Ok(ReplicatesWriter {
            dest: dest.to_path_buf(),
            tmp,
            width: columns.len(),
            out,
        })
    }

    /// Makes the file durable and gives it its real name.
    pub fn finish(mut self) -> Result<(), Error> {
        self.sync()?;
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))
    }
}

impl RowSink for ReplicatesWriter {
    fn rows(&mut self, first: u64, rows: &[f64]) -> Result<(), Error> {
        let io = |e| Error::io(&self.tmp, e);
        if self.width == 0 {
            return Ok(());
        }
        for (i, row) in rows.chunks_exact(self.width).enumerate() {
            write_row(&mut self.out, first + i as u64, row).map_err(io)?;
        }
        Ok(())
    }

    fn sync(&mut self) -> Result<u64, Error> {
        let io = |e| Error::io(&self.tmp, e);
        self.out.flush().map_err(io)?;
        let f = self.out.get_ref();
        f.sync_data().map_err(io)?;
        Ok(f.metadata().map_err(io)?.len())
    }
}

/// Joins shards' replicate files (each with its own header line) into one,
/// byte for byte what a single run writes.
pub fn concatenate(dest: &Path, parts: &[PathBuf]) -> Result<(), Error> {
    write_atomic(dest, |w: &mut dyn Write| {
        for (i, p) in parts.iter().enumerate() {
            let mut r = BufReader::new(File::open(p)?);
            let mut header = Vec::new();
            r.read_until(b'\n', &mut header)?;
            if i == 0 {
                w.write_all(&header)?;
            }
            std::io::copy(&mut r, w)?;
        }
        Ok(())
    })
}
