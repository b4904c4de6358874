//! Kaplan–Meier band figure rendered to an SVG string with plotters.
//!
//! For each arm ([`CurveBand`]) the figure shows, in drawing order:
//! 1. a shaded band between `lower` and `upper` (a `<polygon>`),
//! 2. the median replicate curve, dashed (one `<polyline>`),
//! 3. the true curve, solid (one `<polyline>`).
//!
//! plus a dashed horizontal guide at S = 0.5, a dotted vertical marker with a
//! label per published median, a legend (lower left), axes in months and
//! survival probability on [0, 1]. All curves are drawn as right-continuous
//! step functions (see [`step_points`]).
//!
//! # Robustness
//! * Points whose time or value is non-finite are dropped; values are clamped
//!   to [0, 1]; points are sorted by time (stable); length mismatches between
//!   `times` and a value vector use the shorter length. The band uses only the
//!   times at which both `lower` and `upper` are finite (swapped if
//!   `lower > upper`).
//! * `x_max` that is non-finite or `<= 0` is replaced by the largest finite
//!   time in the data (or published median); if there is none, by 1.
//! * A figure with nothing drawable renders the empty axes with the note
//!   [`EMPTY_NOTE`]; it is **not** an error.
//! * Published medians that are non-finite (not reached) or outside
//!   `[0, x_max]` get no marker; they are listed in a note in the lower right
//!   corner ("Not shown: label (NR)").
//! * The only errors are a canvas size outside
//!   `MIN_WIDTH..=MAX_SIDE` × `MIN_HEIGHT..=MAX_SIDE` ([`RenderError::InvalidSize`]), a plotters
//!   drawing error ([`RenderError::Plot`]) and — defensively — a panic inside
//!   plotters, caught and returned as [`RenderError::Internal`].
//!
//! # Dashes
//! plotters' SVG backend cannot emit `stroke-dasharray`, so dashed strokes are
//! drawn with reserved sentinel colours (`#0103xx`, `#0102xx`) which are
//! rewritten to the real colour plus a `stroke-dasharray` attribute after
//! rendering. Each dashed curve therefore stays a single `<polyline>`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::error::{plot_err, RenderError};

/// One arm: the true survival curve and the replicate summary band, all
/// evaluated on `times` (months).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurveBand {
    pub label: String,
    pub times: Vec<f64>,
    pub truth: Vec<f64>,
    /// e.g. 2.5th percentile over replicate KM curves at each time.
    pub lower: Vec<f64>,
    pub median: Vec<f64>,
    /// e.g. 97.5th percentile over replicate KM curves at each time.
    pub upper: Vec<f64>,
}

/// A whole KM figure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KmFigure {
    /// Caption on top; omitted when empty.
    pub title: String,
    /// y-axis description; `"Survival probability"` when empty.
    pub y_label: String,
    /// One band per arm, coloured in this order from [`PALETTE_HEX`].
    pub bands: Vec<CurveBand>,
    /// Vertical markers (label, months).
    pub published_medians: Vec<(String, f64)>,
    /// Right end of the time axis (months); see module docs for fallbacks.
    pub x_max: f64,
}

/// Smallest accepted canvas width (pixels).
pub const MIN_WIDTH: u32 = 240;
/// Smallest accepted canvas height (pixels).
pub const MIN_HEIGHT: u32 = 180;
/// Largest accepted canvas side (pixels).
pub const MAX_SIDE: u32 = 10_000;
/// Text drawn in the middle of a figure that has no drawable curve.
pub const EMPTY_NOTE: &str = "No data to display";
/// Default y-axis description.
pub const DEFAULT_Y_LABEL: &str = "Survival probability";
/// x-axis description.
pub const X_LABEL: &str = "Time (months)";

/// Arm colours (Okabe–Ito, colour-blind safe), cycled when there are more arms.
pub const PALETTE_HEX: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];
/// Dash pattern of the median replicate curves.
const MEDIAN_DASH: &str = "7,4";
/// Guide at S = 0.5.
const GUIDE_SENTINEL: RGBColor = RGBColor(1, 2, 0);
const GUIDE_REAL: &str = "#888888";
const GUIDE_DASH: &str = "4,4";
/// Published-median markers.
const MARKER_SENTINEL: RGBColor = RGBColor(1, 2, 1);
const MARKER_REAL: &str = "#444444";
const MARKER_DASH: &str = "2,3";
const MARKER_TEXT: RGBColor = RGBColor(0x44, 0x44, 0x44);

