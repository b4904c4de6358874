//! Waterfall chart decomposing a difference into signed contributions (e.g.
//! how cohort B's median PFS becomes cohort A's), rendered to an SVG string
//! with plotters.
//!
//! Bars from left to right, one `<rect>` each:
//! * the **start** bar ([`Waterfall::start`], labelled
//!   [`Waterfall::start_label`]), a *total* bar in [`TOTAL_HEX`];
//! * one floating bar per [`WaterfallStep`], from the running total before
//!   the step to the running total after it (up or down), coloured by
//!   [`WaterfallStep::group`]: groups get
//!   [`PALETTE_HEX`](super::km_band_svg::PALETTE_HEX) colours in order of
//!   first appearance, and a blank group is the group [`UNGROUPED_LEGEND`];
//! * the **end** bar (labelled [`Waterfall::end_label`]), a total bar whose
//!   value is `start + Σ delta` over the steps that are drawn.
//!
//! Total bars rise from the *baseline*: 0 when 0 lies inside the y range,
//! otherwise the axis edge nearest to 0 (the axis bottom when all values are
//! positive, the axis top when all are negative). The y axis therefore does
//! **not** necessarily start at 0: its range covers the start, every running
//! total, every error-bar end and every reference line, with 5% padding (see
//! [`padded_range`]), widened so that the value labels fit.
//!
//! Thin solid connectors (`<polyline>`, [`CONNECTOR_HEX`]) join consecutive
//! bars at the running total between them. A step with an
//! [`WaterfallStep::error`] gets a vertical whisker with caps (one 6-vertex
//! `<polyline>` in [`WHISKER_HEX`]) of that half-width at its end value.
//! Every bar carries a value label beyond its far end (beyond the whisker
//! when there is one): the signed delta for steps (`"+1.3"`, `"−0.4"`, with
//! a typographic minus `−`), the total for the start and end bars. Bar
//! labels are written under the x axis, wrapped onto up to
//! [`MAX_LABEL_LINES`] lines of the bar's width (longer ones end with `…`).
//! Reference lines ([`Waterfall::reference_lines`]) are dashed horizontal
//! lines labelled `"label: value"` in the right margin. A legend strip above
//! the plot lists the groups (a coloured `<rect>` and the name each).
//!
//! Document order (useful when reading the SVG): background `<rect>`,
//! title, axes, legend (one `<rect>` per group, then its name), the bar
//! labels under the axis, the bars (start, steps in input order, end: exactly
//! `2 + steps.len()` `<rect>`s), the connectors, the whiskers, the reference
//! lines with their labels, the value labels, and the note if any.
//!
//! # Robustness
//! * A value is *usable* when finite with magnitude at most
//!   [`MAX_MAGNITUDE`](super::line_chart_svg::MAX_MAGNITUDE).
//! * **Non-finite steps:** a step whose `delta` is not usable — or which
//!   would take the running total beyond `MAX_MAGNITUDE` — is drawn as a
//!   zero-height bar at the running total, labelled [`NA_TEXT`], gets no
//!   whisker, and is **excluded from the running total** (so from the end
//!   value too). The end bar's axis label then gets the suffix
//!   [`NA_END_SUFFIX`].
//! * An error half-width is used by magnitude (`-e` is `e`); an unusable
//!   one, or whisker ends beyond `MAX_MAGNITUDE`, draws no whisker.
//! * An unusable [`Waterfall::start`] draws no bars, connectors, whiskers or
//!   value labels and no group legend; the note [`START_NA_NOTE`] is shown
//!   instead (bar labels and reference lines are still drawn).
//! * No steps: just the start and end bars (equal), and no legend.
//! * Reference lines with an unusable value are not drawn; they are listed
//!   as `"Not shown: label (n/a)"` on an extra line of the legend strip.
//! * Blank bar labels become `"Start"`, `"End"` and `"Step <n>"` (1-based).
//!   Labels are drawn as single-line text, escaped by plotters (`&` becomes
//!   `&amp;`).
//! * A legend that would wrap onto more lines than a quarter of the canvas
//!   height holds ends with `"(+<k> more)"`.
//! * `width` 0 means [`auto_width`] (`AUTO_WIDTH_BASE + AUTO_WIDTH_PER_BAR ×
//!   bars`), `height` 0 means [`DEFAULT_HEIGHT`]. The errors are those of
//!   [`render_line_chart`](super::line_chart_svg::render_line_chart): a
//!   canvas outside `MIN_WIDTH..=MAX_SIDE` × `MIN_HEIGHT..=MAX_SIDE`, a
//!   plotters error, or a caught plotters panic.
//! * Deterministic: identical input gives byte-identical output.
//!
//! # Dashes
//! As in [`line_chart_svg`](super::line_chart_svg), the dashed reference
//! lines are drawn with a reserved sentinel stroke colour (`#010500`) that is
//! rewritten to the real colour plus a `stroke-dasharray` attribute after
//! rendering.

