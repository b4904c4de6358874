//! The experiment commands end to end on shipped scenarios: what they write,
//! that it is the same for any thread count, and that bad input is refused
//! with a message naming what is wrong.

use std::path::Path;
use std::process::{Command, Output};

fn cohortsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cohortsim"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn fails_with(o: &Output, needles: &[&str]) {
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn rows(csv_text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn sweep_writes_a_row_per_grid_point_and_estimate_identically_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str, out: &str| {
        let out = dir.path().join(out);
        ok(&cohortsim(&[
            "sweep",
            "scenarios/botkin-isapd-2024.toml",
            "--vary",
            "cohort.n=30,60",
            "--vary",
            "design.assessment.every_weeks=4,8",
            "--replicates",
            "200",
            "--threads",
            threads,
            "--no-truth",
            "-o",
            out.to_str().unwrap(),
        ]));
        out
    };
    let one = run("1", "t1");
    let two = run("2", "t2");
    let csv1 = read(&one.join("sweep.csv"));
    assert_eq!(
        csv1,
        read(&two.join("sweep.csv")),
        "thread count changed the results"
    );
    assert_eq!(read(&one.join("sweep.json")), read(&two.join("sweep.json")));
    let recs = rows(&csv1);
    let header = csv::Reader::from_reader(csv1.as_bytes())
        .headers()
        .unwrap()
        .clone();
    assert_eq!(&header[0], "cohort.n");
    assert_eq!(&header[1], "design.assessment.every_weeks");
    // 4 grid points, each with every replicate column.
    let per_point = recs
        .iter()
        .filter(|r| &r[0] == "30" && &r[1] == "4")
        .count();
    assert!(per_point > 10);
    assert_eq!(recs.len(), 4 * per_point);
    // n is honoured: the patients column's mean is the cohort size.
    let n_col = header.iter().position(|h| h == "mean").unwrap();
    let n_of = |n: &str| {
        recs.iter()
            .find(|r| &r[0] == n && &r[3] == "IsaPd.n")
            .map(|r| r[n_col].parse::<f64>().unwrap())
            .unwrap()
    };
    assert_eq!(n_of("30"), 30.0);
    assert_eq!(n_of("60"), 60.0);
    // Larger cohorts: a smaller SD of the median estimate (by far more than
    // its MCSE at 200 replicates).
    let sd = header.iter().position(|h| h == "sd").unwrap();
    let sd_of = |n: &str| {
        recs.iter()
            .find(|r| &r[0] == n && &r[1] == "4" && &r[3] == "IsaPd.pfs_at_12")
            .map(|r| r[sd].parse::<f64>().unwrap())
            .unwrap()
    };
    assert!(sd_of("60") < 0.85 * sd_of("30"));
    let md = read(&one.join("sweep.md"));
    assert!(md.contains("common random numbers"));
    assert!(md.contains("plot-IsaPd.pfs_median-vs-cohort.n.svg"), "{md}");
    assert!(read(&one.join("plot-IsaPd.pfs_median-vs-cohort.n.svg")).starts_with("<svg"));
}

#[test]
fn tornado_varies_every_documented_assumption_including_shared_ones() {
    let dir = tempfile::tempdir().unwrap();
    let text = ok(&cohortsim(&[
        "sweep",
        "scenarios/botkin-isapd-2024.toml",
        "--tornado",
        "--replicates",
        "100",
        "-o",
        dir.path().to_str().unwrap(),
    ]));
    assert!(text.contains("assumptions at both ends"), "{text}");
    let csv_text = read(&dir.path().join("tornado.csv"));
    let recs = rows(&csv_text);
    let keys: Vec<&str> = recs.iter().map(|r| r.get(0).unwrap()).collect();
    // From the scenario's own comments and from the shared file.
    assert!(keys.contains(&"outcome.progression.median"), "{keys:?}");
    assert!(
        keys.contains(&"assumptions/prognostic-hr.toml:pfs.iss.III"),
        "{keys:?}"
    );
    assert!(keys.contains(&"assumptions/prognostic-hr.toml:pfs.prior_lines.per_unit"));
    // A faster progression (shorter reference median) shortens median PFS.
    let r = recs
        .iter()
        .find(|r| &r[0] == "outcome.progression.median")
        .unwrap();
    let (lo, hi): (f64, f64) = (r[7].parse().unwrap(), r[9].parse().unwrap());
    assert!(lo < hi, "median PFS at the low end {lo}, high end {hi}");
    assert!(read(&dir.path().join("tornado-IsaPd.svg")).starts_with("<svg"));
}

