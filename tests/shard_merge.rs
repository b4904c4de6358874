//! `--shard K/N` + `cohortsim merge` give byte-identical outputs to a single
//! run, for every command that shards; a wrong set of shards is a clear
//! error that writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cohortsim")
}

fn cohortsim(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn failed(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "expected a failure: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file in a directory (not hidden ones), by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// Runs `args` whole and as `n` shards, merges, and compares every output.
fn whole_equals_merged(tmp: &Path, args: &[&str], n: u32) {
    let whole = tmp.join("whole");
    let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    a.extend(["-o".into(), whole.display().to_string()]);
    ok(&Command::new(bin()).args(&a).output().unwrap());
    let mut shard_dirs: Vec<PathBuf> = Vec::new();
    // Shards run in reverse order, as a cluster may finish them.
    for k in (1..=n).rev() {
        let dir = tmp.join(format!("shard{k}"));
        let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        a.extend([
            "--shard".into(),
            format!("{k}/{n}"),
            "--threads".into(),
            (1 + k % 2).to_string(),
            "-o".into(),
            dir.display().to_string(),
        ]);
        let text = ok(&Command::new(bin()).args(&a).output().unwrap());
        assert!(text.contains(&format!("partial-{k}-of-{n}.json")), "{text}");
        shard_dirs.push(dir);
    }
    let merged = tmp.join("merged");
    let mut m: Vec<String> = vec!["merge".into()];
    m.extend(shard_dirs.iter().map(|d| d.display().to_string()));
    m.extend(["-o".into(), merged.display().to_string()]);
    let text = ok(&Command::new(bin()).args(&m).output().unwrap());
    assert!(text.contains(&format!("merged {n} shard(s)")), "{text}");
    let (w, g) = (files(&whole), files(&merged));
    assert_eq!(
        w.keys().collect::<Vec<_>>(),
        g.keys().collect::<Vec<_>>(),
        "{args:?}: the same files"
    );
    for (name, bytes) in &w {
        assert!(
            bytes == &g[name],
            "{args:?}: {name} differs between the whole run and the merge"
        );
    }
}

#[test]
fn run_shards_merge_to_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    // 1,300 replicates = 3 chunks over 4 shards: one shard is empty.
    whole_equals_merged(
        tmp.path(),
        &[
            "run",
            "scenarios/botkin-isapd-2024.toml",
            "--replicates",
            "1300",
            "--seed",
            "7",
        ],
        4,
    );
}

#[test]
fn sweep_power_and_benchmark_shards_merge_to_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    whole_equals_merged(
        &tmp.path().join("sweep"),
        &[
            "sweep",
            "scenarios/botkin-isapd-2024.toml",
            "--vary",
            "cohort.n=40,80",
            "--no-truth",
            "--replicates",
            "1100",
        ],
        2,
    );
    whole_equals_merged(
        &tmp.path().join("power"),
        &[
            "power",
            "scenarios/icaria-mm.toml",
            "--test",
            "logrank",
            "--n",
            "120,240",
            "--replicates",
            "1100",
        ],
        3,
    );
    whole_equals_merged(
        &tmp.path().join("bench"),
        &[
            "bench-estimators",
            "scenarios/icaria-mm.toml",
            "--replicates",
            "1100",
            "--estimators",
            "km-median-log,cox-efron",
        ],
        2,
    );
}

/// Shards 1..=n of `args` into `tmp/shard{k}`.
fn shards(tmp: &Path, args: &[&str], n: u32) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let dir = tmp.join(format!("shard{k}"));
            let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            a.extend([
                "--shard".into(),
                format!("{k}/{n}"),
                "-o".into(),
                dir.display().to_string(),
            ]);
            ok(&Command::new(bin()).args(&a).output().unwrap());
            dir
        })
        .collect()
}

