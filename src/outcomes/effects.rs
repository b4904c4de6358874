//! Proportional-hazards effects of covariates: each patient's hazard multiplier
//! per transition, exp(arm offset + sum of covariate terms).
//!
//! Terms are resolved against cohort columns once, at scenario resolution, so
//! the per-patient work is a table look-up or one multiply-add per term.

use crate::cohort::{Cohort, ColumnKind};

/// One covariate's contribution to a linear predictor.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// A categorical column: log hazard ratio per level index (0 for the reference).
    Level { column: usize, log_hr: Vec<f64> },
    /// A numeric column: log hazard ratio per unit above `center`.
    PerUnit {
        column: usize,
        log_hr: f64,
        center: f64,
    },
}

impl Term {
    /// Whether the term takes few distinct values: a level's, or a count's
    /// per-unit effect (a continuous column's takes a new value per patient).
    pub fn is_discrete(&self, cohort: &Cohort) -> bool {
        match self {
            Term::Level { .. } => true,
            Term::PerUnit { column, .. } => cohort.kind(*column) == Some(ColumnKind::Count),
        }
    }
}

/// The linear predictor of one transition: a constant (the arm's treatment
/// effect) plus covariate terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinearPredictor {
    pub offset: f64,
    pub terms: Vec<Term>,
}

impl LinearPredictor {
    /// The patient's log hazard ratio against the reference patient.
    #[inline]
    pub fn eval(&self, cohort: &Cohort, patient: usize) -> f64 {
        let mut lp = self.offset;
        for term in &self.terms {
            lp += match term {
                Term::Level { column, log_hr } => log_hr[cohort.level(*column, patient) as usize],
                Term::PerUnit {
                    column,
                    log_hr,
                    center,
                } => log_hr * (cohort.value(*column, patient) - center),
            };
        }
        lp
    }

    /// exp(linear predictor): the factor on the reference patient's hazard.
    #[inline]
    pub fn multiplier(&self, cohort: &Cohort, patient: usize) -> f64 {
        self.eval(cohort, patient).exp()
    }

    /// Adds the covariate terms of patients `0..lp.len()` to `lp`, term by
    /// term. With `lp[i]` holding the offset, `lp[i]` ends as
    /// [`LinearPredictor::eval`]`(cohort, i)` bit for bit: the same additions
    /// in the same order, but one column at a time, so each term resolves its
    /// column once instead of once per patient.
    pub fn add_terms(&self, cohort: &Cohort, lp: &mut [f64]) {
        for term in &self.terms {
            match term {
                Term::Level { column, log_hr } => match cohort.levels(*column) {
                    Some(levels) if levels.len() >= lp.len() => {
                        for (x, &l) in lp.iter_mut().zip(levels) {
                            *x += log_hr[l as usize];
                        }
                    }
                    _ => {
                        for (i, x) in lp.iter_mut().enumerate() {
                            *x += log_hr[cohort.level(*column, i) as usize];
                        }
                    }
                },
                Term::PerUnit {
                    column,
                    log_hr,
                    center,
                } => match cohort.values(*column) {
                    Some(values) if values.len() >= lp.len() => {
                        for (x, &v) in lp.iter_mut().zip(values) {
                            *x += log_hr * (v - center);
                        }
                    }
                    _ => {
                        for (i, x) in lp.iter_mut().enumerate() {
                            *x += log_hr * (cohort.value(*column, i) - center);
                        }
                    }
                },
            }
        }
    }
}

/// The four transitions' linear predictors for one arm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmEffects {
    pub progression: LinearPredictor,
    pub death_before_progression: LinearPredictor,
    pub death_after_progression: LinearPredictor,
    pub discontinuation: LinearPredictor,
}
