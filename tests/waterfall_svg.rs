//! SVG waterfall charts: structure of the emitted SVG text, labels, pixel
//! geometry of the bars on the shared linear y scale, and robustness.

use cohortsim::report::document::error::RenderError;
use cohortsim::report::document::km_band_svg::{MAX_SIDE, PALETTE_HEX};
use cohortsim::report::document::waterfall_svg::{
    auto_width, render_waterfall, Waterfall, WaterfallStep, AUTO_WIDTH_BASE, AUTO_WIDTH_PER_BAR,
    CONNECTOR_HEX, DEFAULT_HEIGHT, MAX_LABEL_LINES, NA_END_SUFFIX, NA_TEXT, START_NA_NOTE,
    TOTAL_HEX, UNGROUPED_LEGEND, WHISKER_HEX,
};

#[path = "support/svg_text.rs"]
mod svg_text;
use svg_text::{assert_valid_svg, attr, elements, num, points, texts, with_attr};

/// A bar in pixels: top and bottom row, horizontal centre.
#[derive(Debug, Clone, Copy)]
struct PxBar {
    top: f64,
    bottom: f64,
    centre_x: f64,
}

/// The bar `<rect>`s: everything after the background and the `groups`
/// legend samples (see the module docs for the document order).
fn bar_rects(svg: &str, groups: usize) -> Vec<&str> {
    elements(svg, "rect").into_iter().skip(1 + groups).collect()
}

fn px_bars(svg: &str, groups: usize) -> Vec<PxBar> {
    bar_rects(svg, groups)
        .iter()
        .map(|r| PxBar {
            top: num(r, "y"),
            bottom: num(r, "y") + num(r, "height"),
            centre_x: num(r, "x") + num(r, "width") / 2.0,
        })
        .collect()
}

/// y pixel of every dashed reference line, in drawing order.
fn dashed_ys(svg: &str) -> Vec<f64> {
    elements(svg, "polyline")
        .into_iter()
        .filter(|p| p.contains("stroke-dasharray"))
        .map(|p| {
            let pts = points(p);
            assert_eq!(pts[0].1, pts[1].1, "horizontal");
            pts[0].1
        })
        .collect()
}

/// Linear value → pixel map derived from two reference lines at `v_a` and
/// `v_b` (drawn in that order).
fn scale_from_refs(svg: &str, v_a: f64, v_b: f64) -> impl Fn(f64) -> f64 {
    let ys = dashed_ys(svg);
    assert_eq!(ys.len(), 2, "two reference lines");
    let (ya, yb) = (ys[0], ys[1]);
    let per_unit = (yb - ya) / (v_b - v_a);
    move |v| ya + (v - v_a) * per_unit
}

// ---------------------------------------------------------------- fixtures

fn step(label: &str, group: &str, delta: f64, error: Option<f64>) -> WaterfallStep {
    WaterfallStep {
        label: label.into(),
        group: group.into(),
        delta,
        error,
    }
}

/// B's median PFS of 11.2 months becoming A's: 6 steps in 4 groups.
fn waterfall() -> Waterfall {
    Waterfall {
        title: "Median PFS: B → A".into(),
        y_label: "Median PFS (months)".into(),
        start_label: "Cohort B".into(),
        start: 11.2,
        steps: vec![
            step("age & ECOG", "case mix", 1.3, Some(0.3)),
            step("prior lines", "case mix", 0.8, Some(0.25)),
            step("cytogenetics", "case mix", -0.4, Some(0.2)),
            step("hazard model", "outcome model", 2.1, Some(0.4)),
            step("censoring", "design", -0.6, None),
            step("noise", "chance", 0.3, Some(-0.5)), // used by magnitude
        ],
        end_label: "Cohort A".into(),
        reference_lines: vec![("A reported".into(), 16.1), ("B reported".into(), 11.0)],
        width: 0,
        height: 0,
    }
}

fn deltas_sum(w: &Waterfall) -> f64 {
    w.steps
        .iter()
        .map(|s| s.delta)
        .filter(|d| d.is_finite())
        .sum()
}

// ---------------------------------------------------------------- tests

