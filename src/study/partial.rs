//! The file a shard leaves behind (and a checkpoint, which is the same
//! thing half-way): which study it belongs to, which chunks of each unit it
//! covers, and their aggregates as tree blocks, in JSON with exact floats.

use super::fingerprint::FileHash;
use super::shard::Shard;
use super::tree::Block;
use crate::error::Error;
use crate::report::atomic::write_atomic;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::path::Path;

/// Written into every file, so that a file of another layout is refused.
pub const FORMAT: &str = "cohortsim-partial/1";

/// What makes two runs the same study: the program, the command, the
/// arguments that decide results (seed, replicates, n, ...; not threads,
/// shard or output directory) and the content of every input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyHeader {
    pub format: String,
    pub cohortsim_version: String,
    pub command: String,
    pub args: serde_json::Value,
    pub files: Vec<FileHash>,
}

impl StudyHeader {
    pub fn new<A: Serialize>(command: &str, args: &A, files: Vec<FileHash>) -> Result<Self, Error> {
        Ok(StudyHeader {
            format: FORMAT.into(),
            cohortsim_version: env!("CARGO_PKG_VERSION").into(),
            command: command.into(),
            args: serde_json::to_value(args)
                .map_err(|e| Error::Usage(format!("cannot record the arguments: {e}")))?,
            files,
        })
    }

    /// The first way `self` (here) differs from `other` (there), in words.
    pub fn difference(&self, other: &StudyHeader) -> Option<String> {
        if self.format != other.format {
            return Some(format!(
                "file format {} here, {} there",
                self.format, other.format
            ));
        }
        if self.cohortsim_version != other.cohortsim_version {
            return Some(format!(
                "cohortsim {} here, {} there",
                self.cohortsim_version, other.cohortsim_version
            ));
        }
        if self.command != other.command {
            return Some(format!(
                "command `{}` here, `{}` there",
                self.command, other.command
            ));
        }
        if self.args != other.args {
            return Some(value_difference("", &self.args, &other.args));
        }
        if self.files.len() != other.files.len() {
            return Some(format!(
                "{} input files here, {} there",
                self.files.len(),
                other.files.len()
            ));
        }
        for (a, b) in self.files.iter().zip(&other.files) {
            if a != b {
                return Some(format!(
                    "input file {} (content hash {}) here, {} (content hash {}) there",
                    a.path, a.fnv1a64, b.path, b.fnv1a64
                ));
            }
        }
        None
    }
}

/// One unit of a study (a run, a grid point, a power point...): its chunks
/// `chunks.0 .. chunks.1` as tree blocks (only a prefix of them while a run
/// is under way).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitRecord {
    pub label: String,
    pub replicates: u64,
    pub n: usize,
    pub chunks: (u64, u64),
    /// Each block's aggregate as written (parsed only by the command that
    /// knows its type).
    pub blocks: Vec<Block<Box<RawValue>>>,
}

impl UnitRecord {
    /// Whether this record is of unit `label` with these replicates and n.
    pub fn is_unit(&self, label: &str, replicates: u64, n: usize) -> bool {
        self.label == label && self.replicates == replicates && self.n == n
    }
}

/// A shard's result or a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartialFile {
    pub header: StudyHeader,
    pub shard: Option<Shard>,
    /// Whether every unit is complete (a finished shard) or not (a checkpoint).
    pub complete: bool,
    /// Bytes of replicate rows written when the file was (the rows file of
    /// `run` is cut back to this length on resume).
    pub rows_bytes: Option<u64>,
    pub units: Vec<UnitRecord>,
}

pub fn write(path: &Path, file: &PartialFile) -> Result<(), Error> {
    write_atomic(path, |w| {
        serde_json::to_writer(&mut *w, file).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}

pub fn read(path: &Path) -> Result<PartialFile, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let bad = |m: String| {
        Error::Usage(format!(
            "{}: not a cohortsim partial aggregate: {m}",
            path.display()
        ))
    };
    #[derive(Deserialize)]
    struct Head {
        header: Format,
    }
    #[derive(Deserialize)]
    struct Format {
        format: String,
    }
    let head: Head = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if head.header.format != FORMAT {
        return Err(bad(format!(
            "its format is `{}`, this program reads `{FORMAT}`",
            head.header.format
        )));
    }
    serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
}

/// Where two JSON values first differ, as "`key.path` is A here, B there".
fn value_difference(at: &str, a: &serde_json::Value, b: &serde_json::Value) -> String {
    if let (Some(x), Some(y)) = (a.as_object(), b.as_object()) {
        let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) if u != v => return value_difference(&path, u, v),
                (u, v) if u != v => {
                    let show = |v: Option<&serde_json::Value>| {
                        v.map_or("absent".to_string(), |v| v.to_string())
                    };
                    return format!("`{path}` is {} here, {} there", show(u), show(v));
                }
                _ => {}
            }
        }
    }
    let name = if at.is_empty() { "the arguments" } else { at };
    format!("`{name}` is {a} here, {b} there")
}