#[test]
fn power_reports_power_type_one_error_and_analytic_values() {
    let dir = tempfile::tempdir().unwrap();
    let text = ok(&cohortsim(&[
        "power",
        "scenarios/icaria-mm.toml",
        "--test",
        "logrank",
        "--n",
        "60,240",
        "--replicates",
        "400",
        "-o",
        dir.path().to_str().unwrap(),
    ]));
    assert!(text.contains("Schoenfeld"), "{text}");
    let recs = rows(&read(&dir.path().join("power.csv")));
    assert_eq!(recs.len(), 2);
    let power: Vec<f64> = recs.iter().map(|r| r[3].parse().unwrap()).collect();
    assert!(power[1] > power[0] + 0.2, "{power:?}");
    for r in &recs {
        let t1: f64 = r[5].parse().unwrap();
        let mcse: f64 = r[6].parse().unwrap();
        assert!((t1 - 0.05).abs() < 4.0 * mcse.max(0.005), "type I {t1}");
        assert!(r[7].parse::<f64>().unwrap() > 0.0, "Schoenfeld");
    }
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("power.json"))).unwrap();
    assert_eq!(json["test"], "logrank");
    assert!(json["effect"]["hazard_ratio"].as_f64().unwrap() < 1.0);
}

#[test]
fn one_sample_power_tells_16_months_from_11_at_60_patients() {
    let dir = tempfile::tempdir().unwrap();
    ok(&cohortsim(&[
        "power",
        "scenarios/botkin-isapd-2024.toml",
        "--test",
        "one-sample-logrank",
        "--historical-median",
        "11.1",
        "--replicates",
        "300",
        "-o",
        dir.path().to_str().unwrap(),
    ]));
    let recs = rows(&read(&dir.path().join("power.csv")));
    assert_eq!(&recs[0][0], "60");
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("power.json"))).unwrap();
    let hr = json["effect"]["hazard_ratio"].as_f64().unwrap();
    assert!(hr > 0.5 && hr < 0.9, "11.1 / true median = {hr}");
    let t1: f64 = recs[0][5].parse().unwrap();
    assert!(
        t1 < 0.15,
        "type I error under the median-matched null: {t1}"
    );
    assert!(read(&dir.path().join("power.md")).contains("rescaled"));
}

#[test]
fn bench_estimators_reports_every_measure_with_its_mcse() {
    let dir = tempfile::tempdir().unwrap();
    ok(&cohortsim(&[
        "bench-estimators",
        "scenarios/icaria-mm.toml",
        "--replicates",
        "200",
        "--tau",
        "12",
        "-o",
        dir.path().to_str().unwrap(),
    ]));
    let csv_text = read(&dir.path().join("benchmark.csv"));
    let recs = rows(&csv_text);
    let est: Vec<&str> = recs.iter().map(|r| r.get(1).unwrap()).collect();
    for e in [
        "km-median-log",
        "km-median-log-log",
        "km-median-plain",
        "km-median-symmetric",
        "weibull-median",
        "km-landmark-plain",
        "km-landmark-log-log",
        "cox-efron",
        "cox-breslow",
        "rmst-difference",
    ] {
        assert!(est.contains(&e), "{e} missing from {est:?}");
    }
    let header = csv::Reader::from_reader(csv_text.as_bytes())
        .headers()
        .unwrap()
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for r in &recs {
        // Parametric fits work on every cohort (patients censored at time 0
        // are dropped, as survreg needs).
        if &r[1] == "weibull-median" {
            assert_eq!(&r[col("estimated")], &r[col("replicates")]);
        }
        if &r[1] == "cox-efron" {
            let cov: f64 = r[col("coverage")].parse().unwrap();
            assert!(cov > 0.85 && cov <= 1.0, "Cox coverage {cov}");
            assert!(r[col("coverage_mcse")].parse::<f64>().unwrap() > 0.0);
            assert!(r[col("rejection")].parse::<f64>().unwrap() > 0.3);
        }
    }
    assert!(read(&dir.path().join("benchmark.md")).contains("rel. error of model SE"));
}

