//! `cohortsim merge DIR... -o OUT`: the shards of a study (`--shard K/N`)
//! combined into the outputs a single machine would have written.
//!
//! The merge re-enters the command that wrote the shards, with the
//! arguments they recorded, but takes every unit's aggregate from their
//! files instead of simulating. Before that it checks that the files are
//! one study (same program version, command, arguments and input files,
//! unchanged since) and exactly its shards: none missing, none twice.

use super::{bench_estimators, power, run, sweep};
use crate::error::Error;
use crate::study::fingerprint::{scenario_files, FileHash};
use crate::study::partial::{self, PartialFile, StudyHeader};
use crate::study::Executor;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, Clone, clap::Args)]
pub struct MergeArgs {
    /// The shards' output directories (or their partial-K-of-N.json files).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Where the merged outputs go.
    #[arg(short, long = "output")]
    pub out_dir: PathBuf,
}

/// Every partial-K-of-N.json among the inputs.
fn partial_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| Error::io(input, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("partial-") && n.ends_with(".json"))
                })
                .collect();
            if found.is_empty() {
                return Err(Error::Usage(format!(
                    "{} holds no partial-K-of-N.json (is the shard finished? a checkpoint-K-of-N.json means it was interrupted: rerun it with --resume)",
                    input.display()
                )));
            }
            found.sort();
            out.extend(found);
        } else if input.is_file() {
            out.push(input.clone());
        } else {
            return Err(Error::Usage(format!(
                "{}: no such file or directory",
                input.display()
            )));
        }
    }
    Ok(out)
}

/// Reads the shards and checks they are one whole study, in shard order.
pub fn read_shards(inputs: &[PathBuf]) -> Result<Vec<(PathBuf, PartialFile)>, Error> {
    let mut shards: Vec<(PathBuf, PartialFile)> = Vec::new();
    for path in partial_files(inputs)? {
        let p = partial::read(&path)?;
        let Some(shard) = p.shard else {
            return Err(Error::Usage(format!(
                "{}: not a shard's file",
                path.display()
            )));
        };
        if !p.complete {
            return Err(Error::Usage(format!(
                "{}: shard {shard} did not finish; rerun it with --resume",
                path.display()
            )));
        }
        if let Some((first, f)) = shards.first() {
            if let Some(d) = f.header.difference(&p.header) {
                return Err(Error::Usage(format!(
                    "{} and {} are shards of different studies: {d}",
                    first.display(),
                    path.display()
                )));
            }
            let count = f.shard.map_or(0, |s| s.count);
            if shard.count != count {
                return Err(Error::Usage(format!(
                    "{} is a shard of {count}, {} a shard of {}: the study was split two ways",
                    first.display(),
                    path.display(),
                    shard.count
                )));
            }
        }
        if let Some((other, _)) = shards.iter().find(|(_, f)| f.shard == Some(shard)) {
            return Err(Error::Usage(format!(
                "shard {shard} appears twice: {} and {}",
                other.display(),
                path.display()
            )));
        }
        shards.push((path, p));
    }
    shards.sort_by_key(|(_, p)| p.shard.map_or(0, |s| s.index));
    let count = shards
        .first()
        .and_then(|(_, p)| p.shard)
        .map_or(0, |s| s.count);
    let missing: Vec<String> = (1..=count)
        .filter(|k| {
            !shards
                .iter()
                .any(|(_, p)| p.shard.is_some_and(|s| s.index == *k))
        })
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Usage(format!(
            "shard(s) {} missing: the merge needs every shard of the study",
            missing.join(", ")
        )));
    }
    Ok(shards)
}

/// The arguments the shards recorded, and a check that the input files are
/// still what they read.
fn recorded<A: Serialize + DeserializeOwned>(
    shards: &[(PathBuf, PartialFile)],
    files: impl Fn(&A) -> Result<Vec<FileHash>, Error>,
) -> Result<(A, StudyHeader), Error> {
    let (path, first) = &shards[0];
    let h = &first.header;
    let args: A = serde_json::from_value(h.args.clone()).map_err(|e| {
        Error::Usage(format!(
            "{}: its arguments do not fit this version's `{}`: {e}",
            path.display(),
            h.command
        ))
    })?;
    let now = StudyHeader::new(&h.command, &args, files(&args).map_err(|e| {
        Error::Usage(format!(
            "{e} (run the merge from the directory the shards ran in: their input paths are relative to it)"
        ))
    })?)?;
    if let Some(d) = now.difference(h) {
        return Err(Error::Usage(format!(
            "the shards cannot be merged by this program as things stand ({d}; \"here\" is now, \"there\" is {})",
            path.display()
        )));
    }
    Ok((args, now))
}

pub fn run(args: &MergeArgs, progress: bool) -> Result<String, Error> {
    let shards = read_shards(&args.inputs)?;
    let out: &Path = &args.out_dir;
    super::workers::output_dir(out)?;
    let command = shards[0].1.header.command.clone();
    let n = shards.len();
    let text = match command.as_str() {
        "run" => {
            let (mut a, h): (run::RunArgs, _) =
                recorded(&shards, |a: &run::RunArgs| scenario_files(&a.scenario))?;
            a.out_dir = Some(out.to_path_buf());
            run::execute(&a, Executor::merge(h, shards), out, progress)?
        }
        "sweep" => {
            let (a, h): (sweep::SweepArgs, _) =
                recorded(&shards, |a: &sweep::SweepArgs| scenario_files(&a.scenario))?;
            sweep::execute(&a, Executor::merge(h, shards), out, progress)?
        }
        "power" => {
            let (a, h): (power::PowerArgs, _) =
                recorded(&shards, |a: &power::PowerArgs| scenario_files(&a.scenario))?;
            power::execute(&a, Executor::merge(h, shards), out, progress)?
        }
        "bench-estimators" => {
            let (a, h): (bench_estimators::BenchArgs, _) =
                recorded(&shards, |a: &bench_estimators::BenchArgs| {
                    let mut f = scenario_files(&a.scenario)?;
                    if let Some(t) = &a.maic_target {
                        f.extend(scenario_files(t)?);
                    }
                    Ok(f)
                })?;
            bench_estimators::execute(&a, Executor::merge(h, shards), out, progress)?
        }
        other => {
            return Err(Error::Usage(format!(
                "the shards were written by `cohortsim {other}`, which merge does not know"
            )))
        }
    };
    Ok(format!(
        "merged {n} shard(s) of `cohortsim {command}`\n{text}"
    ))
}
