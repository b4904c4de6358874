//! The cohort's columns as the rest of the scenario refers to them: by name,
//! with their levels (effects name levels; strata need level counts).

use crate::cohort::CohortSpec;

/// Whether a column holds levels or numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnKind {
    Levels(Vec<String>),
    Numeric,
}

/// One cohort column, in the cohort's column order.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    pub kind: ColumnKind,
}

pub fn columns_of(spec: &CohortSpec) -> Vec<ColumnInfo> {
    spec.names()
        .iter()
        .enumerate()
        .map(|(i, name)| ColumnInfo {
            name: name.clone(),
            kind: match spec.level_names(i) {
                Some(l) => ColumnKind::Levels(l.to_vec()),
                None => ColumnKind::Numeric,
            },
        })
        .collect()
}
