//! Tornado chart of a one-at-a-time sensitivity analysis, rendered to an SVG
//! string with plotters.
//!
//! Each [`TornadoBar`] is one assumption (its key path) varied over a range
//! while everything else stays at the base case. Its row shows two
//! horizontal bars, both starting at [`Tornado::base`]:
//! * the estimate at the low end of the range ([`LOW_HEX`], upper half of
//!   the row), and
//! * the estimate at the high end of the range ([`HIGH_HEX`], lower half),
//!
//! each one `<rect>` whose far end is labelled with the setting and the
//! estimate (`"0.6 → 11.3"`; just the estimate when the setting is blank).
//! Rows are sorted by swing `|at_high - at_low|`, largest on top (see
//! [`bar_order`]); the key path is written left of the plot, in row order.
//! A solid vertical line ([`BASE_LINE_HEX`], one `<polyline>`) marks the
//! base value, and a legend strip above the plot explains the two colours
//! ([`LOW_LEGEND`], [`HIGH_LEGEND`]) and the line ([`BASE_LEGEND`] with the
//! base value; its sample is a short vertical `<polyline>`). On a canvas too
//! narrow for one legend line the entries wrap onto further lines.
//!
//! Document order (useful when reading the SVG): background, title, axes,
//! legend (one `<rect>` per colour, then the base-line sample), then per row
//! from the top the key-path label, the low bar, the high bar and their end
//! labels, then the base line.
//!
//! # Robustness
//! * A value is *usable* when finite with magnitude at most
//!   [`MAX_MAGNITUDE`](super::line_chart_svg::MAX_MAGNITUDE).
//! * An unusable `at_low` or `at_high` omits that half bar, and the row's
//!   label gets the suffix [`NA_SUFFIX`]; rows without a finite swing are
//!   sorted last, in input order.
//! * An unusable `base` draws no bars, no base line and no end labels; the
//!   note [`BASE_NA_NOTE`] is shown instead.
//! * No bars at all: empty axes with the note [`EMPTY_NOTE`], no legend.
//! * The x range covers the base and every drawn bar end with 5% padding,
//!   widened so that the end labels fit (see [`padded_range`]). Key paths
//!   wider than 40% of the canvas are shortened from the front with `…`.
//! * `width` 0 means [`DEFAULT_WIDTH`]; `height` 0 means [`auto_height`]. The
//!   errors are those of [`render_line_chart`](super::line_chart_svg::render_line_chart):
//!   a canvas outside `MIN_WIDTH..=MAX_SIDE` × `MIN_HEIGHT..=MAX_SIDE`, a
//!   plotters error, or a caught plotters panic.
//! * Deterministic: identical input gives byte-identical output.

use std::cmp::Ordering;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::error::{plot_err, RenderError};
use super::km_band_svg::{EMPTY_NOTE, MAX_SIDE, MIN_HEIGHT};
use super::line_chart_svg::{
    check_size, fmt_value, n_ticks, one_line, padded_range, render_guarded, text_width, tick_label,
    usable,
};

/// One assumption varied over its range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TornadoBar {
    /// The key path of the assumption, written left of the row.
    pub label: String,
    /// The setting at the low end of the range, e.g. `"0.6"`.
    pub low_setting: String,
    /// The setting at the high end of the range.
    pub high_setting: String,
    /// Estimate with the assumption at the low end of its range.
    pub at_low: f64,
    /// Estimate with the assumption at the high end of its range.
    pub at_high: f64,
}

/// A whole tornado chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tornado {
    /// Caption on top; omitted when blank.
    pub title: String,
    /// x-axis description (the estimate); omitted when blank.
    pub x_label: String,
    /// Base-case estimate: every bar starts here.
    pub base: f64,
    /// One row per assumption, in any order.
    pub bars: Vec<TornadoBar>,
    /// Canvas width in pixels; 0 = [`DEFAULT_WIDTH`].
    pub width: u32,
    /// Canvas height in pixels; 0 = [`auto_height`].
    pub height: u32,
}

/// Canvas width used when [`Tornado::width`] is 0.
pub const DEFAULT_WIDTH: u32 = 800;
/// Auto height: fixed part (legend strip, x axis, margins) …
pub const AUTO_HEIGHT_BASE: u32 = 100;
/// … plus this much per row …
pub const AUTO_HEIGHT_PER_BAR: u32 = 28;
/// … plus this much when there is a title.
pub const AUTO_HEIGHT_TITLE: u32 = 30;
/// Colour of the bars at the low end of the range.
pub const LOW_HEX: &str = "#0072B2";
/// Colour of the bars at the high end of the range.
pub const HIGH_HEX: &str = "#D55E00";
/// Colour of the vertical line at the base value.
pub const BASE_LINE_HEX: &str = "#333333";
/// Legend text of the low-end bars.
pub const LOW_LEGEND: &str = "low end of range";
/// Legend text of the high-end bars.
pub const HIGH_LEGEND: &str = "high end of range";
/// Legend text of the base line (followed by ": <base>").
pub const BASE_LEGEND: &str = "base case";
/// Appended to the label of a row with a non-finite estimate.
pub const NA_SUFFIX: &str = " (n/a)";
/// Note shown when the base value is not usable.
pub const BASE_NA_NOTE: &str = "Base value is not finite: bars not drawn";

