//! SVG line charts (sweeps, power curves) and tornado charts: structure of
//! the emitted SVG text, labels, ordering, pixel geometry and robustness.

use cohortsim::report::document::error::RenderError;
use cohortsim::report::document::km_band_svg::{EMPTY_NOTE, MAX_SIDE, PALETTE_HEX};
use cohortsim::report::document::line_chart_svg::{
    padded_range, render_line_chart, ChartPoint, LineChart, Series, DEFAULT_HEIGHT, DEFAULT_WIDTH,
    MARKER_RADIUS,
};
use cohortsim::report::document::tornado_svg::{
    auto_height, bar_order, render_tornado, Tornado, TornadoBar, BASE_LINE_HEX, BASE_NA_NOTE,
    HIGH_HEX, HIGH_LEGEND, LOW_HEX, LOW_LEGEND, NA_SUFFIX,
};

#[path = "support/svg_text.rs"]
mod svg_text;
use svg_text::{assert_valid_svg, attr, elements, num, points, texts, with_attr};

// ---------------------------------------------------------------- line chart fixtures

fn power_points(k: f64, xs: &[f64]) -> Vec<ChartPoint> {
    xs.iter()
        .map(|&x| {
            let y = 1.0 - (-x * k / 100.0).exp();
            ChartPoint {
                x,
                y,
                y_err: Some((y - 0.03, y + 0.03)),
                band: Some((y + 0.08, y - 0.08)), // swapped on purpose
            }
        })
        .collect()
}

fn power_chart() -> LineChart {
    // x deliberately unsorted
    let xs = [150.0, 50.0, 250.0, 100.0, 200.0];
    LineChart {
        title: "Power <by n> & HR".into(),
        x_label: "n per arm".into(),
        y_label: "Power".into(),
        series: vec![
            Series {
                label: "HR 0.7".into(),
                points: power_points(1.0, &xs),
            },
            Series {
                label: "HR 0.8 & more".into(),
                points: power_points(0.5, &xs),
            },
        ],
        reference_lines: vec![("target power".into(), 0.8)],
        width: 900,
        height: 560,
    }
}

// ---------------------------------------------------------------- line chart tests

#[test]
fn line_chart_structure_counts_and_labels() {
    let chart = power_chart();
    let a = render_line_chart(&chart).unwrap();
    let b = render_line_chart(&chart).unwrap();
    assert_eq!(a, b, "byte-identical renders");
    assert_valid_svg(&a);
    assert_eq!(attr(elements(&a, "svg")[0], "width"), Some("900"));

    let polylines = elements(&a, "polyline");
    let polygons = elements(&a, "polygon");
    let circles = elements(&a, "circle");
    for hex in &PALETTE_HEX[..2] {
        // one band polygon (5 upper + 5 lower vertices)
        let bands = with_attr(&polygons, "fill", hex);
        assert_eq!(bands.len(), 1, "{hex}");
        assert_eq!(points(bands[0]).len(), 10);
        // 1 line (5 vertices) + 5 error bars (6 vertices) + 1 legend sample (2)
        let strokes = with_attr(&polylines, "stroke", hex);
        assert_eq!(strokes.len(), 7, "{hex}: {strokes:#?}");
        let n_by_len = |n: usize| strokes.iter().filter(|p| points(p).len() == n).count();
        assert_eq!((n_by_len(5), n_by_len(6), n_by_len(2)), (1, 5, 1));
        // 5 markers + 1 legend marker
        assert_eq!(with_attr(&circles, "fill", hex).len(), 6);

        // The line runs left to right although the input was unsorted.
        let line = strokes.iter().find(|p| points(p).len() == 5).unwrap();
        let xs: Vec<f64> = points(line).iter().map(|p| p.0).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
        // Every error bar is vertical between its caps: stem x == centre of caps.
        for bar in strokes.iter().filter(|p| points(p).len() == 6) {
            let p = points(bar);
            assert_eq!(p[2].0, (p[0].0 + p[1].0) / 2.0);
            assert_eq!(p[2].0, p[3].0);
            assert!(p[3].1 < p[2].1, "upper end above lower end in pixels");
        }
    }
    assert_eq!(polygons.len(), 2);

    // One dashed reference line.
    assert_eq!(a.matches("stroke-dasharray=\"6,4\"").count(), 1);
    let t = texts(&a);
    for label in [
        "Power &lt;by n&gt; &amp; HR",
        "n per arm",
        "Power",
        "HR 0.7",
        "HR 0.8 &amp; more",
        "target power: 0.8",
    ] {
        assert!(t.iter().any(|s| s == label), "missing {label}: {t:?}");
    }
    // Legend present: background + border rects besides the canvas.
    assert_eq!(elements(&a, "rect").len(), 3);
}