#[test]
fn structure_counts_colours_and_labels() {
    let w = waterfall();
    let a = render_waterfall(&w).unwrap();
    let b = render_waterfall(&w).unwrap();
    assert_eq!(a, b, "byte-identical renders");
    assert_valid_svg(&a);

    // Canvas: auto width 140 + 70 per bar (+ room for the reference labels).
    let root = elements(&a, "svg")[0];
    let width: u32 = attr(root, "width").unwrap().parse().unwrap();
    assert!(width >= AUTO_WIDTH_BASE + AUTO_WIDTH_PER_BAR * 8, "{width}");
    assert_eq!(width, auto_width(&w));
    assert_eq!(
        attr(root, "height"),
        Some(DEFAULT_HEIGHT.to_string().as_str())
    );

    // Rects: background + 4 legend samples + start + 6 steps + end.
    let rects = elements(&a, "rect");
    assert_eq!(rects.len(), 1 + 4 + 2 + w.steps.len());
    for (k, legend) in rects[1..5].iter().enumerate() {
        assert_eq!(attr(legend, "fill"), Some(PALETTE_HEX[k]), "legend {k}");
    }
    let bars = bar_rects(&a, 4);
    assert_eq!(bars.len(), 2 + w.steps.len());
    assert_eq!(attr(bars[0], "fill"), Some(TOTAL_HEX));
    assert_eq!(attr(bars[7], "fill"), Some(TOTAL_HEX));
    // Groups coloured in order of first appearance; one group, one colour.
    let group_of_step = [0, 0, 0, 1, 2, 3];
    for (i, g) in group_of_step.iter().enumerate() {
        assert_eq!(attr(bars[i + 1], "fill"), Some(PALETTE_HEX[*g]), "step {i}");
    }
    // Bars left to right, equally spaced.
    let xs: Vec<f64> = px_bars(&a, 4).iter().map(|b| b.centre_x).collect();
    assert!(xs.windows(2).all(|p| p[0] < p[1]), "{xs:?}");

    // 7 connectors, 5 whiskers (the censoring step has none), 2 dashed lines.
    let polylines = elements(&a, "polyline");
    let connectors = with_attr(&polylines, "stroke", CONNECTOR_HEX);
    assert_eq!(connectors.len(), 7);
    let whiskers = with_attr(&polylines, "stroke", WHISKER_HEX);
    assert_eq!(whiskers.len(), 5);
    assert!(whiskers.iter().all(|w| points(w).len() == 6));
    assert_eq!(a.matches("stroke-dasharray=\"6,4\"").count(), 2);

    let t = texts(&a);
    for label in [
        "Median PFS: B → A",
        "Median PFS (months)",
        "case mix",
        "outcome model",
        "design",
        "chance",
        "Cohort B",
        "Cohort A",
        "age &amp; ECOG",
        "+1.3",
        "+0.8",
        "\u{2212}0.4",
        "+2.1",
        "\u{2212}0.6",
        "+0.3",
        "11.2",
        "14.7",
        "A reported: 16.1",
        "B reported: 11",
    ] {
        assert!(t.iter().any(|s| s == label), "missing {label}: {t:?}");
    }
    // Each legend entry once; no n/a anywhere.
    assert_eq!(t.iter().filter(|s| *s == "case mix").count(), 1);
    assert!(!t.iter().any(|s| s.contains(NA_TEXT)), "{t:?}");
}

