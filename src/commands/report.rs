//! `cohortsim report`: the virtual cohorts beside the publication, as one
//! self-contained document (Markdown with SVG figures, and HTML): the
//! simulated Table 1 beside the scenario's, Kaplan-Meier bands of PFS and OS
//! around the model's true curves with the published medians marked, and
//! every published figure against its simulated 95% prediction interval.

use crate::error::Error;
use crate::report::atomic::write_atomic;
use crate::report::document::tables::{fmt_fixed, fmt_interval, fmt_pct, fmt_pct_interval};
use crate::report::document::{
    render_html, render_markdown, render_svg, Block, CurveBand, KmFigure, ReportDoc, Section, Table,
};
use crate::scenario::{self, Scenario};
use crate::sim::curves::{replicate_curves, ReplicateCurves};
use crate::sim::truth::{arm_population, values_from_populations, ArmTruth};
use crate::sim::{self, RunConfig};
use crate::summary::{quantile_sorted, summarise, EstimateSummary};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct ReportArgs {
    pub scenario: PathBuf,
    pub replicates: u64,
    pub seed: u64,
    pub out_dir: PathBuf,
}

/// Points on the time axis of the figures.
const GRID_POINTS: usize = 81;

fn sim_err(e: impl std::fmt::Display) -> Error {
    Error::Simulation(e.to_string())
}

/// The figures' horizon: the calendar cut-off where there is one, else the
/// longest follow-up the first replicate observes.
fn horizon(s: &Scenario, seed: u64) -> Result<f64, Error> {
    let mut ws = sim::Workspace::new();
    sim::simulate_into(s, s.n, &mut sim::replicate_rng(seed, 0), &mut ws).map_err(sim_err)?;
    let longest = ws.observed.os_time.iter().copied().fold(0.0, f64::max);
    Ok(if longest > 0.0 { longest } else { 12.0 })
}

fn percentiles(values: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |p| quantile_sorted(&v, p).unwrap_or(f64::NAN);
    (q(0.025), q(0.5), q(0.975))
}

fn km_figure(
    s: &Scenario,
    pops: &[ArmTruth],
    curves: &ReplicateCurves,
    endpoint: usize,
) -> KmFigure {
    let (name, key) = if endpoint == 0 {
        ("PFS", "pfs_median")
    } else {
        ("OS", "os_median")
    };
    let mut bands = Vec::new();
    for ((a, arm), pop) in s.arms.iter().enumerate().zip(pops) {
        let truth: Vec<f64> = curves
            .grid
            .iter()
            .map(|&t| {
                if endpoint == 0 {
                    pop.pfs_survival(t)
                } else {
                    pop.os_survival(t)
                }
            })
            .collect();
        let (mut lower, mut median, mut upper) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..curves.grid.len() {
            // A point most replicates have not followed that far is left out.
            let defined = curves
                .point(a, endpoint, k)
                .filter(|x| x.is_finite())
                .count();
            let (l, m, u) = if defined * 2 >= curves.replicates {
                percentiles(curves.point(a, endpoint, k))
            } else {
                (f64::NAN, f64::NAN, f64::NAN)
            };
            lower.push(l);
            median.push(m);
            upper.push(u);
        }
        bands.push(CurveBand {
            label: arm.name.clone(),
            times: curves.grid.clone(),
            truth,
            lower,
            median,
            upper,
        });
    }
    let published_medians = s
        .published
        .iter()
        .filter_map(|(k, v)| {
            let (arm, what) = k.rsplit_once('.')?;
            (what == key).then(|| (format!("{arm}: published median"), *v))
        })
        .collect();
    KmFigure {
        title: format!(
            "{}: {name}, {} virtual cohorts of n = {}",
            s.meta.name, curves.replicates, s.n
        ),
        y_label: format!("{name} probability"),
        bands,
        published_medians,
        x_max: curves.grid.last().copied().unwrap_or(12.0),
    }
}

fn table_one(s: &Scenario, curves: &ReplicateCurves, n: usize) -> Table {
    let mut t = Table::new(
        "Baseline characteristics: the scenario's margins and the simulated cohorts",
        vec![
            "covariate",
            "level",
            "scenario",
            "simulated mean",
            "95% range of the count",
        ],
    );
    let mut offset = 0;
    for &(col, levels) in &curves.level_layout {
        let names = match &s.columns[col].kind {
            scenario::ColumnKind::Levels(l) => l.clone(),
            scenario::ColumnKind::Numeric => Vec::new(),
        };
        let probs = s
            .cohort
            .level_probs(col)
            .map(|p| p.to_vec())
            .unwrap_or_default();
        for l in 0..levels {
            let counts: Vec<f64> = curves.level(offset + l).map(f64::from).collect();
            let mean = counts.iter().sum::<f64>() / counts.len().max(1) as f64;
            let (lo, _, hi) = percentiles(counts.into_iter());
            t.push_row(vec![
                s.columns[col].name.clone(),
                names.get(l).cloned().unwrap_or_default(),
                probs
                    .get(l)
                    .map(|&p| fmt_pct(p, 1))
                    .unwrap_or_else(|| "-".into()),
                fmt_pct(mean / n as f64, 1),
                fmt_interval(lo, hi, 0),
            ]);
        }
        offset += levels;
    }
    t.with_note("scenario: the super-population proportion the scenario encodes (from the paper's Table 1 or marked assumptions), before eligibility")
}

