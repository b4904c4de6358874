use cohortsim::report::document::doc::{Block, ReportDoc, Section};
use cohortsim::report::document::error::RenderError;
use cohortsim::report::document::html::{escape_html, render_html};
use cohortsim::report::document::km_band_svg::{
    band_polygon, effective_x_max, render_svg, step_points, CurveBand, KmFigure, EMPTY_NOTE,
    MAX_SIDE, MIN_HEIGHT, MIN_WIDTH, PALETTE_HEX,
};
use cohortsim::report::document::markdown::{escape_table_cell, render_markdown};
use cohortsim::report::document::tables::{
    fmt_count_pct, fmt_estimate_ci, fmt_fixed, fmt_interval, fmt_median_ci, fmt_p_value, fmt_pct,
    fmt_pct_interval, fmt_time, fmt_time_interval, Table,
};

// ---------------------------------------------------------------- fixtures

fn exp_arm(label: &str, median: f64, n: usize) -> CurveBand {
    let rate = std::f64::consts::LN_2 / median;
    let times: Vec<f64> = (0..n).map(|i| i as f64 * 2.0).collect();
    let s = |k: f64| {
        times
            .iter()
            .map(|t| (-rate * k * t).exp())
            .collect::<Vec<_>>()
    };
    CurveBand {
        label: label.into(),
        times: times.clone(),
        truth: s(1.0),
        lower: s(1.3),
        median: s(1.05),
        upper: s(0.8),
    }
}

fn two_arm_figure() -> KmFigure {
    KmFigure {
        title: "PFS <virtual> & published".into(),
        y_label: "PFS probability".into(),
        bands: vec![exp_arm("VRd", 41.0, 31), exp_arm("Rd", 29.0, 31)],
        published_medians: vec![("VRd pub".into(), 43.0), ("Rd pub".into(), 30.0)],
        x_max: 60.0,
    }
}

/// `points="..."` attribute values of every `<polyline>` (or `<polygon>`).
fn shapes<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    svg.match_indices(&open)
        .map(|(i, _)| {
            let rest = &svg[i..];
            &rest[..rest.find("/>").expect("self-closing shape")]
        })
        .collect()
}

fn n_points(shape: &str) -> usize {
    let start = shape.find("points=\"").unwrap() + 8;
    let end = start + shape[start..].find('"').unwrap();
    shape[start..end].split_whitespace().count()
}

/// Curve polylines (more than two vertices, i.e. not axis ticks / legend samples).
fn curve_polylines(svg: &str) -> Vec<&str> {
    shapes(svg, "polyline")
        .into_iter()
        .filter(|s| n_points(s) > 2)
        .collect()
}

// ---------------------------------------------------------------- SVG

#[test]
fn svg_structure_labels_and_determinism() {
    let fig = two_arm_figure();
    let a = render_svg(&fig, 900, 560).unwrap();
    let b = render_svg(&fig, 900, 560).unwrap();
    assert_eq!(a, b, "two renders must be byte-identical");
    assert!(a.starts_with("<svg"), "{}", &a[..40]);
    assert!(a.trim_end().ends_with("</svg>"));
    assert_eq!(a.matches("<svg").count(), 1);
    assert_eq!(a.matches("</svg>").count(), 1);

    // One polyline per curve: truth (solid) + median (dashed) per arm, and
    // one band polygon per arm.
    let curves = curve_polylines(&a);
    assert_eq!(curves.len(), 4, "{curves:#?}");
    for hex in &PALETTE_HEX[..2] {
        let stroke = format!("stroke=\"{hex}\"");
        let of_arm: Vec<_> = curves.iter().filter(|c| c.contains(&stroke)).collect();
        assert_eq!(of_arm.len(), 2);
        assert_eq!(
            of_arm
                .iter()
                .filter(|c| c.contains("stroke-dasharray"))
                .count(),
            1,
            "exactly one dashed (median) curve per arm"
        );
        let fill = format!("fill=\"{hex}\"");
        assert_eq!(
            shapes(&a, "polygon")
                .iter()
                .filter(|p| p.contains(&fill))
                .count(),
            1
        );
    }
    // No sentinel colour survives the dash rewrite.
    assert!(!a.contains("#0103") && !a.contains("#0102"));

    for label in [
        "VRd: truth",
        "VRd: replicate median",
        "VRd: replicate band",
        "Rd: truth",
        "Rd: replicate median",
        "Rd: replicate band",
        "VRd pub: 43.0 mo",
        "Rd pub: 30.0 mo",
        "Time (months)",
        "PFS probability",
        // title is XML-escaped by the backend
        "PFS &lt;virtual&gt; &amp; published",
    ] {
        assert!(a.contains(label), "missing {label}");
    }
    // Guide at 0.5 and the two markers are dashed 2-point polylines.
    assert_eq!(a.matches("stroke-dasharray=\"4,4\"").count(), 1);
    assert_eq!(a.matches("stroke-dasharray=\"2,3\"").count(), 2);
}

