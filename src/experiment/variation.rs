//! Parameters a sweep varies, addressed by key path, and the scenario they
//! are set in: the scenario file and its included assumption files, held as
//! editable documents so every grid point is the shipped scenario with only
//! the named values changed (comments, includes and all).

use crate::calibrate::keypath::{self, KeyPath};
use crate::error::{Error, Problem, ScenarioError};
use crate::scenario::{self, include::include_path, Scenario};
use std::path::{Path, PathBuf};
use toml_edit::DocumentMut;

/// Where a key path points: the scenario itself or one of its includes (by
/// the `include` entry as written, e.g. `assumptions/prognostic-hr.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub file: Option<String>,
    pub key: KeyPath,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}:{}", self.key),
            None => write!(f, "{}", self.key),
        }
    }
}

impl std::str::FromStr for Location {
    type Err = String;

    /// `KEY` or `INCLUDED_FILE:KEY`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (file, key) = match text.rsplit_once(':') {
            Some((file, key)) => (Some(file.trim().to_string()), key.trim()),
            None => (None, text.trim()),
        };
        Ok(Location {
            file,
            key: key.parse()?,
        })
    }
}

/// One varied parameter and the values it takes, as written on the command
/// line (`--vary KEY=V1,V2,...`).
#[derive(Debug, Clone, PartialEq)]
pub struct Variation {
    pub at: Location,
    pub values: Vec<String>,
}

impl std::str::FromStr for Variation {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (key, values) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: write KEY=V1,V2,... (e.g. cohort.n=60,120)"))?;
        let values: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return Err(format!("`{text}`: no values after `=`"));
        }
        Ok(Variation {
            at: key.parse()?,
            values,
        })
    }
}

/// A scenario file and its included files, ready to be edited and resolved.
#[derive(Debug, Clone)]
pub struct ScenarioSource {
    pub path: PathBuf,
    main: DocumentMut,
    includes: Vec<(String, DocumentMut)>,
}

fn file_problem(file: &Path, key: &str, message: String) -> Error {
    Error::Scenario(ScenarioError {
        file: file.to_path_buf(),
        problems: vec![Problem {
            key: key.to_string(),
            message,
        }],
    })
}

fn parse_doc(path: &Path) -> Result<DocumentMut, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.parse()
        .map_err(|e: toml_edit::TomlError| file_problem(path, "", e.message().to_string()))
}

impl ScenarioSource {
    /// Reads the scenario and every file it includes; the scenario must
    /// resolve as it stands.
    pub fn read(path: &Path) -> Result<Self, Error> {
        scenario::load(path)?;
        let main = parse_doc(path)?;
        let mut includes = Vec::new();
        if let Some(list) = main.get("include").and_then(|i| i.as_array()) {
            for rel in list.iter().filter_map(|v| v.as_str()) {
                includes.push((rel.to_string(), parse_doc(&include_path(path, rel))?));
            }
        }
        Ok(ScenarioSource {
            path: path.to_path_buf(),
            main,
            includes,
        })
    }

    /// The included files, by their `include` entry.
    pub fn includes(&self) -> impl Iterator<Item = (&str, &DocumentMut)> {
        self.includes.iter().map(|(r, d)| (r.as_str(), d))
    }

    pub fn main(&self) -> &DocumentMut {
        &self.main
    }

    fn doc_mut(&mut self, file: Option<&str>) -> Result<&mut DocumentMut, String> {
        match file {
            None => Ok(&mut self.main),
            Some(f) => self
                .includes
                .iter_mut()
                .find(|(r, _)| r == f)
                .map(|(_, d)| d)
                .ok_or_else(|| format!("`{f}` is not one of the scenario's include files")),
        }
    }

    /// The value at a location, as the file writes it.
    pub fn value_text(&self, at: &Location) -> Result<String, Error> {
        let mut copy = self.clone();
        let doc = copy
            .doc_mut(at.file.as_deref())
            .map_err(|m| file_problem(&self.path, &at.to_string(), m))?;
        keypath::get_number(doc, &at.key)
            .map(crate::report::format_number)
            .map_err(|m| file_problem(&self.path, &at.to_string(), m))
    }

    /// The scenario with each location set to its value (command-line text).
    pub fn with(&self, settings: &[(&Location, &str)]) -> Result<Scenario, Error> {
        let mut copy = self.clone();
        for (at, value) in settings {
            let doc = copy
                .doc_mut(at.file.as_deref())
                .map_err(|m| file_problem(&self.path, &at.to_string(), m))?;
            keypath::set_from_text(doc, &at.key, value)
                .map_err(|m| file_problem(&self.path, &at.to_string(), m))?;
        }
        let includes: Vec<(String, String)> = copy
            .includes
            .iter()
            .map(|(r, d)| (r.clone(), d.to_string()))
            .collect();
        let described: Vec<String> = settings.iter().map(|(a, v)| format!("{a}={v}")).collect();
        scenario::from_str_replacing(&copy.main.to_string(), &self.path, &includes).map_err(
            |mut e| {
                // Say which setting made the scenario invalid.
                for p in &mut e.problems {
                    p.message = format!("{} (with {})", p.message, described.join(", "));
                }
                Error::Scenario(e)
            },
        )
    }
}

/// Every combination of the variations' values (full factorial), the last
/// variation changing fastest; each entry holds one value index per variation.
pub fn full_factorial(variations: &[Variation]) -> Vec<Vec<usize>> {
    let mut grid = vec![Vec::new()];
    for v in variations {
        grid = grid
            .into_iter()
            .flat_map(|prefix| {
                (0..v.values.len()).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_variations_and_locations() {
        let v: Variation = "arms[IsaPd].hazard_ratio.progression=0.5, 0.6,0.7"
            .parse()
            .unwrap();
        assert_eq!(v.values, ["0.5", "0.6", "0.7"]);
        assert_eq!(v.at.file, None);
        let v: Variation = "assumptions/prognostic-hr.toml:pfs.iss.III=1.2,2"
            .parse()
            .unwrap();
        assert_eq!(v.at.file.as_deref(), Some("assumptions/prognostic-hr.toml"));
        assert_eq!(
            v.at.to_string(),
            "assumptions/prognostic-hr.toml:pfs.iss.III"
        );
        assert!("cohort.n".parse::<Variation>().is_err());
        assert!("cohort.n=".parse::<Variation>().is_err());
    }

    #[test]
    fn full_factorial_enumerates_every_combination_last_fastest() {
        let a: Variation = "a=1,2".parse().unwrap();
        let b: Variation = "b=x,y,z".parse().unwrap();
        let g = full_factorial(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], [0, 0]);
        assert_eq!(g[1], [0, 1]);
        assert_eq!(g[5], [1, 2]);
        assert_eq!(full_factorial(&[]), vec![Vec::<usize>::new()]);
    }
}
