//! The last stage: results as files for programs (CSV, JSON) and text for people.

pub mod analysis_text;
pub mod atomic;
pub mod document;
pub mod experiment;
pub mod patients;
pub mod replicates;
pub mod summary_json;
pub mod summary_text;

/// A number as the CSV outputs write it: the shortest text that reads back to
/// the same f64 (so files are byte-identical for identical results), NA for a
/// missing value, R-style Inf for an infinite one.
pub fn format_number(v: f64) -> String {
    if v.is_nan() {
        "NA".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{v}")
    }
}
