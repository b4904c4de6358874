//! A sweep's files: sweep.csv (a row per grid point and estimate), sweep.json,
//! sweep.md with a plot of each headline estimate against each numeric
//! varied parameter, and, with `--tornado`, tornado.csv and a tornado chart
//! per arm.

use super::{measure_cells, measure_text, sig, slug, write_json, write_text};
use crate::error::Error;
use crate::experiment::distribution::DistributionSummary;
use crate::experiment::sweep::GridPoint;
use crate::experiment::tornado::TornadoAnalysis;
use crate::experiment::variation::Variation;
use crate::report::atomic::write_atomic;
use crate::report::document::line_chart_svg::{render_line_chart, ChartPoint, LineChart, Series};
use crate::report::document::tornado_svg::{render_tornado, Tornado, TornadoBar};
use crate::report::format_number;
use crate::sim::Quantity;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the sweep was.
#[derive(Debug, Clone, Serialize)]
pub struct SweepMeta {
    pub cohortsim_version: &'static str,
    pub scenario: String,
    pub scenario_file: String,
    pub seed: u64,
    pub replicates: u64,
    pub common_random_numbers: bool,
    pub exact_percentiles: bool,
}

#[derive(Serialize)]
struct VariedJson<'a> {
    key: String,
    values: &'a [String],
}

#[derive(Serialize)]
struct PointJson<'a> {
    settings: Vec<(String, &'a str)>,
    n: usize,
    estimates: &'a [DistributionSummary],
}

#[derive(Serialize)]
struct TornadoJson<'a> {
    arms: &'a [String],
    estimate: &'a str,
    base: &'a [Option<crate::experiment::performance::Measure>],
    assumptions: Vec<TornadoRowJson<'a>>,
}

#[derive(Serialize)]
struct TornadoRowJson<'a> {
    key: String,
    value: f64,
    low: f64,
    high: f64,
    at_low: &'a [Option<crate::experiment::performance::Measure>],
    at_high: &'a [Option<crate::experiment::performance::Measure>],
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct SweepJson<'a> {
    #[serde(flatten)]
    meta: &'a SweepMeta,
    varied: Vec<VariedJson<'a>>,
    points: Vec<PointJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tornado: Option<TornadoJson<'a>>,
}

/// The estimates plotted and tabled for people (all go to CSV and JSON).
fn is_headline(q: Quantity, first_landmark: bool) -> bool {
    matches!(
        q,
        Quantity::PfsMedian | Quantity::OsMedian | Quantity::PfsHr
    ) || (first_landmark && q == Quantity::PfsAt(0))
}

/// The typical value plotted: the mean, or the median of replicates when
/// some replicates have no value (a median not reached).
fn typical(e: &DistributionSummary) -> Option<crate::experiment::performance::Measure> {
    if e.missing > 0 {
        e.p50
    } else {
        e.mean
    }
}

fn write_csv(path: &Path, variations: &[Variation], points: &[GridPoint]) -> Result<(), Error> {
    write_atomic(path, |w: &mut dyn Write| {
        for v in variations {
            write!(w, "{},", v.at)?;
        }
        writeln!(w, "n,estimate,truth,replicates,missing,mean,mean_mcse,sd,sd_mcse,p2_5,p2_5_mcse,p50,p50_mcse,p97_5,p97_5_mcse")?;
        for p in points {
            for e in &p.estimates {
                for v in &p.values {
                    write!(w, "{v},")?;
                }
                let [m, mm] = measure_cells(e.mean);
                let [s, sm] = measure_cells(e.sd);
                let [a, am] = measure_cells(e.p2_5);
                let [b, bm] = measure_cells(e.p50);
                let [c, cm] = measure_cells(e.p97_5);
                writeln!(
                    w,
                    "{},{},{},{},{},{m},{mm},{s},{sm},{a},{am},{b},{bm},{c},{cm}",
                    p.n,
                    e.name,
                    e.truth.map_or("NA".into(), format_number),
                    e.replicates,
                    e.missing
                )?;
            }
        }
        Ok(())
    })
}

