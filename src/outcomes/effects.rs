//! Proportional-hazards effects of covariates: each patient's hazard multiplier
//! per transition, exp(arm offset + sum of covariate terms).
//!
//! Terms are resolved against cohort columns once, at scenario resolution, so
//! the per-patient work is a table look-up or one multiply-add per term.

use crate::cohort::Cohort;

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
}

/// The four transitions' linear predictors for one arm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmEffects {
    pub progression: LinearPredictor,
    pub death_before_progression: LinearPredictor,
    pub death_after_progression: LinearPredictor,
    pub discontinuation: LinearPredictor,
}
