//! What identifies a study's inputs, so that shards of different scenarios,
//! or of an edited scenario, are never merged: each input file's content
//! hash (FNV-1a, 64 bits: stable across platforms and Rust versions, and a
//! guard against mix-ups, not against forgery).

use crate::error::Error;
use crate::scenario::include::include_path;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// An input file as the study read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    pub path: String,
    pub fnv1a64: String,
}

pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn hash_file(path: &Path) -> Result<(FileHash, Vec<u8>), Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok((
        FileHash {
            path: path.display().to_string(),
            fnv1a64: format!("{:016x}", fnv1a64(&bytes)),
        },
        bytes,
    ))
}

/// A scenario file and every file it includes.
pub fn scenario_files(scenario: &Path) -> Result<Vec<FileHash>, Error> {
    let (main, bytes) = hash_file(scenario)?;
    let mut out = vec![main];
    let includes = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("include").cloned());
    if let Some(toml::Value::Array(list)) = includes {
        for rel in list.iter().filter_map(|v| v.as_str()) {
            out.push(hash_file(&include_path(scenario, rel))?.0);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_reference_values() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }
}
