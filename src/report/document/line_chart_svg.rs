//! Line chart of an estimate against a varied parameter (parameter sweeps,
//! power curves), rendered to an SVG string with plotters.
//!
//! For each [`Series`] the chart shows, in drawing order:
//! 1. a shaded band (one `<polygon>`) through the points that have a
//!    [`ChartPoint::band`] — drawn for all series first, so that no band
//!    hides another series' line;
//! 2. one vertical error bar with caps per point that has a
//!    [`ChartPoint::y_err`] (one 6-vertex `<polyline>` each);
//! 3. a solid line through the points' `(x, y)`, sorted by `x` (one
//!    `<polyline>`, only when the series has at least two such points);
//! 4. a filled circular marker per `(x, y)` point (one `<circle>` each).
//!
//! plus dashed horizontal reference lines with their labels at the right end
//! ([`LineChart::reference_lines`], drawn between 1 and 2), axes with tick
//! labels adapted to the data range, and a legend with one entry (a short
//! line sample and a marker) per series. Series are coloured in order from
//! [`PALETTE_HEX`], cycled after eight series.
//!
//! # Axis ranges
//! The x range covers every usable x of a point that draws anything (marker,
//! error bar or band); the y range covers every usable y, error-bar end, band
//! end and reference-line value. Both get 5% padding on each side (see
//! [`padded_range`]); a single value (one x, a constant y) is padded by 5% of
//! its magnitude (±1 around zero) so the chart still renders. An axis with
//! no usable value at all is `[0, 1]`.
//!
//! # Robustness
//! * A number is *usable* when it is finite and its magnitude is at most
//!   [`MAX_MAGNITUDE`]; anything else is treated like NaN.
//! * Markers and the line use the points whose `x` and `y` are usable; an
//!   error bar needs a usable `x` and two usable ends, a band point a usable
//!   `x` and two usable band ends. Swapped ends (`lo > hi`) are reordered.
//!   Points are stably sorted by `x`.
//! * A band with only one distinct `x` is drawn as a narrow box (2% of the x
//!   range wide) so that it stays visible.
//! * Reference lines with an unusable value are not drawn; they are listed in
//!   a note in the lower right corner ("Not shown: label (n/a)"), or the
//!   lower left one when the legend occupies the lower right.
//! * A chart with no drawable series element renders empty axes with the note
//!   [`EMPTY_NOTE`] and no legend; it is **not** an error.
//! * Legend: omitted when there is exactly one series and its label is
//!   blank; otherwise blank labels become `"Series <n>"` (1-based) and a
//!   series without drawable points is listed as `"<label> (no data)"`. The
//!   legend is placed in the plot corner that holds the fewest data points.
//! * `width` / `height` of 0 mean [`DEFAULT_WIDTH`] / [`DEFAULT_HEIGHT`].
//!   The only errors are a canvas size outside `MIN_WIDTH..=MAX_SIDE` ×
//!   `MIN_HEIGHT..=MAX_SIDE` ([`RenderError::InvalidSize`]), a plotters
//!   drawing error ([`RenderError::Plot`]) and — defensively — a panic inside
//!   plotters, caught and returned as [`RenderError::Internal`].
//! * Deterministic: identical input gives byte-identical output.
//!
//! # Dashes
//! As in [`km_band_svg`](super::km_band_svg), dashed reference lines are
//! drawn with a reserved sentinel stroke colour (`#010400`) that is rewritten
//! to the real colour plus a `stroke-dasharray` attribute after rendering.

use std::panic::{catch_unwind, AssertUnwindSafe};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::error::{plot_err, RenderError};
use super::km_band_svg::{EMPTY_NOTE, MAX_SIDE, MIN_HEIGHT, MIN_WIDTH, PALETTE_HEX};

/// One point of a series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartPoint {
    /// Value of the varied parameter.
    pub x: f64,
    /// Estimate at `x`.
    pub y: f64,
    /// Error bar (e.g. y ± 1.96 MCSE) as `(low, high)`; `None` = no bar.
    pub y_err: Option<(f64, f64)>,
    /// Optional band (e.g. 2.5th–97.5th percentile of replicates) as
    /// `(low, high)`.
    pub band: Option<(f64, f64)>,
}

/// One line of the chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend entry; see the module docs for blank labels.
    pub label: String,
    /// Points in any order (they are sorted by `x` for drawing).
    pub points: Vec<ChartPoint>,
}

