//! The assumptions a one-at-a-time sensitivity analysis varies, read from the
//! scenario's own comments: every number whose end-of-line comment gives a
//! range (`# ASSUMPTION: ... range 35-90`, or `# [1.2, 2.0]` in the shared
//! assumption files) is an assumption with its documented range, so the
//! tornado chart covers exactly what the file says is uncertain.

use super::variation::{Location, ScenarioSource};
use crate::calibrate::keypath::KeyPath;
use toml_edit::{Item, Table, Value};

/// One assumption: where it is, its value, and the range to try.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    pub at: Location,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// A range in a comment: the last `range A-B`, `range A to B` or `[A, B]`
/// (A < B, not a percentage), so "range not in the reference; range 35-50"
/// reads as 35-50.
pub fn range_in_comment(comment: &str) -> Option<(f64, f64)> {
    let mut found = None;
    let mut rest = comment;
    while let Some(i) = rest.find("range ") {
        rest = &rest[i + "range ".len()..];
        if let Some(r) = two_numbers(rest, &["-", " to "]) {
            found = Some(r);
        }
    }
    let mut rest = comment;
    while let Some(i) = rest.find('[') {
        rest = &rest[i + 1..];
        if let Some(end) = rest.find(']') {
            if let Some(r) = two_numbers(&rest[..end], &[","]).filter(|_| true) {
                // A bracket must hold exactly the two numbers.
                let inner = rest[..end].trim();
                if inner.split(',').count() == 2 {
                    found = Some(r);
                }
            }
        }
    }
    found
}

/// `A<sep>B` at the start of `text` (after spaces), followed by the end, a
/// space or punctuation other than `%`.
fn two_numbers(text: &str, seps: &[&str]) -> Option<(f64, f64)> {
    let number_end = |s: &str| {
        s.char_indices()
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
            .map_or(s.len(), |(i, _)| i)
    };
    let text = text.trim_start();
    let a_end = number_end(text);
    let a: f64 = text[..a_end].parse().ok()?;
    let after = &text[a_end..];
    for sep in seps {
        let Some(b_text) = after.strip_prefix(sep) else {
            continue;
        };
        let b_text = b_text.trim_start();
        let b_end = number_end(b_text);
        let b: f64 = b_text[..b_end].trim_end_matches('.').parse().ok()?;
        if b_text[b_end..].starts_with('%') || a >= b || a.is_nan() || b.is_nan() {
            return None;
        }
        return Some((a, b));
    }
    None
}

fn number(v: &Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

fn comment(v: &Value) -> Option<&str> {
    v.decor().suffix().and_then(|s| s.as_str())
}

fn walk(table: &Table, prefix: &str, file: Option<&str>, out: &mut Vec<Assumption>) {
    for (key, item) in table.iter() {
        let path = if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        };
        match item {
            Item::Value(v) => value(v, &path, file, out),
            Item::Table(t) => walk(t, &path, file, out),
            Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    let index = t
                        .get("name")
                        .and_then(|n| n.as_str())
                        .map_or(i.to_string(), str::to_string);
                    walk(t, &format!("{path}[{index}]"), file, out);
                }
            }
            Item::None => {}
        }
    }
}

/// A range in a comment that cites the reference ("ref §1: range 39-81") is
/// a reported range, not an assumption's, unless the comment also says
/// ASSUMPTION.
fn is_assumption(comment: &str) -> bool {
    comment.contains("ASSUMPTION") || !comment.contains("ref ")
}

fn value(v: &Value, path: &str, file: Option<&str>, out: &mut Vec<Assumption>) {
    let Some((low, high)) = comment(v)
        .filter(|c| is_assumption(c))
        .and_then(range_in_comment)
    else {
        return;
    };
    // An inline table's comment (`iss = { III = 1.5 }  # [1.2, 2.0]`) is the
    // range of its one number that is not a `center`.
    let (path, x) = match v {
        Value::InlineTable(t) => {
            let numbers: Vec<(&str, f64)> = t
                .iter()
                .filter(|(k, _)| *k != "center")
                .filter_map(|(k, v)| number(v).map(|x| (k, x)))
                .collect();
            match numbers.as_slice() {
                [(k, x)] => (format!("{path}.{k}"), *x),
                _ => return,
            }
        }
        other => match number(other) {
            Some(x) => (path.to_string(), x),
            None => return,
        },
    };
    let Ok(key) = path.parse::<KeyPath>() else {
        return;
    };
    out.push(Assumption {
        at: Location {
            file: file.map(str::to_string),
            key,
        },
        value: x,
        low,
        high,
    });
}

/// Every number with a documented range, in the scenario then its includes,
/// in file order. An included assumption the scenario overrides in its own
/// `effects` is still listed; varying it then changes nothing, which the
/// tornado shows as a zero-width bar.
pub fn documented_assumptions(src: &ScenarioSource) -> Vec<Assumption> {
    let mut out = Vec::new();
    walk(src.main().as_table(), "", None, &mut out);
    for (rel, doc) in src.includes() {
        walk(doc.as_table(), "", Some(rel), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ranges_as_the_scenarios_write_them() {
        let r = range_in_comment;
        assert_eq!(
            r("# ASSUMPTION, reference patient; range 35-90"),
            Some((35.0, 90.0))
        );
        assert_eq!(
            r("# range not in the reference; range 35-50"),
            Some((35.0, 50.0))
        );
        assert_eq!(r("# ASSUMPTION: range 0-0.01 per month"), Some((0.0, 0.01)));
        assert_eq!(r("# [1.2, 2.0]"), Some((1.2, 2.0)));
        assert_eq!(r("# [1.0, 1.2] per extra prior line"), Some((1.0, 1.2)));
        assert_eq!(
            r("# range 600-5000 (1% to 7% by 5 years)."),
            Some((600.0, 5000.0))
        );
        assert_eq!(r("# range 0-15%)"), None);
        assert_eq!(r("# range continuous to 12 weeks"), None);
        assert_eq!(r("# ref §1"), None);
        assert_eq!(r("# range 9-3"), None);
        assert_eq!(r("# range 3 to 12 months"), Some((3.0, 12.0)));
    }

    #[test]
    fn a_reported_range_is_not_an_assumption() {
        assert!(!is_assumption("# ref §1: range 39-81"));
        assert!(is_assumption("# ASSUMPTION (ref §1 gives none): range 4-8"));
        assert!(is_assumption("# [0.3, 0.8]"));
    }
}