#[test]
fn svg_tag_balance_is_plausible_xml() {
    let svg = render_svg(&two_arm_figure(), 800, 500).unwrap();
    // Every opened non-self-closing element is closed.
    for tag in ["svg", "text"] {
        let opened = svg.matches(&format!("<{tag} ")).count();
        let closed = svg.matches(&format!("</{tag}>")).count();
        assert_eq!(opened, closed, "<{tag}> balance");
    }
    for tag in ["polyline", "polygon", "rect", "line"] {
        assert_eq!(
            svg.matches(&format!("<{tag} ")).count(),
            shapes(&svg, tag).len()
        );
    }
    // No raw '&' outside entities.
    for (i, _) in svg.match_indices('&') {
        let rest = &svg[i..];
        assert!(
            ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "raw & at {i}"
        );
    }
}

#[test]
fn golden_step_point_counts() {
    let band = CurveBand {
        label: "A".into(),
        times: vec![0.0, 5.0, 10.0, 15.0],
        truth: vec![1.0, 0.8, 0.6, 0.4],
        lower: vec![1.0, 0.7, 0.5, 0.3],
        median: vec![1.0, 0.78, 0.58, 0.38],
        upper: vec![1.0, 0.9, 0.7, 0.5],
    };
    // Fully inside the axis: 2k - 1 = 7 vertices per curve, 14 for the band.
    let fig = KmFigure {
        title: String::new(),
        y_label: String::new(),
        bands: vec![band.clone()],
        published_medians: vec![],
        x_max: 20.0,
    };
    assert_eq!(
        step_points(&band.times, &band.truth, 20.0),
        vec![
            (0.0, 1.0),
            (5.0, 1.0),
            (5.0, 0.8),
            (10.0, 0.8),
            (10.0, 0.6),
            (15.0, 0.6),
            (15.0, 0.4)
        ]
    );
    let svg = render_svg(&fig, 640, 400).unwrap();
    let curves = curve_polylines(&svg);
    assert_eq!(curves.len(), 2);
    assert!(curves.iter().all(|c| n_points(c) == 7));
    let polys = shapes(&svg, "polygon");
    // The band is one polygon (the legend swatch is a <rect>): 7 + 7 vertices.
    assert_eq!(polys.len(), 1);
    assert_eq!(n_points(polys[0]), 14);
    assert!(svg.contains("Survival probability"), "default y label");

    // Clipped at x_max = 12: 3 kept points (5 vertices) + extension to 12.
    let clipped = step_points(&band.times, &band.truth, 12.0);
    assert_eq!(clipped.len(), 6);
    assert_eq!(clipped.last(), Some(&(12.0, 0.6)));
    let fig12 = KmFigure { x_max: 12.0, ..fig };
    let svg12 = render_svg(&fig12, 640, 400).unwrap();
    assert!(curve_polylines(&svg12).iter().all(|c| n_points(c) == 6));
}