#[test]
fn line_chart_markers_inside_band_and_axis_covers_everything() {
    let mut chart = power_chart();
    chart.reference_lines = vec![("far away".into(), 3.0)];
    let svg = render_line_chart(&chart).unwrap();
    assert_valid_svg(&svg);
    let (w, h) = (900.0, 560.0);
    let dashed: Vec<_> = elements(&svg, "polyline")
        .into_iter()
        .filter(|p| p.contains("stroke-dasharray"))
        .collect();
    assert_eq!(dashed.len(), 1);
    let ref_y = points(dashed[0])[0].1;
    let markers = with_attr(&elements(&svg, "circle"), "r", &MARKER_RADIUS.to_string());
    assert_eq!(markers.len(), 10, "legend markers are smaller");
    for c in markers {
        let (cx, cy) = (num(c, "cx"), num(c, "cy"));
        assert!((0.0..=w).contains(&cx) && (0.0..=h).contains(&cy));
        assert!(cy > ref_y, "y = 3 is above every marker");
    }
    for p in elements(&svg, "polygon") {
        for (x, y) in points(p) {
            assert!((0.0..=w).contains(&x) && (0.0..=h).contains(&y));
            assert!(y >= ref_y);
        }
    }
    assert!(ref_y > 0.0, "reference line inside the canvas");
}

#[test]
fn line_chart_single_unnamed_series_has_no_legend() {
    let chart = LineChart {
        series: vec![Series {
            label: "  ".into(),
            points: vec![
                ChartPoint {
                    x: 1.0,
                    y: 2.0,
                    ..Default::default()
                },
                ChartPoint {
                    x: 2.0,
                    y: 3.0,
                    ..Default::default()
                },
            ],
        }],
        ..Default::default()
    };
    let svg = render_line_chart(&chart).unwrap();
    assert_valid_svg(&svg);
    let root = elements(&svg, "svg")[0];
    assert_eq!(
        attr(root, "width"),
        Some(DEFAULT_WIDTH.to_string().as_str())
    );
    assert_eq!(
        attr(root, "height"),
        Some(DEFAULT_HEIGHT.to_string().as_str())
    );
    assert_eq!(
        elements(&svg, "rect").len(),
        1,
        "only the canvas background"
    );
    assert_eq!(elements(&svg, "circle").len(), 2, "no legend marker");
    assert!(!svg.contains("Series 1"));
    assert!(!svg.contains(EMPTY_NOTE));
}

#[test]
fn line_chart_nan_and_inf_are_dropped_not_fatal() {
    let p = |x: f64, y: f64| ChartPoint {
        x,
        y,
        y_err: Some((y - 1.0, y + 1.0)),
        band: None,
    };
    let chart = LineChart {
        title: "robust".into(),
        series: vec![
            Series {
                label: "a".into(),
                points: vec![
                    p(1.0, 5.0),
                    p(f64::NAN, 6.0),
                    p(2.0, f64::INFINITY),
                    p(3.0, 7.0),
                    ChartPoint {
                        x: 4.0,
                        y: 8.0,
                        y_err: Some((f64::NAN, 9.0)),
                        band: Some((f64::NEG_INFINITY, 1.0)),
                    },
                    p(1e308, 1.0), // beyond MAX_MAGNITUDE: treated as non-finite
                ],
            },
            Series {
                label: "all bad".into(),
                points: vec![p(f64::NAN, f64::NAN)],
            },
        ],
        reference_lines: vec![("truth".into(), 6.0), ("bad ref".into(), f64::NAN)],
        width: 640,
        height: 400,
        ..Default::default()
    };
    let svg = render_line_chart(&chart).unwrap();
    assert_valid_svg(&svg);
    let hex = PALETTE_HEX[0];
    // Finite (x, y): x = 1, 3, 4 → 3 markers (+1 legend); error bars at x = 1, 3
    // (x = 2 has y = inf, so its bar y ± 1 is inf too).
    assert_eq!(with_attr(&elements(&svg, "circle"), "fill", hex).len(), 4);
    let strokes = with_attr(&elements(&svg, "polyline"), "stroke", hex);
    assert_eq!(strokes.iter().filter(|p| points(p).len() == 6).count(), 2);
    assert_eq!(strokes.iter().filter(|p| points(p).len() == 3).count(), 1);
    assert!(elements(&svg, "polygon").is_empty(), "no usable band");
    let t = texts(&svg);
    assert!(t.iter().any(|s| s == "all bad (no data)"), "{t:?}");
    assert!(t.iter().any(|s| s == "Not shown: bad ref (n/a)"), "{t:?}");
    assert!(t.iter().any(|s| s == "truth: 6"), "{t:?}");
}

