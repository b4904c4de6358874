//! Table model and number-formatting helpers for report tables.
//!
//! Conventions (used by every helper below):
//! * `NR` ([`NOT_REACHED`]) — a median / quantile that was not reached
//!   (`None` or `+inf`).
//! * `NA` ([`MISSING`]) — any other non-finite value (NaN, `-inf`).
//! * Negative zero after rounding prints as `0` (never `-0.0`).
//! * `decimals` is capped at [`MAX_DECIMALS`].

/// Printed for medians / interval ends that were not reached.
pub const NOT_REACHED: &str = "NR";
/// Printed for undefined values (NaN, -inf).
pub const MISSING: &str = "NA";
/// Largest number of decimals honoured by the formatting helpers.
pub const MAX_DECIMALS: usize = 12;

/// A rendered-agnostic table: the Markdown and HTML renderers both take it.
///
/// Rows may be ragged; renderers pad every row (and the header) with empty
/// cells up to [`Table::n_cols`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Footnotes printed below the table, one per line.
    pub notes: Vec<String>,
}

impl Table {
    /// New table with a title and header, no rows or notes.
    pub fn new<S: Into<String>>(title: impl Into<String>, header: Vec<S>) -> Self {
        Table {
            title: title.into(),
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Append a row (builder style).
    pub fn with_row<S: Into<String>>(mut self, row: Vec<S>) -> Self {
        self.push_row(row);
        self
    }

    /// Append a footnote (builder style).
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Append a row.
    pub fn push_row<S: Into<String>>(&mut self, row: Vec<S>) {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    /// Number of columns: the widest of the header and all rows.
    pub fn n_cols(&self) -> usize {
        self.rows
            .iter()
            .map(Vec::len)
            .chain(std::iter::once(self.header.len()))
            .max()
            .unwrap_or(0)
    }

    /// Header padded with empty cells to [`Table::n_cols`].
    pub fn padded_header(&self) -> Vec<String> {
        pad(&self.header, self.n_cols())
    }

    /// Rows padded with empty cells to [`Table::n_cols`].
    pub fn padded_rows(&self) -> Vec<Vec<String>> {
        let n = self.n_cols();
        self.rows.iter().map(|r| pad(r, n)).collect()
    }
}

fn pad(cells: &[String], n: usize) -> Vec<String> {
    let mut v = cells.to_vec();
    v.resize(n, String::new());
    v
}

/// `x` with exactly `decimals` decimals; non-finite -> `NA`.
///
/// `fmt_fixed(1.23456, 2) == "1.23"`, `fmt_fixed(-0.001, 1) == "0.0"`.
pub fn fmt_fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return MISSING.to_string();
    }
    let d = decimals.min(MAX_DECIMALS);
    let s = format!("{x:.d$}");
    // Normalise "-0", "-0.00" etc. to the unsigned form.
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A proportion in [0, 1] printed as a percentage: `fmt_pct(0.4531, 1) == "45.3%"`.
/// Non-finite -> `NA`. Values outside [0, 1] are printed as-is (not clamped).
pub fn fmt_pct(p: f64, decimals: usize) -> String {
    if !p.is_finite() {
        return MISSING.to_string();
    }
    format!("{}%", fmt_fixed(p * 100.0, decimals))
}

/// A time-to-event summary (median, quantile, interval end).
/// `None`, `+inf` -> `NR`; NaN / `-inf` -> `NA`; otherwise fixed decimals.
pub fn fmt_time(t: Option<f64>, decimals: usize) -> String {
    match t {
        None => NOT_REACHED.to_string(),
        Some(x) if x == f64::INFINITY => NOT_REACHED.to_string(),
        Some(x) => fmt_fixed(x, decimals),
    }
}

/// Generic interval `"(a - b)"` with both ends through [`fmt_fixed`].
pub fn fmt_interval(lo: f64, hi: f64, decimals: usize) -> String {
    format!(
        "({} - {})",
        fmt_fixed(lo, decimals),
        fmt_fixed(hi, decimals)
    )
}

/// Interval of times, ends through [`fmt_time`]: `"(10.2 - NR)"`.
pub fn fmt_time_interval(lo: Option<f64>, hi: Option<f64>, decimals: usize) -> String {
    format!("({} - {})", fmt_time(lo, decimals), fmt_time(hi, decimals))
}

/// Interval of proportions as percentages: `"(40.1% - 52.3%)"`.
pub fn fmt_pct_interval(lo: f64, hi: f64, decimals: usize) -> String {
    format!("({} - {})", fmt_pct(lo, decimals), fmt_pct(hi, decimals))
}

/// Estimate followed by its interval: `"0.72 (0.61 - 0.85)"`.
pub fn fmt_estimate_ci(est: f64, lo: f64, hi: f64, decimals: usize) -> String {
    format!(
        "{} {}",
        fmt_fixed(est, decimals),
        fmt_interval(lo, hi, decimals)
    )
}

/// Median with its interval, NR-aware: `"28.4 (24.1 - NR)"`, `"NR (31.0 - NR)"`.
pub fn fmt_median_ci(
    median: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    decimals: usize,
) -> String {
    format!(
        "{} {}",
        fmt_time(median, decimals),
        fmt_time_interval(lo, hi, decimals)
    )
}

/// P-value: `"<0.001"` below 0.001, otherwise 3 decimals; NaN / out of
/// [0, 1] -> `NA`.
pub fn fmt_p_value(p: f64) -> String {
    if !p.is_finite() || !(0.0..=1.0).contains(&p) {
        MISSING.to_string()
    } else if p < 0.001 {
        "<0.001".to_string()
    } else {
        fmt_fixed(p, 3)
    }
}

/// Count with its share of a total: `"12 (40.0%)"`; a zero total gives `"12 (NA)"`.
pub fn fmt_count_pct(n: usize, total: usize, decimals: usize) -> String {
    let pct = if total == 0 {
        MISSING.to_string()
    } else {
        fmt_pct(n as f64 / total as f64, decimals)
    };
    format!("{n} ({pct})")
}