use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::error::{plot_err, RenderError};
use super::km_band_svg::{MAX_SIDE, MIN_WIDTH};
use super::line_chart_svg::{
    check_size, fmt_value, n_ticks, one_line, padded_range, palette, render_guarded, text_width,
    tick_label, usable,
};

/// One step of a waterfall: a signed contribution with its Monte Carlo
/// error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaterfallStep {
    /// Bar label under the x axis; blank = `"Step <n>"`.
    pub label: String,
    /// e.g. "case mix", "outcome model", "design", "chance": steps of one
    /// group share a colour and a legend entry.
    pub group: String,
    /// Signed contribution to the running total.
    pub delta: f64,
    /// Half-width of an error bar drawn at the end of the step (e.g.
    /// 1.96 MCSE); `None` = no bar.
    pub error: Option<f64>,
}

/// A whole waterfall chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Waterfall {
    /// Caption on top; omitted when blank.
    pub title: String,
    /// y-axis description; omitted when blank.
    pub y_label: String,
    /// Label of the starting total (e.g. cohort B's median PFS); blank =
    /// `"Start"`.
    pub start_label: String,
    /// The starting total.
    pub start: f64,
    /// Contributions, drawn left to right in this order.
    pub steps: Vec<WaterfallStep>,
    /// Label of the final total bar (its value is start + sum of deltas);
    /// blank = `"End"`.
    pub end_label: String,
    /// Optional reference values drawn as dashed horizontal lines, e.g.
    /// `("A reported", 16.1)`.
    pub reference_lines: Vec<(String, f64)>,
    /// Canvas width in pixels; 0 = [`auto_width`].
    pub width: u32,
    /// Canvas height in pixels; 0 = [`DEFAULT_HEIGHT`].
    pub height: u32,
}

/// Canvas height used when [`Waterfall::height`] is 0.
pub const DEFAULT_HEIGHT: u32 = 500;
/// Auto width: fixed part (y axis, margins) …
pub const AUTO_WIDTH_BASE: u32 = 140;
/// … plus this much per bar (start, steps, end).
pub const AUTO_WIDTH_PER_BAR: u32 = 70;
/// Colour of the start and end (total) bars.
pub const TOTAL_HEX: &str = "#808080";
/// Colour of the connectors between bars.
pub const CONNECTOR_HEX: &str = "#666666";
/// Colour of the error-bar whiskers.
pub const WHISKER_HEX: &str = "#333333";
/// Colour of the dashed reference lines.
pub const REFERENCE_HEX: &str = "#555555";
/// Value label of a step whose delta is not usable.
pub const NA_TEXT: &str = "n/a";
/// Appended to the end bar's axis label when some step was not usable.
pub const NA_END_SUFFIX: &str = " (excl. n/a)";
/// Legend entry of the steps with a blank group.
pub const UNGROUPED_LEGEND: &str = "other";
/// Note shown when the start value is not usable.
pub const START_NA_NOTE: &str = "Start value is not finite: bars not drawn";
/// Most lines a bar label under the x axis is wrapped onto.
pub const MAX_LABEL_LINES: usize = 3;
/// Half width of the error-bar caps (pixels).
pub const CAP_HALF_WIDTH: i32 = 4;
/// Bar width as a fraction of the horizontal space per bar.
pub const BAR_WIDTH: f64 = 0.7;