#[test]
fn experiment_commands_refuse_bad_input_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = out.to_str().unwrap();
    let s = "scenarios/botkin-isapd-2024.toml";
    fails_with(
        &cohortsim(&[
            "sweep",
            s,
            "--vary",
            "outcome.progression.medain=1,2",
            "-o",
            o,
        ]),
        &[
            "botkin-isapd-2024.toml",
            "outcome.progression.medain",
            "no key `medain`",
        ],
    );
    fails_with(
        &cohortsim(&["sweep", s, "--vary", "cohort.n=60,abc", "-o", o]),
        &["cohort.n", "`abc` is not a number"],
    );
    fails_with(
        &cohortsim(&["sweep", s, "--vary", "cohort.n=60.5", "-o", o]),
        &["cohort.n", "whole number"],
    );
    fails_with(
        &cohortsim(&["sweep", s, "--vary", "cohort.n", "-o", o]),
        &["KEY=V1,V2"],
    );
    fails_with(&cohortsim(&["sweep", s, "-o", o]), &["--vary", "--tornado"]);
    fails_with(
        &cohortsim(&[
            "sweep",
            s,
            "--vary",
            "outcome.progression.median=-3",
            "-o",
            o,
        ]),
        &["outcome.progression.median=-3"],
    );
    fails_with(
        &cohortsim(&["power", s, "--test", "logrank", "-o", o]),
        &["has one", "one-sample-logrank"],
    );
    fails_with(
        &cohortsim(&["power", s, "--test", "one-sample-logrank", "-o", o]),
        &["--historical-median"],
    );
    fails_with(
        &cohortsim(&[
            "power",
            s,
            "--test",
            "one-sample-logrank",
            "--historical-median",
            "11",
            "--alpha",
            "1.5",
            "-o",
            o,
        ]),
        &["--alpha"],
    );
    fails_with(
        &cohortsim(&[
            "bench-estimators",
            s,
            "--estimators",
            "km-median-loglog",
            "-o",
            o,
        ]),
        &["km-median-loglog", "km-median-log-log"],
    );
    // Nothing half-written.
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
}

#[test]
fn explain_writes_a_decomposition_that_adds_up_and_a_waterfall() {
    let dir = tempfile::tempdir().unwrap();
    let text = ok(&cohortsim(&[
        "explain",
        "scenarios/botkin-isapd-2024.toml",
        "scenarios/icaria-mm.toml",
        "--replicates",
        "200",
        "--population",
        "20000",
        "--bootstrap",
        "30",
        "-o",
        dir.path().to_str().unwrap(),
    ]));
    assert!(text.contains("case mix: prior_lines"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("explain.json"))).unwrap();
    for j in 0..3 {
        let sum: f64 = json["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"][j].as_f64().unwrap_or(0.0))
            .sum();
        let want = json["typical_a"]["value"][j].as_f64().unwrap()
            - json["typical_b"]["value"][j].as_f64().unwrap();
        assert!((sum - want).abs() < 1e-9, "estimand {j}: {sum} vs {want}");
    }
    assert_eq!(json["published_a"][0], 16.1);
    assert!(read(&dir.path().join("waterfall-median.svg")).starts_with("<svg"));
    let csv_text = read(&dir.path().join("explain.csv"));
    assert!(csv_text.starts_with("group,part,estimand,value,mcse"));
    fails_with(
        &cohortsim(&[
            "explain",
            "scenarios/botkin-isapd-2024.toml",
            "scenarios/icaria-mm.toml",
            "--arm-b",
            "Dara",
            "-o",
            dir.path().to_str().unwrap(),
        ]),
        &["no arm `Dara`", "IsaPd, Pd"],
    );
}
