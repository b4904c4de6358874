//! `cohortsim maic` as a library call (`commands::maic::run` / `maic`):
//! end to end against the R fixtures of `tests/fixtures/make_maic_fixtures.R`
//! (the command computes its own weights from the TARGETS.toml R wrote), the
//! text and JSON outputs, and one test per kind of bad input, each checking
//! that the message names the file, the row or key, and what is wrong.

use std::path::{Path, PathBuf};

#[path = "support/r_fixtures.rs"]
mod r_fixtures;
use r_fixtures::{num, Table};

use cohortsim::analysis::{z_value, ConfType, KaplanMeier};
use cohortsim::commands::maic::{maic, run, MaicArgs};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/maic")
        .join(name)
}

fn args(data: &Path, targets: &Path) -> MaicArgs {
    MaicArgs {
        data: data.to_path_buf(),
        targets: targets.to_path_buf(),
        time: "time".into(),
        event: "status".into(),
        group: None,
        landmark: vec![],
        ties: "efron".into(),
        conf_type: "log".into(),
        conf_level: 0.95,
        json: false,
    }
}

#[track_caller]
fn close(what: &str, got: Option<f64>, want: Option<f64>) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(
            (g - w).abs() <= (1e-8 * w.abs()).max(1e-12),
            "{what}: got {g:.17e}, R {w:.17e}"
        ),
        _ => panic!("{what}: got {got:?}, R {want:?}"),
    }
}

const DATASETS: [&str; 5] = ["ties300", "small30", "mid150", "extreme100", "lung"];

