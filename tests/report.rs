//! `cohortsim report`: the files it writes, what they contain, determinism.

use std::process::Command;

fn report(scenario: &str, dir: &std::path::Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_cohortsim"))
        .args([
            "report",
            scenario,
            "--replicates",
            "120",
            "--seed",
            "4",
            "-o",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn report_holds_published_figures_table_one_and_figures_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    report("scenarios/botkin-isapd-2024.toml", &a);
    report("scenarios/botkin-isapd-2024.toml", &b);
    for f in ["report.md", "report.html", "pfs.svg", "os.svg"] {
        let x = std::fs::read(a.join(f)).unwrap();
        assert!(
            x == std::fs::read(b.join(f)).unwrap(),
            "{f} differs between two runs with one seed"
        );
    }
    let md = std::fs::read_to_string(a.join("report.md")).unwrap();
    for key in [
        "IsaPd.pfs_median",
        "IsaPd.pfs_at_12",
        "IsaPd.os_at_12",
        "IsaPd.os_events",
        "IsaPd.followup_median",
    ] {
        let row = md
            .lines()
            .find(|l| l.starts_with(&format!("| {key} |")))
            .unwrap_or_else(|| panic!("no row for {key}"));
        assert!(row.ends_with("| yes |") || row.ends_with("| NO |"), "{row}");
    }
    // Table 1: every level of every categorical covariate, e.g. ISS unknown 7/60.
    let iss_unknown = md
        .lines()
        .find(|l| l.starts_with("| iss | unknown |"))
        .expect("iss unknown row");
    assert!(iss_unknown.contains("11.7%"), "{iss_unknown}");
    assert!(md.contains("| dara_refractory | yes |"));
    let svg = std::fs::read_to_string(a.join("pfs.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("IsaPd: published median"));
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(
        html.contains("<svg") && !html.contains("http"),
        "the HTML must be self-contained"
    );
}
