//! Bad scenarios: each exits non-zero with a message naming the file, the key
//! path and what is wrong; none panics; none leaves an output file behind.

use std::path::{Path, PathBuf};
use std::process::Command;

const BASE: &str = r#"
[meta]
name = "bad-input-base"

[cohort]
n = 40
margins = "sampled"

[[arms]]
name = "A"

[[covariates]]
name = "iss"
kind = "categorical"
levels = ["I", "II", "III"]
probs = [0.3, 0.3, 0.4]

[[covariates]]
name = "prior_dara"
kind = "binary"
p_yes = 0.3

[[covariates]]
name = "dara_refractory"
kind = "binary"
p_yes = 0.2
only_if = { covariate = "prior_dara", level = "yes" }

[outcome.progression]
family = "exponential"
median = 12.0
effects = { iss = { III = 1.5 } }

[outcome.death_before_progression]
family = "exponential"
median = 80.0

[outcome.death_after_progression]
family = "exponential"
median = 10.0

[design.accrual]
end = 12.0

[design.cutoff]
date = 30.0
"#;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cohortsim")
}

fn write_scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `cohortsim run` on the text; returns (exit ok, stderr, output dir).
fn run_bad(text: &str, tag: &str) -> (bool, String, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let scen = write_scenario(&dir, &format!("{tag}.toml"), text);
    let out = dir.join("out");
    let o = Command::new(bin())
        .args([
            "run",
            scen.to_str().unwrap(),
            "--replicates",
            "10",
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        scen,
        out,
    )
}

fn expect_error(text: &str, tag: &str, key: &str, words: &[&str]) {
    let (ok, stderr, scen, out) = run_bad(text, tag);
    assert!(!ok, "{tag}: expected failure, stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{tag}: panicked: {stderr}");
    assert!(
        stderr.contains(scen.to_str().unwrap()),
        "{tag}: message does not name the file: {stderr}"
    );
    assert!(
        stderr.contains(key),
        "{tag}: message does not name `{key}`: {stderr}"
    );
    for w in words {
        assert!(stderr.contains(w), "{tag}: message lacks `{w}`: {stderr}");
    }
    assert!(
        !out.join("replicates.csv").exists() && !out.join("summary.json").exists(),
        "{tag}: an output file was written"
    );
}

#[test]
fn the_base_scenario_is_valid() {
    let (ok, stderr, _, out) = run_bad(BASE, "base");
    assert!(ok, "base scenario failed: {stderr}");
    assert!(out.join("replicates.csv").exists());
}

#[test]
fn unknown_key() {
    let text = BASE.replace("median = 80.0", "median = 80.0\nmedain = 3");
    expect_error(
        &text,
        "unknown_key",
        "outcome.death_before_progression",
        &["unknown field `medain`"],
    );
}

#[test]
fn proportions_not_summing_to_one() {
    let text = BASE.replace("probs = [0.3, 0.3, 0.4]", "probs = [0.3, 0.3, 0.3]");
    expect_error(&text, "probs", "covariates[0]", &["sum to 0.9,"]);
}

#[test]
fn counts_not_summing_to_n_in_exact_mode() {
    let text = BASE
        .replace("margins = \"sampled\"", "margins = \"exact\"")
        .replace("probs = [0.3, 0.3, 0.4]", "counts = [10, 10, 10]")
        .replace("p_yes = 0.3", "counts = [28, 12]")
        .replace("p_yes = 0.2", "counts = [32, 8]");
    expect_error(&text, "exact_counts", "covariates[0]", &["30", "40"]);
}

#[test]
fn non_positive_median() {
    let text = BASE.replace("median = 12.0", "median = -1.0");
    expect_error(&text, "median", "outcome.progression", &["-1"]);
}

#[test]
fn non_positive_rate() {
    let text = BASE.replace("median = 80.0", "rate = 0.0");
    expect_error(&text, "rate", "outcome.death_before_progression", &["0"]);
}

#[test]
fn hazard_ratio_for_a_level_that_does_not_exist() {
    let text = BASE.replace("iss = { III = 1.5 }", "iss = { IV = 1.5 }");
    expect_error(
        &text,
        "hr_level",
        "outcome.progression.effects.iss.IV",
        &["no level `IV`"],
    );
}

#[test]
fn cutoff_before_accrual_ends() {
    let text = BASE.replace("date = 30.0", "date = 6.0");
    expect_error(
        &text,
        "cutoff",
        "design.cutoff.date",
        &["before the accrual ends"],
    );
}

#[test]
fn dependence_that_cannot_be_satisfied() {
    // P(refractory) 0.4 > P(exposed) 0.3: refractory without exposure would be needed.
    let text = BASE.replace("p_yes = 0.2", "p_yes = 0.4");
    expect_error(&text, "only_if", "covariates[2]", &["prior_dara"]);
}

#[test]
fn correlation_matrix_not_positive_definite() {
    let text = format!(
        "{BASE}\n[dependence]\ncorrelations = [{{ a = \"iss\", b = \"prior_dara\", rho = 1.5 }}]\n"
    );
    expect_error(&text, "rho", "dependence", &["1.5"]);
}

#[test]
fn malformed_toml_names_the_line() {
    let text = BASE.replace("n = 40", "n = = 40");
    expect_error(&text, "syntax", "line 6", &[]);
}

#[test]
fn several_problems_are_reported_together() {
    let text = BASE
        .replace("median = 12.0", "median = 0.0")
        .replace("iss = { III = 1.5 }", "iss = { IV = 1.5 }");
    let (ok, stderr, _, _) = run_bad(&text, "several");
    assert!(!ok);
    assert!(
        stderr.contains("outcome.progression: ") && stderr.contains("effects.iss.IV"),
        "{stderr}"
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    let o = Command::new(bin())
        .args(["validate", "/nonexistent/scenario.toml"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("/nonexistent/scenario.toml") && stderr.contains("cannot read"),
        "{stderr}"
    );
}

#[test]
fn a_published_figure_must_name_an_estimate() {
    let text = format!("{BASE}\n[published]\n\"A.pfs_medain\" = 12.0\n");
    expect_error(
        &text,
        "published",
        "published.\"A.pfs_medain\"",
        &["no estimate `A.pfs_medain`"],
    );
}
