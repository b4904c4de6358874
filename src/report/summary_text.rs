//! The short summary `run` prints: per estimate, the model's true value beside
//! the mean, SD and central 95% of the replicates.

use crate::summary::EstimateSummary;
use std::fmt::Write;

fn cell(v: Option<f64>, not_reached: bool) -> String {
    match v {
        Some(x) if x.abs() >= 100.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.3}"),
        None if not_reached => "NR".into(),
        None => "-".into(),
    }
}

/// A fixed-width table; `NR` marks a percentile that is "not reached".
pub fn render(rows: &[&EstimateSummary]) -> String {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(8).max(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>11}",
        "estimate", "truth", "mean", "sd", "2.5%", "50%", "97.5%", "missing", "published"
    );
    for r in rows {
        let nr = r.missing_means_not_reached;
        // `*` marks a published figure outside the central 95% of the replicates.
        let published = match (r.published, r.published_in_central_95) {
            (Some(v), Some(false)) => format!("{}*", cell(Some(v), false)),
            (Some(v), _) => format!("{} ", cell(Some(v), false)),
            (None, _) => String::new(),
        };
        let _ = writeln!(
            out,
            "{:<width$} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>11}",
            r.name,
            cell(r.truth, false),
            cell(r.mean, false),
            cell(r.sd, false),
            cell(r.p2_5, nr),
            cell(r.p50, nr),
            cell(r.p97_5, nr),
            r.missing,
            published
        );
    }
    out
}