const LOW: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const HIGH: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const BASE_LINE: RGBColor = RGBColor(0x33, 0x33, 0x33);
const TEXT: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Height of a one-row legend strip above the plot (pixels) …
const LEGEND_HEIGHT: u32 = 28;
/// … plus this much per additional row when the legend wraps.
const LEGEND_ROW: u32 = 18;
/// Legend font size and the horizontal space taken by sample + gap.
const LEGEND_FONT: f64 = 13.0;
const LEGEND_SAMPLE: f64 = 20.0;
const LEGEND_GAP: f64 = 24.0;
/// Font sizes (plotters units) of key paths and bar-end labels.
const LABEL_FONT: f64 = 13.0;
const END_FONT: f64 = 12.0;
/// Vertical extent of the half bars within a row of height 1.
const BAR_INNER: f64 = 0.04;
const BAR_OUTER: f64 = 0.36;

/// Canvas height used when [`Tornado::height`] is 0:
/// `AUTO_HEIGHT_BASE + AUTO_HEIGHT_PER_BAR × rows (+ AUTO_HEIGHT_TITLE)`,
/// plus 18 pixels per extra legend line when the legend has to wrap on a
/// narrow canvas, clamped to `MIN_HEIGHT..=MAX_SIDE`.
pub fn auto_height(t: &Tornado) -> u32 {
    let width = if t.width == 0 { DEFAULT_WIDTH } else { t.width };
    let title = if t.title.trim().is_empty() {
        0
    } else {
        u64::from(AUTO_HEIGHT_TITLE)
    };
    let h = u64::from(AUTO_HEIGHT_BASE)
        + u64::from(AUTO_HEIGHT_PER_BAR).saturating_mul(t.bars.len() as u64)
        + title
        + u64::from(legend_height(&legend_lines(t, width)) - LEGEND_HEIGHT);
    h.clamp(u64::from(MIN_HEIGHT), u64::from(MAX_SIDE)) as u32
}

#[derive(Clone, Copy, PartialEq)]
enum LegendKind {
    Low,
    High,
    Base,
}

/// Legend entries wrapped greedily into lines that fit the canvas width;
/// empty when no half bar is drawn.
fn legend_lines(t: &Tornado, width: u32) -> Vec<Vec<(LegendKind, String)>> {
    let drawn = usable(t.base) && t.bars.iter().any(|b| usable(b.at_low) || usable(b.at_high));
    if !drawn {
        return Vec::new();
    }
    let items = [
        (LegendKind::Low, LOW_LEGEND.to_string()),
        (LegendKind::High, HIGH_LEGEND.to_string()),
        (
            LegendKind::Base,
            format!("{BASE_LEGEND}: {}", fmt_value(t.base)),
        ),
    ];
    let avail = f64::from(width) - 16.0;
    let mut lines: Vec<Vec<(LegendKind, String)>> = Vec::new();
    let mut used = 0.0;
    for item in items {
        let w = legend_item_width(&item.1);
        match lines.last_mut() {
            Some(line) if used + w <= avail => {
                line.push(item);
                used += w;
            }
            _ => {
                lines.push(vec![item]);
                used = w;
            }
        }
    }
    lines
}

fn legend_item_width(text: &str) -> f64 {
    LEGEND_SAMPLE + text_width(text, LEGEND_FONT) + LEGEND_GAP
}

fn legend_height(lines: &[Vec<(LegendKind, String)>]) -> u32 {
    LEGEND_HEIGHT + LEGEND_ROW * (lines.len().max(1) as u32 - 1)
}

fn swing(b: &TornadoBar) -> Option<f64> {
    (usable(b.at_low) && usable(b.at_high)).then(|| (b.at_high - b.at_low).abs())
}