/// A whole line chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineChart {
    /// Caption on top; omitted when blank.
    pub title: String,
    /// x-axis description; omitted when blank.
    pub x_label: String,
    /// y-axis description; omitted when blank.
    pub y_label: String,
    /// Series, coloured in this order from [`PALETTE_HEX`].
    pub series: Vec<Series>,
    /// Horizontal reference lines, e.g. `("true value", 11.1)` or
    /// `("target power", 0.8)`.
    pub reference_lines: Vec<(String, f64)>,
    /// Canvas width in pixels; 0 = [`DEFAULT_WIDTH`].
    pub width: u32,
    /// Canvas height in pixels; 0 = [`DEFAULT_HEIGHT`].
    pub height: u32,
}

/// Canvas width used when [`LineChart::width`] is 0.
pub const DEFAULT_WIDTH: u32 = 800;
/// Canvas height used when [`LineChart::height`] is 0.
pub const DEFAULT_HEIGHT: u32 = 500;
/// Largest magnitude of a plotted value; larger values are treated as
/// non-finite (plotters cannot lay out an axis whose span overflows).
pub const MAX_MAGNITUDE: f64 = 1e300;
/// Radius of the point markers (pixels).
pub const MARKER_RADIUS: u32 = 4;
/// Half width of the error-bar caps (pixels).
pub const CAP_HALF_WIDTH: i32 = 4;

/// Reference lines.
const REF_SENTINEL: RGBColor = RGBColor(1, 4, 0);
const REF_REAL: &str = "#555555";
const REF_DASH: &str = "6,4";
const NOTE_TEXT: RGBColor = RGBColor(0x44, 0x44, 0x44);

// ------------------------------------------------------------ shared helpers

/// Colour `i` of [`PALETTE_HEX`] (cycled).
pub(crate) fn palette(i: usize) -> RGBColor {
    let h = PALETTE_HEX[i % PALETTE_HEX.len()].trim_start_matches('#');
    let c = |k: usize| u8::from_str_radix(&h[k..k + 2], 16).unwrap_or(0);
    RGBColor(c(0), c(2), c(4))
}

/// Finite and of magnitude at most [`MAX_MAGNITUDE`].
pub(crate) fn usable(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_MAGNITUDE
}

/// Labels are drawn as single-line SVG text.
pub(crate) fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}

/// Rough rendered width (pixels) of `text` at plotters font size `size`
/// (plotters writes `font-size = size / 1.24`; a sans-serif glyph is about
/// 0.6 em wide on average).
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * 0.6 * size / 1.24
}

/// Axis range `[lo, hi]` covering all of `values` (unusable ones ignored)
/// with 5% padding on each side.
///
/// * no usable value: `(0, 1)`;
/// * all values equal (or a span below 1e-9 of their magnitude): the centre
///   ± 5% of its magnitude, or ± 1 around zero.
///
/// The result is always finite with `lo < hi`.
pub fn padded_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| usable(*v))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    let mag = lo.abs().max(hi.abs());
    let span = hi - lo;
    if span <= mag * 1e-9 || span == 0.0 {
        let centre = lo / 2.0 + hi / 2.0;
        let half = if centre == 0.0 || mag < 1e-200 {
            1.0
        } else {
            centre.abs() * 0.05
        };
        return (centre - half, centre + half);
    }
    let pad = span * 0.05;
    (lo - pad, hi + pad)
}

/// Value formatted with about three significant digits, trailing zeros
/// removed; scientific notation outside `[1e-3, 1e6)`; `"n/a"` if not finite.
pub(crate) fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.2e}");
    }
    let dec = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.dec$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Most tick labels requested from plotters on an axis.
pub(crate) const MAX_TICKS: usize = 10;

/// Tick labels to request for an axis `pixels` long, at most one per
/// `per_tick` pixels: between 2 and [`MAX_TICKS`].
pub(crate) fn n_ticks(pixels: f64, per_tick: f64) -> usize {
    (pixels / per_tick).clamp(2.0, MAX_TICKS as f64) as usize
}

/// Tick label for `v` on an axis spanning `[lo, hi]` with at most `n` ticks:
/// as many decimals as plotters' tick spacing (a 1, 2 or 5 times a power of
/// ten, at least `span / n`) needs; scientific notation for axis magnitudes
/// `>= 1e6` or `< 1e-3`.
pub(crate) fn tick_label(v: f64, lo: f64, hi: f64, n: usize) -> String {
    let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
    let span = (hi - lo).abs();
    let mag = lo.abs().max(hi.abs());
    if !(span.is_finite() && span > 0.0 && mag.is_finite()) {
        return fmt_value(v);
    }
    let raw = span / n.max(1) as f64;
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let step = p * if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    if !(1e-3..1e6).contains(&mag) {
        let sig = ((mag / step).log10().ceil() as i32 + 1).clamp(2, 15) as usize;
        return format!("{:.*e}", sig - 1, v);
    }
    let dec = (-step.log10().floor()).clamp(0.0, 15.0) as usize;
    format!("{v:.dec$}")
}

