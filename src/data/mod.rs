//! Patient-level data from CSV, for the estimators: simulated cohorts (the
//! output of `simulate`) and real ones go through the same reader.
//!
//! Every problem names the file, the row (as a spreadsheet shows it: the header
//! is row 1) and the column, and nothing is guessed: a time must be a
//! non-negative number, an event 0/1 or true/false.

use crate::error::Error;
use std::collections::BTreeSet;
use std::path::Path;

pub mod design_matrix;
pub mod targets;
pub use design_matrix::{design_matrix, DesignMatrix};

/// A categorical column: level names (sorted, as R orders factor levels, so
/// the first is the reference) and each row's level index.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub name: String,
    pub levels: Vec<String>,
    pub codes: Vec<u32>,
}

/// A covariate column as the Cox model sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Covariate {
    Numeric { name: String, values: Vec<f64> },
    Categorical(Factor),
}

/// What the analysis reads from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientData {
    pub time: Vec<f64>,
    pub event: Vec<bool>,
    pub group: Option<Factor>,
    pub strata: Option<Factor>,
    pub covariates: Vec<Covariate>,
    /// A binary outcome per row (e.g. response), for a proportion and its CI.
    pub response: Option<Vec<bool>>,
}

/// Which columns to read.
#[derive(Debug, Clone, Default)]
pub struct Columns<'a> {
    pub time: &'a str,
    pub event: &'a str,
    pub group: Option<&'a str>,
    pub strata: Option<&'a str>,
    pub covariates: &'a [String],
    pub response: Option<&'a str>,
}

fn bad(path: &Path, message: String) -> Error {
    Error::Csv {
        path: path.to_path_buf(),
        message,
    }
}

/// A cell that stands for a missing value.
fn is_missing(s: &str) -> bool {
    matches!(s, "" | "NA" | "NaN" | "nan" | "." | "NULL")
}

fn parse_event(s: &str) -> Option<bool> {
    match s {
        "1" | "1.0" => Some(true),
        "0" | "0.0" => Some(false),
        _ if s.eq_ignore_ascii_case("true") => Some(true),
        _ if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn factor(name: &str, cells: &[String]) -> Factor {
    let levels: Vec<String> = cells
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let codes = cells
        .iter()
        .map(|c| levels.binary_search(c).map(|i| i as u32).unwrap_or(0))
        .collect();
    Factor {
        name: name.to_string(),
        levels,
        codes,
    }
}

/// Reads `path` and checks every value the analysis will use.
pub fn read_csv(path: &Path, cols: &Columns) -> Result<PatientData, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| bad(path, format!("cannot read: {e}")))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(path, format!("cannot read the header row: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(bad(path, "the file is empty: no header row".into()));
    }
    let find = |name: &str, role: &str| -> Result<usize, Error> {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            bad(
                path,
                format!(
                    "no column `{name}` (the {role} column); columns are: {}",
                    headers.join(", ")
                ),
            )
        })
    };
    let t_col = find(cols.time, "time")?;
    let e_col = find(cols.event, "event")?;
    let g_col = cols.group.map(|g| find(g, "group")).transpose()?;
    let s_col = cols.strata.map(|s| find(s, "strata")).transpose()?;
    let r_col = cols.response.map(|r| find(r, "response")).transpose()?;
    let mut c_cols = Vec::with_capacity(cols.covariates.len());
    for (i, c) in cols.covariates.iter().enumerate() {
        if cols.covariates[..i].contains(c) {
            return Err(bad(path, format!("covariate `{c}` is listed twice")));
        }
        c_cols.push(find(c, "covariate")?);
    }

    let mut time = Vec::new();
    let mut event = Vec::new();
    let mut group_cells = Vec::new();
    let mut strata_cells = Vec::new();
    let mut response = Vec::new();
    let mut cov_cells: Vec<Vec<String>> = vec![Vec::new(); c_cols.len()];
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| bad(path, format!("row {row}: {e}")))?;
        let cell = |c: usize| record.get(c).unwrap_or("");
        let t = cell(t_col);
        let tv: f64 = t.parse().map_err(|_| {
            bad(
                path,
                format!(
                    "row {row}, column `{}`: time `{t}` is not a number",
                    cols.time
                ),
            )
        })?;
        if !tv.is_finite() || tv < 0.0 {
            return Err(bad(
                path,
                format!(
                    "row {row}, column `{}`: time must be a finite number >= 0, got `{t}`",
                    cols.time
                ),
            ));
        }
        let e = cell(e_col);
        let ev = parse_event(e).ok_or_else(|| {
            bad(
                path,
                format!(
                    "row {row}, column `{}`: event must be 0/1 or true/false, got `{e}`",
                    cols.event
                ),
            )
        })?;
        time.push(tv);
        event.push(ev);
        if let Some(c) = r_col {
            let v = cell(c);
            let yes_no = match v {
                _ if v.eq_ignore_ascii_case("yes") => Some(true),
                _ if v.eq_ignore_ascii_case("no") => Some(false),
                _ => parse_event(v),
            };
            response.push(yes_no.ok_or_else(|| {
                bad(
                    path,
                    format!(
                        "row {row}, column `{}`: response must be 0/1, true/false or yes/no, got `{v}`",
                        cols.response.unwrap_or_default()
                    ),
                )
            })?);
        }
        for (role, col, name, out) in [
            ("group", g_col, cols.group, &mut group_cells),
            ("strata", s_col, cols.strata, &mut strata_cells),
        ] {
            if let Some(c) = col {
                let v = cell(c);
                if is_missing(v) {
                    return Err(bad(
                        path,
                        format!(
                            "row {row}, column `{}`: missing {role} value",
                            name.unwrap_or_default()
                        ),
                    ));
                }
                out.push(v.to_string());
            }
        }
        for (k, &c) in c_cols.iter().enumerate() {
            let v = cell(c);
            if is_missing(v) {
                return Err(bad(
                    path,
                    format!(
                        "row {row}, column `{}`: missing value `{v}`; remove or impute the row",
                        cols.covariates[k]
                    ),
                ));
            }
            cov_cells[k].push(v.to_string());
        }
    }
    if time.is_empty() {
        return Err(bad(path, "no data rows".into()));
    }

    let group = g_col.map(|_| factor(cols.group.unwrap_or_default(), &group_cells));
    let strata = s_col.map(|_| factor(cols.strata.unwrap_or_default(), &strata_cells));
    let mut covariates = Vec::with_capacity(c_cols.len());
    for (k, cells) in cov_cells.into_iter().enumerate() {
        let name = &cols.covariates[k];
        let numeric: Option<Vec<f64>> = cells
            .iter()
            .map(|c| c.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect();
        let cov = match numeric {
            Some(values) => {
                if values.iter().all(|&v| v == values[0]) {
                    return Err(bad(
                        path,
                        format!(
                            "column `{name}`: covariate is constant ({}) in every row",
                            values[0]
                        ),
                    ));
                }
                Covariate::Numeric {
                    name: name.clone(),
                    values,
                }
            }
            None => {
                let f = factor(name, &cells);
                if f.levels.len() < 2 {
                    return Err(bad(
                        path,
                        format!(
                            "column `{name}`: covariate has one level (`{}`) in every row",
                            f.levels[0]
                        ),
                    ));
                }
                Covariate::Categorical(f)
            }
        };
        covariates.push(cov);
    }
    Ok(PatientData {
        time,
        event,
        group,
        strata,
        covariates,
        response: r_col.map(|_| response),
    })
}