#[test]
fn command_matches_r_end_to_end() {
    let summary = Table::load(&["maic", "summary.csv"]);
    let quant = Table::load(&["maic", "quantile.csv"]);
    let lm = Table::load(&["maic", "landmark.csv"]);
    let cox = Table::load(&["maic", "cox.csv"]);
    for ds in DATASETS {
        let mut a = args(
            &fixture(&format!("{ds}.csv")),
            &fixture(&format!("{ds}_targets.toml")),
        );
        a.group = Some("arm".into());
        // Landmarks R evaluated for every group: 0 and one beyond all data.
        a.landmark = vec![0.0, 1e6];
        let out = maic(&a).unwrap_or_else(|e| panic!("{ds}: {e}"));
        let row = summary
            .rows
            .iter()
            .find(|r| &r[summary.col("dataset")] == ds)
            .unwrap();
        close(
            &format!("{ds} ess"),
            Some(out.ess),
            num(&row[summary.col("ess")]),
        );
        assert_eq!(out.n as f64, num(&row[summary.col("n")]).unwrap());
        assert_eq!(out.km_variance, "robust");
        for b in &out.balance {
            let tol = 1e-8 * b.target.abs().max(1.0);
            assert!(
                (b.weighted - b.target).abs() <= tol,
                "{ds} {} {}: weighted {} vs target {}",
                b.statistic,
                b.column,
                b.weighted,
                b.target
            );
        }
        assert_eq!(out.groups.len(), 2);
        for g in &out.groups {
            let r = quant
                .rows
                .iter()
                .find(|r| {
                    &r[quant.col("dataset")] == ds
                        && r[quant.col("group")] == g.name
                        && &r[quant.col("variance")] == "robust"
                        && &r[quant.col("conf")] == "log"
                        && num(&r[quant.col("level")]) == Some(0.95)
                        && num(&r[quant.col("prob")]) == Some(0.5)
                })
                .unwrap();
            let ctx = format!("{ds} {}", g.name);
            close(
                &format!("{ctx} median"),
                g.median,
                num(&r[quant.col("quantile")]),
            );
            close(
                &format!("{ctx} lower"),
                g.median_ci[0],
                num(&r[quant.col("lower")]),
            );
            close(
                &format!("{ctx} upper"),
                g.median_ci[1],
                num(&r[quant.col("upper")]),
            );
            assert_eq!(g.landmarks[0].surv, Some(1.0));
            assert_eq!(g.landmarks[1].surv, None);
        }
        // A landmark inside the data: the median time R used for group "all"
        // is not a group here; check the first arm at R's landmark times.
        let first = &out.groups[0];
        let times: Vec<f64> = lm
            .rows
            .iter()
            .filter(|r| {
                &r[lm.col("dataset")] == ds
                    && r[lm.col("group")] == first.name
                    && &r[lm.col("variance")] == "robust"
                    && &r[lm.col("conf")] == "log"
                    && num(&r[lm.col("level")]) == Some(0.95)
            })
            .map(|r| num(&r[lm.col("time")]).unwrap())
            .collect();
        a.landmark = times.clone();
        let out2 = maic(&a).unwrap();
        for (k, l) in out2.groups[0].landmarks.iter().enumerate() {
            let r = lm
                .rows
                .iter()
                .find(|r| {
                    &r[lm.col("dataset")] == ds
                        && r[lm.col("group")] == first.name
                        && &r[lm.col("variance")] == "robust"
                        && &r[lm.col("conf")] == "log"
                        && num(&r[lm.col("level")]) == Some(0.95)
                        && num(&r[lm.col("time")]) == Some(times[k])
                })
                .unwrap();
            let ctx = format!("{ds} {} S({})", first.name, l.time);
            close(&format!("{ctx} surv"), l.surv, num(&r[lm.col("surv")]));
            close(&format!("{ctx} se"), l.se, num(&r[lm.col("std_err")]));
            close(&format!("{ctx} lower"), l.lower, num(&r[lm.col("lower")]));
            close(&format!("{ctx} upper"), l.upper, num(&r[lm.col("upper")]));
        }
        let c = out.cox.as_ref().unwrap();
        assert_eq!(c.hazard_ratios.len(), 1);
        let h = &c.hazard_ratios[0];
        let r = cox
            .rows
            .iter()
            .find(|r| {
                &r[cox.col("dataset")] == ds
                    && &r[cox.col("model")] == "arm"
                    && &r[cox.col("weights")] == "maic"
                    && &r[cox.col("ties")] == "efron"
            })
            .unwrap();
        let rel = |g: f64, w: f64| (g - w).abs() <= 1e-7 * w.abs();
        let (coef, se, rse) = (
            num(&r[cox.col("coef")]).unwrap(),
            num(&r[cox.col("se")]).unwrap(),
            num(&r[cox.col("robust_se")]).unwrap(),
        );
        assert!(rel(h.coef, coef), "{ds} coef {} vs {coef}", h.coef);
        assert!(rel(h.se.unwrap(), se), "{ds} se");
        assert!(rel(h.robust_se.unwrap(), rse), "{ds} robust se");
        let z = z_value(0.95);
        assert!(rel(h.lower.unwrap(), (coef - z * rse).exp()));
        assert!(rel(h.upper.unwrap(), (coef + z * rse).exp()));
    }
}

#[test]
fn text_and_json_outputs() {
    let mut a = args(&fixture("ties300.csv"), &fixture("ties300_targets.toml"));
    a.group = Some("arm".into());
    a.landmark = vec![12.0];
    let text = run(&a).unwrap();
    for needle in [
        "effective sample size = 229.9",
        "Balance:",
        "sd age",
        "proportion iss = III",
        "mean male",
        "robust (infinitesimal jackknife) variance",
        "A: n = ",
        "S(12) = ",
        "arm=B: HR ",
        "reference A",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    a.json = true;
    let json: serde_json::Value = serde_json::from_str(&run(&a).unwrap()).unwrap();
    assert_eq!(json["n"], 300);
    assert_eq!(json["beta"].as_array().unwrap().len(), 5);
    assert_eq!(json["beta"][1]["term"], "age^2");
    assert_eq!(json["balance"].as_array().unwrap().len(), 5);
    assert_eq!(json["balance"][1]["statistic"], "sd");
    assert!((json["balance"][1]["weighted"].as_f64().unwrap() - 10.0).abs() < 1e-8);
    assert_eq!(json["balance"][3]["level"], "III");
    assert_eq!(json["groups"][1]["name"], "B");
    assert!(json["groups"][0]["median_ci"][0].is_number());
    assert_eq!(json["cox"]["hazard_ratios"][0]["name"], "arm=B");
    assert_eq!(json["km_variance"], "robust");
}

/// A scratch directory with a data file and a targets file.
struct Case {
    _dir: tempfile::TempDir,
    data: PathBuf,
    targets: PathBuf,
}

fn case(data: &str, targets: &str) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("patients.csv");
    let t = dir.path().join("targets.toml");
    std::fs::write(&d, data).unwrap();
    std::fs::write(&t, targets).unwrap();
    Case {
        _dir: dir,
        data: d,
        targets: t,
    }
}