const TOTAL: RGBColor = RGBColor(0x80, 0x80, 0x80);
const CONNECTOR: RGBColor = RGBColor(0x66, 0x66, 0x66);
const WHISKER: RGBColor = RGBColor(0x33, 0x33, 0x33);
const TEXT: RGBColor = RGBColor(0x33, 0x33, 0x33);
const REF_TEXT: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// Reference lines: sentinel stroke rewritten to `REFERENCE_HEX` + dashes.
const REF_SENTINEL: RGBColor = RGBColor(1, 5, 0);
const REF_DASH: &str = "6,4";
/// Legend strip: height of one line, of each further line, font size, and
/// the horizontal space of the colour sample and of the gap after an item.
const LEGEND_HEIGHT: u32 = 28;
const LEGEND_ROW: u32 = 18;
const LEGEND_FONT: f64 = 13.0;
const LEGEND_SAMPLE: f64 = 20.0;
const LEGEND_GAP: f64 = 24.0;
/// Bar labels under the axis: font size and line height (pixels).
const LABEL_FONT: f64 = 12.0;
const LABEL_LINE: u32 = 15;
/// Value labels: font size and the room (pixels) they need beyond a bar.
const VALUE_FONT: f64 = 12.0;
const VALUE_ROOM: f64 = 20.0;
/// Reference-line labels in the right margin.
const REF_FONT: f64 = 12.0;
const REF_LABEL_GAP: f64 = 14.0;
/// Chart margins (pixels) and approximate title height.
const MARGIN_LEFT: u32 = 8;
const MARGIN_RIGHT: u32 = 16;
const MARGIN_TOP: u32 = 4;
const MARGIN_BOTTOM: u32 = 8;
const TITLE_HEIGHT: f64 = 30.0;

/// Canvas width used when [`Waterfall::width`] is 0:
/// `AUTO_WIDTH_BASE + AUTO_WIDTH_PER_BAR × (steps + 2)`, plus the room the
/// reference-line labels need in the right margin beyond the default
/// margin, clamped to `MIN_WIDTH..=MAX_SIDE`.
pub fn auto_width(w: &Waterfall) -> u32 {
    let bars = (w.steps.len() as u64).saturating_add(2);
    let (references, _) = split_references(&w.reference_lines);
    let extra = (ref_label_room(&references) - f64::from(MARGIN_RIGHT)).ceil() as u64;
    let px = u64::from(AUTO_WIDTH_BASE)
        .saturating_add(u64::from(AUTO_WIDTH_PER_BAR).saturating_mul(bars))
        .saturating_add(extra);
    px.clamp(u64::from(MIN_WIDTH), u64::from(MAX_SIDE)) as u32
}

/// Usable reference lines as `("label: value", value)`, and the labels of
/// the others as `"label (n/a)"`.
fn split_references(lines: &[(String, f64)]) -> (Vec<(String, f64)>, Vec<String>) {
    let mut references = Vec::new();
    let mut hidden = Vec::new();
    for (label, v) in lines {
        let label = one_line(label).trim().to_string();
        if usable(*v) {
            let text = if label.is_empty() {
                fmt_total(*v)
            } else {
                format!("{label}: {}", fmt_total(*v))
            };
            references.push((text, *v));
        } else {
            let label = if label.is_empty() {
                "reference"
            } else {
                &label
            };
            hidden.push(format!("{label} (n/a)"));
        }
    }
    (references, hidden)
}

/// Right margin (pixels) that fits the reference-line labels, at least
/// the default margin.
fn ref_label_room(references: &[(String, f64)]) -> f64 {
    references
        .iter()
        .map(|r| text_width(&r.0, REF_FONT) + 12.0)
        .fold(f64::from(MARGIN_RIGHT), f64::max)
}