#[test]
fn step_points_edge_cases() {
    assert!(step_points(&[], &[], 10.0).is_empty());
    // NaN dropped, clamped, sorted, length mismatch uses the shorter.
    let p = step_points(
        &[10.0, f64::NAN, 0.0, 5.0, 7.0],
        &[0.5, 0.9, 1.2, f64::NAN],
        100.0,
    );
    assert_eq!(p, vec![(0.0, 1.0), (10.0, 1.0), (10.0, 0.5)]);
    // Data before 0: its level starts the curve at 0.
    let p = step_points(&[-1.0, 4.0], &[0.9, 0.7], 10.0);
    assert_eq!(p, vec![(0.0, 0.9), (4.0, 0.9), (4.0, 0.7)]);
    // Everything beyond x_max: nothing to draw.
    assert!(step_points(&[50.0, 60.0], &[0.5, 0.4], 10.0).is_empty());
    // Non-finite x_max disables the upper clip.
    assert_eq!(step_points(&[1.0, 2.0], &[1.0, 0.5], f64::NAN).len(), 3);
    // Band: lower > upper is swapped; NaN bound drops that time.
    let poly = band_polygon(
        &[0.0, 1.0, 2.0],
        &[0.9, f64::NAN, 0.4],
        &[0.8, 0.5, 0.6],
        5.0,
    );
    assert_eq!(poly.len(), 6);
    assert_eq!(poly[0], (0.0, 0.9));
    assert_eq!(poly[5], (0.0, 0.8));
}

#[test]
fn nan_and_empty_inputs_do_not_panic() {
    // Entirely empty figure: Ok, empty axes with a note (documented).
    let empty = KmFigure::default();
    let svg = render_svg(&empty, 600, 400).unwrap();
    assert!(svg.contains(EMPTY_NOTE));
    assert!(curve_polylines(&svg).is_empty());
    assert_eq!(effective_x_max(&empty), 1.0);

    // Bands with all-NaN / empty vectors, NaN x_max, not-reached medians.
    let nan = f64::NAN;
    let fig = KmFigure {
        title: "line\nbreak".into(),
        y_label: "\n".into(),
        bands: vec![
            CurveBand {
                label: "nan arm".into(),
                times: vec![nan, nan],
                truth: vec![nan, 0.5],
                lower: vec![],
                median: vec![nan],
                upper: vec![nan, nan],
            },
            CurveBand::default(),
        ],
        published_medians: vec![
            ("NR arm".into(), f64::INFINITY),
            ("nan".into(), nan),
            ("late".into(), 1e9),
            ("neg".into(), -3.0),
        ],
        x_max: nan,
    };
    let a = render_svg(&fig, 600, 400).unwrap();
    assert_eq!(a, render_svg(&fig, 600, 400).unwrap());
    assert!(a.contains(EMPTY_NOTE));
    assert!(a.contains("Not shown: NR arm (NR); nan (NR)"));
    assert!(a.contains("neg (-3.0 mo, off axis)"));
    assert!(a.contains("late: 1.00e9 mo"), "marker on the auto axis");
    // x_max NaN falls back to the largest finite time/median (1e9 here).
    assert_eq!(effective_x_max(&fig), 1e9);

    // Partially valid data with an odd x_max still draws the valid parts.
    let mut partial = two_arm_figure();
    partial.bands[0].truth[3] = nan;
    partial.bands[1].upper.truncate(5);
    partial.x_max = -5.0;
    let s = render_svg(&partial, 600, 400).unwrap();
    assert_eq!(curve_polylines(&s).len(), 4);

    // Extreme ranges.
    for x_max in [1e-300, 1e300, f64::MAX, f64::MIN_POSITIVE] {
        let mut f = two_arm_figure();
        f.x_max = x_max;
        let r = render_svg(&f, 600, 400);
        assert!(r.is_ok(), "{x_max}: {r:?}");
    }
    // Many arms cycle the palette.
    let mut many = two_arm_figure();
    many.bands = (0..20)
        .map(|i| exp_arm(&format!("arm{i}"), 10.0 + i as f64, 10))
        .collect();
    assert!(render_svg(&many, 800, 600).is_ok());
    // Largest canvas is accepted.
    assert!(render_svg(&two_arm_figure(), MAX_SIDE, MAX_SIDE).is_ok());
}