/// Canvas size after applying defaults for 0 and checking the limits.
pub(crate) fn check_size(
    width: u32,
    height: u32,
    default_width: u32,
    default_height: u32,
) -> Result<(u32, u32), RenderError> {
    let width = if width == 0 { default_width } else { width };
    let height = if height == 0 { default_height } else { height };
    if !(MIN_WIDTH..=MAX_SIDE).contains(&width) || !(MIN_HEIGHT..=MAX_SIDE).contains(&height) {
        return Err(RenderError::InvalidSize { width, height });
    }
    Ok((width, height))
}

/// Run a drawing closure into a fresh string, turning a panic into
/// [`RenderError::Internal`].
pub(crate) fn render_guarded(
    draw: impl FnOnce(&mut String) -> Result<(), RenderError>,
) -> Result<String, RenderError> {
    let mut buf = String::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| draw(&mut buf)));
    match outcome {
        Ok(Ok(())) => Ok(buf),
        Ok(Err(e)) => Err(e),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic in plotters".to_string());
            Err(RenderError::Internal(msg))
        }
    }
}

// ------------------------------------------------------------ preparation

struct PreparedSeries {
    legend_label: String,
    colour: RGBColor,
    /// Usable `(x, y)`, sorted by x.
    line: Vec<(f64, f64)>,
    /// `(x, lo, hi)`, sorted by x.
    err: Vec<(f64, f64, f64)>,
    /// `(x, lo, hi)`, sorted by x.
    band: Vec<(f64, f64, f64)>,
}

impl PreparedSeries {
    fn is_empty(&self) -> bool {
        self.line.is_empty() && self.err.is_empty() && self.band.is_empty()
    }
}

struct Prepared {
    title: String,
    x_label: String,
    y_label: String,
    x_range: (f64, f64),
    y_range: (f64, f64),
    series: Vec<PreparedSeries>,
    show_legend: bool,
    references: Vec<(String, f64)>,
    hidden_references: Vec<String>,
}

fn ordered(a: f64, b: f64) -> Option<(f64, f64)> {
    (usable(a) && usable(b)).then(|| (a.min(b), a.max(b)))
}

fn prepare(chart: &LineChart) -> Prepared {
    let n_series = chart.series.len();
    let series: Vec<PreparedSeries> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut line = Vec::new();
            let mut err = Vec::new();
            let mut band = Vec::new();
            for p in &s.points {
                if !usable(p.x) {
                    continue;
                }
                if usable(p.y) {
                    line.push((p.x, p.y));
                }
                if let Some((lo, hi)) = p.y_err.and_then(|(a, b)| ordered(a, b)) {
                    err.push((p.x, lo, hi));
                }
                if let Some((lo, hi)) = p.band.and_then(|(a, b)| ordered(a, b)) {
                    band.push((p.x, lo, hi));
                }
            }
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            err.sort_by(|a, b| a.0.total_cmp(&b.0));
            band.sort_by(|a, b| a.0.total_cmp(&b.0));
            let label = one_line(&s.label);
            let label = if label.trim().is_empty() {
                format!("Series {}", i + 1)
            } else {
                label
            };
            let mut prepared = PreparedSeries {
                legend_label: label,
                colour: palette(i),
                line,
                err,
                band,
            };
            if prepared.is_empty() {
                prepared.legend_label.push_str(" (no data)");
            }
            prepared
        })
        .collect();

    let mut references = Vec::new();
    let mut hidden_references = Vec::new();
    for (label, v) in &chart.reference_lines {
        let label = one_line(label);
        if usable(*v) {
            references.push((label, *v));
        } else {
            hidden_references.push(format!("{label} (n/a)"));
        }
    }

    let xs = series.iter().flat_map(|s| {
        s.line
            .iter()
            .map(|p| p.0)
            .chain(s.err.iter().map(|e| e.0))
            .chain(s.band.iter().map(|b| b.0))
    });
    let x_range = padded_range(xs);
    let ys = series
        .iter()
        .flat_map(|s| {
            s.line
                .iter()
                .map(|p| p.1)
                .chain(s.err.iter().flat_map(|e| [e.1, e.2]))
                .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
        })
        .chain(references.iter().map(|r| r.1));
    let y_range = padded_range(ys);

    let unnamed_single = n_series == 1 && chart.series[0].label.trim().is_empty();
    let any_drawable = series.iter().any(|s| !s.is_empty());
    Prepared {
        title: one_line(&chart.title),
        x_label: one_line(&chart.x_label),
        y_label: one_line(&chart.y_label),
        x_range,
        y_range,
        show_legend: any_drawable && n_series > 0 && !unnamed_single,
        series,
        references,
        hidden_references,
    }
}