// ------------------------------------------------------------ preparation

/// Where a bar is drawn (value coordinates); absent when the start value is
/// not usable.
struct Geom {
    /// Bar extent; `lo == hi` for an unusable step. For total bars these are
    /// the baseline and the total (in either order).
    lo: f64,
    hi: f64,
    /// Running total after this bar (connector level).
    level: f64,
    /// Whisker ends.
    whisker: Option<(f64, f64)>,
    /// Value the value label is anchored at, and whether it sits above.
    anchor: f64,
    above: bool,
}

struct Bar {
    label_lines: Vec<String>,
    /// `None` for the total bars, else the group index.
    group: Option<usize>,
    value_text: String,
    geom: Option<Geom>,
}

#[derive(Clone)]
enum LegendItem {
    Group(usize, String),
    Text(String),
}

struct Prepared {
    title: String,
    y_label: String,
    bars: Vec<Bar>,
    y_range: (f64, f64),
    y_ticks: usize,
    y_area: u32,
    x_area: u32,
    right_margin: u32,
    legend: Vec<Vec<LegendItem>>,
    /// Usable reference lines: label text and value.
    references: Vec<(String, f64)>,
    start_usable: bool,
}

/// `fmt_value` with a typographic minus sign.
fn fmt_total(v: f64) -> String {
    let s = fmt_value(v);
    match s.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// Signed delta: `"+1.3"`, `"−0.4"`, `"0"`, or [`NA_TEXT`].
fn fmt_delta(v: f64) -> String {
    if !usable(v) {
        NA_TEXT.to_string()
    } else if v > 0.0 {
        format!("+{}", fmt_value(v))
    } else {
        fmt_total(v)
    }
}

fn label_or(label: &str, default: impl FnOnce() -> String) -> String {
    let s = one_line(label);
    let s = s.trim();
    if s.is_empty() {
        default()
    } else {
        s.to_string()
    }
}

/// Greedy word wrap into lines of at most `max_chars` characters (words
/// longer than that are split), at most `max_lines` lines; a cut-off text
/// ends with `…`.
fn wrap(text: &str, max_chars: usize, max_lines: usize) -> Vec<String> {
    let max_chars = max_chars.max(1);
    let mut lines: Vec<Vec<char>> = Vec::new();
    let mut cur: Vec<char> = Vec::new();
    for word in text.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        for chunk in chars.chunks(max_chars) {
            if cur.is_empty() {
                cur.extend_from_slice(chunk);
            } else if cur.len() + 1 + chunk.len() <= max_chars {
                cur.push(' ');
                cur.extend_from_slice(chunk);
            } else {
                lines.push(std::mem::take(&mut cur));
                cur.extend_from_slice(chunk);
            }
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    let max_lines = max_lines.max(1);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            last.truncate(max_chars.saturating_sub(1));
            last.push('…');
        }
    }
    lines.into_iter().map(|l| l.into_iter().collect()).collect()
}

/// Keep the start of `s` so that it fits `max_width` pixels at `size`.
fn shorten_end(s: &str, max_width: f64, size: f64) -> String {
    if text_width(s, size) <= max_width {
        return s.to_string();
    }
    let per_char = text_width("x", size);
    let keep = ((max_width / per_char).floor().max(0.0) as usize).saturating_sub(1);
    let head: String = s.chars().take(keep).collect();
    format!("{head}…")
}

fn legend_item_width(item: &LegendItem) -> f64 {
    match item {
        LegendItem::Group(_, text) => LEGEND_SAMPLE + text_width(text, LEGEND_FONT) + LEGEND_GAP,
        LegendItem::Text(text) => text_width(text, LEGEND_FONT) + LEGEND_GAP,
    }
}

fn legend_height(lines: &[Vec<LegendItem>]) -> u32 {
    LEGEND_HEIGHT + LEGEND_ROW * (lines.len().max(1) as u32 - 1)
}

