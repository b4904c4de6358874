//! `cohortsim maic`: matching-adjusted indirect comparison on patient-level
//! CSV data against a comparator's published baseline characteristics.
//!
//! ```text
//! cohortsim maic DATA.csv --targets TARGETS.toml --time COL --event COL
//!     [--group COL] [--landmark T,...] [--ties efron|breslow]
//!     [--conf-type log] [--conf-level 0.95] [--json]
//! ```
//!
//! The patients of DATA.csv are weighted (method of moments,
//! [`crate::analysis::maic`]) so that their weighted means and proportions
//! equal what TARGETS.toml gives (format: [`crate::data::targets`] and
//! docs/maic.md). Reported: the weights' coefficients, the effective sample
//! size against n, the balance table (each characteristic before and after
//! weighting), the weighted Kaplan-Meier median with its CI and survival at
//! the landmarks (per `--group` level when given), and with `--group` the
//! weighted Cox hazard ratio(s) against the first level with the robust
//! (sandwich) SE, as R's `coxph(..., weights = w, robust = TRUE)`.
//!
//! Weighted curves use survfit's default variance for fractional weights,
//! the robust infinitesimal jackknife (see [`crate::analysis::kaplan_meier`]),
//! which accounts for the weighting; the medians' CIs invert those pointwise
//! intervals exactly as `quantile(survfit(...))`. Neither the KM intervals nor
//! the robust Cox SE account for the estimation of the weights themselves
//! (as in R; a bootstrap would).

use crate::analysis::{maic_weights, ConfType, CoxError, CoxModel, KaplanMeier, MaicWeights, Ties};
use crate::data::targets::{
    moment_matrix, read_targets, Moment, MomentMatrix, TargetKind, Targets,
};
use crate::data::{read_csv, Columns, PatientData};
use crate::error::Error;
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;

