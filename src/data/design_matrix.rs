//! Covariates as the Cox model's columns: numbers as they are, categories as
//! 0/1 dummies against their first (reference) level, named `COL=LEVEL` as R's
//! model.matrix would name them `COLLEVEL`.

use super::{Covariate, Factor, PatientData};

/// A row-major n x p matrix with column names.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignMatrix {
    pub names: Vec<String>,
    pub x: Vec<f64>,
    pub p: usize,
}

fn push_dummies(f: &Factor, names: &mut Vec<String>, columns: &mut Vec<Vec<f64>>) {
    for (l, level) in f.levels.iter().enumerate().skip(1) {
        names.push(format!("{}={}", f.name, level));
        columns.push(
            f.codes
                .iter()
                .map(|&c| if c as usize == l { 1.0 } else { 0.0 })
                .collect(),
        );
    }
}

/// The group (if `with_group`) then each covariate, in the order given.
pub fn design_matrix(data: &PatientData, with_group: bool) -> DesignMatrix {
    let mut names = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    if with_group {
        if let Some(g) = &data.group {
            push_dummies(g, &mut names, &mut columns);
        }
    }
    for c in &data.covariates {
        match c {
            Covariate::Numeric { name, values } => {
                names.push(name.clone());
                columns.push(values.clone());
            }
            Covariate::Categorical(f) => push_dummies(f, &mut names, &mut columns),
        }
    }
    let n = data.time.len();
    let p = columns.len();
    let mut x = vec![0.0; n * p];
    for (j, col) in columns.iter().enumerate() {
        for (i, &v) in col.iter().enumerate() {
            x[i * p + j] = v;
        }
    }
    DesignMatrix { names, x, p }
}