const DATA: &str = "\
time,status,arm,age,iss,male,none
5,1,A,61,I,1,0
7,0,A,70,II,0,0
9,1,B,58,III,1,0
12,1,B,66,I,0,0
15,0,A,73,II,1,0
18,1,B,64,III,0,0
";

/// Runs the command on the case and returns the error message.
#[track_caller]
fn error_of(c: &Case) -> String {
    let mut a = args(&c.data, &c.targets);
    a.group = Some("arm".into());
    match run(&a) {
        Ok(out) => panic!("expected an error, got\n{out}"),
        Err(e) => e.to_string(),
    }
}

#[track_caller]
fn assert_mentions(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "{p:?} not in message: {msg}");
    }
}

#[test]
fn good_small_case_runs() {
    let c = case(
        DATA,
        "[[target]]\ncolumn = \"age\"\nmean = 64\n[[target]]\ncolumn = \"iss\"\nlevel = \"III\"\nproportion = 0.4\n",
    );
    let mut a = args(&c.data, &c.targets);
    a.group = Some("arm".into());
    let out = maic(&a).unwrap();
    assert!(out.ess < 6.0 && out.ess > 1.0);
}

#[test]
fn unknown_column_names_targets_key_and_data_file() {
    let c = case(
        DATA,
        "[[target]]\ncolumn = \"age\"\nmean = 64\n[[target]]\ncolumn = \"ecog\"\nmean = 1\n",
    );
    let m = error_of(&c);
    assert_mentions(
        &m,
        &[
            "targets.toml",
            "target[1].column",
            "patients.csv",
            "no column `ecog`",
            "age, iss",
        ],
    );
}

#[test]
fn non_numeric_value_names_row_and_column() {
    let bad = DATA.replace("12,1,B,66,I,0,0", "12,1,B,sixty,I,0,0");
    let c = case(&bad, "[[target]]\ncolumn = \"age\"\nmean = 64\n");
    let m = error_of(&c);
    assert_mentions(
        &m,
        &[
            "patients.csv",
            "row 5",
            "column `age`",
            "`sixty` is not a number",
        ],
    );
    // A text column given a mean.
    let c = case(DATA, "[[target]]\ncolumn = \"iss\"\nmean = 2\n");
    let m = error_of(&c);
    assert_mentions(
        &m,
        &[
            "patients.csv",
            "row 2",
            "column `iss`",
            "`I` is not a number",
            "level",
        ],
    );
}

#[test]
fn missing_value_names_row_and_column() {
    let bad = DATA.replace("9,1,B,58,III,1,0", "9,1,B,NA,III,1,0");
    let c = case(&bad, "[[target]]\ncolumn = \"age\"\nmean = 64\n");
    assert_mentions(
        &error_of(&c),
        &["patients.csv", "row 4", "column `age`", "missing value"],
    );
}

#[test]
fn absent_level_names_key_and_lists_levels() {
    let c = case(
        DATA,
        "[[target]]\ncolumn = \"iss\"\nlevel = \"IV\"\nproportion = 0.1\n",
    );
    assert_mentions(
        &error_of(&c),
        &[
            "targets.toml",
            "target[0].level",
            "level `IV` does not occur",
            "`iss`",
            "I, II, III",
        ],
    );
}