#[test]
fn line_chart_empty_input_renders_axes_with_note() {
    for chart in [
        LineChart::default(),
        LineChart {
            series: vec![Series {
                label: "x".into(),
                points: vec![ChartPoint {
                    x: f64::NAN,
                    y: 1.0,
                    ..Default::default()
                }],
            }],
            ..Default::default()
        },
    ] {
        let svg = render_line_chart(&chart).unwrap();
        assert_valid_svg(&svg);
        assert!(texts(&svg).iter().any(|s| s == EMPTY_NOTE));
        // Axes: two axis lines plus ticks, all black polylines.
        assert!(with_attr(&elements(&svg, "polyline"), "stroke", "#000000").len() >= 4);
        assert!(elements(&svg, "circle").is_empty());
        assert!(elements(&svg, "polygon").is_empty());
        assert_eq!(elements(&svg, "rect").len(), 1, "no legend");
    }
}

#[test]
fn line_chart_single_x_and_constant_y_still_render() {
    let one = LineChart {
        series: vec![Series {
            label: "only".into(),
            points: vec![ChartPoint {
                x: 0.7,
                y: 11.1,
                y_err: Some((10.5, 11.7)),
                band: Some((10.0, 12.0)),
            }],
        }],
        ..Default::default()
    };
    let svg = render_line_chart(&one).unwrap();
    assert_valid_svg(&svg);
    let hex = PALETTE_HEX[0];
    assert_eq!(with_attr(&elements(&svg, "circle"), "fill", hex).len(), 2);
    let polys = elements(&svg, "polygon");
    assert_eq!(polys.len(), 1);
    let box_pts = points(polys[0]);
    assert_eq!(box_pts.len(), 4, "single-x band drawn as a box");
    assert!(box_pts[1].0 > box_pts[0].0, "box has a width");
    let strokes = with_attr(&elements(&svg, "polyline"), "stroke", hex);
    // error bar + legend sample, no line through a single point
    assert_eq!(strokes.len(), 2);
    assert_eq!(points(strokes[0]).len(), 6);

    let flat = LineChart {
        series: vec![Series {
            label: String::new(),
            points: (0..4)
                .map(|i| ChartPoint {
                    x: i as f64,
                    y: 0.0,
                    ..Default::default()
                })
                .collect(),
        }],
        ..Default::default()
    };
    let svg = render_line_chart(&flat).unwrap();
    assert_valid_svg(&svg);
    let line = with_attr(&elements(&svg, "polyline"), "stroke", hex);
    assert_eq!(line.len(), 1);
    let ys: Vec<f64> = points(line[0]).iter().map(|p| p.1).collect();
    assert!(ys.windows(2).all(|w| w[0] == w[1]), "horizontal");
    // The y axis tick labels are distinct (the range was padded).
    let t = texts(&svg);
    assert!(
        t.iter().any(|s| s == "0.0") && t.iter().any(|s| s == "1.0"),
        "{t:?}"
    );
}

#[test]
fn line_chart_many_series_and_extreme_magnitudes() {
    let series: Vec<Series> = (0..10)
        .map(|i| Series {
            label: if i == 3 {
                String::new()
            } else {
                format!("s{i}")
            },
            points: (0..3)
                .map(|j| ChartPoint {
                    x: j as f64,
                    y: (i * 3 + j) as f64,
                    ..Default::default()
                })
                .collect(),
        })
        .collect();
    let svg = render_line_chart(&LineChart {
        series,
        ..Default::default()
    })
    .unwrap();
    assert_valid_svg(&svg);
    let t = texts(&svg);
    for label in ["s0", "s9", "Series 4"] {
        assert!(t.iter().any(|s| s == label), "{label}");
    }
    // Colours cycle after eight series: series 0 and 8 share a colour.
    let first = with_attr(&elements(&svg, "circle"), "fill", PALETTE_HEX[0]);
    assert_eq!(first.len(), 2 * (3 + 1));

    for (lo, hi) in [
        (-1e300, 1e300),
        (1e-300, 2e-300),
        (1e15, 1e15 + 1.0),
        (0.0, 5e300),
    ] {
        let chart = LineChart {
            series: vec![Series {
                label: "x".into(),
                points: vec![
                    ChartPoint {
                        x: lo,
                        y: lo,
                        ..Default::default()
                    },
                    ChartPoint {
                        x: hi,
                        y: hi,
                        ..Default::default()
                    },
                ],
            }],
            reference_lines: vec![("r".into(), hi)],
            ..Default::default()
        };
        let svg = render_line_chart(&chart).unwrap();
        assert_valid_svg(&svg);
    }
}

