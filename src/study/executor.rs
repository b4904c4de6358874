//! Runs a study's units whole, as one shard of many, or from the shards'
//! partial aggregates, and keeps checkpoints to resume from.
//!
//! A command describes its study once, as an ordered list of units (a run,
//! a grid point, a power point...), and asks the executor for each unit's
//! aggregate. What the executor does decides the mode:
//! - whole: computes every chunk and returns the aggregate;
//! - shard K/N: computes its share of every unit's chunks and returns
//!   nothing; [`Executor::finish`] writes the partial aggregate;
//! - merge: computes nothing, and returns the aggregate assembled from the
//!   shards' files, after checking they are exactly the study's chunks.
//!
//! Since every mode combines chunks along the same tree (see [`super::tree`]),
//! the aggregates, and so every output, are the same bits in all three.

use super::partial::{self, PartialFile, StudyHeader, UnitRecord};
use super::shard::Shard;
use super::tree::{Aggregate, Block, ChunkTree};
use crate::error::Error;
use crate::scenario::Scenario;
use crate::sim::{chunk_count, chunk_replicates, run_chunk_range, RunConfig, Workspace, CHUNK};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where a unit's replicate rows go, for commands that keep them.
pub trait RowSink {
    /// Rows of replicates `first..`, in order.
    fn rows(&mut self, first: u64, rows: &[f64]) -> Result<(), Error>;
    /// Makes what was written durable; returns its length in bytes.
    fn sync(&mut self) -> Result<u64, Error>;
}

/// How a command was asked to execute.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    pub shard: Option<Shard>,
    /// Continue from the checkpoint in the output directory, if there is one.
    pub resume: bool,
    /// Time between checkpoints; zero: after every chunk.
    pub checkpoint_every: Duration,
}

enum Mode {
    Whole,
    Shard(Shard),
    /// The shards' files, in shard order.
    Merge(Vec<(PathBuf, PartialFile)>),
}

pub struct Executor {
    mode: Mode,
    header: StudyHeader,
    checkpoint: Option<PathBuf>,
    every: Duration,
    last_save: Instant,
    /// Units finished here (merge: consumed), in order.
    done: Vec<UnitRecord>,
    resumed: Vec<UnitRecord>,
    resumed_rows: Option<u64>,
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Usage(format!("partial aggregate: {e}"))
}

fn to_blocks<T: Aggregate + Serialize>(
    tree: &ChunkTree<T>,
) -> Result<Vec<Block<Box<RawValue>>>, Error> {
    tree.blocks()
        .iter()
        .map(|b| {
            Ok(Block {
                level: b.level,
                index: b.index,
                value: serde_json::value::to_raw_value(&b.value).map_err(internal)?,
            })
        })
        .collect()
}

fn from_raw<T: DeserializeOwned>(raw: &RawValue) -> Result<T, serde_json::Error> {
    serde_json::from_str(raw.get())
}

fn replicates_of(chunks: std::ops::Range<u64>, replicates: u64) -> std::ops::Range<u64> {
    if chunks.is_empty() {
        return 0..0;
    }
    chunk_replicates(chunks.start, replicates).start
        ..chunk_replicates(chunks.end - 1, replicates).end
}

impl Executor {
    /// Computes everything, keeps no checkpoint: for library callers.
    pub fn whole(header: StudyHeader) -> Self {
        Executor {
            mode: Mode::Whole,
            header,
            checkpoint: None,
            every: Duration::ZERO,
            last_save: Instant::now(),
            done: Vec::new(),
            resumed: Vec::new(),
            resumed_rows: None,
        }
    }

    /// Computes everything for a library caller that has no study to name
    /// (no checkpoints, no partial files).
    pub fn local() -> Self {
        Executor::whole(StudyHeader {
            format: partial::FORMAT.into(),
            cohortsim_version: env!("CARGO_PKG_VERSION").into(),
            command: "library".into(),
            args: serde_json::Value::Null,
            files: Vec::new(),
        })
    }

    /// Whole or one shard, with checkpoints in `out_dir` (read back first
    /// when resuming).
    pub fn new(header: StudyHeader, opts: &ExecOptions, out_dir: &Path) -> Result<Self, Error> {
        let name = match opts.shard {
            Some(s) => format!("checkpoint-{}.json", s.tag()),
            None => "checkpoint.json".to_string(),
        };
        let path = out_dir.join(name);
        let mut ex = Executor::whole(header);
        if let Some(s) = opts.shard {
            ex.mode = Mode::Shard(s);
        }
        ex.every = opts.checkpoint_every;
        if opts.resume && path.exists() {
            let c = partial::read(&path)?;
            if let Some(d) = ex.header.difference(&c.header) {
                return Err(Error::Usage(format!(
                    "--resume: {} belongs to another study ({d}); run without --resume to start again",
                    path.display()
                )));
            }
            if c.shard != opts.shard {
                return Err(Error::Usage(format!(
                    "--resume: {} is a checkpoint of {}, not of this run's {}",
                    path.display(),
                    c.shard
                        .map_or("a whole run".into(), |s| format!("shard {s}")),
                    opts.shard
                        .map_or("whole run".into(), |s| format!("shard {s}")),
                )));
            }
            ex.resumed = c.units;
            ex.resumed_rows = c.rows_bytes;
        }
        ex.checkpoint = Some(path);
        Ok(ex)
    }

