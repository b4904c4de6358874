//! Files of the experiment commands (sweep, power, bench-estimators): CSV and
//! JSON for programs, Markdown with SVG plots for people. Every file is
//! written whole or not at all.

pub mod benchmark_files;
pub mod explain_files;
pub mod power_files;
pub mod sweep_files;

use crate::experiment::performance::Measure;
use crate::report::format_number;

/// A measure's two CSV cells: value and MCSE (NA when absent).
pub(crate) fn measure_cells(m: Option<Measure>) -> [String; 2] {
    match m {
        Some(m) => [format_number(m.value), format_number(m.mcse)],
        None => ["NA".into(), "NA".into()],
    }
}

/// A measure for people: value (MCSE), to a sensible number of digits.
pub fn measure_text(m: Option<Measure>) -> String {
    match m {
        Some(m) if m.value.is_infinite() => "not reached".into(),
        Some(m) if m.mcse.is_finite() => format!("{} ({})", sig(m.value), sig(m.mcse)),
        Some(m) => sig(m.value),
        None => "–".into(),
    }
}

/// Four significant digits, without exponent for everyday magnitudes.
pub(crate) fn sig(x: f64) -> String {
    if !x.is_finite() {
        return format_number(x);
    }
    if x == 0.0 {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{x:.digits$}")
}

/// A file name part made of a key path or estimate name.
pub(crate) fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A JSON document, pretty, atomically.
pub(crate) fn write_json<T: serde::Serialize>(
    path: &std::path::Path,
    value: &T,
) -> Result<(), crate::error::Error> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::error::Error::Usage(format!("{}: {e}", path.display())))?;
    crate::report::atomic::write_atomic(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

/// A text file, atomically.
pub(crate) fn write_text(path: &std::path::Path, text: &str) -> Result<(), crate::error::Error> {
    crate::report::atomic::write_atomic(path, |w| w.write_all(text.as_bytes()))
}