/// Group items wrapped greedily into lines that fit `width`, at most
/// `max_lines` of them (the rest summarised as "(+k more)"), plus one line
/// with the note on hidden reference lines.
fn legend_lines(
    groups: &[String],
    hidden_refs: &[String],
    width: u32,
    max_lines: usize,
) -> Vec<Vec<LegendItem>> {
    let avail = f64::from(width) - 16.0;
    let item_max = (avail - LEGEND_SAMPLE - LEGEND_GAP).max(10.0);
    let mut lines: Vec<Vec<LegendItem>> = Vec::new();
    let mut used = 0.0;
    let mut dropped = 0usize;
    for (k, name) in groups.iter().enumerate() {
        let item = LegendItem::Group(k, shorten_end(name, item_max, LEGEND_FONT));
        let w = legend_item_width(&item);
        let n_lines = lines.len();
        match lines.last_mut() {
            Some(line) if used + w <= avail => {
                line.push(item);
                used += w;
            }
            _ if n_lines >= max_lines => dropped += 1,
            _ => {
                lines.push(vec![item]);
                used = w;
            }
        }
    }
    if dropped > 0 {
        if let Some(line) = lines.last_mut() {
            // Replace items at the end of the last line until the summary fits.
            loop {
                let text = format!("(+{dropped} more)");
                let w = legend_item_width(&LegendItem::Text(text.clone()));
                let line_w: f64 = line.iter().map(legend_item_width).sum();
                if line_w + w <= avail || line.len() <= 1 {
                    line.push(LegendItem::Text(text));
                    break;
                }
                line.pop();
                dropped += 1;
            }
        }
    }
    if !hidden_refs.is_empty() {
        let note = format!("Not shown: {}", hidden_refs.join("; "));
        lines.push(vec![LegendItem::Text(shorten_end(
            &note,
            avail - LEGEND_GAP,
            LEGEND_FONT,
        ))]);
    }
    lines
}