    /// Assembles units from the shards' files instead of computing them.
    pub fn merge(header: StudyHeader, shards: Vec<(PathBuf, PartialFile)>) -> Self {
        let mut ex = Executor::whole(header);
        ex.mode = Mode::Merge(shards);
        ex
    }

    /// False for a shard: it writes a partial aggregate, not the outputs, so
    /// the command can skip work only the outputs need (true values...).
    pub fn computes_outputs(&self) -> bool {
        !matches!(self.mode, Mode::Shard(_))
    }

    pub fn shard(&self) -> Option<Shard> {
        match self.mode {
            Mode::Shard(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_merge(&self) -> bool {
        matches!(self.mode, Mode::Merge(_))
    }

    /// The shards' files and shards being merged.
    pub fn merge_sources(&self) -> Option<Vec<(PathBuf, Shard)>> {
        match &self.mode {
            Mode::Merge(files) => Some(
                files
                    .iter()
                    .filter_map(|(p, f)| f.shard.map(|s| (p.clone(), s)))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Bytes of replicate rows the resumed checkpoint had made durable.
    pub fn resumed_rows(&self) -> Option<u64> {
        self.resumed_rows
    }

    /// The aggregate of one unit: `leaf` reduces each chunk's rows (in
    /// replicate order) and chunks are combined along the tree. None for a
    /// shard (its blocks wait for [`Executor::finish`]).
    #[allow(clippy::too_many_arguments)]
    pub fn unit<T, A, I, F, L>(
        &mut self,
        label: &str,
        s: &Scenario,
        cfg: &RunConfig,
        width: usize,
        init: I,
        analyse: F,
        leaf: L,
        mut rows: Option<&mut dyn RowSink>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Option<T>, Error>
    where
        T: Aggregate + Serialize + DeserializeOwned,
        A: Send,
        I: Fn() -> A + Sync + Send,
        F: Fn(&mut A, &Workspace, &mut [f64]) + Sync + Send,
        L: Fn(&[f64]) -> T,
    {
        let total = chunk_count(cfg.replicates);
        if let Mode::Merge(_) = self.mode {
            return self.merged(label, cfg, total, progress).map(Some);
        }
        let range = match self.mode {
            Mode::Shard(sh) => sh.chunks(total),
            _ => 0..total,
        };
        let record = |blocks| UnitRecord {
            label: label.to_string(),
            replicates: cfg.replicates,
            n: cfg.n,
            chunks: (range.start, range.end),
            blocks,
        };
        let position = self.done.len();
        let shard = self.shard();
        let mut tree = ChunkTree::<T>::new();
        if let Some(r) = self.resumed.get(position) {
            if !r.is_unit(label, cfg.replicates, cfg.n) || r.chunks != (range.start, range.end) {
                return Err(Error::Usage(format!(
                    "--resume: the checkpoint's unit {} is `{}` ({} replicates of n = {}), this run's is `{label}` ({} replicates of n = {}); run without --resume to start again",
                    position + 1, r.label, r.replicates, r.n, cfg.replicates, cfg.n
                )));
            }
            for b in r.blocks.clone() {
                let b = b.map(|v| from_raw::<T>(&v)).map_err(internal)?;
                tree.push(b).map_err(internal)?;
            }
        }
        let from = tree.end().unwrap_or(range.start);
        let skipped = replicates_of(range.start..from, cfg.replicates);
        progress(skipped.end - skipped.start);
        let Executor {
            header,
            checkpoint,
            every,
            last_save,
            done,
            ..
        } = self;
        run_chunk_range(
            s,
            cfg,
            from..range.end,
            width,
            init,
            analyse,
            |c, chunk| -> Result<(), Error> {
                if let Some(r) = rows.as_deref_mut() {
                    r.rows(c * CHUNK, chunk)?;
                }
                tree.push_leaf(c, leaf(chunk)).map_err(internal)?;
                if let Some(path) = checkpoint.as_ref() {
                    if last_save.elapsed() >= *every && c + 1 < range.end {
                        let rows_bytes = match rows.as_deref_mut() {
                            Some(r) => Some(r.sync()?),
                            None => None,
                        };
                        let mut units = done.clone();
                        units.push(record(to_blocks(&tree)?));
                        let file = PartialFile {
                            header: header.clone(),
                            shard,
                            complete: false,
                            rows_bytes,
                            units,
                        };
                        partial::write(path, &file)?;
                        *last_save = Instant::now();
                    }
                }
                Ok(())
            },
            progress,
        )?;
        // A whole run without checkpoints never needs its blocks written.
        let keep = self.checkpoint.is_some() || shard.is_some();
        self.done
            .push(record(if keep { to_blocks(&tree)? } else { Vec::new() }));
        match self.mode {
            Mode::Shard(_) => Ok(None),
            _ => tree
                .finish()
                .map(Some)
                .ok_or_else(|| Error::Usage(format!("unit `{label}` has no replicates"))),
        }
    }

    /// Unit `label` assembled from every shard's blocks.
    fn merged<T>(
        &mut self,
        label: &str,
        cfg: &RunConfig,
        total: u64,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<T, Error>
    where
        T: Aggregate + Serialize + DeserializeOwned,
    {
        let Mode::Merge(shards) = &self.mode else {
            return Err(internal("not merging"));
        };
        let position = self.done.len();
        let mut tree = ChunkTree::<T>::new();
        for (path, p) in shards {
            let shard = p
                .shard
                .ok_or_else(|| internal("a whole run's file among shards"))?;
            let u = p.units.get(position).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: has {} unit(s), but the study it names has more; it was not written by this command line",
                    path.display(),
                    p.units.len()
                ))
            })?;
            if !u.is_unit(label, cfg.replicates, cfg.n) {
                return Err(Error::Usage(format!(
                    "{}: unit {} is `{}` ({} replicates of n = {}), the study's is `{label}` ({} replicates of n = {})",
                    path.display(), position + 1, u.label, u.replicates, u.n, cfg.replicates, cfg.n
                )));
            }
            let expect = shard.chunks(total);
            if u.chunks != (expect.start, expect.end) {
                return Err(Error::Usage(format!(
                    "{}: shard {shard} should hold chunks {}..{} of `{label}`, it says {}..{}",
                    path.display(),
                    expect.start,
                    expect.end,
                    u.chunks.0,
                    u.chunks.1
                )));
            }
            for b in u.blocks.clone() {
                let b = b
                    .map(|v| from_raw::<T>(&v))
                    .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
                let (lo, hi) = (b.start(), b.end());
                tree.push(b).map_err(|e| {
                    let r = replicates_of(lo..hi, cfg.replicates);
                    Error::Usage(format!(
                        "{}: `{label}` replicates {}..{}: {e}",
                        path.display(),
                        r.start,
                        r.end
                    ))
                })?;
            }
            if !expect.is_empty() && tree.end() != Some(expect.end) {
                return Err(Error::Usage(format!(
                    "{}: shard {shard} is incomplete: `{label}` stops at chunk {} of {}..{}",
                    path.display(),
                    tree.end().unwrap_or(expect.start),
                    expect.start,
                    expect.end
                )));
            }
        }
        if tree.start() != Some(0) || tree.end() != Some(total) {
            return Err(Error::Usage(format!(
                "the shards do not cover `{label}`: {} chunk(s) expected",
                total
            )));
        }
        self.done.push(UnitRecord {
            label: label.to_string(),
            replicates: cfg.replicates,
            n: cfg.n,
            chunks: (0, total),
            blocks: Vec::new(),
        });
        progress(cfg.replicates);
        tree.finish().ok_or_else(|| internal("no chunks"))
    }

    /// Ends the study: a shard writes `partial-K-of-N.json` into `out_dir`
    /// (returned with its shard: the command's outputs are then the merge's
    /// job); a merge checks that no shard holds units the study did not ask
    /// for; the checkpoint, no longer needed, is removed.
    pub fn finish(self, out_dir: &Path) -> Result<Option<(Shard, PathBuf)>, Error> {
        let written = match &self.mode {
            Mode::Shard(s) => {
                let path = out_dir.join(format!("partial-{}.json", s.tag()));
                let file = PartialFile {
                    header: self.header.clone(),
                    shard: Some(*s),
                    complete: true,
                    rows_bytes: None,
                    units: self.done.clone(),
                };
                partial::write(&path, &file)?;
                Some((*s, path))
            }
            Mode::Merge(shards) => {
                for (path, p) in shards {
                    if p.units.len() != self.done.len() {
                        return Err(Error::Usage(format!(
                            "{}: has {} unit(s), the study has {}; it was not written by this command line",
                            path.display(),
                            p.units.len(),
                            self.done.len()
                        )));
                    }
                }
                None
            }
            Mode::Whole => None,
        };
        if let Some(c) = &self.checkpoint {
            if c.exists() {
                std::fs::remove_file(c).map_err(|e| Error::io(c, e))?;
            }
        }
        Ok(written)
    }
}