fn median_sentinel(palette_idx: usize) -> RGBColor {
    RGBColor(1, 3, palette_idx as u8)
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Step-function vertices of a right-continuous survival curve, clipped to
/// `[0, x_max]`.
///
/// Input pairs with a non-finite time or value are dropped, values are clamped
/// to [0, 1] and pairs are stably sorted by time. With `k` kept points
/// `(t0,s0)..(t_{k-1},s_{k-1})` inside `[0, x_max]` the result is
/// `(t0,s0), (t1,s0), (t1,s1), …, (t_{k-1},s_{k-2}), (t_{k-1},s_{k-1})`,
/// i.e. `2k - 1` vertices, plus:
/// * a leading `(0, s)` vertex when the data has points before 0 and none at 0
///   (`s` = last value before 0), counted as a kept point;
/// * a trailing `(x_max, s_last)` vertex when data continues beyond `x_max`.
///
/// No vertex is added after the last time otherwise (the curve is not
/// extrapolated). Empty input gives an empty vector. `x_max` must be finite
/// for clipping; a non-finite `x_max` disables the upper clip.
pub fn step_points(times: &[f64], values: &[f64], x_max: f64) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = times
        .iter()
        .zip(values)
        .filter(|(t, v)| t.is_finite() && v.is_finite())
        .map(|(&t, &v)| (t, v.clamp(0.0, 1.0)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let upper = if x_max.is_finite() {
        x_max
    } else {
        f64::INFINITY
    };

    let before_zero = pts.iter().rev().find(|p| p.0 < 0.0).copied();
    let mut kept: Vec<(f64, f64)> = pts
        .iter()
        .copied()
        .filter(|p| p.0 >= 0.0 && p.0 <= upper)
        .collect();
    if let Some((_, v)) = before_zero {
        let starts_after_zero = !matches!(kept.first(), Some(p) if p.0 <= 0.0);
        if starts_after_zero && upper >= 0.0 {
            kept.insert(0, (0.0, v));
        }
    }
    let continues = pts.iter().any(|p| p.0 > upper);

    let mut out = Vec::with_capacity(kept.len() * 2 + 1);
    for (i, &(t, v)) in kept.iter().enumerate() {
        if i > 0 {
            out.push((t, kept[i - 1].1));
        }
        out.push((t, v));
    }
    if continues {
        if let Some(&(t, v)) = kept.last() {
            if t < upper {
                out.push((upper, v));
            }
        }
    }
    out
}

/// Closed outline of the band between `lower` and `upper` as steps: the
/// upper step vertices left to right, then the lower ones right to left.
/// Empty when no time has both bounds finite.
pub fn band_polygon(times: &[f64], lower: &[f64], upper: &[f64], x_max: f64) -> Vec<(f64, f64)> {
    let mut t = Vec::new();
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for ((&ti, &l), &u) in times.iter().zip(lower).zip(upper) {
        if ti.is_finite() && l.is_finite() && u.is_finite() {
            t.push(ti);
            lo.push(l.min(u));
            hi.push(l.max(u));
        }
    }
    let top = step_points(&t, &hi, x_max);
    let mut bottom = step_points(&t, &lo, x_max);
    if top.is_empty() || bottom.is_empty() {
        return Vec::new();
    }
    bottom.reverse();
    let mut poly = top;
    poly.extend(bottom);
    poly
}

/// The `x_max` actually used for a figure (see module docs).
pub fn effective_x_max(fig: &KmFigure) -> f64 {
    if fig.x_max.is_finite() && fig.x_max > 0.0 {
        return fig.x_max;
    }
    let data_max = fig
        .bands
        .iter()
        .flat_map(|b| b.times.iter().copied())
        .chain(fig.published_medians.iter().map(|m| m.1))
        .filter(|t| t.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if data_max.is_finite() && data_max > 0.0 {
        data_max
    } else {
        1.0
    }
}

struct PreparedArm {
    label: String,
    palette_idx: usize,
    truth: Vec<(f64, f64)>,
    median: Vec<(f64, f64)>,
    band: Vec<(f64, f64)>,
}

struct Prepared {
    title: String,
    y_label: String,
    x_max: f64,
    arms: Vec<PreparedArm>,
    markers: Vec<(String, f64)>,
    hidden_markers: Vec<String>,
}

fn prepare(fig: &KmFigure) -> Prepared {
    let x_max = effective_x_max(fig);
    let arms = fig
        .bands
        .iter()
        .enumerate()
        .map(|(i, b)| PreparedArm {
            label: one_line(&b.label),
            palette_idx: i % PALETTE.len(),
            truth: step_points(&b.times, &b.truth, x_max),
            median: step_points(&b.times, &b.median, x_max),
            band: band_polygon(&b.times, &b.lower, &b.upper, x_max),
        })
        .collect();
    let mut markers = Vec::new();
    let mut hidden_markers = Vec::new();
    for (label, m) in &fig.published_medians {
        let label = one_line(label);
        if m.is_finite() && *m >= 0.0 && *m <= x_max {
            markers.push((label, *m));
        } else if m.is_nan() || *m == f64::INFINITY {
            hidden_markers.push(format!("{label} (NR)"));
        } else {
            hidden_markers.push(format!("{label} ({} mo, off axis)", fmt_months(*m)));
        }
    }
    Prepared {
        title: one_line(&fig.title),
        y_label: if fig.y_label.trim().is_empty() {
            DEFAULT_Y_LABEL.to_string()
        } else {
            one_line(&fig.y_label)
        },
        x_max,
        arms,
        markers,
        hidden_markers,
    }
}

/// Labels are drawn as single-line SVG text.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}

/// Render `fig` as a standalone SVG document of `width` × `height` pixels.
///
/// Deterministic: identical input gives byte-identical output. See the
/// module docs for how degenerate input is handled and which errors exist.
pub fn render_svg(fig: &KmFigure, width: u32, height: u32) -> Result<String, RenderError> {
    if !(MIN_WIDTH..=MAX_SIDE).contains(&width) || !(MIN_HEIGHT..=MAX_SIDE).contains(&height) {
        return Err(RenderError::InvalidSize { width, height });
    }
    let prepared = prepare(fig);
    let mut buf = String::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        draw(&prepared, width, height, &mut buf)
    }));
    match outcome {
        Ok(Ok(())) => Ok(apply_dashes(buf, &prepared)),
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

/// Rewrite sentinel stroke colours into real colours + dash patterns.
fn apply_dashes(svg: String, p: &Prepared) -> String {
    let mut out = svg;
    let mut rules: Vec<(String, String, &str)> = vec![
        (hex(GUIDE_SENTINEL), GUIDE_REAL.to_string(), GUIDE_DASH),
        (hex(MARKER_SENTINEL), MARKER_REAL.to_string(), MARKER_DASH),
    ];
    let mut used: Vec<usize> = p.arms.iter().map(|a| a.palette_idx).collect();
    used.sort_unstable();
    used.dedup();
    for idx in used {
        rules.push((
            hex(median_sentinel(idx)),
            PALETTE_HEX[idx].to_string(),
            MEDIAN_DASH,
        ));
    }
    for (sentinel, real, dash) in rules {
        out = out.replace(
            &format!("stroke=\"{sentinel}\""),
            &format!("stroke=\"{real}\" stroke-dasharray=\"{dash}\""),
        );
    }
    out
}

fn x_tick_label(v: f64, x_max: f64) -> String {
    if !(1e-2..1e5).contains(&x_max) {
        format!("{v:.2e}")
    } else if x_max >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Months for marker labels; scientific notation for absurd magnitudes.
fn fmt_months(m: f64) -> String {
    if m != 0.0 && !(1e-2..1e5).contains(&m.abs()) {
        format!("{m:.2e}")
    } else {
        format!("{m:.1}")
    }
}

fn draw(p: &Prepared, width: u32, height: u32, buf: &mut String) -> Result<(), RenderError> {
    let root = SVGBackend::with_string(buf, (width, height)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;

    let mut builder = ChartBuilder::on(&root);
    builder
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(62);
    if !p.title.trim().is_empty() {
        builder.caption(&p.title, ("sans-serif", 20));
    }
    let x_max = p.x_max;
    let mut chart = builder
        .build_cartesian_2d(0f64..x_max, 0f64..1f64)
        .map_err(plot_err)?;

    chart
        .configure_mesh()
        .x_desc(X_LABEL)
        .y_desc(p.y_label.as_str())
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .bold_line_style(RGBColor(0xE4, 0xE4, 0xE4))
        .light_line_style(TRANSPARENT)
        .x_labels(10)
        .y_labels(11)
        .x_label_formatter(&|v| x_tick_label(*v, x_max))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()
        .map_err(plot_err)?;

    // 1. bands (all arms first, so no band hides another arm's curve)
    for arm in &p.arms {
        if arm.band.is_empty() {
            continue;
        }
        let fill = PALETTE[arm.palette_idx].mix(0.18).filled();
        chart
            .draw_series(std::iter::once(Polygon::new(arm.band.clone(), fill)))
            .map_err(plot_err)?
            .label(format!("{}: replicate band", arm.label))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], fill));
    }

    // 2. guide at S = 0.5
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.5), (x_max, 0.5)],
            GUIDE_SENTINEL.stroke_width(1),
        )))
        .map_err(plot_err)?;

    // 3. published-median markers with staggered labels
    let label_style = TextStyle::from(("sans-serif", 13).into_font())
        .color(&MARKER_TEXT)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let label_style_right = label_style.pos(Pos::new(HPos::Right, VPos::Center));
    for (i, (label, m)) in p.markers.iter().enumerate() {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(*m, 0.0), (*m, 1.0)],
                MARKER_SENTINEL.stroke_width(1),
            )))
            .map_err(plot_err)?;
        let y = 0.97 - 0.05 * (i % 6) as f64;
        let text = format!("{label}: {} mo", fmt_months(*m));
        // Put the label left of the line when the marker is in the right fifth.
        let (dx, style) = if *m > 0.8 * x_max {
            (-4, label_style_right.clone())
        } else {
            (4, label_style.clone())
        };
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((*m, y)) + Text::new(text, (dx, 0), style),
            ))
            .map_err(plot_err)?;
    }

    // 4. median replicate curves (dashed via sentinel colour)
    for arm in &p.arms {
        if arm.median.is_empty() {
            continue;
        }
        let style = median_sentinel(arm.palette_idx).stroke_width(2);
        chart
            .draw_series(std::iter::once(PathElement::new(arm.median.clone(), style)))
            .map_err(plot_err)?
            .label(format!("{}: replicate median", arm.label))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }

    // 5. true curves, solid, on top
    for arm in &p.arms {
        if arm.truth.is_empty() {
            continue;
        }
        let style = PALETTE[arm.palette_idx].stroke_width(2);
        chart
            .draw_series(std::iter::once(PathElement::new(arm.truth.clone(), style)))
            .map_err(plot_err)?
            .label(format!("{}: truth", arm.label))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    }

    let nothing = p
        .arms
        .iter()
        .all(|a| a.truth.is_empty() && a.median.is_empty() && a.band.is_empty());
    if nothing {
        let style = TextStyle::from(("sans-serif", 16).into_font())
            .color(&MARKER_TEXT)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new(
                EMPTY_NOTE.to_string(),
                (x_max / 2.0, 0.62),
                style,
            )))
            .map_err(plot_err)?;
    } else {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .margin(10)
            .legend_area_size(26)
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(0xAA, 0xAA, 0xAA))
            .draw()
            .map_err(plot_err)?;
    }

    if !p.hidden_markers.is_empty() {
        let style = TextStyle::from(("sans-serif", 12).into_font())
            .color(&MARKER_TEXT)
            .pos(Pos::new(HPos::Right, VPos::Bottom));
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((x_max, 0.0))
                    + Text::new(
                        format!("Not shown: {}", p.hidden_markers.join("; ")),
                        (-6, -6),
                        style,
                    ),
            ))
            .map_err(plot_err)?;
    }

    root.present().map_err(plot_err)?;
    Ok(())
}