fn prepare(w: &Waterfall, width: u32, height: u32) -> Prepared {
    let start_usable = usable(w.start);

    // Groups in order of first appearance.
    let mut group_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut groups: Vec<String> = Vec::new();
    let step_groups: Vec<usize> = w
        .steps
        .iter()
        .map(|s| {
            let name = label_or(&s.group, || UNGROUPED_LEGEND.to_string());
            *group_index.entry(name.clone()).or_insert_with(|| {
                groups.push(name);
                groups.len() - 1
            })
        })
        .collect();

    // Running totals in value space: (before, after, drawn delta) per step.
    let mut running = w.start;
    let mut any_na = false;
    let mut steps: Vec<(f64, f64, Option<f64>)> = Vec::with_capacity(w.steps.len());
    for s in &w.steps {
        let after = running + s.delta;
        if usable(s.delta) && usable(after) {
            steps.push((running, after, Some(s.delta)));
            running = after;
        } else {
            any_na = true;
            steps.push((running, running, None));
        }
    }
    let end = running;
    let whiskers: Vec<Option<(f64, f64)>> = w
        .steps
        .iter()
        .zip(&steps)
        .map(|(s, &(_, after, d))| {
            let e = s.error.filter(|e| usable(*e))?.abs();
            d?;
            let (lo, hi) = (after - e, after + e);
            (usable(lo) && usable(hi)).then_some((lo, hi))
        })
        .collect();

    let (references, hidden_refs) = split_references(&w.reference_lines);

    // Legend.
    let legend_groups: &[String] = if start_usable && !w.steps.is_empty() {
        &groups
    } else {
        &[]
    };
    let max_legend_lines = ((height / 4).saturating_sub(LEGEND_HEIGHT) / LEGEND_ROW + 1) as usize;
    let legend = legend_lines(legend_groups, &hidden_refs, width, max_legend_lines);

    // Value range before room for labels.
    let mut values: Vec<f64> = references.iter().map(|r| r.1).collect();
    if start_usable {
        values.push(w.start);
        values.extend(steps.iter().map(|s| s.1));
        values.extend(whiskers.iter().flatten().flat_map(|&(lo, hi)| [lo, hi]));
    }
    let (a, b) = padded_range(values);

    // Horizontal layout.
    let title = one_line(&w.title);
    let title_h = if title.trim().is_empty() {
        0.0
    } else {
        TITLE_HEIGHT
    };
    let y_label = one_line(&w.y_label);
    let y_desc = if y_label.trim().is_empty() { 0.0 } else { 20.0 };
    let ny_guess = n_ticks(f64::from(height) * 0.6, 36.0);
    let y_tick_width = [a, b, (a + b) / 2.0]
        .iter()
        .map(|v| text_width(&tick_label(*v, a, b, ny_guess), 13.0))
        .fold(0.0, f64::max);
    let y_area = (y_tick_width + 14.0 + y_desc).clamp(50.0, f64::from(width) / 3.0) as u32;
    let right_margin = ref_label_room(&references).min(f64::from(width) * 0.3) as u32;
    let plot_w =
        (f64::from(width) - f64::from(MARGIN_LEFT) - f64::from(y_area) - f64::from(right_margin))
            .max(1.0);
    let n_bars = w.steps.len() + 2;
    let slot = plot_w / n_bars as f64;
    let max_chars = ((slot - 6.0) / text_width("x", LABEL_FONT))
        .floor()
        .max(1.0) as usize;

    // Bars (labels and value texts; geometry below).
    let mut end_label = label_or(&w.end_label, || "End".to_string());
    if any_na {
        end_label.push_str(NA_END_SUFFIX);
    }
    let mut labels: Vec<(String, Option<usize>, String)> = Vec::with_capacity(n_bars);
    labels.push((
        label_or(&w.start_label, || "Start".to_string()),
        None,
        fmt_total(w.start),
    ));
    for (i, s) in w.steps.iter().enumerate() {
        labels.push((
            label_or(&s.label, || format!("Step {}", i + 1)),
            Some(step_groups[i]),
            fmt_delta(steps[i].2.unwrap_or(f64::NAN)),
        ));
    }
    labels.push((end_label, None, fmt_total(end)));
    let label_lines: Vec<Vec<String>> = labels
        .iter()
        .map(|l| wrap(&l.0, max_chars, MAX_LABEL_LINES))
        .collect();
    let max_lines = label_lines.iter().map(Vec::len).max().unwrap_or(1).max(1) as u32;
    let x_area = (10 + LABEL_LINE * max_lines + 4).min(height / 3);

    // Vertical layout and room for the value labels.
    let plot_h = (f64::from(height)
        - title_h
        - f64::from(legend_height(&legend))
        - f64::from(x_area)
        - f64::from(MARGIN_TOP + MARGIN_BOTTOM))
    .max(1.0);
    let room = (VALUE_ROOM / plot_h).min(0.3);
    let need_above = start_usable
        && (w.start >= 0.0 || end >= 0.0 || steps.iter().any(|s| s.2.is_none_or(|d| d >= 0.0)));
    let need_below = start_usable
        && (w.start < 0.0 || end < 0.0 || steps.iter().any(|s| s.2.is_some_and(|d| d < 0.0)));
    let fl = if need_below { room } else { 0.0 };
    let fr = if need_above { room } else { 0.0 };
    let total = (b - a) / (1.0 - fl - fr);
    let (y0, y1) = (a - fl * total, b + fr * total);
    let baseline = 0f64.clamp(y0, y1);

    // Geometry.
    let total_geom = |v: f64| Geom {
        lo: baseline.min(v),
        hi: baseline.max(v),
        level: v,
        whisker: None,
        anchor: v,
        above: v >= 0.0,
    };
    let mut bars = Vec::with_capacity(n_bars);
    for (k, ((_, group, value_text), lines)) in labels.into_iter().zip(label_lines).enumerate() {
        let geom = start_usable.then(|| {
            if k == 0 {
                total_geom(w.start)
            } else if k == n_bars - 1 {
                total_geom(end)
            } else {
                let (before, after, d) = steps[k - 1];
                let whisker = whiskers[k - 1];
                let above = d.is_none_or(|d| d >= 0.0);
                let anchor = match (whisker, above) {
                    (Some((_, hi)), true) => hi,
                    (Some((lo, _)), false) => lo,
                    (None, _) => after,
                };
                Geom {
                    lo: before.min(after),
                    hi: before.max(after),
                    level: after,
                    whisker,
                    anchor,
                    above,
                }
            }
        });
        bars.push(Bar {
            label_lines: lines,
            group,
            value_text,
            geom,
        });
    }

    Prepared {
        title,
        y_label,
        bars,
        y_range: (y0, y1),
        y_ticks: n_ticks(plot_h, 36.0),
        y_area,
        x_area,
        right_margin,
        legend,
        references,
        start_usable,
    }
}