#[test]
fn bars_float_between_running_totals_on_one_linear_scale() {
    let w = waterfall();
    let svg = render_waterfall(&w).unwrap();
    let px = scale_from_refs(&svg, 16.1, 11.0);
    let bars = px_bars(&svg, 4);
    let tol = 1.5;

    // Start bar: top at the start value.
    assert!((bars[0].top - px(w.start)).abs() <= tol, "{:?}", bars[0]);
    // The y axis does not start at 0: the start bar's bottom is the axis
    // bottom, far above where 0 would be.
    assert!(px(0.0) > 500.0 + 100.0, "0 is off the canvas");
    assert!(bars[0].bottom < px(0.0));

    let mut before = w.start;
    for (i, s) in w.steps.iter().enumerate() {
        let bar = bars[i + 1];
        let after = before + s.delta;
        assert!(bar.top < bar.bottom, "step {i} has a height");
        if s.delta > 0.0 {
            // Rises from the previous running total: entirely above it.
            assert!((bar.bottom - px(before)).abs() <= tol, "step {i}: {bar:?}");
            assert!((bar.top - px(after)).abs() <= tol, "step {i}: {bar:?}");
            assert!(bar.top < px(before) - 1.0);
        } else {
            // Falls from the previous running total: entirely below it.
            assert!((bar.top - px(before)).abs() <= tol, "step {i}: {bar:?}");
            assert!((bar.bottom - px(after)).abs() <= tol, "step {i}: {bar:?}");
            assert!(bar.bottom > px(before) + 1.0);
        }
        // Consecutive bars share an edge: this bar starts where the last ended.
        let prev = bars[i];
        let prev_end = if i == 0 || w.steps[i - 1].delta > 0.0 {
            prev.top
        } else {
            prev.bottom
        };
        let this_start = if s.delta > 0.0 { bar.bottom } else { bar.top };
        assert!((prev_end - this_start).abs() <= 1.0, "step {i}");
        before = after;
    }

    // End bar: top at start + Σ deltas on the same scale, bottom shared with
    // the start bar.
    let end = bars[7];
    let total = w.start + deltas_sum(&w);
    assert!(
        (end.top - px(total)).abs() <= tol,
        "{end:?} vs {}",
        px(total)
    );
    assert_eq!(end.bottom, bars[0].bottom);
    // Same scale as the start bar: height difference ~ Σ deltas.
    let per_unit = (px(0.0) - px(1.0)).abs();
    let diff = (end.bottom - end.top) - (bars[0].bottom - bars[0].top);
    assert!((diff - deltas_sum(&w) * per_unit).abs() <= 2.0, "{diff}");

    // Connectors sit at the running totals between the bars.
    let connectors = with_attr(&elements(&svg, "polyline"), "stroke", CONNECTOR_HEX);
    let mut level = w.start;
    for (i, c) in connectors.iter().enumerate() {
        let pts = points(c);
        assert_eq!(pts.len(), 2);
        assert_eq!(pts[0].1, pts[1].1);
        assert!((pts[0].1 - px(level)).abs() <= tol, "connector {i}");
        assert!(pts[0].0 < pts[1].0);
        if let Some(s) = w.steps.get(i) {
            level += s.delta;
        }
    }

    // Whiskers: centred on the bar, spanning end ± error.
    let whiskers = with_attr(&elements(&svg, "polyline"), "stroke", WHISKER_HEX);
    let with_err: Vec<(usize, f64)> = w
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.error.map(|e| (i, e.abs())))
        .collect();
    assert_eq!(whiskers.len(), with_err.len());
    for (wk, &(i, e)) in whiskers.iter().zip(&with_err) {
        let after = w.start + w.steps[..=i].iter().map(|s| s.delta).sum::<f64>();
        let p = points(wk);
        assert!((p[2].0 - bars[i + 1].centre_x).abs() <= 1.0);
        assert!((p[2].1 - px(after - e)).abs() <= tol, "whisker {i} low");
        assert!((p[3].1 - px(after + e)).abs() <= tol, "whisker {i} high");
    }
}

#[test]
fn total_bars_start_at_zero_when_the_range_crosses_it() {
    let w = Waterfall {
        start: 2.0,
        steps: vec![
            step("down", "x", -5.0, Some(0.5)),
            step("up", "y", 1.0, None),
        ],
        reference_lines: vec![("r1".into(), 3.0), ("r2".into(), -1.0)],
        width: 600,
        height: 400,
        ..Default::default()
    };
    let svg = render_waterfall(&w).unwrap();
    assert_valid_svg(&svg);
    let px = scale_from_refs(&svg, 3.0, -1.0);
    let bars = px_bars(&svg, 2);
    assert_eq!(bars.len(), 4);
    // Start (2): from 0 up to 2.
    assert!((bars[0].bottom - px(0.0)).abs() <= 1.5, "{:?}", bars[0]);
    assert!((bars[0].top - px(2.0)).abs() <= 1.5);
    // Down step: from 2 to −3, crossing zero.
    assert!((bars[1].top - px(2.0)).abs() <= 1.5);
    assert!((bars[1].bottom - px(-3.0)).abs() <= 1.5);
    // End (−2): from 0 down to −2.
    assert!((bars[3].top - px(0.0)).abs() <= 1.5, "{:?}", bars[3]);
    assert!((bars[3].bottom - px(-2.0)).abs() <= 1.5);
    let t = texts(&svg);
    // Blank start / end labels default to "Start" / "End".
    for label in ["2", "\u{2212}5", "+1", "\u{2212}2", "Start", "End"] {
        assert!(t.iter().any(|s| s == label), "missing {label}: {t:?}");
    }
    assert!(!t.iter().any(|s| s == "Step 1"), "the steps have labels");
}

