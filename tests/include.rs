//! Shared assumption files: merged into the transitions' effects, overridden
//! by the scenario, applied only to covariates it has; errors name the file.

use cohortsim::outcomes::effects::Term;
use cohortsim::scenario;

const SCENARIO: &str = r#"
include = ["shared.toml"]
[meta]
name = "include-test"
[cohort]
n = 50
[[arms]]
name = "A"
[[covariates]]
name = "iss"
kind = "categorical"
levels = ["I", "II", "III"]
probs = [0.3, 0.3, 0.4]
[[covariates]]
name = "plasmacytoma"
kind = "binary"
p_yes = 0.2
[outcome.progression]
family = "exponential"
median = 12.0
effects = { plasmacytoma = { yes = 2.5 } }
[outcome.death_before_progression]
family = "exponential"
median = 60.0
[outcome.death_after_progression]
family = "exponential"
median = 8.0
[design.accrual]
end = 12.0
[design.cutoff]
min_followup = 12.0
"#;

const SHARED: &str = r#"
[pfs]
iss = { III = 1.5 }
plasmacytoma = { yes = 1.8 }
cyto_risk = { high = 1.6 }
[os]
iss = { III = 1.2 }
"#;

fn level_hr(terms: &[Term], column: usize, level: usize) -> Option<f64> {
    terms.iter().find_map(|t| match t {
        Term::Level { column: c, log_hr } if *c == column => Some(log_hr[level].exp()),
        _ => None,
    })
}

#[test]
fn included_effects_merge_and_the_scenario_overrides() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shared.toml"), SHARED).unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let s = scenario::load(&path).unwrap();
    let e = &s.arms[0].effects;
    // iss from the shared file; plasmacytoma overridden by the scenario (2.5, not 1.8);
    // cyto_risk skipped: the scenario has no such covariate.
    assert!((level_hr(&e.progression.terms, 0, 2).unwrap() - 1.5).abs() < 1e-12);
    assert!((level_hr(&e.progression.terms, 1, 1).unwrap() - 2.5).abs() < 1e-12);
    assert_eq!(e.progression.terms.len(), 2);
    // os effects reach both death transitions
    assert!((level_hr(&e.death_before_progression.terms, 0, 2).unwrap() - 1.2).abs() < 1e-12);
    assert!((level_hr(&e.death_after_progression.terms, 0, 2).unwrap() - 1.2).abs() < 1e-12);
}

#[test]
fn a_missing_or_malformed_include_names_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let e = scenario::load(&path).unwrap_err().to_string();
    assert!(e.contains("include") && e.contains("shared.toml"), "{e}");
    std::fs::write(
        dir.path().join("shared.toml"),
        "[pfs]\niss = { III = 1.5 }\n[oss]\nx = { a = 1.0 }\n",
    )
    .unwrap();
    let e = scenario::load(&path).unwrap_err().to_string();
    assert!(e.contains("shared.toml") && e.contains("oss"), "{e}");
}

#[test]
fn a_shared_effect_on_a_level_the_scenario_lacks_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("shared.toml"),
        "[pfs]\niss = { IV = 2.0 }\n",
    )
    .unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SCENARIO).unwrap();
    let e = scenario::load(&path).unwrap_err().to_string();
    assert!(e.contains("no level `IV`"), "{e}");
}
