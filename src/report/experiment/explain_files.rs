//! An explanation's files: explain.csv (a row per part and estimand),
//! explain.json, explain.md and a waterfall chart per estimand, from B's
//! reported (or typical) value to A's.

use super::{sig, write_json, write_text};
use crate::error::Error;
use crate::explain::{Explanation, ESTIMANDS};
use crate::report::atomic::write_atomic;
use crate::report::document::waterfall_svg::{render_waterfall, Waterfall, WaterfallStep};
use crate::report::format_number;
use std::io::Write;
use std::path::{Path, PathBuf};

fn estimand_label(x: &Explanation, j: usize) -> String {
    let ep = x.endpoint.to_uppercase();
    match j {
        0 => format!("median {ep}, months"),
        1 => format!("{ep} at {} months", format_number(x.landmark)),
        _ => format!("restricted mean {ep} to {} months", format_number(x.tau)),
    }
}

fn value_mcse(v: f64, se: f64) -> String {
    if v.is_finite() {
        if se.is_finite() {
            format!("{} ({})", sig(v), sig(se))
        } else {
            sig(v)
        }
    } else {
        "NA".into()
    }
}

/// The waterfall of estimand `j`: B's reported value (if any), chance in B,
/// the parts, chance in A, A's reported value.
fn waterfall(x: &Explanation, j: usize) -> Waterfall {
    let mut steps = Vec::new();
    let (start, start_label) = match x.published_b[j] {
        Some(p) => {
            steps.push(WaterfallStep {
                label: format!("chance in {}", x.b),
                group: "chance".into(),
                delta: x.typical_b.value[j] - p,
                error: None,
            });
            (p, format!("{} reported", x.b))
        }
        None => (x.typical_b.value[j], format!("{} (typical estimate)", x.b)),
    };
    for p in &x.parts {
        steps.push(WaterfallStep {
            label: p.label.clone(),
            group: p.group.into(),
            delta: p.value[j],
            error: p.mcse[j].is_finite().then_some(1.96 * p.mcse[j]),
        });
    }
    let end_label = match x.published_a[j] {
        Some(p) => {
            steps.push(WaterfallStep {
                label: format!("chance in {}", x.a),
                group: "chance".into(),
                delta: p - x.typical_a.value[j],
                error: None,
            });
            format!("{} reported", x.a)
        }
        None => format!("{} (typical estimate)", x.a),
    };
    Waterfall {
        title: format!(
            "{} {} → {} {}: {}",
            x.b,
            x.arm_b,
            x.a,
            x.arm_a,
            estimand_label(x, j)
        ),
        y_label: estimand_label(x, j),
        start_label,
        start,
        steps,
        end_label,
        reference_lines: Vec::new(),
        width: 0,
        height: 0,
    }
}