#[test]
fn all_negative_totals_hang_from_the_axis_top() {
    let w = Waterfall {
        start: -3.0,
        steps: vec![step("a", "g", -2.0, None), step("b", "g", 0.5, None)],
        reference_lines: vec![("r1".into(), -1.0), ("r2".into(), -6.0)],
        width: 500,
        height: 400,
        ..Default::default()
    };
    let svg = render_waterfall(&w).unwrap();
    assert_valid_svg(&svg);
    let px = scale_from_refs(&svg, -1.0, -6.0);
    let bars = px_bars(&svg, 1);
    assert_eq!(bars.len(), 4);
    assert_eq!(
        bars[0].top, bars[3].top,
        "both totals start at the axis top"
    );
    assert!(bars[0].top < px(-1.0), "axis top above every value");
    assert!((bars[0].bottom - px(-3.0)).abs() <= 1.5);
    assert!((bars[3].bottom - px(-4.5)).abs() <= 1.5);
    // One group: one legend sample, both steps in its colour.
    let rects = elements(&svg, "rect");
    assert_eq!(rects.len(), 1 + 1 + 4);
    assert_eq!(with_attr(&rects, "fill", PALETTE_HEX[0]).len(), 3);
}

#[test]
fn labels_are_escaped_and_long_ones_wrapped() {
    let long = "a very long step label that cannot possibly fit under one bar of seventy pixels";
    let w = Waterfall {
        title: "Fish & <chips>".into(),
        y_label: "PFS \"months\"".into(),
        start_label: "B & co".into(),
        start: 10.0,
        steps: vec![
            step("R&D <1>", "case mix & more", 1.0, None),
            step(long, "", -0.5, None),
            step("", "  ", 0.25, None),
        ],
        end_label: "A&B".into(),
        reference_lines: vec![("ref & <x>".into(), 12.0)],
        ..Default::default()
    };
    let svg = render_waterfall(&w).unwrap();
    assert_valid_svg(&svg);
    let t = texts(&svg);
    for label in [
        "Fish &amp; &lt;chips&gt;",
        "B &amp; co",
        "R&amp;D &lt;1&gt;",
        "A&amp;B",
        "case mix &amp; more",
        "ref &amp; &lt;x&gt;: 12",
        UNGROUPED_LEGEND,
        "Step 3",
    ] {
        assert!(t.iter().any(|s| s == label), "missing {label}: {t:?}");
    }
    // Blank groups share one legend entry / colour.
    assert_eq!(t.iter().filter(|s| *s == UNGROUPED_LEGEND).count(), 1);
    assert_eq!(elements(&svg, "rect").len(), 1 + 2 + 5);
    let bars = bar_rects(&svg, 2);
    assert_eq!(attr(bars[2], "fill"), attr(bars[3], "fill"));
    // The long label is wrapped onto at most MAX_LABEL_LINES lines, the last
    // one cut with an ellipsis; no line is the whole label.
    assert!(!t.iter().any(|s| s == long));
    let first = t.iter().position(|s| s.starts_with("a very")).unwrap();
    let lines = &t[first..first + MAX_LABEL_LINES];
    assert!(lines[MAX_LABEL_LINES - 1].ends_with('…'), "{lines:?}");
    assert!(lines.iter().all(|l| long.contains(l.trim_end_matches('…'))));
}