/// Plots of each headline estimate against variation `i` (numeric values
/// only), one series per combination of the other variations' values.
fn plots(
    dir: &Path,
    variations: &[Variation],
    points: &[GridPoint],
    written: &mut Vec<PathBuf>,
) -> Result<Vec<(String, String)>, Error> {
    let mut figures = Vec::new();
    let Some(first) = points.first() else {
        return Ok(figures);
    };
    for (i, v) in variations.iter().enumerate() {
        let xs: Option<Vec<f64>> = v.values.iter().map(|x| x.parse::<f64>().ok()).collect();
        if xs.is_none() || v.values.len() < 2 {
            continue;
        }
        for (c, col) in first.columns.iter().enumerate() {
            if !is_headline(col.quantity, true) {
                continue;
            }
            // Group grid points by the other variations' values.
            let mut groups: Vec<(String, Vec<&GridPoint>)> = Vec::new();
            for p in points {
                let label: Vec<String> = variations
                    .iter()
                    .zip(&p.values)
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, (w, val))| format!("{}={val}", w.at))
                    .collect();
                let label = label.join(", ");
                match groups.iter_mut().find(|(l, _)| *l == label) {
                    Some((_, g)) => g.push(p),
                    None => groups.push((label, vec![p])),
                }
            }
            let mut series: Vec<Series> = groups
                .iter()
                .map(|(label, ps)| Series {
                    label: if label.is_empty() {
                        "estimate".into()
                    } else {
                        label.clone()
                    },
                    points: ps
                        .iter()
                        .filter_map(|p| {
                            let e = p.estimates.get(c)?;
                            let y = typical(e)?;
                            let x = p.values[i].parse::<f64>().ok()?;
                            Some(ChartPoint {
                                x,
                                y: y.value,
                                y_err: y
                                    .mcse
                                    .is_finite()
                                    .then_some((y.value - 1.96 * y.mcse, y.value + 1.96 * y.mcse)),
                                band: match (e.p2_5, e.p97_5) {
                                    (Some(a), Some(b)) => Some((a.value, b.value)),
                                    _ => None,
                                },
                            })
                        })
                        .collect(),
                })
                .collect();
            if groups.len() == 1 {
                let truth: Vec<ChartPoint> = groups[0]
                    .1
                    .iter()
                    .filter_map(|p| {
                        Some(ChartPoint {
                            x: p.values[i].parse().ok()?,
                            y: p.estimates.get(c)?.truth?,
                            y_err: None,
                            band: None,
                        })
                    })
                    .collect();
                if !truth.is_empty() {
                    series.push(Series {
                        label: "true value".into(),
                        points: truth,
                    });
                }
            }
            let chart = LineChart {
                title: format!("{} against {}", col.name, v.at),
                x_label: v.at.to_string(),
                y_label: format!(
                    "{} (typical ± 1.96 MCSE; band: 2.5th–97.5th percentile)",
                    col.name
                ),
                series,
                reference_lines: Vec::new(),
                width: 800,
                height: 500,
            };
            let svg = render_line_chart(&chart)
                .map_err(|e| Error::Usage(format!("plot of {}: {e}", col.name)))?;
            let name = format!(
                "plot-{}-vs-{}.svg",
                slug(&col.name),
                slug(&v.at.to_string())
            );
            let path = dir.join(&name);
            write_text(&path, &svg)?;
            written.push(path);
            figures.push((chart.title, name));
        }
    }
    Ok(figures)
}

fn tornado_files(
    dir: &Path,
    t: &TornadoAnalysis,
    written: &mut Vec<PathBuf>,
) -> Result<Vec<(String, String)>, Error> {
    let path = dir.join("tornado.csv");
    write_atomic(&path, |w: &mut dyn Write| {
        writeln!(
            w,
            "key,value,low,high,arm,base,base_mcse,at_low,at_low_mcse,at_high,at_high_mcse,note"
        )?;
        for r in &t.rows {
            for (a, arm) in t.arms.iter().enumerate() {
                let [b, bm] = measure_cells(t.base[a]);
                let [l, lm] = measure_cells(r.at_low[a]);
                let [h, hm] = measure_cells(r.at_high[a]);
                let note = r
                    .note
                    .as_deref()
                    .map_or(String::new(), |n| format!("\"{}\"", n.replace('"', "\"\"")));
                writeln!(
                    w,
                    "{},{},{},{},{arm},{b},{bm},{l},{lm},{h},{hm},{note}",
                    r.assumption.at,
                    format_number(r.assumption.value),
                    format_number(r.assumption.low),
                    format_number(r.assumption.high)
                )?;
            }
        }
        Ok(())
    })?;
    written.push(path);
    let mut figures = Vec::new();
    for (a, arm) in t.arms.iter().enumerate() {
        let Some(base) = t.base[a] else { continue };
        let chart = Tornado {
            title: format!("{arm}: estimated median PFS at each end of each assumption's range"),
            x_label: "estimated median PFS, months".into(),
            base: base.value,
            bars: t
                .rows
                .iter()
                .map(|r| TornadoBar {
                    label: r.assumption.at.to_string(),
                    low_setting: format_number(r.assumption.low),
                    high_setting: format_number(r.assumption.high),
                    at_low: r.at_low[a].map_or(f64::NAN, |m| m.value),
                    at_high: r.at_high[a].map_or(f64::NAN, |m| m.value),
                })
                .collect(),
            width: 900,
            height: 0,
        };
        let svg =
            render_tornado(&chart).map_err(|e| Error::Usage(format!("tornado chart: {e}")))?;
        let name = format!("tornado-{}.svg", slug(arm));
        let path = dir.join(&name);
        write_text(&path, &svg)?;
        written.push(path);
        figures.push((chart.title, name));
    }
    Ok(figures)
}