// ------------------------------------------------------------ rendering

/// Render `w` as a standalone SVG document.
///
/// See the module docs for what is drawn, how degenerate input is handled
/// and which errors exist.
pub fn render_waterfall(w: &Waterfall) -> Result<String, RenderError> {
    let auto = if w.width == 0 { auto_width(w) } else { 0 };
    let (width, height) = check_size(w.width, w.height, auto, DEFAULT_HEIGHT)?;
    let prepared = prepare(w, width, height);
    let svg = render_guarded(|buf| draw(&prepared, width, height, buf))?;
    Ok(svg.replace(
        &format!(
            "stroke=\"#{:02X}{:02X}{:02X}\"",
            REF_SENTINEL.0, REF_SENTINEL.1, REF_SENTINEL.2
        ),
        &format!("stroke=\"{REFERENCE_HEX}\" stroke-dasharray=\"{REF_DASH}\""),
    ))
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

    let n = p.bars.len();
    let (x0, x1) = (-0.5, n as f64 - 0.5);
    let (y0, y1) = p.y_range;
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(MARGIN_LEFT)
        .margin_right(p.right_margin)
        .margin_top(MARGIN_TOP)
        .margin_bottom(MARGIN_BOTTOM)
        .x_label_area_size(p.x_area)
        .y_label_area_size(p.y_area)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(plot_err)?;

    let ny = p.y_ticks;
    let y_fmt = |v: &f64| tick_label(*v, y0, y1, ny);
    let mut mesh = chart.configure_mesh();
    mesh.disable_x_mesh()
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .bold_line_style(RGBColor(0xE4, 0xE4, 0xE4))
        .light_line_style(TRANSPARENT)
        .x_labels(0)
        .y_labels(ny)
        .y_label_formatter(&y_fmt);
    if !p.y_label.trim().is_empty() {
        mesh.y_desc(p.y_label.as_str());
    }
    mesh.draw().map_err(plot_err)?;

    // legend strip: aligned with the left edge of the plot when it fits,
    // else with the left edge of the canvas
    if !p.legend.is_empty() {
        let (plot_left, _) = chart.backend_coord(&(x0, y1));
        let origin = legend_area.get_base_pixel();
        let widest = p
            .legend
            .iter()
            .map(|line| line.iter().map(legend_item_width).sum::<f64>())
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
            for item in line {
                let (text, dx) = match item {
                    LegendItem::Group(g, text) => {
                        legend_area
                            .draw(&Rectangle::new(
                                [(x, cy - 5), (x + 14, cy + 5)],
                                palette(*g).filled(),
                            ))
                            .map_err(plot_err)?;
                        (text, LEGEND_SAMPLE as i32)
                    }
                    LegendItem::Text(text) => (text, 0),
                };
                legend_area
                    .draw(&Text::new(text.as_str(), (x + dx, cy), text_style.clone()))
                    .map_err(plot_err)?;
                x += legend_item_width(item) as i32;
            }
        }
    }

    // bar labels under the x axis
    let label_style = TextStyle::from(("sans-serif", LABEL_FONT).into_font())
        .color(&TEXT)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, bar) in p.bars.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64, y0));
        for (k, line) in bar.label_lines.iter().enumerate() {
            root.draw(&Text::new(
                line.as_str(),
                (px, py + 8 + (LABEL_LINE as usize * k) as i32),
                label_style.clone(),
            ))
            .map_err(plot_err)?;
        }
    }

    // bars
    let half = BAR_WIDTH / 2.0;
    for (i, bar) in p.bars.iter().enumerate() {
        let Some(g) = &bar.geom else { continue };
        let colour = bar.group.map_or(TOTAL, palette);
        let x = i as f64;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - half, g.hi), (x + half, g.lo)],
                colour.filled(),
            )))
            .map_err(plot_err)?;
    }

    // connectors at the running total between consecutive bars
    let connector = CONNECTOR.stroke_width(1);
    for (i, pair) in p.bars.windows(2).enumerate() {
        let (Some(g), Some(_)) = (&pair[0].geom, &pair[1].geom) else {
            continue;
        };
        let x = i as f64;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x + half, g.level), (x + 1.0 - half, g.level)],
                connector,
            )))
            .map_err(plot_err)?;
    }

    // whiskers
    let whisker = WHISKER.stroke_width(1);
    for (i, bar) in p.bars.iter().enumerate() {
        let Some((lo, hi)) = bar.geom.as_ref().and_then(|g| g.whisker) else {
            continue;
        };
        let x = i as f64;
        let (_, py_lo) = chart.backend_coord(&(x, lo));
        let (_, py_hi) = chart.backend_coord(&(x, hi));
        let dy = py_hi - py_lo;
        let c = CAP_HALF_WIDTH;
        let shape = vec![(-c, 0), (c, 0), (0, 0), (0, dy), (-c, dy), (c, dy)];
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x, lo)) + PathElement::new(shape, whisker),
            ))
            .map_err(plot_err)?;
    }

    // reference lines (dashed via sentinel colour), labelled in the right
    // margin; labels closer than REF_LABEL_GAP are pushed apart downwards
    let mut ref_labels: Vec<(i32, &str)> = Vec::with_capacity(p.references.len());
    for (text, v) in &p.references {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, *v), (x1, *v)],
                REF_SENTINEL.stroke_width(1),
            )))
            .map_err(plot_err)?;
        ref_labels.push((chart.backend_coord(&(x1, *v)).1, text.as_str()));
    }
    ref_labels.sort_by_key(|r| r.0);
    let (plot_right, _) = chart.backend_coord(&(x1, y0));
    let ref_max_w = f64::from(p.right_margin) - 8.0;
    let ref_style = TextStyle::from(("sans-serif", REF_FONT).into_font())
        .color(&REF_TEXT)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut last_y = i32::MIN;
    for (py, text) in ref_labels {
        let y = py.max(last_y.saturating_add(REF_LABEL_GAP as i32));
        last_y = y;
        root.draw(&Text::new(
            shorten_end(text, ref_max_w, REF_FONT),
            (plot_right + 4, y),
            ref_style.clone(),
        ))
        .map_err(plot_err)?;
    }

    // value labels beyond the far end of each bar
    let above = TextStyle::from(("sans-serif", VALUE_FONT).into_font())
        .color(&TEXT)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    let below = above.pos(Pos::new(HPos::Center, VPos::Top));
    for (i, bar) in p.bars.iter().enumerate() {
        let Some(g) = &bar.geom else { continue };
        let (dy, style) = if g.above {
            (-4, above.clone())
        } else {
            (4, below.clone())
        };
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((i as f64, g.anchor))
                    + Text::new(bar.value_text.clone(), (0, dy), style),
            ))
            .map_err(plot_err)?;
    }

    if !p.start_usable {
        let style = TextStyle::from(("sans-serif", 16).into_font())
            .color(&TEXT)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new(
                START_NA_NOTE.to_string(),
                ((x0 + x1) / 2.0, y0 + 0.62 * (y1 - y0)),
                style,
            )))
            .map_err(plot_err)?;
    }

    root.present().map_err(plot_err)?;
    Ok(())
}