#[test]
fn line_chart_invalid_size_is_an_error() {
    let mut chart = power_chart();
    chart.width = 10;
    assert_eq!(
        render_line_chart(&chart),
        Err(RenderError::InvalidSize {
            width: 10,
            height: 560
        })
    );
    chart.width = 900;
    chart.height = MAX_SIDE + 1;
    assert!(matches!(
        render_line_chart(&chart),
        Err(RenderError::InvalidSize { .. })
    ));
}

#[test]
fn padded_range_rules() {
    assert_eq!(padded_range([]), (0.0, 1.0));
    assert_eq!(padded_range([f64::NAN, f64::INFINITY]), (0.0, 1.0));
    assert_eq!(padded_range([0.0, 10.0, f64::NAN]), (-0.5, 10.5));
    assert_eq!(padded_range([0.0, 0.0]), (-1.0, 1.0));
    let (lo, hi) = padded_range([20.0]);
    assert!((lo - 19.0).abs() < 1e-12 && (hi - 21.0).abs() < 1e-12);
    let (lo, hi) = padded_range([-1e300, 1e300]);
    assert!(lo.is_finite() && hi.is_finite() && lo < -1e300 && hi > 1e300);
}

// ---------------------------------------------------------------- tornado fixtures

fn bar(label: &str, low: &str, high: &str, at_low: f64, at_high: f64) -> TornadoBar {
    TornadoBar {
        label: label.into(),
        low_setting: low.into(),
        high_setting: high.into(),
        at_low,
        at_high,
    }
}

fn tornado() -> Tornado {
    Tornado {
        title: "Median PFS: one at a time".into(),
        x_label: "Median PFS (months)".into(),
        base: 11.1,
        bars: vec![
            bar("arms.Rd.dropout", "0.01", "0.1", 11.0, 11.4), // swing 0.4
            bar("arms.VRd.hr & shape", "0.6", "1.2", 14.2, 8.3), // swing 5.9
            bar("cohort.age_mean", "60", "75", 11.9, 10.2),    // swing 1.7
            bar("design.accrual", "12", "36", 11.5, 12.5),     // swing 1.0, both above base
        ],
        width: 900,
        height: 0,
    }
}

/// Pixel x of the base line: the tallest vertical polyline in its colour.
fn base_line_x(svg: &str) -> f64 {
    let lines = with_attr(&elements(svg, "polyline"), "stroke", BASE_LINE_HEX);
    let tallest = lines
        .iter()
        .max_by_key(|l| {
            let p = points(l);
            (p[1].1 - p[0].1).abs() as i64
        })
        .unwrap();
    let p = points(tallest);
    assert_eq!(p[0].0, p[1].0, "vertical");
    p[0].0
}

/// `(x, width)` of the bar rects of one colour, legend swatch (first) excluded.
fn bar_rects(svg: &str, hex: &str) -> Vec<(f64, f64)> {
    with_attr(&elements(svg, "rect"), "fill", hex)
        .iter()
        .skip(1)
        .map(|r| (num(r, "x"), num(r, "width")))
        .collect()
}

// ---------------------------------------------------------------- tornado tests