#[test]
fn invalid_sizes_are_errors() {
    let fig = two_arm_figure();
    for (w, h) in [
        (0, 0),
        (MIN_WIDTH - 1, 400),
        (600, MIN_HEIGHT - 1),
        (MAX_SIDE + 1, 400),
    ] {
        let e = render_svg(&fig, w, h).unwrap_err();
        assert_eq!(
            e,
            RenderError::InvalidSize {
                width: w,
                height: h
            }
        );
        assert!(e.to_string().contains("invalid figure size"));
    }
    assert!(render_svg(&fig, MIN_WIDTH, MIN_HEIGHT).is_ok());
    assert_eq!(
        RenderError::Plot("x".into()).to_string(),
        "plotting failed: x"
    );
}

// ---------------------------------------------------------------- tables

#[test]
fn number_formatting() {
    assert_eq!(fmt_fixed(1.23456, 2), "1.23");
    assert_eq!(fmt_fixed(-0.001, 1), "0.0");
    assert_eq!(fmt_fixed(-0.4, 0), "0");
    assert_eq!(fmt_fixed(-1.25, 1), "-1.2");
    assert_eq!(fmt_fixed(f64::NAN, 2), "NA");
    assert_eq!(fmt_fixed(1.0, usize::MAX), format!("{:.12}", 1.0));
    assert_eq!(fmt_pct(0.4531, 1), "45.3%");
    assert_eq!(fmt_pct(f64::INFINITY, 1), "NA");
    assert_eq!(fmt_time(None, 1), "NR");
    assert_eq!(fmt_time(Some(f64::INFINITY), 1), "NR");
    assert_eq!(fmt_time(Some(f64::NAN), 1), "NA");
    assert_eq!(fmt_time(Some(28.44), 1), "28.4");
    assert_eq!(fmt_interval(0.61, 0.853, 2), "(0.61 - 0.85)");
    assert_eq!(fmt_time_interval(Some(10.2), None, 1), "(10.2 - NR)");
    assert_eq!(fmt_pct_interval(0.401, 0.523, 1), "(40.1% - 52.3%)");
    assert_eq!(fmt_estimate_ci(0.72, 0.61, 0.85, 2), "0.72 (0.61 - 0.85)");
    assert_eq!(fmt_median_ci(None, Some(31.0), None, 1), "NR (31.0 - NR)");
    assert_eq!(fmt_p_value(0.0004), "<0.001");
    assert_eq!(fmt_p_value(0.0234), "0.023");
    assert_eq!(fmt_p_value(f64::NAN), "NA");
    assert_eq!(fmt_count_pct(12, 30, 1), "12 (40.0%)");
    assert_eq!(fmt_count_pct(0, 0, 1), "0 (NA)");
}

#[test]
fn table_padding() {
    let t = Table::new("T", vec!["a"])
        .with_row(vec!["1", "2", "3"])
        .with_row(Vec::<String>::new());
    assert_eq!(t.n_cols(), 3);
    assert_eq!(t.padded_header(), vec!["a", "", ""]);
    assert!(t.padded_rows().iter().all(|r| r.len() == 3));
    assert_eq!(Table::default().n_cols(), 0);
}

// ---------------------------------------------------------------- documents

fn sample_doc() -> ReportDoc {
    ReportDoc {
        title: "Report <MM> & co".into(),
        subtitle: "VRd vs Rd".into(),
        sections: vec![
            Section {
                heading: "Medians".into(),
                blocks: vec![
                    Block::Paragraph("Replicates: 200 <virtual> cohorts & \"truth\".".into()),
                    Block::Table(
                        Table::new("Median PFS (months)", vec!["Arm", "Median (95% CI)"])
                            .with_row(vec!["VRd | triplet", "41.0 (37.2 - NR)"])
                            .with_row(vec!["Rd <ctrl>", "29.0 (26.0 - 33.1)"])
                            .with_note("NR: not reached & <censored>."),
                    ),
                ],
            },
            Section {
                heading: "Figures".into(),
                blocks: vec![
                    Block::Figure {
                        svg_file: "km_pfs.svg".into(),
                        caption: "PFS bands [200 cohorts]".into(),
                    },
                    Block::Figure {
                        svg_file: "missing file.svg".into(),
                        caption: String::new(),
                    },
                ],
            },
        ],
    }
}

