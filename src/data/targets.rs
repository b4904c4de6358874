//! The comparator's aggregate baseline characteristics for `cohortsim maic`
//! (a TARGETS.toml file), and the columns of patient data they are matched
//! on.
//!
//! # Format
//!
//! One `[[target]]` table per reported characteristic:
//!
//! ```toml
//! # what the comparator cohort reports (its Table 1)
//! [[target]]
//! column = "age"          # a numeric column: match the mean
//! mean = 68
//! sd = 9.5                # optional: also match the SD
//!
//! [[target]]
//! column = "iss"          # a level column: match the proportion of a level
//! level = "III"
//! proportion = 0.26
//!
//! [[target]]
//! column = "male"         # a 0/1 column: a mean is a proportion
//! mean = 0.55
//! ```
//!
//! * `column` names a column of the patient CSV (exact header text).
//! * `mean` (with optional `sd`): every value of the column must be a
//!   number; the weighted mean is matched, and with `sd` also the weighted
//!   mean of the squared column, to `mean^2 + sd^2`, which makes the
//!   weighted (population-formula) SD equal `sd`.
//! * `level` + `proportion`: the column is read as text and the weighted
//!   share of rows equal to `level` is matched. A cell equals the level when
//!   the texts are identical or both are numbers with the same value, so a
//!   0/1 column can be given as `level = "1"` even if written `1.0`.
//! * Keys other than these are errors (a misspelt key is never ignored);
//!   so are a target with neither or both of `mean` / `proportion`, `sd`
//!   without `mean` or not positive, a proportion not strictly between 0 and
//!   1, and a characteristic given twice.
//!
//! Every problem is reported with the file and the key (`target[2].level`;
//! tables count from 0 in file order), or, for the data, the CSV file, row
//! (the header is row 1) and column.

use crate::analysis::MaicError;
use crate::error::{Error, Problem, ScenarioError};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    target: Vec<RawTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    column: String,
    mean: Option<f64>,
    sd: Option<f64>,
    level: Option<String>,
    proportion: Option<f64>,
}

/// What one `[[target]]` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetKind {
    Mean { mean: f64, sd: Option<f64> },
    Proportion { level: String, proportion: f64 },
}

/// One `[[target]]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub column: String,
    pub kind: TargetKind,
}

/// The targets of one file, kept with the file's path for messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    pub file: PathBuf,
    pub targets: Vec<Target>,
}

fn problem(file: &Path, key: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Scenario(ScenarioError {
        file: file.to_path_buf(),
        problems: vec![Problem {
            key: key.into(),
            message: message.into(),
        }],
    })
}

/// Reads and checks a TARGETS.toml file.
pub fn read_targets(path: &Path) -> Result<Targets, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_targets(&text, path)
}