#[test]
fn non_finite_steps_are_na_zero_height_and_excluded() {
    let mut w = waterfall();
    w.steps
        .insert(1, step("nan", "case mix", f64::NAN, Some(0.3)));
    w.steps
        .insert(3, step("inf", "design", f64::INFINITY, None));
    w.steps
        .push(step("-inf", "new group", f64::NEG_INFINITY, Some(1.0)));
    w.steps
        .push(step("bad error", "chance", 0.2, Some(f64::NAN)));
    let svg = render_waterfall(&w).unwrap();
    assert_eq!(svg, render_waterfall(&w).unwrap());
    assert_valid_svg(&svg);
    let t = texts(&svg);
    assert_eq!(t.iter().filter(|s| *s == NA_TEXT).count(), 3, "{t:?}");
    // The end label tells that n/a steps are excluded.
    let suffix = NA_END_SUFFIX.trim();
    assert!(
        t.iter().any(|s| s.contains(suffix)),
        "missing {suffix}: {t:?}"
    );

    let groups = 5;
    assert_eq!(elements(&svg, "rect").len(), 1 + groups + 2 + w.steps.len());
    let bars = px_bars(&svg, groups);
    let px = scale_from_refs(&svg, 16.1, 11.0);
    let mut level = w.start;
    for (i, s) in w.steps.iter().enumerate() {
        let bar = bars[i + 1];
        if s.delta.is_finite() {
            level += s.delta;
        } else {
            assert_eq!(bar.top, bar.bottom, "zero height: step {i}");
            assert!((bar.top - px(level)).abs() <= 1.5, "at the running total");
        }
    }
    let total = w.start + deltas_sum(&w);
    assert!((bars.last().unwrap().top - px(total)).abs() <= 1.5);
    assert!(t.iter().any(|s| s == "14.9"), "end value: {t:?}");
    // Whiskers only for finite steps with a finite error.
    let whiskers = with_attr(&elements(&svg, "polyline"), "stroke", WHISKER_HEX);
    assert_eq!(whiskers.len(), 5);
}

#[test]
fn running_total_overflow_is_na_not_inf() {
    let w = Waterfall {
        start: 1e300,
        steps: vec![
            step("overflow", "g", 1e300, Some(1.0)),
            step("down", "g", -5e299, Some(1e300)),
            step("beyond max", "g", f64::MAX, None),
        ],
        reference_lines: vec![("huge".into(), -1e300), ("nan".into(), f64::NAN)],
        width: 800,
        height: 500,
        ..Default::default()
    };
    let svg = render_waterfall(&w).unwrap();
    assert_valid_svg(&svg);
    let t = texts(&svg);
    assert_eq!(t.iter().filter(|s| *s == NA_TEXT).count(), 2, "{t:?}");
    assert!(t.iter().any(|s| s == "Not shown: nan (n/a)"), "{t:?}");
    assert!(
        t.iter().any(|s| s == "5.00e299"),
        "end = 1e300 − 5e299: {t:?}"
    );
    assert_eq!(elements(&svg, "rect").len(), 1 + 1 + 5);
    // The whisker of ±1e300 around 5e299 would end beyond MAX_MAGNITUDE.
    assert!(with_attr(&elements(&svg, "polyline"), "stroke", WHISKER_HEX).is_empty());
}

#[test]
fn empty_steps_and_non_finite_start() {
    // No steps: start and end bars only, equal, no legend.
    let w = Waterfall {
        start_label: "B".into(),
        start: 12.5,
        end_label: "A".into(),
        ..Default::default()
    };
    let svg = render_waterfall(&w).unwrap();
    assert_valid_svg(&svg);
    let rects = elements(&svg, "rect");
    assert_eq!(rects.len(), 3, "background + 2 bars");
    let bars = px_bars(&svg, 0);
    assert_eq!((bars[0].top, bars[0].bottom), (bars[1].top, bars[1].bottom));
    assert!(bars[0].top < bars[0].bottom);
    assert_eq!(texts(&svg).iter().filter(|s| *s == "12.5").count(), 2);
    let width: u32 = attr(elements(&svg, "svg")[0], "width")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(width, AUTO_WIDTH_BASE + 2 * AUTO_WIDTH_PER_BAR);

    // All defaults (start 0).
    let svg = render_waterfall(&Waterfall::default()).unwrap();
    assert_valid_svg(&svg);
    assert_eq!(elements(&svg, "rect").len(), 3);

    // Non-finite start: no bars, the note instead; labels still drawn.
    for start in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e301] {
        let mut w = waterfall();
        w.start = start;
        let svg = render_waterfall(&w).unwrap();
        assert_valid_svg(&svg);
        assert_eq!(elements(&svg, "rect").len(), 1, "background only");
        let t = texts(&svg);
        assert!(t.iter().any(|s| s == START_NA_NOTE), "{t:?}");
        assert!(t.iter().any(|s| s == "hazard model"), "{t:?}");
        assert_eq!(dashed_ys(&svg).len(), 2, "reference lines still drawn");
        assert!(with_attr(&elements(&svg, "polyline"), "stroke", CONNECTOR_HEX).is_empty());
    }
}

