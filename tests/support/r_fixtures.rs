//! Reading the CSV fixtures the R scripts in `tests/fixtures/` write: a table
//! with a header, and the `data.csv` data sets (dataset, time, status) that
//! several fixture directories share.

#![allow(dead_code)] // each test binary uses its own part

use std::collections::BTreeMap;
use std::path::PathBuf;

pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

impl Table {
    /// `tests/fixtures/<parts...>`.
    pub fn load(parts: &[&str]) -> Table {
        let mut path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join("fixtures");
        for p in parts {
            path.push(p);
        }
        let mut rdr = csv::Reader::from_path(&path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        let header = rdr.headers().unwrap().iter().map(String::from).collect();
        let rows = rdr.records().map(|r| r.unwrap()).collect();
        Table { header, rows }
    }

    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }
}

/// An R number as written by sprintf("%.17g"); NA / NaN become `None`.
pub fn num(s: &str) -> Option<f64> {
    match s {
        "NA" | "NaN" => None,
        "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => Some(s.parse().unwrap_or_else(|_| panic!("bad number {s:?}"))),
    }
}

/// One fixture data set.
pub struct Data {
    pub time: Vec<f64>,
    pub event: Vec<bool>,
}

/// The data sets of a `data.csv` (columns dataset, time, status 0/1), by name.
pub fn datasets(table: &Table) -> BTreeMap<String, Data> {
    let (cd, ct, cs) = (table.col("dataset"), table.col("time"), table.col("status"));
    let mut out: BTreeMap<String, Data> = BTreeMap::new();
    for r in &table.rows {
        let d = out.entry(r[cd].to_string()).or_insert(Data {
            time: vec![],
            event: vec![],
        });
        d.time
            .push(num(&r[ct]).unwrap_or_else(|| panic!("missing time")));
        d.event.push(match &r[cs] {
            "0" => false,
            "1" => true,
            s => panic!("bad status {s:?}"),
        });
    }
    out
}

/// A value that R reports as NA when it is NaN here.
pub fn opt(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

/// Agreement with R to `rel` relative (`abs` absolute near zero), infinities
/// exactly, and the same NA pattern.
#[track_caller]
pub fn check_close(what: &str, got: Option<f64>, want: Option<f64>, rel: f64, abs: f64) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) if w.is_infinite() => assert_eq!(g, w, "{what}: got {g}, R {w}"),
        (Some(g), Some(w)) => {
            let tol = (rel * w.abs()).max(abs);
            assert!((g - w).abs() <= tol, "{what}: got {g:.17e}, R {w:.17e}");
        }
        _ => panic!("{what}: NA pattern differs: got {got:?}, R {want:?}"),
    }
}
