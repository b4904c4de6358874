//! `cohortsim validate`: the resolved scenario with defaults filled in, and the
//! parameters derived from it (hazard scales from medians, cut-off in months).

use crate::error::Error;
use crate::hazard::{BaselineHazard, CumulativeHazard};
use crate::scenario::{self, ColumnKind, Scenario};
use std::fmt::Write;
use std::path::Path;

fn describe_hazard(h: &BaselineHazard) -> String {
    format!(
        "{:?} (reference patient's median {:.4} months)",
        h,
        h.median()
    )
}

/// The derived part of the report, as TOML comments.
pub fn derived(s: &Scenario) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# ---- derived by cohortsim {} ----",
        env!("CARGO_PKG_VERSION")
    );
    let cols: Vec<String> = s
        .columns
        .iter()
        .map(|c| match &c.kind {
            ColumnKind::Levels(l) => format!("{} [{}]", c.name, l.join(", ")),
            ColumnKind::Numeric => format!("{} (numeric)", c.name),
        })
        .collect();
    let _ = writeln!(out, "# cohort columns: {}", cols.join("; "));
    if let Some(start) = &s.accrual_start {
        let _ = writeln!(out, "# time origin (month 0): accrual start {start}");
    }
    let _ = writeln!(
        out,
        "# accrual: {:?} over {:.4} months",
        s.accrual, s.accrual_months
    );
    let _ = writeln!(out, "# observation: {:?}", s.observation);
    let _ = writeln!(out, "# allocation: {:?}", s.allocation);
    for a in &s.arms {
        let _ = writeln!(out, "# arm {} (ratio {}):", a.name, a.ratio);
        let _ = writeln!(
            out,
            "#   progression: {}",
            describe_hazard(&a.model.progression)
        );
        let _ = writeln!(
            out,
            "#   death before progression: {}",
            describe_hazard(&a.model.death_before_progression)
        );
        let _ = writeln!(
            out,
            "#   death after progression: {} (clock {:?})",
            describe_hazard(&a.model.death_after_progression),
            a.model.clock
        );
        if let Some(d) = &a.model.discontinuation {
            let _ = writeln!(
                out,
                "#   discontinuation: {}, progression hazard x{} after it",
                describe_hazard(&d.hazard),
                d.progression_multiplier
            );
        }
        let _ = writeln!(
            out,
            "#   treatment log-HR offsets: progression {:.6}, death before {:.6}, death after {:.6}",
            a.effects.progression.offset, a.effects.death_before_progression.offset, a.effects.death_after_progression.offset
        );
    }
    out
}

/// Loads `path` and returns the text `validate` prints.
pub fn validate(path: &Path) -> Result<String, Error> {
    let s = scenario::load(path)?;
    crate::sim::check_published(&s, path)?;
    let toml = toml::to_string_pretty(&s.normalised)
        .map_err(|e| Error::Usage(format!("cannot print the resolved scenario: {e}")))?;
    Ok(format!(
        "# {}: valid\n{}\n{}",
        path.display(),
        toml,
        derived(&s)
    ))
}
