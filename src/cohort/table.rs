//! The generated cohort: a struct of arrays, reused across generations.

use std::fmt;
use std::sync::Arc;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Level indices of a categorical or binary covariate (root, conditional or only-if).
    Categorical,
    /// Level indices of a derived band.
    Band,
    /// Real values (e.g. age).
    Continuous,
    /// Integer values stored as `f64` (e.g. prior lines).
    Count,
}

/// Names and levels of the columns; shared (via `Arc`) between a spec and the cohorts it
/// fills, so refilling a cohort copies no strings.
#[derive(Debug, PartialEq)]
pub(crate) struct Layout {
    pub names: Vec<String>,
    pub kinds: Vec<ColumnKind>,
    /// Level names per column (empty for value columns).
    pub levels: Vec<Vec<String>>,
    /// Index of the `unknown` level per column, if any.
    pub missing: Vec<Option<u16>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Column {
    Levels(Vec<u16>),
    Values(Vec<f64>),
}

/// Buffers reused by generation so that it allocates nothing after warm-up.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scratch {
    pub latent: Vec<f64>,
    pub uniform: Vec<f64>,
    pub keys: Vec<(f64, usize)>,
    pub groups: Vec<usize>,
    pub counts: Vec<usize>,
    /// Level indices of a count column on their way to its values.
    pub levels: Vec<u16>,
}

/// One value of one patient, for display and CSV output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellValue<'a> {
    /// A level name (categorical, binary, band).
    Level(&'a str),
    /// A continuous value.
    Continuous(f64),
    /// A count.
    Count(i64),
}

impl fmt::Display for CellValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CellValue::Level(s) => f.write_str(s),
            CellValue::Continuous(x) => write!(f, "{x}"),
            CellValue::Count(v) => write!(f, "{v}"),
        }
    }
}

/// How many patients were drawn and how many failed eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenerationStats {
    /// Patients drawn, including those excluded.
    pub screened: u64,
    /// Patients excluded by eligibility rules.
    pub excluded: u64,
}

impl GenerationStats {
    /// Fraction of screened patients that were excluded (0 when none screened).
    pub fn excluded_fraction(&self) -> f64 {
        if self.screened == 0 {
            0.0
        } else {
            self.excluded as f64 / self.screened as f64
        }
    }
}

/// A cohort of `n` patients as one column per covariate (in spec order).
///
/// Create once with [`Cohort::new`] and refill with
/// [`crate::cohort::CohortSpec::generate_into`]; columns and scratch buffers keep their
/// capacity, so refilling with the same or a smaller n allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Cohort {
    pub(crate) layout: Option<Arc<Layout>>,
    pub(crate) n: usize,
    pub(crate) columns: Vec<Column>,
    pub(crate) scratch: Scratch,
}

impl Cohort {
    /// An empty cohort, to be filled by `generate_into`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of patients.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Number of patients (same as [`Cohort::len`]).
    pub fn n(&self) -> usize {
        self.n
    }

    /// True when there are no patients.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Covariate names, in spec order (empty before the first generation).
    pub fn names(&self) -> &[String] {
        self.layout.as_deref().map_or(&[], |l| &l.names)
    }

    /// Index of a covariate by name.
    pub fn covariate_index(&self, name: &str) -> Option<usize> {
        self.names().iter().position(|n| n == name)
    }

    /// Kind of a column.
    pub fn kind(&self, idx: usize) -> Option<ColumnKind> {
        self.layout.as_deref()?.kinds.get(idx).copied()
    }

