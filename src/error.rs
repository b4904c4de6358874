//! Errors a user can cause: bad scenario files, bad data, unwritable outputs.
//!
//! Every variant names the file and, where there is one, the key path or row,
//! so the message alone tells a user what to fix. Nothing reachable from user
//! input panics; it ends here and the binary exits non-zero.

use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong with a scenario, at one key path (e.g. `outcome.progression.median`).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

/// Everything wrong with one scenario file, reported together so a user can
/// fix them in one pass.
#[derive(Debug, Clone)]
pub struct ScenarioError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.key.is_empty() {
                write!(f, "{}: {}", self.file.display(), p.message)?;
            } else {
                write!(f, "{}: {}: {}", self.file.display(), p.key, p.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// The error type of the library's entry points and the command line.
#[derive(Debug)]
pub enum Error {
    Scenario(ScenarioError),
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    Csv {
        path: PathBuf,
        message: String,
    },
    Usage(String),
    /// A cohort could not be generated (a scenario built by hand, not resolved).
    Simulation(String),
    /// A calibration that cannot be done as asked, or has no solution.
    Calibration(String),
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Scenario(e) => e.fmt(f),
            Error::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            Error::Csv { path, message } => write!(f, "{}: {}", path.display(), message),
            Error::Usage(m) => f.write_str(m),
            Error::Simulation(m) => write!(f, "simulation failed: {m}"),
            Error::Calibration(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<ScenarioError> for Error {
    fn from(e: ScenarioError) -> Self {
        Error::Scenario(e)
    }
}

impl From<crate::sim::SimulationError> for Error {
    fn from(e: crate::sim::SimulationError) -> Self {
        Error::Simulation(e.to_string())
    }
}