#[test]
fn markdown_tables_escape_pipes_and_link_figures() {
    let md = render_markdown(&sample_doc());
    assert_eq!(md, render_markdown(&sample_doc()));
    assert!(md.starts_with("# Report \\<MM> & co\n\n_VRd vs Rd_\n\n## Medians"));
    assert!(md.contains("| Rd \\<ctrl> |"));
    assert!(
        md.contains("| VRd \\| triplet | 41.0 (37.2 - NR) |"),
        "{md}"
    );
    assert!(md.contains("| Arm | Median (95% CI) |\n| --- | --- |\n"));
    assert!(md.contains("**Median PFS (months)**"));
    assert!(md.contains("_NR: not reached & \\<censored>._"));
    assert!(md.contains("![PFS bands \\[200 cohorts\\]](km_pfs.svg)"));
    assert!(md.contains("](missing%20file.svg)"));
    assert!(md.ends_with('\n') && !md.ends_with("\n\n"));
    // Every table line has the same number of unescaped pipes.
    let table_lines: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table_lines.len(), 4);
    let pipes = |l: &str| l.replace("\\|", "").matches('|').count();
    assert!(table_lines.iter().all(|l| pipes(l) == 3));

    assert_eq!(escape_table_cell("a|b\\c\nd"), "a\\|b\\\\c d");
    assert_eq!(escape_table_cell(" <0.001 "), "\\<0.001");
    let empty = render_markdown(&ReportDoc {
        sections: vec![Section {
            heading: String::new(),
            blocks: vec![Block::Table(Table::default())],
        }],
        ..ReportDoc::default()
    });
    assert_eq!(empty, "_(empty table)_\n");
    assert_eq!(render_markdown(&ReportDoc::default()), "\n");
}

#[test]
fn html_escapes_inlines_svg_and_loads_nothing_external() {
    let svg = render_svg(&two_arm_figure(), 700, 450).unwrap();
    let svgs = vec![("km_pfs.svg".to_string(), svg.clone())];
    let html = render_html(&sample_doc(), &svgs);
    assert_eq!(html, render_html(&sample_doc(), &svgs));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("<h1>Report &lt;MM&gt; &amp; co</h1>"));
    assert!(html.contains("200 &lt;virtual&gt; cohorts &amp; &quot;truth&quot;."));
    assert!(html.contains("<td>Rd &lt;ctrl&gt;</td>"));
    assert!(html.contains("<td>VRd | triplet</td>"));
    assert!(html.contains("NR: not reached &amp; &lt;censored&gt;."));
    assert!(!html.contains("<MM>") && !html.contains("<ctrl>"));
    // SVG inlined (once), its curves present.
    assert_eq!(html.matches("<svg").count(), 1);
    assert_eq!(curve_polylines(&html).len(), 4);
    assert!(html.contains("VRd pub: 43.0 mo"));
    assert!(html.contains("<figcaption>PFS bands [200 cohorts]</figcaption>"));
    // Missing figure: escaped note, nothing inlined.
    assert!(html.contains("Figure not available: missing file.svg"));
    // Self-contained: no URLs, no external loads, no scripts.
    assert!(!html.contains("http"), "external reference in HTML");
    for bad in ["<script", "<link", "src=", "href=", "@import", "url("] {
        assert!(!html.contains(bad), "found {bad}");
    }
    assert!(html.contains("<style>"));

    // Non-SVG text is never inlined.
    let evil = vec![(
        "km_pfs.svg".to_string(),
        "<script>alert(1)</script>".to_string(),
    )];
    let h = render_html(&sample_doc(), &evil);
    assert!(!h.contains("<script"));
    assert!(h.contains("Figure not available: km_pfs.svg"));
    // An XML prolog is stripped before inlining.
    let with_prolog = vec![(
        "km_pfs.svg".to_string(),
        format!("<?xml version=\"1.0\"?>\n{svg}"),
    )];
    let h = render_html(&sample_doc(), &with_prolog);
    assert!(!h.contains("<?xml") && h.contains("<svg width"));

    assert_eq!(escape_html("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    let empty = render_html(&ReportDoc::default(), &[]);
    assert!(empty.contains("<title></title>") && empty.contains("</body>"));
}
