//! A run killed part-way resumes from its last checkpoint without
//! recomputing the chunks it records, and ends with the outputs of an
//! uninterrupted run, byte for byte.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cohortsim")
}

const ARGS: [&str; 4] = [
    "run",
    "scenarios/botkin-isapd-2024.toml",
    "--replicates",
    "30000",
];

fn run(out: &Path, extra: &[&str]) -> std::process::Output {
    let seed = if extra.contains(&"--seed") {
        &[][..]
    } else {
        &["--seed", "5"][..]
    };
    Command::new(bin())
        .args(ARGS)
        .args(seed)
        .args(extra)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// Replicates the checkpoint says are done.
fn checkpointed(path: &Path) -> u64 {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let blocks = v["units"][0]["blocks"].as_array().unwrap();
    let last = blocks.last().unwrap();
    let end_chunk = (last["index"].as_u64().unwrap() + 1) << last["level"].as_u64().unwrap();
    end_chunk * 512
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    assert!(run(&whole, &[]).status.success());

    let cut = tmp.path().join("cut");
    let mut child = Command::new(bin())
        .args(ARGS)
        .args([
            "--seed",
            "5",
            "--checkpoint-every",
            "0",
            "--threads",
            "1",
            "-o",
        ])
        .arg(&cut)
        .spawn()
        .unwrap();
    let checkpoint = cut.join("checkpoint.json");
    let start = Instant::now();
    // Kill it once a few chunks are recorded (or let it finish, on a very
    // fast machine: then there is nothing to resume and the test says so).
    while !(checkpoint.exists() && checkpointed(&checkpoint) >= 4 * 512) {
        if child.try_wait().unwrap().is_some() || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    assert!(killed, "the run finished before it could be interrupted");
    assert!(
        !cut.join("summary.json").exists(),
        "no output from an interrupted run"
    );
    let done = checkpointed(&checkpoint);
    assert!((2048..30000).contains(&done), "{done}");

    // A resume with another seed is refused, and leaves the checkpoint be.
    let o = run(&cut, &["--resume", "--seed", "6"]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("belongs to another study") && e.contains("`run.seed` is 6 here, 5 there"),
        "{e}"
    );
    assert!(checkpoint.exists());

    let o = run(&cut, &["--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["summary.json", "replicates.csv"] {
        assert!(
            std::fs::read(whole.join(f)).unwrap() == std::fs::read(cut.join(f)).unwrap(),
            "{f} differs after resuming from replicate {done}"
        );
    }
    assert!(
        !checkpoint.exists(),
        "a finished run removes its checkpoint"
    );
    assert!(!cut.join(".replicates.csv.partial").exists());
}