fn published_table(rows: &[EstimateSummary]) -> Table {
    let mut t = Table::new(
        "Published figures against their simulated sampling distributions",
        vec![
            "estimate",
            "published",
            "model (true)",
            "simulated mean",
            "95% prediction interval",
            "inside",
        ],
    );
    for e in rows.iter().filter(|e| e.published.is_some()) {
        let is_prob = e.name.contains("_at_");
        let f = |x: Option<f64>| match x {
            Some(v) if is_prob => fmt_pct(v, 1),
            Some(v) => fmt_fixed(v, 2),
            None => "-".into(),
        };
        let interval = match (e.p2_5, e.p97_5, is_prob) {
            (Some(a), Some(b), true) => fmt_pct_interval(a, b, 1),
            (Some(a), Some(b), false) => fmt_interval(a, b, 2),
            (Some(a), None, _) if e.missing_means_not_reached => {
                format!("({} - NR)", fmt_fixed(a, 2))
            }
            _ => "-".into(),
        };
        t.push_row(vec![
            e.name.clone(),
            f(e.published),
            f(e.truth),
            f(e.mean),
            interval,
            match e.published_in_central_95 {
                Some(true) => "yes".into(),
                Some(false) => "NO".into(),
                None => "-".into(),
            },
        ]);
    }
    t
}

/// Builds the report and writes report.md, report.html, pfs.svg and os.svg
/// into the output directory; returns a one-line account of what it wrote.
pub fn report(args: &ReportArgs) -> Result<String, Error> {
    let s = scenario::load(&args.scenario)?;
    sim::check_published(&s, &args.scenario)?;
    if args.replicates < 40 {
        return Err(Error::Usage(
            "--replicates must be at least 40 for 95% intervals".into(),
        ));
    }
    std::fs::create_dir_all(&args.out_dir).map_err(|e| Error::io(&args.out_dir, e))?;
    let x_max = horizon(&s, args.seed)?;
    let grid: Vec<f64> = (0..GRID_POINTS)
        .map(|k| x_max * k as f64 / (GRID_POINTS - 1) as f64)
        .collect();
    let curves =
        replicate_curves(&s, args.seed, args.replicates as usize, s.n, &grid).map_err(sim_err)?;
    let cfg = RunConfig {
        replicates: args.replicates,
        seed: args.seed,
        n: s.n,
    };
    let run = sim::run(&s, &cfg, &|_| {}).map_err(sim_err)?;
    // Each arm's truth population is built once, for the table and both figures.
    let pops = (0..s.arms.len())
        .map(|arm| arm_population(&s, arm))
        .collect::<Result<Vec<_>, _>>()
        .map_err(sim_err)?;
    let (truth, _) = values_from_populations(&s, &run.columns, &pops);
    let summaries = summarise(&run, &truth, &s.published);

    let mut svgs = Vec::new();
    for (endpoint, file) in [(0, "pfs.svg"), (1, "os.svg")] {
        let fig = km_figure(&s, &pops, &curves, endpoint);
        let svg = render_svg(&fig, 900, 540)
            .map_err(|e| Error::Simulation(format!("rendering {file}: {e}")))?;
        svgs.push((file.to_string(), svg));
    }
    let source = s
        .meta
        .source
        .clone()
        .unwrap_or_else(|| "no source given".into());
    let doc = ReportDoc {
        title: format!("{}: virtual cohorts beside the publication", s.meta.name),
        subtitle: format!(
            "{} replicates of n = {}, seed {}; cohortsim {}; source: {}",
            args.replicates,
            s.n,
            args.seed,
            env!("CARGO_PKG_VERSION"),
            source
        ),
        sections: vec![
            Section {
                heading: "Published figures".into(),
                blocks: vec![
                    Block::Paragraph(
                        "Each published figure beside the model's true value and the central 95% of the values the same analysis gives on virtual cohorts of the paper's size and follow-up. A figure outside that interval is one the scenario does not reproduce.".into(),
                    ),
                    Block::Table(published_table(&summaries)),
                ],
            },
            Section {
                heading: "Kaplan-Meier curves".into(),
                blocks: vec![
                    Block::Figure {
                        svg_file: "pfs.svg".into(),
                        caption: "PFS: the model's true curve (solid), the median replicate Kaplan-Meier curve (dashed) and the 2.5-97.5 percentile band of the replicate curves; published medians marked.".into(),
                    },
                    Block::Figure {
                        svg_file: "os.svg".into(),
                        caption: "OS, drawn the same way.".into(),
                    },
                ],
            },
            Section {
                heading: "Baseline characteristics".into(),
                blocks: vec![Block::Table(table_one(&s, &curves, s.n))],
            },
        ],
    };
    let markdown = render_markdown(&doc);
    let html = render_html(&doc, &svgs);
    for (name, text) in svgs.iter().map(|(n, t)| (n.as_str(), t.as_str())).chain([
        ("report.md", markdown.as_str()),
        ("report.html", html.as_str()),
    ]) {
        write_atomic(&args.out_dir.join(name), |w: &mut dyn Write| {
            w.write_all(text.as_bytes())
        })?;
    }
    Ok(format!(
        "{}: wrote report.md, report.html, pfs.svg and os.svg in {}\n",
        s.meta.name,
        display(&args.out_dir)
    ))
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
