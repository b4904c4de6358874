//! An estimator benchmark's files: benchmark.csv (a row per target and
//! estimator, every performance measure with its MCSE), benchmark.json,
//! benchmark.md and a coverage chart per target.

use super::{measure_cells, measure_text, sig, slug, write_json, write_text};
use crate::error::Error;
use crate::experiment::benchmark::BenchmarkRow;
use crate::report::atomic::write_atomic;
use crate::report::document::line_chart_svg::{render_line_chart, ChartPoint, LineChart, Series};
use crate::report::format_number;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the benchmark was.
#[derive(Debug, Clone, Serialize)]
pub struct BenchmarkMeta {
    pub cohortsim_version: &'static str,
    pub scenario: String,
    pub scenario_file: String,
    pub replicates: u64,
    pub seed: u64,
    pub n: usize,
    pub conf_level: f64,
    pub tau: f64,
}

#[derive(Serialize)]
struct BenchmarkJson<'a> {
    #[serde(flatten)]
    meta: &'a BenchmarkMeta,
    rows: &'a [BenchmarkRow],
}

const HEADER: &str = "target,estimator,truth,replicates,estimated,missing,mean,mean_mcse,bias,bias_mcse,relative_bias,relative_bias_mcse,emp_se,emp_se_mcse,mod_se,mod_se_mcse,rel_error_mod_se_pct,rel_error_mod_se_pct_mcse,mse,mse_mcse,rmse,rmse_mcse,coverage,coverage_mcse,intervals,mean_width,mean_width_mcse,infinite_widths,rejection,rejection_mcse";

fn targets(rows: &[BenchmarkRow]) -> Vec<&str> {
    let mut t: Vec<&str> = Vec::new();
    for r in rows {
        if !t.contains(&r.target.as_str()) {
            t.push(&r.target);
        }
    }
    t
}

fn coverage_chart(target: &str, rows: &[&BenchmarkRow], level: f64) -> LineChart {
    LineChart {
        title: format!("{target}: coverage of the {}% interval", 100.0 * level),
        x_label: "estimator (in legend order)".into(),
        y_label: "coverage (± 1.96 MCSE)".into(),
        series: rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let c = r.performance.coverage?;
                Some(Series {
                    label: r.estimator.clone(),
                    points: vec![ChartPoint {
                        x: (i + 1) as f64,
                        y: c.value,
                        y_err: Some((c.value - 1.96 * c.mcse, c.value + 1.96 * c.mcse)),
                        band: None,
                    }],
                })
            })
            .collect(),
        reference_lines: vec![(format!("nominal {level}"), level)],
        width: 800,
        height: 450,
    }
}

fn markdown(meta: &BenchmarkMeta, rows: &[BenchmarkRow], figures: &[(String, String)]) -> String {
    let mut md = format!(
        "# Estimator benchmark: {}\n\n{} replicates of n = {}, seed {}; {}% intervals. Each cell: value (Monte Carlo standard error), as in Morris, White & Crowther (2019). Hazard ratios are on the log scale. Relative error of the model SE is 100 (ModSE / EmpSE − 1) %.\n\n",
        meta.scenario,
        meta.replicates,
        meta.n,
        meta.seed,
        100.0 * meta.conf_level
    );
    for t in targets(rows) {
        let rs: Vec<&BenchmarkRow> = rows.iter().filter(|r| r.target == t).collect();
        md.push_str(&format!(
            "## {t}\n\nTrue value {}.\n\n| estimator | estimated | bias | emp. SE | model SE | rel. error of model SE (%) | RMSE | coverage | mean width | rejection |\n|---|---|---|---|---|---|---|---|---|---|\n",
            sig(rs[0].performance.theta)
        ));
        for r in rs {
            let p = &r.performance;
            let width = match (p.mean_width, p.infinite_widths) {
                (m, 0) => measure_text(m),
                (m, k) => format!("{} ({k} open)", measure_text(m)),
            };
            md.push_str(&format!(
                "| {} | {}/{} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.estimator,
                p.estimated,
                p.replicates,
                measure_text(p.bias),
                measure_text(p.emp_se),
                measure_text(p.mod_se),
                measure_text(p.rel_error_mod_se),
                measure_text(p.rmse),
                measure_text(p.coverage),
                width,
                measure_text(p.rejection)
            ));
        }
        md.push('\n');
        if let Some((title, file)) = figures.iter().find(|(_, f)| f.contains(&slug(t))) {
            md.push_str(&format!("![{title}]({file})\n\n"));
        }
    }
    md
}

/// Writes every file of a benchmark into `dir`; returns their paths.
pub fn write_benchmark(
    dir: &Path,
    meta: &BenchmarkMeta,
    rows: &[BenchmarkRow],
) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    let path = dir.join("benchmark.csv");
    write_atomic(&path, |w: &mut dyn Write| {
        writeln!(w, "{HEADER}")?;
        for r in rows {
            let p = &r.performance;
            let mut cells = vec![
                r.target.clone(),
                r.estimator.clone(),
                format_number(p.theta),
                p.replicates.to_string(),
                p.estimated.to_string(),
                p.missing.to_string(),
            ];
            for m in [
                p.mean,
                p.bias,
                p.relative_bias,
                p.emp_se,
                p.mod_se,
                p.rel_error_mod_se,
                p.mse,
                p.rmse,
                p.coverage,
            ] {
                cells.extend(measure_cells(m));
            }
            cells.push(p.intervals.to_string());
            cells.extend(measure_cells(p.mean_width));
            cells.push(p.infinite_widths.to_string());
            cells.extend(measure_cells(p.rejection));
            writeln!(w, "{}", cells.join(","))?;
        }
        Ok(())
    })?;
    written.push(path);
    let path = dir.join("benchmark.json");
    write_json(&path, &BenchmarkJson { meta, rows })?;
    written.push(path);
    let mut figures = Vec::new();
    for t in targets(rows) {
        let rs: Vec<&BenchmarkRow> = rows.iter().filter(|r| r.target == t).collect();
        if rs.iter().all(|r| r.performance.coverage.is_none()) {
            continue;
        }
        let chart = coverage_chart(t, &rs, meta.conf_level);
        let svg =
            render_line_chart(&chart).map_err(|e| Error::Usage(format!("coverage chart: {e}")))?;
        let name = format!("coverage-{}.svg", slug(t));
        let path = dir.join(&name);
        write_text(&path, &svg)?;
        written.push(path);
        figures.push((chart.title, name));
    }
    let path = dir.join("benchmark.md");
    write_text(&path, &markdown(meta, rows, &figures))?;
    written.push(path);
    Ok(written)
}