/// Parses TARGETS.toml text; `path` only names the file in messages.
pub fn parse_targets(text: &str, path: &Path) -> Result<Targets, Error> {
    let de = toml::Deserializer::new(text);
    let raw: RawFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.inner();
        let location = inner
            .span()
            .map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                format!(" (line {line})")
            })
            .unwrap_or_default();
        let key = if key == "." { String::new() } else { key };
        problem(path, key, format!("{}{location}", inner.message().trim()))
    })?;
    if raw.target.is_empty() {
        return Err(problem(
            path,
            "",
            "no targets: add one [[target]] table per characteristic to match",
        ));
    }
    let mut targets = Vec::with_capacity(raw.target.len());
    let mut seen: Vec<(String, Option<String>)> = Vec::new();
    for (i, t) in raw.target.into_iter().enumerate() {
        let key = |k: &str| format!("target[{i}].{k}");
        if t.column.is_empty() {
            return Err(problem(path, key("column"), "empty column name"));
        }
        let finite = |k: &str, v: f64| -> Result<f64, Error> {
            if v.is_finite() {
                Ok(v)
            } else {
                Err(problem(
                    path,
                    key(k),
                    format!("must be a finite number, got {v}"),
                ))
            }
        };
        let kind = match (t.mean, t.level, t.proportion) {
            (Some(mean), None, None) => {
                let mean = finite("mean", mean)?;
                let sd = t.sd.map(|sd| finite("sd", sd)).transpose()?;
                if let Some(sd) = sd.filter(|&sd| sd <= 0.0) {
                    return Err(problem(path, key("sd"), format!("must be > 0, got {sd}")));
                }
                TargetKind::Mean { mean, sd }
            }
            (None, Some(level), Some(proportion)) => {
                if t.sd.is_some() {
                    return Err(problem(
                        path,
                        key("sd"),
                        "`sd` goes with `mean`, not with `level` / `proportion`",
                    ));
                }
                let proportion = finite("proportion", proportion)?;
                if !(proportion > 0.0 && proportion < 1.0) {
                    return Err(problem(
                        path,
                        key("proportion"),
                        format!(
                            "must be strictly between 0 and 1 (positive weights cannot reach \
                             0 or 1), got {proportion}"
                        ),
                    ));
                }
                TargetKind::Proportion { level, proportion }
            }
            (None, Some(_), None) => {
                return Err(problem(path, key("level"), "`level` needs a `proportion`"));
            }
            (None, None, Some(_)) => {
                return Err(problem(
                    path,
                    key("proportion"),
                    "`proportion` needs the `level` it is the proportion of",
                ));
            }
            (None, None, None) => {
                return Err(problem(
                    path,
                    format!("target[{i}]"),
                    "give `mean` (numeric column, optionally with `sd`) or `level` and \
                     `proportion` (share of one level)",
                ));
            }
            (Some(_), _, _) => {
                return Err(problem(
                    path,
                    format!("target[{i}]"),
                    "give either `mean` or `level` / `proportion`, not both",
                ));
            }
        };
        let id = (
            t.column.clone(),
            match &kind {
                TargetKind::Mean { .. } => None,
                TargetKind::Proportion { level, .. } => Some(level.clone()),
            },
        );
        if let Some(j) = seen.iter().position(|s| *s == id) {
            return Err(problem(
                path,
                format!("target[{i}]"),
                format!("the same characteristic as target[{j}]: give each once"),
            ));
        }
        seen.push(id);
        targets.push(Target {
            column: t.column,
            kind,
        });
    }
    Ok(Targets {
        file: path.to_path_buf(),
        targets,
    })
}

/// Which statistic of its target a matched column carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// The column (or the 0/1 indicator of a level): its mean.
    Mean,
    /// The squared column: matched to `mean^2 + sd^2`.
    Square,
}

/// The n x p matrix MAIC balances: one column per mean or proportion, plus
/// one per SD (the squared column).
#[derive(Debug, Clone, PartialEq)]
pub struct MomentMatrix {
    /// Row-major, `x[i * p + j]`.
    pub x: Vec<f64>,
    pub p: usize,
    /// Target mean of each column.
    pub targets: Vec<f64>,
    /// The `[[target]]` (index into [`Targets::targets`]) and statistic of
    /// each column.
    pub source: Vec<(usize, Moment)>,
    /// Readable name of each column: `age`, `age^2`, `iss=III`.
    pub names: Vec<String>,
}

fn bad_csv(path: &Path, message: String) -> Error {
    Error::Csv {
        path: path.to_path_buf(),
        message,
    }
}

fn is_missing(s: &str) -> bool {
    matches!(s, "" | "NA" | "NaN" | "nan" | "." | "NULL")
}

/// Does a cell equal a level: same text, or the same number.
fn same_level(cell: &str, level: &str) -> bool {
    if cell == level {
        return true;
    }
    match (cell.parse::<f64>(), level.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.is_finite() && a == b,
        _ => false,
    }
}