#[test]
fn tornado_sorted_by_swing_with_two_coloured_halves() {
    let t = tornado();
    let svg = render_tornado(&t).unwrap();
    assert_eq!(svg, render_tornado(&t).unwrap(), "deterministic");
    assert_valid_svg(&svg);

    // Row labels appear in document order sorted by swing, largest first.
    let order = [
        "arms.VRd.hr &amp; shape",
        "cohort.age_mean",
        "design.accrual",
        "arms.Rd.dropout",
    ];
    let pos: Vec<usize> = order.iter().map(|l| svg.find(l).unwrap()).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
    assert_eq!(bar_order(&t.bars), vec![1, 2, 3, 0]);

    // background + 2 legend swatches + 4 low + 4 high bars
    assert_eq!(elements(&svg, "rect").len(), 1 + 2 + 8);
    let low = bar_rects(&svg, LOW_HEX);
    let high = bar_rects(&svg, HIGH_HEX);
    assert_eq!((low.len(), high.len()), (4, 4));

    // Geometry: every bar starts at the base line and points towards its value.
    let base_x = base_line_x(&svg);
    let sorted: Vec<&TornadoBar> = bar_order(&t.bars).iter().map(|&i| &t.bars[i]).collect();
    let mut widths = Vec::new();
    for (b, (&(lx, lw), &(hx, hw))) in sorted.iter().zip(low.iter().zip(&high)) {
        for (value, x, w) in [(b.at_low, lx, lw), (b.at_high, hx, hw)] {
            if value > t.base {
                assert!((x - base_x).abs() <= 1.0, "{value}: starts at base");
                assert!(x + w > base_x + 1.0, "{value}: extends right");
            } else {
                assert!((x + w - base_x).abs() <= 1.0, "{value}: ends at base");
                assert!(x < base_x - 1.0, "{value}: extends left");
            }
            widths.push(((value - t.base).abs(), w));
        }
    }
    // One linear scale for all bars (up to pixel rounding).
    let (d0, w0) = widths[0];
    for &(d, w) in &widths {
        assert!((w - d * w0 / d0).abs() <= 2.0, "{widths:?}");
    }
    // Rows from top to bottom.
    let low_rect_y: Vec<f64> = with_attr(&elements(&svg, "rect"), "fill", LOW_HEX)
        .iter()
        .skip(1)
        .map(|r| num(r, "y"))
        .collect();
    assert!(low_rect_y.windows(2).all(|w| w[0] < w[1]));

    let txt = texts(&svg);
    for label in [
        "Median PFS: one at a time",
        "Median PFS (months)",
        LOW_LEGEND,
        HIGH_LEGEND,
        "base case: 11.1",
        "0.6 → 14.2",
        "1.2 → 8.3",
        "36 → 12.5",
    ] {
        assert!(txt.iter().any(|s| s == label), "missing {label}: {txt:?}");
    }
    // Auto height: 100 + 28 × 4 + 30 for the title.
    assert_eq!(auto_height(&t), 242);
    assert_eq!(attr(elements(&svg, "svg")[0], "height"), Some("242"));
}

#[test]
fn tornado_non_finite_halves_are_omitted_and_marked() {
    let t = Tornado {
        title: String::new(),
        x_label: String::new(),
        base: 5.0,
        bars: vec![
            bar("a.low_nan", "1", "2", f64::NAN, 6.0),
            bar("b.ok", "1", "2", 4.0, 7.0),
            bar("c.both_bad", "1", "2", f64::INFINITY, f64::NEG_INFINITY),
            bar("d.high_inf", "1", "2", 3.0, f64::INFINITY),
        ],
        width: 0,
        height: 0,
    };
    let svg = render_tornado(&t).unwrap();
    assert_valid_svg(&svg);
    let txt = texts(&svg);
    // b.ok first (only finite swing), the rest in input order.
    let expected = [
        "b.ok".to_string(),
        format!("a.low_nan{NA_SUFFIX}"),
        format!("c.both_bad{NA_SUFFIX}"),
        format!("d.high_inf{NA_SUFFIX}"),
    ];
    let pos: Vec<usize> = expected
        .iter()
        .map(|l| txt.iter().position(|s| s == l).expect(l))
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{txt:?}");
    // low halves: b, d; high halves: b, a
    assert_eq!(bar_rects(&svg, LOW_HEX).len(), 2);
    assert_eq!(bar_rects(&svg, HIGH_HEX).len(), 2);
    assert_eq!(elements(&svg, "rect").len(), 1 + 2 + 4);
    assert_eq!(attr(elements(&svg, "svg")[0], "width"), Some("800"));
}

#[test]
fn tornado_nan_base_and_empty_input() {
    let mut t = tornado();
    t.base = f64::NAN;
    let svg = render_tornado(&t).unwrap();
    assert_valid_svg(&svg);
    assert!(texts(&svg).iter().any(|s| s == BASE_NA_NOTE));
    assert_eq!(elements(&svg, "rect").len(), 1, "no bars, no legend");
    assert!(svg.contains("cohort.age_mean"), "labels still listed");

    for t in [
        Tornado::default(),
        Tornado {
            base: f64::NAN,
            title: "nothing".into(),
            ..Default::default()
        },
    ] {
        let svg = render_tornado(&t).unwrap();
        assert_valid_svg(&svg);
        assert!(texts(&svg).iter().any(|s| s == EMPTY_NOTE));
        assert_eq!(elements(&svg, "rect").len(), 1);
        assert!(
            with_attr(&elements(&svg, "polyline"), "stroke", "#000000").len() >= 2,
            "x axis with ticks"
        );
    }
}

