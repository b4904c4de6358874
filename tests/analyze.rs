//! `cohortsim analyze` end to end: its JSON against R on a committed cohort
//! (tests/fixtures/make_analyze_fixtures.R), and every bad-input case.

use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

const COHORT: &str = "tests/fixtures/analyze/icaria_cohort.csv";

/// Runs `cohortsim analyze` with these arguments.
fn analyze(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cohortsim"))
        .arg("analyze")
        .args(args)
        .output()
        .unwrap()
}

fn analyze_json(extra: &[&str]) -> Value {
    let o = analyze(
        &[
            &[
                COHORT,
                "--time",
                "pfs_time",
                "--event",
                "pfs_event",
                "--json",
            ],
            extra,
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn expected() -> HashMap<String, f64> {
    let mut r = csv::Reader::from_path("tests/fixtures/analyze/expected.csv").unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec[1].parse().unwrap())
        })
        .collect()
}

fn lookup<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('/').fold(v, |v, k| match k.parse::<usize>() {
        Ok(i) => &v[i],
        Err(_) => &v[k],
    })
}

fn close(key: &str, got: &Value, want: f64) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{key}: no number in the JSON ({got})"));
    let tol = 1e-8 * want.abs().max(1e-12);
    assert!((g - want).abs() <= tol, "{key}: cohortsim {g} vs R {want}");
}

#[test]
fn json_matches_r_for_every_conf_type_and_tie_method() {
    let want = expected();
    let mut checked = 0;
    for ct in ["log", "log-log", "plain"] {
        let v = analyze_json(&[
            "--group",
            "arm",
            "--landmark",
            "6,12",
            "--tau",
            "12",
            "--conf-type",
            ct,
            "--response",
            "len_refractory",
        ]);
        for (key, &value) in want
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{ct}/")))
        {
            close(key, lookup(&v, &key[ct.len() + 1..]), value);
            checked += 1;
        }
    }
    let v = analyze_json(&["--group", "arm"]);
    close(
        "logrank/chisq",
        &v["logrank"]["chisq"],
        want["logrank/chisq"],
    );
    assert_eq!(v["logrank"]["df"], 1);
    let v = analyze_json(&["--group", "arm", "--strata", "age_band"]);
    close(
        "logrank_strata/chisq",
        &v["logrank"]["chisq"],
        want["logrank_strata/chisq"],
    );
    for ties in ["efron", "breslow"] {
        let v = analyze_json(&[
            "--group",
            "arm",
            "--covariates",
            "age,egfr,len_refractory",
            "--ties",
            ties,
        ]);
        assert_eq!(v["cox"]["coefficients"][0]["name"], "arm=Pd");
        assert_eq!(v["cox"]["coefficients"][2]["name"], "egfr=ge60");
        for (key, &value) in want
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("{ties}/")))
        {
            close(key, lookup(&v, &key[ties.len() + 1..]), value);
            checked += 1;
        }
    }
    assert!(checked >= 110, "only {checked} numbers compared");
    // A group with a time of 0 has no parametric fit (R's survreg refuses it too).
    let v = analyze_json(&["--group", "arm"]);
    assert!(v["groups"][1]["weibull"].is_null());
}

#[test]
fn text_output_without_json() {
    let o = analyze(&[
        COHORT, "--time", "os_time", "--event", "os_event", "--group", "arm",
    ]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("Log-rank") && text.contains("arm=Pd") && text.contains("IsaPd: n = 155"),
        "{text}"
    );
}

fn write(name: &str, text: &str) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn expect_error(csv: &str, args: &[&str], words: &[&str]) {
    let p = write("data.csv", csv);
    let o = analyze(&[&[p.to_str().unwrap(), "--time", "t", "--event", "e"], args].concat());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "expected failure for {csv:?} {args:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(p.to_str().unwrap()),
        "file not named: {stderr}"
    );
    for w in words {
        assert!(stderr.contains(w), "message lacks `{w}`: {stderr}");
    }
}

#[test]
fn bad_input_names_row_and_column() {
    let ok = "t,e,g,x\n1,1,a,3\n2,0,b,4\n3,1,a,5\n";
    expect_error(ok, &["--group", "nope"], &["no column `nope`", "group"]);
    expect_error("t,e\n1,1\nabc,0\n", &[], &["row 3", "`t`", "not a number"]);
    expect_error("t,e\n1,1\n-2,0\n", &[], &["row 3", "`t`", ">= 0"]);
    expect_error("t,e\n1,1\nNaN,0\n", &[], &["row 3", "`t`"]);
    expect_error(
        "t,e\n1,1\n2,2\n",
        &[],
        &["row 3", "`e`", "0/1 or true/false"],
    );
    expect_error("", &[], &["empty"]);
    expect_error("t,e\n", &[], &["no data rows"]);
    expect_error(
        "t,e,g\n1,1,a\n2,0,a\n",
        &["--group", "g"],
        &["single level", "`g`"],
    );
    expect_error(
        "t,e,g\n1,1,a\n2,0,\n",
        &["--group", "g"],
        &["row 3", "missing group"],
    );
    expect_error(
        "t,e,x\n1,1,7\n2,0,7\n",
        &["--covariates", "x"],
        &["`x`", "constant"],
    );
    expect_error(
        "t,e,x\n1,1,NA\n2,0,7\n",
        &["--covariates", "x"],
        &["row 2", "`x`", "missing"],
    );
    expect_error("t,e,x\n1,0,1\n2,0,7\n", &["--covariates", "x"], &["event"]);
    // An argument error is about the command line, not the file.
    let p = write("ok.csv", ok);
    let o = analyze(&[
        p.to_str().unwrap(),
        "--time",
        "t",
        "--event",
        "e",
        "--tau=-1",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--tau must be positive"));
}

#[test]
fn true_false_events_are_read() {
    let p = write("tf.csv", "t,e\n1,true\n2,FALSE\n3,True\n");
    let o = analyze(&[p.to_str().unwrap(), "--time", "t", "--event", "e", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["events"], 2);
    assert_eq!(v["groups"][0]["name"], "all");
}

#[test]
fn a_level_without_events_is_reported_as_monotone_not_nan() {
    // group b never has an event: its hazard ratio is 0, the likelihood monotone.
    let mut csv = String::from("t,e,g\n");
    for i in 0..20 {
        csv.push_str(&format!("{},1,a\n{},0,b\n", i + 1, i + 2));
    }
    let p = write("mono.csv", &csv);
    let o = analyze(&[
        p.to_str().unwrap(),
        "--time",
        "t",
        "--event",
        "e",
        "--group",
        "g",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["cox"]["converged"], false);
    assert!(v["cox"]["coefficients"][0]["se"].is_null());
    assert!(v["cox"]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("monotone"));
}