/// What the command line asked for.
#[derive(Debug, Clone, clap::Args)]
pub struct MaicArgs {
    /// Patient-level CSV with a header row (the index study's data).
    pub data: PathBuf,
    /// The comparator's baseline characteristics (TOML; see docs/maic.md).
    #[arg(long)]
    pub targets: PathBuf,
    /// Time column (months, or any unit, >= 0).
    #[arg(long)]
    pub time: String,
    /// Event column: 1/0 or true/false.
    #[arg(long)]
    pub event: String,
    /// Arm column: weighted Kaplan-Meier per level, and a weighted Cox HR
    /// of each level against the first (sorted) with a robust SE.
    #[arg(long)]
    pub group: Option<String>,
    /// Landmark times for weighted survival estimates.
    #[arg(long, value_delimiter = ',')]
    pub landmark: Vec<f64>,
    /// Cox model ties.
    #[arg(long, default_value = "efron", value_parser = ["efron", "breslow"])]
    pub ties: String,
    /// Kaplan-Meier CI transform, as R's survfit.
    #[arg(long, default_value = "log", value_parser = ["log", "log-log", "plain", "logit", "arcsin"])]
    pub conf_type: String,
    #[arg(long, default_value_t = 0.95)]
    pub conf_level: f64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BetaJson {
    /// Matched column: `age`, `age^2` (for an SD), `iss=III`.
    pub term: String,
    /// On the column's own scale: w is proportional to exp(sum (x - target) beta).
    pub beta: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BalanceJson {
    pub column: String,
    /// `mean`, `sd` or `proportion`.
    pub statistic: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    pub target: f64,
    pub unweighted: f64,
    pub weighted: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LandmarkJson {
    pub time: f64,
    pub surv: Option<f64>,
    pub se: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupJson {
    pub name: String,
    pub n: usize,
    pub events: usize,
    /// Sum of the weights in the group, and their effective sample size.
    pub sum_weights: f64,
    pub ess: f64,
    pub weighted_events: f64,
    pub median: Option<f64>,
    pub median_ci: [Option<f64>; 2],
    pub landmarks: Vec<LandmarkJson>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HazardRatioJson {
    /// `GROUP=LEVEL` against the reference level.
    pub name: String,
    pub coef: f64,
    pub hr: f64,
    /// Model-based SE (coxph's `se(coef)`), for reference.
    pub se: Option<f64>,
    /// Robust SE (coxph's `robust se`), used for the CI and the test.
    pub robust_se: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub z: Option<f64>,
    pub p: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoxJson {
    pub ties: String,
    pub reference: String,
    pub hazard_ratios: Vec<HazardRatioJson>,
    pub converged: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The `--json` document.
#[derive(Debug, Clone, Serialize)]
pub struct MaicJson {
    pub cohortsim_version: &'static str,
    pub data: String,
    pub targets: String,
    pub n: usize,
    pub events: usize,
    /// Effective sample size of the weights (which sum to n).
    pub ess: f64,
    pub iterations: u32,
    pub max_abs_balance_error: f64,
    pub beta: Vec<BetaJson>,
    pub balance: Vec<BalanceJson>,
    pub conf_type: String,
    pub conf_level: f64,
    /// Variance of the weighted Kaplan-Meier curves: `robust` (infinitesimal
    /// jackknife, survfit's default for fractional weights) or `greenwood`
    /// (when every weight is a whole number, as survfit).
    pub km_variance: &'static str,
    pub groups: Vec<GroupJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cox: Option<CoxJson>,
}

/// Runs the command; returns the text (or JSON) to print.
pub fn run(args: &MaicArgs) -> Result<String, Error> {
    let result = maic(args)?;
    if args.json {
        serde_json::to_string_pretty(&result)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| Error::Usage(e.to_string()))
    } else {
        Ok(render(&result))
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn usage_checks(args: &MaicArgs) -> Result<(ConfType, Ties), Error> {
    if !(args.conf_level > 0.0 && args.conf_level < 1.0) {
        return Err(Error::Usage(format!(
            "--conf-level must be between 0 and 1, got {}",
            args.conf_level
        )));
    }
    if let Some(t) = args
        .landmark
        .iter()
        .find(|t| !(t.is_finite() && **t >= 0.0))
    {
        return Err(Error::Usage(format!(
            "--landmark values must be finite and >= 0, got {t}"
        )));
    }
    let conf: ConfType = args
        .conf_type
        .parse()
        .map_err(|e| Error::Usage(format!("--conf-type: {e}")))?;
    let ties = match args.ties.as_str() {
        "efron" => Ties::Efron,
        "breslow" => Ties::Breslow,
        other => {
            return Err(Error::Usage(format!(
                "--ties must be efron or breslow, got `{other}`"
            )))
        }
    };
    Ok((conf, ties))
}

/// Everything the command reports, as a structure.
pub fn maic(args: &MaicArgs) -> Result<MaicJson, Error> {
    let (conf, ties) = usage_checks(args)?;
    let targets = read_targets(&args.targets)?;
    let cols = Columns {
        time: &args.time,
        event: &args.event,
        group: args.group.as_deref(),
        ..Columns::default()
    };
    let data = read_csv(&args.data, &cols)?;
    if let Some(g) = &data.group {
        if g.levels.len() < 2 {
            return Err(Error::Csv {
                path: args.data.clone(),
                message: format!(
                    "column `{}`: the group column has a single level (`{}`); a comparison \
                     needs two or more groups",
                    g.name, g.levels[0]
                ),
            });
        }
    }
    let mm = moment_matrix(&args.data, &targets)?;
    let n = data.time.len();
    if mm.x.len() != n * mm.p {
        // Both readers accept exactly the same rows; this is a guard.
        return Err(Error::Csv {
            path: args.data.clone(),
            message: "the rows read for the targets do not line up with the time/event rows".into(),
        });
    }
    let fit =
        maic_weights(&mm.x, mm.p, &mm.targets).map_err(|e| mm.explain(&e, &targets, &args.data))?;

    let groups = km_groups(&data, &fit.weights, args, conf);
    let cox = match &data.group {
        Some(_) => Some(cox(&data, &fit.weights, args, ties)?),
        None => None,
    };
    Ok(MaicJson {
        cohortsim_version: env!("CARGO_PKG_VERSION"),
        data: args.data.display().to_string(),
        targets: args.targets.display().to_string(),
        n,
        events: data.event.iter().filter(|&&e| e).count(),
        ess: fit.ess,
        iterations: fit.iterations,
        max_abs_balance_error: fit.max_abs_balance_error,
        beta: mm
            .names
            .iter()
            .zip(&fit.beta)
            .map(|(term, &beta)| BetaJson {
                term: term.clone(),
                beta,
            })
            .collect(),
        balance: balance(&mm, &targets, &fit),
        conf_type: conf.to_string(),
        conf_level: args.conf_level,
        km_variance: if fit.weights.iter().any(|w| w.fract() != 0.0) {
            "robust"
        } else {
            "greenwood"
        },
        groups,
        cox,
    })
}

/// Weighted and unweighted mean of matched column `j`.
fn means(mm: &MomentMatrix, w: &[f64], j: usize) -> (f64, f64) {
    let n = w.len();
    let p = mm.p;
    let col = (0..n).map(|i| mm.x[i * p + j]);
    let unweighted = col.clone().sum::<f64>() / n as f64;
    let sw: f64 = w.iter().sum();
    let weighted = col.zip(w).map(|(x, w)| x * w).sum::<f64>() / sw;
    (unweighted, weighted)
}

/// One row per reported characteristic: means and proportions, and SDs
/// (population formula, from the matched first and second moments).
fn balance(mm: &MomentMatrix, targets: &Targets, fit: &MaicWeights) -> Vec<BalanceJson> {
    let mut out = Vec::new();
    for (j, &(i, moment)) in mm.source.iter().enumerate() {
        let t = &targets.targets[i];
        let (unweighted, weighted) = means(mm, &fit.weights, j);
        match (&t.kind, moment) {
            (TargetKind::Mean { mean, .. }, Moment::Mean) => out.push(BalanceJson {
                column: t.column.clone(),
                statistic: "mean",
                level: None,
                target: *mean,
                unweighted,
                weighted,
            }),
            (TargetKind::Mean { sd: Some(sd), .. }, Moment::Square) => {
                // The mean column is the one just before its square.
                let (mu_u, mu_w) = means(mm, &fit.weights, j - 1);
                let sd_of = |m2: f64, m: f64| (m2 - m * m).max(0.0).sqrt();
                out.push(BalanceJson {
                    column: t.column.clone(),
                    statistic: "sd",
                    level: None,
                    target: *sd,
                    unweighted: sd_of(unweighted, mu_u),
                    weighted: sd_of(weighted, mu_w),
                })
            }
            (TargetKind::Proportion { level, proportion }, _) => out.push(BalanceJson {
                column: t.column.clone(),
                statistic: "proportion",
                level: Some(level.clone()),
                target: *proportion,
                unweighted,
                weighted,
            }),
            (TargetKind::Mean { sd: None, .. }, Moment::Square) => {}
        }
    }
    out
}

fn km_group(
    name: &str,
    idx: &[usize],
    data: &PatientData,
    w: &[f64],
    args: &MaicArgs,
    conf: ConfType,
    km: &mut KaplanMeier,
) -> GroupJson {
    let t: Vec<f64> = idx.iter().map(|&i| data.time[i]).collect();
    let e: Vec<bool> = idx.iter().map(|&i| data.event[i]).collect();
    let wg: Vec<f64> = idx.iter().map(|&i| w[i]).collect();
    // MAIC weights are positive and finite, so this cannot fail (an empty
    // curve would only yield missing summaries). survfit's default variance:
    // robust for fractional weights, Greenwood when every weight is a whole
    // number (all 1 when the targets are the data's own means).
    let _ = km.fit_weighted(&t, &e, &wg);
    let med = km.median(conf, args.conf_level);
    let sum_w: f64 = wg.iter().sum();
    let sum_w2: f64 = wg.iter().map(|v| v * v).sum();
    GroupJson {
        name: name.to_string(),
        n: idx.len(),
        events: e.iter().filter(|&&v| v).count(),
        sum_weights: sum_w,
        ess: sum_w * sum_w / sum_w2,
        weighted_events: wg.iter().zip(&e).filter(|(_, &e)| e).map(|(w, _)| w).sum(),
        median: med.estimate,
        median_ci: [med.lower, med.upper],
        landmarks: args
            .landmark
            .iter()
            .map(|&time| match km.survival_at(time, conf, args.conf_level) {
                Some(l) => LandmarkJson {
                    time,
                    surv: finite(l.surv),
                    se: finite(l.std_err),
                    lower: finite(l.lower),
                    upper: finite(l.upper),
                },
                None => LandmarkJson {
                    time,
                    surv: None,
                    se: None,
                    lower: None,
                    upper: None,
                },
            })
            .collect(),
    }
}

fn km_groups(data: &PatientData, w: &[f64], args: &MaicArgs, conf: ConfType) -> Vec<GroupJson> {
    let mut km = KaplanMeier::new();
    let n = data.time.len();
    match &data.group {
        None => {
            let all: Vec<usize> = (0..n).collect();
            vec![km_group("all", &all, data, w, args, conf, &mut km)]
        }
        Some(g) => g
            .levels
            .iter()
            .enumerate()
            .map(|(l, name)| {
                let idx: Vec<usize> = (0..n).filter(|&i| g.codes[i] as usize == l).collect();
                km_group(name, &idx, data, w, args, conf, &mut km)
            })
            .collect(),
    }
}

/// Weighted Cox model of the group dummies, with the robust variance.
fn cox(data: &PatientData, w: &[f64], args: &MaicArgs, ties: Ties) -> Result<CoxJson, Error> {
    let Some(g) = &data.group else {
        return Err(Error::Usage("the Cox model needs --group".into()));
    };
    let n = data.time.len();
    let p = g.levels.len() - 1;
    let mut x = vec![0.0; n * p];
    for i in 0..n {
        let c = g.codes[i] as usize;
        if c > 0 {
            x[i * p + c - 1] = 1.0;
        }
    }
    let names: Vec<String> = g.levels[1..]
        .iter()
        .map(|l| format!("{}={}", g.name, l))
        .collect();
    let mut model = CoxModel::new();
    let fit = model
        .fit_weighted(&data.time, &data.event, &x, p, None, w, ties)
        .map_err(|e| Error::Csv {
            path: args.data.clone(),
            message: match e {
                CoxError::NoEvents => {
                    "the Cox model needs at least one event; every row is censored".to_string()
                }
                CoxError::SingularInformation { column } => format!(
                    "weighted Cox model: `{}` carries no information (no events at risk in \
                     that group?)",
                    names.get(column).cloned().unwrap_or_default()
                ),
                other => format!("weighted {other}"),
            },
        })?;
    let mut warnings = Vec::new();
    let mut hazard_ratios = Vec::new();
    for (j, name) in names.iter().enumerate() {
        let Some(c) = model.robust_coef_summary(j, args.conf_level) else {
            continue;
        };
        if c.infinite {
            warnings.push(format!(
                "`{name}`: the weighted partial likelihood is monotone (a group with no \
                 events?): the hazard ratio is 0 or infinite"
            ));
        }
        hazard_ratios.push(HazardRatioJson {
            name: name.clone(),
            coef: c.beta,
            hr: c.hr,
            se: (!c.infinite)
                .then(|| model.std_errors()[j])
                .and_then(finite),
            robust_se: finite(c.se),
            lower: finite(c.hr_lower),
            upper: finite(c.hr_upper),
            z: finite(c.z),
            p: finite(c.p_value()),
        });
    }
    if !fit.converged {
        warnings.push(format!(
            "Newton-Raphson did not converge in {} iterations",
            fit.iterations
        ));
    }
    Ok(CoxJson {
        ties: match ties {
            Ties::Efron => "efron".into(),
            Ties::Breslow => "breslow".into(),
        },
        reference: g.levels[0].clone(),
        hazard_ratios,
        converged: fit.is_ok(),
        warnings,
    })
}

use crate::report::analysis_text::num;

/// The text report.
pub fn render(a: &MaicJson) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "MAIC: {} weighted to the targets of {}",
        a.data, a.targets
    );
    let _ = writeln!(
        o,
        "  n = {}, events = {}, effective sample size = {:.1} ({:.1}% of n)",
        a.n,
        a.events,
        a.ess,
        100.0 * a.ess / a.n as f64
    );
    let _ = writeln!(
        o,
        "  weights: exp(sum (x - target) * beta), rescaled to sum to n; {} Newton \
         iterations, largest balance error {:.1e}",
        a.iterations, a.max_abs_balance_error
    );
    for b in &a.beta {
        let _ = writeln!(o, "    beta[{}] = {:.6}", b.term, b.beta);
    }
    let _ = writeln!(o, "Balance:");
    let _ = writeln!(
        o,
        "  {:<28} {:>12} {:>12} {:>12}",
        "characteristic", "target", "unweighted", "weighted"
    );
    for b in &a.balance {
        let label = match &b.level {
            Some(l) => format!("{} {} = {}", b.statistic, b.column, l),
            None => format!("{} {}", b.statistic, b.column),
        };
        let _ = writeln!(
            o,
            "  {:<28} {:>12.4} {:>12.4} {:>12.4}",
            label, b.target, b.unweighted, b.weighted
        );
    }
    let variance = match a.km_variance {
        "robust" => "robust (infinitesimal jackknife)",
        other => other,
    };
    let _ = writeln!(
        o,
        "Weighted Kaplan-Meier ({} CI, level {}; {} variance):",
        a.conf_type, a.conf_level, variance
    );
    for g in &a.groups {
        let _ = writeln!(
            o,
            "  {}: n = {}, events = {}, ESS = {:.1}, median {} ({} - {})",
            g.name,
            g.n,
            g.events,
            g.ess,
            num(g.median),
            num(g.median_ci[0]),
            num(g.median_ci[1])
        );
        for l in &g.landmarks {
            let _ = writeln!(
                o,
                "    S({}) = {} ({} - {})",
                l.time,
                num(l.surv),
                num(l.lower),
                num(l.upper)
            );
        }
    }
    if let Some(c) = &a.cox {
        let _ = writeln!(
            o,
            "Weighted Cox model ({} ties, robust SE; reference {}):",
            c.ties, c.reference
        );
        for h in &c.hazard_ratios {
            let _ = writeln!(
                o,
                "  {}: HR {} ({} - {}), coef {}, robust SE {} (model SE {}), p = {}",
                h.name,
                num(Some(h.hr)),
                num(h.lower),
                num(h.upper),
                num(Some(h.coef)),
                num(h.robust_se),
                num(h.se),
                num(h.p)
            );
        }
        for w in &c.warnings {
            let _ = writeln!(o, "  warning: {w}");
        }
    }
    o
}