/// Outline of a series' band: upper ends left to right, then lower ends
/// right to left. With a single distinct x, a box `half_width` either side.
fn band_outline(band: &[(f64, f64, f64)], half_width: f64) -> Vec<(f64, f64)> {
    let (Some(first), Some(last)) = (band.first(), band.last()) else {
        return Vec::new();
    };
    if first.0 == last.0 {
        let lo = band.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
        let hi = band.iter().map(|b| b.2).fold(f64::NEG_INFINITY, f64::max);
        let x = first.0;
        return vec![
            (x - half_width, hi),
            (x + half_width, hi),
            (x + half_width, lo),
            (x - half_width, lo),
        ];
    }
    band.iter()
        .map(|b| (b.0, b.2))
        .chain(band.iter().rev().map(|b| (b.0, b.1)))
        .collect()
}

/// Corner of the plot with the fewest data points (ties: upper right,
/// upper left, lower right, lower left).
fn legend_corner(p: &Prepared) -> SeriesLabelPosition {
    let (x0, x1) = p.x_range;
    let (y0, y1) = p.y_range;
    let mut counts = [0usize; 4];
    let pts = p.series.iter().flat_map(|s| {
        s.line
            .iter()
            .copied()
            .chain(s.err.iter().flat_map(|e| [(e.0, e.1), (e.0, e.2)]))
            .chain(s.band.iter().flat_map(|b| [(b.0, b.1), (b.0, b.2)]))
    });
    for (x, y) in pts {
        let u = (x - x0) / (x1 - x0);
        let v = (y - y0) / (y1 - y0);
        let right = u > 0.55;
        let left = u < 0.45;
        let top = v > 0.6;
        let bottom = v < 0.4;
        for (k, inside) in [right && top, left && top, right && bottom, left && bottom]
            .into_iter()
            .enumerate()
        {
            if inside {
                counts[k] += 1;
            }
        }
    }
    let best = (0..4).min_by_key(|&k| (counts[k], k)).unwrap_or(0);
    match best {
        0 => SeriesLabelPosition::UpperRight,
        1 => SeriesLabelPosition::UpperLeft,
        2 => SeriesLabelPosition::LowerRight,
        _ => SeriesLabelPosition::LowerLeft,
    }
}

// ------------------------------------------------------------ rendering

/// Render `chart` as a standalone SVG document.
///
/// See the module docs for what is drawn, how degenerate input is handled
/// and which errors exist.
pub fn render_line_chart(chart: &LineChart) -> Result<String, RenderError> {
    let (width, height) = check_size(chart.width, chart.height, DEFAULT_WIDTH, DEFAULT_HEIGHT)?;
    let prepared = prepare(chart);
    let svg = render_guarded(|buf| draw(&prepared, width, height, buf))?;
    Ok(svg.replace(
        &format!(
            "stroke=\"#{:02X}{:02X}{:02X}\"",
            REF_SENTINEL.0, REF_SENTINEL.1, REF_SENTINEL.2
        ),
        &format!("stroke=\"{REF_REAL}\" stroke-dasharray=\"{REF_DASH}\""),
    ))
}