fn markdown(x: &Explanation, figures: &[String]) -> String {
    let mut md = format!(
        "# Explain: {} ({}) against {} ({})\n\n{} on {} replicates per study (seed {}); true values from populations of {} patients. Each cell: value (Monte Carlo standard error). The parts add up exactly from B's typical estimate to A's.\n\n",
        x.a, x.arm_a, x.b, x.arm_b, x.endpoint.to_uppercase(), x.replicates, x.seed, x.population_patients
    );
    md.push_str("| | ");
    md.push_str(
        &(0..3)
            .map(|j| estimand_label(x, j))
            .collect::<Vec<_>>()
            .join(" | "),
    );
    md.push_str(" |\n|---|---|---|---|\n");
    let row = |md: &mut String, label: &str, v: [f64; 3], se: [f64; 3]| {
        md.push_str(&format!(
            "| {label} | {} | {} | {} |\n",
            value_mcse(v[0], se[0]),
            value_mcse(v[1], se[1]),
            value_mcse(v[2], se[2])
        ));
    };
    let opt = |o: [Option<f64>; 3]| o.map(|v| v.unwrap_or(f64::NAN));
    row(
        &mut md,
        &format!("{} reported", x.b),
        opt(x.published_b),
        [f64::NAN; 3],
    );
    row(
        &mut md,
        &format!("{} typical estimate (n = {})", x.b, x.n_b),
        x.typical_b.value,
        x.typical_b.mcse,
    );
    row(
        &mut md,
        &format!("{} true value", x.b),
        x.truth_b.value,
        x.truth_b.mcse,
    );
    for p in &x.parts {
        row(
            &mut md,
            &format!("{}: {}", p.group, p.label),
            p.value,
            p.mcse,
        );
    }
    row(
        &mut md,
        &format!("{} true value", x.a),
        x.truth_a.value,
        x.truth_a.mcse,
    );
    row(
        &mut md,
        &format!("{} typical estimate (n = {})", x.a, x.n_a),
        x.typical_a.value,
        x.typical_a.mcse,
    );
    row(
        &mut md,
        &format!("{} reported", x.a),
        opt(x.published_a),
        [f64::NAN; 3],
    );
    md.push_str("\n## Chance\n\nThe difference between the two studies' estimates (A − B), each at its own size, over the replicates:\n\n| estimand | 95% prediction interval | reported difference | two-sided p | reported − typical |\n|---|---|---|---|---|\n");
    for (j, c) in x.chance.iter().enumerate() {
        md.push_str(&format!(
            "| {} | {} to {} | {} | {} | {} |\n",
            estimand_label(x, j),
            sig(c.interval[0]),
            sig(c.interval[1]),
            c.reported.map_or("–".into(), sig),
            c.p_value.map_or("–".into(), sig),
            c.residual.map_or("–".into(), sig)
        ));
    }
    if !x.notes.is_empty() {
        md.push_str("\n## Left out\n\n");
        for n in &x.notes {
            md.push_str(&format!("- {n}\n"));
        }
    }
    md.push('\n');
    for f in figures {
        md.push_str(&format!("![waterfall]({f})\n\n"));
    }
    md
}

/// Writes every file of an explanation into `dir`; returns their paths.
pub fn write_explanation(dir: &Path, x: &Explanation) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    let path = dir.join("explain.csv");
    write_atomic(&path, |w: &mut dyn Write| {
        writeln!(w, "group,part,estimand,value,mcse")?;
        let mut line =
            |group: &str, part: &str, v: [f64; 3], se: [f64; 3]| -> std::io::Result<()> {
                for j in 0..3 {
                    writeln!(
                        w,
                        "{group},\"{}\",{},{},{}",
                        part.replace('"', "\"\""),
                        ESTIMANDS[j],
                        format_number(v[j]),
                        format_number(se[j])
                    )?;
                }
                Ok(())
            };
        line("B", "typical estimate", x.typical_b.value, x.typical_b.mcse)?;
        line("B", "true value", x.truth_b.value, x.truth_b.mcse)?;
        for p in &x.parts {
            line(p.group, &p.label, p.value, p.mcse)?;
        }
        line("A", "true value", x.truth_a.value, x.truth_a.mcse)?;
        line("A", "typical estimate", x.typical_a.value, x.typical_a.mcse)?;
        Ok(())
    })?;
    written.push(path);
    let path = dir.join("explain.json");
    write_json(&path, x)?;
    written.push(path);
    let mut figures = Vec::new();
    for (j, name) in ESTIMANDS.iter().enumerate() {
        let svg = render_waterfall(&waterfall(x, j))
            .map_err(|e| Error::Usage(format!("waterfall chart: {e}")))?;
        let file = format!("waterfall-{name}.svg");
        let path = dir.join(&file);
        write_text(&path, &svg)?;
        written.push(path);
        figures.push(file);
    }
    let path = dir.join("explain.md");
    write_text(&path, &markdown(x, &figures))?;
    written.push(path);
    Ok(written)
}