#[test]
fn sizes_auto_width_and_errors() {
    let mut w = waterfall();
    w.reference_lines.clear();
    assert_eq!(
        auto_width(&w),
        AUTO_WIDTH_BASE + AUTO_WIDTH_PER_BAR * (w.steps.len() as u32 + 2)
    );
    let mut more = w.clone();
    more.steps.extend(w.steps.clone());
    assert!(auto_width(&more) > auto_width(&w));

    // Many steps: auto width clamps at MAX_SIDE and still renders.
    let many = Waterfall {
        start: 100.0,
        steps: (0..400)
            .map(|i| {
                step(
                    &format!("s{i}"),
                    &format!("g{}", i % 12),
                    if i % 3 == 0 { -0.5 } else { 0.7 },
                    Some(0.1),
                )
            })
            .collect(),
        ..Default::default()
    };
    assert_eq!(auto_width(&many), MAX_SIDE);
    let svg = render_waterfall(&many).unwrap();
    assert_valid_svg(&svg);
    let root = elements(&svg, "svg")[0];
    assert_eq!(attr(root, "width"), Some(MAX_SIDE.to_string().as_str()));
    assert_eq!(elements(&svg, "rect").len(), 1 + 12 + 402);

    // Explicit sizes are respected; tiny canvases render; bad ones error.
    let mut small = waterfall();
    small.width = 240;
    small.height = 180;
    let svg = render_waterfall(&small).unwrap();
    assert_valid_svg(&svg);
    // Only one legend line fits: one group sample, then "(+3 more)".
    assert_eq!(elements(&svg, "rect").len(), 1 + 1 + 8);
    assert!(texts(&svg).iter().any(|s| s == "(+3 more)"), "{svg}");
    for (width, height) in [(100, 500), (800, 100), (MAX_SIDE + 1, 500)] {
        let mut bad = waterfall();
        bad.width = width;
        bad.height = height;
        assert_eq!(
            render_waterfall(&bad),
            Err(RenderError::InvalidSize { width, height })
        );
    }

    // Many groups on a narrow canvas: the legend is cut with "(+k more)".
    let mut crowded = many.clone();
    crowded.steps.truncate(60);
    for (i, s) in crowded.steps.iter_mut().enumerate() {
        s.group = format!("a fairly long group name {i}");
    }
    crowded.width = 600;
    crowded.height = 300;
    let svg = render_waterfall(&crowded).unwrap();
    assert_valid_svg(&svg);
    assert!(texts(&svg).iter().any(|s| s.ends_with(" more)")));
}

#[test]
fn special_value_grid_never_panics() {
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        1e-300,
        -1e-300,
        1e300,
        -1e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        1.0,
        -5.0,
    ];
    for (k, &start) in specials.iter().enumerate() {
        for &size in &[(0, 0), (240, 180)] {
            let w = Waterfall {
                title: format!("grid {k}"),
                start,
                steps: specials
                    .iter()
                    .enumerate()
                    .map(|(i, &d)| {
                        let e = specials[(i + k) % specials.len()];
                        step(&format!("s{i}"), &format!("g{}", i % 3), d, Some(e))
                    })
                    .collect(),
                reference_lines: specials
                    .iter()
                    .take(4 + k % 5)
                    .map(|&v| ("r".to_string(), v))
                    .collect(),
                width: size.0,
                height: size.1,
                ..Default::default()
            };
            let svg = render_waterfall(&w).unwrap();
            assert_valid_svg(&svg);
            assert_eq!(svg, render_waterfall(&w).unwrap());
            // background (+ 3 legend samples + start + steps + end)
            let expected = if start.is_finite() && start.abs() <= 1e300 {
                1 + 3 + 2 + specials.len()
            } else {
                1
            };
            assert_eq!(elements(&svg, "rect").len(), expected, "start {start}");
        }
    }
}