fn merge(dirs: &[&Path], out: &Path) -> Output {
    let mut m: Vec<String> = vec!["merge".into()];
    m.extend(dirs.iter().map(|d| d.display().to_string()));
    m.extend(["-o".into(), out.display().to_string()]);
    Command::new(bin()).args(&m).output().unwrap()
}

#[test]
fn a_wrong_set_of_shards_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let base = [
        "run",
        "scenarios/botkin-isapd-2024.toml",
        "--replicates",
        "1100",
        "--no-replicates-csv",
    ];
    let s = shards(&tmp.path().join("a"), &base, 3);
    let out = tmp.path().join("out");

    let e = failed(&merge(&[&s[0], &s[2]], &out));
    assert!(e.contains("shard(s) 2/3 missing"), "{e}");

    let e = failed(&merge(&[&s[0], &s[1], &s[1], &s[2]], &out));
    assert!(e.contains("shard 2/3 appears twice"), "{e}");

    // Another seed: a different study.
    let mut other = base.to_vec();
    other.extend(["--seed", "2"]);
    let t = shards(&tmp.path().join("b"), &other, 3);
    let e = failed(&merge(&[&s[0], &t[1], &s[2]], &out));
    assert!(
        e.contains("different studies") && e.contains("`run.seed` is 1 here, 2 there"),
        "{e}"
    );

    // Another split of the same study.
    let u = shards(&tmp.path().join("c"), &base, 2);
    let e = failed(&merge(&[&s[0], &s[1], &u[1]], &out));
    assert!(e.contains("split two ways"), "{e}");

    // A scenario edited since the shards ran (a copy, with its include).
    let dir = tmp.path().join("scen");
    std::fs::create_dir_all(dir.join("assumptions")).unwrap();
    let scen = dir.join("botkin.toml");
    std::fs::copy("scenarios/botkin-isapd-2024.toml", &scen).unwrap();
    std::fs::copy(
        "scenarios/assumptions/prognostic-hr.toml",
        dir.join("assumptions/prognostic-hr.toml"),
    )
    .unwrap();
    let e_args = [
        "run",
        scen.to_str().unwrap(),
        "--replicates",
        "1100",
        "--no-replicates-csv",
    ];
    let v = shards(&tmp.path().join("d"), &e_args, 2);
    let mut text = std::fs::read_to_string(&scen).unwrap();
    text.push_str("# edited after the shards ran\n");
    std::fs::write(&scen, text).unwrap();
    let e = failed(&merge(&[&v[0], &v[1]], &out));
    assert!(e.contains("content hash"), "{e}");

    // A corrupted block (a chunk claimed twice).
    let p = s[1].join("partial-2-of-3.json");
    let good = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, good.replacen("\"index\":1", "\"index\":0", 1)).unwrap();
    let e = failed(&merge(&[&s[0], &s[1], &s[2]], &out));
    assert!(e.contains("partial-2-of-3.json"), "{e}");
    std::fs::write(&p, &good).unwrap();

    // A directory with no finished shard.
    let e = failed(&merge(&[&s[0], tmp.path()], &out));
    assert!(e.contains("holds no partial-K-of-N.json"), "{e}");

    assert!(
        !out.join("summary.json").exists(),
        "a refused merge writes nothing"
    );
    // And the right set merges.
    ok(&merge(&[&s[2], &s[0], &s[1]], &out));
    assert!(out.join("summary.json").exists());
}

#[test]
fn target_power_search_cannot_be_sharded() {
    let tmp = tempfile::tempdir().unwrap();
    let o = cohortsim(&[
        "power",
        "scenarios/icaria-mm.toml",
        "--test",
        "logrank",
        "--target-power",
        "0.8",
        "--shard",
        "1/2",
        "-o",
        tmp.path().to_str().unwrap(),
    ]);
    let e = failed(&o);
    assert!(e.contains("cannot be split into shards"), "{e}");
    let o = cohortsim(&["run", "scenarios/botkin-isapd-2024.toml", "--shard", "3/2"]);
    assert!(failed(&o).contains("1 <= K <= N"));
}