/// Builds the moment matrix of `targets` from the CSV at `data`, read with
/// the same rules as [`super::read_csv`] (header row, trimmed cells), so its
/// rows line up with the patient data read from the same file.
pub fn moment_matrix(data: &Path, targets: &Targets) -> Result<MomentMatrix, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(data)
        .map_err(|e| bad_csv(data, format!("cannot read: {e}")))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad_csv(data, format!("cannot read the header row: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let mut cols = Vec::with_capacity(targets.targets.len());
    for (i, t) in targets.targets.iter().enumerate() {
        let c = headers.iter().position(|h| *h == t.column).ok_or_else(|| {
            problem(
                &targets.file,
                format!("target[{i}].column"),
                format!(
                    "{} has no column `{}`; its columns are: {}",
                    data.display(),
                    t.column,
                    headers.join(", ")
                ),
            )
        })?;
        cols.push(c);
    }
    // Column layout: each target's mean / proportion, then its square if an
    // SD is given.
    let mut source = Vec::new();
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (i, t) in targets.targets.iter().enumerate() {
        match &t.kind {
            TargetKind::Mean { mean, sd } => {
                source.push((i, Moment::Mean));
                names.push(t.column.clone());
                values.push(*mean);
                if let Some(sd) = sd {
                    source.push((i, Moment::Square));
                    names.push(format!("{}^2", t.column));
                    values.push(crate::analysis::maic::second_moment(*mean, *sd));
                }
            }
            TargetKind::Proportion { level, proportion } => {
                source.push((i, Moment::Mean));
                names.push(format!("{}={}", t.column, level));
                values.push(*proportion);
            }
        }
    }
    let p = source.len();
    let mut x = Vec::new();
    let mut present = vec![false; targets.targets.len()];
    for (r, record) in reader.records().enumerate() {
        let row = r + 2;
        let record = record.map_err(|e| bad_csv(data, format!("row {row}: {e}")))?;
        for &(i, moment) in &source {
            let t = &targets.targets[i];
            let cell = record.get(cols[i]).unwrap_or("");
            if is_missing(cell) {
                return Err(bad_csv(
                    data,
                    format!(
                        "row {row}, column `{}`: missing value `{cell}`; every matched \
                         characteristic must be known for every patient (remove or impute the row)",
                        t.column
                    ),
                ));
            }
            let v = match &t.kind {
                TargetKind::Mean { .. } => {
                    let v = cell
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| {
                            bad_csv(
                                data,
                                format!(
                                    "row {row}, column `{}`: `{cell}` is not a number, but \
                                     target[{i}] in {} matches the column's mean (for a level \
                                     column give `level` and `proportion`)",
                                    t.column,
                                    targets.file.display()
                                ),
                            )
                        })?;
                    if moment == Moment::Square {
                        v * v
                    } else {
                        v
                    }
                }
                TargetKind::Proportion { level, .. } => {
                    if same_level(cell, level) {
                        present[i] = true;
                        1.0
                    } else {
                        0.0
                    }
                }
            };
            x.push(v);
        }
    }
    if x.is_empty() {
        return Err(bad_csv(data, "no data rows".into()));
    }
    for (i, t) in targets.targets.iter().enumerate() {
        if let TargetKind::Proportion { level, .. } = &t.kind {
            if !present[i] {
                let levels = levels_of(data, cols[i]).unwrap_or_default();
                return Err(problem(
                    &targets.file,
                    format!("target[{i}].level"),
                    format!(
                        "level `{level}` does not occur in column `{}` of {} (its values are: {})",
                        t.column,
                        data.display(),
                        levels.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(MomentMatrix {
        x,
        p,
        targets: values,
        source,
        names,
    })
}

/// The distinct values of a column, sorted, at most 20 (for a message).
fn levels_of(data: &Path, col: usize) -> Option<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(data)
        .ok()?;
    let mut set = BTreeSet::new();
    for record in reader.records().map_while(Result::ok) {
        set.insert(record.get(col).unwrap_or("").to_string());
    }
    let mut v: Vec<String> = set.into_iter().take(21).collect();
    if v.len() > 20 {
        v.truncate(20);
        v.push("...".into());
    }
    Some(v)
}

impl MomentMatrix {
    /// The key of the TOML value behind column `j`.
    fn key(&self, targets: &Targets, j: usize) -> String {
        let Some(&(i, moment)) = self.source.get(j) else {
            return String::new();
        };
        let field = match (&targets.targets[i].kind, moment) {
            (TargetKind::Mean { .. }, Moment::Mean) => "mean",
            (TargetKind::Mean { .. }, Moment::Square) => "sd",
            (TargetKind::Proportion { .. }, _) => "proportion",
        };
        format!("target[{i}].{field}")
    }

    /// A MAIC failure in terms of the targets file and the data.
    pub fn explain(&self, e: &MaicError, targets: &Targets, data: &Path) -> Error {
        let file = &targets.file;
        let data = data.display();
        let name = |j: usize| self.names.get(j).cloned().unwrap_or_default();
        let what = |j: usize| match self.source.get(j) {
            Some(&(i, Moment::Square)) => format!(
                "mean^2 + sd^2 = {} of `{}` (to match the SD)",
                self.targets[j], targets.targets[i].column
            ),
            Some(&(i, Moment::Mean)) => match &targets.targets[i].kind {
                TargetKind::Proportion { level, proportion } => format!(
                    "proportion {proportion} of `{}` = `{level}`",
                    targets.targets[i].column
                ),
                TargetKind::Mean { mean, .. } => {
                    format!("mean {mean} of `{}`", targets.targets[i].column)
                }
            },
            None => String::new(),
        };
        match *e {
            MaicError::ConstantColumn { column, value, .. } => problem(
                file,
                self.key(targets, column),
                format!(
                    "`{}` is {value} for every patient in {data}, so no weighting can reach \
                     the {}",
                    name(column),
                    what(column)
                ),
            ),
            MaicError::TargetOutsideRange {
                column, min, max, ..
            } => problem(
                file,
                self.key(targets, column),
                format!(
                    "the {} is not strictly between the smallest ({min}) and largest ({max}) \
                     value of `{}` in {data}: no weighting reaches it",
                    what(column),
                    name(column)
                ),
            ),
            MaicError::Collinear { column } => problem(
                file,
                self.key(targets, column),
                format!(
                    "`{}` is determined by the targets before it in {data} (e.g. every level \
                     of one factor, or a 0/1 column given both as a mean and as a level): \
                     remove one",
                    name(column)
                ),
            ),
            MaicError::OutsideHull {
                column,
                balance_error,
                iterations,
            } => problem(
                file,
                "",
                format!(
                    "the targets cannot be matched together: they lie outside what any \
                     weighting of the patients in {data} can reach (after {iterations} \
                     iterations the weighted `{}` is still {balance_error:.3e} off its target \
                     {})",
                    name(column),
                    self.targets.get(column).copied().unwrap_or(f64::NAN)
                ),
            ),
            MaicError::OnHullBoundary {
                min_weight_ratio, ..
            } => problem(
                file,
                "",
                format!(
                    "the targets lie on the edge of what the patients in {data} can reach: \
                     they balance only if some patients get {min_weight_ratio:.1e} times the \
                     largest weight; relax the most extreme target"
                ),
            ),
            ref other => problem(file, "", other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Targets, String> {
        parse_targets(text, Path::new("t.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_means_sds_and_proportions() {
        let t = parse(
            "[[target]]\ncolumn = \"age\"\nmean = 68\nsd = 9.5\n\
             [[target]]\ncolumn = \"iss\"\nlevel = \"III\"\nproportion = 0.26\n",
        )
        .unwrap();
        assert_eq!(
            t.targets[0].kind,
            TargetKind::Mean {
                mean: 68.0,
                sd: Some(9.5)
            }
        );
        assert_eq!(
            t.targets[1].kind,
            TargetKind::Proportion {
                level: "III".into(),
                proportion: 0.26
            }
        );
    }

    #[test]
    fn problems_name_the_key() {
        let e = parse("[[target]]\ncolumn = \"a\"\nmean = 1\nsd = 0\n").unwrap_err();
        assert!(e.starts_with("t.toml: target[0].sd: must be > 0"), "{e}");
        let e = parse("[[target]]\ncolumn = \"a\"\nlevel = \"x\"\nproportion = 1\n").unwrap_err();
        assert!(e.contains("target[0].proportion"), "{e}");
        let e = parse("[[target]]\ncolumn = \"a\"\nlevel = \"x\"\n").unwrap_err();
        assert!(
            e.contains("target[0].level: `level` needs a `proportion`"),
            "{e}"
        );
        let e = parse("[[target]]\ncolumn = \"a\"\n").unwrap_err();
        assert!(e.contains("target[0]: give `mean`"), "{e}");
        let e =
            parse("[[target]]\ncolumn = \"a\"\nmean = 1\n[[target]]\ncolumn = \"a\"\nmean = 2\n")
                .unwrap_err();
        assert!(
            e.contains("target[1]: the same characteristic as target[0]"),
            "{e}"
        );
        let e = parse("").unwrap_err();
        assert!(e.contains("no targets"), "{e}");
        assert!(same_level("1.0", "1") && !same_level("1", "2") && same_level("III", "III"));
    }
}
