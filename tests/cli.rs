//! The binary's commands on the shipped scenarios: what they print and write.

use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cohortsim")
}

#[test]
fn validate_prints_the_resolved_scenario_with_defaults() {
    let o = Command::new(bin())
        .args(["validate", "scenarios/icaria-mm.toml"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("valid"));
    // defaults written out
    assert!(text.contains("truth_n = 400000"), "{text}");
    assert!(text.contains("death_clock = \"reset\""));
    // derived values: the accrual window in months, hazards from medians
    assert!(text.contains("# arm IsaPd"), "{text}");
    assert!(text.contains("# arm Pd"));
    // the printed TOML parses back as a scenario with the same meaning
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    // (named as if beside the original, so its include path resolves)
    let again =
        cohortsim::scenario::from_str(&body, std::path::Path::new("scenarios/printed.toml"));
    assert!(again.is_ok(), "{:?}", again.err().map(|e| e.to_string()));
}

fn simulate_csv(args: &[&str]) -> csv::Reader<std::io::Cursor<Vec<u8>>> {
    let o = Command::new(bin())
        .arg("simulate")
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    csv::Reader::from_reader(std::io::Cursor::new(o.stdout))
}

#[test]
fn simulate_writes_a_row_per_patient_with_the_documented_columns() {
    let mut r = simulate_csv(&["scenarios/botkin-isapd-2024.toml", "--seed", "5"]);
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "id",
        "arm",
        "age",
        "age_band",
        "sex",
        "ds_stage",
        "egfr",
        "iss",
        "isotype",
        "cyto_risk",
        "prior_lines",
        "lines_band",
        "prior_asct",
        "prior_alkylator",
        "prior_dara",
        "dara_refractory",
        "len_refractory",
        "last_line_refractory",
        "plasmacytoma",
        "entry",
        "pfs_time",
        "pfs_event",
        "os_time",
        "os_event",
        "progression_latent",
        "death_latent",
    ] {
        assert!(
            header.contains(&col.to_string()),
            "missing column {col} in {header:?}"
        );
    }
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 60);
    let idx = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in &rows {
        let pfs: f64 = row[idx("pfs_time")].parse().unwrap();
        let os: f64 = row[idx("os_time")].parse().unwrap();
        assert!(pfs <= os + 1e-12, "PFS after OS: {row:?}");
        if &row[idx("dara_refractory")] == "yes" {
            assert_eq!(
                &row[idx("prior_dara")],
                "yes",
                "refractory without exposure"
            );
        }
        let age: f64 = row[idx("age")].parse().unwrap();
        assert!((39.0..=81.0).contains(&age));
    }
}

#[test]
fn exact_margins_reproduce_the_table_counts() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/botkin-isapd-2024.toml")
        .unwrap()
        .replace("margins = \"sampled\"", "margins = \"exact\"");
    let path = dir.path().join("exact.toml");
    std::fs::write(&path, text).unwrap();
    // The scenario includes the shared assumptions by a relative path.
    std::fs::create_dir(dir.path().join("assumptions")).unwrap();
    std::fs::copy(
        "scenarios/assumptions/prognostic-hr.toml",
        dir.path().join("assumptions/prognostic-hr.toml"),
    )
    .unwrap();
    for seed in ["1", "2", "3"] {
        let mut r = simulate_csv(&[path.to_str().unwrap(), "--seed", seed]);
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        let count = |col: &str, level: &str| {
            let i = header.iter().position(|h| h == col).unwrap();
            rows.iter().filter(|row| &row[i] == level).count()
        };
        for (col, level, n) in [
            ("sex", "female", 32),
            ("ds_stage", "III", 33),
            ("iss", "unknown", 7),
            ("iss", "III", 28),
            ("egfr", "lt30", 6),
            ("isotype", "light_chain", 12),
            ("cyto_risk", "high", 8),
            ("prior_lines", "2", 29),
            ("prior_dara", "yes", 17),
            ("dara_refractory", "yes", 11),
            ("len_refractory", "yes", 39),
            ("plasmacytoma", "yes", 11),
            ("age_band", "lt65", 27),
            ("age_band", "ge75", 3),
        ] {
            assert_eq!(count(col, level), n, "seed {seed}: {col} = {level}");
        }
    }
}

#[test]
fn run_writes_outputs_and_prints_truth_beside_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = Command::new(bin())
        .args([
            "run",
            "scenarios/botkin-isapd-2024.toml",
            "--replicates",
            "200",
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("IsaPd.pfs_median") && text.contains("truth"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["replicates"], 200);
    let est = json["estimates"].as_array().unwrap();
    let median = est
        .iter()
        .find(|e| e["name"] == "IsaPd.pfs_median")
        .unwrap();
    assert!(median["truth"].as_f64().unwrap() > 0.0);
    let mut r = csv::Reader::from_path(out.join("replicates.csv")).unwrap();
    assert_eq!(r.records().count(), 200);
    // nothing temporary left behind
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name == "replicates.csv" || name == "summary.json",
            "stray file {name}"
        );
    }
}