#[test]
fn target_outside_the_data_is_explained() {
    // A proportion of a 0/1 column that is 0 for everyone.
    let c = case(DATA, "[[target]]\ncolumn = \"none\"\nmean = 0.7\n");
    assert_mentions(
        &error_of(&c),
        &[
            "targets.toml",
            "target[0].mean",
            "`none` is 0 for every patient",
            "mean 0.7",
        ],
    );
    // Out of range.
    let c = case(DATA, "[[target]]\ncolumn = \"age\"\nmean = 80\n");
    assert_mentions(
        &error_of(&c),
        &[
            "target[0].mean",
            "mean 80 of `age`",
            "smallest (58)",
            "largest (73)",
        ],
    );
    // An SD no weighting of these ages reaches.
    let c = case(DATA, "[[target]]\ncolumn = \"age\"\nmean = 64\nsd = 60\n");
    assert_mentions(
        &error_of(&c),
        &["target[0].sd", "to match the SD", "`age^2`"],
    );
    // Each in range, jointly impossible: everyone with iss III is young.
    let c = case(
        DATA,
        "[[target]]\ncolumn = \"age\"\nmean = 71\n[[target]]\ncolumn = \"iss\"\nlevel = \"III\"\nproportion = 0.9\n",
    );
    assert_mentions(
        &error_of(&c),
        &["targets.toml", "cannot be matched together", "patients.csv"],
    );
}

#[test]
fn collinear_targets_are_named() {
    let c = case(
        DATA,
        "[[target]]\ncolumn = \"male\"\nmean = 0.5\n[[target]]\ncolumn = \"male\"\nlevel = \"1\"\nproportion = 0.5\n",
    );
    assert_mentions(
        &error_of(&c),
        &[
            "targets.toml",
            "target[1].proportion",
            "determined by the targets before it",
        ],
    );
}

#[test]
fn malformed_toml_names_the_key() {
    let c = case(
        DATA,
        "[[target]]\ncolumn = \"iss\"\nlevel = \"III\"\nproportoin = 0.3\n",
    );
    assert_mentions(
        &error_of(&c),
        &[
            "targets.toml",
            "target[0]",
            "unknown field `proportoin`",
            "line",
        ],
    );
    let c = case(DATA, "[[targets]]\ncolumn = \"age\"\nmean = 64\n");
    assert_mentions(&error_of(&c), &["targets.toml", "unknown field `targets`"]);
    let c = case(DATA, "[[target]]\ncolumn = \"age\"\nmean = \"old\"\n");
    assert_mentions(&error_of(&c), &["targets.toml", "target[0].mean", "line 3"]);
    let c = case(DATA, "[[target]]\ncolumn = \"age\"\nmean = 64\nsd = -2\n");
    assert_mentions(&error_of(&c), &["targets.toml: target[0].sd: must be > 0"]);
    let c = case(
        DATA,
        "[[target]]\ncolumn = \"iss\"\nlevel = \"I\"\nproportion = 1.2\n",
    );
    assert_mentions(
        &error_of(&c),
        &["target[0].proportion", "strictly between 0 and 1"],
    );
    let c = case(DATA, "[[target]\ncolumn = \"age\"\n");
    assert_mentions(&error_of(&c), &["targets.toml", "line 1"]);
}

