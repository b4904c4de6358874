//! A power analysis's files: power.csv, power.json, power.md and a power
//! curve (simulated power and type I error against n, analytic values
//! beside them).

use super::{measure_cells, measure_text, sig, write_json, write_text};
use crate::error::Error;
use crate::experiment::power::{PowerPoint, TrueEffect};
use crate::report::atomic::write_atomic;
use crate::report::document::line_chart_svg::{render_line_chart, ChartPoint, LineChart, Series};
use crate::report::format_number;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the power analysis was.
#[derive(Debug, Clone, Serialize)]
pub struct PowerMeta {
    pub cohortsim_version: &'static str,
    pub scenario: String,
    pub scenario_file: String,
    pub test: String,
    pub arm: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    pub alpha: f64,
    pub replicates: u64,
    pub seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub historical_median: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tau: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_power: Option<f64>,
    pub null_scenario: String,
}

#[derive(Serialize)]
struct PowerJson<'a> {
    #[serde(flatten)]
    meta: &'a PowerMeta,
    effect: &'a TrueEffect,
    points: &'a [PowerPoint],
    #[serde(skip_serializing_if = "Option::is_none")]
    smallest_n: Option<usize>,
}

fn curve(meta: &PowerMeta, points: &[PowerPoint]) -> LineChart {
    let sim = |f: fn(&PowerPoint) -> Option<crate::experiment::performance::Measure>| {
        points
            .iter()
            .filter_map(|p| {
                let m = f(p)?;
                Some(ChartPoint {
                    x: p.n as f64,
                    y: m.value,
                    y_err: Some((m.value - 1.96 * m.mcse, m.value + 1.96 * m.mcse)),
                    band: None,
                })
            })
            .collect::<Vec<_>>()
    };
    let analytic = |f: fn(&PowerPoint) -> Option<f64>| {
        points
            .iter()
            .filter_map(|p| {
                Some(ChartPoint {
                    x: p.n as f64,
                    y: f(p)?,
                    y_err: None,
                    band: None,
                })
            })
            .collect::<Vec<_>>()
    };
    let mut series = vec![
        Series {
            label: "simulated power".into(),
            points: sim(|p| p.power),
        },
        Series {
            label: "simulated type I error".into(),
            points: sim(|p| p.type1_error),
        },
    ];
    for (label, pts) in [
        ("Schoenfeld", analytic(|p| p.schoenfeld)),
        ("Freedman", analytic(|p| p.freedman)),
    ] {
        if !pts.is_empty() {
            series.push(Series {
                label: label.into(),
                points: pts,
            });
        }
    }
    let mut reference_lines = vec![(format!("alpha = {}", meta.alpha), meta.alpha)];
    if let Some(t) = meta.target_power {
        reference_lines.push((format!("target power {t}"), t));
    }
    LineChart {
        title: format!("{}: {} test, {}", meta.scenario, meta.test, meta.arm),
        x_label: "patients per cohort (n)".into(),
        y_label: "rejection rate (± 1.96 MCSE)".into(),
        series,
        reference_lines,
        width: 800,
        height: 500,
    }
}

fn markdown(
    meta: &PowerMeta,
    effect: &TrueEffect,
    points: &[PowerPoint],
    smallest: Option<usize>,
) -> String {
    let mut md = format!(
        "# Power: {}\n\nTest: {} ({}{}), two-sided alpha {}; {} replicates per n, seed {}. Each cell: value (Monte Carlo standard error).\n\nType I error is simulated under the matching null scenario: {}.\n\n",
        meta.scenario,
        meta.test,
        meta.arm,
        meta.control.as_ref().map_or(
            meta.historical_median
                .map_or(String::new(), |m| format!(" against a historical median of {m} months")),
            |c| format!(" against {c}")
        ),
        meta.alpha,
        meta.replicates,
        meta.seed,
        meta.null_scenario
    );
    if let Some(hr) = effect.hazard_ratio {
        md.push_str(&format!(
            "True effect behind the analytic values: hazard ratio {} (share on the tested arm {}); true median PFS of the tested arm {}.\n\n",
            sig(hr),
            sig(effect.share),
            effect.true_median.map_or("not reached".into(), sig)
        ));
    }
    md.push_str("| n | events | power | type I error | Schoenfeld | Freedman | failed tests |\n|---|---|---|---|---|---|---|\n");
    for p in points {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} / {} |\n",
            p.n,
            measure_text(p.events),
            measure_text(p.power),
            measure_text(p.type1_error),
            p.schoenfeld.map_or("–".into(), sig),
            p.freedman.map_or("–".into(), sig),
            p.failed,
            p.failed_null
        ));
    }
    if let Some(t) = meta.target_power {
        md.push_str(&match smallest {
            Some(n) => format!("\nSmallest n with simulated power of at least {t}: **{n}** (the search stops within 2% of n; read its MCSE above).\n"),
            None => format!("\nNo n up to 20,000 reached a simulated power of {t}.\n"),
        });
    }
    md.push_str("\n![power curve](power.svg)\n");
    md
}

/// Writes every file of a power analysis into `dir`; returns their paths.
pub fn write_power(
    dir: &Path,
    meta: &PowerMeta,
    effect: &TrueEffect,
    points: &[PowerPoint],
    smallest: Option<usize>,
) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    let path = dir.join("power.csv");
    write_atomic(&path, |w: &mut dyn Write| {
        writeln!(w, "n,events,events_mcse,power,power_mcse,type1_error,type1_error_mcse,schoenfeld,freedman,failed,failed_null")?;
        for p in points {
            let [e, em] = measure_cells(p.events);
            let [pw, pm] = measure_cells(p.power);
            let [t, tm] = measure_cells(p.type1_error);
            let opt = |x: Option<f64>| x.map_or("NA".into(), format_number);
            writeln!(
                w,
                "{},{e},{em},{pw},{pm},{t},{tm},{},{},{},{}",
                p.n,
                opt(p.schoenfeld),
                opt(p.freedman),
                p.failed,
                p.failed_null
            )?;
        }
        Ok(())
    })?;
    written.push(path);
    let path = dir.join("power.json");
    write_json(
        &path,
        &PowerJson {
            meta,
            effect,
            points,
            smallest_n: smallest,
        },
    )?;
    written.push(path);
    let svg = render_line_chart(&curve(meta, points))
        .map_err(|e| Error::Usage(format!("power curve: {e}")))?;
    let path = dir.join("power.svg");
    write_text(&path, &svg)?;
    written.push(path);
    let path = dir.join("power.md");
    write_text(&path, &markdown(meta, effect, points, smallest))?;
    written.push(path);
    Ok(written)
}