/// Indices of `bars` in drawing order, top row first: by swing
/// `|at_high - at_low|` descending; rows where either estimate is not usable
/// come last; ties keep input order.
pub fn bar_order(bars: &[TornadoBar]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..bars.len()).collect();
    idx.sort_by(|&i, &j| match (swing(&bars[i]), swing(&bars[j])) {
        (Some(a), Some(b)) => b.total_cmp(&a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    idx
}

struct Half {
    value: f64,
    text: String,
}

struct Row {
    label: String,
    low: Option<Half>,
    high: Option<Half>,
}

struct Prepared {
    title: String,
    x_label: String,
    base: Option<f64>,
    rows: Vec<Row>,
    label_col: u32,
    x_range: (f64, f64),
    x_ticks: usize,
    legend: Vec<Vec<(LegendKind, String)>>,
}

fn end_text(setting: &str, v: f64) -> String {
    let setting = one_line(setting);
    if setting.trim().is_empty() {
        fmt_value(v)
    } else {
        format!("{} → {}", setting.trim(), fmt_value(v))
    }
}

/// Keep the end of `s` so that it fits `max_width` pixels.
fn shorten_front(s: &str, max_width: f64) -> String {
    if text_width(s, LABEL_FONT) <= max_width {
        return s.to_string();
    }
    let per_char = text_width("x", LABEL_FONT);
    let keep = ((max_width / per_char).floor() as usize).saturating_sub(1);
    let chars: Vec<char> = s.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(keep)..].iter().collect();
    format!("…{tail}")
}

fn prepare(t: &Tornado, width: u32) -> Prepared {
    let base = usable(t.base).then_some(t.base);
    let max_col = f64::from(width) * 0.4;
    let rows: Vec<Row> = bar_order(&t.bars)
        .into_iter()
        .map(|i| {
            let b = &t.bars[i];
            let mut label = one_line(&b.label);
            if !(usable(b.at_low) && usable(b.at_high)) {
                label.push_str(NA_SUFFIX);
            }
            let half = |v: f64, setting: &str| {
                (base.is_some() && usable(v)).then(|| Half {
                    value: v,
                    text: end_text(setting, v),
                })
            };
            Row {
                label: shorten_front(&label, max_col - 16.0),
                low: half(b.at_low, &b.low_setting),
                high: half(b.at_high, &b.high_setting),
            }
        })
        .collect();
    let label_col = rows
        .iter()
        .map(|r| text_width(&r.label, LABEL_FONT) + 24.0)
        .fold(60.0, f64::max)
        .min(max_col.max(60.0)) as u32;

    // x range: base and bar ends (or, without a usable base, the usable
    // estimates), padded, then widened so that the end labels fit.
    let values: Vec<f64> = match base {
        Some(b) => std::iter::once(b)
            .chain(
                rows.iter()
                    .flat_map(|r| [&r.low, &r.high])
                    .flatten()
                    .map(|h| h.value),
            )
            .collect(),
        None => t.bars.iter().flat_map(|b| [b.at_low, b.at_high]).collect(),
    };
    let (a, b) = padded_range(values);
    let plot_w = (f64::from(width) - f64::from(label_col) - 24.0).max(40.0);
    let room = |left: bool| {
        rows.iter()
            .flat_map(|r| [&r.low, &r.high])
            .flatten()
            .filter(|h| base.is_some_and(|base| (h.value < base) == left))
            .map(|h| (text_width(&h.text, END_FONT) + 8.0) / plot_w)
            .fold(0.0, f64::max)
            .min(0.35)
    };
    let (fl, fr) = (room(true), room(false));
    let total = (b - a) / (1.0 - fl - fr);
    let x_range = (a - fl * total, b + fr * total);

    Prepared {
        title: one_line(&t.title),
        x_label: one_line(&t.x_label),
        base,
        rows,
        label_col,
        x_range,
        x_ticks: n_ticks(plot_w, 50.0),
        legend: legend_lines(t, width),
    }
}

/// Render `t` as a standalone SVG document.
///
/// See the module docs for what is drawn, how degenerate input is handled
/// and which errors exist.
pub fn render_tornado(t: &Tornado) -> Result<String, RenderError> {
    let auto = if t.height == 0 { auto_height(t) } else { 0 };
    let (width, height) = check_size(t.width, t.height, DEFAULT_WIDTH, auto)?;
    let prepared = prepare(t, width);
    render_guarded(|buf| draw(&prepared, width, height, buf))
}

fn draw(p: &Prepared, width: u32, height: u32, buf: &mut String) -> Result<(), RenderError> {
    let root = SVGBackend::with_string(buf, (width, height)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let area = if p.title.trim().is_empty() {
        root.clone()
    } else {
        root.titled(&p.title, ("sans-serif", 20))
            .map_err(plot_err)?
    };
    let (legend_area, plot_area) = area.split_vertically(legend_height(&p.legend));

    let n = p.rows.len();
    let y_max = n.max(1) as f64;
    let (x0, x1) = p.x_range;
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(8)
        .margin_right(16)
        .margin_top(4)
        .margin_bottom(8)
        .x_label_area_size(48)
        .y_label_area_size(p.label_col)
        .build_cartesian_2d(x0..x1, 0f64..y_max)
        .map_err(plot_err)?;

    let nx = p.x_ticks;
    let x_fmt = |v: &f64| tick_label(*v, x0, x1, nx);
    let mut mesh = chart.configure_mesh();
    mesh.disable_y_mesh()
        .disable_y_axis()
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .bold_line_style(RGBColor(0xE4, 0xE4, 0xE4))
        .light_line_style(TRANSPARENT)
        .x_labels(nx)
        .x_label_formatter(&x_fmt);
    if !p.x_label.trim().is_empty() {
        mesh.x_desc(p.x_label.as_str());
    }
    mesh.draw().map_err(plot_err)?;

    // legend strip: aligned with the left edge of the plot when it fits,
    // else with the left edge of the canvas
    if !p.legend.is_empty() {
        let (plot_left, _) = chart.backend_coord(&(x0, y_max));
        let origin = legend_area.get_base_pixel();
        let widest = p
            .legend
            .iter()
            .map(|line| line.iter().map(|i| legend_item_width(&i.1)).sum::<f64>())
            .fold(0.0, f64::max);
        let left = if f64::from(plot_left) + widest <= f64::from(width) - 8.0 {
            plot_left - origin.0
        } else {
            8 - origin.0
        };
        let text_style = TextStyle::from(("sans-serif", LEGEND_FONT).into_font())
            .color(&TEXT)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (k, line) in p.legend.iter().enumerate() {
            let cy = (LEGEND_HEIGHT / 2 + LEGEND_ROW * k as u32) as i32;
            let mut x = left;
            for (kind, text) in line {
                match kind {
                    LegendKind::Low | LegendKind::High => {
                        let colour = if *kind == LegendKind::Low { LOW } else { HIGH };
                        legend_area
                            .draw(&Rectangle::new(
                                [(x, cy - 5), (x + 14, cy + 5)],
                                colour.filled(),
                            ))
                            .map_err(plot_err)?;
                    }
                    LegendKind::Base => {
                        legend_area
                            .draw(&PathElement::new(
                                vec![(x + 7, cy - 7), (x + 7, cy + 7)],
                                BASE_LINE.stroke_width(1),
                            ))
                            .map_err(plot_err)?;
                    }
                }
                legend_area
                    .draw(&Text::new(
                        text.as_str(),
                        (x + LEGEND_SAMPLE as i32, cy),
                        text_style.clone(),
                    ))
                    .map_err(plot_err)?;
                x += legend_item_width(text) as i32;
            }
        }
    }

    let label_style = TextStyle::from(("sans-serif", LABEL_FONT).into_font())
        .color(&TEXT)
        .pos(Pos::new(HPos::Right, VPos::Center));
    let end_left = TextStyle::from(("sans-serif", END_FONT).into_font())
        .color(&TEXT)
        .pos(Pos::new(HPos::Right, VPos::Center));
    let end_right = end_left.pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in p.rows.iter().enumerate() {
        let yc = y_max - r as f64 - 0.5;
        let (px, py) = chart.backend_coord(&(x0, yc));
        root.draw(&Text::new(
            row.label.clone(),
            (px - 8, py),
            label_style.clone(),
        ))
        .map_err(plot_err)?;
        let Some(base) = p.base else { continue };
        let halves = [
            (&row.low, LOW, yc + BAR_INNER, yc + BAR_OUTER),
            (&row.high, HIGH, yc - BAR_OUTER, yc - BAR_INNER),
        ];
        for (half, colour, y_a, y_b) in halves {
            let Some(h) = half else { continue };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(base, y_a), (h.value, y_b)],
                    colour.filled(),
                )))
                .map_err(plot_err)?;
            let (dx, style) = if h.value < base {
                (-4, end_left.clone())
            } else {
                (4, end_right.clone())
            };
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((h.value, (y_a + y_b) / 2.0))
                        + Text::new(h.text.clone(), (dx, 0), style),
                ))
                .map_err(plot_err)?;
        }
    }

    if let Some(base) = p.base {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(base, 0.0), (base, y_max)],
                BASE_LINE.stroke_width(1),
            )))
            .map_err(plot_err)?;
    }

    let note = if n == 0 {
        Some(EMPTY_NOTE)
    } else if p.base.is_none() {
        Some(BASE_NA_NOTE)
    } else {
        None
    };
    if let Some(note) = note {
        let style = TextStyle::from(("sans-serif", 16).into_font())
            .color(&TEXT)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new(
                note.to_string(),
                ((x0 + x1) / 2.0, y_max * 0.62),
                style,
            )))
            .map_err(plot_err)?;
    }

    root.present().map_err(plot_err)?;
    Ok(())
}
