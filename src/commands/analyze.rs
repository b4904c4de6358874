//! `cohortsim analyze`: the estimators a paper applies, on any patient-level
//! CSV (a simulated cohort or a real one). The JSON document it writes is
//! described in docs/analyze-json.md and is stable.

use crate::analysis::parametric::{fit_exponential, fit_weibull, FitError, ParametricFit};
use crate::analysis::proportion::clopper_pearson;
use crate::analysis::{ConfType, CoxError, CoxModel, KaplanMeier, LogRank, Ties, Weighting};
use crate::data::{design_matrix, read_csv, Columns, PatientData};
use crate::error::Error;
use serde::Serialize;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct AnalyzeArgs {
    pub data: std::path::PathBuf,
    pub time: String,
    pub event: String,
    pub group: Option<String>,
    pub strata: Option<String>,
    pub covariates: Vec<String>,
    pub ties: Ties,
    pub conf_type: ConfType,
    pub conf_level: f64,
    pub landmarks: Vec<f64>,
    pub tau: Option<f64>,
    /// A 0/1 column whose rate (e.g. ORR) gets an exact CI per group.
    pub response: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LandmarkJson {
    pub time: f64,
    pub surv: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RmstJson {
    pub tau: f64,
    pub estimate: Option<f64>,
    pub se: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupJson {
    pub name: String,
    pub n: usize,
    pub events: usize,
    pub median: Option<f64>,
    pub median_ci: [Option<f64>; 2],
    /// The symmetric "median +- z SE" interval of SPSS-style reports.
    pub median_symmetric: SymmetricJson,
    pub landmarks: Vec<LandmarkJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmst: Option<RmstJson>,
    /// Parametric fits by maximum likelihood (null when there are no events).
    pub exponential: Option<ParametricJson>,
    pub weibull: Option<ParametricJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseJson>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParametricJson {
    pub median: f64,
    pub median_se: Option<f64>,
    /// Weibull: S(t) = exp(-(t / scale)^shape); exponential: shape 1.
    pub shape: f64,
    pub scale: f64,
    pub loglik: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseJson {
    pub responders: u64,
    pub n: u64,
    pub rate: f64,
    /// Exact (Clopper-Pearson) interval at conf_level, as binom.test.
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SymmetricJson {
    pub se: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogRankJson {
    pub chisq: f64,
    pub df: usize,
    pub p: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoefficientJson {
    pub name: String,
    pub coef: f64,
    pub se: Option<f64>,
    pub hr: f64,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub z: Option<f64>,
    pub p: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoxJson {
    pub ties: String,
    pub coefficients: Vec<CoefficientJson>,
    /// Log partial likelihood at beta = 0 and at the fit.
    pub loglik: [f64; 2],
    pub lr_chisq: f64,
    pub lr_df: usize,
    pub lr_p: f64,
    pub wald_chisq: Option<f64>,
    pub score_chisq: Option<f64>,
    pub converged: bool,
    pub iterations: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnalysisJson {
    pub cohortsim_version: &'static str,
    pub data: String,
    pub n: usize,
    pub events: usize,
    pub conf_type: String,
    pub conf_level: f64,
    pub groups: Vec<GroupJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logrank: Option<LogRankJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cox: Option<CoxJson>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn parametric(fit: Result<ParametricFit, FitError>) -> Option<ParametricJson> {
    let f = fit.ok()?;
    let m = f.median();
    Some(ParametricJson {
        median: m.estimate,
        median_se: finite(m.se),
        shape: f.shape(),
        scale: f.weibull_scale(),
        loglik: f.loglik,
    })
}

fn group_summary(
    name: &str,
    time: &[f64],
    event: &[bool],
    response: Option<&[bool]>,
    args: &AnalyzeArgs,
    km: &mut KaplanMeier,
) -> GroupJson {
    km.fit(time, event);
    let med = km.median(args.conf_type, args.conf_level);
    let sym = km.median_symmetric(args.conf_level);
    let landmarks = args
        .landmarks
        .iter()
        .map(
            |&t| match km.survival_at(t, args.conf_type, args.conf_level) {
                Some(l) => LandmarkJson {
                    time: t,
                    surv: finite(l.surv),
                    lower: finite(l.lower),
                    upper: finite(l.upper),
                },
                None => LandmarkJson {
                    time: t,
                    surv: None,
                    lower: None,
                    upper: None,
                },
            },
        )
        .collect();
    let rmst = args.tau.map(|tau| {
        let r = crate::analysis::rmst(km, tau);
        RmstJson {
            tau,
            estimate: r.map(|r| r.estimate),
            se: r.and_then(|r| finite(r.se)),
        }
    });
    GroupJson {
        name: name.to_string(),
        n: time.len(),
        events: event.iter().filter(|&&e| e).count(),
        median: med.estimate,
        median_ci: [med.lower, med.upper],
        median_symmetric: SymmetricJson {
            se: sym.se,
            lower: sym.lower,
            upper: sym.upper,
        },
        landmarks,
        rmst,
        exponential: parametric(fit_exponential(time, event)),
        weibull: parametric(fit_weibull(time, event)),
        response: response.and_then(|r| {
            let x = r.iter().filter(|&&v| v).count() as u64;
            clopper_pearson(x, r.len() as u64, args.conf_level)
                .ok()
                .map(|p| ResponseJson {
                    responders: x,
                    n: r.len() as u64,
                    rate: p.estimate,
                    lower: p.lower,
                    upper: p.upper,
                })
        }),
    }
}

/// Per-group (or whole-sample) Kaplan-Meier summaries.
fn groups(data: &PatientData, args: &AnalyzeArgs) -> Vec<GroupJson> {
    let mut km = KaplanMeier::new();
    match &data.group {
        None => vec![group_summary(
            "all",
            &data.time,
            &data.event,
            data.response.as_deref(),
            args,
            &mut km,
        )],
        Some(g) => g
            .levels
            .iter()
            .enumerate()
            .map(|(l, name)| {
                let idx: Vec<usize> = (0..data.time.len())
                    .filter(|&i| g.codes[i] as usize == l)
                    .collect();
                let t: Vec<f64> = idx.iter().map(|&i| data.time[i]).collect();
                let e: Vec<bool> = idx.iter().map(|&i| data.event[i]).collect();
                let r: Option<Vec<bool>> = data
                    .response
                    .as_ref()
                    .map(|r| idx.iter().map(|&i| r[i]).collect());
                group_summary(name, &t, &e, r.as_deref(), args, &mut km)
            })
            .collect(),
    }
}

/// Runs every estimator that applies to the data and the arguments.
pub fn analyze(args: &AnalyzeArgs) -> Result<AnalysisJson, Error> {
    if !(args.conf_level > 0.0 && args.conf_level < 1.0) {
        return Err(Error::Usage(format!(
            "--conf-level must be between 0 and 1, got {}",
            args.conf_level
        )));
    }
    if let Some(t) = args
        .landmarks
        .iter()
        .find(|t| !(t.is_finite() && **t >= 0.0))
    {
        return Err(Error::Usage(format!(
            "--landmark values must be finite and >= 0, got {t}"
        )));
    }
    if let Some(tau) = args.tau.filter(|t| !(t.is_finite() && *t > 0.0)) {
        return Err(Error::Usage(format!("--tau must be positive, got {tau}")));
    }
    let cols = Columns {
        time: &args.time,
        event: &args.event,
        group: args.group.as_deref(),
        strata: args.strata.as_deref(),
        covariates: &args.covariates,
        response: args.response.as_deref(),
    };
    let data = read_csv(&args.data, &cols)?;
    if let Some(g) = &data.group {
        if g.levels.len() < 2 {
            return Err(Error::Csv {
                path: args.data.clone(),
                message: format!(
                    "column `{}`: the group column has a single level (`{}`); a comparison needs two or more groups",
                    g.name, g.levels[0]
                ),
            });
        }
    }
    let groups = groups(&data, args);
    let logrank = logrank(&data);
    let cox = cox(&data, args)?;
    Ok(AnalysisJson {
        cohortsim_version: env!("CARGO_PKG_VERSION"),
        data: args.data.display().to_string(),
        n: data.time.len(),
        events: data.event.iter().filter(|&&e| e).count(),
        conf_type: args.conf_type.to_string(),
        conf_level: args.conf_level,
        groups,
        logrank,
        cox,
    })
}

fn nonfinite_none(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The (stratified) log-rank test of the groups, as survdiff.
fn logrank(data: &PatientData) -> Option<LogRankJson> {
    let g = data.group.as_ref()?;
    let mut lr = LogRank::new();
    let strata = data.strata.as_ref().map(|s| s.codes.as_slice());
    let r = lr.test(
        &data.time,
        &data.event,
        &g.codes,
        g.levels.len(),
        strata,
        Weighting::LogRank,
    );
    Some(LogRankJson {
        chisq: r.chisq,
        df: r.df,
        p: r.p_value,
    })
}

/// The Cox model of the group and covariates, as coxph.
fn cox(data: &PatientData, args: &AnalyzeArgs) -> Result<Option<CoxJson>, Error> {
    if data.group.is_none() && data.covariates.is_empty() {
        return Ok(None);
    }
    let dm = design_matrix(data, true);
    let mut model = CoxModel::new();
    let strata = data.strata.as_ref().map(|s| s.codes.as_slice());
    let column = |j: usize| dm.names.get(j).cloned().unwrap_or_default();
    let fit = model
        .fit(&data.time, &data.event, &dm.x, dm.p, strata, args.ties)
        .map_err(|e| {
            let message = match e {
                CoxError::NoEvents => "the Cox model needs at least one event; every row is censored".to_string(),
                CoxError::ConstantCovariate { column: j } => format!("Cox model: `{}` is constant", column(j)),
                CoxError::SingularInformation { column: j } => format!(
                    "Cox model: `{}` carries no information (collinear with earlier terms, or constant within every stratum)",
                    column(j)
                ),
                other => format!("Cox model: {other}"),
            };
            Error::Csv {
                path: args.data.clone(),
                message,
            }
        })?;
    let mut warnings = Vec::new();
    let coefficients = (0..dm.p)
        .filter_map(|j| model.coef_summary(j, args.conf_level).map(|c| (j, c)))
        .map(|(j, c)| {
            if c.infinite {
                warnings.push(format!(
                    "`{}`: the partial likelihood is monotone (a level with no events?): the coefficient is infinite",
                    column(j)
                ));
            }
            CoefficientJson {
                name: column(j),
                coef: c.beta,
                se: nonfinite_none(c.se),
                hr: c.hr,
                lower: nonfinite_none(c.hr_lower),
                upper: nonfinite_none(c.hr_upper),
                z: nonfinite_none(c.z),
                p: nonfinite_none(c.p_value()),
            }
        })
        .collect();
    if !fit.converged {
        warnings.push(format!(
            "Newton-Raphson did not converge in {} iterations",
            fit.iterations
        ));
    }
    Ok(Some(CoxJson {
        ties: match args.ties {
            Ties::Efron => "efron".into(),
            Ties::Breslow => "breslow".into(),
        },
        coefficients,
        loglik: [fit.loglik_null, fit.loglik],
        lr_chisq: fit.lr_chisq,
        lr_df: dm.p,
        lr_p: fit.lr_p(),
        wald_chisq: (!fit.monotone)
            .then_some(fit.wald_chisq)
            .and_then(nonfinite_none),
        score_chisq: nonfinite_none(fit.score_chisq),
        converged: fit.is_ok(),
        iterations: fit.iterations as usize,
        warnings,
    }))
}