fn markdown(
    meta: &SweepMeta,
    variations: &[Variation],
    points: &[GridPoint],
    tornado: Option<&TornadoAnalysis>,
    figures: &[(String, String)],
) -> String {
    let mut md = format!(
        "# Sweep: {}\n\n{} replicates per grid point, seed {}, common random numbers across grid points. Percentiles {}. Each cell: value (Monte Carlo standard error).\n\n",
        meta.scenario,
        meta.replicates,
        meta.seed,
        if meta.exact_percentiles { "exact (type 7)" } else { "from a mergeable sketch (0.5% relative accuracy)" }
    );
    if !variations.is_empty() {
        md.push_str("| ");
        for v in variations {
            md.push_str(&format!("{} | ", v.at));
        }
        md.push_str("n | estimate | mean | SD | 2.5% | 50% | 97.5% | true |\n|");
        md.push_str(&"---|".repeat(variations.len() + 8));
        md.push('\n');
        for p in points {
            for (e, col) in p.estimates.iter().zip(&p.columns) {
                if !is_headline(col.quantity, true) {
                    continue;
                }
                md.push_str("| ");
                for v in &p.values {
                    md.push_str(&format!("{v} | "));
                }
                md.push_str(&format!(
                    "{} | {} | {} | {} | {} | {} | {} | {} |\n",
                    p.n,
                    e.name,
                    measure_text(e.mean),
                    measure_text(e.sd),
                    measure_text(e.p2_5),
                    measure_text(e.p50),
                    measure_text(e.p97_5),
                    e.truth.map_or("–".into(), sig)
                ));
            }
        }
        md.push_str("\nEvery estimate of every grid point is in sweep.csv and sweep.json.\n\n");
    }
    if let Some(t) = tornado {
        md.push_str(&format!("## One-at-a-time sensitivity (tornado)\n\nEach assumption with a documented range in the scenario's comments, set to each end of its range with everything else as shipped; shown: the {}.\n\n| assumption | value | range |", t.statistic));
        for arm in &t.arms {
            md.push_str(&format!(" {arm} at low | {arm} at high |"));
        }
        md.push_str("\n|---|---|---|");
        md.push_str(&"---|---|".repeat(t.arms.len()));
        md.push('\n');
        md.push_str("| (base) | | |");
        for b in &t.base {
            md.push_str(&format!(" {} | |", measure_text(*b)));
        }
        md.push('\n');
        for r in &t.rows {
            md.push_str(&format!(
                "| {} | {} | {}–{} |",
                r.assumption.at,
                sig(r.assumption.value),
                sig(r.assumption.low),
                sig(r.assumption.high)
            ));
            for a in 0..t.arms.len() {
                md.push_str(&format!(
                    " {} | {} |",
                    measure_text(r.at_low[a]),
                    measure_text(r.at_high[a])
                ));
            }
            md.push('\n');
        }
        for r in t.rows.iter().filter(|r| r.note.is_some()) {
            md.push_str(&format!(
                "\n- {}: {}",
                r.assumption.at,
                r.note.as_deref().unwrap_or_default()
            ));
        }
        md.push_str("\n\n");
    }
    for (title, file) in figures {
        md.push_str(&format!("![{title}]({file})\n\n"));
    }
    md
}

/// Writes every file of a sweep into `dir`; returns their paths.
pub fn write_sweep(
    dir: &Path,
    meta: &SweepMeta,
    variations: &[Variation],
    points: &[GridPoint],
    tornado: Option<&TornadoAnalysis>,
) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    let mut figures = Vec::new();
    if !variations.is_empty() {
        let path = dir.join("sweep.csv");
        write_csv(&path, variations, points)?;
        written.push(path);
        figures.extend(plots(dir, variations, points, &mut written)?);
    }
    if let Some(t) = tornado {
        figures.extend(tornado_files(dir, t, &mut written)?);
    }
    let json = SweepJson {
        meta,
        varied: variations
            .iter()
            .map(|v| VariedJson {
                key: v.at.to_string(),
                values: &v.values,
            })
            .collect(),
        points: points
            .iter()
            .map(|p| PointJson {
                settings: variations
                    .iter()
                    .zip(&p.values)
                    .map(|(v, x)| (v.at.to_string(), x.as_str()))
                    .collect(),
                n: p.n,
                estimates: &p.estimates,
            })
            .collect(),
        tornado: tornado.map(|t| TornadoJson {
            arms: &t.arms,
            estimate: t.statistic,
            base: &t.base,
            assumptions: t
                .rows
                .iter()
                .map(|r| TornadoRowJson {
                    key: r.assumption.at.to_string(),
                    value: r.assumption.value,
                    low: r.assumption.low,
                    high: r.assumption.high,
                    at_low: &r.at_low,
                    at_high: &r.at_high,
                    note: r.note.as_deref(),
                })
                .collect(),
        }),
    };
    let path = dir.join("sweep.json");
    write_json(&path, &json)?;
    written.push(path);
    let path = dir.join("sweep.md");
    write_text(
        &path,
        &markdown(meta, variations, points, tornado, &figures),
    )?;
    written.push(path);
    Ok(written)
}