#[test]
fn bad_command_line_and_files() {
    let c = case(DATA, "[[target]]\ncolumn = \"age\"\nmean = 64\n");
    let mut a = args(&c.data, &c.targets);
    a.time = "months".into();
    assert_mentions(
        &run(&a).unwrap_err().to_string(),
        &["patients.csv", "no column `months`"],
    );
    let mut a = args(&c.data, &c.targets);
    a.group = Some("none".into());
    assert_mentions(
        &run(&a).unwrap_err().to_string(),
        &["column `none`", "single level"],
    );
    let mut a = args(&c.data, &c.targets);
    a.conf_level = 1.5;
    assert_mentions(&run(&a).unwrap_err().to_string(), &["--conf-level"]);
    let mut a = args(&c.data, &c.targets);
    a.landmark = vec![-1.0];
    assert_mentions(&run(&a).unwrap_err().to_string(), &["--landmark"]);
    let a = args(&c.data, &c.data.with_file_name("missing.toml"));
    assert_mentions(&run(&a).unwrap_err().to_string(), &["missing.toml"]);
    let bad = DATA.replace("7,0,A", "7,maybe,A");
    let c = case(&bad, "[[target]]\ncolumn = \"age\"\nmean = 64\n");
    assert_mentions(
        &run(&args(&c.data, &c.targets)).unwrap_err().to_string(),
        &["patients.csv", "row 3", "column `status`"],
    );
}

#[test]
fn targets_at_the_sample_means_reproduce_the_unweighted_analysis() {
    let d = std::fs::read_to_string(fixture("ties300.csv")).unwrap();
    let t = Table::load(&["maic", "ties300.csv"]);
    let age: Vec<f64> = t
        .rows
        .iter()
        .map(|r| num(&r[t.col("age")]).unwrap())
        .collect();
    let male: Vec<f64> = t
        .rows
        .iter()
        .map(|r| num(&r[t.col("male")]).unwrap())
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let c = case(
        &d,
        &format!(
            "[[target]]\ncolumn = \"age\"\nmean = {:?}\n[[target]]\ncolumn = \"male\"\nmean = {:?}\n",
            mean(&age),
            mean(&male)
        ),
    );
    let mut a = args(&c.data, &c.targets);
    a.landmark = vec![6.0, 12.0];
    let out = maic(&a).unwrap();
    assert_eq!(out.iterations, 0);
    assert_eq!(out.ess, 300.0);
    assert_eq!(out.km_variance, "greenwood");
    let time: Vec<f64> = t
        .rows
        .iter()
        .map(|r| num(&r[t.col("time")]).unwrap())
        .collect();
    let event: Vec<bool> = t.rows.iter().map(|r| &r[t.col("status")] == "1").collect();
    let mut km = KaplanMeier::new();
    km.fit(&time, &event);
    let med = km.median(ConfType::Log, 0.95);
    let g = &out.groups[0];
    assert_eq!(g.median, med.estimate);
    assert_eq!(g.median_ci, [med.lower, med.upper]);
    for l in &g.landmarks {
        let want = km.survival_at(l.time, ConfType::Log, 0.95).unwrap();
        assert_eq!(l.surv, Some(want.surv));
        assert_eq!((l.lower, l.upper), (Some(want.lower), Some(want.upper)));
    }
}

#[test]
fn clap_args_parse_with_defaults() {
    use clap::{CommandFactory, Parser};
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        maic: MaicArgs,
    }
    Cli::command().debug_assert();
    let cli = Cli::try_parse_from([
        "maic",
        "d.csv",
        "--targets",
        "t.toml",
        "--time",
        "pfs",
        "--event",
        "ev",
        "--landmark",
        "6,12",
        "--group",
        "arm",
        "--json",
    ])
    .unwrap();
    let a = cli.maic;
    assert_eq!(a.data, PathBuf::from("d.csv"));
    assert_eq!(a.landmark, vec![6.0, 12.0]);
    assert_eq!(
        (a.ties.as_str(), a.conf_type.as_str(), a.conf_level),
        ("efron", "log", 0.95)
    );
    assert!(a.json && a.group.as_deref() == Some("arm"));
    assert!(Cli::try_parse_from(["maic", "d.csv", "--time", "t", "--event", "e"]).is_err());
    assert!(Cli::try_parse_from([
        "maic",
        "d.csv",
        "--targets",
        "t.toml",
        "--time",
        "t",
        "--event",
        "e",
        "--ties",
        "exact"
    ])
    .is_err());
}