fn draw(p: &Prepared, width: u32, height: u32, buf: &mut String) -> Result<(), RenderError> {
    let root = SVGBackend::with_string(buf, (width, height)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;

    let (x0, x1) = p.x_range;
    let (y0, y1) = p.y_range;
    let title_h = if p.title.trim().is_empty() { 0.0 } else { 30.0 };
    let ny = n_ticks(f64::from(height) - 28.0 - 48.0 - title_h, 36.0);
    let y_tick_width = [y0, y1, (y0 + y1) / 2.0]
        .iter()
        .map(|v| text_width(&tick_label(*v, y0, y1, ny), 13.0))
        .fold(0.0, f64::max);
    let y_area = (y_tick_width + 34.0).clamp(62.0, f64::from(width) / 3.0) as u32;
    let nx = n_ticks(f64::from(width) - 28.0 - f64::from(y_area), 50.0);

    let mut builder = ChartBuilder::on(&root);
    builder
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(y_area);
    if !p.title.trim().is_empty() {
        builder.caption(&p.title, ("sans-serif", 20));
    }
    let mut chart = builder
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(plot_err)?;

    let x_fmt = |v: &f64| tick_label(*v, x0, x1, nx);
    let y_fmt = |v: &f64| tick_label(*v, y0, y1, ny);
    let mut mesh = chart.configure_mesh();
    mesh.axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .bold_line_style(RGBColor(0xE4, 0xE4, 0xE4))
        .light_line_style(TRANSPARENT)
        .x_labels(nx)
        .y_labels(ny)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt);
    if !p.x_label.trim().is_empty() {
        mesh.x_desc(p.x_label.as_str());
    }
    if !p.y_label.trim().is_empty() {
        mesh.y_desc(p.y_label.as_str());
    }
    mesh.draw().map_err(plot_err)?;

    // 1. bands of all series
    let band_half_width = (x1 - x0) * 0.01;
    for s in &p.series {
        let outline = band_outline(&s.band, band_half_width);
        if outline.is_empty() {
            continue;
        }
        let fill = s.colour.mix(0.18).filled();
        chart
            .draw_series(std::iter::once(Polygon::new(outline, fill)))
            .map_err(plot_err)?;
    }

    // 2. reference lines (dashed via sentinel colour) with labels
    let ref_text = TextStyle::from(("sans-serif", 13).into_font())
        .color(&NOTE_TEXT)
        .pos(Pos::new(HPos::Right, VPos::Bottom));
    for (label, v) in &p.references {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, *v), (x1, *v)],
                REF_SENTINEL.stroke_width(1),
            )))
            .map_err(plot_err)?;
        let text = if label.trim().is_empty() {
            fmt_value(*v)
        } else {
            format!("{label}: {}", fmt_value(*v))
        };
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x1, *v)) + Text::new(text, (-6, -3), ref_text.clone()),
            ))
            .map_err(plot_err)?;
    }

    // 3. per series: error bars, line, markers, legend entry
    for s in &p.series {
        let stroke = s.colour.stroke_width(1);
        for &(x, lo, hi) in &s.err {
            let (_, py_lo) = chart.backend_coord(&(x, lo));
            let (_, py_hi) = chart.backend_coord(&(x, hi));
            let dy = py_hi - py_lo;
            let c = CAP_HALF_WIDTH;
            let shape = vec![(-c, 0), (c, 0), (0, 0), (0, dy), (-c, dy), (c, dy)];
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, lo)) + PathElement::new(shape, stroke),
                ))
                .map_err(plot_err)?;
        }
        let line_style = s.colour.stroke_width(2);
        if s.line.len() >= 2 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    s.line.clone(),
                    line_style,
                )))
                .map_err(plot_err)?;
        }
        let marker = s.colour.filled();
        chart
            .draw_series(
                s.line
                    .iter()
                    .map(|&pt| Circle::new(pt, MARKER_RADIUS, marker)),
            )
            .map_err(plot_err)?;
        if p.show_legend {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
                .map_err(plot_err)?
                .label(s.legend_label.as_str())
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (20, 0)], line_style)
                        + Circle::new((10, 0), MARKER_RADIUS - 1, marker)
                });
        }
    }

    let nothing = p.series.iter().all(PreparedSeries::is_empty);
    if nothing {
        let style = TextStyle::from(("sans-serif", 16).into_font())
            .color(&NOTE_TEXT)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new(
                EMPTY_NOTE.to_string(),
                ((x0 + x1) / 2.0, y0 + 0.62 * (y1 - y0)),
                style,
            )))
            .map_err(plot_err)?;
    }
    let corner = legend_corner(p);
    let legend_lower_right = matches!(corner, SeriesLabelPosition::LowerRight);
    if !nothing && p.show_legend {
        chart
            .configure_series_labels()
            .position(corner)
            .margin(10)
            .legend_area_size(26)
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(0xAA, 0xAA, 0xAA))
            .draw()
            .map_err(plot_err)?;
    }

    if !p.hidden_references.is_empty() {
        // Lower right, or lower left when the legend sits in the lower right.
        let (anchor, dx, h) = if !nothing && p.show_legend && legend_lower_right {
            ((x0, y0), 6, HPos::Left)
        } else {
            ((x1, y0), -6, HPos::Right)
        };
        let style = TextStyle::from(("sans-serif", 12).into_font())
            .color(&NOTE_TEXT)
            .pos(Pos::new(h, VPos::Bottom));
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(anchor)
                    + Text::new(
                        format!("Not shown: {}", p.hidden_references.join("; ")),
                        (dx, -6),
                        style,
                    ),
            ))
            .map_err(plot_err)?;
    }

    root.present().map_err(plot_err)?;
    Ok(())
}