    /// Patient `i`'s level index in column `col`: the per-patient accessor of
    /// the linear predictors. A value column or an index out of range reads as
    /// level 0 (a resolved scenario never asks for one).
    #[inline]
    pub fn level(&self, col: usize, i: usize) -> u16 {
        match self.columns.get(col) {
            Some(Column::Levels(v)) if i < self.n => v.get(i).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// Patient `i`'s value in column `col`; NaN for a level column or an index
    /// out of range.
    #[inline]
    pub fn value(&self, col: usize, i: usize) -> f64 {
        match self.columns.get(col) {
            Some(Column::Values(v)) if i < self.n => v.get(i).copied().unwrap_or(f64::NAN),
            _ => f64::NAN,
        }
    }

    /// Patient `i`'s value in column `col` as CSV text (level name or number).
    pub fn value_string(&self, col: usize, i: usize) -> String {
        self.cell(i, col).map(|c| c.to_string()).unwrap_or_default()
    }

    /// Level indices of a categorical/binary/band column.
    pub fn levels(&self, idx: usize) -> Option<&[u16]> {
        match self.columns.get(idx)? {
            Column::Levels(v) => Some(&v[..self.n.min(v.len())]),
            Column::Values(_) => None,
        }
    }

    /// Values of a continuous/count column.
    pub fn values(&self, idx: usize) -> Option<&[f64]> {
        match self.columns.get(idx)? {
            Column::Values(v) => Some(&v[..self.n.min(v.len())]),
            Column::Levels(_) => None,
        }
    }

    /// Replaces column `col` by column `source_col` of `source`, patient by
    /// patient, mapping level names to this cohort's level indices: one
    /// cohort's patients with a factor taken from another cohort's (the
    /// case-mix decompositions of `explain`). The source must have at least
    /// as many patients, and every source level must exist here.
    pub fn replace_column(
        &mut self,
        col: usize,
        source: &Cohort,
        source_col: usize,
    ) -> Result<(), String> {
        let name = self.names().get(col).cloned().unwrap_or_default();
        if source.n < self.n {
            return Err(format!(
                "`{name}`: the source cohort has {} patients, fewer than {}",
                source.n, self.n
            ));
        }
        let n = self.n;
        match (self.columns.get(col), source.columns.get(source_col)) {
            (Some(Column::Values(_)), Some(Column::Values(v))) => {
                let v = v[..n].to_vec();
                self.columns[col] = Column::Values(v);
                Ok(())
            }
            (Some(Column::Levels(_)), Some(Column::Levels(v))) => {
                let here = self.level_names(col).unwrap_or_default();
                let there = source.level_names(source_col).unwrap_or_default();
                let map: Vec<u16> = there
                    .iter()
                    .map(|l| {
                        here.iter()
                            .position(|h| h == l)
                            .map(|i| i as u16)
                            .ok_or_else(|| {
                                format!(
                                    "`{name}`: level `{l}` is not one of this cohort's levels ({})",
                                    here.join(", ")
                                )
                            })
                    })
                    .collect::<Result<_, _>>()?;
                let mapped = v[..n].iter().map(|&l| map[l as usize]).collect();
                self.columns[col] = Column::Levels(mapped);
                Ok(())
            }
            (Some(_), Some(_)) => Err(format!(
                "`{name}` holds levels in one cohort and numbers in the other"
            )),
            _ => Err(format!("`{name}`: no such column")),
        }
    }

    /// Sets level column `col` from value column `source_col` by `classify`
    /// (a band recomputed after its source moved).
    pub fn set_levels_from(
        &mut self,
        col: usize,
        source_col: usize,
        classify: impl Fn(f64) -> u16,
    ) -> Result<(), String> {
        let n = self.n;
        let levels: Vec<u16> = match self.columns.get(source_col) {
            Some(Column::Values(v)) => v[..n].iter().map(|&x| classify(x)).collect(),
            _ => return Err(format!("column {source_col} holds no values")),
        };
        match self.columns.get_mut(col) {
            Some(c @ Column::Levels(_)) => {
                *c = Column::Levels(levels);
                Ok(())
            }
            _ => Err(format!("column {col} holds no levels")),
        }
    }

    /// Level names of a level column.
    pub fn level_names(&self, idx: usize) -> Option<&[String]> {
        let l = self.layout.as_deref()?.levels.get(idx)?;
        if l.is_empty() {
            None
        } else {
            Some(l)
        }
    }

    /// Level indices by covariate name.
    pub fn levels_by_name(&self, name: &str) -> Option<&[u16]> {
        self.levels(self.covariate_index(name)?)
    }

    /// Values by covariate name.
    pub fn values_by_name(&self, name: &str) -> Option<&[f64]> {
        self.values(self.covariate_index(name)?)
    }

    /// Number of patients at each level of a level column.
    pub fn level_counts(&self, idx: usize) -> Option<Vec<usize>> {
        let names = self.level_names(idx)?;
        let mut counts = vec![0; names.len()];
        for &l in self.levels(idx)? {
            if let Some(c) = counts.get_mut(usize::from(l)) {
                *c += 1;
            }
        }
        Some(counts)
    }

    /// One patient's value of one covariate, as a level name or a number.
    pub fn cell(&self, patient: usize, idx: usize) -> Option<CellValue<'_>> {
        let layout = self.layout.as_deref()?;
        if patient >= self.n {
            return None;
        }
        match self.columns.get(idx)? {
            Column::Levels(v) => {
                let l = usize::from(*v.get(patient)?);
                Some(CellValue::Level(layout.levels.get(idx)?.get(l)?))
            }
            Column::Values(v) => {
                let x = *v.get(patient)?;
                Some(match layout.kinds.get(idx)? {
                    ColumnKind::Count => CellValue::Count(x as i64),
                    _ => CellValue::Continuous(x),
                })
            }
        }
    }

    /// True when the patient's level is the covariate's `unknown` level.
    pub fn is_missing(&self, patient: usize, idx: usize) -> bool {
        let Some(Some(missing)) = self.layout.as_deref().and_then(|l| l.missing.get(idx)) else {
            return false;
        };
        self.levels(idx)
            .and_then(|v| v.get(patient))
            .is_some_and(|l| l == missing)
    }

    /// Writes a header (`patient` then the covariate names) and one row per patient.
    pub fn write_csv<W: std::io::Write>(&self, writer: &mut csv::Writer<W>) -> csv::Result<()> {
        let names = self.names();
        writer.write_field("patient")?;
        for name in names {
            writer.write_field(name)?;
        }
        writer.write_record(None::<&[u8]>)?;
        let mut buf = String::new();
        for i in 0..self.n {
            writer.write_field((i + 1).to_string())?;
            for j in 0..names.len() {
                buf.clear();
                if let Some(c) = self.cell(i, j) {
                    use std::fmt::Write;
                    let _ = write!(buf, "{c}");
                }
                writer.write_field(&buf)?;
            }
            writer.write_record(None::<&[u8]>)?;
        }
        writer.flush()?;
        Ok(())
    }
}
