//! Reading rendered SVG text in tests: elements, attributes, text content,
//! and the well-formedness every render must have.

#![allow(dead_code)] // each test binary uses its own part

/// Every `<tag ...>` element (up to its `/>` or `>`), in document order.
pub fn elements<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    svg.match_indices(&open)
        .map(|(i, _)| {
            let rest = &svg[i..];
            &rest[..rest.find('>').expect("closed tag") + 1]
        })
        .collect()
}

pub fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let end = start + element[start..].find('"')?;
    Some(&element[start..end])
}

pub fn num(element: &str, name: &str) -> f64 {
    attr(element, name)
        .unwrap_or_else(|| panic!("no {name} in {element}"))
        .parse()
        .unwrap()
}

pub fn points(element: &str) -> Vec<(f64, f64)> {
    attr(element, "points")
        .expect("points attribute")
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

pub fn with_attr<'a>(els: &[&'a str], name: &str, value: &str) -> Vec<&'a str> {
    els.iter()
        .copied()
        .filter(|e| attr(e, name) == Some(value))
        .collect()
}

/// Text content of every `<text>` element, in document order.
pub fn texts(svg: &str) -> Vec<String> {
    svg.match_indices("<text ")
        .map(|(i, _)| {
            let rest = &svg[i..];
            let start = rest.find('>').unwrap() + 1;
            let end = rest.find("</text>").unwrap();
            rest[start..end].trim().to_string()
        })
        .collect()
}

/// Well-formedness checks shared by all renders.
pub fn assert_valid_svg(svg: &str) {
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(60)]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), 1);
    assert_eq!(svg.matches("</svg>").count(), 1);
    assert_eq!(
        svg.matches("<text ").count(),
        svg.matches("</text>").count()
    );
    for tag in ["polyline", "polygon", "rect", "line", "circle"] {
        for e in elements(svg, tag) {
            assert!(e.ends_with("/>"), "unclosed {e}");
        }
    }
    // No raw '&' outside entities, no NaN leaking into coordinates.
    for (i, _) in svg.match_indices('&') {
        let rest = &svg[i..];
        assert!(
            ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "raw & at {i}"
        );
    }
    assert!(
        !svg.contains("NaN") && !svg.contains("inf\""),
        "non-finite number"
    );
    // Every rect has a finite, non-negative size.
    for r in elements(svg, "rect") {
        for a in ["x", "y", "width", "height"] {
            let v = num(r, a);
            assert!(v.is_finite(), "{r}");
        }
        assert!(num(r, "width") >= 0.0 && num(r, "height") >= 0.0, "{r}");
    }
    // No sentinel colour (#0102xx-#0105xx, rewritten into dashes) survives.
    assert!(!svg.contains("#010"));
}