#[test]
fn tornado_all_bars_on_one_side_and_zero_swing() {
    let t = Tornado {
        base: 0.0,
        bars: vec![
            bar("neg", "", "", -2.0, -1.0),
            bar("zero", "", "", 0.0, 0.0),
        ],
        ..Default::default()
    };
    let svg = render_tornado(&t).unwrap();
    assert_valid_svg(&svg);
    let base_x = base_line_x(&svg);
    for (x, w) in bar_rects(&svg, LOW_HEX)
        .into_iter()
        .chain(bar_rects(&svg, HIGH_HEX))
    {
        assert!(x + w <= base_x + 1.0, "all bars left of (or at) the base");
    }
    // Blank settings: the end label is just the estimate.
    let txt = texts(&svg);
    assert!(txt.iter().any(|s| s == "-2") && txt.iter().any(|s| s == "-1"));
}

#[test]
fn tornado_sizes_long_labels_and_many_bars() {
    let long = format!("{}.tail_end", "very.long.prefix".repeat(20));
    let t = Tornado {
        base: 1.0,
        bars: vec![bar(&long, "lo", "hi", 0.5, 1.5)],
        width: 600,
        height: 300,
        ..Default::default()
    };
    let svg = render_tornado(&t).unwrap();
    assert_valid_svg(&svg);
    assert_eq!(attr(elements(&svg, "svg")[0], "height"), Some("300"));
    let label = texts(&svg)
        .into_iter()
        .find(|s| s.ends_with(".tail_end"))
        .unwrap();
    assert!(
        label.starts_with('…') && label.len() < long.len(),
        "{label}"
    );

    let many = Tornado {
        base: 0.0,
        bars: (0..500)
            .map(|i| bar(&format!("k{i}"), "", "", -(i as f64), i as f64 * 0.5))
            .collect(),
        ..Default::default()
    };
    assert_eq!(auto_height(&many), MAX_SIDE);
    let svg = render_tornado(&many).unwrap();
    assert_valid_svg(&svg);
    let first = svg.find(">\nk499\n<").unwrap();
    let second = svg.find(">\nk498\n<").unwrap();
    assert!(first < second, "largest swing on top");

    // A narrow canvas wraps the legend and grows the auto height to match.
    let mut narrow = tornado();
    narrow.width = 240;
    assert!(auto_height(&narrow) > auto_height(&tornado()));
    let svg = render_tornado(&narrow).unwrap();
    assert_valid_svg(&svg);
    let txt = texts(&svg);
    for label in [LOW_LEGEND, HIGH_LEGEND, "base case: 11.1"] {
        assert!(txt.iter().any(|s| s == label), "{label}");
    }
    for r in elements(&svg, "rect") {
        assert!(num(r, "x") >= 0.0 && num(r, "x") + num(r, "width") <= 240.0);
    }

    let mut bad = tornado();
    bad.width = 100;
    assert!(matches!(
        render_tornado(&bad),
        Err(RenderError::InvalidSize { width: 100, .. })
    ));
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
        1e300,
        -1e300,
        1.0,
        -5.0,
    ];
    let pairs: Vec<(f64, f64)> = specials
        .iter()
        .flat_map(|&a| specials.iter().map(move |&b| (a, b)))
        .collect();

    for &base in &specials {
        let t = Tornado {
            title: "grid".into(),
            base,
            bars: pairs
                .iter()
                .enumerate()
                .map(|(i, &(a, b))| bar(&format!("k{i}"), "lo", "hi", a, b))
                .collect(),
            width: 500,
            ..Default::default()
        };
        assert_valid_svg(&render_tornado(&t).unwrap());
    }

    for (k, &(a, b)) in pairs.iter().enumerate() {
        let chart = LineChart {
            series: vec![Series {
                label: format!("s{k}"),
                points: pairs
                    .iter()
                    .map(|&(x, y)| ChartPoint {
                        x,
                        y,
                        y_err: Some((a, b)),
                        band: Some((b, a)),
                    })
                    .collect(),
            }],
            reference_lines: vec![("r".into(), a), ("s".into(), b)],
            width: 320,
            height: 240,
            ..Default::default()
        };
        assert_valid_svg(&render_line_chart(&chart).unwrap());
    }
}
